package engine

import (
	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// eventSubProcess is the behaviour of event sub-processes: created with the
// trigger of their start event (triggerEventSubProcess), they apply their
// input mappings and hand the trigger to the start event.
type eventSubProcess struct{ flowScope }

func (eventSubProcess) onActivate(w *writer, in *inst) {
	w.withdrawFailedAttempt(in)
	if !w.inputsAndStartListeners(in) {
		return
	}
	w.activated(in)
	tr := in.rt().ReadExtra().Trigger
	if tr == nil {
		tr = &store.EventTrigger{}
	}
	if x := in.rt().ExtraIfSet(); x != nil {
		x.Trigger = nil
	}
	s := w.activate(in, in.el.EventStart)
	s.rt().Extra().Trigger = tr
}

func (eventSubProcess) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
