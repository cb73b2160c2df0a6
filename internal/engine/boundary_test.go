package engine

import (
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

func TestErrorBoundaryCatchesJobError(t *testing.T) {
	h := newHarness(t)
	h.deploy("boundaries.bpmn")
	pi := h.start("fulfil", map[string]any{"orderId": "o-1", "total": 4})
	j := h.job("work")
	if err := h.e.ThrowError(h.ctx, j.Key, "REJECTED", "no stock", map[string]any{"reason": "stock"}); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{
		"start": {"COMPLETED"}, "work": {"TERMINATED"}, "onRejected": {"COMPLETED"},
		"handleRejection": {"COMPLETED"}, "endRejected": {"COMPLETED"},
	})
	h.wantVars(pi, map[string]string{"reason": `"stock"`})
	if jr := h.jobRecord(j.Key); jr.State != store.JobErrorThrown || jr.ErrorCode != "REJECTED" || jr.ErrorMessage != "no stock" {
		t.Fatalf("job: %+v", jr)
	}
	if len(h.incidents(pi)) != 0 {
		t.Fatal("a caught error raised an incident")
	}

	// Another code falls to the catch-all boundary.
	pi2 := h.start("fulfil", map[string]any{"orderId": "o-2", "total": 4})
	if err := h.e.ThrowError(h.ctx, h.job("work").Key, "WHATEVER", "", nil); err != nil {
		t.Fatal(err)
	}
	h.wantElements(pi2, map[string][]string{"start": {"COMPLETED"}, "work": {"TERMINATED"}, "onOther": {"COMPLETED"}, "endOther": {"COMPLETED"}})
}

func TestErrorEndEventCaughtOnSubProcess(t *testing.T) {
	h := newHarness(t)
	h.deploy("boundaries.bpmn")
	ok := h.start("nested", map[string]any{"broken": false})
	h.wantElements(ok, map[string][]string{"ns": {"COMPLETED"}, "risky": {"COMPLETED"}, "rs": {"COMPLETED"}, "check": {"COMPLETED"}, "re": {"COMPLETED"}, "done": {"COMPLETED"}})
	bad := h.start("nested", map[string]any{"broken": true})
	h.wantState(bad, store.StateCompleted)
	h.wantElements(bad, map[string][]string{
		"ns": {"COMPLETED"}, "risky": {"TERMINATED"}, "rs": {"COMPLETED"}, "check": {"COMPLETED"},
		"fail": {"TERMINATED"}, "caught": {"COMPLETED"}, "handled": {"COMPLETED"},
	})
}

func TestNonInterruptingTimerBoundaryScriptLinkAndEventGateway(t *testing.T) {
	h := newHarness(t)
	h.deploy("boundaries.bpmn")
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	h.pin(t0)
	pi := h.start("fulfil", map[string]any{"orderId": "o-3", "total": 21})
	j := h.job("work")
	h.pin(t0.Add(time.Hour))
	// The reminder runs beside the work, which goes on.
	uts := h.userTasks(pi)
	if len(uts) != 1 || uts[0].ElementID != "remind" {
		t.Fatalf("user tasks: %+v", uts)
	}
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "work": {"ACTIVE"}, "slow": {"COMPLETED"}, "remind": {"ACTIVE"}})
	// Leaving the task withdraws its other boundary events.
	h.complete(j.Key, nil)
	if _, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "cancel-order", CorrelationKey: "o-3"}); CodeOf(err) != CodeNotFound {
		t.Fatalf("the cancel boundary still listens after the task completed: %v", err)
	}
	h.wantVars(pi, map[string]string{"doubled": "42"})
	res, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "confirm", CorrelationKey: "o-3", Variables: map[string]any{"by": "ops"}})
	if err != nil || res.ProcessInstanceKey != pi {
		t.Fatalf("confirm: %+v %v", res, err)
	}
	h.wantVars(pi, map[string]string{"confirmedBy": `"ops"`})
	h.wantState(pi, store.StateActive) // the reminder is still open
	if err := h.e.CompleteUserTask(h.ctx, uts[0].Key, nil); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{
		"start": {"COMPLETED"}, "work": {"COMPLETED"}, "slow": {"COMPLETED"}, "remind": {"COMPLETED"},
		"endReminded": {"COMPLETED"}, "calc": {"COMPLETED"}, "toNext": {"COMPLETED"}, "fromNext": {"COMPLETED"},
		"waitEvent": {"COMPLETED"}, "confirmed": {"COMPLETED"}, "endConfirmed": {"COMPLETED"},
	})
	// The gateway's timer was withdrawn: moving the clock changes nothing.
	h.pin(t0.Add(5 * time.Hour))
	if n := len(h.jobs("notify", 5)); n != 0 {
		t.Fatal("the event-based gateway's timer fired after the message won")
	}
}

func TestEventGatewayTimerAndMessageEndEvent(t *testing.T) {
	h := newHarness(t)
	h.deploy("boundaries.bpmn")
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	h.pin(t0)
	pi := h.start("fulfil", map[string]any{"orderId": "o-4", "total": 1})
	h.complete(h.job("work").Key, nil)
	h.pin(t0.Add(10 * time.Minute))
	n := h.job("notify")
	h.wantElements(pi, map[string][]string{
		"start": {"COMPLETED"}, "work": {"COMPLETED"}, "calc": {"COMPLETED"}, "toNext": {"COMPLETED"},
		"fromNext": {"COMPLETED"}, "waitEvent": {"COMPLETED"}, "timedOut": {"COMPLETED"}, "notify": {"ACTIVE"},
	})
	_, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "confirm", CorrelationKey: "o-4"})
	wantCode(t, err, CodeNotFound)
	h.complete(n.Key, nil)
	h.wantState(pi, store.StateCompleted)
}

func TestInterruptingMessageBoundary(t *testing.T) {
	h := newHarness(t)
	h.deploy("boundaries.bpmn")
	pi := h.start("fulfil", map[string]any{"orderId": "o-5", "total": 1})
	j := h.job("work")
	if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "cancel-order", CorrelationKey: "o-5", Variables: map[string]any{"why": "customer"}}); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "work": {"TERMINATED"}, "onCancel": {"COMPLETED"}, "endCancelled": {"COMPLETED"}})
	h.wantVars(pi, map[string]string{"why": `"customer"`})
	if jr := h.jobRecord(j.Key); jr.State != store.JobCanceled {
		t.Fatalf("job: %s", jr.State)
	}
	wantCode(t, h.e.CompleteJob(h.ctx, j.Key, nil), CodeNotFound)
	// The boundary timer was withdrawn with the task.
	timers, err := store.Select(h.ctx, h.e.Store(), func() *store.Timer { return new(store.Timer) }, "process_instance_key = ?", pi)
	if err != nil || len(timers) != 1 || timers[0].State != store.TimerCanceled {
		t.Fatalf("timers: %+v %v", timers, err)
	}
}
