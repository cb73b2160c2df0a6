package bpmn

import (
	"errors"
	"strings"
	"testing"
)

func TestParseForms(t *testing.T) {
	d, err := Parse("forms.bpmn", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:extensionElements>
    <zeebe:userTaskForm id="embedded1">{"components":[{"key":"a","type":"textfield"}]}</zeebe:userTaskForm>
  </bpmn:extensionElements>
  <bpmn:startEvent id="s">
    <bpmn:extensionElements><zeebe:formDefinition formId="start-form" /></bpmn:extensionElements>
  </bpmn:startEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="linked" />
  <bpmn:userTask id="linked">
    <bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="review" bindingType="versionTag" versionTag="v2" /></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:sequenceFlow id="f2" sourceRef="linked" targetRef="embedded" />
  <bpmn:userTask id="embedded">
    <bpmn:extensionElements><zeebe:formDefinition formKey="camunda-forms:bpmn:embedded1" /></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:sequenceFlow id="f3" sourceRef="embedded" targetRef="external" />
  <bpmn:userTask id="external">
    <bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition externalReference="=&quot;https://forms.example/&quot; + id" /></bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:sequenceFlow id="f4" sourceRef="external" targetRef="e" />
  <bpmn:endEvent id="e" />
</bpmn:process>`))
	if err != nil {
		t.Fatal(err)
	}
	p := d.Processes[0]
	if p.StartForm == nil || p.StartForm.FormID.Raw != "start-form" || p.StartForm.BindingType != BindingLatest {
		t.Fatalf("start form: %+v", p.StartForm)
	}
	if ut := p.ElementByID("linked").UserTask; ut.FormID.Raw != "review" || ut.BindingType != BindingVersionTag || ut.VersionTag != "v2" {
		t.Fatalf("linked form: %+v", ut.FormLink)
	}
	ut := p.ElementByID("embedded").UserTask
	if ut.EmbeddedFormID() != "embedded1" || !strings.Contains(p.UserTaskForms["embedded1"], `"key":"a"`) {
		t.Fatalf("embedded form: %+v %q", ut.FormLink, p.UserTaskForms)
	}
	if x := p.ElementByID("external").UserTask.ExternalReference; !x.IsFEEL() {
		t.Fatalf("external reference: %+v", x)
	}
}

func TestParseFormProblems(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"two kinds", `<bpmn:userTask id="u"><bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="a" formKey="b" /></bpmn:extensionElements></bpmn:userTask>`,
			"Exactly one of the attributes 'formId, formKey, externalReference'"},
		{"none", `<bpmn:userTask id="u"><bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition /></bpmn:extensionElements></bpmn:userTask>`,
			"Exactly one of the attributes"},
		{"version tag missing", `<bpmn:userTask id="u"><bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="a" bindingType="versionTag" /></bpmn:extensionElements></bpmn:userTask>`,
			"Attribute 'versionTag' must be present"},
		{"bad binding", `<bpmn:userTask id="u"><bpmn:extensionElements><zeebe:userTask /><zeebe:formDefinition formId="a" bindingType="newest" /></bpmn:extensionElements></bpmn:userTask>`,
			"bindingType 'newest'"},
		{"message start", `<bpmn:startEvent id="m"><bpmn:extensionElements><zeebe:formDefinition formId="a" /></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="msg" /></bpmn:startEvent>`,
			"only be linked to the none start event of a process"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("bad.bpmn", doc(`<bpmn:message id="msg" name="go" />
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" />`+tc.body+`</bpmn:process>`))
			var ve *ValidationError
			if !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("want a problem %q, got %v", tc.want, err)
			}
		})
	}
}
