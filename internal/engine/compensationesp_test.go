package engine

import (
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

const cespProcess = `<bpmn:process id="cesp" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:subProcess id="booking">
    <bpmn:startEvent id="bs" />
    <bpmn:serviceTask id="book"><bpmn:extensionElements><zeebe:taskDefinition type="cesp-book" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:boundaryEvent id="bookComp" attachedToRef="book"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
    <bpmn:serviceTask id="unbook" isForCompensation="true"><bpmn:extensionElements><zeebe:taskDefinition type="cesp-unbook" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:association id="as1" sourceRef="bookComp" targetRef="unbook" />
    <bpmn:endEvent id="be" />
    <bpmn:sequenceFlow id="b1" sourceRef="bs" targetRef="book" />
    <bpmn:sequenceFlow id="b2" sourceRef="book" targetRef="be" />
    <bpmn:subProcess id="undoBooking" triggeredByEvent="true">
      <bpmn:startEvent id="us"><bpmn:compensateEventDefinition /></bpmn:startEvent>
      <bpmn:serviceTask id="notify"><bpmn:extensionElements><zeebe:taskDefinition type="cesp-notify" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:intermediateThrowEvent id="undoInside"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>
      <bpmn:endEvent id="ue" />
      <bpmn:sequenceFlow id="u1" sourceRef="us" targetRef="notify" />
      <bpmn:sequenceFlow id="u2" sourceRef="notify" targetRef="undoInside" />
      <bpmn:sequenceFlow id="u3" sourceRef="undoInside" targetRef="ue" />
    </bpmn:subProcess>
  </bpmn:subProcess>
  <bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition /></bpmn:intermediateThrowEvent>
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="booking" />
  <bpmn:sequenceFlow id="f2" sourceRef="booking" targetRef="undo" />
  <bpmn:sequenceFlow id="f3" sourceRef="undo" targetRef="e" />
</bpmn:process>`

// A sub-process completed twice (a multi-instance sub-process over two
// items) is compensated by its compensation event sub-process twice, each
// compensating its own booking; restarts in between repeat nothing.
func TestCompensationEventSubProcessPerCompletionAcrossRestart(t *testing.T) {
	h := newHarness(t)
	mi := strings.Replace(cespProcess, `<bpmn:subProcess id="booking">`, `<bpmn:subProcess id="booking"><bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2]" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>`, 1)
	h.deployXML("cesp.bpmn", mi)
	pi := h.start("cesp", nil)
	for _, j := range h.jobs("cesp-book", 10) {
		h.complete(j.Key, nil)
	}
	h.restart()
	notify := h.jobs("cesp-notify", 10)
	if len(notify) != 2 {
		t.Fatalf("%d compensation event sub-processes run, want one per completed sub-process (elements %v)", len(notify), h.elementStates(pi))
	}
	if u := h.jobs("cesp-unbook", 10); len(u) != 0 {
		t.Fatalf("handlers inside ran before their event sub-process: %d", len(u))
	}
	h.complete(notify[0].Key, nil)
	h.restart()
	if u := h.jobs("cesp-unbook", 10); len(u) != 1 {
		t.Fatalf("%d handler jobs after the first event sub-process's throw, want 1 (its own booking)", len(u))
	} else {
		h.complete(u[0].Key, nil)
	}
	h.wantState(pi, store.StateActive)
	h.complete(notify[1].Key, nil)
	u := h.jobs("cesp-unbook", 10)
	if len(u) != 1 {
		t.Fatalf("%d handler jobs after the second, want 1", len(u))
	}
	h.complete(u[0].Key, nil)
	h.wantState(pi, store.StateCompleted)
	if got := h.elementStates(pi)["unbook"]; len(got) != 2 {
		t.Fatalf("unbook ran %d times, want 2", len(got))
	}
}
