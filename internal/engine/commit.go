package engine

import (
	"context"
	"errors"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// Observer hears what the engine commits, for metrics, logs and health. Its
// methods may be called from several goroutines at once (the writer's and
// callers'), and must be quick: the writer waits for them.
type Observer interface {
	// Committed reports a transaction the writer committed, with the events
	// it made durable.
	Committed(Commit)
	// StorageFailed reports a commit that failed; the writer retries it
	// (attempt counts from 1) and takes no new commands meanwhile.
	StorageFailed(err error, attempt int)
	// StorageRecovered reports that a retried commit went through.
	StorageRecovered(downtime time.Duration)
}

// Commit is one transaction of the writer.
type Commit struct {
	Commands int           // commands in the batch
	Records  int           // rows written
	Duration time.Duration // from the start of the transaction to its commit
	Events   []Event
}

// EventKind names what happened.
type EventKind uint8

// Events the engine reports once they are committed.
const (
	EventDeployed         EventKind = iota + 1 // a process definition was deployed (Key, ProcessID, Version)
	EventInstanceCanceled                      // a process instance was cancelled (Key)
	EventIncidentCreated                       // Key, ProcessInstanceKey, ElementID, Type (error type), Message
	EventIncidentResolved                      // Key, ProcessInstanceKey, ElementID, Type
	EventJobActivated                          // Key, Type (job type)
	EventJobCompleted                          // Key, Type
	EventJobFailed                             // Key, Type, Retries (left), Message
	EventJobTimedOut                           // Key, Type
	EventJobErrorThrown                        // Key, Type, Message (error code)
	// EventElement is an element instance's lifecycle transition, reported
	// with Options.ElementEvents: Key, ProcessInstanceKey, ElementID, Type
	// (the element type, as on the REST API), Message (the lifecycle state
	// it entered: ELEMENT_ACTIVATING, ELEMENT_ACTIVATED, ELEMENT_COMPLETING,
	// ELEMENT_COMPLETED, ELEMENT_TERMINATING, ELEMENT_TERMINATED).
	EventElement
	// EventUserTaskChanged: a user task's row changed (created, assigned,
	// updated, completed, ...): Key, ProcessInstanceKey. Reported with
	// Options.ElementEvents.
	EventUserTaskChanged
	// EventVariableSet: a variable was created or changed: Key (the
	// variable), ProcessInstanceKey, ElementID (its name). Reported with
	// Options.ElementEvents.
	EventVariableSet
)

// Event is one thing that happened in the engine, reported after commit.
type Event struct {
	Kind               EventKind
	Key                int64
	ProcessInstanceKey int64
	ProcessID          string
	ElementID          string
	Type               string // the job type, or the incident's error type
	Message            string
	Retries            int
	Version            int32
}

// emit records an event of the current batch; it is reported once the
// batch is committed, and never when it is not.
func (w *writer) emit(ev Event) {
	if w.e.opts.Observer != nil {
		w.events = append(w.events, ev)
	}
}

// emitCommitted reports events of a command that has committed already.
func (e *Engine) emitCommitted(evs ...Event) {
	if e.opts.Observer != nil {
		e.opts.Observer.Committed(Commit{Events: evs})
	}
}

// StorageStatus is the health of the engine's storage.
type StorageStatus struct {
	// Healthy is false while the writer retries a failed commit, and after
	// it gave up (at shutdown or an unrecoverable error).
	Healthy bool
	Err     error     // the last storage error while not healthy
	Since   time.Time // when the storage started failing
	Retries int       // attempts so far
}

type storageTrouble struct {
	err     error
	since   time.Time
	retries int
}

// Storage says whether commits go through.
func (e *Engine) Storage() StorageStatus {
	if p := e.failed.Load(); p != nil {
		return StorageStatus{Err: *p}
	}
	if t := e.trouble.Load(); t != nil {
		return StorageStatus{Err: t.err, Since: t.since, Retries: t.retries}
	}
	return StorageStatus{Healthy: true}
}

// Commit retry back-off: from the first to the longest pause.
const (
	commitRetryFirst = 20 * time.Millisecond
	commitRetryMax   = 2 * time.Second
)

// commit makes the batch's changes durable. A failed commit (disk full,
// the database locked by someone else past the busy timeout) is retried with
// back-off until it goes through: the batch's commands stay unanswered
// meanwhile, so that none is acknowledged before it is durable, and none is
// applied twice; new commands are refused as UNAVAILABLE. It gives up only
// when the engine closes, with the batch unanswered until then.
//
// It runs on the committer goroutine (pipeline.go), with the batch sealed.
func (e *Engine) commit(b *batch) error {
	if p := e.failed.Load(); p != nil {
		return *p
	}
	ctx := context.Background()
	start := time.Now()
	err := e.flush(ctx, b)
	if err == nil {
		b.dur = time.Since(start)
		return nil
	}
	since := time.Now()
	pause := commitRetryFirst
	for attempt := 1; ; attempt++ {
		e.trouble.Store(&storageTrouble{err: err, since: since, retries: attempt})
		e.log.Error("commit failed; retrying, new commands are refused until it goes through",
			"err", err, "attempt", attempt, "commands", len(b.cmds), "retryIn", pause)
		if o := e.opts.Observer; o != nil {
			o.StorageFailed(err, attempt)
		}
		e.store.AbortWrite(ctx)
		select {
		case <-e.quit:
			err = errors.Join(errors.New("the engine closed while the storage was failing; the last commands were not committed"), err)
			e.failed.Store(&err)
			e.trouble.Store(nil)
			return err
		case <-time.After(pause):
		}
		pause = min(2*pause, commitRetryMax)
		start = time.Now()
		if err = e.flush(ctx, b); err == nil {
			down := time.Since(since)
			e.trouble.Store(nil)
			e.log.Warn("storage recovered: the retried commit went through", "down", down, "attempts", attempt+1)
			if o := e.opts.Observer; o != nil {
				o.StorageRecovered(down)
			}
			b.dur = time.Since(start)
			return nil
		}
	}
}

// committed counts a committed batch and reports it; on the writer
// goroutine.
func (e *Engine) committed(b *batch) {
	commands := len(b.cmds)
	e.stats.Batches.Add(1)
	e.stats.Commands.Add(int64(commands))
	if n := int64(commands); n > e.stats.MaxBatch.Load() {
		e.stats.MaxBatch.Store(n)
	}
	if o := e.opts.Observer; o != nil {
		o.Committed(Commit{Commands: commands, Records: b.records, Duration: b.dur, Events: b.w.events})
	}
}

// troubled is the refusal of a command while the storage fails.
func (e *Engine) troubled() error {
	if p := e.failed.Load(); p != nil {
		return &Error{Code: CodeUnavailable, Message: "the engine stopped after a storage failure: " + (*p).Error()}
	}
	if t := e.trouble.Load(); t != nil {
		return &Error{Code: CodeUnavailable, Message: "the storage is failing since " + t.since.UTC().Format(time.RFC3339) +
			" and commits are being retried; try again later: " + t.err.Error()}
	}
	return nil
}

func storeOptions(opts Options) store.Options {
	so := opts.Store
	if opts.Synchronous != "" {
		so.Synchronous = opts.Synchronous
	}
	if opts.Lock != nil {
		so.Lock = opts.Lock
	}
	return so
}

// emitRowChanges reports the user tasks and variables a batch writes, for
// observers that show them live (changes without a lifecycle transition:
// an assignment, variables set through the API).
func (w *writer) emitRowChanges(dirty []store.Record) {
	for _, r := range dirty {
		switch r := r.(type) {
		case *store.UserTask:
			w.emit(Event{Kind: EventUserTaskChanged, Key: r.Key, ProcessInstanceKey: r.ProcessInstanceKey})
		case *store.Variable:
			w.emit(Event{Kind: EventVariableSet, Key: r.Key, ProcessInstanceKey: r.ProcessInstanceKey, ElementID: r.Name})
		}
	}
}
