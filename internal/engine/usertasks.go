package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/iso8601"
	"github.com/orcabpm/orca/internal/store"
)

// DefaultUserTaskPriority is Camunda's priority of a task that sets none.
const DefaultUserTaskPriority = 50

// userTaskFields are the evaluated zeebe: attributes of a user task.
type userTaskFields struct {
	assignee        string
	candidateGroups []string
	candidateUsers  []string
	dueDate         time.Time
	followUpDate    time.Time
	priority        int32
	externalRef     string
}

func (w *writer) evalUserTask(in *inst, ut *bpmn.UserTaskDefinition) (userTaskFields, error) {
	view := scopeView{st: w.st, scope: in}
	f := userTaskFields{priority: DefaultUserTaskPriority}
	var err error
	if f.assignee, err = w.evalString(ut.Assignee, view, true); err != nil {
		return f, err
	}
	if f.candidateGroups, err = w.evalStringList(ut.CandidateGroups, view); err != nil {
		return f, err
	}
	if f.candidateUsers, err = w.evalStringList(ut.CandidateUsers, view); err != nil {
		return f, err
	}
	if f.dueDate, err = w.evalDate(ut.DueDate, view); err != nil {
		return f, err
	}
	if f.followUpDate, err = w.evalDate(ut.FollowUpDate, view); err != nil {
		return f, err
	}
	if !ut.Priority.IsZero() {
		p, err := w.evalInt(ut.Priority, view)
		if err != nil {
			return f, err
		}
		if p < 0 || p > 100 {
			return f, fmt.Errorf("Expected priority to be in the range [0,100], but was '%d'.", p)
		}
		f.priority = int32(p)
	}
	if f.externalRef, err = w.evalString(ut.ExternalReference, view, false); err != nil {
		return f, err
	}
	return f, nil
}

// evalDate evaluates an optional date-time: empty gives the zero time.
func (w *writer) evalDate(x bpmn.Expression, view scopeView) (time.Time, error) {
	if x.IsZero() {
		return time.Time{}, nil
	}
	v, err := w.evalJSON(x, view)
	if err != nil {
		return time.Time{}, err
	}
	s, ok := v.(string)
	if !ok {
		if v == nil {
			return time.Time{}, nil
		}
		return time.Time{}, fmt.Errorf("Expected result of the expression '%s' to be a date-time, but was '%v'.", x.Raw, v)
	}
	if s == "" {
		return time.Time{}, nil
	}
	t, err := iso8601.ParseDateTime(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("Expected result of the expression '%s' to be a valid date-time, but was '%s'.", x.Raw, s)
	}
	return t, nil
}

// createUserTask makes the task of a Camunda user task element.
func (w *writer) createUserTask(in *inst) bool {
	f, err := w.evalUserTask(in, in.el.UserTask)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	var formKey int64
	if ut := in.el.UserTask; !ut.FormID.IsZero() {
		key, incType, msg := w.linkedForm(in, ut.FormLink)
		if incType != "" {
			w.raise(in, incType, msg, 0)
			return false
		}
		formKey = key
	}
	headers := map[string]string{}
	for _, h := range in.el.Headers {
		headers[h.Key] = h.Value
	}
	root := in.root()
	ut := &store.UserTask{
		Key:                    w.st.newKey(),
		Name:                   in.el.Name,
		State:                  store.UserTaskCreated,
		Assignee:               f.assignee,
		ElementID:              in.el.ID,
		ElementInstanceKey:     in.key(),
		CandidateGroups:        f.candidateGroups,
		CandidateUsers:         f.candidateUsers,
		ProcessID:              in.def.rec.ProcessID,
		ProcessDefinitionKey:   in.def.rec.Key,
		ProcessVersion:         in.def.rec.Version,
		ProcessName:            in.def.proc.Name,
		ProcessInstanceKey:     root.key(),
		RootProcessInstanceKey: root.rec.RootProcessInstanceKey,
		CreationDate:           w.now,
		DueDate:                f.dueDate,
		FollowUpDate:           f.followUpDate,
		ExternalFormReference:  f.externalRef,
		FormKey:                formKey,
		CustomHeaders:          headers,
		Priority:               f.priority,
		TenantID:               in.rec.TenantID,
		Tags:                   root.pi.Tags,
	}
	w.st.userTasks[ut.Key] = ut
	w.st.touch(ut)
	in.rt().UserTaskKey = ut.Key
	w.touch(in)
	switch assignee := ut.Assignee; {
	case hasTaskListeners(in, taskCreating):
		// Created without its assignee: assigning follows creating.
		ut.Assignee = ""
		w.startTaskTransition(in, ut, &store.TaskTransition{Event: taskCreating, Attrs: attrsOf(ut), Assignee: assignee})
	case assignee != "" && hasTaskListeners(in, taskAssigning):
		ut.Assignee = ""
		w.assignCreated(in, ut, assignee)
	}
	return true
}

