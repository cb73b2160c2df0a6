package engine

import (
	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// userTask is the behaviour of user tasks: a Camunda user task
// (zeebe:userTask), or a job of type io.camunda.zeebe:userTask.
type userTask struct{}

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

// onTerminate runs a Camunda user task's canceling listeners before the
// element is terminated: the task is CANCELING, the element TERMINATING,
// until the last listener's job completed (finishTaskTransition).
func (userTask) onTerminate(w *writer, in *inst) bool {
	ut := w.st.userTasks[in.rt().UserTaskKey]
	if ut == nil || !hasTaskListeners(in, taskCanceling) {
		return false
	}
	in.rt().Extra().Task = &store.TaskTransition{Event: taskCanceling, Action: "cancel", Attrs: attrsOf(ut)}
	ut.State = store.UserTaskCanceling
	w.st.touch(ut)
	w.cancelWaitStates(in) // the task stays, a listener job of an earlier transition goes
	w.nextTaskListener(in, ut)
	return true
}
