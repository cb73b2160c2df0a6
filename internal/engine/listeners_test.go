package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// listenerJob activates the one job of a listener type and checks its kind.
func (h *harness) listenerJob(typ, event string) ActivatedJob {
	h.t.Helper()
	j := h.job(typ)
	if j.Kind != JobKindExecutionListener || j.ListenerEventType != event {
		h.t.Fatalf("job %s: kind %s, listener event %s, want %s %s", typ, j.Kind, j.ListenerEventType, JobKindExecutionListener, event)
	}
	return j
}

func TestExecutionListeners(t *testing.T) {
	h := newHarness(t)
	h.deploy("listeners.bpmn")

	t.Run("order and variables", func(t *testing.T) {
		pi := h.start("listened", map[string]any{"amount": 5})
		// The first start listener runs after the input mappings, before the job.
		j := h.listenerJob("el-start-1", "START")
		if string(j.Variables["local"]) != "5" {
			t.Fatalf("the start listener does not see the input mapping: %v", j.Variables)
		}
		if js := h.jobs("work", 10); len(js) != 0 {
			t.Fatal("the task's job exists before its start listeners completed")
		}
		h.complete(j.Key, map[string]any{"fromStart1": "x"})
		j = h.listenerJob("el-start-2", "START")
		if string(j.Variables["fromStart1"]) != `"x"` {
			t.Fatalf("the second start listener does not see the first's variables: %v", j.Variables)
		}
		h.complete(j.Key, nil)
		w := h.job("work")
		if vs := h.vars(w.ElementInstanceKey); vs["fromStart1"] != `"x"` {
			t.Fatalf("a start listener's variables are not local to the element: %v", vs)
		}
		h.complete(w.Key, map[string]any{"result": 7})
		// The end listener sees the output mappings' result.
		j = h.listenerJob("el-end", "END")
		if string(j.Variables["out"]) != "7" {
			t.Fatalf("the end listener does not see the output mapping: %v", j.Variables)
		}
		h.complete(j.Key, map[string]any{"endVar": 1})
		// A gateway's start listener decides its path.
		h.complete(h.listenerJob("el-gw", "START").Key, map[string]any{"path": "a"})
		// A catch event's start listener sets its correlation key.
		h.complete(h.listenerJob("el-corr", "START").Key, map[string]any{"corr": "c-1"})
		if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "go", CorrelationKey: "c-1"}); err != nil {
			t.Fatal(err)
		}
		j = h.listenerJob("el-process-end", "END")
		h.wantState(pi, store.StateActive)
		h.complete(j.Key, map[string]any{"closed": true})
		h.wantState(pi, store.StateCompleted)
		h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "work": {"COMPLETED"}, "route": {"COMPLETED"},
			"waitGo": {"COMPLETED"}, "endA": {"COMPLETED"}})
		vs := h.vars(pi)
		if vs["endVar"] != "1" || vs["out"] != "7" || vs["closed"] != "true" || vs["fromStart1"] != "" || vs["path"] != "" {
			t.Fatalf("process variables: %v", vs)
		}
	})

	t.Run("restart while a listener runs", func(t *testing.T) {
		pi := h.start("listened", map[string]any{"amount": 1})
		h.complete(h.listenerJob("el-start-1", "START").Key, nil)
		h.restart()
		js := h.jobs("el-start-2", 10)
		if len(js) != 1 {
			t.Fatalf("after a restart the pending listener has %d jobs, want 1", len(js))
		}
		h.complete(js[0].Key, nil)
		if js := h.jobs("el-start-1", 10); len(js) != 0 {
			t.Fatal("a completed listener ran again after the restart")
		}
		h.job("work")
		if err := h.e.CancelProcessInstance(h.ctx, pi); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("failed listener job", func(t *testing.T) {
		pi := h.start("listened", map[string]any{"amount": 1})
		j := h.listenerJob("el-start-1", "START")
		if err := h.e.ThrowError(h.ctx, j.Key, "E", "", nil); CodeOf(err) != CodeInvalidState {
			t.Fatalf("throwing an error for a listener job: %v", err)
		}
		if err := h.e.FailJob(h.ctx, j.Key, FailJobRequest{Retries: 0, ErrorMessage: "down"}); err != nil {
			t.Fatal(err)
		}
		inc := h.activeIncident(pi)
		if inc.ErrorType != incListenerNoRetries || inc.JobKey != j.Key {
			t.Fatalf("incident %s on job %d", inc.ErrorType, inc.JobKey)
		}
		retries := int32(1)
		if err := h.e.UpdateJob(h.ctx, j.Key, UpdateJobRequest{Retries: &retries}); err != nil {
			t.Fatal(err)
		}
		if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
			t.Fatal(err)
		}
		h.complete(h.listenerJob("el-start-1", "START").Key, nil)
		h.complete(h.listenerJob("el-start-2", "START").Key, nil)
		h.job("work")
		// Cancelling the instance cancels a pending listener's job too.
		if err := h.e.CancelProcessInstance(h.ctx, pi); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("cancel while a listener runs", func(t *testing.T) {
		pi := h.start("listened", map[string]any{"amount": 1})
		j := h.listenerJob("el-start-1", "START")
		if err := h.e.CancelProcessInstance(h.ctx, pi); err != nil {
			t.Fatal(err)
		}
		if rec := h.jobRecord(j.Key); rec.State != store.JobCanceled {
			t.Fatalf("the listener's job is %s after the cancellation", rec.State)
		}
	})
}
