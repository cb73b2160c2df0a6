package engine

import "github.com/orcabpm/orca/internal/bpmn"

// undefinedTask is the behaviour of undefined and manual tasks: they pass
// on (their boundary events are not opened: they could never happen).
type undefinedTask struct{ leaf }

func (undefinedTask) onActivate(w *writer, in *inst) {
	if w.enter(in, false) {
		w.passThrough(in)
	}
}

func (undefinedTask) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
