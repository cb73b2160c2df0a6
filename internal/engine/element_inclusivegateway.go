package engine

import "github.com/orcabpm/orca/internal/bpmn"

// inclusiveGateway is the behaviour of inclusive gateways: activated once
// no token can still reach it (its join, flow.go), it takes every outgoing
// flow whose condition holds, else the default.
type inclusiveGateway struct{ leaf }

func (inclusiveGateway) onActivate(w *writer, in *inst) {
	if w.enter(in, false) {
		w.passThrough(in)
	}
}

func (inclusiveGateway) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	if !w.applyOutputs(in) {
		return nil, false
	}
	flows, err := w.pickInclusive(in)
	if err != nil {
		w.raise(in, incCondition, err.Error(), 0)
		return nil, false
	}
	return flows, true
}
