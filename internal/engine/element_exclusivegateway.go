package engine

import "github.com/orcabpm/orca/internal/bpmn"

// exclusiveGateway is the behaviour of exclusive gateways: on completion it
// takes the first outgoing flow whose condition holds, else the default.
type exclusiveGateway struct{ leaf }

func (exclusiveGateway) onActivate(w *writer, in *inst) {
	if w.enter(in, false) {
		w.passThrough(in)
	}
}

func (exclusiveGateway) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	if !w.applyOutputs(in) {
		return nil, false
	}
	flows, err := w.pickExclusive(in)
	if err != nil {
		w.raise(in, incCondition, err.Error(), 0)
		return nil, false
	}
	return flows, true
}
