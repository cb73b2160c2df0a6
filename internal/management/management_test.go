package management_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/management"
	"github.com/orcabpm/orca/internal/rest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// server is an engine behind the REST API and the management endpoints,
// as orca start wires them, on loopback HTTP.
type server struct {
	t      *testing.T
	faults *storetest.Faults
	health *management.Health
	eng    *engine.Engine
	api    string // REST base URL
	mgmt   string // management base URL
}

// newServer serves the management endpoints first; the engine opens when
// open is called, as in orca start.
func newServer(t *testing.T) *server {
	s := &server{t: t, faults: &storetest.Faults{}, health: management.NewHealth()}
	m := management.NewMetrics()
	mgmt := httptest.NewServer(management.Handler(s.health, m))
	t.Cleanup(mgmt.Close)
	s.mgmt = mgmt.URL
	s.open(m)
	return s
}

func (s *server) open(m *management.Metrics) {
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: s.t.TempDir(), Synchronous: "NORMAL", Observer: m,
		Store: store.Options{WrapWriter: s.faults.Wrap}})
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { eng.Close() })
	s.eng = eng
	m.WatchStore(eng.Store())
	rs := rest.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), rest.Options{})
	api := httptest.NewServer(m.HTTP(rs, rs.Route, nil))
	s.t.Cleanup(api.Close)
	s.api = api.URL
}

func (s *server) get(path string) (int, string) {
	s.t.Helper()
	res, err := http.Get(s.mgmt + path)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func (s *server) wantStatus(path string, code int, status management.Status) map[string]any {
	s.t.Helper()
	got, body := s.get(path)
	var v map[string]any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		s.t.Fatalf("%s: %v: %s", path, err, body)
	}
	if got != code || v["status"] != string(status) {
		s.t.Fatalf("%s: %d %s; want %d with status %s", path, got, body, code, status)
	}
	return v
}

func (s *server) post(path, contentType string, body []byte) (int, []byte) {
	s.t.Helper()
	res, err := http.Post(s.api+path, contentType, bytes.NewReader(body))
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, b
}

func (s *server) postJSON(path string, v any) []byte {
	s.t.Helper()
	b, _ := json.Marshal(v)
	code, out := s.post(path, "application/json", b)
	if code >= 300 {
		s.t.Fatalf("POST %s: %d %s", path, code, out)
	}
	return out
}

