package bpmn

import "strings"

// Extension properties (zeebe:property) that describe an element to tools
// outside the engine, as Camunda 8.10 reads them.
const (
	// ToolPropertyPrefix starts the properties of the "MCP start event"
	// element template (io.camunda.tool:name, :purpose, :inputs,
	// :when_to_use, :when_not_to_use, :results).
	ToolPropertyPrefix = "io.camunda.tool:"
	// ToolNameProperty names the tool a message start event offers on
	// Camunda's /mcp/processes endpoint.
	ToolNameProperty = ToolPropertyPrefix + "name"
	// InboundTypeProperty is the type of an inbound connector.
	InboundTypeProperty = "inbound.type"
)

// Property returns the value of the element's zeebe:property name (the
// last one when it repeats).
func (e *Element) Property(name string) (string, bool) {
	v, ok := "", false
	for _, p := range e.Properties {
		if p.Name == name {
			v, ok = p.Value, true
		}
	}
	return v, ok
}

// ToolProperties returns the element's io.camunda.tool:* properties, keyed
// by their full names; nil when it has none.
func (e *Element) ToolProperties() map[string]string {
	var out map[string]string
	for _, p := range e.Properties {
		if strings.HasPrefix(p.Name, ToolPropertyPrefix) {
			if out == nil {
				out = map[string]string{}
			}
			out[p.Name] = p.Value
		}
	}
	return out
}
