package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

func (h *harness) set(scope int64, vars map[string]any) {
	h.t.Helper()
	if err := h.e.SetVariables(h.ctx, scope, vars, false); err != nil {
		h.t.Fatalf("set variables %v: %v", vars, err)
	}
}

// count is how many instances of an element an instance has had.
func (h *harness) count(pi int64, id string) int {
	h.t.Helper()
	return len(h.elementStates(pi)[id])
}

func TestConditionalEvents(t *testing.T) {
	h := newHarness(t)
	h.deploy("conditional.bpmn")

	t.Run("on variable changes", func(t *testing.T) {
		pi := h.start("condOrder", map[string]any{"addressVersion": 1, "risk": 10, "inventoryReserved": false})
		review := h.job("review")
		// Non-interrupting boundary: each change of a variable it reads
		// that makes it true triggers it; other variables do not.
		h.set(pi, map[string]any{"addressVersion": 2})
		h.set(pi, map[string]any{"addressVersion": 3})
		h.set(pi, map[string]any{"unrelated": 1})
		if n := h.count(pi, "addressChanged"); n != 2 {
			t.Fatalf("addressChanged triggered %d times, want 2: %v", n, h.elementStates(pi))
		}
		// One command changing two variables it reads triggers it once.
		h.set(pi, map[string]any{"addressVersion": 4, "urgent": true})
		if n := h.count(pi, "addressChanged"); n != 3 {
			t.Fatalf("addressChanged triggered %d times after a two-variable update, want 3", n)
		}
		// A false condition does not trigger.
		h.set(pi, map[string]any{"risk": 50})
		if n := h.count(pi, "tooRisky"); n != 0 {
			t.Fatal("tooRisky triggered below its threshold")
		}
		// Non-interrupting event sub-process filtered to creation.
		h.set(pi, map[string]any{"note": "first"})
		h.set(pi, map[string]any{"note": "second"})
		if n := h.count(pi, "notes"); n != 1 {
			t.Fatalf("the notes event sub-process started %d times, want once (create only)", n)
		}
		h.complete(review.Key, nil)
		// The catch event waits until its condition holds.
		h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "review": {"COMPLETED"}, "waitStock": {"ACTIVE"},
			"addressChanged": {"COMPLETED", "COMPLETED", "COMPLETED"}, "applyChange": {"ACTIVE", "ACTIVE", "ACTIVE"},
			"notes": {"ACTIVE"}, "noteAdded": {"COMPLETED"}, "logNote": {"ACTIVE"}})
		h.set(pi, map[string]any{"inventoryReserved": true})
		for _, typ := range []string{"ship", "apply-change", "log-note"} {
			for _, j := range h.jobs(typ, 10) {
				h.complete(j.Key, nil)
			}
		}
		h.wantState(pi, store.StateCompleted)
		if got := h.elementStates(pi)["shipped"]; len(got) != 1 {
			t.Fatalf("shipped: %v", got)
		}
	})

	t.Run("on entry", func(t *testing.T) {
		// Interrupting boundary true when the task is entered: the task's
		// job is created and cancelled, the boundary path is taken.
		pi := h.start("condOrder", map[string]any{"risk": 90})
		h.wantState(pi, store.StateCompleted)
		h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "review": {"TERMINATED"}, "tooRisky": {"COMPLETED"}, "rejected": {"COMPLETED"}})
		if js := h.jobs("review", 10); len(js) != 0 {
			t.Fatalf("the interrupted task's job is activatable: %v", js)
		}
		// A catch event whose condition holds when reached passes on.
		pi = h.start("condOrder", map[string]any{"risk": 1, "inventoryReserved": true})
		h.complete(h.job("review").Key, nil)
		if got := h.elementStates(pi)["waitStock"]; len(got) != 1 || got[0] != store.StateCompleted {
			t.Fatalf("waitStock: %v", got)
		}
		h.complete(h.job("ship").Key, nil)
		h.wantState(pi, store.StateCompleted)
	})

	t.Run("interrupting event sub-process", func(t *testing.T) {
		pi := h.start("condOrder", map[string]any{"risk": 1})
		h.job("review")
		h.set(pi, map[string]any{"cancelled": true})
		h.wantState(pi, store.StateCompleted)
		h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "review": {"TERMINATED"},
			"cancellation": {"COMPLETED"}, "cancelled": {"COMPLETED"}, "cancelledEnd": {"COMPLETED"}})
	})

	t.Run("scope isolation", func(t *testing.T) {
		// A variable local to the task's job scope: the boundary reads it in
		// the task's scope and triggers; a local variable of another
		// instance does not reach this one.
		a := h.start("condOrder", map[string]any{"risk": 1})
		b := h.start("condOrder", map[string]any{"risk": 1})
		var jobA ActivatedJob
		for _, j := range h.jobs("review", 10) {
			if j.ProcessInstanceKey == a {
				jobA = j
			}
		}
		if err := h.e.SetVariables(h.ctx, jobA.ElementInstanceKey, map[string]any{"risk": 99}, true); err != nil {
			t.Fatal(err)
		}
		h.wantState(a, store.StateCompleted)
		if got := h.elementStates(b)["review"]; len(got) != 1 || got[0] != store.StateActive {
			t.Fatalf("the other instance's task: %v", got)
		}
	})
}
