package mcpgw

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// People asked in their MCP client. completeUserTask on a task that has a
// Camunda form asks the person in the client for the form's fields (an
// elicitation built from the form) instead of taking what the model made
// up: with 2026-07-28 as an input request in the result (multi-round-trip
// requests, stateless), on older protocols over a session that can carry
// a request of the server's (the legacy SSE endpoint) as elicitation/create.
// The values the model passed become the form's defaults, the person's
// answers the task's variables. A client that cannot be asked (no
// elicitation capability, or a stateless call before 2026-07-28) completes
// the task with the model's variables, as before.

// formInputKey names the form among a call's input requests.
const formInputKey = "userTaskForm"

// callKey carries the tools/call request to a tool's handler.
type callKey struct{}

func callOf(ctx context.Context) *mcp.CallToolRequest {
	r, _ := ctx.Value(callKey{}).(*mcp.CallToolRequest)
	return r
}

// canAsk tells whether the caller can be asked for input in this call.
func canAsk(ctx context.Context, req *mcp.CallToolRequest) bool {
	if req == nil || req.Session == nil {
		return false
	}
	ip := req.Session.InitializeParams()
	if ip == nil || ip.Capabilities == nil || ip.Capabilities.Elicitation == nil {
		return false
	}
	return ip.ProtocolVersion >= "2026-07-28" || endpointOf(ctx) == PathSSE
}

// askForm is the input request for a user task's form, nil when the task
// has no form whose fields can be asked for.
func (g *Gateway) askForm(ctx context.Context, key cluster.Key, proposed map[string]any) (*mcp.ElicitParams, error) {
	form, err := g.api.GetUserTaskForm(ctx, key)
	if err != nil || form == nil {
		if cluster.CodeOf(err) == cluster.CodeNotFound {
			err = nil // no form, or no task: completing says which
		}
		return nil, err
	}
	schema, ok := elicitationSchema(form.Schema, proposed)
	if !ok {
		return nil, nil
	}
	msg := "Please fill in the form to complete the task."
	if t, err := g.api.GetUserTask(ctx, key); err == nil {
		name := t.ElementID
		if t.Name != nil && *t.Name != "" {
			name = *t.Name
		}
		msg = fmt.Sprintf("Please fill in the form to complete the task %q of process %q.", name, t.ProcessDefinitionID)
	}
	return &mcp.ElicitParams{Mode: "form", Message: msg, RequestedSchema: schema}, nil
}

// formComponent is the part of a Camunda form component (form-js schema)
// that becomes a question.
type formComponent struct {
	Type         string          `json:"type"`
	Key          string          `json:"key"`
	Label        string          `json:"label"`
	Description  string          `json:"description"`
	DefaultValue any             `json:"defaultValue"`
	Subtype      string          `json:"subtype"`
	Path         string          `json:"path"`
	Disabled     bool            `json:"disabled"`
	Readonly     any             `json:"readonly"`
	Values       []formValue     `json:"values"`
	Components   []formComponent `json:"components"`
	Validate     struct {
		Required       bool     `json:"required"`
		MinLength      *int     `json:"minLength"`
		MaxLength      *int     `json:"maxLength"`
		Min            *float64 `json:"min"`
		Max            *float64 `json:"max"`
		ValidationType string   `json:"validationType"`
	} `json:"validate"`
	DecimalDigits *int `json:"decimalDigits"`
}

type formValue struct {
	Label string `json:"label"`
	Value any    `json:"value"`
}

