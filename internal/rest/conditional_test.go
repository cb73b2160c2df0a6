package rest_test

import (
	"strings"
	"testing"
)

// setVariables sets variables on a scope over HTTP (merged outwards).
func (e *env) setVariables(scope string, vars map[string]any) {
	e.t.Helper()
	e.ok(204, "PUT", "/v2/element-instances/"+scope+"/variables", map[string]any{"variables": vars})
}

func wantElements(t *testing.T, got string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Fatalf("missing %s in %s", w, got)
		}
	}
}

// TestConditionalEventsOverHTTP drives every conditional event a running
// instance has (Zeebe 8.9) through /v2: variables set over HTTP trigger
// them, and the element instance search shows the result.
func TestConditionalEventsOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("conditional.bpmn")

	pi := e.start("condOrder", map[string]any{"addressVersion": 1, "risk": 10, "inventoryReserved": false})
	review := e.jobsOf("review")
	if len(review) != 1 {
		t.Fatalf("review jobs: %v", review)
	}
	e.setVariables(pi, map[string]any{"addressVersion": 2})      // non-interrupting boundary
	e.setVariables(pi, map[string]any{"note": "call the buyer"}) // non-interrupting event sub-process
	e.setVariables(pi, map[string]any{"note": "again"})          // an update: filtered out
	e.completeJob(review[0], nil)
	got := e.elements(pi)
	wantElements(t, got, "addressChanged:BOUNDARY_EVENT:COMPLETED", "applyChange:SERVICE_TASK:ACTIVE", "notes:EVENT_SUB_PROCESS:ACTIVE",
		"review:SERVICE_TASK:COMPLETED", "waitStock:INTERMEDIATE_CATCH_EVENT:ACTIVE")
	if n := strings.Count(got, "notes:EVENT_SUB_PROCESS"); n != 1 {
		t.Fatalf("the notes event sub-process ran %d times: %s", n, got)
	}
	e.setVariables(pi, map[string]any{"inventoryReserved": true}) // the catch event
	for _, typ := range []string{"ship", "apply-change", "log-note"} {
		for _, j := range e.jobsOf(typ) {
			e.completeJob(j, nil)
		}
	}
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("instance %s: %s", s, e.elements(pi))
	}
	wantElements(t, e.elements(pi), "waitStock:INTERMEDIATE_CATCH_EVENT:COMPLETED", "shipped:END_EVENT:COMPLETED")

	// Interrupting boundary event, true on entry.
	risky := e.start("condOrder", map[string]any{"risk": 95})
	wantElements(t, e.elements(risky), "review:SERVICE_TASK:TERMINATED", "tooRisky:BOUNDARY_EVENT:COMPLETED", "rejected:END_EVENT:COMPLETED")
	if s := e.instanceState(risky); s != "COMPLETED" {
		t.Fatalf("risky instance: %s", s)
	}

	// Interrupting event sub-process.
	c := e.start("condOrder", map[string]any{"risk": 1})
	e.setVariables(c, map[string]any{"cancelled": true})
	wantElements(t, e.elements(c), "review:SERVICE_TASK:TERMINATED", "cancellation:EVENT_SUB_PROCESS:COMPLETED", "cancelledEnd:END_EVENT:COMPLETED")
	if s := e.instanceState(c); s != "COMPLETED" {
		t.Fatalf("cancelled instance: %s", s)
	}
	if jobs := e.jobsOf("review"); len(jobs) != 0 {
		t.Fatalf("jobs of interrupted tasks: %v", jobs)
	}
}
