package rest_test

import (
	"testing"
)

// userTaskOf is the one user task of an instance, as the search shows it.
func (e *env) userTaskOf(pi string) map[string]any {
	e.t.Helper()
	items, _ := e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(items) != 1 {
		e.t.Fatalf("user tasks of %s: %v", pi, items)
	}
	return items[0]
}

// taskListenerJob activates the one job of a type over HTTP and checks it
// is a task listener's of the event.
func (e *env) taskListenerJob(typ, event string) map[string]any {
	e.t.Helper()
	jobs := e.jobsOf(typ)
	if len(jobs) != 1 || jobs[0]["kind"] != "TASK_LISTENER" || jobs[0]["listenerEventType"] != event {
		e.t.Fatalf("jobs of %s: %v", typ, jobs)
	}
	return jobs[0]
}

func (e *env) completeListener(job map[string]any, result map[string]any) {
	e.t.Helper()
	result["type"] = "userTask"
	e.ok(204, "POST", "/v2/jobs/"+job["jobKey"].(string)+"/completion", map[string]any{"result": result})
}

// TestUserTaskListenersOverHTTP drives a user task's listeners through /v2:
// corrections on creating, a denied and a corrected assignment, a denied
// and an allowed completion.
func TestUserTaskListenersOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("tasklisteners.bpmn")
	pi := e.start("reviewed", map[string]any{"owner": ""})
	if s := e.userTaskOf(pi)["state"]; s != "CREATING" {
		t.Fatalf("task %v", s)
	}
	e.completeListener(e.taskListenerJob("tl-create", "CREATING"), map[string]any{"corrections": map[string]any{"priority": 75, "candidateGroups": []string{"ops"}}})
	ut := e.userTaskOf(pi)
	key := ut["userTaskKey"].(string)
	if ut["state"] != "CREATED" || ut["priority"] != float64(75) {
		t.Fatalf("created task %v", ut)
	}

	e.ok(204, "POST", "/v2/user-tasks/"+key+"/assignment", map[string]any{"assignee": "alice"})
	if s := e.userTaskOf(pi)["state"]; s != "ASSIGNING" {
		t.Fatalf("task %v while its assigning listener runs", s)
	}
	e.problem(e.do("POST", "/v2/user-tasks/"+key+"/completion", map[string]any{}), 409, "INVALID_STATE", "ASSIGNING")
	e.completeListener(e.taskListenerJob("tl-assign", "ASSIGNING"), map[string]any{"denied": true, "deniedReason": "no"})
	if ut := e.userTaskOf(pi); ut["state"] != "CREATED" || ut["assignee"] != nil {
		t.Fatalf("after the denied assignment: %v", ut)
	}
	e.ok(204, "POST", "/v2/user-tasks/"+key+"/assignment", map[string]any{"assignee": "bob"})
	e.completeListener(e.taskListenerJob("tl-assign", "ASSIGNING"), map[string]any{"corrections": map[string]any{"assignee": "carol"}})
	if ut := e.userTaskOf(pi); ut["assignee"] != "carol" {
		t.Fatalf("after the corrected assignment: %v", ut)
	}

	e.ok(204, "POST", "/v2/user-tasks/"+key+"/completion", map[string]any{"variables": map[string]any{"approved": true}})
	e.completeListener(e.taskListenerJob("tl-complete", "COMPLETING"), map[string]any{"denied": true})
	if s := e.instanceState(pi); s != "ACTIVE" {
		t.Fatalf("instance %s after the denied completion", s)
	}
	e.ok(204, "POST", "/v2/user-tasks/"+key+"/completion", map[string]any{"variables": map[string]any{"approved": true}})
	e.completeListener(e.taskListenerJob("tl-complete", "COMPLETING"), map[string]any{})
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("instance %s", s)
	}
	if v := e.variable(pi, "approved"); v != "true" {
		t.Fatalf("approved = %s", v)
	}
	if s := e.userTaskOf(pi)["state"]; s != "COMPLETED" {
		t.Fatalf("task %v", s)
	}
}