// elicitationSchema turns a form into an elicitation's requested schema:
// flat primitive properties (MCP elicitation allows no nesting). Fields
// inside groups without a path of their own are asked too; what cannot be
// asked (dynamic lists, nested paths, fields whose options come from
// variables, read-only fields) is left out. proposed values become
// defaults. ok is false when the form asks nothing.
func elicitationSchema(formJSON string, proposed map[string]any) (map[string]any, bool) {
	var form struct {
		Components []formComponent `json:"components"`
	}
	if json.Unmarshal([]byte(formJSON), &form) != nil {
		return nil, false
	}
	props := map[string]any{}
	var required []string
	var walk func([]formComponent)
	walk = func(cs []formComponent) {
		for _, c := range cs {
			if c.Type == "group" && c.Path == "" {
				walk(c.Components)
				continue
			}
			if c.Key == "" || strings.ContainsAny(c.Key, ".[") || c.Disabled || c.Readonly == true || props[c.Key] != nil {
				continue
			}
			p := fieldSchema(c)
			if p == nil {
				continue
			}
			if c.Label != "" {
				p["title"] = c.Label
			}
			if c.Description != "" {
				p["description"] = c.Description
			}
			def := c.DefaultValue
			if v, ok := proposed[c.Key]; ok {
				def = v
			}
			if def != nil && fits(p, def) {
				p["default"] = def
			}
			props[c.Key] = p
			if c.Validate.Required {
				required = append(required, c.Key)
			}
		}
	}
	walk(form.Components)
	if len(props) == 0 {
		return nil, false
	}
	s := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		s["required"] = required
	}
	return s, true
}

// fieldSchema is the schema of one form field; nil when it cannot be asked.
func fieldSchema(c formComponent) map[string]any {
	switch c.Type {
	case "textfield", "textarea":
		p := map[string]any{"type": "string"}
		if c.Validate.MinLength != nil {
			p["minLength"] = *c.Validate.MinLength
		}
		if c.Validate.MaxLength != nil {
			p["maxLength"] = *c.Validate.MaxLength
		}
		if c.Validate.ValidationType == "email" {
			p["format"] = "email"
		}
		return p
	case "number":
		p := map[string]any{"type": "number"}
		if c.DecimalDigits != nil && *c.DecimalDigits == 0 {
			p["type"] = "integer"
		}
		if c.Validate.Min != nil {
			p["minimum"] = *c.Validate.Min
		}
		if c.Validate.Max != nil {
			p["maximum"] = *c.Validate.Max
		}
		return p
	case "checkbox":
		return map[string]any{"type": "boolean"}
	case "datetime":
		switch c.Subtype {
		case "date":
			return map[string]any{"type": "string", "format": "date"}
		case "datetime":
			return map[string]any{"type": "string", "format": "date-time"}
		}
		return map[string]any{"type": "string"}
	case "select", "radio", "checklist", "taglist":
		if len(c.Values) == 0 {
			return nil // options from variables or an input: not known here
		}
		var opts []any
		for _, v := range c.Values {
			s, ok := v.Value.(string)
			if !ok {
				return nil
			}
			title := v.Label
			if title == "" {
				title = s
			}
			opts = append(opts, map[string]any{"const": s, "title": title})
		}
		if c.Type == "checklist" || c.Type == "taglist" {
			return map[string]any{"type": "array", "items": map[string]any{"anyOf": opts}}
		}
		return map[string]any{"type": "string", "oneOf": opts}
	}
	return nil
}

// fits tells whether a default value has the property's type.
func fits(p map[string]any, v any) bool {
	switch p["type"] {
	case "string":
		s, ok := v.(string)
		if ok && p["oneOf"] != nil {
			return slices.ContainsFunc(p["oneOf"].([]any), func(o any) bool { return o.(map[string]any)["const"] == s })
		}
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	}
	return false
}

// formAnswer reads the person's answer among a call's input responses:
// the variables to complete the task with (the model's, overridden by the
// person's), or why there are none.
func formAnswer(req *mcp.CallToolRequest, proposed map[string]any) (vars map[string]any, answered bool, refusal string) {
	if req == nil || req.Params.InputResponses == nil {
		return nil, false, ""
	}
	r, ok := req.Params.InputResponses[formInputKey].(*mcp.ElicitResult)
	if !ok || r == nil {
		return nil, false, ""
	}
	if r.Action != "accept" {
		return nil, true, fmt.Sprintf("The person did not fill in the form (%s): the user task was not completed. Do not complete it with values of your own.", r.Action)
	}
	vars = maps.Clone(proposed)
	if vars == nil {
		vars = map[string]any{}
	}
	maps.Copy(vars, r.Content)
	return vars, true, ""
}
