package rest_test

import (
	"strings"
	"testing"
)

// TestCompensationOverHTTP books, then compensates every completed
// booking through /v2: a task, a task inside a completed sub-process and a
// multi-instance task each get their handler once; the throw event waits
// for them.
func TestCompensationOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("compensation.bpmn")
	pi := e.start("booking", map[string]any{"failed": true, "cards": []string{"visa", "amex"}})
	for _, typ := range []string{"book-hotel", "book-flight", "charge"} {
		for _, j := range e.jobsOf(typ) {
			e.completeJob(j, nil)
		}
	}
	wantElements(t, e.elements(pi), "undoAll:INTERMEDIATE_THROW_EVENT:ACTIVE")
	for _, typ := range []string{"undo-hotel", "undo-flight", "refund"} {
		jobs := e.jobsOf(typ)
		if len(jobs) != 1 {
			t.Fatalf("%s: %d handler jobs, want 1", typ, len(jobs))
		}
		e.completeJob(jobs[0], nil)
	}
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("instance %s: %s", s, e.elements(pi))
	}
	got := e.elements(pi)
	wantElements(t, got, "undoHotel:SERVICE_TASK:COMPLETED", "undoFlight:SERVICE_TASK:COMPLETED", "refund:SERVICE_TASK:COMPLETED",
		"undoAll:INTERMEDIATE_THROW_EVENT:COMPLETED", "cancelled:END_EVENT:COMPLETED")
	if strings.Contains(got, "booked:") {
		t.Fatalf("the booked path was taken too: %s", got)
	}
}