func (s *server) deploy(file string) {
	s.t.Helper()
	content, err := os.ReadFile(file)
	if err != nil {
		s.t.Fatal(err)
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("resources", "service.bpmn")
	fw.Write(content)
	mw.Close()
	if code, out := s.post("/v2/deployments", mw.FormDataContentType(), buf.Bytes()); code != 200 {
		s.t.Fatalf("deploy: %d %s", code, out)
	}
}

// Readiness through start-up: not ready while the state loads, ready once
// it is; not ready (and health DOWN-ish: OUT_OF_SERVICE with the error)
// while commits fail, ready again when the storage recovers; liveness UP
// all along.
func TestHealthThroughStartAndStorageFailure(t *testing.T) {
	s := newServer(t)
	v := s.wantStatus(management.PathReadiness, 503, management.StatusOutOfService)
	if c := v["components"].(map[string]any)["readinessState"].(map[string]any); c["details"].(map[string]any)["state"] != "loading" {
		t.Fatalf("readiness while starting: %v", v)
	}
	s.wantStatus(management.PathLiveness, 200, management.StatusUp)
	s.wantStatus(management.PathHealth, 503, management.StatusOutOfService)

	s.health.Ready(s.eng.Storage)
	s.wantStatus(management.PathReadiness, 200, management.StatusUp)
	s.wantStatus(management.PathHealth, 200, management.StatusUp)
	s.deploy("../rest/testdata/service.bpmn")

	s.faults.Fail()
	t.Cleanup(s.faults.Heal) // a failed check must not leave the create retrying until the test times out
	done := make(chan []byte, 1)
	go func() {
		b, _ := json.Marshal(map[string]any{"processDefinitionId": "service"})
		_, out := s.post("/v2/process-instances", "application/json", b)
		done <- out
	}()
	// The engine reports the trouble once the failed commit returns, an
	// instant after the fault fired: wait for the report, not the fault.
	waitFor(t, "the failing commit", func() bool { return s.faults.Failed() > 0 && !s.eng.Storage().Healthy })
	s.wantStatus(management.PathReadiness, 503, management.StatusOutOfService)
	s.wantStatus(management.PathLiveness, 200, management.StatusUp)
	h := s.wantStatus(management.PathHealth, 503, management.StatusOutOfService)
	storage := h["components"].(map[string]any)["storage"].(map[string]any)
	if d := storage["details"].(map[string]any); d["error"] == nil || d["failingSince"] == nil {
		t.Fatalf("storage details while failing: %v", storage)
	}
	// The REST API says so too.
	res, err := http.Get(s.api + "/v2/status")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 503 {
		t.Fatalf("/v2/status while the storage fails: %d", res.StatusCode)
	}

	s.faults.Heal()
	if out := <-done; !bytes.Contains(out, []byte("processInstanceKey")) {
		t.Fatalf("the create waiting on the failed commit: %s", out)
	}
	s.wantStatus(management.PathReadiness, 200, management.StatusUp)
	s.wantStatus(management.PathHealth, 200, management.StatusUp)

	s.health.Stopping()
	s.wantStatus(management.PathReadiness, 503, management.StatusOutOfService)
}

// The metrics parse as Prometheus text and move under a bounded load.
func TestMetricsMoveUnderLoad(t *testing.T) {
	s := newServer(t)
	s.health.Ready(s.eng.Storage)
	before := s.scrape()
	s.deploy("../rest/testdata/service.bpmn")
	const n = 40
	for range n {
		s.postJSON("/v2/process-instances", map[string]any{"processDefinitionId": "service"})
	}
	queued := s.scrape()
	if got := value(queued, "orca_jobs_open", map[string]string{"type": "work", "state": "waiting"}); got != n {
		t.Errorf("jobs waiting for a worker: %v, want %d", got, n)
	}
	var act struct {
		Jobs []struct {
			JobKey string `json:"jobKey"`
		} `json:"jobs"`
	}
	out := s.postJSON("/v2/jobs/activation", map[string]any{"type": "work", "maxJobsToActivate": n, "timeout": 60000, "worker": "t"})
	if err := json.Unmarshal(out, &act); err != nil || len(act.Jobs) != n {
		t.Fatalf("activation: %v %s", err, out)
	}
	held := s.scrape()
	if w, a := value(held, "orca_jobs_open", map[string]string{"type": "work", "state": "waiting"}),
		value(held, "orca_jobs_open", map[string]string{"type": "work", "state": "activated"}); w != 0 || a != n {
		t.Errorf("jobs after activation: %v waiting, %v activated; want 0 and %d", w, a, n)
	}
	for _, j := range act.Jobs[:n-1] {
		s.postJSON("/v2/jobs/"+j.JobKey+"/completion", map[string]any{})
	}
	s.postJSON("/v2/jobs/"+act.Jobs[n-1].JobKey+"/failure", map[string]any{"retries": 0, "errorMessage": "boom"})
	s.post("/v2/process-instances/42/cancellation", "application/json", []byte("{}")) // 404

	after := s.scrape()
	delta := func(name string, labels map[string]string) float64 {
		return value(after, name, labels) - value(before, name, labels)
	}
	checks := []struct {
		name   string
		labels map[string]string
		min    float64
		max    float64
	}{
		{"orca_engine_commands_committed_total", nil, 1 + n + 1 + n, 1e9},
		{"orca_engine_batches_committed_total", nil, 1, 1e9},
		{"orca_engine_batch_size_count", nil, 1, 1e9},
		{"orca_engine_commit_duration_seconds_count", nil, 1, 1e9},
		{"orca_process_definitions_deployed_total", nil, 1, 1},
		{"orca_job_events_total", map[string]string{"action": "activated", "type": "work"}, n, n},
		{"orca_job_events_total", map[string]string{"action": "completed", "type": "work"}, n - 1, n - 1},
		{"orca_job_events_total", map[string]string{"action": "failed", "type": "work"}, 1, 1},
		{"orca_incident_events_total", map[string]string{"action": "created", "error_type": "JOB_NO_RETRIES"}, 1, 1},
		{"orca_incidents_active", map[string]string{"error_type": "JOB_NO_RETRIES"}, 1, 1},
		{"orca_element_instances", map[string]string{"type": "PROCESS", "state": "ACTIVE"}, 1, 1},
		{"orca_element_instances", map[string]string{"type": "SERVICE_TASK", "state": "ACTIVE"}, 1, 1},
		{"orca_http_request_duration_seconds_count", map[string]string{"route": "POST /v2/process-instances", "method": "POST", "status": "200"}, n, n},
		{"orca_http_request_duration_seconds_count", map[string]string{"route": "POST /v2/process-instances/{processInstanceKey}/cancellation", "method": "POST", "status": "404"}, 1, 1},
		{"orca_store_size_bytes", nil, 4096, 1e12},
	}
	for _, c := range checks {
		if d := delta(c.name, c.labels); d < c.min || d > c.max {
			t.Errorf("%s%v moved by %v; want %v..%v", c.name, c.labels, d, c.min, c.max)
		}
	}
	if got := value(after, "orca_element_instances", map[string]string{"type": "PROCESS", "state": "COMPLETED"}); got != 0 {
		t.Errorf("finished element instances counted: %v; the gauge counts active ones only", got)
	}
	if got := value(after, "orca_jobs_open", map[string]string{"type": "work"}); got != 0 {
		t.Errorf("open jobs at the end: %v (completed ones and one without retries), want 0", got)
	}
	if value(after, "go_goroutines", nil) <= 0 || value(after, "orca_storage_healthy", nil) != 1 {
		t.Error("runtime metrics or storage health missing")
	}
}

// scrape reads /actuator/prometheus with the Prometheus text parser.
func (s *server) scrape() map[string]*dto.MetricFamily {
	s.t.Helper()
	res, err := http.Get(s.mgmt + management.PathPrometheus)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		s.t.Fatalf("parse the metrics: %v", err)
	}
	return fams
}

