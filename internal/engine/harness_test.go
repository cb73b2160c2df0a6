package engine

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// harness drives an engine on a temporary data directory.
type harness struct {
	t   testing.TB
	ctx context.Context
	dir string
	e   *Engine
	// opts are the options the engine opens with (DataDir is set by open).
	opts Options
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	return newHarnessWith(t, Options{})
}

// newHarnessWith opens the engine with opts.
func newHarnessWith(t testing.TB, opts Options) *harness {
	t.Helper()
	h := &harness{t: t, ctx: context.Background(), dir: t.TempDir(), opts: opts}
	h.open()
	t.Cleanup(func() {
		if h.e != nil {
			h.e.Close()
		}
	})
	return h
}

func (h *harness) open() {
	h.t.Helper()
	o := h.opts
	o.DataDir = h.dir
	// Every path the tests take holds to the columns an update writes.
	o.Store.CheckUpdates = true
	e, err := Open(h.ctx, o)
	if err != nil {
		h.t.Fatalf("open engine: %v", err)
	}
	h.e = e
}

// restart closes the engine and opens the same data directory again.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.e.Close(); err != nil {
		h.t.Fatalf("close: %v", err)
	}
	h.e = nil
	h.open()
}

func (h *harness) deploy(files ...string) DeployResult {
	h.t.Helper()
	var rs []Resource
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			h.t.Fatal(err)
		}
		rs = append(rs, Resource{Name: f, Content: b})
	}
	res, err := h.e.Deploy(h.ctx, "", rs)
	if err != nil {
		h.t.Fatalf("deploy %v: %v", files, err)
	}
	return res
}

func (h *harness) start(processID string, vars map[string]any) int64 {
	h.t.Helper()
	res, err := h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessID: processID, Variables: vars})
	if err != nil {
		h.t.Fatalf("create instance of %s: %v", processID, err)
	}
	return res.ProcessInstanceKey
}

// jobs activates up to n jobs of a type without waiting.
func (h *harness) jobs(typ string, n int) []ActivatedJob {
	h.t.Helper()
	jobs, err := h.e.ActivateJobs(h.ctx, ActivateJobsRequest{Type: typ, Worker: "test", Timeout: time.Minute, MaxJobs: n, RequestTimeout: -1})
	if err != nil {
		h.t.Fatalf("activate %s: %v", typ, err)
	}
	return jobs
}

// job activates exactly one job of a type.
func (h *harness) job(typ string) ActivatedJob {
	h.t.Helper()
	js := h.jobs(typ, 10)
	if len(js) != 1 {
		h.t.Fatalf("activate %s: got %d jobs, want 1", typ, len(js))
	}
	return js[0]
}

func (h *harness) complete(key int64, vars map[string]any) {
	h.t.Helper()
	if err := h.e.CompleteJob(h.ctx, key, vars); err != nil {
		h.t.Fatalf("complete job %d: %v", key, err)
	}
}

func (h *harness) instance(key int64) *store.ProcessInstance {
	h.t.Helper()
	pi, ok, err := store.Get(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, key)
	if err != nil || !ok {
		h.t.Fatalf("process instance %d: found=%v err=%v", key, ok, err)
	}
	return pi
}

func (h *harness) wantState(pi int64, state string) {
	h.t.Helper()
	if got := h.instance(pi).State; got != state {
		h.t.Fatalf("process instance %d is %s, want %s; elements: %v", pi, got, state, h.elementStates(pi))
	}
}

// elementStates maps "elementId" to the states of its instances in order.
func (h *harness) elementStates(pi int64) map[string][]string {
	h.t.Helper()
	eis, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) },
		"process_instance_key = ? AND type != 'PROCESS' ORDER BY key", pi)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string][]string{}
	for _, ei := range eis {
		out[ei.ElementID] = append(out[ei.ElementID], ei.State)
	}
	return out
}

func (h *harness) wantElements(pi int64, want map[string][]string) {
	h.t.Helper()
	got := h.elementStates(pi)
	if len(got) != len(want) {
		h.t.Fatalf("elements of %d:\n got  %v\n want %v", pi, got, want)
	}
	for id, states := range want {
		g := got[id]
		if len(g) != len(states) {
			h.t.Fatalf("element %s of %d: got %v, want %v (all: %v)", id, pi, g, states, got)
		}
		for i := range states {
			if g[i] != states[i] {
				h.t.Fatalf("element %s of %d: got %v, want %v (all: %v)", id, pi, g, states, got)
			}
		}
	}
}

// vars returns the variables of one scope as JSON texts.
func (h *harness) vars(scope int64) map[string]string {
	h.t.Helper()
	vs, err := store.Select(h.ctx, h.e.Store(), func() *store.Variable { return new(store.Variable) }, "scope_key = ?", scope)
	if err != nil {
		h.t.Fatal(err)
	}
	out := map[string]string{}
	for _, v := range vs {
		out[v.Name] = v.Value
	}
	return out
}

func (h *harness) wantVars(scope int64, want map[string]string) {
	h.t.Helper()
	got := h.vars(scope)
	for k, v := range want {
		if got[k] != v {
			h.t.Fatalf("variable %s of scope %d = %q, want %q (all: %v)", k, scope, got[k], v, got)
		}
	}
}

func (h *harness) incidents(pi int64) []*store.Incident {
	h.t.Helper()
	is, err := store.Select(h.ctx, h.e.Store(), func() *store.Incident { return new(store.Incident) }, "process_instance_key = ? ORDER BY key", pi)
	if err != nil {
		h.t.Fatal(err)
	}
	return is
}

func (h *harness) activeIncident(pi int64) *store.Incident {
	h.t.Helper()
	var active []*store.Incident
	for _, i := range h.incidents(pi) {
		if i.State == store.IncidentActive {
			active = append(active, i)
		}
	}
	if len(active) != 1 {
		h.t.Fatalf("instance %d: %d active incidents, want 1 (elements %v)", pi, len(active), h.elementStates(pi))
	}
	return active[0]
}

func (h *harness) userTasks(pi int64) []*store.UserTask {
	h.t.Helper()
	ts, err := store.Select(h.ctx, h.e.Store(), func() *store.UserTask { return new(store.UserTask) }, "process_instance_key = ? ORDER BY key", pi)
	if err != nil {
		h.t.Fatal(err)
	}
	return ts
}

func (h *harness) jobRecord(key int64) *store.Job {
	h.t.Helper()
	j, ok, err := store.Get(h.ctx, h.e.Store(), func() *store.Job { return new(store.Job) }, key)
	if err != nil || !ok {
		h.t.Fatalf("job %d: found=%v err=%v", key, ok, err)
	}
	return j
}

func wantCode(t testing.TB, err error, code Code) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if got := CodeOf(err); got != code {
		t.Fatalf("got %s (%v), want %s", got, err, code)
	}
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// pin sets the engine's clock; what is due has fired when it returns.
func (h *harness) pin(t time.Time) {
	h.t.Helper()
	if err := h.e.PinClock(h.ctx, t); err != nil {
		h.t.Fatalf("pin clock: %v", err)
	}
}
