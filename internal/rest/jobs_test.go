package rest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestJobs(t *testing.T) {
	e := newEnv(t)
	e.deploy("service.bpmn")

	// Long polling: the activation waits until a job is created.
	got := make(chan response, 1)
	go func() {
		got <- e.do("POST", "/v2/jobs/activation", map[string]any{"type": "work", "worker": "w1", "timeout": 60000,
			"maxJobsToActivate": 5, "requestTimeout": 0, "tenantIds": []string{"<default>"}})
	}()
	time.Sleep(100 * time.Millisecond)
	pi := e.start("service", map[string]any{"x": 1}, func(b map[string]any) { b["tags"] = []string{"t1"} })
	var act struct {
		Jobs []map[string]any `json:"jobs"`
	}
	select {
	case r := <-got:
		if r.status != 200 {
			t.Fatalf("activation %d %s", r.status, r.body)
		}
		r.json(t, &act)
	case <-time.After(20 * time.Second):
		t.Fatal("long-polling activation did not return")
	}
	if len(act.Jobs) != 1 {
		t.Fatalf("jobs %v", act.Jobs)
	}
	j := act.Jobs[0]
	requireFields(t, j, "type", "processDefinitionId", "processDefinitionVersion", "elementId", "customHeaders", "worker",
		"retries", "deadline", "variables", "tenantId", "jobKey", "processInstanceKey", "processDefinitionKey",
		"elementInstanceKey", "kind", "listenerEventType", "userTask", "tags", "rootProcessInstanceKey")
	if j["processInstanceKey"] != pi || j["worker"] != "w1" || j["kind"] != "BPMN_ELEMENT" || j["variables"].(map[string]any)["x"].(float64) != 1 ||
		j["customHeaders"].(map[string]any)["kind"] != "test" || j["tags"].([]any)[0] != "t1" || j["userTask"] != nil {
		t.Errorf("job %v", j)
	}
	if d := j["deadline"].(float64); d < float64(time.Now().Add(50*time.Second).UnixMilli()) {
		t.Errorf("deadline %v", d)
	}
	key := j["jobKey"].(string)

	// Without long polling, nothing left: an empty list at once.
	if jobs := e.activate("work", 5); len(jobs) != 0 {
		t.Errorf("activated twice: %v", jobs)
	}

	items, _ := e.search("/v2/jobs/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(items) != 1 {
		t.Fatalf("job search %v", items)
	}
	requireFields(t, items[0], "customHeaders", "deadline", "deniedReason", "elementId", "elementInstanceKey", "endTime", "errorCode",
		"errorMessage", "hasFailedWithRetriesLeft", "isDenied", "jobKey", "kind", "listenerEventType", "processDefinitionId",
		"processDefinitionKey", "processInstanceKey", "rootProcessInstanceKey", "retries", "state", "tenantId", "type", "worker",
		"creationTime", "lastUpdateTime")

	e.ok(http.StatusNoContent, "PATCH", "/v2/jobs/"+key, map[string]any{"changeset": map[string]any{"retries": 3, "timeout": 120000}})
	items, _ = e.search("/v2/jobs/search", map[string]any{"filter": map[string]any{"jobKey": key, "retries": map[string]any{"$gte": 3}}})
	if len(items) != 1 || items[0]["state"] != "RETRIES_UPDATED" {
		t.Errorf("updated job %v", items)
	}
	e.problem(e.do("PATCH", "/v2/jobs/"+key, map[string]any{"changeset": map[string]any{}}), 400, "INVALID_ARGUMENT", "changeset")
	e.problem(e.do("PATCH", "/v2/jobs/"+key, map[string]any{"changeset": map[string]any{"retries": 0}}), 400, "INVALID_ARGUMENT", "retries")

	// Fail with retries left: the job comes back.
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+key+"/failure", map[string]any{"retries": 2, "errorMessage": "try again"})
	again := e.activate("work", 1)
	if len(again) != 1 || again[0]["jobKey"] != key || again[0]["retries"].(float64) != 2 {
		t.Fatalf("reactivated %v", again)
	}
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+key+"/completion", map[string]any{"variables": map[string]any{"done": true}})
	if got := e.ok(200, "GET", "/v2/process-instances/"+pi, nil).obj(t); got["state"] != "COMPLETED" {
		t.Errorf("instance %v", got)
	}
	items, _ = e.search("/v2/jobs/search", map[string]any{"filter": map[string]any{"state": "COMPLETED", "worker": "test"}})
	if len(items) != 1 || items[0]["endTime"] == nil {
		t.Errorf("completed job %v", items)
	}
	e.problem(e.do("POST", "/v2/jobs/"+key+"/completion", nil), 404, "NOT_FOUND", key)
	e.problem(e.do("POST", "/v2/jobs/"+key+"/completion", map[string]any{"result": map[string]any{"type": "userTask", "corrections": map[string]any{"bogus": 1}}}),
		400, "INVALID_ARGUMENT", "corrections")
	e.problem(e.do("POST", "/v2/jobs/"+key+"/completion", map[string]any{"result": map[string]any{"type": "userTask"}}), 404, "NOT_FOUND", key)

	// Failing without retries raises an incident; resolving needs retries.
	pi2 := e.start("service", nil)
	k2 := e.activate("work", 1)[0]["jobKey"].(string)
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+k2+"/failure", map[string]any{"retries": 0, "errorMessage": "boom"})
	incs, _ := e.search("/v2/process-instances/"+pi2+"/incidents/search", nil)
	if len(incs) != 1 {
		t.Fatalf("incidents %v", incs)
	}
	inc := incs[0]
	requireFields(t, inc, "processDefinitionId", "errorType", "errorMessage", "elementId", "creationTime", "state", "tenantId",
		"incidentKey", "processDefinitionKey", "processInstanceKey", "rootProcessInstanceKey", "elementInstanceKey", "jobKey")
	if inc["errorType"] != "JOB_NO_RETRIES" || inc["errorMessage"] != "boom" || inc["jobKey"] != k2 || inc["state"] != "ACTIVE" {
		t.Errorf("incident %v", inc)
	}
	ik := inc["incidentKey"].(string)
	if got := e.ok(200, "GET", "/v2/incidents/"+ik, nil).obj(t); got["incidentKey"] != ik {
		t.Errorf("get incident %v", got)
	}
	withIncident, _ := e.search("/v2/process-instances/search", map[string]any{"filter": map[string]any{"hasIncident": true, "errorMessage": "boom"}})
	if len(withIncident) != 1 || withIncident[0]["processInstanceKey"] != pi2 {
		t.Errorf("instances with incidents %v", withIncident)
	}
	byHash, _ := e.search("/v2/process-instances/search", map[string]any{"filter": map[string]any{"incidentErrorHashCode": 3029739}}) // "boom".hashCode()
	if len(byHash) != 1 {
		t.Errorf("instances by error hash code %v", byHash)
	}
	e.problem(e.do("POST", "/v2/incidents/"+ik+"/resolution", nil), 409, "INVALID_STATE", "retries")
	e.ok(http.StatusNoContent, "PATCH", "/v2/jobs/"+k2, map[string]any{"changeset": map[string]any{"retries": 1}})
	e.ok(http.StatusNoContent, "POST", "/v2/incidents/"+ik+"/resolution", map[string]any{"operationReference": 5})
	all, _ := e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"state": "RESOLVED", "errorType": map[string]any{"$in": []string{"JOB_NO_RETRIES"}}}})
	if len(all) != 1 {
		t.Errorf("resolved incidents %v", all)
	}
	e.problem(e.do("POST", "/v2/incidents/search", `{"filter":{"errorType":"OOPS"}}`), 400, "INVALID_ARGUMENT", "OOPS")
	e.problem(e.do("GET", "/v2/incidents/3", nil), 404, "NOT_FOUND", "3")

	// A business error nobody catches: an incident too.
	k3 := e.activate("work", 1)[0]["jobKey"].(string)
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+k3+"/error", map[string]any{"errorCode": "NO_STOCK", "errorMessage": "out"})
	unhandled, _ := e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"errorType": "UNHANDLED_ERROR_EVENT"}})
	if len(unhandled) != 1 || !strings.Contains(unhandled[0]["errorMessage"].(string), "NO_STOCK") {
		t.Errorf("unhandled error incident %v", unhandled)
	}
	e.problem(e.do("POST", "/v2/jobs/"+k3+"/error", map[string]any{}), 400, "INVALID_ARGUMENT", "error code")

	bad := []struct{ body, detail string }{
		{`{"worker":"w","timeout":1000,"maxJobsToActivate":1}`, "type"},
		{`{"type":"work","timeout":1000,"maxJobsToActivate":0}`, "maxJobsToActivate"},
		{`{"type":"work","timeout":"soon","maxJobsToActivate":1}`, "timeout"},
		{`{"type":"work","timeout":1000,"maxJobsToActivate":1,"tenantFilter":"ALL"}`, "ALL"},
	}
	for _, b := range bad {
		e.problem(e.do("POST", "/v2/jobs/activation", b.body), 400, "INVALID_ARGUMENT", b.detail)
	}
}

