package engine

import (
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// openWaits counts the open message and signal subscriptions and the
// timers of an instance's elements.
func (h *harness) openWaits(pi int64) (subs, timers int) {
	h.t.Helper()
	ss, err := store.Select(h.ctx, h.e.Store(), func() *store.MessageSubscription { return new(store.MessageSubscription) },
		"process_instance_key = ? AND state = 'CREATED'", pi)
	if err != nil {
		h.t.Fatal(err)
	}
	ts, err := store.Select(h.ctx, h.e.Store(), func() *store.Timer { return new(store.Timer) },
		"process_instance_key = ? AND state = 'CREATED'", pi)
	if err != nil {
		h.t.Fatal(err)
	}
	sigs, err := store.Select(h.ctx, h.e.Store(), func() *store.SignalSubscription { return new(store.SignalSubscription) },
		"process_instance_key = ? AND state = 'CREATED'", pi)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(ss) + len(sigs), len(ts)
}

// TestConditionalEventsAfterEventBasedGateway: a conditional catch event
// after an event-based gateway is one of its events: the first that
// happens wins and the others are withdrawn.
func TestConditionalEventsAfterEventBasedGateway(t *testing.T) {
	h := newHarness(t)
	h.deploy("conditional-gateway.bpmn")
	ended := func(pi int64, end string) {
		t.Helper()
		h.wantState(pi, store.StateCompleted)
		states := h.elementStates(pi)
		for _, id := range []string{"endBig", "endSmall", "endCancelled", "endStopped", "endLate"} {
			if n := len(states[id]); (id == end) != (n == 1) || n > 1 {
				t.Fatalf("instance %d ended at %v, want %s only", pi, states, end)
			}
		}
		if subs, timers := h.openWaits(pi); subs+timers != 0 {
			t.Fatalf("instance %d: %d subscriptions and %d timers left open", pi, subs, timers)
		}
	}

	t.Run("true when the gateway is entered", func(t *testing.T) {
		pi := h.start("condGateway", map[string]any{"id": "a", "x": 3})
		ended(pi, "endSmall")
	})
	t.Run("true later, after a variable change", func(t *testing.T) {
		pi := h.start("condGateway", map[string]any{"id": "b", "x": 0})
		if subs, timers := h.openWaits(pi); subs != 2 || timers != 1 {
			t.Fatalf("the gateway waits with %d subscriptions and %d timers, want 2 (message, signal) and 1", subs, timers)
		}
		h.set(pi, map[string]any{"y": 10}) // a variable no condition reads
		h.wantState(pi, store.StateActive)
		h.set(pi, map[string]any{"x": 10}) // both hold: the first flow's wins
		ended(pi, "endBig")
	})
	t.Run("a failing condition does not trigger", func(t *testing.T) {
		pi := h.start("condGateway", map[string]any{"id": "c"}) // x is null: assert fails, x > 1 is null
		h.wantState(pi, store.StateActive)
		if len(h.incidents(pi)) != 0 {
			t.Fatalf("incidents %v", h.incidents(pi))
		}
		h.set(pi, map[string]any{"x": 2})
		ended(pi, "endSmall")
	})
	t.Run("a message first withdraws the conditions", func(t *testing.T) {
		pi := h.start("condGateway", map[string]any{"id": "d", "x": 0})
		if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "cancel-order", CorrelationKey: "d"}); err != nil {
			t.Fatal(err)
		}
		ended(pi, "endCancelled")
	})
	t.Run("a signal first", func(t *testing.T) {
		pi := h.start("condGateway", map[string]any{"id": "s", "x": 0})
		if _, err := h.e.BroadcastSignal(h.ctx, SignalRequest{Name: "stop-s", Variables: map[string]any{"why": "recall"}}); err != nil {
			t.Fatal(err)
		}
		ended(pi, "endStopped")
		if got := h.vars(pi)["why"]; got != `"recall"` {
			t.Fatalf("the signal's variable: why = %s", got)
		}
		sigs, err := store.Select(h.ctx, h.e.Store(), func() *store.SignalSubscription { return new(store.SignalSubscription) },
			"process_instance_key = ?", pi)
		if err != nil || len(sigs) != 1 || sigs[0].State != store.SignalSubscriptionTriggered {
			t.Fatalf("signal subscriptions %+v, %v: want one TRIGGERED", sigs, err)
		}
	})
	t.Run("the timer first", func(t *testing.T) {
		pi := h.start("condGateway", map[string]any{"id": "e", "x": 0})
		h.pin(time.Now().Add(2 * time.Hour))
		ended(pi, "endLate")
	})
}
