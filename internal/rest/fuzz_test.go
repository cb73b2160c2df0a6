package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/rest"
)

// fuzzPaths are the JSON endpoints FuzzDecode posts to.
var fuzzPaths = []string{
	"/v2/process-instances",
	"/v2/process-instances/search",
	"/v2/variables/search",
	"/v2/incidents/search",
	"/v2/user-tasks/search",
	"/v2/jobs/activation",
	"/v2/messages/publication",
	"/v2/signals/broadcast",
	"/v2/element-instances/search",
}

// FuzzDecode posts arbitrary bodies to the JSON endpoints of a real server
// on a real engine: every answer is a JSON result or a 4xx problem, never a
// 5xx or a hang, and the server keeps answering. The seeds are the hostile
// requests of issue 19 (scaled down to keep go test quick) and ordinary ones.
func FuzzDecode(f *testing.F) {
	e := newEnvWith(f, rest.Options{})
	e.deploy("service.bpmn")
	j := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	or := make([]map[string]any, 200)
	for i := range or {
		or[i] = map[string]any{"processDefinitionId": fmt.Sprint("p", i)}
	}
	in := make([]string, 2000)
	for i := range in {
		in[i] = fmt.Sprint("p", i)
	}
	vars := map[string]int{}
	for i := range 10_001 {
		vars[fmt.Sprint("v", i)] = i
	}
	seeds := []struct {
		path int
		body string
	}{
		{0, `{"processDefinitionId":"service","variables":{"a":1,"b":"<x>&"}}`},
		{0, `{"processDefinitionId":"service","processDefinitionVersion":-5}`},
		{0, `{"processDefinitionId":"service","processDefinitionId":"other"}`},
		{0, j(map[string]any{"processDefinitionId": "service", "variables": vars})},
		{0, `{"processDefinitionId":"service","variables":{"a":{"x":1,"x":2}}}`},
		{0, `{"processDefinitionKey":"-1"}`},
		{0, `[]`},
		{0, `null`},
		{0, `{"processDefinitionId":"service"} trailing`},
		{1, j(map[string]any{"filter": map[string]any{"$or": or}})},
		{1, j(map[string]any{"filter": map[string]any{"processDefinitionId": map[string]any{"$in": in}}})},
		{1, `{"filter":{"variables":[{"name":"a","value":"1"}]},"sort":[{"field":"startDate","order":"DESC"}],"page":{"limit":1}}`},
		{1, `{"page":{"limit":100000}}`},
		{1, `{"page":{"after":"bogus"}}`},
		{1, `{"filter":{"startDate":{"$gt":"not a date"}}}`},
		{2, `{"filter":{"value":{"$like":"*<*"}}}`},
		{3, `{"filter":{"errorType":"<b>&"}}`},
		{5, `{"type":"work","worker":"w","timeout":1000,"maxJobsToActivate":1,"requestTimeout":-1}`},
		{5, `{"type":"work","maxJobsToActivate":-1}`},
		{6, `{"name":"m","correlationKey":"k","timeToLive":-1}`},
		{7, `{"signalName":""}`},
		{8, `{"filter":{"$or":[]}}`},
	}
	for _, s := range seeds {
		f.Add(uint8(s.path), []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, path uint8, body []byte) {
		p := fuzzPaths[int(path)%len(fuzzPaths)]
		if p == "/v2/jobs/activation" {
			// A long poll would make each input wait: ask for no wait.
			var m map[string]any
			if json.Unmarshal(body, &m) == nil && m != nil {
				m["requestTimeout"] = -1
				body, _ = json.Marshal(m)
			}
		}
		r := e.with(t).do("POST", p, body)
		switch {
		case r.status >= 500:
			t.Fatalf("POST %s %q: %d %s", p, body, r.status, r.body)
		case r.status >= 400:
			if r.header.Get("Content-Type") != rest.ContentTypeProblem {
				t.Fatalf("POST %s %q: %d without a problem: %s", p, body, r.status, r.body)
			}
		case r.status == 200 && !json.Valid(r.body):
			t.Fatalf("POST %s %q: 200 with no JSON: %s", p, body, r.body)
		}
		if r.status < 400 && strings.Contains(string(r.body), `\u003c`) {
			t.Fatalf("POST %s: HTML escaping in %s", p, r.body)
		}
	})
	_ = http.StatusOK
}
