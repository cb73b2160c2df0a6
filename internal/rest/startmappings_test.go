package rest_test

import (
	"fmt"
	"net/http"
	"os"
	"slices"
	"testing"
)

// Over REST, a start event's output mappings decide which of a message's,
// signal's or conditional evaluation's variables become process variables
// (Zeebe's event trigger behaviour): the others are variables of the start
// event's scope, as the variable search shows.
func TestStartEventOutputMappingsREST(t *testing.T) {
	e := newEnv(t)
	xml, err := os.ReadFile("../engine/testdata/startmappings.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	if r := e.deployRaw([]string{"startmappings.bpmn"}, map[string][]byte{"startmappings.bpmn": xml}, ""); r.status != http.StatusOK {
		t.Fatalf("deploy: %d %s", r.status, r.body)
	}
	// scopes lists an instance's variables as name=value@process or @start.
	scopes := func(pi string) []string {
		items, _ := e.search("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
		var out []string
		for _, v := range items {
			where := "start"
			if v["scopeKey"] == pi {
				where = "process"
			}
			out = append(out, fmt.Sprintf("%v=%v@%s", v["name"], v["value"], where))
		}
		slices.Sort(out)
		return out
	}
	want := func(pi string, vars ...string) {
		t.Helper()
		slices.Sort(vars)
		if got := scopes(pi); !slices.Equal(got, vars) {
			t.Fatalf("variables of %s:\n got  %v\n want %v", pi, got, vars)
		}
	}

	res := e.ok(200, "POST", "/v2/messages/correlation", map[string]any{"name": "mapped-start", "correlationKey": "r-1",
		"variables": map[string]any{"toolCall": map[string]any{"firstName": "Ada"}, "amount": 4, "secret": "s"}}).obj(t)
	pi := res["processInstanceKey"].(string)
	want(pi, `firstName="Ada"@process`, `order={"doubled":8}@process`,
		`toolCall={"firstName":"Ada"}@start`, `amount=4@start`, `secret="s"@start`)

	e.ok(200, "POST", "/v2/messages/publication", map[string]any{"name": "mapped-start", "correlationKey": "r-2",
		"variables": map[string]any{"toolCall": map[string]any{"firstName": "Grace"}, "amount": 1}})
	job := e.activate("mapped-work", 10)
	if len(job) != 2 {
		t.Fatalf("activated %d jobs, want the two instances'", len(job))
	}
	for _, j := range job {
		if vars := j["variables"].(map[string]any); vars["amount"] != nil || vars["toolCall"] != nil || vars["firstName"] == nil {
			t.Errorf("a job sees %v", vars)
		}
	}

	res = e.ok(200, "POST", "/v2/messages/correlation", map[string]any{"name": "plain-start", "variables": map[string]any{"a": 1}}).obj(t)
	want(res["processInstanceKey"].(string), `a=1@process`)

	e.ok(200, "POST", "/v2/signals/broadcast", map[string]any{"signalName": "mapped-signal", "variables": map[string]any{"level": "low", "noise": 1}})
	sj := e.activate("signal-work", 1)
	if len(sj) != 1 {
		t.Fatalf("the signal started %d instances", len(sj))
	}
	want(sj[0]["processInstanceKey"].(string), `severity="low"@process`, `level="low"@start`, `noise=1@start`)

	cres := e.ok(200, "POST", "/v2/conditionals/evaluation", map[string]any{"variables": map[string]any{"temperature": 40, "room": "lab"}}).obj(t)
	started := cres["processInstances"].([]any)
	if len(started) != 1 {
		t.Fatalf("conditional evaluation started %v", started)
	}
	want(started[0].(map[string]any)["processInstanceKey"].(string), `hot=40@process`, `temperature=40@start`, `room="lab"@start`)
}
