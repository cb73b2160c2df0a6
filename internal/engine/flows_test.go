package engine

import (
	"slices"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// chainModel passes straight through its elements, two of them in a
// sub-process: with one step per batch, each flow is taken in a batch of
// its own, and those inside the sub-process in batches that change
// nothing else of the process instance.
const chainModel = `<bpmn:process id="chain" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:subProcess id="sub">
    <bpmn:startEvent id="ss" />
    <bpmn:manualTask id="m1" />
    <bpmn:manualTask id="m2" />
    <bpmn:endEvent id="se" />
    <bpmn:sequenceFlow id="a" sourceRef="ss" targetRef="m1" />
    <bpmn:sequenceFlow id="b" sourceRef="m1" targetRef="m2" />
    <bpmn:sequenceFlow id="c" sourceRef="m2" targetRef="se" />
  </bpmn:subProcess>
  <bpmn:exclusiveGateway id="x" default="toEnd" />
  <bpmn:endEvent id="e" />
  <bpmn:endEvent id="never" />
  <bpmn:sequenceFlow id="in" sourceRef="s" targetRef="sub" />
  <bpmn:sequenceFlow id="out" sourceRef="sub" targetRef="x" />
  <bpmn:sequenceFlow id="toEnd" sourceRef="x" targetRef="e" />
  <bpmn:sequenceFlow id="toNever" sourceRef="x" targetRef="never"><bpmn:conditionExpression>=false</bpmn:conditionExpression></bpmn:sequenceFlow>
</bpmn:process>`

// wantFlows checks the sequence flows an instance took, in order.
func (h *harness) wantFlows(pi int64, want ...string) {
	h.t.Helper()
	if got := h.instance(pi).TakenFlows; !slices.Equal(got, want) {
		h.t.Fatalf("instance %d took %v, want %v (elements %v)", pi, got, want, h.elementStates(pi))
	}
}

// flowsMatchElements checks what is stored between two batches: a flow is
// recorded as taken exactly when the element it leads to was entered (in
// chainModel every element but the start events has one incoming flow).
// It reads the store from inside the writer, while carried steps keep
// running, after waiting for the batch being committed (syncStore): else
// its two reads could fall on either side of that commit.
func flowsMatchElements(h *harness, pi int64) {
	h.t.Helper()
	type snapshot struct {
		flows    []string
		elements map[string]bool
	}
	snap, err := do(h.ctx, h.e, func(w *writer) (snapshot, error) {
		w.syncStore()
		p, _, err := store.Get(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, pi)
		if err != nil {
			return snapshot{}, err
		}
		eis, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) }, "process_instance_key = ?", pi)
		s := snapshot{flows: p.TakenFlows, elements: map[string]bool{}}
		for _, ei := range eis {
			s.elements[ei.ElementID] = true
		}
		return s, err
	})
	if err != nil {
		h.t.Fatal(err)
	}
	byTarget := map[string]string{"sub": "in", "m1": "a", "m2": "b", "se": "c", "x": "out", "e": "toEnd", "never": "toNever"}
	var want []string
	for _, id := range []string{"sub", "m1", "m2", "se", "x", "e", "never"} {
		if snap.elements[id] {
			want = append(want, byTarget[id])
		}
	}
	if !slices.Equal(snap.flows, want) {
		h.t.Fatalf("instance %d: flows %v stored with elements %v, want %v", pi, snap.flows, snap.elements, want)
	}
}

// A flow is stored as taken in the batch that takes it, with the element
// it leads to: a restart between taking a flow and the next step neither
// loses it nor records it twice.
func TestTakenFlowsSurviveRestartBetweenSteps(t *testing.T) {
	h := newHarnessWith(t, Options{StepsPerBatch: 1})
	h.deployXML("chain.bpmn", chainModel)
	pi := h.start("chain", nil)
	flowsMatchElements(h, pi)
	restarts := 0
	for i := 0; h.instance(pi).State == store.StateActive; i++ {
		if i > 40 {
			t.Fatalf("instance %d still active after %d batches: %v", pi, i, h.elementStates(pi))
		}
		h.restart() // whatever step comes next runs after a restart
		restarts++
		flowsMatchElements(h, pi)
		h.batch()
		flowsMatchElements(h, pi)
	}
	h.wantFlows(pi, "in", "a", "b", "c", "out", "toEnd")
	t.Logf("%d restarts", restarts)
}

// A flow taken again and again (a loop) is listed once: what an instance
// keeps is bounded by its model, not by how long it runs.
func TestLoopedFlowRecordedOnce(t *testing.T) {
	h := newHarnessWith(t, Options{StepBudget: 2_000})
	h.deployXML("spin.bpmn", spinModel)
	pi := h.start("spin", nil)
	for i := 0; len(h.incidents(pi)) == 0; i++ {
		if i > 100 {
			t.Fatalf("no step budget incident after %d batches", i)
		}
		h.batch()
	}
	if n := len(h.elementStates(pi)["x1"]); n < 400 {
		t.Fatalf("the loop ran %d times", n)
	}
	h.wantFlows(pi, "f0", "f1", "f2")
}
