package bpmn

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orcabpm/orca/internal/feel"
)

// Element types of ad-hoc sub-processes, as Zeebe names them.
const (
	TypeAdHocSubProcess      ElementType = "AD_HOC_SUB_PROCESS"
	TypeAdHocInnerInstance   ElementType = "AD_HOC_SUB_PROCESS_INNER_INSTANCE"
	innerInstanceSuffix                  = "#innerInstance"
	adHocGatewayTypeProperty             = "io.camunda.agenticai.gateway.type"
)

// AdHoc is what makes a sub-process ad hoc.
type AdHoc struct {
	// ActiveElements (zeebe:adHoc activeElementsCollection) chooses what runs
	// on activation in BPMN mode.
	ActiveElements      *Expression
	OutputCollection    string
	OutputElement       *Expression
	CompletionCondition *Expression
	// CancelRemaining is cancelRemainingInstances (default true).
	CancelRemaining bool
	// Activities are the elements that can be activated: flow nodes without
	// incoming sequence flows (not events that start, end or attach).
	Activities map[string]*Element
	// Inner is the element of the inner instances (<id>#innerInstance).
	Inner *Element
	// Elements is the JSON of the adHocSubProcessElements variable.
	Elements json.RawMessage
}

// JobWorker reports Zeebe's job-worker mode: a zeebe:taskDefinition on the
// ad-hoc sub-process makes one job decide, turn by turn, what runs.
func (e *Element) JobWorker() bool { return e.Type == TypeAdHocSubProcess && e.TaskDefinition != nil }

// adHocElement is one entry of adHocSubProcessElements.
type adHocElement struct {
	ElementID     string            `json:"elementId"`
	ElementName   string            `json:"elementName,omitempty"`
	Documentation string            `json:"documentation,omitempty"`
	Properties    map[string]string `json:"properties,omitempty"`
	Parameters    []FromAiParameter `json:"parameters,omitempty"`
}

// FromAiParameter is one fromAi call of an ad-hoc activity's input mappings.
type FromAiParameter struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Type        string         `json:"type,omitempty"`
	Schema      map[string]any `json:"schema,omitempty"`
	Options     map[string]any `json:"options,omitempty"`
}

// adHoc completes the model of a bpmn:adHocSubProcess once its children are parsed.
func (b *builder) adHoc(e *Element, n, ext *node) {
	ah := &AdHoc{CancelRemaining: n.attr("cancelRemainingInstances") != "false", Activities: map[string]*Element{}}
	e.AdHoc = ah
	ah.Inner = &Element{ID: e.ID + innerInstanceSuffix, Type: TypeAdHocInnerInstance, Parent: e, EventType: EventNone}
	b.proc.elements[ah.Inner.ID] = ah.Inner // found again when instances are restored
	if z := ext.child(NSZeebe, "adHoc"); z != nil {
		if x := z.attr("activeElementsCollection"); x != "" {
			v := b.expr(e.ID, z.Line, "active elements collection", feelText(x))
			ah.ActiveElements = &v
		}
		ah.OutputCollection = z.attr("outputCollection")
		if x := z.attr("outputElement"); x != "" {
			v := b.expr(e.ID, z.Line, "output element", feelText(x))
			ah.OutputElement = &v
		}
		if ah.OutputCollection != "" && ah.OutputElement == nil {
			b.problem(e.ID, z.Line, "an ad-hoc sub-process with an outputCollection must have an outputElement")
		}
	}
	if cc := n.child(NSBPMN, "completionCondition"); cc != nil && cc.Text != "" {
		v := b.expr(e.ID, cc.Line, "completion condition", feelText(cc.Text))
		ah.CompletionCondition = &v
	}
	b.taskDefinition(e, ext, false)
	var entries []adHocElement
	for _, c := range e.Children {
		switch c.Type {
		case TypeStartEvent, TypeEndEvent:
			b.problem(c.ID, c.Line, "an ad-hoc sub-process cannot contain start or end events")
			continue
		case TypeBoundaryEvent, TypeEventSubProcess:
			continue
		}
		if len(c.Incoming) > 0 {
			continue
		}
		ah.Activities[c.ID] = c
		entry := adHocElement{ElementID: c.ID, ElementName: c.Name, Documentation: strings.TrimSpace(c.Documentation)}
		if len(c.Properties) > 0 {
			entry.Properties = map[string]string{}
			for _, p := range c.Properties {
				entry.Properties[p.Name] = p.Value
			}
		}
		entry.Parameters = b.fromAiParameters(c)
		entries = append(entries, entry)
	}
	if len(ah.Activities) == 0 {
		b.problem(e.ID, e.Line, "an ad-hoc sub-process must contain at least one activity")
	}
	if entries == nil {
		entries = []adHocElement{}
	}
	ah.Elements, _ = json.Marshal(entries)
}

