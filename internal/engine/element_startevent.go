package engine

import (
	"encoding/json"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// startEvent is the behaviour of start events. A none start event passes
// on; a message, timer or signal start event, and the start event of an
// event sub-process, are activated with their trigger and complete with its
// variables.
type startEvent struct{ leaf }

func (startEvent) onActivate(w *writer, in *inst) {
	if w.enter(in, false) {
		w.passThrough(in)
	}
}

func (startEvent) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}

// The variables of the event that starts a process (a message, a signal, a
// conditional evaluation) go where Zeebe puts them: its event trigger
// behaviour activates the start event with them as the event's local
// variables and completes it, and the completion applies its output
// mappings (BpmnVariableMappingBehavior.applyOutputMappings). With output
// mappings only their results reach the process (merged as any output
// mapping is); the event's other variables stay local to the start event.
// Without, every variable is propagated to the process scope, which is
// where createInstance puts them at once: the same variables, and process
// start listeners see them as before. Event sub-processes' start events
// are triggered the same way (eventsub.go, applyTrigger).

// startTrigger splits the variables of a new instance: those of the event
// that created it at start, when start has output mappings, are the
// trigger of the start event instead of process variables.
func startTrigger(start *bpmn.Element, vars map[string]json.RawMessage) (*store.EventTrigger, map[string]json.RawMessage) {
	if start == nil || len(start.Outputs) == 0 || len(vars) == 0 {
		return nil, vars
	}
	return &store.EventTrigger{Variables: vars}, nil
}

// activateStart activates a new instance's start element, with the trigger
// of the event that created the instance (stored with the element, so a
// restart before it completes loses nothing).
func (w *writer) activateStart(in *inst, start *bpmn.Element, trigger *store.EventTrigger) {
	s := w.activate(in, start)
	if trigger != nil {
		s.rt().Extra().Trigger = trigger
		w.touch(s)
	}
}