// jobUserTaskHeaders adds the io.camunda.zeebe:* headers with which Zeebe
// describes a job-worker user task. A form key (custom, or an embedded
// form's "camunda-forms:bpmn:...") is io.camunda.zeebe:formKey as written; a
// linked form (formId) is resolved by its binding type when the job is
// created, and the header holds the deployed form's key, as Zeebe's does.
// It reports false when it raised an incident instead (an expression
// failed, or the linked form is not deployed: FORM_NOT_FOUND).
func (w *writer) jobUserTaskHeaders(in *inst, ut *bpmn.UserTaskDefinition, h map[string]string) bool {
	f, err := w.evalUserTask(in, ut)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	putAssignmentHeaders(h, f.assignee, f.candidateGroups, f.candidateUsers, f.dueDate, f.followUpDate)
	switch {
	case ut.FormKey != "":
		h["io.camunda.zeebe:formKey"] = ut.FormKey
	case !ut.FormID.IsZero():
		key, incType, msg := w.linkedForm(in, ut.FormLink)
		if incType != "" {
			w.raise(in, incType, msg, 0)
			return false
		}
		h["io.camunda.zeebe:formKey"] = strconv.FormatInt(key, 10)
	}
	return true
}

// putAssignmentHeaders sets the io.camunda.zeebe:* headers through which a
// job (a job-worker user task, or a task listener) sees a user task's
// assignment and dates; empty values are left out, as Zeebe leaves them.
func putAssignmentHeaders(h map[string]string, assignee string, groups, users []string, due, followUp time.Time) {
	if assignee != "" {
		h["io.camunda.zeebe:assignee"] = assignee
	}
	if len(groups) > 0 {
		b, _ := json.Marshal(groups)
		h["io.camunda.zeebe:candidateGroups"] = string(b)
	}
	if len(users) > 0 {
		b, _ := json.Marshal(users)
		h["io.camunda.zeebe:candidateUsers"] = string(b)
	}
	if !due.IsZero() {
		h["io.camunda.zeebe:dueDate"] = due.Format(time.RFC3339)
	}
	if !followUp.IsZero() {
		h["io.camunda.zeebe:followUpDate"] = followUp.Format(time.RFC3339)
	}
}

func (w *writer) liveUserTask(key int64, verb string) (*store.UserTask, *inst, error) {
	ut := w.st.userTasks[key]
	if ut == nil {
		return nil, nil, errorf(CodeNotFound, "Expected to %s user task with key '%d', but no such user task was found", verb, key)
	}
	in := w.st.insts[ut.ElementInstanceKey]
	if in == nil {
		return nil, nil, errorf(CodeNotFound, "Expected to %s user task with key '%d', but no such user task was found", verb, key)
	}
	return ut, in, nil
}

