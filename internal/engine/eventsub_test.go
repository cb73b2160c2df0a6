package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

func TestEventSubProcessesEscalationAndSignals(t *testing.T) {
	h := newHarness(t)
	h.deploy("eventsub.bpmn")
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	h.pin(t0)
	pi := h.start("subscription", map[string]any{"orderId": "o-1"})
	work := h.job("work")

	// The non-interrupting timer event sub-process runs twice (R2) beside the work.
	h.pin(t0.Add(time.Hour))
	h.pin(t0.Add(2 * time.Hour))
	h.pin(t0.Add(5 * time.Hour))
	nudges := h.jobs("nudge", 10)
	if len(nudges) != 2 {
		t.Fatalf("%d nudges, want 2", len(nudges))
	}
	for _, n := range nudges {
		h.complete(n.Key, nil)
	}
	h.complete(work.Key, nil)

	// The escalation thrown in the sub-process is caught by the process's
	// non-interrupting event sub-process; the sub-process goes on.
	h.complete(h.job("sub-work").Key, nil)
	h.wantState(pi, store.StateActive)
	res, err := h.e.BroadcastSignal(h.ctx, SignalRequest{Name: "go", Variables: map[string]any{"go": true}})
	if err != nil || res.SignalKey == 0 {
		t.Fatalf("broadcast: %+v %v", res, err)
	}
	h.wantState(pi, store.StateCompleted)
	states := h.elementStates(pi)
	for id, want := range map[string]string{
		"nudge": "COMPLETED,COMPLETED", "nudgeTask": "COMPLETED,COMPLETED", "escalated": "COMPLETED", "late": "COMPLETED",
		"throwLate": "COMPLETED", "subWork": "COMPLETED", "waitGo": "COMPLETED", "signalDone": "COMPLETED",
	} {
		if got := strings.Join(states[id], ","); got != want {
			t.Errorf("%s: %s, want %s (all %v)", id, got, want, states)
		}
	}
	if _, ok := states["cancelled"]; ok {
		t.Error("the cancel event sub-process ran")
	}
	h.wantVars(pi, map[string]string{"go": "true"})
	// The end event's signal ("done-" + orderId) started the listener.
	listeners, err := store.Select(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "process_id = 'listener'")
	if err != nil || len(listeners) != 1 || listeners[0].State != store.StateCompleted {
		t.Fatalf("listener instances: %+v %v", listeners, err)
	}
	// Nothing listens for the process's events after it completed.
	_, err = h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "cancel", CorrelationKey: "o-1"})
	wantCode(t, err, CodeNotFound)
}

func TestInterruptingMessageEventSubProcess(t *testing.T) {
	h := newHarness(t)
	h.deploy("eventsub.bpmn")
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	h.pin(t0)
	pi := h.start("subscription", map[string]any{"orderId": "o-2"})
	work := h.job("work")
	if _, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "cancel", CorrelationKey: "o-2", Variables: map[string]any{"reason": "moved"}}); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "work": {"TERMINATED"}, "cancelled": {"COMPLETED"}, "onCancel": {"COMPLETED"}, "cancelEnd": {"COMPLETED"}})
	h.wantVars(pi, map[string]string{"reason": `"moved"`})
	if jr := h.jobRecord(work.Key); jr.State != store.JobCanceled {
		t.Fatalf("work job: %s", jr.State)
	}
	// The timer event sub-process was withdrawn.
	h.pin(t0.Add(3 * time.Hour))
	if n := len(h.jobs("nudge", 5)); n != 0 {
		t.Fatalf("%d nudges after the instance completed", n)
	}
}

func TestErrorEventSubProcess(t *testing.T) {
	h := newHarness(t)
	h.deploy("eventsub.bpmn")
	pi := h.start("subscription", map[string]any{"orderId": "o-3"})
	if err := h.e.ThrowError(h.ctx, h.job("work").Key, "FATAL", "boom", map[string]any{"cause": "disk"}); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "work": {"TERMINATED"}, "onError": {"COMPLETED"}, "fatal": {"COMPLETED"}, "errorEnd": {"COMPLETED"}})
	h.wantVars(pi, map[string]string{"cause": `"disk"`})
	if len(h.incidents(pi)) != 0 {
		t.Fatal("a caught error raised an incident")
	}
	// An uncaught code still raises an incident.
	pi2 := h.start("subscription", map[string]any{"orderId": "o-4"})
	if err := h.e.ThrowError(h.ctx, h.job("work").Key, "OTHER", "", nil); err != nil {
		t.Fatal(err)
	}
	if inc := h.activeIncident(pi2); inc.ErrorType != "UNHANDLED_ERROR_EVENT" {
		t.Fatalf("incident: %+v", inc)
	}
}
