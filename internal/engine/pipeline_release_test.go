package engine

import (
	"runtime"
	"testing"
	"weak"

	"github.com/orcabpm/orca/internal/store"
)

// TestCommittedBatchReleasesRecords: once the batch that finished a
// process instance is committed, the engine holds none of the instance's
// records any more (the state dropped them, and the batch's change
// tracking must not keep them either), so that a long-lived engine's
// memory follows its live instances, not the largest batch it committed.
func TestCommittedBatchReleasesRecords(t *testing.T) {
	h := newHarness(t)
	h.deploy("order.bpmn")
	pi := h.start("order", map[string]any{"order": map[string]any{"total": 1}})
	job := h.job("charge-card")
	v, err := h.e.exec(h.ctx, func(w *writer) (any, error) {
		in := w.st.insts[pi]
		if in == nil || in.pi == nil {
			t.Errorf("process instance %d is not in the engine's state", pi)
			return nil, nil
		}
		return [3]any{weak.Make(in.pi), weak.Make(in.rec), weak.Make(w.st.jobs[job.Key])}, nil
	})
	if err != nil || v == nil {
		t.Fatalf("weak pointers to the instance's records: %v", err)
	}
	records := v.([3]any)
	h.complete(job.Key, nil)
	h.wantState(pi, store.StateCompleted)
	runtime.GC()
	runtime.GC()
	alive := func(p any) bool {
		switch p := p.(type) {
		case weak.Pointer[store.ProcessInstance]:
			return p.Value() != nil
		case weak.Pointer[store.ElementInstance]:
			return p.Value() != nil
		case weak.Pointer[store.Job]:
			return p.Value() != nil
		}
		t.Fatalf("unexpected %T", p)
		return false
	}
	for i, what := range []string{"process instance", "process scope", "job"} {
		if alive(records[i]) {
			t.Errorf("the finished instance's %s record is still reachable after its batch committed", what)
		}
	}
}
