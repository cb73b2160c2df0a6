package engine

import (
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

const bpmnHead = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
`

// deployXML deploys a process written inline.
func (h *harness) deployXML(name, process string) {
	h.t.Helper()
	if _, err := h.e.Deploy(h.ctx, "", []Resource{{Name: name, Content: []byte(bpmnHead + process + "\n</bpmn:definitions>\n")}}); err != nil {
		h.t.Fatalf("deploy %s: %v", name, err)
	}
}

// spinModel loops through two gateways forever: Zeebe deploys it (a loop
// of gateways alone passes its check), so the engine must survive it.
const spinModel = `<bpmn:process id="spin" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:exclusiveGateway id="x1" />
  <bpmn:exclusiveGateway id="x2" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="x1" />
  <bpmn:sequenceFlow id="f1" sourceRef="x1" targetRef="x2" />
  <bpmn:sequenceFlow id="f2" sourceRef="x2" targetRef="x1" />
</bpmn:process>`

// recurseModel calls itself: every instance starts the next one.
const recurseModel = `<bpmn:process id="recurse" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:callActivity id="again"><bpmn:extensionElements><zeebe:calledElement processId="recurse" /></bpmn:extensionElements></bpmn:callActivity>
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="again" />
  <bpmn:sequenceFlow id="f1" sourceRef="again" targetRef="e" />
</bpmn:process>`

// batch waits for one more batch of the writer (each runs carried steps).
func (h *harness) batch() {
	h.t.Helper()
	if _, err := h.e.exec(h.ctx, func(*writer) (any, error) { return nil, nil }); err != nil {
		h.t.Fatal(err)
	}
}

// carried reports how many steps wait in the carry queue.
func (h *harness) carried() int {
	h.t.Helper()
	n, err := do(h.ctx, h.e, func(w *writer) (int, error) { return w.st.carry.len(), nil })
	if err != nil {
		h.t.Fatal(err)
	}
	return n
}

func (h *harness) countInstances(where string, args ...any) int {
	h.t.Helper()
	ps, err := store.Select(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, where, args...)
	if err != nil {
		h.t.Fatal(err)
	}
	return len(ps)
}

func TestLoopingInstanceDoesNotHoldUpOthers(t *testing.T) {
	h := newHarnessWith(t, Options{StepsPerBatch: 100, StepBudget: 1_000_000})
	h.deployXML("spin.bpmn", spinModel)
	h.deploy("order.bpmn")

	spin := h.start("spin", nil) // answers although the instance never waits
	h.wantState(spin, store.StateActive)

	// Another instance runs to its end meanwhile.
	order := h.start("order", map[string]any{"order": map[string]any{"total": 3}})
	h.complete(h.job("charge-card").Key, map[string]any{"receipt": map[string]any{"id": "r"}})
	h.wantState(order, store.StateCompleted)
	h.wantState(spin, store.StateActive)
	if h.carried() == 0 {
		t.Fatal("the looping instance has no carried steps: it stopped or ran all at once")
	}

	// It can be cancelled, and then nothing of it is left to run.
	if err := h.e.CancelProcessInstance(h.ctx, spin); err != nil {
		t.Fatal(err)
	}
	h.wantState(spin, store.StateTerminated)
	for i := 0; i < 3 && h.carried() > 0; i++ {
		h.batch()
	}
	if n := h.carried(); n != 0 {
		t.Fatalf("%d steps still carried after the instance was cancelled", n)
	}
}

func TestStepBudgetRaisesIncidentNamingTheLoop(t *testing.T) {
	const budget = 2_000
	h := newHarnessWith(t, Options{StepsPerBatch: 100, StepBudget: budget})
	h.deployXML("spin.bpmn", spinModel)
	spin := h.start("spin", nil)
	// The budget is spent within budget/StepsPerBatch batches, plus a few.
	for i := 0; i < budget/100+5 && h.carried() > 0; i++ {
		h.batch()
	}
	if n := h.carried(); n != 0 {
		t.Fatalf("%d steps still carried after the budget was spent", n)
	}
	inc := h.activeIncident(spin)
	if inc.ErrorType != "UNKNOWN" || !strings.Contains(inc.ErrorMessage, "x1 > x2") && !strings.Contains(inc.ErrorMessage, "x2 > x1") {
		t.Fatalf("incident %s: %s", inc.ErrorType, inc.ErrorMessage)
	}
	h.wantState(spin, store.StateActive)

	// Resolving it lets the instance run another budget; cancelling ends it.
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
	if h.carried() == 0 {
		t.Fatal("the resolved instance does not run again")
	}
	if err := h.e.CancelProcessInstance(h.ctx, spin); err != nil {
		t.Fatal(err)
	}
	h.wantState(spin, store.StateTerminated)
}

func TestSelfCallingProcessIsBoundedAndCancellable(t *testing.T) {
	h := newHarnessWith(t, Options{StepsPerBatch: 200, StepBudget: 1_000_000})
	h.deployXML("recurse.bpmn", recurseModel)
	h.deploy("order.bpmn")

	// Each batch adds a bounded number of levels. The writer runs carried
	// steps by itself whenever it is idle, so the bound is per batch
	// committed, counted around each read, not per batch the test asks for.
	b0 := h.e.stats.Batches.Load()
	root := h.start("recurse", nil)
	depth := func() int { return h.countInstances("root_process_instance_key = ? AND state = 'ACTIVE'", root) }
	d0 := depth()
	if n := h.e.stats.Batches.Load() - b0; int64(d0) > n*200 {
		t.Fatalf("%d levels after %d batches, want at most 200 per batch", d0, n)
	}
	for i := 0; i < 20; i++ {
		h.batch()
	}
	d1 := depth()
	if n := h.e.stats.Batches.Load() - b0; d1 <= d0 || int64(d1) > n*200 {
		t.Fatalf("depth %d after %d batches (from %d)", d1, n, d0)
	}

	// Another instance runs to its end meanwhile.
	order := h.start("order", map[string]any{"order": map[string]any{"total": 3}})
	h.complete(h.job("charge-card").Key, map[string]any{"receipt": map[string]any{"id": "r"}})
	h.wantState(order, store.StateCompleted)

	// Cancelling the root stops the whole chain.
	if err := h.e.CancelProcessInstance(h.ctx, root); err != nil {
		t.Fatal(err)
	}
	h.wantState(root, store.StateTerminated)
	for i := 0; i < 1000 && h.carried() > 0; i++ {
		h.batch()
	}
	if n := h.carried(); n != 0 {
		t.Fatalf("%d steps still carried", n)
	}
	if n := depth(); n != 0 {
		t.Fatalf("%d instances of the chain still active after the root was cancelled", n)
	}
}

func TestStepBudgetStopsSelfCallingChain(t *testing.T) {
	const budget = 3_000
	h := newHarnessWith(t, Options{StepsPerBatch: 100, StepBudget: budget})
	h.deployXML("recurse.bpmn", recurseModel)
	root := h.start("recurse", nil)
	for i := 0; i < budget/100+5 && h.carried() > 0; i++ {
		h.batch()
	}
	if n := h.carried(); n != 0 {
		t.Fatalf("%d steps still carried after the budget was spent", n)
	}
	incs, err := store.Select(h.ctx, h.e.Store(), func() *store.Incident { return new(store.Incident) }, "root_process_instance_key = ? AND state = 'ACTIVE'", root)
	if err != nil {
		t.Fatal(err)
	}
	if len(incs) != 1 || !strings.Contains(incs[0].ErrorMessage, "again") {
		t.Fatalf("incidents: %+v", incs)
	}
	if err := h.e.CancelProcessInstance(h.ctx, root); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 1000 && h.carried() > 0; i++ {
		h.batch()
	}
	if n := h.countInstances("root_process_instance_key = ? AND state = 'ACTIVE'", root); n != 0 {
		t.Fatalf("%d instances of the chain still active", n)
	}
}

func TestCarriedStepsSurviveRestart(t *testing.T) {
	h := newHarnessWith(t, Options{StepsPerBatch: 50, StepBudget: 1_000_000})
	h.deployXML("spin.bpmn", spinModel)
	spin := h.start("spin", nil)
	h.restart()
	if h.carried() == 0 {
		t.Fatal("after a restart the looping instance has nothing to run: its steps were lost")
	}
	h.wantState(spin, store.StateActive)
	if err := h.e.CancelProcessInstance(h.ctx, spin); err != nil {
		t.Fatal(err)
	}
	h.wantState(spin, store.StateTerminated)
}
