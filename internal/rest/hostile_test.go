package rest_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/rest"
)

// hostileCases are requests from the bounded fuzz run of issue 19, and the
// documented limits each must hit: each is answered with a 400 problem that
// names the limit, and the server stays healthy. They seed FuzzDecode too.
func hostileCases() []struct{ name, method, path, body, want string } {
	or := make([]map[string]any, 10_000)
	for i := range or {
		or[i] = map[string]any{"processDefinitionId": fmt.Sprint("p", i)}
	}
	in := make([]string, 100_000)
	for i := range in {
		in[i] = fmt.Sprint("p", i)
	}
	vars := map[string]int{}
	for i := range 100_000 {
		vars[fmt.Sprint("v", i)] = i
	}
	varFilters := make([]map[string]any, 6000)
	for i := range varFilters {
		varFilters[i] = map[string]any{"name": fmt.Sprint("v", i), "value": "1"}
	}
	j := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	return []struct{ name, method, path, body, want string }{
		{"10,000 $or branches", "POST", "/v2/process-instances/search", j(map[string]any{"filter": map[string]any{"$or": or}}), "maxOrBranches"},
		{"100,000 $in values", "POST", "/v2/process-instances/search", j(map[string]any{"filter": map[string]any{"processDefinitionId": map[string]any{"$in": in}}}), "maxInValues"},
		{"6,000 variable filters", "POST", "/v2/process-instances/search", j(map[string]any{"filter": map[string]any{"variables": varFilters}}), "maxFilterTerms"},
		{"a page of 100,000", "POST", "/v2/process-instances/search", `{"page":{"limit":100000}}`, "page.limit"},
		{"100,000 variables", "POST", "/v2/process-instances", j(map[string]any{"processDefinitionId": "service", "variables": vars}), "maxVariablesPerCommand"},
		{"negative processDefinitionVersion", "POST", "/v2/process-instances", `{"processDefinitionId":"service","processDefinitionVersion":-5}`, "processDefinitionVersion"},
		{"duplicate keys", "POST", "/v2/process-instances", `{"processDefinitionId":"service","processDefinitionId":"other"}`, "'processDefinitionId' appears twice"},
		{"duplicate keys in a variable", "POST", "/v2/process-instances", `{"processDefinitionId":"service","variables":{"a":{"x":1,"x":2}}}`, "'x' appears twice"},
		{"a body too large", "POST", "/v2/process-instances", `{"processDefinitionId":"service","variables":{"a":"` + strings.Repeat("x", 5<<20) + `"}}`, "4194304"},
	}
}

// TestHostileRequests: each hostile request is a 400 problem naming the
// limit it broke, and the server answers normally afterwards.
func TestHostileRequests(t *testing.T) {
	e := newEnvWith(t, rest.Options{})
	e.deploy("service.bpmn")
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			r := e.with(t).do(tc.method, tc.path, tc.body)
			took := time.Since(start)
			if r.status != http.StatusBadRequest || r.header.Get("Content-Type") != rest.ContentTypeProblem || !strings.Contains(string(r.body), tc.want) {
				t.Fatalf("status %d: %.300s; want a 400 problem naming %q", r.status, r.body, tc.want)
			}
			t.Logf("answered in %s", took)
		})
	}
	e.ok(http.StatusOK, "GET", "/v2/topology", nil)
	e.start("service", map[string]any{"ok": true})
}
