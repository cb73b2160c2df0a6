package worker

import (
	"context"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

type fixture struct {
	t   *testing.T
	ctx context.Context
	eng *engine.Engine
	api cluster.API
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.Close() })
	b, err := os.ReadFile("testdata/connector.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Deploy(ctx, "", []engine.Resource{{Name: "connector.bpmn", Content: b}}); err != nil {
		t.Fatal(err)
	}
	return &fixture{t: t, ctx: ctx, eng: eng, api: cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})}
}

func (f *fixture) start(vars map[string]any) int64 {
	f.t.Helper()
	res, err := f.eng.CreateProcessInstance(f.ctx, engine.CreateInstanceRequest{ProcessID: "connector", Variables: vars})
	if err != nil {
		f.t.Fatal(err)
	}
	return res.ProcessInstanceKey
}

// run starts a worker and returns a function that stops it and waits.
func (f *fixture) run(cfg Config) func() {
	ctx, cancel := context.WithCancel(f.ctx)
	done := make(chan error, 1)
	cfg.Type = "test-connector"
	cfg.PollTimeout = 200 * time.Millisecond
	go func() { done <- Run(ctx, f.api, cfg) }()
	return func() {
		cancel()
		if err := <-done; err != nil {
			f.t.Fatal(err)
		}
	}
}

// waitFor polls the store until cond holds (the worker runs concurrently).
func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (f *fixture) state(pi int64) string {
	p, _, _ := store.Get(f.ctx, f.eng.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, pi)
	if p == nil {
		return ""
	}
	return p.State
}

func (f *fixture) vars(pi int64) map[string]string {
	vs, _ := store.Select(f.ctx, f.eng.Store(), func() *store.Variable { return new(store.Variable) }, "scope_key = ?", pi)
	out := map[string]string{}
	for _, v := range vs {
		out[v.Name] = v.Value
	}
	return out
}

func (f *fixture) job(pi int64) *store.Job {
	js, _ := store.Select(f.ctx, f.eng.Store(), func() *store.Job { return new(store.Job) }, "process_instance_key = ?", pi)
	if len(js) == 0 {
		return nil
	}
	return js[0]
}

func TestConnectorResultAndSecrets(t *testing.T) {
	f := newFixture(t)
	var seen atomic.Value
	conn := Connector(func(ctx context.Context, job *Job, in map[string]any) (any, error) {
		seen.Store(in["auth"])
		return map[string]any{"status": 200, "items": []string{"a", "b"}}, nil
	}, MapSecrets{"API_KEY": "s3cr3t"})
	stop := f.run(Config{Handler: conn, Concurrency: 4})
	defer stop()
	var pis []int64
	for i := 0; i < 10; i++ {
		pis = append(pis, f.start(map[string]any{"auth": "Bearer {{secrets.API_KEY}}"}))
	}
	for _, pi := range pis {
		f.waitFor("completion", func() bool { return f.state(pi) == store.StateCompleted })
		v := f.vars(pi)
		if v["res"] != `{"items":["a","b"],"status":200}` || v["code"] != "200" || v["first"] != `"a"` {
			t.Fatalf("variables: %v", v)
		}
		if strings.Contains(v["auth"], "s3cr3t") {
			t.Fatal("a resolved secret was written to the process")
		}
	}
	if seen.Load() != "Bearer s3cr3t" {
		t.Fatalf("the connector saw %v", seen.Load())
	}
}

