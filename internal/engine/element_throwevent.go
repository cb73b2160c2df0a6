package engine

import "github.com/orcabpm/orca/internal/bpmn"

// throwEvent is the behaviour of intermediate throw events: none, message
// (a job), link (goes on at its catch event), signal and escalation.
type throwEvent struct{ leaf }

func (throwEvent) onActivate(w *writer, in *inst) {
	if !w.enter(in, false) {
		return
	}
	el := in.el
	switch el.EventType {
	case bpmn.EventMessage:
		if w.createJob(in) {
			w.activated(in)
		}
	case bpmn.EventLink:
		w.activated(in)
		w.activate(in.parent, el.LinkTarget)
		w.complete(in)
	case bpmn.EventSignal, bpmn.EventEscalation:
		w.activated(in)
		w.throwEvent(in)
	case bpmn.EventCompensation:
		w.compensate(in)
	default:
		w.passThrough(in)
	}
}

func (throwEvent) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
