package rest_test

import (
	"encoding/json"
	"testing"
)

// activateOne activates one job of a type over HTTP and returns it.
func (e *env) activateOne(typ string) map[string]any {
	e.t.Helper()
	r := e.ok(200, "POST", "/v2/jobs/activation", map[string]any{"type": typ, "worker": "test", "timeout": 60000,
		"maxJobsToActivate": 5, "requestTimeout": -1})
	var act struct {
		Jobs []map[string]any `json:"jobs"`
	}
	r.json(e.t, &act)
	if len(act.Jobs) != 1 {
		e.t.Fatalf("activate %s: %d jobs, want 1: %s", typ, len(act.Jobs), r.body)
	}
	return act.Jobs[0]
}

func jsonText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestAdHocJobWorkerOverHTTP drives an ad-hoc sub-process in job-worker
// mode the way Camunda's AI agent does: two tools in one turn (one a
// sub-flow, task then user task), the collected results in the next job,
// then the final completion; the superseded job answers 404.
func TestAdHocJobWorkerOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deploy("agent.bpmn")
	pi := e.start("http-agent", map[string]any{"question": "lamps?"})

	job := e.activateOne("http-agent")
	if job["kind"] != "AD_HOC_SUB_PROCESS" || job["elementId"] != "agent" {
		t.Fatalf("agent job: %v", job)
	}
	vars := job["variables"].(map[string]any)
	if jsonText(t, vars["toolCallResults"]) != "[]" || vars["adHocSubProcessElements"] == nil {
		t.Fatalf("agent job variables: %v", vars)
	}
	elements := jsonText(t, vars["adHocSubProcessElements"])
	want := `[{"elementId":"search","elementName":"Search","parameters":[{"description":"The query","name":"toolCall.q"}]},` +
		`{"elementId":"draft","elementName":"Draft a reply"}]`
	if elements != want {
		t.Fatalf("adHocSubProcessElements:\n got  %s\n want %s", elements, want)
	}

	// Turn 1: two tools at once.
	e.ok(204, "POST", "/v2/jobs/"+job["jobKey"].(string)+"/completion", map[string]any{
		"variables": map[string]any{"agentContext": map[string]any{"turn": 1}},
		"result": map[string]any{"type": "adHocSubProcess", "activateElements": []map[string]any{
			{"elementId": "search", "variables": map[string]any{"toolCall": map[string]any{"id": "c1", "q": "lamps"}, "toolCallResult": ""}},
			{"elementId": "draft", "variables": map[string]any{"toolCall": map[string]any{"id": "c2"}, "toolCallResult": ""}},
		}},
	})
	search := e.activateOne("http-search")
	if search["variables"].(map[string]any)["q"] != "lamps" {
		t.Fatalf("search job variables: %v", search["variables"])
	}
	e.ok(204, "POST", "/v2/jobs/"+search["jobKey"].(string)+"/completion", map[string]any{"variables": map[string]any{"hits": 3}})

	// The finished tool gives the agent a new job with its result.
	job2 := e.activateOne("http-agent")
	v2 := job2["variables"].(map[string]any)
	if jsonText(t, v2["toolCallResults"]) != `[{"content":3,"id":"c1"}]` || jsonText(t, v2["agentContext"]) != `{"turn":1}` {
		t.Fatalf("second agent job variables: %v", v2)
	}
	if _, leaked := v2["toolCallResult"]; leaked {
		t.Fatal("toolCallResult leaked out of its inner instance")
	}

	// The sub-flow: draft, then a person approves.
	draft := e.activateOne("http-draft")
	e.ok(204, "POST", "/v2/jobs/"+draft["jobKey"].(string)+"/completion", map[string]any{"variables": map[string]any{"text": "Yes, 3."}})
	tasks, _ := e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "state": "CREATED"}})
	if len(tasks) != 1 || tasks[0]["elementId"] != "approve" {
		t.Fatalf("user tasks: %v", tasks)
	}
	e.ok(204, "POST", "/v2/user-tasks/"+tasks[0]["userTaskKey"].(string)+"/completion", map[string]any{})

	// The second job was superseded by a third.
	e.problem(e.do("POST", "/v2/jobs/"+job2["jobKey"].(string)+"/completion", map[string]any{}), 404, "NOT_FOUND", "no such job")
	job3 := e.activateOne("http-agent")
	if got := jsonText(t, job3["variables"].(map[string]any)["toolCallResults"]); got != `[{"content":3,"id":"c1"},{"content":"Yes, 3.","id":"c2"}]` {
		t.Fatalf("third job toolCallResults: %s", got)
	}

	// Bad results change nothing.
	key3 := job3["jobKey"].(string)
	e.problem(e.do("POST", "/v2/jobs/"+key3+"/completion", map[string]any{"result": map[string]any{"type": "adHocSubProcess",
		"activateElements": []map[string]any{{"elementId": "ghost"}}}}), 404, "NOT_FOUND", "[ghost] do not exist")
	e.problem(e.do("POST", "/v2/jobs/"+key3+"/completion", map[string]any{"result": map[string]any{"type": "userTask", "denied": true}}),
		400, "INVALID_ARGUMENT", "task listeners")
	e.problem(e.do("POST", "/v2/jobs/"+key3+"/completion", map[string]any{"result": map[string]any{"type": "adHocSubProcess", "bogus": 1}}),
		400, "INVALID_ARGUMENT", "bogus")

	// The final answer completes the sub-process.
	e.ok(204, "POST", "/v2/jobs/"+key3+"/completion", map[string]any{
		"variables": map[string]any{"agent": map[string]any{"response": "3 lamps"}},
		"result":    map[string]any{"type": "adHocSubProcess", "isCompletionConditionFulfilled": true},
	})
	items, _ := e.search("/v2/element-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "type": "AD_HOC_SUB_PROCESS_INNER_INSTANCE"}})
	if len(items) != 2 || items[0]["elementId"] != "agent#innerInstance" || items[0]["state"] != "COMPLETED" {
		t.Fatalf("inner instances: %v", items)
	}
	jobs, _ := e.search("/v2/jobs/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "kind": "AD_HOC_SUB_PROCESS"}})
	if len(jobs) != 3 {
		t.Fatalf("ad-hoc jobs in search: %d", len(jobs))
	}

	// A signal ends the wait after the sub-process.
	res := e.ok(200, "POST", "/v2/signals/broadcast", map[string]any{"signalName": "stop-all"}).obj(t)
	if res["signalKey"] == "" || res["tenantId"] != "<default>" {
		t.Fatalf("broadcast result: %v", res)
	}
	got := e.ok(200, "GET", "/v2/process-instances/"+pi, nil).obj(t)
	if got["state"] != "COMPLETED" {
		t.Fatalf("instance after the signal: %v", got)
	}
	e.problem(e.do("POST", "/v2/signals/broadcast", map[string]any{}), 400, "INVALID_ARGUMENT", "signalName")
}

func TestAdHocActivationEndpoint(t *testing.T) {
	e := newEnv(t)
	e.deploy("agent.bpmn")
	pi := e.start("http-agent", nil)
	items, _ := e.search("/v2/element-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "elementId": "agent"}})
	if len(items) != 1 {
		t.Fatalf("ad-hoc sub-process instance: %v", items)
	}
	ahsp := items[0]["elementInstanceKey"].(string)
	path := "/v2/element-instances/ad-hoc-activities/" + ahsp + "/activation"
	e.problem(e.do("POST", "/v2/element-instances/ad-hoc-activities/"+pi+"/activation", map[string]any{"elements": []map[string]any{{"elementId": "search"}}}),
		404, "NOT_FOUND", "no such ad-hoc sub-process")
	e.problem(e.do("POST", path, map[string]any{"elements": []map[string]any{{"elementId": "search"}, {"elementId": "search"}}}), 400, "INVALID_ARGUMENT", "duplicate")
	e.problem(e.do("POST", path, map[string]any{"elements": []map[string]any{}}), 400, "INVALID_ARGUMENT", "")
	e.problem(e.do("POST", path, map[string]any{"elements": []map[string]any{{"elementId": "nowhere"}}}), 400, "INVALID_ARGUMENT", "[nowhere] do not exist")
	e.ok(204, "POST", path, map[string]any{"elements": []map[string]any{{"elementId": "search", "variables": map[string]any{"toolCall": map[string]any{"q": "x"}}}}})
	if j := e.activateOne("http-search"); j["variables"].(map[string]any)["q"] != "x" {
		t.Fatalf("activated search job: %v", j["variables"])
	}
}
