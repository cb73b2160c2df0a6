package engine

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

func (h *harness) definitions() []*store.ProcessDefinition {
	h.t.Helper()
	ds, err := store.Select(h.ctx, h.e.Store(), func() *store.ProcessDefinition { return new(store.ProcessDefinition) }, "1 ORDER BY key")
	if err != nil {
		h.t.Fatal(err)
	}
	return ds
}

func TestDeploymentVersions(t *testing.T) {
	h := newHarness(t)
	first := h.deploy("order.bpmn")
	again := h.deploy("order.bpmn")
	if again.Processes[0].ProcessDefinitionKey != first.Processes[0].ProcessDefinitionKey || again.Processes[0].Version != 1 {
		t.Fatalf("redeploying the same file made a new version: %+v then %+v", first, again)
	}
	if again.DeploymentKey == first.DeploymentKey {
		t.Fatal("a deployment key was reused")
	}
	if first.DeploymentKey>>51 != 1 || first.Processes[0].ProcessDefinitionKey>>51 != 1 {
		t.Fatalf("keys are not in Zeebe's partition-1 format: %d", first.DeploymentKey)
	}

	orig, err := os.ReadFile(filepath.Join("testdata", "order.bpmn"))
	if err != nil {
		t.Fatal(err)
	}
	changed := bytes.Replace(orig, []byte(`retries="2"`), []byte(`retries="4"`), 1)
	v2, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "order.bpmn", Content: changed}})
	if err != nil {
		t.Fatal(err)
	}
	if v2.Processes[0].Version != 2 {
		t.Fatalf("changed file: %+v", v2)
	}
	// Latest by default, or a given version.
	pi := h.start("order", nil)
	if got := h.instance(pi); got.Version != 2 || got.ProcessDefinitionKey != v2.Processes[0].ProcessDefinitionKey || got.VersionTag != "v1" || got.ProcessName != "Order" {
		t.Fatalf("instance of latest: %+v", got)
	}
	res, err := h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessID: "order", Version: 1})
	if err != nil || res.Version != 1 || res.ProcessDefinitionKey != first.Processes[0].ProcessDefinitionKey {
		t.Fatalf("instance of version 1: %+v %v", res, err)
	}
	res, err = h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessDefinitionKey: first.Processes[0].ProcessDefinitionKey})
	if err != nil || res.Version != 1 {
		t.Fatalf("instance by key: %+v %v", res, err)
	}
	if j := h.jobs("charge-card", 10); len(j) != 3 {
		t.Fatalf("jobs: %d", len(j))
	} else {
		retries := map[int32]int{}
		for _, x := range j {
			retries[x.Retries]++
		}
		if retries[2] != 2 || retries[4] != 1 {
			t.Fatalf("each version keeps its own model: retries %v", retries)
		}
	}
	_, err = h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessID: "order", Version: 7})
	wantCode(t, err, CodeNotFound)
	_, err = h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessID: "nope"})
	wantCode(t, err, CodeNotFound)
	_, err = h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessDefinitionKey: 99})
	wantCode(t, err, CodeNotFound)

	// Several files at once; two processes in one file.
	multi := h.deploy("messages.bpmn", "timers.bpmn")
	if len(multi.Processes) != 4 {
		t.Fatalf("multi-resource deployment: %+v", multi)
	}
	if n := len(h.definitions()); n != 6 {
		t.Fatalf("%d definitions stored, want 6", n)
	}
}

func TestInvalidDeploymentDeploysNothing(t *testing.T) {
	h := newHarness(t)
	h.deploy("order.bpmn")
	valid, err := os.ReadFile(filepath.Join("testdata", "gateways.bpmn"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		content string
		file    string
		want    []string
	}{
		{"malformed", `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process`, "broken.bpmn", []string{"broken.bpmn", "malformed XML"}},
		{"missing type", strings.Replace(string(valid), `<zeebe:taskDefinition type="risk" />`, `<zeebe:taskDefinition />`, 1), "gw.bpmn", []string{"element 'risk'", "job type"}},
		{"bad reference", strings.Replace(string(valid), `targetRef="risk"`, `targetRef="rsk"`, 1), "gw.bpmn", []string{"element 'toRisk'", "'rsk'"}},
		{"bad FEEL", strings.Replace(string(valid), `=amount &gt; 1000`, `=amount &gt; (1000`, 1), "gw.bpmn", []string{"element 'big'", "FEEL"}},
		{"not BPMN", `{"a": 1}`, "x.json", []string{"x.json", "not supported"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(h.definitions())
			// The bad file travels with a good one: neither is deployed.
			_, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "ok.bpmn", Content: valid}, {Name: tc.file, Content: []byte(tc.content)}})
			wantCode(t, err, CodeInvalidArgument)
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
			if after := len(h.definitions()); after != before {
				t.Fatalf("%d definitions after a failed deployment, %d before", after, before)
			}
		})
	}
	_, err = h.e.Deploy(h.ctx, "", []Resource{{Name: "a.bpmn", Content: valid}, {Name: "b.bpmn", Content: valid}})
	wantCode(t, err, CodeInvalidArgument)
	// The engine still works.
	pi := h.start("order", nil)
	h.wantState(pi, store.StateActive)
}
