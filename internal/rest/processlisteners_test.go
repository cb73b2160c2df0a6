package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// processListenersModel: a process with two start execution listeners and
// an event sub-process, whose task calls a child process that has a start
// listener too; a multi-instance task whose start listener runs per item.
const processListenersModel = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="m" name="poke"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="plisten" isExecutable="true">
    <bpmn:extensionElements><zeebe:executionListeners>
      <zeebe:executionListener eventType="start" type="pl-1" />
      <zeebe:executionListener eventType="start" type="pl-2" />
    </zeebe:executionListeners></bpmn:extensionElements>
    <bpmn:startEvent id="s" />
    <bpmn:serviceTask id="each"><bpmn:extensionElements>
        <zeebe:taskDefinition type="pl-each" />
        <zeebe:executionListeners><zeebe:executionListener eventType="start" type="pl-item" /></zeebe:executionListeners>
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2,3]" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:serviceTask>
    <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="plChild" /></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="each" />
    <bpmn:sequenceFlow id="f2" sourceRef="each" targetRef="call" />
    <bpmn:sequenceFlow id="f3" sourceRef="call" targetRef="e" />
    <bpmn:subProcess id="esp" triggeredByEvent="true">
      <bpmn:startEvent id="poked" isInterrupting="false"><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
      <bpmn:endEvent id="pokedEnd" />
      <bpmn:sequenceFlow id="p1" sourceRef="poked" targetRef="pokedEnd" />
    </bpmn:subProcess>
  </bpmn:process>
  <bpmn:process id="plChild" isExecutable="true">
    <bpmn:extensionElements><zeebe:executionListeners><zeebe:executionListener eventType="start" type="pl-child" /></zeebe:executionListeners></bpmn:extensionElements>
    <bpmn:startEvent id="cs" />
    <bpmn:endEvent id="ce" />
    <bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="ce" />
  </bpmn:process>
</bpmn:definitions>`

// A process's start execution listeners run before anything in it: the
// instance waits for each listener's job, their variables are process
// variables, its event sub-processes subscribe and its start event is
// entered once they are done; a called process's run too. A multi-instance
// activity's listeners run for each inner instance (Camunda 8.8/8.9: the
// multi-instance body has none).
func TestProcessStartListenersOverHTTP(t *testing.T) {
	e := newEnv(t)
	if r := e.deployRaw([]string{"pl.bpmn"}, map[string][]byte{"pl.bpmn": []byte(processListenersModel)}, ""); r.status != http.StatusOK {
		t.Fatalf("deploy: %d %s", r.status, r.body)
	}
	pi := e.start("plisten", map[string]any{"id": "p-1"})
	first := e.listenerJob("pl-1", "START")
	if first["elementId"] != "plisten" || first["elementInstanceKey"] != pi {
		t.Fatalf("the process's listener job: %v", first)
	}
	if got := e.elements(pi); got != "" {
		t.Fatalf("elements entered before the start listeners are done: %s", got)
	}
	subs, _ := e.search("/v2/message-subscriptions/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(subs) != 0 {
		t.Fatalf("the event sub-process subscribed before the start listeners are done: %v", subs)
	}
	e.completeJob(first, map[string]any{"fromListener": "a"})
	second := e.listenerJob("pl-2", "START")
	if second["variables"].(map[string]any)["fromListener"] != "a" {
		t.Fatalf("the second listener does not see the first's variable: %v", second["variables"])
	}
	e.completeJob(second, nil)
	if v := e.variable(pi, "fromListener"); v != `"a"` {
		t.Fatalf("fromListener = %s, want a process variable", v)
	}
	wantElements(t, e.elements(pi), "s:START_EVENT:COMPLETED", "each:MULTI_INSTANCE_BODY:ACTIVE")
	subs, _ = e.search("/v2/message-subscriptions/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(subs) != 1 {
		t.Fatalf("the event sub-process's subscription: %v", subs)
	}

	// The multi-instance task: its start listener runs once per item.
	items := e.jobsOf("pl-item")
	if len(items) != 3 {
		t.Fatalf("%d item listener jobs, want 3 (one per inner instance)", len(items))
	}
	for _, j := range items {
		if j["listenerEventType"] != "START" || j["elementId"] != "each" {
			t.Fatalf("item listener job %v", j)
		}
		e.completeJob(j, nil)
	}
	for _, j := range e.jobsOf("pl-each") {
		e.completeJob(j, nil)
	}
	// The called process waits for its own start listener.
	child := e.listenerJob("pl-child", "START")
	ck := child["processInstanceKey"].(string)
	if got := e.elements(ck); got != "" {
		t.Fatalf("the child entered elements before its listener: %s", got)
	}
	e.completeJob(child, nil)
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("instance %s: %s", s, e.elements(pi))
	}
	if got := e.elements(pi); strings.Count(got, "s:START_EVENT") != 1 {
		t.Fatalf("start event entered %d times: %s", strings.Count(got, "s:START_EVENT"), got)
	}
}