func feelText(s string) string {
	if strings.HasPrefix(strings.TrimSpace(s), "=") {
		return s
	}
	return "=" + s
}

// fromAiParameters collects the fromAi calls of an element's input mappings
// as Zeebe does at deployment; a malformed call is a deployment problem.
func (b *builder) fromAiParameters(e *Element) []FromAiParameter {
	var out []FromAiParameter
	for _, m := range e.Inputs {
		if m.Source.FEEL == nil {
			continue
		}
		for _, call := range m.Source.FEEL.FunctionCalls("fromAi") {
			p, msg := fromAiParameter(call)
			if msg != "" {
				b.problem(e.ID, e.Line, "the input mapping for '%s' has an invalid fromAi call '%s': %s", m.Target, call.Source, msg)
				continue
			}
			out = append(out, p)
		}
	}
	return out
}

func fromAiParameter(call feel.Call) (FromAiParameter, string) {
	var p FromAiParameter
	for _, a := range call.Args {
		switch a.Name {
		case "value":
			if !a.IsPath {
				return p, "the value must be a variable reference such as toolCall.name"
			}
			p.Name = strings.Join(a.Path, ".")
		case "description", "type":
			if a.IsLiteral && a.Literal == nil {
				continue
			}
			s, ok := a.Literal.(string)
			if !a.IsLiteral || !ok {
				return p, "the " + a.Name + " must be a string literal"
			}
			if a.Name == "description" {
				p.Description = s
			} else {
				p.Type = s
			}
		case "schema", "options":
			if a.IsLiteral && a.Literal == nil {
				continue
			}
			m, ok := a.Literal.(map[string]any)
			if !a.IsLiteral || !ok {
				return p, "the " + a.Name + " must be a context literal"
			}
			if a.Name == "schema" {
				p.Schema = m
			} else {
				p.Options = m
			}
		default:
			return p, "unknown argument '" + a.Name + "'"
		}
	}
	if p.Name == "" {
		return p, "the value argument is missing"
	}
	return p, ""
}

// ToolInputSchema builds the JSON schema of a tool's input from its fromAi
// parameters, as Camunda's AI agent does: each parameter toolCall.<name>
// is a property whose schema is its schema literal with its type (default
// "string") and description laid over; it is required unless
// options.required is false.
func ToolInputSchema(params []FromAiParameter) (map[string]any, error) {
	props := map[string]any{}
	required := []string{}
	for _, p := range params {
		name, ok := strings.CutPrefix(p.Name, "toolCall.")
		if !ok || name == "" || strings.Contains(name, ".") {
			return nil, fmt.Errorf("the fromAi parameter '%s' must be a direct child of toolCall, such as toolCall.%s", p.Name, lastSegment(p.Name))
		}
		if name == "_meta" {
			return nil, fmt.Errorf("the fromAi parameter '%s' uses the reserved name _meta", p.Name)
		}
		if _, dup := props[name]; dup {
			return nil, fmt.Errorf("the fromAi parameter '%s' is defined more than once", p.Name)
		}
		prop := map[string]any{}
		for k, v := range p.Schema {
			prop[k] = v
		}
		prop["type"] = "string"
		if p.Type != "" {
			prop["type"] = p.Type
		}
		if p.Description != "" {
			prop["description"] = p.Description
		}
		props[name] = prop
		req := true
		if r, set := p.Options["required"]; set {
			b, isBool := r.(bool)
			if !isBool {
				return nil, fmt.Errorf("the fromAi parameter '%s' has options.required %v, which is not a boolean", p.Name, r)
			}
			req = b
		}
		if req {
			required = append(required, name)
		}
	}
	return map[string]any{"type": "object", "properties": props, "required": required}, nil
}

func lastSegment(path string) string {
	if i := strings.LastIndex(path, "."); i >= 0 {
		return path[i+1:]
	}
	return path
}
