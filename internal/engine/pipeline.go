package engine

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// The writer's commit pipeline (docs/engine.md, "Commit pipelining").
//
// The writer goroutine applies commands to the in-memory state batch after
// batch; a committer goroutine writes each batch's rows to SQLite and
// commits them (the fsync). While batch N is being committed, the writer
// already applies the commands that arrive meanwhile as batch N+1, on top
// of N's state, as Zeebe's stream processor runs ahead of its log appends.
// What keeps that safe:
//
//   - A batch's rows are encoded (store.Rows) on the writer, so that the
//     committer writes a snapshot while the writer changes the records
//     again: each command's changes at its end (the records it touched),
//     while the committer writes the batch before; sealing the batch when
//     the committer is free encodes only what changed since (steps carried
//     over, due timers). A record changed again is encoded again, in its
//     row's place.
//   - A sealed batch always commits, or the engine stops (and reloads from
//     the store at the next Open). Records that remember what their row was
//     last written with (store's stateSealer: an update leaves an
//     unchanged indexed state out) depend on it.
//   - Batches commit one at a time, in order: N+1 is handed to the
//     committer only once N's commit returned. So the pipeline is one batch
//     deep: the state is at most one sealed batch and one open batch ahead
//     of the store.
//   - A command is answered only after the commit of its batch, which comes
//     after the commits of every earlier batch: nothing is acknowledged
//     before it and what it read are durable.
//   - A commit is retried until it goes through (commit.go); it fails only
//     when the engine closes meanwhile. Then every command of that batch and
//     of the open batch built on its state fails, and the engine takes no
//     more commands (the state ahead of the store is never used again; the
//     next Open reads the store).
//   - A command that panics rolls back its open batch: the writer first
//     waits for the batch being committed, then reloads the state from the
//     store.
//   - Reads through the read pool see committed batches only; the few
//     commands that read the store themselves (agent records, a decision's
//     resource) first wait for the batch being committed (syncStore).

// batch is a group of commands committed in one transaction.
type batch struct {
	cmds []*command
	w    *writer // the batch's writer context: its events, after-commit work, cleanups

	// Set when the batch is sealed: what its transaction writes.
	rows     store.Rows
	records  int
	key      int64 // the key counter to store (setKey)
	clock    int64 // the pinned clock to store (setClock)
	setKey   bool
	setClock bool
	cleanups []*cleanupReq

	dur time.Duration // the commit's, from its start
}

// empty says the batch writes nothing: it needs no transaction.
func (b *batch) empty() bool {
	return b.rows.Len() == 0 && !b.setKey && !b.setClock && len(b.cleanups) == 0
}

// pipeline is the writer goroutine's state; only it uses it.
type pipeline struct {
	e        *Engine
	commits  chan *batch // to the committer
	results  chan error  // from it, one per batch sent
	cur      *batch      // open: commands are applied to it
	inflight *batch      // sealed and handed to the committer
	// result is inflight's commit result once received (syncStore), before
	// the loop finishes it.
	result   error
	received bool
	// spares are finished batches, reused with the memory their rows
	// grew to (a batch's encoded rows are some hundred KiB under load).
	// Two: a batch with nothing to write finishes while the one committed
	// before it waits to be reused, and must not push it out.
	spares []*batch
}

func newPipeline(e *Engine) *pipeline {
	p := &pipeline{e: e, commits: make(chan *batch), results: make(chan error, 1)}
	e.pipe = p
	go e.committer(p.commits, p.results)
	return p
}

// close stops the committer; nothing is in flight any more.
func (p *pipeline) close() { close(p.commits) }

// committer commits the batches the writer seals, one after the other.
func (e *Engine) committer(in <-chan *batch, out chan<- error) {
	for b := range in {
		out <- e.commit(b)
	}
}

func (p *pipeline) run() {
	e := p.e
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		if p.received {
			p.finishInflight()
		}
		if p.cur != nil && p.inflight == nil {
			p.handOver()
			continue
		}
		if p.cur == nil && p.inflight == nil && e.st.carry.len() > 0 && e.failed.Load() == nil {
			// Carried-over steps wait for nobody: take what is queued and go.
			p.open()
			p.take()
			continue
		}
		// The timer is armed while no batch is open: an open batch waits
		// only for the commit in flight, and due items fire when the next
		// one opens.
		var fire <-chan time.Time
		if p.cur == nil {
			if due, ok := e.st.due.peek(); ok {
				timer.Reset(max(due.Sub(e.Now()), 0))
				fire = timer.C
			}
		}
		var cmds <-chan *command
		if p.cur == nil || len(p.cur.cmds) < e.opts.MaxBatch {
			cmds = e.cmds
		}
		var results <-chan error
		if p.inflight != nil {
			results = p.results
		}
		select {
		case c := <-cmds:
			if p.cur == nil {
				if p.open(); p.cur == nil {
					// What was due panicked: the batch was rolled back.
					c.err = &Error{Code: CodeInternal, Message: "internal error, nothing was changed; try again"}
					close(c.done)
					continue
				}
			}
			p.apply(c)
			p.take()
		case err := <-results:
			p.result, p.received = err, true
		case <-fire:
			if p.cur == nil {
				p.open()
			}
		case <-e.quit:
			p.stop()
			return
		}
	}
}

