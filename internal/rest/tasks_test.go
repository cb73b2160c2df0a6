package rest_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestUserTasks(t *testing.T) {
	e := newEnv(t)
	e.deploy("tasks.bpmn")
	pi := e.start("review", map[string]any{"amount": 12}, func(b map[string]any) { b["tags"] = []string{"vip"} })

	items, page := e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(items) != 1 || page["totalItems"].(float64) != 1 {
		t.Fatalf("tasks %v", items)
	}
	ut := items[0]
	requireFields(t, ut, "name", "state", "assignee", "elementId", "candidateGroups", "candidateUsers", "processDefinitionId",
		"creationDate", "completionDate", "followUpDate", "dueDate", "tenantId", "externalFormReference", "processDefinitionVersion",
		"customHeaders", "priority", "userTaskKey", "elementInstanceKey", "processName", "processDefinitionKey",
		"processInstanceKey", "rootProcessInstanceKey", "formKey", "tags")
	if ut["state"] != "CREATED" || ut["assignee"] != nil || ut["priority"].(float64) != 50 || ut["name"] != "Approve" ||
		ut["customHeaders"].(map[string]any)["kind"] != "review" || len(ut["tags"].([]any)) != 1 {
		t.Errorf("task %v", ut)
	}
	key := ut["userTaskKey"].(string)
	path := "/v2/user-tasks/" + key

	e.ok(http.StatusNoContent, "POST", path+"/assignment", map[string]any{"assignee": "anna"})
	if got := e.ok(200, "GET", path, nil).obj(t); got["assignee"] != "anna" {
		t.Errorf("assigned %v", got)
	}
	e.problem(e.do("POST", path+"/assignment", map[string]any{"assignee": "ben", "allowOverride": false}), 409, "INVALID_STATE", "anna")
	e.problem(e.do("POST", path+"/assignment", map[string]any{}), 400, "INVALID_ARGUMENT", "assignee")
	e.ok(http.StatusNoContent, "POST", path+"/assignment", map[string]any{"assignee": "ben", "allowOverride": true})

	filters := []struct {
		name   string
		filter map[string]any
		want   int
	}{
		{"assignee", map[string]any{"assignee": "ben"}, 1},
		{"assignee $exists false", map[string]any{"assignee": map[string]any{"$exists": false}}, 0},
		{"candidateGroup", map[string]any{"candidateGroup": "managers"}, 1},
		{"candidateGroup $like", map[string]any{"candidateGroup": map[string]any{"$like": "acc*"}}, 1},
		{"candidateUser", map[string]any{"candidateUser": "anyone"}, 0},
		{"state", map[string]any{"state": map[string]any{"$in": []string{"CREATED", "COMPLETED"}}}, 1},
		{"priority", map[string]any{"priority": map[string]any{"$gte": 50}}, 1},
		{"process instance variables", map[string]any{"processInstanceVariables": []any{map[string]any{"name": "amount", "value": "12"}}}, 1},
		{"local variables", map[string]any{"localVariables": []any{map[string]any{"name": "amount", "value": "12"}}}, 0},
		{"tags", map[string]any{"tags": []string{"vip"}}, 1},
		{"tags (other)", map[string]any{"tags": []string{"nobody"}}, 0},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			items, _ := e.with(t).search("/v2/user-tasks/search", map[string]any{"filter": tc.filter})
			if len(items) != tc.want {
				t.Errorf("%d tasks, want %d", len(items), tc.want)
			}
		})
	}

	e.ok(http.StatusNoContent, "PATCH", path, map[string]any{"changeset": map[string]any{"priority": 80, "dueDate": "2030-01-02T03:04:05Z",
		"candidateUsers": []string{"carl"}}})
	got := e.ok(200, "GET", path, nil).obj(t)
	if got["priority"].(float64) != 80 || got["dueDate"] != "2030-01-02T03:04:05Z" || got["candidateUsers"].([]any)[0] != "carl" {
		t.Errorf("updated %v", got)
	}
	e.problem(e.do("PATCH", path, map[string]any{"changeset": map[string]any{"priority": 101}}), 400, "INVALID_ARGUMENT", "priority")
	e.problem(e.do("PATCH", path, map[string]any{"changeset": map[string]any{"dueDate": "tomorrow"}}), 400, "INVALID_ARGUMENT", "tomorrow")
	e.problem(e.do("PATCH", path, nil), 400, "INVALID_ARGUMENT", "changeset")

	e.ok(http.StatusNoContent, "DELETE", path+"/assignee", nil)
	if got := e.ok(200, "GET", path, nil).obj(t); got["assignee"] != nil {
		t.Errorf("unassigned %v", got)
	}

	// Variables of the task's scope: set locally on its element instance.
	eik := ut["elementInstanceKey"].(string)
	e.ok(http.StatusNoContent, "PUT", "/v2/element-instances/"+eik+"/variables", map[string]any{"variables": map[string]any{"draft": "yes"}, "local": true})
	vars, _ := e.search(path+"/variables/search", map[string]any{"filter": map[string]any{"name": map[string]any{"$like": "dr*"}}})
	if len(vars) != 1 || vars[0]["value"] != `"yes"` || vars[0]["isTruncated"] != false {
		t.Errorf("task variables %v", vars)
	}
	// The task sees every enclosing scope. /variables/search lists each
	// scope's variable (a name may repeat); /effective-variables/search, as
	// Camunda documents it, one value per name, the innermost scope winning.
	search := func(kind string) map[string][]string {
		all, _ := e.search(path+"/"+kind+"/search", map[string]any{"sort": []any{map[string]any{"field": "name"}}})
		out := map[string][]string{}
		for _, v := range all {
			out[v["name"].(string)] = append(out[v["name"].(string)], v["value"].(string))
		}
		return out
	}
	if got := search("effective-variables"); len(got["amount"]) != 1 || got["amount"][0] != "12" || got["draft"][0] != `"yes"` {
		t.Errorf("effective task variables through its scopes %v", got)
	}
	e.ok(http.StatusNoContent, "PUT", "/v2/element-instances/"+eik+"/variables", map[string]any{"variables": map[string]any{"amount": 99}, "local": true})
	if got := search("effective-variables"); len(got["amount"]) != 1 || got["amount"][0] != "99" {
		t.Errorf("the task's local amount does not shadow the process's: %v", got)
	}
	if got := search("variables"); len(got["amount"]) != 2 || len(got["draft"]) != 1 {
		t.Errorf("variables/search should list the amount of both scopes: %v", got)
	}

	e.ok(http.StatusNoContent, "POST", path+"/completion", map[string]any{"variables": map[string]any{"approved": true}})
	got = e.ok(200, "GET", path, nil).obj(t)
	if got["state"] != "COMPLETED" || got["completionDate"] == nil {
		t.Errorf("completed %v", got)
	}
	if pi := e.ok(200, "GET", "/v2/process-instances/"+pi, nil).obj(t); pi["state"] != "COMPLETED" {
		t.Errorf("instance after completion %v", pi)
	}
	e.problem(e.do("POST", path+"/completion", nil), 404, "NOT_FOUND", key)
	e.problem(e.do("GET", "/v2/user-tasks/9", nil), 404, "NOT_FOUND", "9")
	e.problem(e.do("POST", "/v2/user-tasks/x/completion", nil), 400, "INVALID_ARGUMENT", "userTaskKey")
}

