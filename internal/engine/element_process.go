package engine

import "github.com/orcabpm/orca/internal/bpmn"

// processBehavior is the behaviour of a process instance (the root scope).
// It is created ACTIVATED with its variables and its event sub-process
// subscriptions (instance.go), completes when nothing is left in it, and
// on completion hands its variables to the call activity that called it.
type processBehavior struct{ flowScope }

// onActivate runs when the process's start execution listeners are done
// (processlisteners.go); a process without them is ACTIVATED at creation.
func (processBehavior) onActivate(w *writer, in *inst) { w.startAfterListeners(in) }

func (processBehavior) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
