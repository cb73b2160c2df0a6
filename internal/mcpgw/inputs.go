package mcpgw

import (
	"regexp"
	"strings"
)

// Typed inputs (beyond Camunda): when a process tool's io.camunda.tool:inputs
// property lists its inputs in this form, one after the other,
//
//	orderId: required string, the order's id. amount: optional number, the amount in EUR.
//
// (NAME: required|optional TYPE[, DESCRIPTION], TYPE one of string, integer,
// number, boolean, object, array; entries may also start lines, with a
// leading "-" or "*"), the tool's input schema declares them with their
// types, descriptions and required list, and a call that violates it is a
// tool error that starts nothing. Any other text stays the free description
// Camunda makes of it, and the schema Camunda's (businessId only, every
// argument a variable). Arguments not listed are variables too.

// inputHead matches the start of one entry.
var inputHead = regexp.MustCompile(`(?:^|[.;\n]\s*|\s)(?:[-*]\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(required|optional)\s+(string|integer|number|boolean|object|array)\b[ \t]*,?`)

// inputField is one declared input.
type inputField struct {
	name, typ, description string
	required               bool
}

// parseInputs reads inputs in the typed form; ok is false for free text.
func parseInputs(text string) (fields []inputField, ok bool) {
	ms := inputHead.FindAllStringSubmatchIndex(text, -1)
	if len(ms) == 0 || strings.TrimSpace(text[:ms[0][0]]) != "" {
		return nil, false
	}
	seen := map[string]bool{}
	for i, m := range ms {
		end := len(text)
		if i+1 < len(ms) {
			end = ms[i+1][0]
		}
		f := inputField{
			name:     text[m[2]:m[3]],
			required: text[m[4]:m[5]] == "required",
			typ:      text[m[6]:m[7]],
		}
		f.description = strings.TrimRight(strings.TrimSpace(text[m[1]:end]), ". ")
		if seen[f.name] || f.name == businessIDArgument {
			return nil, false
		}
		seen[f.name] = true
		fields = append(fields, f)
	}
	return fields, true
}

// typedInput is the input schema of a process tool with typed inputs:
// Camunda's (businessId) with the declared inputs.
func typedInput(fields []inputField) map[string]any {
	s := processToolInput()
	props := s["properties"].(map[string]any)
	var required []any
	for _, f := range fields {
		p := map[string]any{"type": f.typ}
		if f.description != "" {
			p["description"] = f.description
		}
		props[f.name] = p
		if f.required {
			required = append(required, f.name)
		}
	}
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}
