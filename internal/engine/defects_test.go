package engine

import (
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// An event sub-process applies its input and output mappings, as Zeebe does.
func TestEventSubProcessMappings(t *testing.T) {
	h := newHarness(t)
	h.deployXML("esp.bpmn", `<bpmn:message id="m" name="nudge"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
<bpmn:process id="espMapped" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="hold"><bpmn:extensionElements><zeebe:taskDefinition type="hold" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="hold" />
  <bpmn:sequenceFlow id="f1" sourceRef="hold" targetRef="e" />
  <bpmn:subProcess id="esp" triggeredByEvent="true">
    <bpmn:extensionElements><zeebe:ioMapping>
      <zeebe:input source="=orderId + &#34;-seen&#34;" target="tag" />
      <zeebe:output source="=tag + &#34;/&#34; + string(n)" target="espTag" />
    </zeebe:ioMapping></bpmn:extensionElements>
    <bpmn:startEvent id="es" isInterrupting="false"><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
    <bpmn:endEvent id="ee" />
    <bpmn:sequenceFlow id="ef" sourceRef="es" targetRef="ee" />
  </bpmn:subProcess>
</bpmn:process>`)
	pi := h.start("espMapped", map[string]any{"orderId": "o-1"})
	if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "nudge", CorrelationKey: "o-1", Variables: map[string]any{"n": 2}}); err != nil {
		t.Fatal(err)
	}
	h.wantElements(pi, map[string][]string{"s": {"COMPLETED"}, "hold": {"ACTIVE"}, "esp": {"COMPLETED"}, "es": {"COMPLETED"}, "ee": {"COMPLETED"}})
	vars := h.vars(pi)
	if vars["espTag"] != `"o-1-seen/2"` {
		t.Fatalf("process variables %v: the output mapping of the event sub-process did not run with its input", vars)
	}
	if _, leaked := vars["tag"]; leaked {
		t.Fatalf("the input mapping's local variable leaked into the process: %v", vars)
	}
	h.complete(h.job("hold").Key, nil)
	h.wantState(pi, store.StateCompleted)
}

// A job created with retries="0" is handed to a worker, as in Zeebe; the
// incident comes only when the worker fails it.
func TestJobWithZeroRetriesIsActivatable(t *testing.T) {
	h := newHarness(t)
	h.deployXML("zero.bpmn", `<bpmn:process id="zero" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="tool"><bpmn:extensionElements><zeebe:taskDefinition type="tool" retries="0" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="tool" />
  <bpmn:sequenceFlow id="f1" sourceRef="tool" targetRef="e" />
</bpmn:process>`)
	done := h.start("zero", nil)
	if n := len(h.incidents(done)); n != 0 {
		t.Fatalf("%d incidents on creating a job with retries 0", n)
	}
	j := h.job("tool")
	if j.Retries != 0 {
		t.Fatalf("job retries %d", j.Retries)
	}
	h.complete(j.Key, map[string]any{"ok": true})
	h.wantState(done, store.StateCompleted)

	failed := h.start("zero", nil)
	j = h.job("tool")
	if err := h.e.FailJob(h.ctx, j.Key, FailJobRequest{Retries: 0, ErrorMessage: "tool broke"}); err != nil {
		t.Fatal(err)
	}
	if inc := h.activeIncident(failed); inc.ErrorType != "JOB_NO_RETRIES" || inc.ErrorMessage != "tool broke" {
		t.Fatalf("incident %s: %s", inc.ErrorType, inc.ErrorMessage)
	}
	if n := len(h.jobs("tool", 5)); n != 0 {
		t.Fatalf("%d jobs handed out after the failure without retries", n)
	}
}

// A retries value that is not a number deploys, as in Zeebe; the job's
// creation raises an incident, and a FEEL expression gives the number.
func TestNonNumericRetriesDeploy(t *testing.T) {
	h := newHarness(t)
	h.deployXML("retries.bpmn", `<bpmn:process id="retries" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:exclusiveGateway id="x" default="toStatic" />
  <bpmn:serviceTask id="static"><bpmn:extensionElements><zeebe:taskDefinition type="r" retries="many" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:serviceTask id="feel"><bpmn:extensionElements><zeebe:taskDefinition type="r" retries="=if tries = null then 2 else tries" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:endEvent id="e1" />
  <bpmn:endEvent id="e2" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="x" />
  <bpmn:sequenceFlow id="toStatic" sourceRef="x" targetRef="static" />
  <bpmn:sequenceFlow id="toFeel" sourceRef="x" targetRef="feel"><bpmn:conditionExpression>=useFeel = true</bpmn:conditionExpression></bpmn:sequenceFlow>
  <bpmn:sequenceFlow id="f1" sourceRef="static" targetRef="e1" />
  <bpmn:sequenceFlow id="f2" sourceRef="feel" targetRef="e2" />
</bpmn:process>`)
	pi := h.start("retries", map[string]any{"useFeel": true})
	if j := h.job("r"); j.Retries != 2 {
		t.Fatalf("retries %d, want 2", j.Retries)
	}
	bad := h.start("retries", map[string]any{"useFeel": false})
	if inc := h.activeIncident(bad); inc.ErrorType != "EXTRACT_VALUE_ERROR" || inc.ElementID != "static" {
		t.Fatalf("incident %s on %s: %s", inc.ErrorType, inc.ElementID, inc.ErrorMessage)
	}
	h.wantState(pi, store.StateActive)
}

