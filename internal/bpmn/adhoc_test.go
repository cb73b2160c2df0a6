package bpmn

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestFromAiParametersAndToolSchema(t *testing.T) {
	d, err := Parse("tools.bpmn", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="ah" />
  <bpmn:adHocSubProcess id="ah">
    <bpmn:task id="tool" name="Tool">
      <bpmn:documentation>  Does things.  </bpmn:documentation>
      <bpmn:extensionElements><zeebe:ioMapping>
        <zeebe:input source="=fromAi(toolCall.plain)" target="a" />
        <zeebe:input source="=fromAi(toolCall.described, &#34;What it is&#34;)" target="b" />
        <zeebe:input source="=fromAi(toolCall.count, &#34;How many&#34;, &#34;integer&#34;)" target="c" />
        <zeebe:input source="=fromAi(toolCall.color, &#34;A colour&#34;, &#34;string&#34;, {enum: [&#34;red&#34;, &#34;blue&#34;]})" target="d" />
        <zeebe:input source="=fromAi(value: toolCall.note, options: {required: false})" target="e" />
        <zeebe:input source="={x: fromAi(toolCall.nested), y: fromAi(value: toolCall.sum, type: &#34;number&#34;) + 1}" target="f" />
      </zeebe:ioMapping></bpmn:extensionElements>
    </bpmn:task>
  </bpmn:adHocSubProcess>
</bpmn:process>`))
	if err != nil {
		t.Fatal(err)
	}
	ah := d.Processes[0].ElementByID("ah").AdHoc
	var elements []struct {
		ElementID     string            `json:"elementId"`
		Documentation string            `json:"documentation"`
		Parameters    []FromAiParameter `json:"parameters"`
	}
	if err := json.Unmarshal(ah.Elements, &elements); err != nil {
		t.Fatal(err)
	}
	if len(elements) != 1 || elements[0].Documentation != "Does things." || len(elements[0].Parameters) != 7 {
		t.Fatalf("elements: %s", ah.Elements)
	}
	schema, err := ToolInputSchema(elements[0].Parameters)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(schema)
	want := `{"properties":{"color":{"description":"A colour","enum":["red","blue"],"type":"string"},` +
		`"count":{"description":"How many","type":"integer"},"described":{"description":"What it is","type":"string"},` +
		`"nested":{"type":"string"},"note":{"type":"string"},"plain":{"type":"string"},"sum":{"type":"number"}},` +
		`"required":["plain","described","count","color","nested","sum"],"type":"object"}`
	if string(got) != want {
		t.Fatalf("schema:\n got  %s\n want %s", got, want)
	}

	for _, bad := range []struct {
		p    []FromAiParameter
		want string
	}{
		{[]FromAiParameter{{Name: "other.x"}}, "direct child of toolCall"},
		{[]FromAiParameter{{Name: "toolCall.a.b"}}, "direct child of toolCall"},
		{[]FromAiParameter{{Name: "toolCall._meta"}}, "reserved"},
		{[]FromAiParameter{{Name: "toolCall.a"}, {Name: "toolCall.a"}}, "more than once"},
		{[]FromAiParameter{{Name: "toolCall.a", Options: map[string]any{"required": "no"}}}, "not a boolean"},
	} {
		if _, err := ToolInputSchema(bad.p); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: got %v, want an error about %q", bad.p, err, bad.want)
		}
	}
}
