// Package engine executes BPMN processes with Zeebe's semantics.
//
// All state that running instances need lives in memory and is owned by one
// writer goroutine, which applies commands one after another. Every change a
// command makes is recorded in the store in the same transaction as the
// other commands of its batch (group commit); a command is acknowledged only
// once that transaction is committed. Queries read the store.
package engine

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// DefaultTenant is Camunda's tenant id when multi-tenancy is off.
const DefaultTenant = "<default>"

// Options configure an engine.
type Options struct {
	// DataDir holds the SQLite file.
	DataDir string
	// Synchronous is "FULL" (default) or "NORMAL"; see store.Options.
	Synchronous string
	// MaxBatch caps the commands committed in one transaction (default 1024).
	MaxBatch int
	// StepsPerBatch caps the follow-up steps one command runs in its batch,
	// and the steps carried over from earlier batches that a batch runs
	// (default 1000). What is left runs in later batches, interleaved with
	// other commands, so that an instance that never waits cannot hold up
	// the engine.
	StepsPerBatch int
	// StepBudget caps the steps a process instance (with the instances it
	// called) runs without reaching a wait state, counted over carried-over
	// steps; past it the instance gets an incident naming the elements it
	// loops through (default 100,000).
	StepBudget int
	Logger     *slog.Logger
	// Lock is the data directory's lock when the caller took it already
	// (store.LockDir); the engine then owns it. Nil: Open takes it.
	Lock *store.DirLock
	// Observer, if set, hears commits, events and storage failures.
	Observer Observer
	// ElementEvents makes the engine report every lifecycle transition of
	// every element instance to the Observer (EventElement), as Zeebe
	// writes a record per element intent. Off by default: there are several
	// per element.
	ElementEvents bool
	// Store holds options of the store (Synchronous and Lock above win).
	Store store.Options
	// Retention is the history cleanup (retention.go); the zero value keeps
	// everything.
	Retention Retention

	// onUnreported, for the tests of Store.CheckUpdates' check of the
	// batch's rows (pipeline.checkRows), hears a change that was not
	// touched instead of the panic.
	onUnreported func(error)
}

// Engine is an embedded orchestration engine on one data directory.
type Engine struct {
	log   *slog.Logger
	store *store.Store
	opts  Options

	cmds    chan *command
	quit    chan struct{}
	stopped chan struct{}
	failed  atomic.Pointer[error]          // set when the engine gave up on the storage: it takes no more commands
	trouble atomic.Pointer[storageTrouble] // set while a failed commit is being retried

	clockMu sync.Mutex
	pinned  time.Time // zero: the real clock

	jobWaiters jobNotifier
	stats      Stats

	st   *state    // owned by the writer goroutine
	pipe *pipeline // the writer goroutine's commit pipeline

	janitorDone chan struct{} // closed when the history cleanup stopped (nil: none runs)
}

// Stats are counters of the writer, for benchmarks and diagnostics.
type Stats struct {
	Batches  atomic.Int64 // transactions committed
	Commands atomic.Int64 // commands applied and committed
	// Applied counts commands applied to the in-memory state, committed
	// or not (yet).
	Applied  atomic.Int64
	MaxBatch atomic.Int64 // largest batch
	// CarriedSteps counts follow-up steps run in a later batch than the
	// command that caused them.
	CarriedSteps atomic.Int64
}

// Defaults of Options.
const (
	DefaultStepsPerBatch = 1000
	DefaultStepBudget    = 100_000
)

