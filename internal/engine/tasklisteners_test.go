package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// taskListenerJob activates the one job of a task listener type and checks
// its kind and event.
func (h *harness) taskListenerJob(typ, event string) ActivatedJob {
	h.t.Helper()
	j := h.job(typ)
	if j.Kind != JobKindTaskListener || j.ListenerEventType != event {
		h.t.Fatalf("job %s: kind %s, listener event %s, want %s %s", typ, j.Kind, j.ListenerEventType, JobKindTaskListener, event)
	}
	return j
}

func (h *harness) completeListener(key int64, r *UserTaskResult) {
	h.t.Helper()
	if err := h.e.CompleteJobWithResult(h.ctx, key, nil, &JobResult{UserTask: r}); err != nil {
		h.t.Fatalf("complete listener job %d: %v", key, err)
	}
}

// task is the one user task of an instance, as stored.
func (h *harness) task(pi int64) *store.UserTask {
	h.t.Helper()
	ts := h.userTasks(pi)
	if len(ts) != 1 {
		h.t.Fatalf("user tasks of %d: %d", pi, len(ts))
	}
	return ts[0]
}

func TestUserTaskListeners(t *testing.T) {
	h := newHarness(t)
	h.deploy("tasklisteners.bpmn")

	t.Run("every transition", func(t *testing.T) {
		pi := h.start("reviewed", map[string]any{"owner": ""})
		if s := h.task(pi).State; s != store.UserTaskCreating {
			t.Fatalf("task %s, want CREATING while its creating listener runs", s)
		}
		j := h.taskListenerJob("tl-create", "CREATING")
		if j.CustomHeaders["io.camunda.zeebe:userTaskKey"] == "" {
			t.Fatalf("headers %v", j.CustomHeaders)
		}
		// Creating can be corrected, not denied.
		if err := h.e.CompleteJobWithResult(h.ctx, j.Key, nil, &JobResult{UserTask: &UserTaskResult{Denied: true}}); CodeOf(err) != CodeInvalidArgument {
			t.Fatalf("denying creation: %v", err)
		}
		p := int32(80)
		h.completeListener(j.Key, &UserTaskResult{Corrections: &UserTaskCorrections{Priority: &p, CandidateGroups: &[]string{"ops"}}})
		ut := h.task(pi)
		if ut.State != store.UserTaskCreated || ut.Priority != 80 || len(ut.CandidateGroups) != 1 {
			t.Fatalf("created task %+v", ut)
		}

		// Assigning, denied: the task stays unassigned.
		if err := h.e.AssignUserTask(h.ctx, ut.Key, "alice", true); err != nil {
			t.Fatal(err)
		}
		if err := h.e.CompleteUserTask(h.ctx, ut.Key, nil); CodeOf(err) != CodeInvalidState {
			t.Fatalf("completing an ASSIGNING task: %v", err)
		}
		j = h.taskListenerJob("tl-assign", "ASSIGNING")
		if j.CustomHeaders["io.camunda.zeebe:assignee"] != "alice" || j.CustomHeaders["io.camunda.zeebe:changedAttributes"] != `["assignee"]` {
			t.Fatalf("assigning headers %v", j.CustomHeaders)
		}
		h.completeListener(j.Key, &UserTaskResult{Denied: true, DeniedReason: "not alice"})
		if ut := h.task(pi); ut.State != store.UserTaskCreated || ut.Assignee != "" {
			t.Fatalf("after a denied assignment: %+v", ut)
		}
		// Assigning, corrected.
		if err := h.e.AssignUserTask(h.ctx, ut.Key, "bob", true); err != nil {
			t.Fatal(err)
		}
		carol := "carol"
		h.completeListener(h.taskListenerJob("tl-assign", "ASSIGNING").Key, &UserTaskResult{Corrections: &UserTaskCorrections{Assignee: &carol}})
		if ut := h.task(pi); ut.Assignee != "carol" {
			t.Fatalf("after a corrected assignment: %+v", ut)
		}
		// Updating.
		p = 10
		if err := h.e.UpdateUserTask(h.ctx, ut.Key, UserTaskChanges{Priority: &p}); err != nil {
			t.Fatal(err)
		}
		if ut := h.task(pi); ut.State != store.UserTaskUpdating || ut.Priority != 80 {
			t.Fatalf("while updating: %+v", ut)
		}
		h.completeListener(h.taskListenerJob("tl-update", "UPDATING").Key, nil)
		if ut := h.task(pi); ut.Priority != 10 {
			t.Fatalf("after updating: %+v", ut)
		}
		// Completing, denied, then allowed; a listener job takes no variables.
		if err := h.e.CompleteUserTask(h.ctx, ut.Key, map[string]any{"approved": true}); err != nil {
			t.Fatal(err)
		}
		j = h.taskListenerJob("tl-complete", "COMPLETING")
		if err := h.e.CompleteJob(h.ctx, j.Key, map[string]any{"x": 1}); CodeOf(err) != CodeInvalidArgument {
			t.Fatalf("a task listener job with variables: %v", err)
		}
		h.completeListener(j.Key, &UserTaskResult{Denied: true})
		h.wantState(pi, store.StateActive)
		if ut := h.task(pi); ut.State != store.UserTaskCreated {
			t.Fatalf("after a denied completion: %+v", ut)
		}
		if err := h.e.CompleteUserTask(h.ctx, ut.Key, map[string]any{"approved": true}); err != nil {
			t.Fatal(err)
		}
		h.completeListener(h.taskListenerJob("tl-complete", "COMPLETING").Key, nil)
		h.wantState(pi, store.StateCompleted)
		if ut := h.task(pi); ut.State != store.UserTaskCompleted {
			t.Fatalf("completed task %+v", ut)
		}
		h.wantVars(pi, map[string]string{"approved": "true"})
	})

	t.Run("assignee from the process", func(t *testing.T) {
		pi := h.start("reviewed", map[string]any{"owner": "dave"})
		h.completeListener(h.taskListenerJob("tl-create", "CREATING").Key, nil)
		if ut := h.task(pi); ut.State != store.UserTaskAssigning || ut.Assignee != "" {
			t.Fatalf("after creating: %+v", ut)
		}
		j := h.taskListenerJob("tl-assign", "ASSIGNING")
		if j.CustomHeaders["io.camunda.zeebe:assignee"] != "dave" {
			t.Fatalf("assigning headers %v", j.CustomHeaders)
		}
		h.completeListener(j.Key, nil)
		if ut := h.task(pi); ut.State != store.UserTaskCreated || ut.Assignee != "dave" {
			t.Fatalf("assigned task %+v", ut)
		}
		if err := h.e.CancelProcessInstance(h.ctx, pi); err != nil {
			t.Fatal(err)
		}
		h.completeListener(h.taskListenerJob("tl-cancel", "CANCELING").Key, nil)
	})

	t.Run("canceling", func(t *testing.T) {
		pi := h.start("reviewed", map[string]any{"owner": ""})
		h.completeListener(h.taskListenerJob("tl-create", "CREATING").Key, nil)
		if err := h.e.CancelProcessInstance(h.ctx, pi); err != nil {
			t.Fatal(err)
		}
		// The instance is terminated once the canceling listener completed.
		h.wantState(pi, store.StateActive)
		if ut := h.task(pi); ut.State != store.UserTaskCanceling {
			t.Fatalf("task %s, want CANCELING", ut.State)
		}
		j := h.taskListenerJob("tl-cancel", "CANCELING")
		if err := h.e.CompleteJobWithResult(h.ctx, j.Key, nil, &JobResult{UserTask: &UserTaskResult{Denied: true}}); CodeOf(err) != CodeInvalidArgument {
			t.Fatalf("denying a cancellation: %v", err)
		}
		h.completeListener(j.Key, nil)
		h.wantState(pi, store.StateTerminated)
		if ut := h.task(pi); ut.State != store.UserTaskCanceled {
			t.Fatalf("task %s, want CANCELED", ut.State)
		}
	})

	t.Run("restart during a transition", func(t *testing.T) {
		pi := h.start("reviewed", map[string]any{"owner": ""})
		h.completeListener(h.taskListenerJob("tl-create", "CREATING").Key, nil)
		ut := h.task(pi)
		if err := h.e.CompleteUserTask(h.ctx, ut.Key, map[string]any{"late": "yes"}); err != nil {
			t.Fatal(err)
		}
		h.restart()
		js := h.jobs("tl-complete", 10)
		if len(js) != 1 {
			t.Fatalf("after a restart the completing listener has %d jobs, want 1", len(js))
		}
		if ut := h.task(pi); ut.State != store.UserTaskCompleting {
			t.Fatalf("after a restart the task is %s", ut.State)
		}
		// Failing the listener's job without retries raises an incident;
		// resolving it lets the transition go on.
		if err := h.e.FailJob(h.ctx, js[0].Key, FailJobRequest{Retries: 0}); err != nil {
			t.Fatal(err)
		}
		inc := h.activeIncident(pi)
		if inc.ErrorType != incTaskListenerNoRetries {
			t.Fatalf("incident %s", inc.ErrorType)
		}
		one := int32(1)
		if err := h.e.UpdateJob(h.ctx, js[0].Key, UpdateJobRequest{Retries: &one}); err != nil {
			t.Fatal(err)
		}
		if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
			t.Fatal(err)
		}
		h.completeListener(h.taskListenerJob("tl-complete", "COMPLETING").Key, nil)
		h.wantState(pi, store.StateCompleted)
		h.wantVars(pi, map[string]string{"late": `"yes"`})
	})
}
