package rest_test

import (
	"encoding/json"
	"slices"
	"testing"
)

// Variables set on a user task's element instance run its "updating" task
// listeners first, as Camunda 8.8 does: the listener sees "variables"
// among the changed attributes, the variables are set once it is done
// (locally or propagated, as asked), a denial discards them, and a task in
// another transition refuses them.
func TestUpdatingListenersOnTaskVariables(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("tasklisteners.bpmn")
	pi := e.start("reviewed", map[string]any{"owner": ""})
	e.completeListener(e.taskListenerJob("tl-create", "CREATING"), map[string]any{})
	ut := e.userTaskOf(pi)
	eik := ut["elementInstanceKey"].(string)
	key := ut["userTaskKey"].(string)

	// Propagated: the update waits for its listener, then reaches the process.
	e.ok(204, "PUT", "/v2/element-instances/"+eik+"/variables", map[string]any{"variables": map[string]any{"note": "first"}})
	if s := e.userTaskOf(pi)["state"]; s != "UPDATING" {
		t.Fatalf("task %v while its updating listener runs", s)
	}
	if items, _ := e.search("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "name": "note"}}); len(items) != 0 {
		t.Fatalf("the variable is set before the updating listener is done: %v", items)
	}
	e.problem(e.do("PUT", "/v2/element-instances/"+eik+"/variables", map[string]any{"variables": map[string]any{"x": 1}}), 409, "INVALID_STATE", "UPDATING")
	j := e.taskListenerJob("tl-update", "UPDATING")
	var changed []string
	if err := json.Unmarshal([]byte(j["customHeaders"].(map[string]any)["io.camunda.zeebe:changedAttributes"].(string)), &changed); err != nil || !slices.Contains(changed, "variables") {
		t.Fatalf("changedAttributes %v (%v)", changed, err)
	}
	e.completeListener(j, map[string]any{})
	if s := e.userTaskOf(pi)["state"]; s != "CREATED" {
		t.Fatalf("task %v after its updating listener", s)
	}
	if v := e.variable(pi, "note"); v != `"first"` {
		t.Fatalf("note = %s, want the propagated variable", v)
	}

	// Denied: the variables are discarded.
	e.ok(204, "PUT", "/v2/element-instances/"+eik+"/variables", map[string]any{"variables": map[string]any{"note": "denied"}})
	e.completeListener(e.taskListenerJob("tl-update", "UPDATING"), map[string]any{"denied": true, "deniedReason": "read-only"})
	if v := e.variable(pi, "note"); v != `"first"` {
		t.Fatalf("note = %s after a denied update", v)
	}

	// Local: set in the task's scope once the listener is done.
	e.ok(204, "PUT", "/v2/element-instances/"+eik+"/variables", map[string]any{"variables": map[string]any{"draft": true}, "local": true})
	e.completeListener(e.taskListenerJob("tl-update", "UPDATING"), map[string]any{})
	items, _ := e.search("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "name": "draft"}})
	if len(items) != 1 || items[0]["scopeKey"] != eik || items[0]["value"] != "true" {
		t.Fatalf("the local variable: %v", items)
	}

	// Variables of the process instance's own scope do not touch the task.
	e.ok(204, "PUT", "/v2/element-instances/"+pi+"/variables", map[string]any{"variables": map[string]any{"other": 1}})
	if s := e.userTaskOf(pi)["state"]; s != "CREATED" {
		t.Fatalf("task %v after variables on the process scope", s)
	}
	e.ok(204, "POST", "/v2/user-tasks/"+key+"/completion", map[string]any{})
	e.completeListener(e.taskListenerJob("tl-complete", "COMPLETING"), map[string]any{})
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("instance %s", s)
	}
}
