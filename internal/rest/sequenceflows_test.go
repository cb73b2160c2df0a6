package rest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/rest"
)

// flowsModel: a review that may loop back (back) before a call activity
// runs a child process. Once the review is done without looping, back is
// a flow whose source completed and whose target was reached, but it was
// never taken.
const flowsModel = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="flows" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:serviceTask id="review"><bpmn:extensionElements><zeebe:taskDefinition type="review" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:exclusiveGateway id="again" default="out" />
    <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="flowsChild" propagateAllChildVariables="false" /></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="review" />
    <bpmn:sequenceFlow id="f2" sourceRef="review" targetRef="again" />
    <bpmn:sequenceFlow id="back" sourceRef="again" targetRef="review"><bpmn:conditionExpression>=loop</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="out" sourceRef="again" targetRef="call" />
    <bpmn:sequenceFlow id="f4" sourceRef="call" targetRef="e" />
  </bpmn:process>
  <bpmn:process id="flowsChild" isExecutable="true">
    <bpmn:startEvent id="cs" />
    <bpmn:serviceTask id="cwork"><bpmn:extensionElements><zeebe:taskDefinition type="child-work" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="ce" />
    <bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="cwork" />
    <bpmn:sequenceFlow id="c2" sourceRef="cwork" targetRef="ce" />
  </bpmn:process>
</bpmn:definitions>`

// flows reads the sequence flows of an instance and checks each item's
// fields.
func (e *env) flows(pi, root, tenant string) []string {
	e.t.Helper()
	var res struct {
		Items []map[string]any `json:"items"`
	}
	e.ok(http.StatusOK, "GET", "/v2/process-instances/"+pi+"/sequence-flows", nil).json(e.t, &res)
	if res.Items == nil {
		e.t.Fatalf("no items array")
	}
	var ids []string
	for _, it := range res.Items {
		id, _ := it["elementId"].(string)
		requireFields(e.t, it, "processDefinitionKey", "processDefinitionId")
		if it["sequenceFlowId"] != pi+"_"+id || it["processInstanceKey"] != pi || it["rootProcessInstanceKey"] != root || it["tenantId"] != tenant {
			e.t.Fatalf("flow item %v (instance %s, root %s, tenant %s)", it, pi, root, tenant)
		}
		ids = append(ids, id)
	}
	return ids
}

func wantIDs(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s: flows %v, want %v", what, got, want)
	}
}

// GET /v2/process-instances/{key}/sequence-flows lists the flows an
// instance took, each once, with its own key, its root's and its tenant;
// a called instance's flows are its own.
func TestSequenceFlows(t *testing.T) {
	e := newEnv(t)
	if r := e.deployRaw([]string{"flows.bpmn"}, map[string][]byte{"flows.bpmn": []byte(flowsModel)}, "acme"); r.status != http.StatusOK {
		t.Fatalf("deploy: %d %s", r.status, r.body)
	}
	pi := e.start("flows", map[string]any{"loop": true}, func(b map[string]any) { b["tenantId"] = "acme" })
	wantIDs(t, "waiting for the review", e.flows(pi, pi, "acme"), "f1")

	// The review loops back once, then goes on.
	jobs := e.activate("review", 1)
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+jobs[0]["jobKey"].(string)+"/completion", nil)
	wantIDs(t, "looped once", e.flows(pi, pi, "acme"), "f1", "f2", "back")
	jobs = e.activate("review", 1)
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+jobs[0]["jobKey"].(string)+"/completion", map[string]any{"variables": map[string]any{"loop": false}})
	wantIDs(t, "in the call activity", e.flows(pi, pi, "acme"), "f1", "f2", "back", "out")

	// The child instance: its own flows, the caller as its root.
	child := e.activate("child-work", 1)
	ck := child[0]["processInstanceKey"].(string)
	wantIDs(t, "child", e.flows(ck, pi, "acme"), "c1")
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+child[0]["jobKey"].(string)+"/completion", nil)
	wantIDs(t, "child done", e.flows(ck, pi, "acme"), "c1", "c2")
	wantIDs(t, "done", e.flows(pi, pi, "acme"), "f1", "f2", "back", "out", "f4")
	if st := e.ok(http.StatusOK, "GET", "/v2/process-instances/"+pi, nil).obj(t)["state"]; st != "COMPLETED" {
		t.Fatalf("instance %s", st)
	}

	// A second instance that never loops: back is not listed though its
	// source completed and its target was reached.
	pi2 := e.start("flows", map[string]any{"loop": false}, func(b map[string]any) { b["tenantId"] = "acme" })
	jobs = e.activate("review", 1)
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+jobs[0]["jobKey"].(string)+"/completion", nil)
	wantIDs(t, "no loop", e.flows(pi2, pi2, "acme"), "f1", "f2", "out")

	e.problem(e.do("GET", "/v2/process-instances/2251799813999999/sequence-flows", nil), http.StatusNotFound, "NOT_FOUND", "2251799813999999")
	e.problem(e.do("GET", "/v2/process-instances/abc/sequence-flows", nil), http.StatusBadRequest, "INVALID_ARGUMENT", "processInstanceKey")
}

// A flow taken tens of thousands of times is listed once: the answer is
// bounded by the model, not by how long an instance ran.
func TestSequenceFlowsOfALongLoop(t *testing.T) {
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL", StepBudget: 50_000})
	if err != nil {
		t.Fatal(err)
	}
	srv := rest.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), rest.Options{MaxBodyBytes: 64 << 10})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() { srv.Drain(); hs.Close(); eng.Close() })
	e := &env{t: t, url: hs.URL, eng: eng, srv: srv}

	spin := `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="spin" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:exclusiveGateway id="x1" />
    <bpmn:exclusiveGateway id="x2" default="round" />
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="x1" />
    <bpmn:sequenceFlow id="f1" sourceRef="x1" targetRef="x2" />
    <bpmn:sequenceFlow id="round" sourceRef="x2" targetRef="x1" />
    <bpmn:sequenceFlow id="exit" sourceRef="x2" targetRef="e"><bpmn:conditionExpression>=false</bpmn:conditionExpression></bpmn:sequenceFlow>
  </bpmn:process>
</bpmn:definitions>`
	if r := e.deployRaw([]string{"spin.bpmn"}, map[string][]byte{"spin.bpmn": []byte(spin)}, ""); r.status != http.StatusOK {
		t.Fatalf("deploy: %d %s", r.status, r.body)
	}
	pi := e.start("spin", nil)
	// The step budget stops the loop with an incident.
	for i := 0; ; i++ {
		if items, _ := e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}}); len(items) > 0 {
			break
		}
		if i > 10_000 {
			t.Fatal("no step budget incident")
		}
	}
	_, page := e.search("/v2/element-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "elementId": "x1"}, "page": map[string]any{"limit": 1}})
	if n := page["totalItems"].(float64); n < 10_000 {
		t.Fatalf("the loop ran %v times", n)
	}
	r := e.ok(http.StatusOK, "GET", "/v2/process-instances/"+pi+"/sequence-flows", nil)
	if len(r.body) > 2_000 {
		t.Fatalf("answer of %d bytes", len(r.body))
	}
	wantIDs(t, "loop", e.flows(pi, pi, "<default>"), "f0", "f1", "round")
}