// open starts a batch; what is due by its time fires first, so that its
// commands see the state as of their time.
func (p *pipeline) open() {
	var b *batch
	if n := len(p.spares); n > 0 {
		b, p.spares = p.spares[n-1], p.spares[:n-1]
	} else {
		b = &batch{}
	}
	b.w = &writer{e: p.e, st: p.e.st, now: p.e.Now()}
	p.cur = b
	if p.e.st.due.dueBy(b.w.now) {
		var panicked any
		func() {
			defer func() { panicked = recover() }()
			b.w.fireDue()
		}()
		if panicked != nil {
			p.rollback(panicked)
		}
	}
}

// take applies the commands queued, without waiting, up to the batch bound;
// it stops early when the commit in flight returned, so that the committer,
// idle then, gets the open batch at once.
func (p *pipeline) take() {
	var results <-chan error
	if p.inflight != nil && !p.received {
		results = p.results
	}
	for p.cur != nil && len(p.cur.cmds) < p.e.opts.MaxBatch {
		select {
		case c := <-p.e.cmds:
			p.apply(c)
		case err := <-results:
			p.result, p.received = err, true
			return
		default:
			return
		}
	}
}

// apply runs one command and its follow-up steps in the open batch, and
// encodes the rows it changed.
func (p *pipeline) apply(c *command) {
	b := p.cur
	b.cmds = append(b.cmds, c)
	var panicked any
	c.res, c.err, panicked = p.e.safeRun(b.w, c)
	p.e.stats.Applied.Add(1)
	if panicked == nil {
		if err := p.checkRows(b); err != nil {
			p.rollback(err.Error())
			return
		}
		if err := p.e.st.encodeRows(&b.rows); err != nil {
			panicked = err.Error()
		}
	}
	if panicked != nil {
		p.rollback(panicked)
	}
}

// checkRows, with Options.CheckUpdates, makes sure no record of the open
// batch changed since its row was encoded without being touched again, and
// panics when one did: a bug of the engine's, which fails its tests loudly
// (or, for the tests of the check, reports it to Options.onUnreported and
// rolls the batch back).
func (p *pipeline) checkRows(b *batch) error {
	if !p.e.opts.Store.CheckUpdates {
		return nil
	}
	err := p.e.st.checkRows(&b.rows)
	if err == nil {
		return nil
	}
	if f := p.e.opts.onUnreported; f != nil {
		f(err)
		return err
	}
	panic(err)
}

// handOver seals the open batch (it runs the carried steps and encodes the
// rows) and hands it to the committer, which is idle.
func (p *pipeline) handOver() {
	e, b := p.e, p.cur
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		b.w.runCarried()
	}()
	if panicked == nil {
		panicked = p.seal(b)
	}
	if panicked != nil {
		p.rollback(panicked)
		return
	}
	p.cur = nil
	if b.empty() {
		// Nothing to write: what it read is durable (nothing is in flight).
		if err := e.failedErr(); err != nil {
			p.fail(b, err)
			return
		}
		p.finish(b)
		return
	}
	p.inflight = b
	p.commits <- b
	// The send readied the committer as the next goroutine of this
	// goroutine's P; the batch's callers that finish (or the next handOver's
	// finish) then readies would each take that place in turn and push it
	// back behind them in the run queue, while the commit is the engine's
	// serial path. Yielding runs it at once; the writer goes on on the
	// other P, or here once the committer waits for its sync.
	runtime.Gosched()
}

// seal encodes what the batch changed since its commands did (apply); the
// state's change tracking starts afresh for the next batch.
func (p *pipeline) seal(b *batch) any {
	e, st, w := p.e, p.e.st, b.w
	if err := p.checkRows(b); err != nil {
		return err.Error()
	}
	// Keys up to savedKey were handed out by earlier batches, which are
	// committed before this one: their rows are updated.
	if err := st.encodeRows(&b.rows); err != nil {
		return err.Error()
	}
	b.rows.Seal()
	b.records = len(st.dirty)
	if e.opts.ElementEvents {
		w.emitRowChanges(st.dirty)
	}
	b.cleanups = w.cleanups
	b.setKey, b.key = st.nextKey != st.savedKey, st.nextKey
	b.setClock, b.clock = st.clock != st.savedClock, st.clock
	clear(st.dirtySet)
	// Zeroed, not only cut: the array is reused for the next batch, and
	// would keep this one's records (a finished instance's, which the state
	// dropped) reachable until as many are touched again.
	clear(st.dirty)
	st.dirty = st.dirty[:0]
	st.savedKey = st.nextKey
	st.savedClock = st.clock
	return nil
}

