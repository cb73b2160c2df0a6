package bpmn

import (
	"fmt"
	"testing"
)

// Tool inputs (zeebe:externalParameters) deploy on start events and on an
// ad-hoc sub-process's activities, in Zeebe's namespace or the Modeler
// plugin's, and are read in order.
func TestToolInputs(t *testing.T) {
	d, err := Parse("inputs.bpmn", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s">
    <bpmn:extensionElements>
      <zeebe:externalParameters>
        <zeebe:inputSpecification name="firstName" description="The first name" type="string" required="true" />
        <zeebe:inputSpecification name="amount" type="integer" schema="{&#34;minimum&#34;: 1}" />
      </zeebe:externalParameters>
      <specext:externalParameters xmlns:specext="http://camunda.org/schema/spec-extension/1.0">
        <specext:inputSpecification name="note" required="false" schema="not json" />
      </specext:externalParameters>
    </bpmn:extensionElements>
  </bpmn:startEvent>
  <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="ah" />
  <bpmn:adHocSubProcess id="ah">
    <bpmn:task id="tool">
      <bpmn:extensionElements><zeebe:externalParameters><zeebe:inputSpecification name="q" /></zeebe:externalParameters></bpmn:extensionElements>
    </bpmn:task>
  </bpmn:adHocSubProcess>
</bpmn:process>`))
	if err != nil {
		t.Fatal(err)
	}
	got := fmt.Sprint(d.Processes[0].ElementByID("s").ToolInputs)
	if want := `[{firstName The first name string true } {amount  integer false {"minimum": 1}} {note   false not json}]`; got != want {
		t.Errorf("start event inputs\n got  %s\n want %s", got, want)
	}
	ins := d.Processes[0].ElementByID("s").ToolInputs
	if kw, ok := ins[1].SchemaKeywords(); !ok || kw["minimum"] != float64(1) {
		t.Errorf("schema keywords of amount: %v %v", kw, ok)
	}
	if _, ok := ins[2].SchemaKeywords(); ok {
		t.Errorf("a schema that is not JSON reads as keywords")
	}
	if in := d.Processes[0].ElementByID("tool").ToolInputs; len(in) != 1 || in[0].Name != "q" {
		t.Errorf("ad-hoc activity inputs: %v", in)
	}
}
