package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// pipelineCase drives commands into the writer while a batch's commit is
// held, so that they are applied on top of a state the store does not hold
// yet (commit pipelining): P1 with its job activated is committed; then,
// while the commit of "create P2" is held, the job of P2 (known only to
// the batch in flight) is activated and P1's job completed.
type pipelineCase struct {
	t      *testing.T
	h      *harness
	faults *storetest.Faults
	p1     int64
	j1     int64

	create   chan result[CreateInstanceResult]
	activate chan result[[]ActivatedJob]
	complete chan error
}

type result[T any] struct {
	v   T
	err error
}

func newPipelineCase(t *testing.T) *pipelineCase {
	faults := &storetest.Faults{}
	h := newHarnessWith(t, Options{Store: store.Options{WrapWriter: faults.Wrap}})
	h.deploy("order.bpmn")
	c := &pipelineCase{t: t, h: h, faults: faults,
		create: make(chan result[CreateInstanceResult], 1), activate: make(chan result[[]ActivatedJob], 1), complete: make(chan error, 1)}
	c.p1 = h.start("order", map[string]any{"order": map[string]any{"total": 1}})
	c.j1 = h.job("charge-card").Key
	return c
}

// runAhead holds the next commit with "create P2" in it, and queues the two
// commands that build on it.
func (c *pipelineCase) runAhead() {
	e, ctx := c.h.e, context.Background()
	applied := e.stats.Applied.Load()
	c.faults.Hold()
	go func() {
		r, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 2}}})
		c.create <- result[CreateInstanceResult]{r, err}
	}()
	waitFor(c.t, "the commit of P2's creation to be held", func() bool { return c.faults.Held() == 1 })
	go func() {
		jobs, err := e.ActivateJobs(ctx, ActivateJobsRequest{Type: "charge-card", Worker: "w", Timeout: time.Hour, MaxJobs: 5, RequestTimeout: -1})
		c.activate <- result[[]ActivatedJob]{jobs, err}
	}()
	go func() {
		c.complete <- e.CompleteJob(ctx, c.j1, map[string]any{"receipt": map[string]any{"id": "r1"}})
	}()
	waitFor(c.t, "the writer to apply both on top of P2's batch", func() bool { return e.stats.Applied.Load() == applied+3 })
	select {
	case r := <-c.create:
		c.t.Fatalf("P2's creation answered while its commit is held: %+v", r)
	case r := <-c.activate:
		c.t.Fatalf("activation answered while the batch before it is not committed: %+v", r)
	case err := <-c.complete:
		c.t.Fatalf("completion answered while the batch before it is not committed: %v", err)
	default:
	}
}

