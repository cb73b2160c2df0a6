package mcpgw

import (
	"embed"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// toolFiles hold the tool definitions: Camunda's tools as Camunda's
// tools-schema snapshot defines them, and Orca's own.
//
//go:embed camunda_tools.json orca_tools.json decision_tools.json
var toolFiles embed.FS

// schemaDialect is the JSON Schema dialect Camunda declares on every input schema.
const schemaDialect = "https://json-schema.org/draft/2020-12/schema"

// toolDef is one entry of a tool file. Input schemas may use fragments
// ({"$use": name, ...}) for the parts Camunda repeats; they are expanded
// when the file is loaded.
type toolDef struct {
	Name        string               `json:"name"`
	Description string               `json:"description"`
	InputSchema map[string]any       `json:"inputSchema"`
	ReadOnly    bool                 `json:"readOnly"`
	Annotations *mcp.ToolAnnotations `json:"annotations"`
}

// loadTools reads a tool file into MCP tools and their (expanded) input schemas.
func loadTools(file string) ([]*mcp.Tool, error) {
	b, err := toolFiles.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var defs []toolDef
	if err := json.Unmarshal(b, &defs); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	tools := make([]*mcp.Tool, 0, len(defs))
	for _, d := range defs {
		schema, err := expand(d.InputSchema)
		if err != nil {
			return nil, fmt.Errorf("%s: tool %s: %w", file, d.Name, err)
		}
		s := schema.(map[string]any)
		s["$schema"] = schemaDialect
		ann := d.Annotations
		if ann == nil {
			ann = &mcp.ToolAnnotations{}
		}
		ann.ReadOnlyHint = d.ReadOnly
		tools = append(tools, &mcp.Tool{Name: d.Name, Title: d.Name, Description: d.Description, InputSchema: s, Annotations: ann})
	}
	return tools, nil
}

const (
	rangeFrom         = "Filter from this time (inclusive). RFC 3339 format (e.g., '2024-12-17T10:30:00Z' or '2024-12-17T10:30:00+01:00')."
	rangeTo           = "Filter up to this time (exclusive). RFC 3339 format (e.g., '2024-12-17T10:30:00Z' or '2024-12-17T10:30:00+01:00')."
	variableValueDesc = "The value of the variable. Variable values in filters need to be in serialized JSON format. For example, a variable with string value `myValue` can be found with the filter value `\"myValue\"`. Consider appropriate escaping for special characters in JSON strings when constructing filter values. "
	tagsDesc          = "List of tags. Tags need to start with a letter; then alphanumerics, `_`, `-`, `:`, or `.`; length ≤ 100."
)

func str(desc string) map[string]any { return map[string]any{"type": "string", "description": desc} }

func int32Prop(desc string) map[string]any {
	return map[string]any{"type": "integer", "format": "int32", "description": desc}
}

// fragment builds the schema a {"$use": name, ...} object stands for; the
// object's other members parameterise it.
func fragment(name string, args map[string]any) (map[string]any, error) {
	desc, _ := args["description"].(string)
	switch name {
	case "dateRange":
		return map[string]any{"type": "object", "properties": map[string]any{"from": str(rangeFrom), "to": str(rangeTo)}, "description": desc}, nil
	case "page":
		return map[string]any{"type": "object", "properties": map[string]any{
			"after":  str("Use the `endCursor` value from the previous response to fetch the next page of results."),
			"before": str("Use the `startCursor` value from the previous response to fetch the previous page of results."),
			"from":   int32Prop("The index of items to start searching from."),
			"limit":  int32Prop("The maximum number of items to return in one request."),
		}, "description": desc}, nil
	case "offsetPage":
		return map[string]any{"type": "object", "properties": map[string]any{
			"from":  int32Prop("The index of items to start searching from."),
			"limit": int32Prop("The maximum number of items to return in one request."),
		}, "description": desc}, nil
	case "sort":
		fields, ok := args["fields"].([]any)
		if !ok || len(fields) == 0 {
			return nil, fmt.Errorf("sort fragment without fields")
		}
		return map[string]any{"type": "array", "description": desc, "items": map[string]any{
			"type": "object",
			"properties": map[string]any{
				"field": map[string]any{"type": "string", "enum": fields, "description": "The field to sort by."},
				"order": map[string]any{"type": "string", "enum": []any{"ASC", "DESC"}},
			},
			"required": []any{"field"},
		}}, nil
	case "tags":
		return map[string]any{"description": tagsDesc, "type": "array", "items": map[string]any{"type": "string"}}, nil
	case "variableValues":
		return map[string]any{"description": desc, "type": "array", "items": map[string]any{
			"type":       "object",
			"properties": map[string]any{"name": str("Name of the variable."), "value": str(variableValueDesc)},
			"required":   []any{"name", "value"},
		}}, nil
	}
	return nil, fmt.Errorf("unknown schema fragment %q", name)
}

// expand replaces fragments, recursively.
func expand(v any) (any, error) {
	switch t := v.(type) {
	case map[string]any:
		if name, ok := t["$use"].(string); ok {
			return fragment(name, t)
		}
		out := make(map[string]any, len(t))
		for _, k := range slices.Sorted(maps.Keys(t)) {
			e, err := expand(t[k])
			if err != nil {
				return nil, err
			}
			out[k] = e
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			e, err := expand(x)
			if err != nil {
				return nil, err
			}
			out[i] = e
		}
		return out, nil
	}
	return v, nil
}