// AssignUserTask sets the assignee. Unless allowOverride, a task that has an
// assignee keeps it.
func (e *Engine) AssignUserTask(ctx context.Context, key int64, assignee string, allowOverride bool) error {
	if strings.TrimSpace(assignee) == "" {
		return errorf(CodeInvalidArgument, "Expected an assignee, but it is empty")
	}
	_, err := do(ctx, e, func(w *writer) (struct{}, error) {
		ut, in, err := w.liveUserTask(key, "assign")
		if err != nil {
			return struct{}{}, err
		}
		if err := userTaskIdle(ut, "assign"); err != nil {
			return struct{}{}, err
		}
		if !allowOverride && ut.Assignee != "" && ut.Assignee != assignee {
			return struct{}{}, errorf(CodeInvalidState, "Expected to assign user task with key '%d', but it is already assigned to '%s'", key, ut.Assignee)
		}
		if hasTaskListeners(in, taskAssigning) {
			a := attrsOf(ut)
			a.Assignee = assignee
			w.startTaskTransition(in, ut, &store.TaskTransition{Event: taskAssigning, Action: "assign", Attrs: a})
			return struct{}{}, nil
		}
		ut.Assignee = assignee
		w.st.touch(ut)
		return struct{}{}, nil
	})
	return err
}

// UnassignUserTask removes the assignee.
func (e *Engine) UnassignUserTask(ctx context.Context, key int64) error {
	_, err := do(ctx, e, func(w *writer) (struct{}, error) {
		ut, in, err := w.liveUserTask(key, "unassign")
		if err != nil {
			return struct{}{}, err
		}
		if err := userTaskIdle(ut, "unassign"); err != nil {
			return struct{}{}, err
		}
		if hasTaskListeners(in, taskAssigning) {
			a := attrsOf(ut)
			a.Assignee = ""
			w.startTaskTransition(in, ut, &store.TaskTransition{Event: taskAssigning, Action: "unassign", Attrs: a})
			return struct{}{}, nil
		}
		ut.Assignee = ""
		w.st.touch(ut)
		return struct{}{}, nil
	})
	return err
}

// UserTaskChanges are the attributes an update may change; nil keeps one.
type UserTaskChanges struct {
	DueDate         *time.Time
	FollowUpDate    *time.Time
	CandidateGroups *[]string
	CandidateUsers  *[]string
	Priority        *int32
}

// UpdateUserTask changes a task's dates, candidates or priority.
func (e *Engine) UpdateUserTask(ctx context.Context, key int64, c UserTaskChanges) error {
	if c.Priority != nil && (*c.Priority < 0 || *c.Priority > 100) {
		return errorf(CodeInvalidArgument, "Expected priority to be in the range [0,100], but was '%d'", *c.Priority)
	}
	_, err := do(ctx, e, func(w *writer) (struct{}, error) {
		ut, in, err := w.liveUserTask(key, "update")
		if err != nil {
			return struct{}{}, err
		}
		if err := userTaskIdle(ut, "update"); err != nil {
			return struct{}{}, err
		}
		a := attrsOf(ut)
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
		if hasTaskListeners(in, taskUpdating) {
			w.startTaskTransition(in, ut, &store.TaskTransition{Event: taskUpdating, Action: "update", Attrs: a})
			return struct{}{}, nil
		}
		setAttrs(ut, a)
		w.st.touch(ut)
		return struct{}{}, nil
	})
	return err
}

// CompleteUserTask completes a task with variables and leaves the element.
func (e *Engine) CompleteUserTask(ctx context.Context, key int64, variables map[string]any) error {
	vars, err := encodeVariables(variables)
	if err != nil {
		return err
	}
	_, err = do(ctx, e, func(w *writer) (struct{}, error) {
		ut, in, err := w.liveUserTask(key, "complete")
		if err != nil {
			return struct{}{}, err
		}
		if err := userTaskIdle(ut, "complete"); err != nil {
			return struct{}{}, err
		}
		if hasTaskListeners(in, taskCompleting) {
			w.startTaskTransition(in, ut, &store.TaskTransition{Event: taskCompleting, Action: "complete", Attrs: attrsOf(ut), Variables: vars})
			return struct{}{}, nil
		}
		w.completeUserTask(in, ut, vars)
		return struct{}{}, nil
	})
	return err
}
