package engine

import "github.com/orcabpm/orca/internal/bpmn"

// endEvent is the behaviour of end events: none, message (a job),
// terminate, signal, escalation and error.
type endEvent struct{ leaf }

func (endEvent) onActivate(w *writer, in *inst) {
	if !w.enter(in, false) {
		return
	}
	el := in.el
	switch el.EventType {
	case bpmn.EventMessage:
		if w.createJob(in) {
			w.activated(in)
		}
	case bpmn.EventTerminate:
		w.activated(in)
		w.terminateScope(in)
		w.complete(in)
	case bpmn.EventSignal, bpmn.EventEscalation:
		w.activated(in)
		w.throwEvent(in)
	case bpmn.EventCompensation:
		w.compensate(in)
	case bpmn.EventError:
		w.activated(in)
		code, err := w.evalString(el.Error.Code, scopeView{st: w.st, scope: in}, true)
		if err != nil {
			w.raise(in, incExtractValue, err.Error(), 0)
			return
		}
		w.throwError(in, code, "", 0, nil)
	default:
		w.passThrough(in)
	}
}

func (endEvent) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
