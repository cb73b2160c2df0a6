package rest_test

import (
	"testing"
)

// listenerJob activates the one job of a type over HTTP and checks that it
// is an execution listener's of the event.
func (e *env) listenerJob(typ, event string) map[string]any {
	e.t.Helper()
	jobs := e.jobsOf(typ)
	if len(jobs) != 1 {
		e.t.Fatalf("jobs of %s: %v", typ, jobs)
	}
	if jobs[0]["kind"] != "EXECUTION_LISTENER" || jobs[0]["listenerEventType"] != event {
		e.t.Fatalf("job %s: kind %v, listenerEventType %v", typ, jobs[0]["kind"], jobs[0]["listenerEventType"])
	}
	return jobs[0]
}

// TestExecutionListenersOverHTTP works a model with start and end
// execution listeners through /v2 as a job worker would.
func TestExecutionListenersOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("listeners.bpmn")
	pi := e.start("listened", map[string]any{"amount": 5})
	j := e.listenerJob("el-start-1", "START")
	if v := j["variables"].(map[string]any)["local"]; v != float64(5) {
		t.Fatalf("the start listener's variables: %v", j["variables"])
	}
	e.completeJob(j, map[string]any{"fromStart1": "x"})
	e.completeJob(e.listenerJob("el-start-2", "START"), nil)
	work := e.jobsOf("work")
	if len(work) != 1 || work[0]["kind"] != "BPMN_ELEMENT" {
		t.Fatalf("the task's job: %v", work)
	}
	e.completeJob(work[0], map[string]any{"result": 7})
	e.completeJob(e.listenerJob("el-end", "END"), map[string]any{"endVar": 1})
	e.completeJob(e.listenerJob("el-gw", "START"), map[string]any{"path": "a"})
	e.completeJob(e.listenerJob("el-corr", "START"), map[string]any{"corr": "c-9"})
	e.ok(200, "POST", "/v2/messages/publication", map[string]any{"name": "go", "correlationKey": "c-9"})
	e.completeJob(e.listenerJob("el-process-end", "END"), nil)
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("instance: %s (%s)", s, e.elements(pi))
	}
	wantElements(t, e.elements(pi), "endA:END_EVENT:COMPLETED", "route:EXCLUSIVE_GATEWAY:COMPLETED", "work:SERVICE_TASK:COMPLETED")
	if v := e.variable(pi, "endVar"); v != "1" {
		t.Fatalf("endVar: %s", v)
	}
	jobs, _ := e.search("/v2/jobs/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "kind": "EXECUTION_LISTENER"}})
	if len(jobs) != 6 {
		t.Fatalf("listener jobs found by search: %d, want 6", len(jobs))
	}
	for _, j := range jobs {
		if j["state"] != "COMPLETED" {
			t.Fatalf("listener job %v", j)
		}
	}
}
