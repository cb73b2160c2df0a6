package engine

import "github.com/orcabpm/orca/internal/bpmn"

// eventBasedGateway is the behaviour of event-based gateways: it waits for
// the events of the catch events after it. The first that happens is
// stored as its trigger with the flow to that catch event (scopeEvent); on
// leaving, that catch event is activated with the trigger (leave) instead
// of the gateway's flows being taken.
type eventBasedGateway struct{ leaf }

func (eventBasedGateway) onActivate(w *writer, in *inst) {
	if w.enter(in, false) && w.openEventGateway(in) {
		w.activated(in)
	}
}

func (eventBasedGateway) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return nil, w.applyOutputs(in)
}
