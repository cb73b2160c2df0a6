package rest_test

import (
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/rest"
)

// BenchmarkHostileRequests sends every hostile request of issue 19 (the
// full-size cases of TestHostileRequests: 10,000 $or branches, 100,000 $in
// values, 100,000 variables, a 5 MiB body, ...) once per iteration to a real
// server on a real engine, and reports the slowest answer: the issue asks
// for each within a second, and that is a figure, not a pass/fail timing.
// Each must still be a 400 problem. Run with a small -benchtime:
//
//	go test -run '^$' -bench HostileRequests -benchtime 5x ./internal/rest/
func BenchmarkHostileRequests(b *testing.B) {
	e := newEnvWith(b, rest.Options{})
	e.deploy("service.bpmn")
	cases := hostileCases()
	worst := make([]time.Duration, len(cases))
	b.ResetTimer()
	for b.Loop() {
		for i, tc := range cases {
			start := time.Now()
			r := e.do(tc.method, tc.path, tc.body)
			if d := time.Since(start); d > worst[i] {
				worst[i] = d
			}
			if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), tc.want) {
				b.Fatalf("%s: status %d: %.200s", tc.name, r.status, r.body)
			}
		}
	}
	b.StopTimer()
	order := make([]int, len(cases))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(x, y int) bool { return worst[order[x]] > worst[order[y]] })
	for _, i := range order {
		b.Logf("%-36s slowest %7.1f ms", cases[i].name, float64(worst[i].Microseconds())/1000)
	}
	b.ReportMetric(float64(worst[order[0]].Microseconds())/1000, "slowest-ms")
	b.ReportMetric(float64(len(cases)), "cases")
	// The server is still healthy.
	e.ok(http.StatusOK, "GET", "/v2/topology", nil)
}
