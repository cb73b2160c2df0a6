package engine

import "github.com/orcabpm/orca/internal/bpmn"

// adHocInner is the behaviour of an ad-hoc sub-process's inner instance: a
// flow scope holding one run of one activity (stored as its AdHocElement)
// with the variables of its activation.
type adHocInner struct{ flowScope }

func (adHocInner) onActivate(w *writer, in *inst) {
	if !w.enter(in, false) {
		return
	}
	w.activated(in)
	if el := in.def.proc.ElementByID(in.rt().ReadExtra().AdHocElement); el != nil {
		w.activate(in, el)
	}
}

func (adHocInner) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
