package bpmn

import (
	"encoding/json"
	"strings"
)

// Tool inputs (Camunda 8.10, camunda#52186): an MCP start event (and an
// ad-hoc sub-process's activity) may declare the inputs of the tool it is,
//
//	<zeebe:externalParameters>
//	  <zeebe:inputSpecification name="amount" description="The amount" type="integer" required="true" schema="{&quot;minimum&quot;: 1}" />
//	</zeebe:externalParameters>
//
// (the Modeler plugin writes them in its own namespace, specext, too). They
// have no execution semantics: the processes MCP server builds the tool's
// input schema from them.

// NSSpecExtension is the namespace the Camunda Modeler's process I/O
// specification plugin writes tool inputs in.
const NSSpecExtension = "http://camunda.org/schema/spec-extension/1.0"

// ToolInput is one zeebe:inputSpecification.
type ToolInput struct {
	Name        string
	Description string
	Type        string // a JSON Schema type; "" when not given
	Required    bool
	// Schema is the schema attribute as written (JSON of more JSON Schema
	// keywords for the input), "" when not given.
	Schema string
}

// SchemaKeywords decodes Schema; ok is false when it is not a JSON object.
func (in ToolInput) SchemaKeywords() (map[string]any, bool) {
	if strings.TrimSpace(in.Schema) == "" {
		return nil, true
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(in.Schema), &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

// toolInputs reads the inputSpecification children of an element's
// externalParameters, in either namespace.
func toolInputs(ext *node) []ToolInput {
	var out []ToolInput
	for _, ns := range []string{NSZeebe, NSSpecExtension} {
		for _, ps := range ext.children(ns, "externalParameters") {
			for _, n := range ps.children(ns, "inputSpecification") {
				out = append(out, ToolInput{
					Name:        n.attr("name"),
					Description: n.attr("description"),
					Type:        n.attr("type"),
					Required:    n.attr("required") == "true",
					Schema:      n.attr("schema"),
				})
			}
		}
	}
	return out
}
