package engine

import "github.com/orcabpm/orca/internal/bpmn"

// parallelGateway is the behaviour of parallel gateways: activated once a
// token arrived on every incoming flow (its join, flow.go), it takes every
// outgoing flow.
type parallelGateway struct{ leaf }

func (parallelGateway) onActivate(w *writer, in *inst) {
	if w.enter(in, false) {
		w.passThrough(in)
	}
}

func (parallelGateway) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
