package engine

import "github.com/orcabpm/orca/internal/bpmn"

// subProcess is the behaviour of embedded sub-processes: a flow scope that
// opens its event sub-processes' subscriptions and starts at its none start
// event; it completes when nothing is left in it.
type subProcess struct{ flowScope }

func (subProcess) onActivate(w *writer, in *inst) {
	if !w.enter(in, true) {
		return
	}
	w.activated(in)
	w.openScopeEvents(in)
	w.activate(in, in.el.NoneStart)
}

func (subProcess) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
