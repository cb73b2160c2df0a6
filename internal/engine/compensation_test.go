package engine

import (
	"slices"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// completeAll completes every activatable job of the types.
func (h *harness) completeAll(types ...string) int {
	h.t.Helper()
	n := 0
	for _, typ := range types {
		for _, j := range h.jobs(typ, 10) {
			h.complete(j.Key, nil)
			n++
		}
	}
	return n
}

func TestCompensation(t *testing.T) {
	h := newHarness(t)
	h.deploy("compensation.bpmn")

	book := func(failed bool) int64 {
		pi := h.start("booking", map[string]any{"failed": failed, "cards": []int{1, 2}})
		if n := h.completeAll("book-hotel", "book-flight", "charge"); n != 4 {
			t.Fatalf("completed %d booking jobs, want 4", n)
		}
		return pi
	}

	t.Run("every completed activity of the scope", func(t *testing.T) {
		pi := book(true)
		// The throw event waits for the handlers: the hotel's, the flight's
		// inside the completed sub-process, the multi-instance charge's once.
		h.wantState(pi, store.StateActive)
		if got := h.elementStates(pi)["undoAll"]; !slices.Equal(got, []string{store.StateActive}) {
			t.Fatalf("undoAll %v", got)
		}
		h.restart()
		for _, typ := range []string{"undo-hotel", "undo-flight", "refund"} {
			if js := h.jobs(typ, 10); len(js) != 1 {
				t.Fatalf("%s: %d handler jobs, want 1", typ, len(js))
			} else {
				h.complete(js[0].Key, nil)
			}
		}
		h.wantState(pi, store.StateCompleted)
		st := h.elementStates(pi)
		for _, id := range []string{"undoHotel", "undoFlight", "refund", "undoAll", "cancelled"} {
			if !slices.Equal(st[id], []string{store.StateCompleted}) {
				t.Fatalf("%s %v (all %v)", id, st[id], st)
			}
		}
	})

	t.Run("nothing compensated without a throw", func(t *testing.T) {
		pi := book(false)
		h.wantState(pi, store.StateCompleted)
		if n := h.completeAll("undo-hotel", "undo-flight", "refund"); n != 0 {
			t.Fatalf("%d handlers ran", n)
		}
	})

	t.Run("activityRef", func(t *testing.T) {
		pi := h.start("refOnly", nil)
		h.completeAll("ra", "rb")
		h.complete(h.job("undo-rb").Key, nil)
		h.wantState(pi, store.StateCompleted)
		if st := h.elementStates(pi); len(st["undoRa"]) != 0 || !slices.Equal(st["undoRb"], []string{store.StateCompleted}) {
			t.Fatalf("elements %v", st)
		}
	})

	t.Run("from an error event sub-process", func(t *testing.T) {
		pi := h.start("payOrFail", nil)
		h.completeAll("pay")
		if err := h.e.ThrowError(h.ctx, h.job("ship-it").Key, "NO_STOCK", "", nil); err != nil {
			t.Fatal(err)
		}
		h.wantState(pi, store.StateActive)
		h.complete(h.job("refund-pay").Key, nil)
		h.wantState(pi, store.StateCompleted)
		if st := h.elementStates(pi); !slices.Equal(st["compensateAll"], []string{store.StateCompleted}) || !slices.Equal(st["ship"], []string{store.StateTerminated}) {
			t.Fatalf("elements %v", st)
		}
	})

	t.Run("cancel while handlers run", func(t *testing.T) {
		pi := book(true)
		if err := h.e.CancelProcessInstance(h.ctx, pi); err != nil {
			t.Fatal(err)
		}
		h.wantState(pi, store.StateTerminated)
		if n := h.completeAll("undo-hotel", "undo-flight", "refund"); n != 0 {
			t.Fatalf("%d handler jobs left after the cancellation", n)
		}
	})
}
