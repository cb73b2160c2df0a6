package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// elementKeys are the keys of an instance's element instances of one
// element, in key order.
func (h *harness) elementKeys(pi int64, id string) []int64 {
	h.t.Helper()
	eis, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) },
		"process_instance_key = ? AND element_id = ? AND type != 'MULTI_INSTANCE_BODY' ORDER BY key", pi, id)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []int64
	for _, ei := range eis {
		out = append(out, ei.Key)
	}
	return out
}

// TestConditionalBoundaryEventsAndMultiInstance drives Zeebe 8.9's cases of
// conditional boundary events with multi-instance activities.
func TestConditionalBoundaryEventsAndMultiInstance(t *testing.T) {
	h := newHarness(t)
	h.deploy("conditional-mi.bpmn")

	// A child's job writes x (created in the process scope): the
	// interrupting boundary event of the body ends the whole activity.
	t.Run("interrupting boundary of the body", func(t *testing.T) {
		pi := h.start("miBody", map[string]any{"x": -1})
		jobs := h.jobs("mi-inner", 10)
		if len(jobs) != 3 {
			t.Fatalf("%d inner jobs, want 3", len(jobs))
		}
		h.complete(jobs[0].Key, map[string]any{"x": 11})
		h.wantState(pi, store.StateCompleted)
		st := h.elementStates(pi)
		if len(st["afterInterrupt"]) != 1 || len(st["afterMi"]) != 0 || len(st["miRepeat"]) != 0 {
			// miRepeat (x > 0) is a boundary of the same body: the
			// interrupting one, first in the document, wins.
			t.Fatalf("elements %v", st)
		}
		if left := h.jobs("mi-inner", 10); len(left) != 0 {
			t.Fatalf("jobs of the terminated inner instances are still out: %d", len(left))
		}
	})

	// Each child's job updates x: the non-interrupting boundary event of
	// the body triggers once per update, and the body completes.
	t.Run("non-interrupting boundary of the body triggers per change", func(t *testing.T) {
		pi := h.start("miBody", map[string]any{"x": 0})
		for i, j := range h.jobs("mi-inner", 10) {
			h.complete(j.Key, map[string]any{"x": i + 1})
		}
		h.wantState(pi, store.StateCompleted)
		st := h.elementStates(pi)
		if len(st["miRepeat"]) != 3 || len(st["afterRepeat"]) != 3 || len(st["afterMi"]) != 1 || len(st["miInterrupt"]) != 0 {
			t.Fatalf("elements %v", st)
		}
	})

	// The body's boundary events are evaluated in the body's scope, as
	// Zeebe subscribes them: a variable local to an inner instance is not
	// visible there and does not trigger them.
	t.Run("a child's local variable does not reach the body's boundary", func(t *testing.T) {
		pi := h.start("miBody", nil)
		children := h.elementKeys(pi, "subMi")
		if len(children) != 3 {
			t.Fatalf("inner instances %v", children)
		}
		if err := h.e.SetVariables(h.ctx, children[1], map[string]any{"x": 50}, true); err != nil {
			t.Fatal(err)
		}
		if st := h.elementStates(pi); len(st["miInterrupt"])+len(st["miRepeat"]) != 0 {
			t.Fatalf("a child's local variable triggered the body's boundary: %v", st)
		}
		h.set(pi, map[string]any{"x": 50}) // in the process scope: it does
		h.wantState(pi, store.StateCompleted)
		if st := h.elementStates(pi); len(st["afterInterrupt"]) != 1 {
			t.Fatalf("elements %v", st)
		}
	})

	// A variable local to one child triggers only that child's inner
	// boundary event; the other children go on.
	t.Run("local variable of one inner instance", func(t *testing.T) {
		pi := h.start("miInner", nil)
		tasks := h.elementKeys(pi, "innerTask")
		if len(tasks) != 3 {
			t.Fatalf("inner tasks %v", tasks)
		}
		if err := h.e.SetVariables(h.ctx, tasks[0], map[string]any{"x": 11}, true); err != nil {
			t.Fatal(err)
		}
		st := h.elementStates(pi)
		if len(st["innerBoundary"]) != 1 || len(st["afterInnerBoundary"]) != 1 {
			t.Fatalf("elements %v", st)
		}
		jobs := h.jobs("mi-task", 10)
		if len(jobs) != 2 {
			t.Fatalf("%d jobs left, want the other children's 2", len(jobs))
		}
		for _, j := range jobs {
			if j.ElementInstanceKey == tasks[0] {
				t.Fatal("the interrupted task's job is still out")
			}
			h.complete(j.Key, nil)
		}
		h.wantState(pi, store.StateCompleted)
	})

	// A variable of the process scope is visible to every child: every
	// inner boundary event triggers, each in its own inner instance.
	t.Run("process variable visible to every inner instance", func(t *testing.T) {
		pi := h.start("miInner", map[string]any{"x": 0})
		h.set(pi, map[string]any{"x": 11})
		st := h.elementStates(pi)
		if len(st["innerBoundary"]) != 3 || len(st["afterInnerBoundary"]) != 3 {
			t.Fatalf("elements %v", st)
		}
		h.wantState(pi, store.StateCompleted)
	})
}
