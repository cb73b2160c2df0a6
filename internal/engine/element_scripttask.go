package engine

import "github.com/orcabpm/orca/internal/bpmn"

// scriptTask is the behaviour of script tasks: a FEEL script (zeebe:script)
// is evaluated and the task completes with its result; otherwise a job.
type scriptTask struct{ leaf }

func (scriptTask) onActivate(w *writer, in *inst) {
	if !w.enter(in, true) {
		return
	}
	if in.el.Script != nil {
		w.runScript(in)
		return
	}
	if w.createJob(in) {
		w.activated(in)
	}
}

func (scriptTask) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