// syncStore waits for the batch being committed: a command that reads the
// store itself (not the in-memory state) then sees every earlier batch.
func (p *pipeline) syncStore() {
	if p.inflight != nil && !p.received {
		p.result, p.received = <-p.results, true
	}
}

// finishInflight answers the commands of the batch whose commit returned;
// when it failed, the open batch, built on its state, fails too. When it
// went through, the open batch is handed to the committer first, which
// would wait for the answers otherwise.
func (p *pipeline) finishInflight() {
	b, err := p.inflight, p.result
	p.inflight, p.result, p.received = nil, nil, false
	if err != nil {
		p.fail(b, err)
		if p.cur != nil {
			p.fail(p.cur, err)
			p.cur = nil
		}
		return
	}
	if p.cur != nil {
		p.handOver()
	}
	p.finish(b)
}

// finish answers a committed batch's commands and runs what waited for it.
func (p *pipeline) finish(b *batch) {
	e := p.e
	e.committed(b)
	for _, c := range b.cmds {
		c.committed = true
		close(c.done)
	}
	for _, f := range b.w.after {
		f()
	}
	p.recycle(b)
}

// fail answers every command of a batch that will never be committed.
func (p *pipeline) fail(b *batch, err error) {
	for _, c := range b.cmds {
		c.res, c.err = nil, &Error{Code: CodeUnavailable, Message: "storage failure: " + err.Error()}
		close(c.done)
	}
	p.recycle(b)
}

func (p *pipeline) recycle(b *batch) {
	clear(b.cmds)
	b.cmds = b.cmds[:0]
	b.w, b.cleanups = nil, nil
	b.rows.Reset()
	if len(p.spares) < 2 {
		p.spares = append(p.spares, b)
	}
}

// rollback abandons the open batch, in which a command panicked: the
// in-memory state, which the command may have left half changed, is thrown
// away and read again from the store once the batch in flight is
// committed, and every command of the batch fails having changed nothing.
func (p *pipeline) rollback(panicked any) {
	e, b := p.e, p.cur
	p.cur = nil
	e.log.Error("internal error: the batch is rolled back and the state reloaded", "panic", panicked, "commands", len(b.cmds), "stack", string(debug.Stack()))
	msg := fmt.Sprintf("internal error, nothing was changed: %v", panicked)
	e.st.forgetChanges() // thrown away with the batch's rows
	p.syncStore()
	if p.received {
		p.finishInflight()
	}
	st, err := loadState(context.Background(), e.store, e.log, e.Now)
	if err != nil {
		err = fmt.Errorf("reload after an internal error: %w", err)
		e.failed.Store(&err)
		msg += "; " + err.Error()
	} else {
		e.st = st
	}
	for _, c := range b.cmds {
		c.res, c.err = nil, &Error{Code: CodeInternal, Message: msg}
		close(c.done)
	}
	p.recycle(b)
}

// stop applies and commits what was queued before the quit, and refuses
// what comes after; steps still carried over stay owed by the stored state
// and run after the next Open.
func (p *pipeline) stop() {
	e := p.e
	for {
		select {
		case c := <-e.cmds:
			if p.cur == nil {
				p.open()
			}
			if p.cur != nil {
				p.apply(c)
			} else {
				c.err = ErrClosed
				close(c.done)
			}
			continue
		default:
		}
		break
	}
	for p.cur != nil || p.inflight != nil {
		if p.inflight != nil {
			p.syncStore()
			p.finishInflight()
			continue
		}
		p.handOver()
	}
	for {
		select {
		case c := <-e.cmds:
			c.err = ErrClosed
			close(c.done)
		default:
			return
		}
	}
}

// syncStore makes the store hold every batch before the current one (see
// pipeline.syncStore); for commands that read the store themselves.
func (w *writer) syncStore() {
	if p := w.e.pipe; p != nil {
		p.syncStore()
	}
}

func (e *Engine) failedErr() error {
	if p := e.failed.Load(); p != nil {
		return *p
	}
	return nil
}

// flush writes a sealed batch in one transaction and commits it.
func (e *Engine) flush(ctx context.Context, b *batch) error {
	tx, err := e.store.Begin(ctx)
	if err != nil {
		return err
	}
	if err := tx.Write(ctx, &b.rows); err != nil {
		tx.Rollback()
		return err
	}
	for _, c := range b.cleanups {
		c.run(ctx, tx)
	}
	if b.setKey {
		if err := tx.SetMeta(ctx, "key", b.key); err != nil {
			tx.Rollback()
			return err
		}
	}
	if b.setClock {
		if err := tx.SetMeta(ctx, "clock", b.clock); err != nil {
			tx.Rollback()
			return err
		}
	}
	return tx.Commit()
}
