package bpmn

import (
	"maps"
	"testing"
)

// A message start event made with Camunda's "MCP start event" element
// template carries its tool definition as zeebe:properties.
func TestToolProperties(t *testing.T) {
	d, err := Parse("tool.bpmn", doc(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" zeebe:modelerTemplate="io.camunda.mcp.start-message" zeebe:modelerTemplateVersion="1">
    <bpmn:extensionElements>
      <zeebe:properties>
        <zeebe:property name="io.camunda.tool:name" value="place_order" />
        <zeebe:property name="io.camunda.tool:purpose" value="Places an order." />
        <zeebe:property name="io.camunda.tool:when_to_use" value="When the cart is ready." />
        <zeebe:property name="inbound.type" value="io.camunda:webhook:1" />
        <zeebe:property name="other" value="x" />
      </zeebe:properties>
    </bpmn:extensionElements>
    <bpmn:messageEventDefinition messageRef="m" />
  </bpmn:startEvent>
  <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" />
  <bpmn:endEvent id="e" />
</bpmn:process>
<bpmn:message id="m" name="order" />`))
	if err != nil {
		t.Fatal(err)
	}
	p := d.Processes[0]
	if len(p.MessageStarts) != 1 {
		t.Fatalf("message starts: %d", len(p.MessageStarts))
	}
	s := p.MessageStarts[0]
	want := map[string]string{
		"io.camunda.tool:name":        "place_order",
		"io.camunda.tool:purpose":     "Places an order.",
		"io.camunda.tool:when_to_use": "When the cart is ready.",
	}
	if got := s.ToolProperties(); !maps.Equal(got, want) {
		t.Fatalf("tool properties: %v, want %v", got, want)
	}
	if v, ok := s.Property(InboundTypeProperty); !ok || v != "io.camunda:webhook:1" {
		t.Fatalf("inbound.type: %q %v", v, ok)
	}
	if _, ok := s.Property("absent"); ok {
		t.Fatal("an absent property was found")
	}
	if got := p.ElementByID("e").ToolProperties(); got != nil {
		t.Fatalf("an element without tool properties: %v", got)
	}
}
