package engine

import (
	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// Compensation, as Zeebe 8.5+ runs it. When an activity with a compensation
// boundary event completes, its flow scope records it (once per
// completion; a multi-instance activity once, when its body completes).
// When a sub-process or multi-instance body completes, what it recorded
// moves to its flow scope, marked nested. A compensation throw or end
// event activates, in its scope (for an event sub-process, the scope around
// it), the handler of every recorded activity, or of its activityRef only
// (not nested), and waits ACTIVATED until they all completed. Active and
// terminated activities are not compensated, and a terminated scope's
// records go with it. Everything is in the instances' stored runtime.

// recordCompensable notes a completing instance for compensation, before
// it is released.
func (w *writer) recordCompensable(in *inst) {
	if !in.def.proc.Compensations || in.parent == nil {
		return
	}
	rt, prt := in.rt().ReadExtra(), in.parent.rt()
	changed := false
	if in.el.CompensationHandler != nil && !isInner(in) {
		prt.Extra().Compensable = append(prt.Extra().Compensable, store.Compensable{ElementID: in.el.ID})
		changed = true
	}
	if in.el.CompensationEventSubProcess != nil && in.elementType() == bpmn.TypeSubProcess {
		// Its compensation event sub-process runs instead of the handlers
		// inside, with their records (compensationesp.go).
		prt.Extra().Compensable = append(prt.Extra().Compensable, store.Compensable{ElementID: in.el.ID, ESP: true, Inner: rt.Compensable})
		changed = true
	} else if len(rt.Compensable) > 0 && (in.elementType() == bpmn.TypeSubProcess || in.isBody()) {
		for _, c := range rt.Compensable {
			c.Nested = true
			prt.Extra().Compensable = append(prt.Extra().Compensable, c)
		}
		changed = true
	}
	if changed {
		w.touch(in.parent)
	}
}

// compensate runs a compensation throw or end event: it activates the
// handlers and waits for them.
func (w *writer) compensate(throw *inst) {
	w.activated(throw)
	scope := throw.parent
	if scope.elementType() == bpmn.TypeEventSubProcess && scope.parent != nil && !isCompensationESP(scope) {
		scope = scope.parent
	}
	ref := throw.el.CompensateRef
	srt := scope.rt()
	var keep, run []store.Compensable
	for _, c := range srt.ReadExtra().Compensable {
		if ref != nil && (c.Nested || c.ElementID != ref.ID) {
			keep = append(keep, c)
			continue
		}
		run = append(run, c)
	}
	if keep != nil || srt.ExtraIfSet() != nil {
		srt.Extra().Compensable = keep
	}
	w.touch(scope)
	n := 0
	for _, c := range run {
		el := throw.def.proc.ElementByID(c.ElementID)
		if c.ESP {
			if w.runCompensationESP(scope, throw, el, c) {
				n++
			}
			continue
		}
		if el == nil || el.CompensationHandler == nil {
			continue
		}
		h := w.activate(scope, el.CompensationHandler)
		h.rt().Extra().CompensationThrow = throw.key()
		n++
	}
	throw.rt().Extra().CompensationPending = n
	w.touch(throw)
	if n == 0 {
		w.complete(throw)
	}
}

// compensationHandlerDone tells the throw event a handler ran for that one
// more handler completed.
func (w *writer) compensationHandlerDone(throwKey int64) {
	t := w.st.insts[throwKey]
	if t == nil || t.lifecycle() != lcActivated {
		return
	}
	rt := t.rt().Extra()
	rt.CompensationPending--
	w.touch(t)
	if rt.CompensationPending <= 0 {
		w.complete(t)
	}
}