// value sums the samples of a metric (a histogram's _count or _sum by
// suffix) whose labels include labels.
func value(fams map[string]*dto.MetricFamily, name string, labels map[string]string) float64 {
	base, part := name, ""
	for _, suf := range []string{"_count", "_sum"} {
		if f, ok := fams[name[:max(0, len(name)-len(suf))]]; ok && len(name) > len(suf) && name[len(name)-len(suf):] == suf && f.GetType() == dto.MetricType_HISTOGRAM {
			base, part = name[:len(name)-len(suf)], suf
		}
	}
	f := fams[base]
	if f == nil {
		return 0
	}
	var sum float64
next:
	for _, m := range f.Metric {
		have := map[string]string{}
		for _, l := range m.Label {
			have[l.GetName()] = l.GetValue()
		}
		for k, v := range labels {
			if have[k] != v {
				continue next
			}
		}
		switch {
		case part == "_count":
			sum += float64(m.GetHistogram().GetSampleCount())
		case part == "_sum":
			sum += m.GetHistogram().GetSampleSum()
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		default:
			panic(fmt.Sprintf("%s: unexpected type", name))
		}
	}
	return sum
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Tool calls through the MCP middleware are counted by tool and outcome,
// calls after the first of a (tool, outcome) as well as the first; past
// the bound on tool names, further names count as "other", and a call
// without a name as "unknown".
func TestMCPToolCallMetrics(t *testing.T) {
	m := management.NewMetrics()
	mgmt := httptest.NewServer(management.Handler(management.NewHealth(), m))
	t.Cleanup(mgmt.Close)
	s := &server{t: t, mgmt: mgmt.URL}
	handle := m.MCP()(func(_ context.Context, method string, req mcp.Request) (mcp.Result, error) {
		p, ok := req.GetParams().(*mcp.CallToolParamsRaw)
		if !ok {
			return &mcp.ListToolsResult{}, nil
		}
		switch p.Name {
		case "failing":
			return &mcp.CallToolResult{IsError: true}, nil
		case "broken":
			return nil, errors.New("broken")
		}
		return &mcp.CallToolResult{}, nil
	})
	call := func(name string) {
		_, _ = handle(context.Background(), "tools/call", &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: name}})
	}
	for range 3 {
		call("getProcessInstance")
		call("failing")
		call("broken")
	}
	call("")
	const names = 250 // past the bound of 200 names: three above, tool000 to tool196
	for range 2 {
		for i := range names {
			call(fmt.Sprintf("tool%03d", i))
		}
	}
	// A method other than tools/call is not a tool call.
	_, _ = handle(context.Background(), "tools/list", &mcp.ListToolsRequest{Params: &mcp.ListToolsParams{}})
	fams := s.scrape()
	const metric = "orca_mcp_tool_call_duration_seconds_count"
	for _, c := range []struct {
		tool, outcome string
		want          float64
	}{
		{"getProcessInstance", "ok", 3},
		{"failing", "tool_error", 3},
		{"broken", "error", 3},
		{"unknown", "ok", 1},
		{"tool000", "ok", 2},
		{"tool196", "ok", 2},
		{"tool197", "", 0},
		{"other", "ok", 2 * (names - 197)},
	} {
		labels := map[string]string{"tool": c.tool}
		if c.outcome != "" {
			labels["outcome"] = c.outcome
		}
		if got := value(fams, metric, labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", metric, labels, got, c.want)
		}
	}
	if got, want := value(fams, metric, nil), float64(9+1+2*names); got != want {
		t.Errorf("tool calls counted: %v, want %v", got, want)
	}
}