// An escalation boundary event on an ad-hoc sub-process catches what a
// tool inside escalates (Camunda's fraud-detection agent examples).
func TestEscalationBoundaryOnAdHocSubProcess(t *testing.T) {
	h := newHarness(t)
	h.deployXML("adhoc-esc.bpmn", `<bpmn:escalation id="esc" escalationCode="fraud" />
<bpmn:process id="adhocEsc" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:adHocSubProcess id="tools">
    <bpmn:extensionElements><zeebe:adHoc activeElementsCollection="=[&#34;check&#34;]" /></bpmn:extensionElements>
    <bpmn:subProcess id="check">
      <bpmn:startEvent id="cs" />
      <bpmn:endEvent id="raise"><bpmn:escalationEventDefinition escalationRef="esc" /></bpmn:endEvent>
      <bpmn:sequenceFlow id="c0" sourceRef="cs" targetRef="raise" />
    </bpmn:subProcess>
  </bpmn:adHocSubProcess>
  <bpmn:boundaryEvent id="flagged" attachedToRef="tools"><bpmn:escalationEventDefinition escalationRef="esc" /></bpmn:boundaryEvent>
  <bpmn:endEvent id="ok" />
  <bpmn:endEvent id="fraud" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="tools" />
  <bpmn:sequenceFlow id="f1" sourceRef="tools" targetRef="ok" />
  <bpmn:sequenceFlow id="f2" sourceRef="flagged" targetRef="fraud" />
</bpmn:process>`)
	pi := h.start("adhocEsc", nil)
	h.wantState(pi, store.StateCompleted)
	states := h.elementStates(pi)
	if got := states["fraud"]; len(got) != 1 || got[0] != "COMPLETED" {
		t.Fatalf("elements %v: the escalation was not caught by the boundary event", states)
	}
	if got := states["tools"]; len(got) != 1 || got[0] != "TERMINATED" {
		t.Fatalf("elements %v: the ad-hoc sub-process was not interrupted", states)
	}
}

// A sequence flow declared outside the sub-process whose elements it
// connects (as some modelers write it) deploys and runs, as in Zeebe.
func TestSequenceFlowDeclaredOutsideItsScope(t *testing.T) {
	h := newHarness(t)
	h.deployXML("outside.bpmn", `<bpmn:process id="outside" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:subProcess id="sub">
    <bpmn:startEvent id="ss" />
    <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="outside-work" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="se" />
  </bpmn:subProcess>
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="sub" />
  <bpmn:sequenceFlow id="f1" sourceRef="sub" targetRef="e" />
  <bpmn:sequenceFlow id="inner0" sourceRef="ss" targetRef="work" />
  <bpmn:sequenceFlow id="inner1" sourceRef="work" targetRef="se" />
</bpmn:process>`)
	pi := h.start("outside", nil)
	h.complete(h.job("outside-work").Key, nil)
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{"s": {"COMPLETED"}, "sub": {"COMPLETED"}, "ss": {"COMPLETED"}, "work": {"COMPLETED"}, "se": {"COMPLETED"}, "e": {"COMPLETED"}})

	// Flows between scopes stay rejected.
	_, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "across.bpmn", Content: []byte(bpmnHead + `<bpmn:process id="across" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:subProcess id="sub"><bpmn:startEvent id="ss" /><bpmn:endEvent id="se" /></bpmn:subProcess>
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="se" />
</bpmn:process></bpmn:definitions>`)}})
	wantCode(t, err, CodeInvalidArgument)
	if !strings.Contains(err.Error(), "not in the same scope") {
		t.Fatalf("error does not say the flow crosses scopes: %v", err)
	}
}

// startInstructions: an instance starts before elements of its choice, the
// sub-processes around them entered, the none start event not run.
func TestStartBeforeElements(t *testing.T) {
	h := newHarness(t)
	h.deployXML("outside.bpmn", `<bpmn:process id="startAt" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="first"><bpmn:extensionElements><zeebe:taskDefinition type="first" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:subProcess id="sub">
    <bpmn:startEvent id="ss" />
    <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="sub-work" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="se" />
    <bpmn:sequenceFlow id="i0" sourceRef="ss" targetRef="work" />
    <bpmn:sequenceFlow id="i1" sourceRef="work" targetRef="se" />
  </bpmn:subProcess>
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="first" />
  <bpmn:sequenceFlow id="f1" sourceRef="first" targetRef="sub" />
  <bpmn:sequenceFlow id="f2" sourceRef="sub" targetRef="e" />
</bpmn:process>`)
	res, err := h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessID: "startAt", StartAt: []string{"work"}, Variables: map[string]any{"x": 1}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	h.complete(h.job("sub-work").Key, nil)
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{"sub": {"COMPLETED"}, "work": {"COMPLETED"}, "se": {"COMPLETED"}, "e": {"COMPLETED"}})
	h.wantVars(pi, map[string]string{"x": "1"})

	for _, bad := range []string{"nowhere", "startAt"} {
		_, err := h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessID: "startAt", StartAt: []string{bad}})
		wantCode(t, err, CodeInvalidArgument)
	}
}