func TestElementInstancesAndVariables(t *testing.T) {
	e := newEnv(t)
	e.deploy("service.bpmn")
	pi := e.start("service", map[string]any{"big": strings.Repeat("x", 9000), "small": 1})

	items, _ := e.search("/v2/element-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi},
		"sort": []any{map[string]any{"field": "elementInstanceKey"}}})
	if got := keysOf(items, "elementId"); !slices.Equal(got, []string{"start", "work"}) {
		t.Fatalf("element instances %v (the process scope is not listed)", got)
	}
	requireFields(t, items[1], "processDefinitionId", "startDate", "endDate", "elementId", "elementName", "type", "state",
		"hasIncident", "tenantId", "elementInstanceKey", "processInstanceKey", "rootProcessInstanceKey", "processDefinitionKey", "incidentKey")
	if items[0]["elementName"] != "start" || items[1]["elementName"] != "Do work" || items[1]["type"] != "SERVICE_TASK" || items[1]["state"] != "ACTIVE" {
		t.Errorf("element instances %v", items)
	}
	ek := items[1]["elementInstanceKey"].(string)
	if got := e.ok(200, "GET", "/v2/element-instances/"+ek, nil).obj(t); got["elementId"] != "work" {
		t.Errorf("get %v", got)
	}
	e.problem(e.do("GET", "/v2/element-instances/"+pi, nil), 404, "NOT_FOUND", pi)
	typed, _ := e.search("/v2/element-instances/search", map[string]any{"filter": map[string]any{"type": "START_EVENT", "state": "COMPLETED"}})
	if len(typed) != 1 {
		t.Errorf("by type %v", typed)
	}
	e.problem(e.do("POST", "/v2/element-instances/search", `{"filter":{"type":"ROBOT"}}`), 400, "INVALID_ARGUMENT", "ROBOT")

	// Set variables on the process scope.
	e.ok(http.StatusNoContent, "PUT", "/v2/element-instances/"+pi+"/variables", map[string]any{"variables": map[string]any{"small": 2}})
	e.problem(e.do("PUT", "/v2/element-instances/1/variables", map[string]any{"variables": map[string]any{"a": 1}}), 404, "NOT_FOUND", "1")
	e.problem(e.do("PUT", "/v2/element-instances/"+pi+"/variables", map[string]any{}), 400, "INVALID_ARGUMENT", "variables")

	vars, page := e.search("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi},
		"sort": []any{map[string]any{"field": "name"}}})
	if len(vars) != 2 || page["totalItems"].(float64) != 2 {
		t.Fatalf("variables %v", vars)
	}
	big, small := vars[0], vars[1]
	requireFields(t, big, "name", "value", "tenantId", "variableKey", "scopeKey", "processInstanceKey", "rootProcessInstanceKey", "isTruncated")
	if big["isTruncated"] != true || len(big["value"].(string)) != 8191 || small["value"] != "2" || small["scopeKey"] != pi {
		t.Errorf("variables %v / %v", big["isTruncated"], small)
	}
	full, _ := e.search("/v2/variables/search?truncateValues=false", map[string]any{"filter": map[string]any{"name": "big"}})
	if full[0]["isTruncated"] != false || len(full[0]["value"].(string)) != 9002 {
		t.Errorf("untruncated %v", full[0]["isTruncated"])
	}
	truncated, _ := e.search("/v2/variables/search", map[string]any{"filter": map[string]any{"isTruncated": true}})
	if len(truncated) != 1 {
		t.Errorf("isTruncated filter %d", len(truncated))
	}
	got := e.ok(200, "GET", "/v2/variables/"+big["variableKey"].(string), nil).obj(t)
	if len(got["value"].(string)) != 9002 {
		t.Errorf("get variable is truncated")
	}
	if _, ok := got["isTruncated"]; ok {
		t.Errorf("get variable has isTruncated")
	}
	e.problem(e.do("POST", "/v2/variables/search?truncateValues=maybe", nil), 400, "INVALID_ARGUMENT", "truncateValues")
	e.problem(e.do("GET", "/v2/variables/5", nil), 404, "NOT_FOUND", "5")
}
