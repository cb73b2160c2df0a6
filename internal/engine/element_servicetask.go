package engine

import "github.com/orcabpm/orca/internal/bpmn"

// jobTask is the behaviour of service and send tasks: a job for a worker;
// the task completes with the job.
type jobTask struct{ leaf }

func (jobTask) onActivate(w *writer, in *inst) {
	if w.enter(in, true) && w.createJob(in) {
		w.activated(in)
	}
}

func (jobTask) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
