package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

const listenedProcess = `<bpmn:process id="lp" isExecutable="true">
  <bpmn:extensionElements><zeebe:executionListeners>
    <zeebe:executionListener eventType="start" type="lp-1" />
    <zeebe:executionListener eventType="start" type="lp-2" />
  </zeebe:executionListeners></bpmn:extensionElements>
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="lp-work" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="work" />
</bpmn:process>`

// A restart while a process's start listeners run neither repeats a done
// listener nor enters the start event twice; a cancelled instance's
// pending listener job goes with it.
func TestProcessStartListenersAcrossRestart(t *testing.T) {
	h := newHarness(t)
	h.deployXML("lp.bpmn", listenedProcess)
	pi := h.start("lp", nil)
	h.complete(h.job("lp-1").Key, map[string]any{"one": 1})
	h.restart()
	if again := h.jobs("lp-1", 10); len(again) != 0 {
		t.Fatalf("the first listener runs again after a restart: %v", again)
	}
	second := h.job("lp-2")
	if string(second.Variables["one"]) != "1" {
		t.Fatalf("the second listener's variables: %v", second.Variables)
	}
	h.restart()
	h.complete(second.Key, nil)
	h.restart()
	work := h.job("lp-work")
	h.wantElements(pi, map[string][]string{"s": {store.StateCompleted}, "work": {store.StateActive}})
	h.wantVars(pi, map[string]string{"one": "1"})
	h.complete(work.Key, nil)
	h.wantState(pi, store.StateCompleted)

	// Cancelled while its first listener's job is out.
	other := h.start("lp", nil)
	job := h.job("lp-1")
	if err := h.e.CancelProcessInstance(h.ctx, other); err != nil {
		t.Fatal(err)
	}
	h.wantState(other, store.StateTerminated)
	if j := h.jobRecord(job.Key); j.State != store.JobCanceled {
		t.Fatalf("the listener job of a cancelled instance is %s", j.State)
	}
}
