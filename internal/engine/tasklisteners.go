package engine

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// User task listeners (zeebe:taskListeners), as Camunda 8.8 runs them. A
// transition of a Camunda user task (creating, assigning, updating,
// completing, canceling) with listeners puts the task in the transition's
// state (CREATING, ASSIGNING, ...) and runs the listeners one after the
// other, each a job of kind TASK_LISTENER. A listener may correct the
// task's attributes (the next listeners see the corrections) or, for
// assigning, updating and completing, deny the transition: the task goes
// back to CREATED as it was, corrections discarded. Once the last listener
// is done the transition is applied with the corrections. The transition is
// stored with the element instance (ScopeRuntime.Task), the running
// listener's job is its JobKey: a restart resumes where it was.
const (
	JobKindTaskListener      = "TASK_LISTENER"
	incTaskListenerNoRetries = "TASK_LISTENER_NO_RETRIES"
)

// Task listener events.
const (
	taskCreating   = "creating"
	taskAssigning  = "assigning"
	taskUpdating   = "updating"
	taskCompleting = "completing"
	taskCanceling  = "canceling"
)

var taskEventStates = map[string]string{
	taskCreating: store.UserTaskCreating, taskAssigning: store.UserTaskAssigning, taskUpdating: store.UserTaskUpdating,
	taskCompleting: store.UserTaskCompleting, taskCanceling: store.UserTaskCanceling,
}

// UserTaskResult is a task listener job's result: a denial, or corrections.
type UserTaskResult struct {
	Denied       bool
	DeniedReason string
	Corrections  *UserTaskCorrections
}

// UserTaskCorrections correct a user task's attributes; nil keeps one. A
// zero date clears it.
type UserTaskCorrections struct {
	Assignee        *string
	DueDate         *time.Time
	FollowUpDate    *time.Time
	CandidateGroups *[]string
	CandidateUsers  *[]string
	Priority        *int32
}

func attrsOf(ut *store.UserTask) store.UserTaskAttrs {
	return store.UserTaskAttrs{Assignee: ut.Assignee, CandidateGroups: ut.CandidateGroups, CandidateUsers: ut.CandidateUsers,
		DueDate: ut.DueDate, FollowUpDate: ut.FollowUpDate, Priority: ut.Priority}
}

func setAttrs(ut *store.UserTask, a store.UserTaskAttrs) {
	ut.Assignee, ut.CandidateGroups, ut.CandidateUsers = a.Assignee, a.CandidateGroups, a.CandidateUsers
	ut.DueDate, ut.FollowUpDate, ut.Priority = a.DueDate, a.FollowUpDate, a.Priority
}

// hasTaskListeners reports whether the element has listeners of an event.
func hasTaskListeners(in *inst, event string) bool { return len(in.el.TaskListenersOf(event)) > 0 }

// startTaskTransition puts a user task in a transition and runs its first
// listener (the caller checked there is one).
func (w *writer) startTaskTransition(in *inst, ut *store.UserTask, tr *store.TaskTransition) {
	in.rt().Extra().Task = tr
	w.touch(in)
	ut.State = taskEventStates[tr.Event]
	w.st.touch(ut)
	w.nextTaskListener(in, ut)
}

// nextTaskListener creates the job of the transition's next listener, or
// applies the transition when all are done.
func (w *writer) nextTaskListener(in *inst, ut *store.UserTask) {
	rt := in.rt()
	tr := rt.ReadExtra().Task
	ls := in.el.TaskListenersOf(tr.Event)
	if tr.Done >= len(ls) {
		w.finishTaskTransition(in, ut)
		return
	}
	if w.st.jobs[rt.JobKey] != nil {
		return // its job is out already
	}
	if !w.createJobFor(in, &ls[tr.Done].TaskDefinition, JobKindTaskListener, strings.ToUpper(tr.Event)) {
		// An expression failed: resolving the incident runs the whole
		// transition's listeners again.
		tr.Done = 0
		w.touch(in)
		return
	}
	j := w.st.jobs[rt.JobKey]
	h := map[string]string{}
	for k, v := range j.CustomHeaders {
		h[k] = v
	}
	maps := taskHeaders(ut, tr)
	for k, v := range maps {
		h[k] = v
	}
	j.CustomHeaders = h
}

// taskHeaders are the io.camunda.zeebe:* headers through which a listener
// sees the task as the transition would leave it.
func taskHeaders(ut *store.UserTask, tr *store.TaskTransition) map[string]string {
	a := tr.Attrs
	h := map[string]string{
		"io.camunda.zeebe:userTaskKey": strconv.FormatInt(ut.Key, 10),
		"io.camunda.zeebe:priority":    strconv.Itoa(int(a.Priority)),
	}
	if tr.Action != "" {
		h["io.camunda.zeebe:action"] = tr.Action
	}
	putAssignmentHeaders(h, a.Assignee, a.CandidateGroups, a.CandidateUsers, a.DueDate, a.FollowUpDate)
	if ut.FormKey != 0 {
		h["io.camunda.zeebe:formKey"] = strconv.FormatInt(ut.FormKey, 10)
	}
	changed := changedAttributes(ut, a)
	if tr.VariablesChanged {
		changed = append(changed, "variables")
	}
	b, _ := json.Marshal(changed)
	h["io.camunda.zeebe:changedAttributes"] = string(b)
	return h
}

