package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// ebgModels hold an event-based gateway before a message catch event: in
// "ebgInput" the catch event's input mapping fails if it runs, in
// "ebgOutput" the gateway's output mapping fails until limit is set.
const ebgModels = `<bpmn:message id="m" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>
<bpmn:process id="ebgInput" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:eventBasedGateway id="gw" />
  <bpmn:intermediateCatchEvent id="paid">
    <bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=assert(limit, limit != null, &#34;limit needs a value&#34;)" target="checked" /></zeebe:ioMapping></bpmn:extensionElements>
    <bpmn:messageEventDefinition messageRef="m" />
  </bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:endEvent id="e" />
  <bpmn:endEvent id="e2" />
  <bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="gw" />
  <bpmn:sequenceFlow id="f1" sourceRef="gw" targetRef="paid" />
  <bpmn:sequenceFlow id="f2" sourceRef="gw" targetRef="late" />
  <bpmn:sequenceFlow id="f3" sourceRef="paid" targetRef="e" />
  <bpmn:sequenceFlow id="f4" sourceRef="late" targetRef="e2" />
</bpmn:process>
<bpmn:process id="ebgOutput" isExecutable="true">
  <bpmn:startEvent id="os" />
  <bpmn:eventBasedGateway id="ogw">
    <bpmn:extensionElements><zeebe:ioMapping><zeebe:output source="=assert(limit, limit != null, &#34;limit needs a value&#34;)" target="checked" /></zeebe:ioMapping></bpmn:extensionElements>
  </bpmn:eventBasedGateway>
  <bpmn:intermediateCatchEvent id="opaid"><bpmn:messageEventDefinition messageRef="m" /></bpmn:intermediateCatchEvent>
  <bpmn:intermediateCatchEvent id="olate"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
  <bpmn:endEvent id="oe" />
  <bpmn:endEvent id="oe2" />
  <bpmn:sequenceFlow id="o0" sourceRef="os" targetRef="ogw" />
  <bpmn:sequenceFlow id="o1" sourceRef="ogw" targetRef="opaid" />
  <bpmn:sequenceFlow id="o2" sourceRef="ogw" targetRef="olate" />
  <bpmn:sequenceFlow id="o3" sourceRef="opaid" targetRef="oe" />
  <bpmn:sequenceFlow id="o4" sourceRef="olate" targetRef="oe2" />
</bpmn:process>`

// rollbackBatch runs a command that fails with a bug: the batch is rolled
// back and the state reloaded from the store.
func (h *harness) rollbackBatch() {
	h.t.Helper()
	_, err := h.e.exec(h.ctx, func(w *writer) (any, error) {
		var m map[string]int
		//lint:ignore SA5000 the panic is the bug this test needs
		m["boom"]++ // nil map: panics
		return nil, nil
	})
	wantCode(h.t, err, CodeInternal)
}

// TestEventTriggersSurviveRestartAndRollback: a message that happened is
// applied once, with its variables, whatever happens to the engine between
// the event and the element's completion.
func TestEventTriggersSurviveRestartAndRollback(t *testing.T) {
	for _, disrupt := range []string{"restart", "rollback"} {
		t.Run("catch event input mapping/"+disrupt, func(t *testing.T) {
			h := newHarness(t)
			h.deployXML("ebg.bpmn", ebgModels)
			pi := h.start("ebgInput", map[string]any{"id": "a"})
			if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "paid", CorrelationKey: "a", Variables: map[string]any{"amount": 5}}); err != nil {
				t.Fatal(err)
			}
			if disrupt == "restart" {
				h.restart()
			} else {
				h.rollbackBatch()
			}
			// The catch event's event happened: it completes with the
			// message's variables; its input mapping does not run again.
			h.wantState(pi, store.StateCompleted)
			h.wantElements(pi, map[string][]string{"s": {"COMPLETED"}, "gw": {"COMPLETED"}, "paid": {"COMPLETED"}, "e": {"COMPLETED"}})
			h.wantVars(pi, map[string]string{"id": `"a"`, "amount": "5"})
		})
		t.Run("gateway output mapping/"+disrupt, func(t *testing.T) {
			h := newHarness(t)
			h.deployXML("ebg.bpmn", ebgModels)
			pi := h.start("ebgOutput", map[string]any{"id": "b"})
			if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "paid", CorrelationKey: "b", Variables: map[string]any{"amount": 7}}); err != nil {
				t.Fatal(err)
			}
			inc := h.activeIncident(pi)
			if inc.ElementID != "ogw" || inc.ErrorType != "IO_MAPPING_ERROR" {
				t.Fatalf("incident %+v", inc)
			}
			if disrupt == "restart" {
				h.restart()
			} else {
				h.rollbackBatch()
			}
			if err := h.e.SetVariables(h.ctx, pi, map[string]any{"limit": 1}, false); err != nil {
				t.Fatal(err)
			}
			if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
				t.Fatal(err)
			}
			// The branch the message chose is taken, with its variables.
			h.wantState(pi, store.StateCompleted)
			h.wantElements(pi, map[string][]string{"os": {"COMPLETED"}, "ogw": {"COMPLETED"}, "opaid": {"COMPLETED"}, "oe": {"COMPLETED"}})
			h.wantVars(pi, map[string]string{"id": `"b"`, "amount": "7", "limit": "1", "checked": "1"})
		})
	}
}
