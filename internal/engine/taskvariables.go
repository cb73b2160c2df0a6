package engine

import (
	"encoding/json"

	"github.com/orcabpm/orca/internal/store"
)

// Variables set on a Camunda user task's element instance (the task's
// scope, e.g. PUT /v2/element-instances/{key}/variables) update the task,
// as Zeebe 8.8 does: the task must be CREATED (in no other transition);
// with "updating" task listeners it goes through an updating transition
// whose listeners see "variables" among the changed attributes, and the
// variables are set (locally or propagated, as asked) only once the last
// listener is done; a denial discards them.

// taskScopeVariables handles variables set on a user task's scope; it
// reports whether it did (the caller sets them otherwise).
func (w *writer) taskScopeVariables(in *inst, vars map[string]json.RawMessage, local bool) (bool, error) {
	ut := w.st.userTasks[in.rt().UserTaskKey]
	if ut == nil || in.rt().UserTaskKey == 0 {
		return false, nil
	}
	if ut.State != store.UserTaskCreated {
		return true, errorf(CodeInvalidState, "Expected to trigger update transition for user task with key '%d', but it is in state '%s'", ut.Key, ut.State)
	}
	if !hasTaskListeners(in, taskUpdating) {
		return false, nil
	}
	w.startTaskTransition(in, ut, &store.TaskTransition{Event: taskUpdating, Attrs: attrsOf(ut),
		Variables: vars, VariablesChanged: len(vars) > 0, Local: local})
	return true, nil
}

// applyTaskVariables sets the variables of an updating transition that
// variables on the task's scope started, once its listeners are done.
func (w *writer) applyTaskVariables(in *inst, tr *store.TaskTransition) {
	if tr.Event != taskUpdating || len(tr.Variables) == 0 {
		return
	}
	if tr.Local {
		w.setAllLocal(in, tr.Variables)
	} else {
		w.merge(in, tr.Variables)
	}
}
