package engine

import (
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

func combinedVars(orderID string) map[string]any {
	return map[string]any{"orderId": orderID, "lines": []map[string]any{{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}}}
}

func TestCombinedOrderHappyPath(t *testing.T) {
	h := newHarness(t)
	h.deploy("combined-order.bpmn")
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	h.pin(t0)
	pi := h.start("combined-order", combinedVars("o-1"))
	for _, j := range h.jobs("reserve-line", 10) {
		h.complete(j.Key, map[string]any{"reservation": "r-" + string(j.Variables["sku"][1:2])})
	}
	h.wantVars(pi, map[string]string{"reservations": `["r-a","r-b"]`})
	charge := h.job("charge-payment")
	if len(charge.Variables) < 2 || string(charge.Variables["orderId"]) != `"o-1"` {
		t.Fatalf("the payment process did not get the order's variables: %s", mustJSON(charge.Variables))
	}
	// Payment is slow: the non-interrupting timer asks a person to chase it.
	h.pin(t0.Add(31 * time.Minute))
	uts := h.userTasks(pi)
	if len(uts) != 1 || uts[0].Assignee != "ops" {
		t.Fatalf("chase task: %+v", uts)
	}
	h.complete(charge.Key, map[string]any{"paymentId": "p-1", "cardNumber": "4242"})
	vars := h.vars(pi)
	if vars["paymentId"] != `"p-1"` {
		t.Fatalf("payment id not handed back: %v", vars)
	}
	if _, ok := vars["cardNumber"]; ok {
		t.Fatal("a child variable bypassed propagateAllChildVariables=false")
	}
	h.complete(h.job("ship").Key, nil)
	h.wantState(pi, store.StateActive) // the chase task is still open
	if err := h.e.CompleteUserTask(h.ctx, uts[0].Key, nil); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{
		"received": {"COMPLETED"}, "reserveLines": {"COMPLETED", "COMPLETED", "COMPLETED"}, "pay": {"COMPLETED"},
		"payTooSlow": {"COMPLETED"}, "chasePayment": {"COMPLETED"}, "chased": {"COMPLETED"}, "ship": {"COMPLETED"},
		"shipped": {"COMPLETED"},
	})
}

func TestCombinedOrderOutOfStock(t *testing.T) {
	h := newHarness(t)
	h.deploy("combined-order.bpmn")
	pi := h.start("combined-order", combinedVars("o-2"))
	lines := h.jobs("reserve-line", 10)
	if len(lines) != 2 {
		t.Fatalf("%d reserve jobs", len(lines))
	}
	if err := h.e.ThrowError(h.ctx, lines[0].Key, "OUT_OF_STOCK", "sku a", nil); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{
		"received": {"COMPLETED"}, "reserveLines": {"TERMINATED", "TERMINATED", "TERMINATED"},
		"outOfStock": {"COMPLETED"}, "backorder": {"COMPLETED"}, "backordered": {"COMPLETED"},
	})
	if jr := h.jobRecord(lines[1].Key); jr.State != store.JobCanceled {
		t.Fatalf("the other line's job: %s", jr.State)
	}
}

func TestCombinedOrderCancelledDuringPayment(t *testing.T) {
	h := newHarness(t)
	h.deploy("combined-order.bpmn")
	pi := h.start("combined-order", combinedVars("o-3"))
	for _, j := range h.jobs("reserve-line", 10) {
		h.complete(j.Key, map[string]any{"reservation": "r"})
	}
	charge := h.job("charge-payment")
	if _, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "order-cancelled", CorrelationKey: "o-3"}); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantState(charge.ProcessInstanceKey, store.StateTerminated)
	h.wantElements(pi, map[string][]string{
		"received": {"COMPLETED"}, "reserveLines": {"COMPLETED", "COMPLETED", "COMPLETED"}, "pay": {"TERMINATED"},
		"cancellation": {"COMPLETED"}, "cancelled": {"COMPLETED"}, "cancelEnd": {"COMPLETED"},
	})
	wantCode(t, h.e.CompleteJob(h.ctx, charge.Key, nil), CodeNotFound)
}
