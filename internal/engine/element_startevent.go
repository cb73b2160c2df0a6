package engine

import "github.com/orcabpm/orca/internal/bpmn"

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
