package engine

import (
	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// Compensation event sub-processes (an event sub-process with a
// compensation start event, inside an embedded sub-process), as Zeebe runs
// them: while the sub-process runs it is no subscription. A completed
// sub-process that has one is recorded in its flow scope as a whole, with
// the records of what completed inside it (store.Compensable's ESP and
// Inner), instead of handing those on: compensating the sub-process (a
// throw event of the scope, or one whose activityRef names it) runs the
// event sub-process, once per completion of the sub-process, in the throw
// event's scope (the sub-process instance is gone), and the activities
// inside are not compensated by that throw. A compensation throw event
// inside the event sub-process compensates, within it, what completed in
// the sub-process. The throw event that started it waits for it as for a
// handler.

// isCompensationESP reports an event sub-process started by compensation.
func isCompensationESP(in *inst) bool {
	s := in.el.EventStart
	return in.elementType() == bpmn.TypeEventSubProcess && s != nil && s.EventType == bpmn.EventCompensation
}

// runCompensationESP activates the compensation event sub-process of a
// completed sub-process for a throw event; it reports whether it did.
func (w *writer) runCompensationESP(scope, throw *inst, sub *bpmn.Element, c store.Compensable) bool {
	if sub == nil || sub.CompensationEventSubProcess == nil {
		return false
	}
	h := w.activate(scope, sub.CompensationEventSubProcess)
	rt := h.rt().Extra()
	rt.CompensationThrow = throw.key()
	rt.Compensable = c.Inner
	w.touch(h)
	return true
}
