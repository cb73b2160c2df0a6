package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// cespModel: a sub-process whose task has a compensation handler, and a
// compensation event sub-process that does its own work, then compensates
// what completed inside the sub-process; after the sub-process, a throw
// event compensates (broadcast, or in cespRef the sub-process by
// activityRef).
const cespModel = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="PID" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:subProcess id="booking">
      <bpmn:startEvent id="bs" />
      <bpmn:serviceTask id="book"><bpmn:extensionElements><zeebe:taskDefinition type="cesp-book" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:boundaryEvent id="bookComp" attachedToRef="book"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
      <bpmn:serviceTask id="unbook" isForCompensation="true"><bpmn:extensionElements><zeebe:taskDefinition type="cesp-unbook" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:association id="as1" associationDirection="One" sourceRef="bookComp" targetRef="unbook" />
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
    <bpmn:intermediateThrowEvent id="undo"><bpmn:compensateEventDefinition REF /></bpmn:intermediateThrowEvent>
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="booking" />
    <bpmn:sequenceFlow id="f2" sourceRef="booking" targetRef="undo" />
    <bpmn:sequenceFlow id="f3" sourceRef="undo" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>`

// A compensation event sub-process runs when its completed sub-process is
// compensated, instead of the handlers inside it; a compensation throw in
// it compensates what completed in the sub-process; the throw event that
// started it waits for it. By broadcast and by activityRef.
func TestCompensationEventSubProcessOverHTTP(t *testing.T) {
	e := newEnv(t)
	models := map[string][]byte{
		"cesp.bpmn":    []byte(strings.NewReplacer("PID", "cesp", "REF", "").Replace(cespModel)),
		"cespref.bpmn": []byte(strings.NewReplacer("PID", "cespRef", "REF", `activityRef="booking"`).Replace(cespModel)),
	}
	if r := e.deployRaw([]string{"cesp.bpmn", "cespref.bpmn"}, models, ""); r.status != http.StatusOK {
		t.Fatalf("deploy: %d %s", r.status, r.body)
	}
	for _, pid := range []string{"cesp", "cespRef"} {
		t.Run(pid, func(t *testing.T) {
			e := e.with(t)
			pi := e.start(pid, nil)
			e.completeJob(e.jobsOf("cesp-book")[0], nil)
			// The sub-process completed; the throw event runs its compensation
			// event sub-process, not the task's handler.
			notify := e.jobsOf("cesp-notify")
			if len(notify) != 1 || notify[0]["processInstanceKey"] != pi {
				t.Fatalf("compensation event sub-process jobs: %v (%s)", notify, e.elements(pi))
			}
			if j := e.jobsOf("cesp-unbook"); len(j) != 0 {
				t.Fatalf("the handler inside ran before the event sub-process compensated: %v", j)
			}
			wantElements(t, e.elements(pi), "booking:SUB_PROCESS:COMPLETED", "undo:INTERMEDIATE_THROW_EVENT:ACTIVE", "undoBooking:EVENT_SUB_PROCESS:ACTIVE")
			e.completeJob(notify[0], nil)
			// Its own throw event compensates the booking inside.
			unbook := e.jobsOf("cesp-unbook")
			if len(unbook) != 1 {
				t.Fatalf("handler jobs after the event sub-process's throw: %v (%s)", unbook, e.elements(pi))
			}
			if s := e.instanceState(pi); s != "ACTIVE" {
				t.Fatalf("instance %s before the handler completed", s)
			}
			e.completeJob(unbook[0], nil)
			if s := e.instanceState(pi); s != "COMPLETED" {
				t.Fatalf("instance %s: %s", s, e.elements(pi))
			}
			wantElements(t, e.elements(pi), "undoBooking:EVENT_SUB_PROCESS:COMPLETED", "unbook:SERVICE_TASK:COMPLETED", "undo:INTERMEDIATE_THROW_EVENT:COMPLETED", "e:END_EVENT:COMPLETED")
		})
	}

	// Not on the process level, as Zeebe refuses it.
	flat := strings.Replace(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="flat" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:endEvent id="e" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" />
    <bpmn:subProcess id="espTop" triggeredByEvent="true">
      <bpmn:startEvent id="us"><bpmn:compensateEventDefinition /></bpmn:startEvent><bpmn:endEvent id="ue" />
      <bpmn:sequenceFlow id="u1" sourceRef="us" targetRef="ue" />
    </bpmn:subProcess>
  </bpmn:process>
</bpmn:definitions>`, "\t", "", -1)
	e.problem(e.deployRaw([]string{"flat.bpmn"}, map[string][]byte{"flat.bpmn": []byte(flat)}, ""), http.StatusBadRequest, "INVALID_ARGUMENT", "process level")
}
