package engine

import (
	"encoding/json"

	"github.com/orcabpm/orca/internal/bpmn"
)

// checkStartElements resolves the elements a process instance starts at
// (Camunda's startInstructions): flow nodes of the process or of its
// (nested) sub-processes, not boundary events, and nothing inside an event
// sub-process, an ad-hoc or a multi-instance sub-process.
func checkStartElements(def *definition, ids []string) ([]*bpmn.Element, error) {
	out := make([]*bpmn.Element, 0, len(ids))
	for _, id := range ids {
		el := def.proc.ElementByID(id)
		if el == nil || el.Type == bpmn.TypeProcess {
			return nil, errorf(CodeInvalidArgument, "Expected to create instance of process with start instructions but no element found with id '%s'.", id)
		}
		if el.Type == bpmn.TypeBoundaryEvent {
			return nil, errorf(CodeInvalidArgument, "Expected to create instance of process with start instructions but the element with id '%s' is a boundary event; start at the activity it is attached to instead.", id)
		}
		for p := el.Parent; p != nil && p.Type != bpmn.TypeProcess; p = p.Parent {
			if p.MultiInstance != nil || p.Type == bpmn.TypeEventSubProcess || p.Type == bpmn.TypeAdHocSubProcess {
				return nil, errorf(CodeInvalidArgument, "Expected to create instance of process with start instructions but the element with id '%s' is inside the %s '%s', which cannot be entered there.", id, typeName(p), p.ID)
			}
		}
		if el.Type == bpmn.TypeEventSubProcess {
			return nil, errorf(CodeInvalidArgument, "Expected to create instance of process with start instructions but the element with id '%s' is an event sub-process, which only its event starts.", id)
		}
		out = append(out, el)
	}
	return out, nil
}

func typeName(el *bpmn.Element) string {
	switch {
	case el.MultiInstance != nil:
		return "multi-instance activity"
	case el.Type == bpmn.TypeEventSubProcess:
		return "event sub-process"
	case el.Type == bpmn.TypeAdHocSubProcess:
		return "ad-hoc sub-process"
	}
	return "element"
}

// createInstanceAt starts a process instance before the given elements
// instead of at its none start event: the sub-processes around an element
// are entered (once, shared by the elements in them), then each element is
// activated.
func (w *writer) createInstanceAt(def *definition, elements []*bpmn.Element, vars map[string]json.RawMessage, opts instanceOptions) *inst {
	in := w.newProcessInstance(def, vars, opts)
	w.processActivated(in) // without its start listeners, as Zeebe's element activation
	scopes := map[*bpmn.Element]*inst{def.proc.Element: in}
	var enter func(el *bpmn.Element) *inst
	enter = func(el *bpmn.Element) *inst {
		if s, ok := scopes[el]; ok {
			return s
		}
		parent := enter(el.Parent)
		s := w.newInst(parent, el, el.Type)
		// Entered here, not by its start event: it is active at once.
		w.transition(s, lcActivating)
		w.transition(s, lcActivated)
		if len(el.Boundaries) > 0 {
			w.openBoundaries(s)
		}
		w.openScopeEvents(s)
		w.conditionsOnActivation(s)
		scopes[el] = s
		return s
	}
	for _, el := range elements {
		w.activate(enter(el.Parent), el)
	}
	w.conditionsOnActivation(in)
	return in
}
