package rest_test

import (
	"testing"
)

// TestConditionalListenersCompensationOverHTTP runs one model that uses
// conditional events, execution listeners, user task listeners and
// compensation together, through /v2.
func TestConditionalListenersCompensationOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("combined-all.bpmn")

	register := func(pi string) {
		t.Helper()
		e.completeJob(e.listenerJob("audit-start", "START"), map[string]any{"auditId": 7})
		e.completeJob(e.jobsOf("register")[0], nil)
		e.completeJob(e.listenerJob("audit-end", "END"), map[string]any{"registered": true})
		e.completeListener(e.taskListenerJob("route-review", "CREATING"), map[string]any{"corrections": map[string]any{"assignee": "reviewer"}})
		if ut := e.userTaskOf(pi); ut["assignee"] != "reviewer" || ut["state"] != "CREATED" {
			t.Fatalf("review task %v", ut)
		}
	}

	t.Run("approved and paid", func(t *testing.T) {
		e := e.with(t)
		pi := e.start("claim", nil)
		register(pi)
		e.setVariables(pi, map[string]any{"note": "customer called"}) // non-interrupting conditional event sub-process
		key := e.userTaskOf(pi)["userTaskKey"].(string)
		e.ok(204, "POST", "/v2/user-tasks/"+key+"/completion", map[string]any{"variables": map[string]any{"approved": true}})
		e.completeListener(e.taskListenerJob("validate-review", "COMPLETING"), map[string]any{"denied": true, "deniedReason": "missing receipt"})
		e.ok(204, "POST", "/v2/user-tasks/"+key+"/completion", map[string]any{"variables": map[string]any{"approved": true}})
		e.completeListener(e.taskListenerJob("validate-review", "COMPLETING"), map[string]any{})
		wantElements(t, e.elements(pi), "review:USER_TASK:COMPLETED", "waitPaid:INTERMEDIATE_CATCH_EVENT:ACTIVE", "notes:EVENT_SUB_PROCESS:ACTIVE")
		e.setVariables(pi, map[string]any{"paid": true})
		e.completeJob(e.jobsOf("log-note")[0], nil)
		if s := e.instanceState(pi); s != "COMPLETED" {
			t.Fatalf("instance %s: %s", s, e.elements(pi))
		}
		wantElements(t, e.elements(pi), "done:END_EVENT:COMPLETED", "waitPaid:INTERMEDIATE_CATCH_EVENT:COMPLETED")
		if e.variable(pi, "registered") != "true" || e.variable(pi, "approved") != "true" {
			t.Fatal("variables from the end listener or the task completion are missing")
		}
		if jobs := e.jobsOf("unregister"); len(jobs) != 0 {
			t.Fatalf("compensated without a compensation event: %v", jobs)
		}
	})

	t.Run("withdrawn and compensated", func(t *testing.T) {
		e := e.with(t)
		pi := e.start("claim", nil)
		register(pi)
		e.setVariables(pi, map[string]any{"withdrawn": true}) // interrupting conditional boundary event
		wantElements(t, e.elements(pi), "review:USER_TASK:TERMINATED", "withdrawn:BOUNDARY_EVENT:COMPLETED", "rollback:END_EVENT:ACTIVE")
		jobs := e.jobsOf("unregister")
		if len(jobs) != 1 {
			t.Fatalf("compensation handler jobs: %v", jobs)
		}
		e.completeJob(jobs[0], nil)
		if s := e.instanceState(pi); s != "COMPLETED" {
			t.Fatalf("instance %s: %s", s, e.elements(pi))
		}
		wantElements(t, e.elements(pi), "unregister:SERVICE_TASK:COMPLETED", "rollback:END_EVENT:COMPLETED")
		if s := e.userTaskOf(pi)["state"]; s != "CANCELED" {
			t.Fatalf("review task %v", s)
		}
	})
}
