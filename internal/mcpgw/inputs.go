package mcpgw

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/cluster"
)

// A process tool's input schema comes, first found, from
//
//  1. tool inputs declared on its start event (zeebe:externalParameters
//     with zeebe:inputSpecification children, Camunda 8.10's structured
//     inputs; bpmn.ToolInput): names, types, descriptions, required, a
//     schema's keywords; other arguments are variables too;
//  2. fromAi calls in its start event's output mappings (below),
//  3. typed entries in its io.camunda.tool:inputs property,
//  4. Camunda's schema: businessId, every other argument a variable.
//
// fromAi inputs (beyond Camunda 8.10, whose tools take any object): the
// start event's output mappings declare the parameters the way Camunda's
// AI agent reads an ad-hoc activity's input mappings (bpmn.ToolInputSchema,
// one path for both), for example
//
//	<zeebe:output source="=fromAi(toolCall.firstName, &quot;The first name&quot;, &quot;string&quot;)" target="firstName" />
//
// Each toolCall.<name> is a property with its type, description and
// schema; it is required unless options.required is false; businessId is
// Camunda's as ever; other arguments are refused, since only the mappings'
// results reach the process. A call's arguments are the message's
// variables twice over: as themselves (as Camunda passes them, for
// mappings such as =firstName) and as the context toolCall (as the AI agent
// names it, for fromAi). The engine keeps a start event's message
// variables local to it when it has output mappings (as Zeebe does), so
// the process sees the mapped variables only. A malformed fromAi call
// leaves the tool with the next schema, and a warning in the log.

// toolInput is what a process tool takes.
type toolInput struct {
	schema map[string]any
	fromAi bool // the schema is the start event's fromAi parameters
}

// checkSchema is the schema a call's arguments are checked against: the
// listed one, its properties plain values (an input named customerKey is
// the process's, not an engine key), other arguments allowed unless it
// says otherwise (Camunda passes them as variables).
func (in *toolInput) checkSchema() map[string]any {
	s := maps.Clone(in.schema)
	if _, set := s["additionalProperties"]; !set {
		s["additionalProperties"] = true
	}
	props, _ := s["properties"].(map[string]any)
	plain := make(map[string]any, len(props))
	for name, p := range props {
		if ps, ok := p.(map[string]any); ok {
			ps = maps.Clone(ps)
			ps[plainValue] = true
			p = ps
		}
		plain[name] = p
	}
	s["properties"] = plain
	return s
}

// variables are the message variables of a call with these arguments
// (businessId removed).
func (in *toolInput) variables(args map[string]any) map[string]any {
	if !in.fromAi {
		return args
	}
	vars := maps.Clone(args)
	vars[toolCallVariable] = args
	return vars
}

// toolCallVariable is the context fromAi reads, as in Camunda's AI agent.
const toolCallVariable = "toolCall"

// inputOf finds the input of a start event subscription's tool. Its
// process definition is read once (the XML does not change).
func (p *processes) inputOf(ctx context.Context, s cluster.MessageSubscription) *toolInput {
	key := ""
	if s.ProcessDefinitionKey != nil {
		key = fmt.Sprintf("%d/%s", *s.ProcessDefinitionKey, s.ElementID)
		p.inputsMu.Lock()
		in := p.inputs[key]
		p.inputsMu.Unlock()
		if in != nil {
			return in
		}
	}
	in, cache := p.readInput(ctx, s)
	if key != "" && cache {
		p.inputsMu.Lock()
		if len(p.inputs) >= 10000 {
			clear(p.inputs)
		}
		p.inputs[key] = in
		p.inputsMu.Unlock()
	}
	return in
}

