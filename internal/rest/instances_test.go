package rest_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestProcessInstances(t *testing.T) {
	e := newEnv(t)
	dep := e.deploy("service.bpmn")
	pdKey := dep["deployments"].([]any)[0].(map[string]any)["processDefinition"].(map[string]any)["processDefinitionKey"].(string)

	created := e.ok(200, "POST", "/v2/process-instances", map[string]any{
		"processDefinitionId": "service", "processDefinitionVersion": -1, "variables": map[string]any{"n": 1},
		"awaitCompletion": false, "requestTimeout": 0, "tags": []string{"team:a"}, "businessId": "order-1"}).obj(t)
	requireFields(t, created, "processDefinitionId", "processDefinitionVersion", "tenantId", "variables", "processDefinitionKey", "processInstanceKey", "tags", "businessId")
	if created["processDefinitionKey"] != pdKey || created["businessId"] != "order-1" || fmt.Sprint(created["tags"]) != "[team:a]" {
		t.Errorf("created %v", created)
	}
	byKey := e.ok(200, "POST", "/v2/process-instances", map[string]any{"processDefinitionKey": pdKey}).obj(t)
	if byKey["processDefinitionId"] != "service" {
		t.Errorf("created by key %v", byKey)
	}

	pi := created["processInstanceKey"].(string)
	e.ok(http.StatusNoContent, "POST", "/v2/process-instances/"+byKey["processInstanceKey"].(string)+"/cancellation", nil)
	got := e.ok(200, "GET", "/v2/process-instances/"+pi, nil).obj(t)
	requireFields(t, got, "processDefinitionId", "processDefinitionName", "processDefinitionVersion", "processDefinitionVersionTag",
		"startDate", "endDate", "state", "hasIncident", "tenantId", "processInstanceKey", "processDefinitionKey",
		"parentProcessInstanceKey", "parentElementInstanceKey", "rootProcessInstanceKey", "tags", "businessId")
	if got["state"] != "ACTIVE" || got["endDate"] != nil || got["processDefinitionName"] != "Service" || got["processDefinitionVersionTag"] != "v1" {
		t.Errorf("instance %v", got)
	}

	e.ok(http.StatusNoContent, "POST", "/v2/process-instances/"+pi+"/cancellation", nil)
	got = e.ok(200, "GET", "/v2/process-instances/"+pi, nil).obj(t)
	if got["state"] != "TERMINATED" || got["endDate"] == nil {
		t.Errorf("cancelled instance %v", got)
	}
	e.problem(e.do("POST", "/v2/process-instances/"+pi+"/cancellation", `{}`), 404, "NOT_FOUND", pi)
	e.problem(e.do("GET", "/v2/process-instances/42", nil), 404, "NOT_FOUND", "42")
	e.problem(e.do("POST", "/v2/process-instances", map[string]any{"processDefinitionId": "nope"}), 404, "NOT_FOUND", "nope")
	e.problem(e.do("POST", "/v2/process-instances", map[string]any{}), 400, "INVALID_ARGUMENT", "processDefinitionId")
	e.problem(e.do("POST", "/v2/process-instances", map[string]any{"processDefinitionId": "service", "tags": []string{"1bad"}}), 400, "INVALID_ARGUMENT", "1bad")
	e.problem(e.do("POST", "/v2/process-instances", map[string]any{"processDefinitionId": "service",
		"startInstructions": []any{map[string]any{"elementId": "nowhere"}}}), 400, "INVALID_ARGUMENT", "nowhere")
	// Started before its end event (Camunda's startInstructions): it completes at once.
	atEnd := e.ok(200, "POST", "/v2/process-instances", map[string]any{"processDefinitionId": "service",
		"startInstructions": []any{map[string]any{"elementId": "end"}}}).obj(t)["processInstanceKey"].(string)
	if got := e.ok(200, "GET", "/v2/process-instances/"+atEnd, nil).obj(t); got["state"] != "COMPLETED" {
		t.Errorf("instance started at its end event: %v", got)
	}

	// Awaiting completion: the job is completed by a worker meanwhile.
	done := make(chan response, 1)
	go func() {
		done <- e.do("POST", "/v2/process-instances", map[string]any{"processDefinitionId": "service", "awaitCompletion": true,
			"requestTimeout": 20000, "variables": map[string]any{"in": "x"}, "fetchVariables": []string{"out"}})
	}()
	var jobs []map[string]any
	for range 200 {
		if jobs = e.activate("work", 10); len(jobs) > 0 {
			break
		}
	}
	for _, j := range jobs {
		e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+j["jobKey"].(string)+"/completion", map[string]any{"variables": map[string]any{"out": 7}})
	}
	r := <-done
	if r.status != 200 || !strings.Contains(string(r.body), `"variables":{"out":7}`) {
		t.Errorf("await completion: %d %s", r.status, r.body)
	}
	// And timing out: 504.
	e.problem(e.do("POST", "/v2/process-instances", map[string]any{"processDefinitionId": "service", "awaitCompletion": true, "requestTimeout": 50}),
		504, "DEADLINE_EXCEEDED", "")
}