func TestConnectorErrorExpressionAndFailures(t *testing.T) {
	f := newFixture(t)
	conn := Connector(func(ctx context.Context, job *Job, in map[string]any) (any, error) {
		switch in["mode"] {
		case "500":
			return map[string]any{"status": 500, "reason": "overloaded"}, nil
		case "retry":
			return nil, errors.New("retry me")
		case "secret":
			return nil, nil
		}
		return nil, errors.New("boom")
	}, MapSecrets{})
	stop := f.run(Config{Handler: conn})
	defer stop()

	// errorExpression turns a 500 response into a BPMN error, caught by the boundary.
	pi := f.start(map[string]any{"mode": "500"})
	f.waitFor("the error boundary", func() bool { return f.state(pi) == store.StateCompleted })
	if v := f.vars(pi); v["reason"] != `"overloaded"` {
		t.Fatalf("error variables: %v", v)
	}
	if j := f.job(pi); j.State != store.JobErrorThrown || j.ErrorCode != "FAILED" || j.ErrorMessage != "server said 500" {
		t.Fatalf("job: %+v", j)
	}

	// jobError sets retries and back-off.
	pi = f.start(map[string]any{"mode": "retry"})
	f.waitFor("the failure", func() bool { j := f.job(pi); return j != nil && j.State == store.JobFailed })
	j := f.job(pi)
	if j.Retries != 5 || j.ErrorMessage != "try again later" || j.RetryAt.Sub(j.LastUpdateTime) != 2*time.Minute {
		t.Fatalf("jobError: %+v", j)
	}

	// A plain error: one retry less, the header's back-off.
	pi = f.start(map[string]any{"mode": "fail"})
	f.waitFor("the failure", func() bool { j := f.job(pi); return j != nil && j.State == store.JobFailed })
	j = f.job(pi)
	if j.Retries != 1 || j.ErrorMessage != "boom" || j.RetryAt.Sub(j.LastUpdateTime) != 30*time.Second {
		t.Fatalf("plain failure: %+v", j)
	}

	// A missing secret fails the job naming the secret.
	pi = f.start(map[string]any{"mode": "secret", "token": "{{secrets.NOPE}}"})
	f.waitFor("the failure", func() bool { j := f.job(pi); return j != nil && j.State == store.JobFailed })
	if j := f.job(pi); !strings.Contains(j.ErrorMessage, "NOPE") {
		t.Fatalf("missing secret: %+v", j)
	}
}

func TestWorkerPanicsAndStops(t *testing.T) {
	f := newFixture(t)
	var calls atomic.Int32
	h := HandlerFunc(func(ctx context.Context, job *Job) (*Completion, error) {
		if calls.Add(1) == 1 {
			panic("bug")
		}
		return &Completion{Variables: map[string]any{"ok": true}}, nil
	})
	stop := f.run(Config{Handler: h})
	pi := f.start(nil)
	f.waitFor("the failure", func() bool { j := f.job(pi); return j != nil && j.State == store.JobFailed })
	if j := f.job(pi); !strings.Contains(j.ErrorMessage, "bug") || j.Retries != 1 {
		t.Fatalf("after the panic: %+v", j)
	}
	// After the header's back-off (30s) the job comes back and the second
	// attempt completes it.
	if err := f.eng.PinClock(f.ctx, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	f.waitFor("completion", func() bool { return f.state(pi) == store.StateCompleted })
	stop() // Run returns once the worker stopped
}

type codedErr struct{ code string }

func (e codedErr) Error() string     { return "coded: " + e.code }
func (e codedErr) ErrorCode() string { return e.code }

func TestWithErrorExpressionTurnsCodesIntoBPMNErrors(t *testing.T) {
	f := newFixture(t)
	// The fixture's task has an errorExpression for jobError and 500s; here
	// the handler fails with a coded error and a header that maps it.
	h := WithErrorExpression(HandlerFunc(func(ctx context.Context, job *Job) (*Completion, error) {
		job.CustomHeaders["errorExpression"] = `=if error.code = "LIMIT" then bpmnError("FAILED", "limit: " + error.message) else null`
		return nil, codedErr{"LIMIT"}
	}))
	stop := f.run(Config{Handler: h})
	defer stop()
	pi := f.start(nil)
	f.waitFor("the error boundary", func() bool { return f.state(pi) == store.StateCompleted })
	if j := f.job(pi); j.State != store.JobErrorThrown || j.ErrorCode != "FAILED" || j.ErrorMessage != "limit: coded: LIMIT" {
		t.Fatalf("job: %+v", j)
	}
}

// TestActivationBackoff: after failed activations a worker waits longer
// each time, up to 10 s, never less than half the step (no tight loop) and
// never the same for every worker (jitter).
func TestActivationBackoff(t *testing.T) {
	low := func() float64 { return 0 }
	high := func() float64 { return 0.999999 }
	cases := []struct {
		n        int
		min, max time.Duration
	}{
		{1, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 200 * time.Millisecond, 400 * time.Millisecond},
		{7, 3200 * time.Millisecond, 6400 * time.Millisecond},
		{8, 5 * time.Second, 10 * time.Second},
		{1000, 5 * time.Second, 10 * time.Second},
	}
	for _, c := range cases {
		lo, hi := activationBackoff(c.n, low), activationBackoff(c.n, high)
		if lo != c.min || hi < c.max-time.Millisecond || hi > c.max {
			t.Errorf("failure %d: waits %v to %v, want %v to %v", c.n, lo, hi, c.min, c.max)
		}
	}
	// Two workers failing together wait differently.
	seen := map[time.Duration]bool{}
	for range 20 {
		seen[activationBackoff(5, rand.Float64)] = true
	}
	if len(seen) < 10 {
		t.Fatalf("20 waits after the 5th failure took only %d values: no jitter", len(seen))
	}
}