// Open opens the data directory, restores the state of running instances
// and starts the writer.
func Open(ctx context.Context, opts Options) (*Engine, error) {
	if opts.DataDir == "" {
		return nil, errors.New("engine: no data directory")
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 1024
	}
	if opts.StepsPerBatch <= 0 {
		opts.StepsPerBatch = DefaultStepsPerBatch
	}
	if opts.StepBudget <= 0 {
		opts.StepBudget = DefaultStepBudget
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	s, err := store.Open(ctx, opts.DataDir, storeOptions(opts))
	if err != nil {
		return nil, err
	}
	e := &Engine{
		log:     opts.Logger,
		store:   s,
		opts:    opts,
		cmds:    make(chan *command, 4*opts.MaxBatch),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	e.jobWaiters.init()
	st, err := loadState(ctx, s, e.log, e.Now)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("restore state from %s: %w", s.Path(), err)
	}
	e.st = st
	if st.clock != 0 {
		e.pinned = time.UnixMilli(st.clock).UTC()
	}
	go e.run()
	if opts.Retention.Enabled {
		e.janitorDone = make(chan struct{})
		go e.janitor(e.janitorDone)
	}
	return e, nil
}

// Store gives read access to the engine's data.
func (e *Engine) Store() *store.Store { return e.store }

// Close stops taking commands, finishes those queued, and closes the store.
func (e *Engine) Close() error {
	select {
	case <-e.quit:
	default:
		close(e.quit)
	}
	<-e.stopped
	if e.janitorDone != nil {
		<-e.janitorDone
	}
	return e.store.Close()
}

// Now is the engine's clock: the real time unless pinned.
func (e *Engine) Now() time.Time {
	e.clockMu.Lock()
	defer e.clockMu.Unlock()
	if !e.pinned.IsZero() {
		return e.pinned
	}
	return time.Now().UTC().Truncate(time.Millisecond)
}

// PinClock freezes the engine's clock at t (Camunda's clock API). Timers,
// job deadlines and time-to-live are measured against it; what is due by t
// has fired when PinClock returns.
func (e *Engine) PinClock(ctx context.Context, t time.Time) error {
	e.clockMu.Lock()
	e.pinned = t.UTC().Truncate(time.Millisecond)
	ms := e.pinned.UnixMilli()
	e.clockMu.Unlock()
	_, err := e.exec(ctx, func(w *writer) (any, error) {
		w.st.clock = ms
		w.catchUp()
		return nil, nil
	})
	return err
}

// catchUp moves the batch's time to the engine's clock and fires what is
// due by then: a batch opened while the one before it was being committed
// started at an earlier time (pipeline.go), and a clock command promises
// that what is due by the new time has fired when it is answered.
func (w *writer) catchUp() {
	w.now = w.e.Now()
	w.fireDue()
}

// ResetClock returns to the real clock.
func (e *Engine) ResetClock(ctx context.Context) error {
	e.clockMu.Lock()
	e.pinned = time.Time{}
	e.clockMu.Unlock()
	_, err := e.exec(ctx, func(w *writer) (any, error) {
		w.st.clock = 0
		w.catchUp()
		return nil, nil
	})
	return err
}

// command is one unit of work for the writer.
type command struct {
	run  func(w *writer) (any, error)
	res  any
	err  error
	done chan struct{}
	// committed is set before done is closed when the command's batch was
	// committed (its error, if any, is the command's own).
	committed bool
	// passRide: an audit entry riding the command is written only if the
	// command fails (auditride.go).
	passRide bool
}

// exec runs fn on the writer and waits until its effects are committed.
func (e *Engine) exec(ctx context.Context, fn func(w *writer) (any, error)) (any, error) {
	if err := e.troubled(); err != nil {
		return nil, err
	}
	select {
	case <-e.quit:
		// Closed: a command sent now would wait in the queue for nobody.
		return nil, ErrClosed
	default:
	}
	c := &command{run: fn, done: make(chan struct{})}
	ride := rideOf(ctx) // auditride.go
	if ride != nil {
		c.passRide, _ = ctx.Value(passRideKey{}).(bool)
	}
	if !ride.board(c) {
		ride = nil
	}
	select {
	case e.cmds <- c:
	case <-e.quit:
		if ride != nil {
			ride.leave(c)
		}
		return nil, ErrClosed
	case <-ctx.Done():
		if ride != nil {
			ride.leave(c)
		}
		return nil, ctx.Err()
	}
	select {
	case <-c.done:
		return c.res, c.err
	case <-ctx.Done():
		// The command may still be applied; the caller gave up waiting.
		return nil, ctx.Err()
	}
}

func do[T any](ctx context.Context, e *Engine, fn func(w *writer) (T, error)) (T, error) {
	r, err := e.exec(ctx, func(w *writer) (any, error) { return fn(w) })
	if err != nil {
		var zero T
		return zero, err
	}
	return r.(T), nil
}

// run is the writer loop (pipeline.go).
func (e *Engine) run() {
	defer close(e.stopped)
	p := newPipeline(e)
	defer p.close()
	p.run()
}

// safeRun runs one command and its follow-up steps, turning a panic (a bug)
// into a value the batch is rolled back with.
//
//lint:ignore ST1008 the panic, not the error, is what the caller checks first
func (e *Engine) safeRun(w *writer, c *command) (res any, err error, panicked any) {
	defer func() {
		if r := recover(); r != nil {
			panicked = r
		}
	}()
	res, err = c.run(w)
	if err == nil {
		w.drain()
	}
	return res, err, nil
}