// instances deploys the service process and starts n instances with
// variables n=i, cancelling the odd ones; it returns their keys in order.
func instances(e *env, n int) []string {
	e.deploy("service.bpmn", "tasks.bpmn")
	var keys []string
	for i := range n {
		tags := []string{"all"}
		if i%3 == 0 {
			tags = append(tags, "third")
		}
		keys = append(keys, e.start("service", map[string]any{"n": i, "name": fmt.Sprintf("item-%02d", i)}, func(b map[string]any) {
			b["tags"] = tags
			if i < 5 {
				b["businessId"] = fmt.Sprintf("biz-%d", i)
			}
		}))
		if i%2 == 1 {
			e.ok(http.StatusNoContent, "POST", "/v2/process-instances/"+keys[i]+"/cancellation", nil)
		}
	}
	return keys
}

func TestSearchOperators(t *testing.T) {
	e := newEnv(t)
	keys := instances(e, 10)
	review := e.start("review", nil)
	even := []string{keys[0], keys[2], keys[4], keys[6], keys[8]}
	odd := []string{keys[1], keys[3], keys[5], keys[7], keys[9]}
	startOf := func(k string) string {
		return e.ok(200, "GET", "/v2/process-instances/"+k, nil).obj(t)["startDate"].(string)
	}
	tests := []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"plain", map[string]any{"processDefinitionId": "review"}, []string{review}},
		{"$eq", map[string]any{"state": map[string]any{"$eq": "ACTIVE"}, "processDefinitionId": "service"}, even},
		{"$neq", map[string]any{"state": map[string]any{"$neq": "ACTIVE"}}, odd},
		{"$in", map[string]any{"processInstanceKey": map[string]any{"$in": []string{keys[1], keys[2], "1"}}}, []string{keys[1], keys[2]}},
		{"$notIn", map[string]any{"processDefinitionId": map[string]any{"$notIn": []string{"service"}}}, []string{review}},
		{"$like", map[string]any{"processDefinitionId": map[string]any{"$like": "rev?ew"}}, []string{review}},
		{"$like no match", map[string]any{"processDefinitionId": map[string]any{"$like": "rev"}}, nil},
		{"$exists true", map[string]any{"businessId": map[string]any{"$exists": true}}, keys[:5]},
		{"$exists false", map[string]any{"businessId": map[string]any{"$exists": false}, "processDefinitionId": "service"}, keys[5:]},
		{"endDate $exists", map[string]any{"endDate": map[string]any{"$exists": true}}, odd},
		{"$gt $lte dates", map[string]any{"startDate": map[string]any{"$gte": startOf(keys[3]), "$lte": startOf(keys[3])}, "processInstanceKey": keys[3]}, []string{keys[3]}},
		{"$lt date", map[string]any{"startDate": map[string]any{"$lt": "2000-01-01T00:00:00Z"}}, nil},
		{"$gt int", map[string]any{"processDefinitionVersion": map[string]any{"$gt": 0, "$lt": 2}, "processDefinitionId": "review"}, []string{review}},
		{"$gte int", map[string]any{"processDefinitionVersion": map[string]any{"$gte": 2}}, nil},
		{"bool", map[string]any{"hasIncident": false, "processDefinitionId": "review"}, []string{review}},
		{"tags", map[string]any{"tags": []string{"all", "third"}}, []string{keys[0], keys[3], keys[6], keys[9]}},
		{"variables", map[string]any{"variables": []any{map[string]any{"name": "n", "value": "4"}}}, []string{keys[4]}},
		{"variables $like", map[string]any{"variables": []any{map[string]any{"name": "name", "value": map[string]any{"$like": `"item-0*"`}}}}, keys},
		{"variables $in", map[string]any{"variables": []any{map[string]any{"name": "n", "value": map[string]any{"$in": []string{"1", "8"}}}}}, []string{keys[1], keys[8]}},
		{"$or", map[string]any{"processDefinitionId": "service", "$or": []any{
			map[string]any{"processInstanceKey": keys[0]}, map[string]any{"variables": []any{map[string]any{"name": "n", "value": "9"}}}}},
			[]string{keys[0], keys[9]}},
		{"$or with top-level", map[string]any{"state": "TERMINATED", "$or": []any{
			map[string]any{"processInstanceKey": keys[0]}, map[string]any{"processInstanceKey": keys[1]}}}, []string{keys[1]}},
		{"element instances", map[string]any{"elementId": "approve", "elementInstanceState": "ACTIVE"}, []string{review}},
		{"batch operation (none kept)", map[string]any{"batchOperationKey": "x"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items, page := e.with(t).search("/v2/process-instances/search", map[string]any{"filter": tc.filter})
			got := keysOf(items, "processInstanceKey")
			want := tc.want
			if want == nil {
				want = []string{}
			}
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if int(page["totalItems"].(float64)) != len(want) {
				t.Errorf("totalItems %v, want %d", page["totalItems"], len(want))
			}
		})
	}
}

