package engine

import (
	"context"
	"errors"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// Retention is the history cleanup: finished root process instances (with
// the instances they called) and every row that belongs to them are deleted
// once their time to live has passed, in small slices, by a background
// janitor. Nothing active is ever deleted. docs/configuration.md lists the
// settings (Camunda's camunda.data.secondary-storage.rdbms.history.*).
type Retention struct {
	// Enabled turns the janitor on; off, everything is kept.
	Enabled bool
	// TTL is how long a finished root instance is kept after it ended (0:
	// until the next cleanup run); also how long expired messages, audit
	// log entries of no existing process instance and the fired timers of
	// timer start events are kept.
	TTL time.Duration
	// DecisionTTL is how long a decision instance evaluated outside any
	// process instance (through the API) is kept.
	DecisionTTL time.Duration
	// MinInterval and MaxInterval bound the pause between cleanup runs: it
	// doubles (up to MaxInterval) while runs find nothing and returns to
	// MinInterval when they find something.
	MinInterval, MaxInterval time.Duration
	// InstanceBatch caps the root instances one run deletes, RowBatch the
	// rows. A run that fills either is followed by another as soon as
	// Usage allows.
	InstanceBatch, RowBatch int
	// Usage caps the share of time back-to-back runs take (0 < Usage <= 1):
	// after a full run the janitor pauses for (1-Usage)/Usage times the
	// run's duration, so that the writer keeps the rest for commands.
	Usage float64
	// Now is the clock the age of finished instances is measured with (nil:
	// the wall clock, as Camunda's cleanup; not the engine's clock, which
	// the clock API may pin to test timers).
	Now func() time.Time
}

// DefaultRetention is the cleanup orca start runs unless configured:
// finished instances are kept for 30 days.
func DefaultRetention() Retention {
	return Retention{
		Enabled:       true,
		TTL:           30 * 24 * time.Hour,
		DecisionTTL:   30 * 24 * time.Hour,
		MinInterval:   time.Minute,
		MaxInterval:   time.Hour,
		InstanceBatch: 100,
		RowBatch:      2000,
		Usage:         0.25,
	}
}

func (r Retention) orDefault() Retention {
	d := DefaultRetention()
	if r.MinInterval <= 0 {
		r.MinInterval = d.MinInterval
	}
	if r.MaxInterval < r.MinInterval {
		r.MaxInterval = max(d.MaxInterval, r.MinInterval)
	}
	if r.InstanceBatch <= 0 {
		r.InstanceBatch = d.InstanceBatch
	}
	if r.RowBatch <= 0 {
		r.RowBatch = d.RowBatch
	}
	if r.Usage <= 0 || r.Usage > 1 {
		r.Usage = d.Usage
	}
	if r.TTL < 0 {
		r.TTL = 0
	}
	if r.DecisionTTL < 0 {
		r.DecisionTTL = 0
	}
	if r.Now == nil {
		r.Now = time.Now
	}
	return r
}

// HistoryCleanup is what one cleanup run deleted.
type HistoryCleanup struct {
	Instances int  // process instance rows (roots and called instances)
	Rows      int  // all rows, instances included
	Full      bool // the run hit its instance or row cap: more is due
	Duration  time.Duration
}

// cleanupReq is a cleanup run's deletion, done in the writer's transaction
// (flush) so that it shares the batch's commit and never waits for or
// blocks the writer on SQLite's lock.
type cleanupReq struct {
	roots          []int64
	cutoff, dcut   time.Time
	rows           int
	res            store.HistoryDeletion
	err            error
	deleteDuration time.Duration
}

// run deletes in the batch's transaction. A failed deletion is undone
// (DeleteHistory's savepoint) and reported to the janitor, never to the
// batch: the commands' changes commit without it. One that SQLite undid by
// rolling back the whole transaction fails the batch's commit (store.Tx)
// and is not run again when the batch is retried: the batch commits
// without it, where a deletion failing every time (one that needs a page
// on a full disk) would hold the batch, and every command after it, up.
func (c *cleanupReq) run(ctx context.Context, tx *store.Tx) {
	if c.err != nil {
		return // it failed in an earlier try of this batch
	}
	start := time.Now()
	c.res, c.err = tx.DeleteHistory(ctx, c.roots, c.cutoff, c.dcut, c.rows)
	c.deleteDuration = time.Since(start)
}

// CleanHistory runs one cleanup run now with the engine's retention
// settings (whether or not the janitor is enabled): it finds up to
// InstanceBatch finished root instances past their time to live (on the
// read pool, outside the writer) and deletes them and their rows, at most
// RowBatch rows, in the writer's next batch.
func (e *Engine) CleanHistory(ctx context.Context) (HistoryCleanup, error) {
	start := time.Now()
	r := e.opts.Retention.orDefault()
	now := r.Now()
	req := &cleanupReq{cutoff: now.Add(-r.TTL), dcut: now.Add(-r.DecisionTTL), rows: r.RowBatch}
	roots, err := e.store.FinishedRoots(ctx, req.cutoff, r.InstanceBatch)
	if err != nil {
		return HistoryCleanup{}, err
	}
	if len(roots) == 0 {
		other, err := e.store.HasExpiredHistory(ctx, req.cutoff, req.dcut)
		if err != nil || !other {
			return HistoryCleanup{Duration: time.Since(start)}, err
		}
	}
	_, err = e.exec(ctx, func(w *writer) (any, error) {
		// An instance the writer holds is alive, whatever the store says.
		for _, k := range roots {
			if _, live := w.st.insts[k]; !live {
				req.roots = append(req.roots, k)
			}
		}
		w.cleanups = append(w.cleanups, req)
		return nil, nil
	})
	if err == nil {
		err = req.err
	}
	if err != nil {
		return HistoryCleanup{}, err
	}
	return HistoryCleanup{Instances: req.res.Instances, Rows: req.res.Rows, Duration: time.Since(start),
		Full: req.res.More || len(roots) == r.InstanceBatch}, nil
}

// janitor runs the cleanup in the background until the engine closes.
func (e *Engine) janitor(done chan<- struct{}) {
	defer close(done)
	r := e.opts.Retention.orDefault()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-e.quit:
			cancel()
		case <-ctx.Done():
		}
	}()
	e.log.Info("history cleanup", "ttl", r.TTL, "decisionTTL", r.DecisionTTL, "minInterval", r.MinInterval, "maxInterval", r.MaxInterval)
	pause := r.MinInterval
	timer := time.NewTimer(pause)
	defer timer.Stop()
	for {
		select {
		case <-e.quit:
			return
		case <-timer.C:
		}
		res, err := e.CleanHistory(ctx)
		switch {
		case errors.Is(err, ErrClosed) || ctx.Err() != nil:
			return
		case err != nil:
			pause = min(max(2*pause, r.MinInterval), r.MaxInterval)
			e.log.Warn("history cleanup failed; retrying later", "err", err, "retryIn", pause)
		case res.Full:
			// More is due: go on, leaving the writer the rest of the time.
			pause = time.Duration(float64(res.Duration) * (1 - r.Usage) / r.Usage)
			e.log.Debug("history cleanup", "instances", res.Instances, "rows", res.Rows, "took", res.Duration, "next", pause)
		case res.Rows > 0:
			pause = r.MinInterval
			e.log.Debug("history cleanup", "instances", res.Instances, "rows", res.Rows, "took", res.Duration)
		default:
			pause = min(max(2*pause, r.MinInterval), r.MaxInterval)
		}
		timer.Reset(pause)
	}
}
