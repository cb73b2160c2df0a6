package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// elementKey is the (last) element instance of a process instance's element id.
func (h *harness) elementKey(pi int64, elementID string) int64 {
	h.t.Helper()
	eis, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) },
		"process_instance_key = ? AND element_id = ? ORDER BY key", pi, elementID)
	if err != nil || len(eis) == 0 {
		h.t.Fatalf("element %s of %d: %v %v", elementID, pi, eis, err)
	}
	return eis[len(eis)-1].Key
}

// wantOnly checks a scope's variables are exactly want.
func (h *harness) wantOnly(scope int64, want map[string]string) {
	h.t.Helper()
	got := h.vars(scope)
	if len(got) != len(want) {
		h.t.Fatalf("variables of scope %d: got %v, want %v", scope, got, want)
	}
	h.wantVars(scope, want)
}

// The variables of a start event's trigger go through its output mappings
// as Zeebe applies them: only the mappings' results are process variables,
// the trigger's variables stay local to the start event; without mappings
// every variable reaches the process. For message (publish and
// correlate), signal and conditional start events, and a restart between
// the start and the work that follows.
func TestStartEventOutputMappings(t *testing.T) {
	h := newHarness(t)
	h.deploy("startmappings.bpmn")

	res, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "mapped-start", CorrelationKey: "c-1",
		Variables: map[string]any{"toolCall": map[string]any{"firstName": "Ada"}, "amount": 21, "secret": "x"}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	h.restart()
	h.wantOnly(pi, map[string]string{"firstName": `"Ada"`, "order": `{"doubled":42}`})
	h.wantOnly(h.elementKey(pi, "start_mappedMsg"), map[string]string{"toolCall": `{"firstName":"Ada"}`, "amount": "21", "secret": `"x"`})
	job := h.job("mapped-work")
	if _, leaked := job.Variables["secret"]; leaked || string(job.Variables["firstName"]) != `"Ada"` {
		t.Fatalf("the job sees %v", job.Variables)
	}
	h.complete(job.Key, nil)
	h.wantState(pi, store.StateCompleted)

	// Published (not correlated): the same.
	pub, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "mapped-start", CorrelationKey: "c-2",
		Variables: map[string]any{"toolCall": map[string]any{"firstName": "Grace"}, "amount": 1}})
	if err != nil {
		t.Fatal(err)
	}
	h.wantOnly(pub.ProcessInstanceKey, map[string]string{"firstName": `"Grace"`, "order": `{"doubled":2}`})

	// No output mappings: every variable is a process variable.
	plain, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "plain-start", Variables: map[string]any{"a": 1, "b": "two"}})
	if err != nil {
		t.Fatal(err)
	}
	h.wantOnly(plain.ProcessInstanceKey, map[string]string{"a": "1", "b": `"two"`})
	h.wantOnly(h.elementKey(plain.ProcessInstanceKey, "start_plainMsg"), map[string]string{})

	// Signal start event.
	if _, err := h.e.BroadcastSignal(h.ctx, SignalRequest{Name: "mapped-signal", Variables: map[string]any{"level": "high", "noise": true}}); err != nil {
		t.Fatal(err)
	}
	sj := h.job("signal-work")
	h.wantOnly(sj.ProcessInstanceKey, map[string]string{"severity": `"high"`})
	h.wantOnly(h.elementKey(sj.ProcessInstanceKey, "start_mappedSignal"), map[string]string{"level": `"high"`, "noise": "true"})

	// Conditional start event.
	cres, err := h.e.EvaluateConditionals(h.ctx, EvaluateConditionalsRequest{Variables: map[string]any{"temperature": 35, "room": "lab"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(cres.ProcessInstances) != 1 {
		t.Fatalf("conditional evaluation started %v", cres.ProcessInstances)
	}
	cpi := cres.ProcessInstances[0].ProcessInstanceKey
	h.restart()
	h.wantOnly(cpi, map[string]string{"hot": "35"})
	h.wantOnly(h.elementKey(cpi, "start_mappedCond"), map[string]string{"temperature": "35", "room": `"lab"`})
}

// A failing output mapping of a start event raises an incident on it, as
// on any element; the message's variables stay local to the start event,
// and resolving the incident once the variable exists goes on.
func TestStartEventOutputMappingIncident(t *testing.T) {
	h := newHarness(t)
	h.deploy("startmappings.bpmn")
	res, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "checked-start", Variables: map[string]any{"note": "no amount"}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	inc := h.activeIncident(pi)
	if inc.ElementID != "start_checkedMsg" || inc.ErrorType != incIOMapping {
		t.Fatalf("incident %s on %s, want %s on the start event", inc.ErrorType, inc.ElementID, incIOMapping)
	}
	h.wantOnly(pi, map[string]string{})
	h.restart()
	if err := h.e.SetVariables(h.ctx, inc.ElementInstanceKey, map[string]any{"amount": 5}, true); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
	h.job("checked-work")
	h.wantOnly(pi, map[string]string{"total": "5"})
	h.wantOnly(inc.ElementInstanceKey, map[string]string{"note": `"no amount"`, "amount": "5"})
}

// A process with start execution listeners keeps the message's variables
// for its start event while the listeners run (they do not see them, as in
// Zeebe), across a restart.
func TestStartEventOutputMappingsAfterStartListeners(t *testing.T) {
	h := newHarness(t)
	h.deploy("startmappings.bpmn")
	res, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "listened-start", Variables: map[string]any{"x": 41}})
	if err != nil {
		t.Fatal(err)
	}
	h.restart()
	lj := h.job("listened-start")
	if _, seen := lj.Variables["x"]; seen {
		t.Fatalf("the start listener sees the message's variables: %v", lj.Variables)
	}
	h.restart()
	h.complete(lj.Key, nil)
	h.restart()
	h.job("listened-work")
	h.wantOnly(res.ProcessInstanceKey, map[string]string{"y": "42"})
	h.wantOnly(h.elementKey(res.ProcessInstanceKey, "start_listenedMsg"), map[string]string{"x": "41"})
}

// An event sub-process's message start event with output mappings: the
// message's variables are local to it, the mapped one is propagated.
func TestEventSubProcessStartOutputMappings(t *testing.T) {
	h := newHarness(t)
	h.deploy("startmappings.bpmn")
	pi := h.start("espNotes", map[string]any{"orderId": "o-7"})
	if _, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: "esp-note", CorrelationKey: "o-7", Variables: map[string]any{"note": "call back", "extra": 1}}); err != nil {
		t.Fatal(err)
	}
	h.restart()
	h.job("note-work")
	h.wantOnly(pi, map[string]string{"orderId": `"o-7"`, "lastNote": `"call back"`})
	h.wantOnly(h.elementKey(pi, "noteStart"), map[string]string{"note": `"call back"`, "extra": "1"})
}