func TestSearchSortAndPaging(t *testing.T) {
	e := newEnv(t)
	keys := instances(e, 7)
	desc := slices.Clone(keys)
	slices.Reverse(desc)

	items, page := e.search("/v2/process-instances/search", map[string]any{"sort": []any{map[string]any{"field": "processInstanceKey", "order": "DESC"}}})
	if got := keysOf(items, "processInstanceKey"); !slices.Equal(got, desc) {
		t.Fatalf("DESC %v, want %v", got, desc)
	}
	if page["startCursor"] == nil || page["endCursor"] == nil || page["hasMoreTotalItems"] != false {
		t.Errorf("page %v", page)
	}

	// Offset paging.
	items, page = e.search("/v2/process-instances/search", map[string]any{"page": map[string]any{"from": 2, "limit": 3}})
	if got := keysOf(items, "processInstanceKey"); !slices.Equal(got, keys[2:5]) || page["totalItems"].(float64) != 7 {
		t.Errorf("offset page %v %v", got, page)
	}
	items, _ = e.search("/v2/process-instances/search", map[string]any{"page": map[string]any{"from": 10}})
	if len(items) != 0 {
		t.Errorf("page beyond the end %v", items)
	}

	// Cursor paging forward through everything, sorted by state then key,
	// then backward from the last page.
	sort := []any{map[string]any{"field": "state"}, map[string]any{"field": "processInstanceKey", "order": "DESC"}}
	var all []string
	var pages []map[string]any
	body := map[string]any{"sort": sort, "page": map[string]any{"limit": 3}}
	for range 10 {
		items, page := e.search("/v2/process-instances/search", body)
		if len(items) == 0 {
			if page["endCursor"] != nil {
				t.Errorf("empty page with cursor %v", page)
			}
			break
		}
		all = append(all, keysOf(items, "processInstanceKey")...)
		pages = append(pages, page)
		body = map[string]any{"sort": sort, "page": map[string]any{"limit": 3, "after": page["endCursor"]}}
	}
	want := []string{keys[6], keys[4], keys[2], keys[0], keys[5], keys[3], keys[1]} // ACTIVE < TERMINATED
	if !slices.Equal(all, want) {
		t.Fatalf("forward %v, want %v", all, want)
	}
	if len(pages) != 3 {
		t.Fatalf("pages %d", len(pages))
	}
	items, _ = e.search("/v2/process-instances/search", map[string]any{"sort": sort,
		"page": map[string]any{"limit": 3, "before": pages[2]["startCursor"]}})
	if got := keysOf(items, "processInstanceKey"); !slices.Equal(got, want[3:6]) {
		t.Errorf("backward %v, want %v", got, want[3:6])
	}

	bad := []struct {
		name, body, detail string
	}{
		{"limit 0", `{"page":{"limit":0}}`, "page.limit"},
		{"limit too large", `{"page":{"limit":10001}}`, "page.limit"},
		{"negative from", `{"page":{"from":-1}}`, "page.from"},
		{"from and after", `{"page":{"from":1,"after":"WzFd"}}`, "Only one"},
		{"after and before", `{"page":{"after":"WzFd","before":"WzFd"}}`, "Only one"},
		{"bad cursor", `{"page":{"after":"!!"}}`, "cursor"},
		{"foreign cursor", `{"sort":[{"field":"state"}],"page":{"after":"WzFd"}}`, "cursor"},
		{"unknown sort field", `{"sort":[{"field":"color"}]}`, "color"},
		{"bad order", `{"sort":[{"field":"state","order":"UP"}]}`, "UP"},
		{"bad enum", `{"filter":{"state":"SLEEPING"}}`, "SLEEPING"},
		{"bad enum in $in", `{"filter":{"state":{"$in":["ACTIVE","NAPPING"]}}}`, "NAPPING"},
		{"unknown operator", `{"filter":{"processDefinitionId":{"$gt":"a"}}}`, "$gt"},
		{"unknown filter field", `{"filter":{"color":"red"}}`, "color"},
		{"key filter not a key", `{"filter":{"processInstanceKey":"abc"}}`, `"abc"`},
		{"date filter not a date", `{"filter":{"startDate":{"$gt":"yesterday"}}}`, `"yesterday"`},
		{"$or nested in $or", `{"filter":{"$or":[{"$or":[]}]}}`, "$or"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			e := e.with(t)
			e.problem(e.do("POST", "/v2/process-instances/search", tc.body), 400, "INVALID_ARGUMENT", tc.detail)
		})
	}
}
