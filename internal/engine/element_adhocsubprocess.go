package engine

import (
	"strings"

	"github.com/orcabpm/orca/internal/bpmn"
)

// adHocSubProcess is the behaviour of ad-hoc sub-processes (adhoc.go has
// their commands and jobs). Each activity runs in an inner instance of its
// own; in BPMN mode the active elements collection and the completion
// condition decide, in job-worker mode a job decides turn by turn.
type adHocSubProcess struct{ leaf }

func (adHocSubProcess) onActivate(w *writer, in *inst) {
	w.withdrawFailedAttempt(in)
	if w.applyTrigger(in) {
		return
	}
	// The sub-process's own variables come before its input mappings.
	if in.rt().ReadExtra().ListenersDone == 0 {
		w.initAdHoc(in)
	}
	if !w.inputsAndStartListeners(in) || !w.openActivityBoundaries(in) {
		return
	}
	ah := in.el.AdHoc
	var ids []string
	if !in.el.JobWorker() && ah.ActiveElements != nil {
		var err error
		ids, err = w.evalStringList(*ah.ActiveElements, scopeView{st: w.st, scope: in})
		if err != nil {
			w.raise(in, incExtractValue, err.Error(), 0)
			return
		}
		var unknown []string
		for _, id := range ids {
			if ah.Activities[id] == nil {
				unknown = append(unknown, "'"+id+"'")
			}
		}
		if len(unknown) > 0 {
			w.raise(in, incExtractValue, "Failed to activate ad-hoc elements. No BPMN elements found with ids: "+strings.Join(unknown, ", ")+".", 0)
			return
		}
	}
	if in.el.JobWorker() && !w.createJob(in) {
		return
	}
	w.activated(in)
	w.openScopeEvents(in)
	for _, id := range ids {
		w.activateAdHoc(in, ah.Activities[id], nil)
	}
	if !in.el.JobWorker() {
		w.adHocCheck(in)
	}
}

// onComplete hands the output collection to the enclosing scope, then
// applies the output mappings.
func (adHocSubProcess) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	w.propagateAdHocOutput(in)
	return w.outputsThenFlows(in)
}

// adHocTurn reports a child whose completion is a turn of its ad-hoc
// sub-process: an inner instance, or an event sub-process inside it. Its
// output element is collected and, in job-worker mode, a new job follows.
func adHocTurn(child *inst) bool {
	t := child.elementType()
	return t == bpmn.TypeAdHocInnerInstance || t == bpmn.TypeEventSubProcess
}

func (adHocSubProcess) onChildCompleting(w *writer, _, child *inst) (bool, error) {
	if adHocTurn(child) {
		return true, w.collectAdHocOutput(child)
	}
	return true, nil
}

func (b adHocSubProcess) onChildCompleted(w *writer, ahsp, child *inst) {
	if rt := ahsp.rt(); adHocTurn(child) && rt.Lifecycle == lcActivated && !rt.ReadExtra().Terminate {
		w.adHocInnerCompleted(ahsp)
		return
	}
	b.onChildTerminated(w, ahsp, child)
}

func (adHocSubProcess) onChildTerminated(w *writer, ahsp, _ *inst) {
	w.childGone(ahsp)
	if rt := ahsp.rt(); rt.Lifecycle == lcActivated && !rt.ReadExtra().Terminate {
		// An inner instance was terminated: a fulfilled sub-process may be done.
		if rt.ReadExtra().AdHocFulfilled && rt.ActiveChildren == 0 {
			w.complete(ahsp)
		}
		return
	}
	w.afterChild(ahsp)
}