// readInput builds a tool's input; cache is false when the definition
// could not be read (it is tried again on the next call).
func (p *processes) readInput(ctx context.Context, s cluster.MessageSubscription) (in *toolInput, cache bool) {
	cache = true
	if s.ProcessDefinitionKey != nil {
		in, err := p.declaredInput(ctx, *s.ProcessDefinitionKey, s.ElementID)
		switch {
		case err != nil && ctx.Err() == nil && cluster.CodeOf(err) != cluster.CodeUnavailable:
			p.g.log.Warn("the declared inputs of a process tool are not used", "processDefinitionKey", *s.ProcessDefinitionKey, "element", s.ElementID, "err", err)
		case err != nil:
			cache = false
		case in != nil:
			return in, true
		}
	}
	if fields, ok := parseInputs(s.ToolProperties[propInputs]); ok {
		return &toolInput{schema: typedInput(fields)}, cache
	}
	return &toolInput{schema: processToolInput()}, cache
}

// declaredInput is the input a start event declares with tool inputs
// (zeebe:inputSpecification) or fromAi calls in its output mappings; nil
// when it declares none.
func (p *processes) declaredInput(ctx context.Context, key cluster.Key, elementID string) (*toolInput, error) {
	xml, err := p.g.api.GetProcessDefinitionXML(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("read process definition %d: %w", key, err)
	}
	defs, err := bpmn.Parse(fmt.Sprintf("definition-%d.bpmn", key), xml)
	if err != nil {
		return nil, fmt.Errorf("parse process definition %d: %w", key, err)
	}
	var el *bpmn.Element
	for _, proc := range defs.Processes {
		if el = proc.ElementByID(elementID); el != nil {
			break
		}
	}
	if el == nil {
		return nil, nil
	}
	if len(el.ToolInputs) > 0 {
		schema, err := specifiedInput(el.ToolInputs)
		if err != nil {
			return nil, err
		}
		return &toolInput{schema: schema}, nil
	}
	params, err := bpmn.OutputFromAiParameters(el)
	if err != nil || len(params) == 0 {
		return nil, err
	}
	schema, err := bpmn.ToolInputSchema(params)
	if err != nil {
		return nil, err
	}
	if len(schema["required"].([]string)) == 0 {
		delete(schema, "required")
	}
	schema["additionalProperties"] = false
	schema, err = withBusinessID(schema)
	if err != nil {
		return nil, err
	}
	return &toolInput{schema: schema, fromAi: true}, nil
}

// specifiedInput is the input schema of tool inputs (Camunda 8.10's
// zeebe:inputSpecification): each input a property of its type (string
// when none is given) and description, with the keywords of its schema
// attribute; required ones required. Other arguments are variables too,
// as Camunda passes every argument.
func specifiedInput(ins []bpmn.ToolInput) (map[string]any, error) {
	props := map[string]any{}
	var required []string
	for _, in := range ins {
		if in.Name == "" {
			return nil, fmt.Errorf("a tool input (zeebe:inputSpecification) has no name")
		}
		if _, dup := props[in.Name]; dup {
			return nil, fmt.Errorf("the tool input '%s' is declared more than once", in.Name)
		}
		kw, ok := in.SchemaKeywords()
		if !ok {
			return nil, fmt.Errorf("the schema of the tool input '%s' is not a JSON object: %q", in.Name, in.Schema)
		}
		prop := map[string]any{}
		maps.Copy(prop, kw)
		prop["type"] = "string"
		if in.Type != "" {
			prop["type"] = in.Type
		}
		if in.Description != "" {
			prop["description"] = in.Description
		}
		props[in.Name] = prop
		if in.Required {
			required = append(required, in.Name)
		}
	}
	schema := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		schema["required"] = required
	}
	return withBusinessID(schema)
}

// withBusinessID adds Camunda's businessId to a declared input schema and
// returns it as JSON decodes it (what checkArgs and clients read).
func withBusinessID(schema map[string]any) (map[string]any, error) {
	props := schema["properties"].(map[string]any)
	if _, clash := props[businessIDArgument]; clash {
		return nil, fmt.Errorf("the input %s clashes with Camunda's %s argument", businessIDArgument, businessIDArgument)
	}
	props[businessIDArgument] = processToolInput()["properties"].(map[string]any)[businessIDArgument]
	b, err := json.Marshal(schema)
	if err != nil {
		return nil, fmt.Errorf("the declared inputs' schema: %w", err)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

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
