package bpmn

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const head = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
`

func doc(body string) []byte { return []byte(head + body + "\n</bpmn:definitions>\n") }

func TestParseValidProcess(t *testing.T) {
	d, err := Parse("ok.bpmn", doc(`<bpmn:process id="p" name="P" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
  <bpmn:serviceTask id="t" name="Task">
    <bpmn:extensionElements>
      <zeebe:taskDefinition type="=kind" retries="5" />
      <zeebe:taskHeaders><zeebe:header key="a" value="1" /><zeebe:header key="b" value="2" /></zeebe:taskHeaders>
      <zeebe:ioMapping><zeebe:input source="=x" target="y.z" /><zeebe:output source="=r" target="out" /></zeebe:ioMapping>
      <zeebe:properties><zeebe:property name="k" value="v" /></zeebe:properties>
    </bpmn:extensionElements>
  </bpmn:serviceTask>
  <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" />
  <bpmn:endEvent id="e" />
</bpmn:process>
<bpmn:process id="notRun" isExecutable="false"><bpmn:startEvent id="x" /></bpmn:process>`))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Processes) != 1 {
		t.Fatalf("processes: %d (non-executable ones must be skipped)", len(d.Processes))
	}
	p := d.Processes[0]
	task := p.ElementByID("t")
	if task == nil || task.Type != TypeServiceTask || task.Name != "Task" || task.Parent != p.Element {
		t.Fatalf("task: %+v", task)
	}
	if !task.TaskDefinition.Type.IsFEEL() || task.TaskDefinition.Retries.Raw != "5" {
		t.Fatalf("task definition: %+v", task.TaskDefinition)
	}
	if len(task.Headers) != 2 || task.Headers[1] != (Header{"b", "2"}) {
		t.Fatalf("headers: %+v", task.Headers)
	}
	if len(task.Inputs) != 1 || task.Inputs[0].Target != "y.z" || len(task.Outputs) != 1 {
		t.Fatalf("mappings: %+v %+v", task.Inputs, task.Outputs)
	}
	if len(task.Properties) != 1 || task.Properties[0] != (Property{"k", "v"}) {
		t.Fatalf("properties: %+v", task.Properties)
	}
	if p.NoneStart.ID != "s" || len(task.Incoming) != 1 || task.Outgoing[0].Target.ID != "e" {
		t.Fatal("flows not connected")
	}
}

func TestParseConditionalEvents(t *testing.T) {
	d, err := Parse("c.bpmn", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait" />
  <bpmn:intermediateCatchEvent id="wait"><bpmn:conditionalEventDefinition>
    <bpmn:condition xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
      = count(items) > limit and order.ready
    </bpmn:condition>
    <bpmn:extensionElements><zeebe:conditionalFilter variableEvents="update" /></bpmn:extensionElements>
  </bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>
</bpmn:process>`))
	if err != nil {
		t.Fatal(err)
	}
	p := d.Processes[0]
	c := p.ElementByID("wait").Conditional
	if !p.Conditionals || c == nil || c.Condition.FEEL == nil {
		t.Fatalf("conditional: %+v", c)
	}
	if strings.Join(c.Names, ",") != "items,limit,order" || c.OnCreate || !c.OnUpdate {
		t.Fatalf("names %v, create %v, update %v", c.Names, c.OnCreate, c.OnUpdate)
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct {
		name string
		doc  []byte
		want []string // each must appear in the error
	}{
		{"malformed XML", []byte(head + `<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s">`), []string{"malformed XML"}},
		{"not BPMN", []byte(`<?xml version="1.0"?><foo/>`), []string{"bpmn:definitions"}},
		{"empty", []byte(``), []string{"malformed XML"}},
		{"no executable process", doc(`<bpmn:process id="p"><bpmn:startEvent id="s"/></bpmn:process>`), []string{"at least one executable process"}},
		{"unknown flow target", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="nowhere" />
</bpmn:process>`), []string{"element 'f1' (line 5)", "target 'nowhere'"}},
		{"missing task type", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="t" />
</bpmn:process>`), []string{"element 't'", "zeebe:taskDefinition"}},
		{"bad FEEL", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="=1 +" /></bpmn:extensionElements></bpmn:serviceTask>
</bpmn:process>`), []string{"element 't'", "not a valid FEEL expression"}},
		{"every problem is listed", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="a" />
  <bpmn:serviceTask id="b"><bpmn:extensionElements><zeebe:taskDefinition type="x" retries="many" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:boundaryEvent id="c" attachedToRef="a"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
  <bpmn:sequenceFlow id="f" sourceRef="a" targetRef="zz" />
</bpmn:process>`), []string{"3 problems", "element 'a'", "a compensation boundary event must be associated with a compensation handler", "target 'zz'"}},
		{"boundary event with an incoming flow", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="b" />
  <bpmn:serviceTask id="a"><bpmn:extensionElements><zeebe:taskDefinition type="x" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:boundaryEvent id="b" attachedToRef="a"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
</bpmn:process>`), []string{"element 'b'", "a boundary event cannot have incoming sequence flows"}},
		{"conditional events", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:startEvent id="root"><bpmn:conditionalEventDefinition><bpmn:condition>= go</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>
  <bpmn:startEvent id="root2"><bpmn:conditionalEventDefinition><bpmn:condition>=go</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>
  <bpmn:intermediateCatchEvent id="nocond"><bpmn:conditionalEventDefinition /></bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="badfilter"><bpmn:conditionalEventDefinition><bpmn:condition>= x</bpmn:condition>
    <bpmn:extensionElements><zeebe:conditionalFilter variableEvents="create, delete" /></bpmn:extensionElements></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="badfeel"><bpmn:conditionalEventDefinition><bpmn:condition>= x &gt;</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:intermediateCatchEvent>
</bpmn:process>`), []string{"4 problems", "element 'root2'", "also the condition of the conditional start event 'root'", "element 'nocond'", "must have a condition",
			"'delete' is not one of create, update", "element 'badfeel'", "not a valid FEEL expression"}},
		{"compensation", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="a" />
  <bpmn:task id="a" />
  <bpmn:boundaryEvent id="ac" attachedToRef="a"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
  <bpmn:task id="b" />
  <bpmn:boundaryEvent id="bc" attachedToRef="b"><bpmn:compensateEventDefinition /></bpmn:boundaryEvent>
  <bpmn:association id="x" sourceRef="bc" targetRef="a" />
  <bpmn:task id="orphan" isForCompensation="true" />
  <bpmn:sequenceFlow id="f2" sourceRef="a" targetRef="t" />
  <bpmn:intermediateThrowEvent id="t"><bpmn:compensateEventDefinition activityRef="s" /></bpmn:intermediateThrowEvent>
</bpmn:process>`), []string{"element 'ac'", "must be associated with a compensation handler", "element 'bc'", "is associated with 'a', which is not a compensation handler",
			"element 'orphan'", "a compensation handler must be associated", "element 't'", "activityRef 's' has no compensation boundary event"}},
		{"duplicate ids", doc(`<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" /><bpmn:endEvent id="s" /></bpmn:process>`), []string{"used more than once"}},
		{"unknown message", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:intermediateCatchEvent id="m"><bpmn:messageEventDefinition messageRef="nope" /></bpmn:intermediateCatchEvent>
</bpmn:process>`), []string{"message 'nope', which does not exist"}},
		{"message without correlation key", doc(`<bpmn:message id="M" name="m" />
<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:intermediateCatchEvent id="m"><bpmn:messageEventDefinition messageRef="M" /></bpmn:intermediateCatchEvent>
</bpmn:process>`), []string{"correlation key"}},
		{"bad timer", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1X</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
</bpmn:process>`), []string{"element 'w'", "invalid duration"}},
		{"gateway flow without condition", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g" />
  <bpmn:exclusiveGateway id="g" />
  <bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="e1" />
  <bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e2"><bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />
</bpmn:process>`), []string{"element 'f1'", "must have a condition or be its default flow"}},
		{"unsupported extension", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x" /><zeebe:loopy /></bpmn:extensionElements></bpmn:serviceTask>
</bpmn:process>`), []string{"the extension element 'zeebe:loopy' is not supported on a service task"}},
		{"execution listeners where Camunda refuses them", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s"><bpmn:extensionElements><zeebe:executionListeners><zeebe:executionListener eventType="start" type="a" /></zeebe:executionListeners></bpmn:extensionElements></bpmn:startEvent>
  <bpmn:exclusiveGateway id="g"><bpmn:extensionElements><zeebe:executionListeners><zeebe:executionListener eventType="end" type="a" /></zeebe:executionListeners></bpmn:extensionElements></bpmn:exclusiveGateway>
  <bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x" /><zeebe:executionListeners>
    <zeebe:executionListener eventType="start" type="a" /><zeebe:executionListener eventType="start" type="a" /><zeebe:executionListener eventType="later" type="b" />
  </zeebe:executionListeners></bpmn:extensionElements></bpmn:serviceTask>
</bpmn:process>`), []string{"4 problems", "element 's'", "start events cannot have start execution listeners", "element 'g'", "gateways cannot have end execution listeners",
			"the execution listener of type 'a' is defined twice for the event 'start'", "eventType 'later' is not one of [start end]"}},
		{"multi-instance", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="t"><bpmn:extensionElements><zeebe:taskDefinition type="x" /></bpmn:extensionElements><bpmn:multiInstanceLoopCharacteristics /></bpmn:serviceTask>
</bpmn:process>`), []string{"element 't'", "zeebe:loopCharacteristics"}},
		{"sub-process without start", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:subProcess id="sp"><bpmn:endEvent id="e" /></bpmn:subProcess>
</bpmn:process>`), []string{"element 'sp'", "none start event"}},
		{"condition after a task", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="t"><bpmn:conditionExpression>=x</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:task id="t" />
</bpmn:process>`), []string{"element 'f0'", "only supported on sequence flows leaving exclusive and inclusive gateways"}},
		{"call activity", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:callActivity id="c" />
</bpmn:process>`), []string{"element 'c'", "zeebe:calledElement"}},
		{"ad-hoc with start event", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:adHocSubProcess id="ah"><bpmn:startEvent id="inner" /><bpmn:task id="t" /></bpmn:adHocSubProcess>
</bpmn:process>`), []string{"element 'inner'", "cannot contain start or end events"}},
		{"empty ad-hoc", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:adHocSubProcess id="ah" />
</bpmn:process>`), []string{"element 'ah'", "at least one activity"}},
		{"fromAi value not a reference", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:adHocSubProcess id="ah"><bpmn:task id="t"><bpmn:extensionElements><zeebe:ioMapping>
    <zeebe:input source="=fromAi(&#34;x&#34;)" target="a" /></zeebe:ioMapping></bpmn:extensionElements></bpmn:task></bpmn:adHocSubProcess>
</bpmn:process>`), []string{"element 't'", "invalid fromAi call", "variable reference"}},
		{"fromAi description not a literal", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:adHocSubProcess id="ah"><bpmn:task id="t"><bpmn:extensionElements><zeebe:ioMapping>
    <zeebe:input source="=fromAi(toolCall.a, desc)" target="a" />
    <zeebe:input source="=fromAi(toolCall.b, &#34;b&#34;, &#34;string&#34;, [1])" target="b" /></zeebe:ioMapping></bpmn:extensionElements></bpmn:task></bpmn:adHocSubProcess>
</bpmn:process>`), []string{"description must be a string literal", "schema must be a context literal"}},
		{"error end without code", doc(`<bpmn:error id="E" name="no code" />
<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:endEvent id="e"><bpmn:errorEventDefinition errorRef="E" /></bpmn:endEvent>
</bpmn:process>`), []string{"error code"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.bpmn", tc.doc)
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("got %v, want a ValidationError", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not mention %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestEvalTimer(t *testing.T) {
	now := time.Date(2026, 1, 31, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		kind TimerKind
		in   string
		due  time.Time
		reps int
	}{
		{TimerDuration, "PT90S", now.Add(90 * time.Second), 1},
		{TimerDuration, "P1M", time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), 1}, // AddDate normalises Feb 31
		{TimerDate, "2026-02-01T00:00:00Z", time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC), 1},
		{TimerCycle, "R3/PT10S", now.Add(10 * time.Second), 3},
		{TimerCycle, "R/PT1H", now.Add(time.Hour), -1},
		{TimerCycle, "0 0 12 * * *", time.Date(2026, 1, 31, 12, 0, 0, 0, time.UTC), -1},
	} {
		got, err := EvalTimer(tc.kind, tc.in, now)
		if err != nil {
			t.Errorf("%s %q: %v", tc.kind, tc.in, err)
			continue
		}
		if !got.Due.Equal(tc.due) || got.Repetitions != tc.reps {
			t.Errorf("%s %q: got %v x%d, want %v x%d", tc.kind, tc.in, got.Due, got.Repetitions, tc.due, tc.reps)
		}
	}
	c, _ := EvalTimer(TimerCycle, "R2/PT10S", now)
	n, ok := c.Next()
	if !ok || !n.Due.Equal(now.Add(20*time.Second)) || n.Repetitions != 1 {
		t.Fatalf("next of R2: %+v %v", n, ok)
	}
	if _, ok := n.Next(); ok {
		t.Fatal("R2 gave a third occurrence")
	}
	for _, bad := range []struct {
		kind TimerKind
		in   string
	}{{TimerDuration, "1h"}, {TimerDate, "tomorrow"}, {TimerCycle, "R3/PT0S"}, {TimerCycle, "every day"}} {
		if _, err := EvalTimer(bad.kind, bad.in, now); err == nil {
			t.Errorf("%s %q was accepted", bad.kind, bad.in)
		}
	}
}
