package rest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/rest"
)

// doublingProcess is a process whose service task's input mapping doubles a
// string n times from an 8-character seed.
func doublingProcess(id string, n int) []byte {
	var b strings.Builder
	b.WriteString(`{d0: &quot;xxxxxxxx&quot;`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, ", d%d: d%d + d%d", i, i-1, i-1)
	}
	fmt.Fprintf(&b, "}.d%d", n)
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="` + id + `" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="work" />
        <zeebe:ioMapping><zeebe:input source="=` + b.String() + `" target="big" /></zeebe:ioMapping>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`)
}

// waitIncident waits for the instance's incident and returns its message.
func (e *env) waitIncident(pi string) string {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		items, _ := e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
		if len(items) > 0 {
			return fmt.Sprint(items[0]["errorMessage"])
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("no incident on instance %s", pi)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestValuesTooLargeAreIncidents: a model whose expression doubles a string
// 30 times raises an incident naming the memory limit (the server answers
// and stays up), and one that computes a variable above the variable limit
// raises an incident naming that limit.
func TestValuesTooLargeAreIncidents(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		id      string
		n       int
		message string
	}{
		{"doubling30", 30, "more than the limit of 16777216 bytes"}, // FEEL's MaxValueBytes
		{"doubling20", 20, "maxVariableBytes"},                      // 8 MiB: FEEL allows it, a variable may not hold it
	} {
		t.Run(tc.id, func(t *testing.T) {
			e := e.with(t)
			r := e.deployRaw([]string{tc.id + ".bpmn"}, map[string][]byte{tc.id + ".bpmn": doublingProcess(tc.id, tc.n)}, "")
			if r.status != http.StatusOK {
				t.Fatalf("deploy: %d %s", r.status, r.body)
			}
			pi := e.start(tc.id, nil)
			if msg := e.waitIncident(pi); !strings.Contains(msg, tc.message) {
				t.Errorf("incident %q does not name %q", msg, tc.message)
			}
			e.ok(http.StatusOK, "GET", "/v2/topology", nil)
		})
	}
}

// TestVariableLimits: a request over a variable limit is a 400 problem
// naming the limit.
func TestVariableLimits(t *testing.T) {
	e := newEnvWith(t, rest.Options{})
	e.deploy("service.bpmn")
	many := map[string]any{}
	for i := 0; i <= 10_000; i++ {
		many[fmt.Sprintf("v%d", i)] = i
	}
	e.problem(e.do("POST", "/v2/process-instances", map[string]any{"processDefinitionId": "service", "variables": many}),
		400, "INVALID_ARGUMENT", "maxVariablesPerCommand")
	long := map[string]any{strings.Repeat("n", 5000): 1}
	e.problem(e.do("POST", "/v2/process-instances", map[string]any{"processDefinitionId": "service", "variables": long}),
		400, "INVALID_ARGUMENT", "maxVariableNameBytes")
}

// newEnvWith is newEnv with the server's options (zero: the defaults).
func newEnvWith(t testing.TB, opts rest.Options) *env {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	srv := rest.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), opts)
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Drain()
		hs.Close()
		eng.Close()
	})
	return &env{t: t, url: hs.URL, eng: eng, srv: srv}
}
