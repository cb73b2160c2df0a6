package engine

import "github.com/orcabpm/orca/internal/bpmn"

// receiveTask is the behaviour of receive tasks: it waits for its message.
type receiveTask struct{ leaf }

func (receiveTask) onActivate(w *writer, in *inst) {
	if w.enter(in, true) && w.openSubscription(in, in.el, in.el.Message) {
		w.activated(in)
	}
}

func (receiveTask) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
