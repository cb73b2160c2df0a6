package engine

import (
	"context"
	"sync"

	"github.com/orcabpm/orca/internal/store"
)

// An audit entry that rides a command. A caller that records each call
// it serves (the MCP gateway) hands the entry to the engine with the
// call's context; the first command run with that context writes the
// entry in its own batch, completed with the command's outcome: one
// transaction for the command and its entry, so an acknowledged command
// always has its entry, and the caller waits for no commit of its own. A
// command that fails still writes its entry (as failed), in the batch of
// the commands applied with it. When no command carried the entry (the
// call failed before reaching the engine, or its batch was never
// committed), Settle says so and the caller records the entry itself.

// AuditRide is an audit entry waiting for, or riding, a command.
type AuditRide struct {
	entry    *store.AuditLog
	complete func(e *store.AuditLog, res any, err error)

	mu     sync.Mutex
	closed bool     // Settle was called: no command takes the entry any more
	cmd    *command // the command that took the entry

	// added is set on the writer goroutine when the entry was added to
	// the command's batch, before the command is answered.
	added bool
}

type auditRideKey struct{}

// WithAuditRide returns a context that carries entry: the first command
// run with it (or a context derived from it) writes entry in its batch,
// after complete filled in its outcome. complete runs on the writer
// goroutine, with the command's result and error: it must be quick and
// must not call the engine.
func WithAuditRide(ctx context.Context, entry *store.AuditLog, complete func(e *store.AuditLog, res any, err error)) (context.Context, *AuditRide) {
	r := &AuditRide{entry: entry, complete: complete}
	return context.WithValue(ctx, auditRideKey{}, r), r
}

// board makes c carry the ride's entry, unless another command took it or
// the ride is settled.
func (r *AuditRide) board(c *command) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || r.cmd != nil {
		return false
	}
	r.cmd = c
	run := c.run
	c.run = func(w *writer) (any, error) {
		res, err := run(w)
		if err == nil && c.passRide {
			// The command succeeded and the call goes on to the command
			// whose outcome the entry records: that one takes it.
			r.mu.Lock()
			r.cmd = nil
			r.mu.Unlock()
			return res, err
		}
		w.addRide(r, res, err)
		return res, err
	}
	return true
}

// passRideKey marks a context whose command carries the ride's entry only
// if it fails (passRide).
type passRideKey struct{}

// passRide returns a context whose command writes the ride's entry only if
// it fails (as FAIL, why and all, as any command); if it succeeds, the
// entry is left to the call's next command. A call whose first command
// only looks something up (EvaluateDecision resolves the decision, then
// records the evaluation made outside the writer) so has its entry
// written by the command that fails it or by the one that records its
// outcome, in that command's transaction either way.
func passRide(ctx context.Context) context.Context {
	if rideOf(ctx) == nil {
		return ctx
	}
	return context.WithValue(ctx, passRideKey{}, true)
}

// leave gives the entry back: c was never handed to the writer.
func (r *AuditRide) leave(c *command) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == c {
		r.cmd = nil
	}
}

// addRide completes the ride's entry with the command's outcome and adds
// it to the batch.
func (w *writer) addRide(r *AuditRide, res any, err error) {
	e := r.entry
	if r.complete != nil {
		r.complete(e, res, err)
	}
	w.auditScope(e)
	e.Key = w.st.newKey()
	if e.Timestamp.IsZero() {
		e.Timestamp = w.now
	}
	w.st.touch(e)
	r.added = true
}

// Settle ends the ride: from now on no command takes the entry. It reports
// whether the entry is committed, having waited (within ctx) for the
// command that took it to be answered. Not committed: no command took the
// entry, or the command's batch was not committed (a storage failure, the
// engine closing, a rollback), and the caller must record it itself.
// Committed: Entry holds it as written, with its key.
func (r *AuditRide) Settle(ctx context.Context) (bool, error) {
	r.mu.Lock()
	r.closed = true
	c := r.cmd
	r.mu.Unlock()
	if c == nil {
		return false, nil
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	return r.added && c.committed, nil
}

// Entry is the ride's entry: as written once Settle reported it committed.
func (r *AuditRide) Entry() *store.AuditLog { return r.entry }

// rideOf is the ride ctx carries, if any.
func rideOf(ctx context.Context) *AuditRide {
	r, _ := ctx.Value(auditRideKey{}).(*AuditRide)
	return r
}