// changedAttributes names the attributes the transition changes.
func changedAttributes(ut *store.UserTask, a store.UserTaskAttrs) []string {
	out := []string{}
	if a.Assignee != ut.Assignee {
		out = append(out, "assignee")
	}
	if !slices.Equal(a.CandidateGroups, ut.CandidateGroups) {
		out = append(out, "candidateGroupsList")
	}
	if !slices.Equal(a.CandidateUsers, ut.CandidateUsers) {
		out = append(out, "candidateUsersList")
	}
	if !a.DueDate.Equal(ut.DueDate) {
		out = append(out, "dueDate")
	}
	if !a.FollowUpDate.Equal(ut.FollowUpDate) {
		out = append(out, "followUpDate")
	}
	if a.Priority != ut.Priority {
		out = append(out, "priority")
	}
	return out
}

// checkTaskListenerResult validates a task listener job's completion.
func checkTaskListenerResult(in *inst, key int64, vars map[string]json.RawMessage, r *UserTaskResult) error {
	if len(vars) > 0 {
		return errorf(CodeInvalidArgument, "Expected to complete task listener job with key '%d' without variables, but variables were given: a task listener's result carries corrections instead", key)
	}
	tr := in.rt().ReadExtra().Task
	if r == nil || tr == nil {
		return nil
	}
	if r.Denied && (tr.Event == taskCreating || tr.Event == taskCanceling) {
		return errorf(CodeInvalidArgument, "Expected to complete task listener job with key '%d' with a denial, but the '%s' transition cannot be denied", key, tr.Event)
	}
	if c := r.Corrections; c != nil {
		if c.Priority != nil && (*c.Priority < 0 || *c.Priority > 100) {
			return errorf(CodeInvalidArgument, "Expected the corrected priority to be in the range [0,100], but was '%d'", *c.Priority)
		}
		if tr.Event == taskCanceling {
			return errorf(CodeInvalidArgument, "Expected to complete task listener job with key '%d' with corrections, but a canceling user task cannot be corrected", key)
		}
	}
	return nil
}

// taskListenerDone goes on after a task listener's job completed: a denial
// ends the transition, corrections are applied to what the task will be.
func (w *writer) taskListenerDone(in *inst, r *UserTaskResult) {
	rt := in.rt()
	tr := rt.ReadExtra().Task
	ut := w.st.userTasks[rt.UserTaskKey]
	if tr == nil || ut == nil {
		return
	}
	if r != nil && r.Denied {
		rt.Extra().Task = nil // tr is not nil
		w.touch(in)
		ut.State = store.UserTaskCreated
		w.st.touch(ut)
		return
	}
	if r != nil && r.Corrections != nil {
		c := r.Corrections
		a := &tr.Attrs
		if c.Assignee != nil && (tr.Event != taskCreating || tr.Assignee == "") {
			a.Assignee = *c.Assignee
			if tr.Event == taskCreating {
				tr.Assignee = *c.Assignee
				a.Assignee = ""
			}
		}
		if c.DueDate != nil {
			a.DueDate = *c.DueDate
		}
		if c.FollowUpDate != nil {
			a.FollowUpDate = *c.FollowUpDate
		}
		if c.CandidateGroups != nil {
			a.CandidateGroups = *c.CandidateGroups
		}
		if c.CandidateUsers != nil {
			a.CandidateUsers = *c.CandidateUsers
		}
		if c.Priority != nil {
			a.Priority = *c.Priority
		}
	}
	tr.Done++
	w.touch(in)
	w.nextTaskListener(in, ut)
}

// finishTaskTransition applies a transition whose listeners are all done.
func (w *writer) finishTaskTransition(in *inst, ut *store.UserTask) {
	rt := in.rt()
	tr := rt.ReadExtra().Task
	if x := rt.ExtraIfSet(); x != nil {
		x.Task = nil
	}
	w.touch(in)
	w.st.touch(ut)
	switch tr.Event {
	case taskCreating:
		setAttrs(ut, tr.Attrs)
		ut.State = store.UserTaskCreated
		w.assignCreated(in, ut, tr.Assignee)
	case taskAssigning, taskUpdating:
		setAttrs(ut, tr.Attrs)
		ut.State = store.UserTaskCreated
		w.applyTaskVariables(in, tr)
	case taskCompleting:
		setAttrs(ut, tr.Attrs)
		w.completeUserTask(in, ut, tr.Variables)
	case taskCanceling:
		ut.State = store.UserTaskCanceled
		delete(w.st.userTasks, ut.Key)
		rt.UserTaskKey = 0
		w.finishTerminate(in)
	}
}

// assignCreated assigns a created task the assignee its process gave it:
// through the assigning listeners when there are any.
func (w *writer) assignCreated(in *inst, ut *store.UserTask, assignee string) {
	if assignee == "" {
		return
	}
	if !hasTaskListeners(in, taskAssigning) {
		ut.Assignee = assignee
		w.st.touch(ut)
		return
	}
	a := attrsOf(ut)
	a.Assignee = assignee
	w.startTaskTransition(in, ut, &store.TaskTransition{Event: taskAssigning, Action: "assign", Attrs: a})
}

// completeUserTask completes a task and leaves its element.
func (w *writer) completeUserTask(in *inst, ut *store.UserTask, vars map[string]json.RawMessage) {
	ut.State = store.UserTaskCompleted
	ut.CompletionDate = w.now
	delete(w.st.userTasks, ut.Key)
	w.st.touch(ut)
	in.rt().UserTaskKey = 0
	w.touch(in)
	w.completeWithVariables(in, vars)
}

// userTaskIdle checks that a task is in no transition.
func userTaskIdle(ut *store.UserTask, verb string) error {
	if ut.State != store.UserTaskCreated {
		return errorf(CodeInvalidState, "Expected to %s user task with key '%d', but it is in state '%s'", verb, ut.Key, ut.State)
	}
	return nil
}