func TestMessages(t *testing.T) {
	e := newEnv(t)
	e.deploy("tasks.bpmn")
	pi := e.start("payment", map[string]any{"orderId": "o-1"})

	subs, _ := e.search("/v2/message-subscriptions/search", map[string]any{"filter": map[string]any{"messageName": "payment-received"}})
	if len(subs) != 1 {
		t.Fatalf("subscriptions %v", subs)
	}
	requireFields(t, subs[0], "messageSubscriptionKey", "processDefinitionId", "processDefinitionKey", "processInstanceKey",
		"rootProcessInstanceKey", "elementId", "elementInstanceKey", "messageSubscriptionState", "lastUpdatedDate", "messageName",
		"correlationKey", "tenantId")
	if subs[0]["correlationKey"] != "o-1" || subs[0]["messageSubscriptionState"] != "CREATED" || subs[0]["processInstanceKey"] != pi {
		t.Errorf("subscription %v", subs[0])
	}

	e.problem(e.do("POST", "/v2/messages/correlation", map[string]any{"name": "payment-received", "correlationKey": "o-2"}), 404, "NOT_FOUND", "o-2")
	res := e.ok(200, "POST", "/v2/messages/correlation", map[string]any{"name": "payment-received", "correlationKey": "o-1",
		"variables": map[string]any{"paid": true}, "tenantId": "<default>"}).obj(t)
	requireFields(t, res, "tenantId", "messageKey", "processInstanceKey")
	if res["processInstanceKey"] != pi {
		t.Errorf("correlated %v", res)
	}
	if got := e.ok(200, "GET", "/v2/process-instances/"+pi, nil).obj(t); got["state"] != "COMPLETED" {
		t.Errorf("instance %v", got)
	}
	corr, _ := e.search("/v2/message-subscriptions/search", map[string]any{"filter": map[string]any{"messageSubscriptionState": "CORRELATED"}})
	if len(corr) != 1 {
		t.Errorf("correlated subscriptions %v", corr)
	}

	// A published message with a time to live waits for its subscriber.
	pub := e.ok(200, "POST", "/v2/messages/publication", map[string]any{"name": "payment-received", "correlationKey": "o-3",
		"timeToLive": 60000, "messageId": "m-3"}).obj(t)
	requireFields(t, pub, "tenantId", "messageKey")
	e.problem(e.do("POST", "/v2/messages/publication", map[string]any{"name": "payment-received", "correlationKey": "o-3",
		"timeToLive": 60000, "messageId": "m-3"}), 409, "ALREADY_EXISTS", "m-3")
	pi3 := e.start("payment", map[string]any{"orderId": "o-3"})
	if got := e.ok(200, "GET", "/v2/process-instances/"+pi3, nil).obj(t); got["state"] != "COMPLETED" {
		t.Errorf("buffered message not correlated: %v", got)
	}
	e.problem(e.do("POST", "/v2/messages/publication", map[string]any{"correlationKey": "x"}), 400, "INVALID_ARGUMENT", "name")
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		title, detail            string
	}{
		{"unknown field", "POST", "/v2/process-instances", `{"processDefinitionId":"a","color":"red"}`, 400, "INVALID_ARGUMENT", "color"},
		{"unknown nested field", "POST", "/v2/process-instances/search", `{"page":{"size":3}}`, 400, "INVALID_ARGUMENT", "size"},
		{"wrong type", "POST", "/v2/process-instances", `{"processDefinitionId":5}`, 400, "INVALID_ARGUMENT", "processDefinitionId"},
		{"wrong type nested", "POST", "/v2/user-tasks/search", `{"page":{"limit":"ten"}}`, 400, "INVALID_ARGUMENT", "page.limit"},
		{"variables not an object", "POST", "/v2/process-instances", `{"processDefinitionId":"a","variables":[1]}`, 400, "INVALID_ARGUMENT", "variables"},
		{"bad key in body", "POST", "/v2/process-instances", `{"processDefinitionKey":"12x"}`, 400, "INVALID_ARGUMENT", "12x"},
		{"key too large", "GET", "/v2/process-instances/99999999999999999999", "", 400, "INVALID_ARGUMENT", "99999999999999999999"},
		{"negative key text", "GET", "/v2/jobs/-", "", 405, "METHOD_NOT_ALLOWED", "GET"},
		{"invalid JSON", "POST", "/v2/jobs/search", `{"filter":`, 400, "INVALID_ARGUMENT", "JSON"},
		{"not JSON", "POST", "/v2/jobs/search", `hello`, 400, "INVALID_ARGUMENT", "JSON"},
		{"trailing data", "POST", "/v2/jobs/search", `{} {}`, 400, "INVALID_ARGUMENT", "after"},
		{"array body", "POST", "/v2/jobs/search", `[]`, 400, "INVALID_ARGUMENT", "array"},
		{"missing body", "POST", "/v2/messages/publication", ``, 400, "INVALID_ARGUMENT", "missing"},
		{"oversized body", "POST", "/v2/process-instances", `{"processDefinitionId":"a","variables":{"x":"` + strings.Repeat("y", 70<<10) + `"}}`, 400, "INVALID_ARGUMENT", "larger than"},
		{"unknown path", "GET", "/v2/nothing-here", "", 404, "NOT_FOUND", "/v2/nothing-here"},
		{"wrong method", "DELETE", "/v2/process-instances/search", "", 405, "METHOD_NOT_ALLOWED", "DELETE"},
		{"not found key", "POST", "/v2/jobs/77/failure", `{}`, 404, "NOT_FOUND", "77"},
		{"negative retry back-off", "POST", "/v2/jobs/77/failure", `{"retryBackOff":-5}`, 400, "INVALID_ARGUMENT", "back-off"},
		{"huge number", "POST", "/v2/jobs/search", `{"page":{"limit":1e99}}`, 400, "INVALID_ARGUMENT", "limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			var body any
			if tc.body != "" {
				body = tc.body
			}
			e.problem(e.do(tc.method, tc.path, body), tc.status, tc.title, tc.detail)
		})
	}
	// 405 names the allowed methods.
	if r := e.do("DELETE", "/v2/process-instances/search", nil); !strings.Contains(r.header.Get("Allow"), "POST") {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
}
