package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

func TestMessageCatchAndReceiveTask(t *testing.T) {
	h := newHarness(t)
	h.deploy("messages.bpmn")
	pi := h.start("payment", map[string]any{"orderId": "o-1"})
	other := h.start("payment", map[string]any{"orderId": "o-2"})

	res, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "payment-received", CorrelationKey: "o-1", Variables: map[string]any{"amount": 30}})
	if err != nil {
		t.Fatal(err)
	}
	if res.MessageKey == 0 || res.TenantID != DefaultTenant {
		t.Fatalf("publish result: %+v", res)
	}
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "waitPaid": {"COMPLETED"}, "waitShipped": {"ACTIVE"}})
	h.wantElements(other, map[string][]string{"start": {"COMPLETED"}, "waitPaid": {"ACTIVE"}})
	h.wantVars(pi, map[string]string{"amount": "30"})

	// Correlate (not publish) the second message, with an output mapping.
	cres, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "shipped", CorrelationKey: "o-1", Variables: map[string]any{"carrier": "DHL"}})
	if err != nil {
		t.Fatal(err)
	}
	if cres.ProcessInstanceKey != pi {
		t.Fatalf("correlated to %d, want %d", cres.ProcessInstanceKey, pi)
	}
	h.wantState(pi, store.StateCompleted)
	vars := h.vars(pi)
	if vars["shippedBy"] != `"DHL"` {
		t.Fatalf("variables: %v", vars)
	}
	if _, ok := vars["carrier"]; ok {
		t.Fatal("a message variable leaked past the receive task's output mapping")
	}

	// Nothing waits for "shipped" with key o-9: correlation fails, nothing changes.
	_, err = h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "shipped", CorrelationKey: "o-9"})
	wantCode(t, err, CodeNotFound)

	subs, err := store.Select(h.ctx, h.e.Store(), func() *store.MessageSubscription { return new(store.MessageSubscription) }, "process_instance_key = ? ORDER BY key", pi)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].State != store.SubscriptionCorrelated || subs[0].MessageName != "payment-received" || subs[0].CorrelationKey != "o-1" {
		t.Fatalf("subscriptions: %+v", subs)
	}
}

func TestBufferedMessagesAndMessageID(t *testing.T) {
	h := newHarness(t)
	h.deploy("messages.bpmn")
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	h.pin(t0)
	// Published before anyone waits, with a time to live.
	if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "payment-received", CorrelationKey: "o-5", TimeToLive: time.Hour, MessageID: "pay-5"}); err != nil {
		t.Fatal(err)
	}
	_, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "payment-received", CorrelationKey: "o-5", TimeToLive: time.Hour, MessageID: "pay-5"})
	wantCode(t, err, CodeAlreadyExists)
	// A buffered message that expires never correlates.
	if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "shipped", CorrelationKey: "o-5", TimeToLive: time.Minute}); err != nil {
		t.Fatal(err)
	}
	h.pin(t0.Add(2 * time.Minute))

	pi := h.start("payment", map[string]any{"orderId": "o-5"})
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "waitPaid": {"COMPLETED"}, "waitShipped": {"ACTIVE"}})
	// The buffered message correlates once per process: a second instance waits.
	pi2 := h.start("payment", map[string]any{"orderId": "o-5"})
	h.wantElements(pi2, map[string][]string{"start": {"COMPLETED"}, "waitPaid": {"ACTIVE"}})
}

func TestMessageStartEvent(t *testing.T) {
	h := newHarness(t)
	h.deploy("messages.bpmn")
	res, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "new-order", CorrelationKey: "c-1", Variables: map[string]any{"customer": "ada"}})
	if err != nil {
		t.Fatal(err)
	}
	if res.ProcessInstanceKey == 0 {
		t.Fatal("no instance was started")
	}
	pi := h.instance(res.ProcessInstanceKey)
	if pi.ProcessID != "intake" {
		t.Fatalf("started %s", pi.ProcessID)
	}
	h.wantVars(pi.Key, map[string]string{"customer": `"ada"`})
	h.wantElements(pi.Key, map[string][]string{"onNewOrder": {"COMPLETED"}, "register": {"ACTIVE"}})
	// One active instance per correlation key, also after a restart.
	h.restart()
	res2, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "new-order", CorrelationKey: "c-1"})
	if err != nil || res2.ProcessInstanceKey != 0 {
		t.Fatalf("second message with the same key: %+v %v", res2, err)
	}
	res3, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "new-order", CorrelationKey: "c-2"})
	if err != nil || res3.ProcessInstanceKey == 0 {
		t.Fatalf("message with another key: %+v %v", res3, err)
	}
	// Processes without a none start event cannot be started directly.
	_, err = h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessID: "intake"})
	wantCode(t, err, CodeInvalidArgument)
}

func TestTimerCatchEvent(t *testing.T) {
	h := newHarness(t)
	h.deploy("timers.bpmn")
	t0 := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	h.pin(t0)
	pi := h.start("reminder", map[string]any{"delay": "PT1H"})
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "wait": {"ACTIVE"}})
	h.pin(t0.Add(59 * time.Minute))
	h.wantState(pi, store.StateActive)
	h.pin(t0.Add(time.Hour))
	h.wantState(pi, store.StateCompleted)

	// A FEEL duration value works as well as a string; a number does not.
	pi2 := h.start("reminder", map[string]any{"delay": 5})
	inc := h.activeIncident(pi2)
	if inc.ErrorType != "EXTRACT_VALUE_ERROR" || !strings.Contains(inc.ErrorMessage, "delay") {
		t.Fatalf("incident: %+v", inc)
	}
}

func TestTimerStartEventCycle(t *testing.T) {
	h := newHarness(t)
	t0 := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	h.pin(t0)
	h.deploy("timers.bpmn")
	count := func() int {
		pis, err := store.Select(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "process_id = 'nightly'")
		if err != nil {
			t.Fatal(err)
		}
		return len(pis)
	}
	h.pin(t0.Add(9 * time.Second))
	if n := count(); n != 0 {
		t.Fatalf("%d instances before the first tick", n)
	}
	h.pin(t0.Add(10 * time.Second))
	if n := count(); n != 1 {
		t.Fatalf("%d instances after the first tick", n)
	}
	// A restart keeps the schedule.
	h.restart()
	h.pin(t0.Add(time.Minute))
	if n := count(); n != 3 {
		t.Fatalf("%d instances after R3 ticks", n)
	}
	if n := len(h.jobs("report", 10)); n != 3 {
		t.Fatalf("%d report jobs", n)
	}
}
