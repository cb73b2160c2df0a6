package engine

import "github.com/orcabpm/orca/internal/bpmn"

// boundaryEvent is the behaviour of boundary events. The activity they are
// attached to subscribes them (openBoundaries); when their event happens
// they are activated with its trigger (triggerBoundary) and complete at
// once with its variables. Without a trigger there is nothing to wait for.
type boundaryEvent struct{ leaf }

func (boundaryEvent) onActivate(w *writer, in *inst) {
	if w.enter(in, false) {
		w.passThrough(in)
	}
}

func (boundaryEvent) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
