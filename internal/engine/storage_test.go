package engine

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// recorder is an Observer that keeps what it hears.
type recorder struct {
	mu        sync.Mutex
	commits   []Commit
	failures  int
	recovered int
}

func (r *recorder) Committed(c Commit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.commits = append(r.commits, c)
}

func (r *recorder) StorageFailed(error, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures++
}

func (r *recorder) StorageRecovered(time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recovered++
}

func (r *recorder) events(kind EventKind) []Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Event
	for _, c := range r.commits {
		for _, ev := range c.Events {
			if ev.Kind == kind {
				out = append(out, ev)
			}
		}
	}
	return out
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

// A commit that fails (a full disk) is retried until the disk recovers: the
// command in the failing batch is acknowledged once, when it is durable;
// meanwhile the engine reports the failure and refuses new commands as
// UNAVAILABLE; afterwards it works on without a restart.
func TestStorageFailureHeals(t *testing.T) {
	var faults storetest.Faults
	rec := &recorder{}
	dir := t.TempDir()
	e, err := Open(context.Background(), Options{DataDir: dir, Observer: rec, Store: store.Options{WrapWriter: faults.Wrap}})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, ctx: context.Background(), dir: dir, e: e}
	t.Cleanup(func() {
		if h.e != nil {
			h.e.Close()
		}
	})
	h.deploy("order.bpmn")
	if evs := rec.events(EventDeployed); len(evs) != 1 || evs[0].ProcessID != "order" || evs[0].Version != 1 {
		t.Fatalf("deployment events %+v", evs)
	}
	vars := map[string]any{"order": map[string]any{"total": 5}}
	before := h.start("order", vars)

	faults.Fail()
	type result struct {
		key int64
		err error
	}
	pending := make(chan result, 1)
	go func() {
		res, err := e.CreateProcessInstance(context.Background(), CreateInstanceRequest{ProcessID: "order", Variables: vars})
		pending <- result{res.ProcessInstanceKey, err}
	}()
	waitFor(t, "the storage to be reported failing", func() bool { return !e.Storage().Healthy })
	waitFor(t, "a few retries", func() bool { return faults.Failed() >= 3 })
	select {
	case r := <-pending:
		t.Fatalf("a command was answered while its commit failed: %+v", r)
	default:
	}
	st := e.Storage()
	if !errors.Is(st.Err, storetest.ErrDiskFull) || st.Since.IsZero() || st.Retries < 1 {
		t.Fatalf("storage status while failing: %+v", st)
	}
	_, err = e.CreateProcessInstance(context.Background(), CreateInstanceRequest{ProcessID: "order", Variables: vars})
	wantCode(t, err, CodeUnavailable)

	faults.Heal()
	r := <-pending
	if r.err != nil {
		t.Fatalf("the command of the failed batch: %v", r.err)
	}
	if st := e.Storage(); !st.Healthy {
		t.Fatalf("storage still reported failing after the retry went through: %+v", st)
	}
	rec.mu.Lock()
	failures, recovered := rec.failures, rec.recovered
	rec.mu.Unlock()
	if failures < 3 || recovered != 1 {
		t.Fatalf("observer heard %d failures and %d recoveries", failures, recovered)
	}
	after := h.start("order", vars)
	if r.key == before || after == r.key || after == before {
		t.Fatalf("keys repeat: %d %d %d", before, r.key, after)
	}

	// Exactly the acknowledged instances are stored, each once, and they
	// survive a restart.
	h.restart()
	pis, err := store.Select(context.Background(), h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "")
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	for _, pi := range pis {
		got[pi.Key]++
	}
	if len(pis) != 3 || got[before] != 1 || got[r.key] != 1 || got[after] != 1 {
		t.Fatalf("stored instances %v; want %d, %d and %d once each", got, before, r.key, after)
	}
	for _, j := range h.jobs("charge-card", 10) {
		h.complete(j.Key, map[string]any{"receipt": map[string]any{"id": "r"}})
	}
	for _, k := range []int64{before, r.key, after} {
		h.wantState(k, store.StateCompleted)
	}
}

// Closing the engine while a commit is being retried answers the waiting
// command as UNAVAILABLE (it was never durable) instead of hanging.
func TestCloseWhileStorageFails(t *testing.T) {
	var faults storetest.Faults
	e, err := Open(context.Background(), Options{DataDir: t.TempDir(), Store: store.Options{WrapWriter: faults.Wrap}})
	if err != nil {
		t.Fatal(err)
	}
	model, err := os.ReadFile("testdata/order.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	faults.Fail()
	errc := make(chan error, 1)
	go func() {
		_, err := e.Deploy(context.Background(), "", []Resource{{Name: "a.bpmn", Content: model}})
		errc <- err
	}()
	waitFor(t, "the failing commit", func() bool { return faults.Failed() >= 1 })
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	wantCode(t, <-errc, CodeUnavailable)
}
