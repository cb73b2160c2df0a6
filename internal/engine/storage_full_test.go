package engine

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// TestDiskFullThenRestart: the database file fills up (SQLite's size
// limit, storetest.PageLimit) under a stream of commands whose rows the
// store binds through SQLite's C API. The command whose batch no longer
// fits is not answered while its commit is retried, and fails once the
// engine closes; after a restart with room again exactly the acknowledged
// instances are stored, with their variables, and the engine goes on with
// new keys.
func TestDiskFullThenRestart(t *testing.T) {
	h := newHarness(t)
	h.deploy("order.bpmn")
	note := strings.Repeat("n", 3000) // about a page an instance
	vars := func(i int) map[string]any {
		return map[string]any{"order": map[string]any{"total": i}, "note": note}
	}
	acked := []int64{h.start("order", vars(0))}

	if err := h.e.Close(); err != nil {
		t.Fatal(err)
	}
	h.opts.Store.WrapWriter = storetest.PageLimit(40)
	h.open()
	var (
		mu      sync.Mutex
		created = acked
	)
	failed := make(chan error, 1)
	go func() {
		for i := 1; i <= 1000; i++ {
			res, err := h.e.CreateProcessInstance(context.Background(), CreateInstanceRequest{ProcessID: "order", Variables: vars(i)})
			if err != nil {
				failed <- err
				return
			}
			mu.Lock()
			created = append(created, res.ProcessInstanceKey)
			mu.Unlock()
		}
		failed <- nil
	}()
	e := h.e
	waitFor(t, "the file to fill up", func() bool { return !e.Storage().Healthy || len(failed) > 0 })
	if st := e.Storage(); st.Healthy || !strings.Contains(st.Err.Error(), "step: database or disk is full") {
		t.Fatalf("storage status %+v, want a commit failing in a statement's step (SQLITE_FULL)", st)
	}
	select {
	case err := <-failed:
		t.Fatalf("the command whose batch does not fit was answered while its commit is retried: %v", err)
	default:
	}
	_ = e.Close() // it reports the batch it gave up
	if err := <-failed; err == nil {
		t.Fatal("the command whose batch never committed succeeded")
	}
	mu.Lock()
	acked = created
	mu.Unlock()
	if len(acked) < 3 {
		t.Fatalf("only %d instances fitted before the file was full", len(acked))
	}

	h.opts.Store.WrapWriter = nil
	h.open()
	pis, err := store.Select(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[int64]bool{}
	for _, pi := range pis {
		stored[pi.Key] = true
	}
	for _, k := range acked {
		if !stored[k] {
			t.Errorf("acknowledged instance %d is lost", k)
		}
		if got := h.vars(k)["note"]; got != `"`+note+`"` {
			t.Errorf("instance %d's note is %.20q…", k, got)
		}
	}
	if len(pis) != len(acked) {
		t.Errorf("%d instances stored, %d acknowledged", len(pis), len(acked))
	}
	next := h.start("order", vars(-1))
	if stored[next] {
		t.Fatalf("a new instance took the key %d of a stored one", next)
	}
	h.wantState(next, store.StateActive)
}
