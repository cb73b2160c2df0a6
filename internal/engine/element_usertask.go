package engine

import "github.com/orcabpm/orca/internal/bpmn"

// userTask is the behaviour of user tasks: a Camunda user task
// (zeebe:userTask), or a job of type io.camunda.zeebe:userTask.
type userTask struct{ leaf }

func (userTask) onActivate(w *writer, in *inst) {
	if !w.enter(in, true) {
		return
	}
	var ok bool
	if ut := in.el.UserTask; ut != nil && ut.Native {
		ok = w.createUserTask(in)
	} else {
		ok = w.createJob(in)
	}
	if ok {
		w.activated(in)
	}
}

func (userTask) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
