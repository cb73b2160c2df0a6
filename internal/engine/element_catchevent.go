package engine

import "github.com/orcabpm/orca/internal/bpmn"

// catchEvent is the behaviour of intermediate catch events: it waits for
// its message, timer, signal or condition (a link catch event passes on). Chosen by an
// event-based gateway, it is activated with the event's trigger and
// completes at once.
type catchEvent struct{ leaf }

func (catchEvent) onActivate(w *writer, in *inst) {
	if !w.enter(in, false) {
		return
	}
	el := in.el
	var ok bool
	switch el.EventType {
	case bpmn.EventMessage:
		ok = w.openSubscription(in, el, el.Message)
	case bpmn.EventTimer:
		ok = w.scheduleTimer(in, el)
	case bpmn.EventSignal:
		ok = w.openSignalSubscription(in, el)
	case bpmn.EventConditional:
		// Waits; its condition is evaluated once it is ACTIVATED, and
		// again when the variables it reads change (conditions.go).
		ok = true
	default: // a link catch event passes on
		w.passThrough(in)
		return
	}
	if ok {
		w.activated(in)
	}
}

func (catchEvent) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
