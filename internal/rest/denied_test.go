package rest_test

import (
	"testing"
)

// A task listener's denial shows on its job in job searches (isDenied,
// deniedReason, as Camunda's REST API has them): filterable and sortable;
// other completed jobs say false, jobs not completed null.
func TestJobSearchShowsTaskListenerDenials(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("tasklisteners.bpmn")
	pi := e.start("reviewed", map[string]any{"owner": ""})
	e.completeListener(e.taskListenerJob("tl-create", "CREATING"), map[string]any{})
	key := e.userTaskOf(pi)["userTaskKey"].(string)
	e.ok(204, "POST", "/v2/user-tasks/"+key+"/assignment", map[string]any{"assignee": "alice"})
	e.completeListener(e.taskListenerJob("tl-assign", "ASSIGNING"), map[string]any{"denied": true, "deniedReason": "alice is away"})
	e.ok(204, "POST", "/v2/user-tasks/"+key+"/completion", map[string]any{})
	e.completeListener(e.taskListenerJob("tl-complete", "COMPLETING"), map[string]any{"denied": true})
	e.ok(204, "POST", "/v2/user-tasks/"+key+"/assignment", map[string]any{"assignee": "bob"})
	pending := e.taskListenerJob("tl-assign", "ASSIGNING") // activated, not completed

	byType := func(filter map[string]any) map[string][]map[string]any {
		t.Helper()
		filter["processInstanceKey"] = pi
		items, _ := e.search("/v2/jobs/search", map[string]any{"filter": filter, "sort": []any{map[string]any{"field": "jobKey"}}})
		out := map[string][]map[string]any{}
		for _, it := range items {
			requireFields(t, it, "isDenied", "deniedReason")
			out[it["type"].(string)] = append(out[it["type"].(string)], it)
		}
		return out
	}
	all := byType(map[string]any{})
	if j := all["tl-assign"]; len(j) != 2 || j[0]["isDenied"] != true || j[0]["deniedReason"] != "alice is away" || j[1]["isDenied"] != nil || j[1]["jobKey"] != pending["jobKey"] {
		t.Fatalf("assigning listener jobs: %v", j)
	}
	if j := all["tl-complete"]; len(j) != 1 || j[0]["isDenied"] != true || j[0]["deniedReason"] != nil {
		t.Fatalf("completing listener job (denied without a reason): %v", j)
	}
	if j := all["tl-create"]; len(j) != 1 || j[0]["isDenied"] != false || j[0]["deniedReason"] != nil {
		t.Fatalf("creating listener job (not denied): %v", j)
	}
	denied := byType(map[string]any{"isDenied": true})
	if len(denied) != 2 || len(denied["tl-assign"]) != 1 || len(denied["tl-complete"]) != 1 {
		t.Fatalf("isDenied=true: %v", denied)
	}
	if notDenied := byType(map[string]any{"isDenied": false}); len(notDenied) != 1 || len(notDenied["tl-create"]) != 1 {
		t.Fatalf("isDenied=false: %v", notDenied)
	}
	if why := byType(map[string]any{"deniedReason": map[string]any{"$like": "*away"}}); len(why) != 1 || len(why["tl-assign"]) != 1 {
		t.Fatalf("deniedReason like: %v", why)
	}
	items, _ := e.search("/v2/jobs/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi},
		"sort": []any{map[string]any{"field": "deniedReason", "order": "DESC"}}, "page": map[string]any{"limit": 1}})
	if items[0]["deniedReason"] != "alice is away" {
		t.Fatalf("sorted by deniedReason: %v", items[0])
	}
}
