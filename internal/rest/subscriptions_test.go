package rest_test

import (
	"fmt"
	"net/http"
	"testing"
)

// toolProcess is a process started by a message start event; with a tool
// name the start event carries the properties of Camunda's "MCP start
// event" element template.
func toolProcess(id, message, tool string) []byte {
	props := ""
	if tool != "" {
		props = fmt.Sprintf(`<bpmn:extensionElements><zeebe:properties>
        <zeebe:property name="io.camunda.tool:name" value="%s" />
        <zeebe:property name="io.camunda.tool:purpose" value="Starts %s." />
        <zeebe:property name="inbound.type" value="io.camunda:mcp:1" />
      </zeebe:properties></bpmn:extensionElements>`, tool, id)
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:process id="%[1]s" name="Process %[1]s" isExecutable="true">
    <bpmn:startEvent id="start">%[3]s<bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:receiveTask id="wait" messageRef="w" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:message id="m" name="%[2]s" />
  <bpmn:message id="w" name="%[2]s-done"><bpmn:extensionElements><zeebe:subscription correlationKey="=id" /></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>`, id, message, props)
}

func (e *env) deployXML(name string, xml []byte) {
	e.t.Helper()
	if r := e.deployRaw([]string{name}, map[string][]byte{name: xml}, ""); r.status != http.StatusOK {
		e.t.Fatalf("deploy %s: %d %s", name, r.status, r.body)
	}
}

// Camunda 8.10's message subscription search: start event subscriptions
// next to those of waiting elements, told apart by messageSubscriptionType,
// with the definition's name and version and the tool properties.
func TestMessageSubscriptionTypes(t *testing.T) {
	e := newEnv(t)
	e.deployXML("a.bpmn", toolProcess("a", "start-a", "tool_a"))
	e.deployXML("a.bpmn", toolProcess("a", "start-a2", "tool_a")) // version 2 replaces version 1's start event
	e.deployXML("b.bpmn", toolProcess("b", "start-b", ""))
	r := e.ok(200, "POST", "/v2/messages/correlation", map[string]any{"name": "start-a2", "variables": map[string]any{"id": "x"}}).obj(t)
	pi := r["processInstanceKey"].(string)

	all, page := e.search("/v2/message-subscriptions/search", map[string]any{
		"sort": []any{map[string]any{"field": "messageSubscriptionKey"}}})
	if len(all) != 4 || page["totalItems"] != float64(4) {
		t.Fatalf("subscriptions: %v", all)
	}
	for _, s := range all {
		requireFields(t, s, "messageSubscriptionType", "toolProperties", "toolName", "processDefinitionName",
			"processDefinitionVersion", "inboundConnectorType", "rootProcessInstanceKey")
	}
	a1, a2, b, wait := all[0], all[1], all[2], all[3]
	if a1["messageSubscriptionType"] != "START_EVENT" || a1["messageSubscriptionState"] != "DELETED" ||
		a1["processDefinitionVersion"] != float64(1) || a1["toolName"] != "tool_a" || a1["processInstanceKey"] != nil ||
		a1["elementInstanceKey"] != nil {
		t.Errorf("version 1's start event: %v", a1)
	}
	if a2["messageSubscriptionState"] != "CREATED" || a2["processDefinitionVersion"] != float64(2) ||
		a2["processDefinitionName"] != "Process a" || a2["inboundConnectorType"] != "io.camunda:mcp:1" {
		t.Errorf("version 2's start event: %v", a2)
	}
	props, _ := a2["toolProperties"].(map[string]any)
	if len(props) != 2 || props["io.camunda.tool:name"] != "tool_a" || props["io.camunda.tool:purpose"] != "Starts a." {
		t.Errorf("tool properties: %v", a2["toolProperties"])
	}
	if b["toolName"] != nil || fmt.Sprint(b["toolProperties"]) != "map[]" || b["messageSubscriptionType"] != "START_EVENT" {
		t.Errorf("a start event without tool: %v", b)
	}
	if wait["messageSubscriptionType"] != "PROCESS_EVENT" || wait["processInstanceKey"] != pi ||
		wait["processDefinitionVersion"] != float64(2) || wait["elementId"] != "wait" || wait["toolName"] != nil {
		t.Errorf("the waiting receive task: %v", wait)
	}

	filters := []struct {
		name   string
		filter map[string]any
		want   int
	}{
		{"start events", map[string]any{"messageSubscriptionType": "START_EVENT"}, 3},
		{"waiting elements", map[string]any{"messageSubscriptionType": map[string]any{"$neq": "START_EVENT"}}, 1},
		{"open tools", map[string]any{"messageSubscriptionType": "START_EVENT", "toolName": map[string]any{"$exists": true},
			"messageSubscriptionState": map[string]any{"$neq": "DELETED"}}, 1},
		{"version 2", map[string]any{"processDefinitionVersion": 2}, 2},
		{"versions above 1", map[string]any{"processDefinitionVersion": map[string]any{"$gt": 1}}, 2},
		{"by definition name", map[string]any{"processDefinitionName": map[string]any{"$like": "Process *"}}, 4},
		{"by connector type", map[string]any{"inboundConnectorType": "io.camunda:mcp:1"}, 2},
	}
	for _, f := range filters {
		items, _ := e.search("/v2/message-subscriptions/search", map[string]any{"filter": f.filter})
		if len(items) != f.want {
			t.Errorf("%s: %d items, want %d: %v", f.name, len(items), f.want, items)
		}
	}
	e.problem(e.do("POST", "/v2/message-subscriptions/search", map[string]any{"filter": map[string]any{"messageSubscriptionType": "BOUNDARY"}}),
		400, "INVALID_ARGUMENT", "BOUNDARY")

	sorted, _ := e.search("/v2/message-subscriptions/search", map[string]any{"sort": []any{
		map[string]any{"field": "processDefinitionVersion", "order": "DESC"}, map[string]any{"field": "messageSubscriptionType"}}})
	var got []string
	for _, s := range sorted {
		got = append(got, fmt.Sprintf("%v/%v", s["processDefinitionVersion"], s["messageSubscriptionType"]))
	}
	if want := "[2/PROCESS_EVENT 2/START_EVENT 1/START_EVENT 1/START_EVENT]"; fmt.Sprint(got) != want {
		t.Errorf("sorted by version (desc) and type: %v, want %s", got, want)
	}
	for _, field := range []string{"toolName", "processDefinitionName", "inboundConnectorType"} {
		e.ok(200, "POST", "/v2/message-subscriptions/search", map[string]any{"sort": []any{map[string]any{"field": field}}})
	}
}