// A commit that fails for good (the engine closes while retrying it) fails
// every command of its batch and of the batch applied on top of it, and
// none of their changes is visible after a restart: P2 does not exist,
// its job was never handed out, P1's job is not completed. Nothing
// acknowledged before is lost.
func TestPipelinedCommitFailureFailsTheBatchesBuiltOnIt(t *testing.T) {
	c := newPipelineCase(t)
	c.runAhead()
	c.faults.Fail()
	c.faults.Release()
	waitFor(t, "the held commit to fail", func() bool { return c.faults.Failed() >= 1 })
	if err := c.h.e.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	c.h.e = nil
	if r := <-c.create; r.err == nil {
		t.Errorf("P2's creation, whose commit failed, was acknowledged: %+v", r.v)
	}
	if r := <-c.activate; r.err == nil {
		t.Errorf("the activation built on the failed batch was acknowledged: %+v", r.v)
	}
	if err := <-c.complete; err == nil {
		t.Errorf("the completion built on the failed batch was acknowledged")
	}

	c.faults.Heal()
	c.h.open()
	pis, err := store.Select(c.h.ctx, c.h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(pis) != 1 || pis[0].Key != c.p1 || pis[0].State != store.StateActive {
		t.Fatalf("stored process instances after the failure: %+v (want P1 %d, active)", pis, c.p1)
	}
	if j := c.h.jobRecord(c.j1); j.State != store.JobCreated || !j.Activated {
		t.Fatalf("P1's job after the failed completion: %+v", j)
	}
	// The engine works on: P1's job completes now.
	c.h.complete(c.j1, map[string]any{"receipt": map[string]any{"id": "r1"}})
	c.h.wantState(c.p1, store.StateCompleted)
}

// Commands applied on top of a batch whose commit is slow are answered
// once both batches are committed, and what they did is durable: the
// activation hands out the job of the instance created in the batch
// before it, the completion of P1's job completes P1.
func TestPipelinedBatchesCommitInOrder(t *testing.T) {
	c := newPipelineCase(t)
	c.runAhead()
	c.faults.Release()
	r := <-c.create
	if r.err != nil {
		t.Fatal(r.err)
	}
	p2 := r.v.ProcessInstanceKey
	a := <-c.activate
	if a.err != nil || len(a.v) != 1 || a.v[0].ProcessInstanceKey != p2 {
		t.Fatalf("activation on top of P2's batch: %+v, %v (want P2 %d's job)", a.v, a.err, p2)
	}
	if err := <-c.complete; err != nil {
		t.Fatal(err)
	}
	c.h.restart()
	c.h.wantState(c.p1, store.StateCompleted)
	c.h.wantState(p2, store.StateActive)
	if j := c.h.jobRecord(a.v[0].Key); !j.Activated || j.Worker != "w" {
		t.Fatalf("P2's job after the restart: %+v", j)
	}
}

// Under a steady load of creations and completions, commits fail for a
// while and the engine is closed while they do: every command acknowledged
// is in the store after a restart, and none that failed is.
func TestPipelineLosesNoAcknowledgedCommandOnFailure(t *testing.T) {
	faults := &storetest.Faults{}
	h := newHarnessWith(t, Options{Store: store.Options{WrapWriter: faults.Wrap}})
	h.deploy("order.bpmn")
	e, ctx := h.e, context.Background()

	var mu sync.Mutex
	created := map[string]int64{} // id -> instance, acknowledged
	refused := map[string]bool{}  // id: the creation failed
	completed := map[int64]bool{} // instance: its job's completion was acknowledged
	notCompleted := map[int64]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("g%d-%d", g, i)
				r, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"id": id, "order": map[string]any{"total": 1}}})
				mu.Lock()
				if err != nil {
					refused[id] = true
				} else {
					created[id] = r.ProcessInstanceKey
				}
				mu.Unlock()
				if errors.Is(err, ErrClosed) {
					return
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			jobs, err := e.ActivateJobs(ctx, ActivateJobsRequest{Type: "charge-card", Worker: "w", Timeout: time.Hour, MaxJobs: 16, RequestTimeout: -1})
			if errors.Is(err, ErrClosed) {
				return
			}
			for _, j := range jobs {
				err := e.CompleteJob(ctx, j.Key, map[string]any{"receipt": map[string]any{"id": "r"}})
				mu.Lock()
				if err != nil {
					notCompleted[j.ProcessInstanceKey] = true
				} else {
					completed[j.ProcessInstanceKey] = true
				}
				mu.Unlock()
			}
		}
	}()
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(created) + len(completed) }
	waitFor(t, "some acknowledged commands", func() bool { return count() >= 100 })
	faults.Fail()
	waitFor(t, "commits to fail", func() bool { return faults.Failed() >= 2 })
	close(stop)
	if err := e.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	h.e = nil
	wg.Wait()
	faults.Heal()
	h.open()

	vars, err := store.Select(ctx, h.e.Store(), func() *store.Variable { return new(store.Variable) }, "name = 'id'")
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int64{}
	for _, v := range vars {
		stored[v.Value[1:len(v.Value)-1]] = v.ProcessInstanceKey
	}
	mu.Lock()
	defer mu.Unlock()
	if len(refused) == 0 {
		t.Fatalf("no creation failed: the failure was not exercised (%d created)", len(created))
	}
	for id, pi := range created {
		if stored[id] != pi {
			t.Errorf("acknowledged creation %s (instance %d) lost: stored as %d", id, pi, stored[id])
		}
	}
	for id := range refused {
		if pi, ok := stored[id]; ok {
			t.Errorf("failed creation %s is visible as instance %d", id, pi)
		}
	}
	for pi := range completed {
		h.wantState(pi, store.StateCompleted)
	}
	for pi := range notCompleted {
		h.wantState(pi, store.StateActive)
	}
	t.Logf("%d creations acknowledged, %d failed; %d completions acknowledged, %d failed", len(created), len(refused), len(completed), len(notCompleted))
}

// A clock pinned by a command applied in a batch that opened earlier (while
// the batch before it was being committed) still fires what is due by the
// new time before it is answered.
func TestPinClockFiresWhatIsDueWhilePipelined(t *testing.T) {
	faults := &storetest.Faults{}
	h := newHarnessWith(t, Options{Store: store.Options{WrapWriter: faults.Wrap}})
	h.deploy("timers.bpmn", "order.bpmn")
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	h.pin(t0)
	pi := h.start("reminder", map[string]any{"delay": "PT10M"})
	e, ctx := h.e, context.Background()
	order := CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 1}}}

	applied := e.stats.Applied.Load()
	faults.Hold()
	errs := make(chan error, 2)
	go func() { _, err := e.CreateProcessInstance(ctx, order); errs <- err }()
	waitFor(t, "a commit to be held", func() bool { return faults.Held() == 1 })
	go func() { _, err := e.CreateProcessInstance(ctx, order); errs <- err }() // opens the next batch at t0
	waitFor(t, "the next batch to open", func() bool { return e.stats.Applied.Load() == applied+2 })
	pinned := make(chan error, 1)
	go func() { pinned <- e.PinClock(ctx, t0.Add(10*time.Minute)) }()
	waitFor(t, "the pin to be applied in that batch", func() bool { return e.stats.Applied.Load() == applied+3 })
	faults.Release()
	if err := <-pinned; err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

// A finished batch is kept for reuse with the memory its rows grew to: a
// batch with nothing to write, finishing after it, does not push it out
// (under load every batch would otherwise grow its rows again from
// nothing: about 1 KB more allocated per one-task instance).
func TestPipelineKeepsTheBatchItCommittedForReuse(t *testing.T) {
	p := &pipeline{}
	written := &batch{}
	for k := int64(1); k <= 64; k++ {
		if err := written.rows.Add(&store.Variable{Key: k, Name: "v", Value: `1`}); err != nil {
			t.Fatal(err)
		}
	}
	p.recycle(written)  // committed
	p.recycle(&batch{}) // then a batch that wrote nothing
	kept := false
	for _, b := range p.spares {
		kept = kept || b == written
	}
	if !kept {
		t.Fatalf("the committed batch was dropped when an empty one finished after it (%d spares)", len(p.spares))
	}
	p.recycle(&batch{})
	if len(p.spares) > 2 {
		t.Fatalf("%d spare batches kept, want at most 2", len(p.spares))
	}
}
