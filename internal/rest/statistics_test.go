package rest_test

import (
	"net/http"
	"testing"
)

// POST /v2/process-definitions/{key}/statistics/element-instances counts a
// definition's element instances per element, as Operate shows them on the
// diagram: active, with an incident, completed, canceled.
func TestProcessDefinitionElementStatistics(t *testing.T) {
	e := newEnv(t)
	dep := e.deploy("service.bpmn")
	pd := dep["deployments"].([]any)[0].(map[string]any)["processDefinition"].(map[string]any)["processDefinitionKey"].(string)
	stats := func(body any) map[string][4]float64 {
		t.Helper()
		res := e.ok(200, "POST", "/v2/process-definitions/"+pd+"/statistics/element-instances", body).obj(t)
		out := map[string][4]float64{}
		for _, it := range res["items"].([]any) {
			m := it.(map[string]any)
			requireFields(t, m, "elementId", "active", "canceled", "incidents", "completed")
			out[m["elementId"].(string)] = [4]float64{m["active"].(float64), m["incidents"].(float64), m["completed"].(float64), m["canceled"].(float64)}
		}
		return out
	}
	if got := stats(nil); len(got) != 0 {
		t.Fatalf("no instances yet: %v", got)
	}

	// Four instances: one completes, one fails without retries (incident),
	// one is cancelled, one waits at the task.
	pis := []string{e.start("service", nil), e.start("service", nil), e.start("service", nil), e.start("service", map[string]any{"keep": true})}
	jobs := e.activate("work", 3)
	if len(jobs) != 3 {
		t.Fatalf("jobs: %v", jobs)
	}
	byPI := map[string]map[string]any{}
	for _, j := range jobs {
		byPI[j["processInstanceKey"].(string)] = j
	}
	e.completeJob(byPI[pis[0]], nil)
	e.ok(204, "POST", "/v2/jobs/"+byPI[pis[1]]["jobKey"].(string)+"/failure", map[string]any{"retries": 0, "errorMessage": "boom"})
	e.ok(204, "POST", "/v2/process-instances/"+pis[2]+"/cancellation", nil)
	e.waitIncident(pis[1])

	want := map[string][4]float64{ // active, incidents, completed, canceled
		"start": {0, 0, 4, 0},
		"work":  {1, 1, 1, 1},
		"end":   {0, 0, 1, 0},
	}
	if got := stats(map[string]any{}); !equalStats(got, want) {
		t.Fatalf("statistics: %v, want %v", got, want)
	}
	// The filter selects the instances counted over.
	if got := stats(map[string]any{"filter": map[string]any{"state": "ACTIVE"}}); !equalStats(got, map[string][4]float64{
		"start": {0, 0, 2, 0}, "work": {1, 1, 0, 0}}) {
		t.Fatalf("active instances' statistics: %v", got)
	}
	if got := stats(map[string]any{"filter": map[string]any{"$or": []any{map[string]any{"processInstanceKey": pis[0]}, map[string]any{"hasIncident": true}}}}); !equalStats(got, map[string][4]float64{
		"start": {0, 0, 2, 0}, "work": {0, 1, 1, 0}, "end": {0, 0, 1, 0}}) {
		t.Fatalf("$or statistics: %v", got)
	}
	// Errors are problem details.
	e.problem(e.do("POST", "/v2/process-definitions/1/statistics/element-instances", map[string]any{}), http.StatusNotFound, "NOT_FOUND", "")
	e.problem(e.do("POST", "/v2/process-definitions/"+pd+"/statistics/element-instances", map[string]any{"filter": map[string]any{"state": "NOPE"}}), http.StatusBadRequest, "INVALID_ARGUMENT", "")
}

func equalStats(a, b map[string][4]float64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}
