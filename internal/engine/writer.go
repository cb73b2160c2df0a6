package engine

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// writer is the context of one batch on the writer goroutine.
type writer struct {
	e      *Engine
	st     *state
	now    time.Time
	queue  []step
	after  []func() // run once the batch is committed
	events []Event  // reported once the batch is committed
	// conds are the conditions due at the end of the current command or
	// step (conditions.go).
	conds []condCheck
	// carrying is set while the writer runs steps carried over from earlier
	// batches: the steps they schedule go to the back of the carry queue.
	carrying bool
	// cleanups are history deletions committed with the batch (retention.go).
	cleanups []*cleanupReq
}

// stepKind is what a follow-up step does.
type stepKind uint8

const (
	stepActivate  stepKind = iota // run the activation of an ACTIVATING element instance
	stepComplete                  // run the completion of a COMPLETING element instance
	stepJoins                     // fire the inclusive joins of a scope no token can still reach
	stepCorrelate                 // correlate a buffered message to a new subscription
	stepTerminate                 // terminate a process instance a call activity called
)

// step is a follow-up step of a command, as Zeebe's follow-up commands: it
// names its subject by key, and does nothing when the subject moved on.
// Every step can be derived again from the stored state (see pendingSteps),
// so that steps left over at a commit survive a restart.
type step struct {
	kind stepKind
	key  int64
}

// enqueue schedules a follow-up step of the current command. Steps run in
// order, after the step that scheduled them.
func (w *writer) enqueue(kind stepKind, key int64) {
	if w.carrying {
		w.carry(step{kind, key})
		return
	}
	w.queue = append(w.queue, step{kind, key})
}

// drain runs the current command's follow-up steps, at most the engine's
// steps per command; the rest are carried over to later batches, where they
// run interleaved with other commands.
func (w *writer) drain() {
	w.evalConditions()
	budget := w.e.opts.StepsPerBatch
	i := 0
	for ; i < len(w.queue); i++ {
		if budget == 0 {
			for _, s := range w.queue[i:] {
				w.carry(s)
			}
			break
		}
		budget--
		w.runStep(w.queue[i])
	}
	w.queue = w.queue[:0]
}

// runCarried runs up to StepsPerBatch steps carried over from earlier
// batches, oldest first.
func (w *writer) runCarried() {
	if w.st.carry.len() == 0 {
		return
	}
	w.carrying = true
	defer func() { w.carrying = false }()
	for budget := w.e.opts.StepsPerBatch; budget > 0; budget-- {
		c, ok := w.st.carry.pop()
		if !ok {
			return
		}
		w.e.stats.CarriedSteps.Add(1)
		if w.withinBudget(c) {
			w.runStep(c.step)
		}
		w.st.carry.done(c.root)
	}
}

func (w *writer) carry(s step) { w.st.carryStep(s) }

// carryStep puts a step on the carry queue, counted for its root process
// instance.
func (st *state) carryStep(s step) {
	var root int64
	switch s.kind {
	case stepCorrelate:
		if sub := st.subs[s.key]; sub != nil {
			root = sub.RootProcessInstanceKey
		}
	default:
		if in := st.insts[s.key]; in != nil {
			root = in.rec.RootProcessInstanceKey
		}
	}
	st.carry.push(carried{s, root})
}

func (w *writer) runStep(s step) {
	switch s.kind {
	case stepActivate:
		if in := w.st.insts[s.key]; in != nil {
			w.onActivate(in)
		}
	case stepComplete:
		if in := w.st.insts[s.key]; in != nil {
			w.onComplete(in)
		}
	case stepJoins:
		if scope := w.st.insts[s.key]; scope != nil && scope.lifecycle() == lcActivated {
			w.checkInclusiveJoins(scope)
		}
	case stepCorrelate:
		if sub := w.st.subs[s.key]; sub != nil {
			w.correlateBuffered(sub)
		}
	case stepTerminate:
		if in := w.st.insts[s.key]; in != nil {
			w.terminate(in)
		}
	}
	w.evalConditions()
}

// withinBudget counts a carried step against its root process instance's
// step budget: the steps an instance may run while it has work carried
// over, that is without reaching a wait state. Past the budget, the step's
// element gets an incident that names the elements the instance kept
// running through, and the instance stops there until it is resolved.
func (w *writer) withinBudget(c carried) bool {
	s := c.step
	if s.kind != stepActivate && s.kind != stepComplete {
		return true // terminations, joins and correlations always run
	}
	in := w.st.insts[s.key]
	if in == nil || (s.kind == stepActivate && in.lifecycle() != lcActivating) || (s.kind == stepComplete && in.lifecycle() != lcCompleting) {
		return true // stale: runStep does nothing
	}
	r := w.st.carry.runs[c.root]
	if r == nil {
		return true
	}
	r.steps++
	r.recent[r.pos%len(r.recent)] = in.el.ID
	r.pos++
	if r.steps <= w.e.opts.StepBudget {
		return true
	}
	w.raise(in, incUnknown, fmt.Sprintf("The process instance ran %d steps without reaching a wait state, more than its step budget of %d: it loops through elements that never wait (%s). Resolve this incident to let it run another %d steps, or cancel the process instance.",
		r.steps-1, w.e.opts.StepBudget, strings.Join(r.elements(), " > "), w.e.opts.StepBudget), 0)
	return false
}

// carryQueue holds the follow-up steps left over when a batch committed, in
// the order they were scheduled, and per root process instance the run of
// steps it makes while it has carried steps.
type carryQueue struct {
	items []carried
	head  int
	runs  map[int64]*stepRun
}

type carried struct {
	step
	root int64 // the root process instance the step works for
}

// stepRun counts the carried steps of one root process instance.
type stepRun struct {
	queued int // carried steps not yet done
	steps  int // carried steps run since the instance last had none
	recent [16]string
	pos    int
}

// elements names the elements the run went through lately, each once, in
// the order of their first appearance.
func (r *stepRun) elements() []string {
	var out []string
	n := min(r.pos, len(r.recent))
	for i := r.pos - n; i < r.pos; i++ {
		id := r.recent[i%len(r.recent)]
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

func (q *carryQueue) len() int { return len(q.items) - q.head }

func (q *carryQueue) push(c carried) {
	q.items = append(q.items, c)
	if q.runs == nil {
		q.runs = map[int64]*stepRun{}
	}
	r := q.runs[c.root]
	if r == nil {
		r = &stepRun{}
		q.runs[c.root] = r
	}
	r.queued++
}

func (q *carryQueue) pop() (carried, bool) {
	if q.head >= len(q.items) {
		q.items, q.head = q.items[:0], 0
		return carried{}, false
	}
	c := q.items[q.head]
	q.head++
	if q.head > 1024 && q.head*2 > len(q.items) {
		q.items = append(q.items[:0], q.items[q.head:]...)
		q.head = 0
	}
	return c, true
}

// done marks a popped step as run (after the steps it scheduled were
// pushed): a root process instance without carried steps starts its next
// run from zero.
func (q *carryQueue) done(root int64) {
	if r := q.runs[root]; r != nil {
		r.queued--
		if r.queued <= 0 {
			delete(q.runs, root)
		}
	}
}

// afterCommit runs f once the batch's changes are durable.
func (w *writer) afterCommit(f func()) { w.after = append(w.after, f) }

// touch marks an element instance as changed; the process's own (the
// process scope) is written with its process instance (store's
// ProcessInstance.Scope), not as a row of its own.
func (w *writer) touch(in *inst) {
	if in.pi != nil {
		w.st.touch(in.pi)
		return
	}
	w.st.touch(in.rec)
}

// pendingSteps derives the follow-up steps that the stored state still
// owes, in key order: what a restart (or the reload after a rolled-back
// batch) carries over.
func (st *state) pendingSteps() []step {
	keys := make([]int64, 0, len(st.insts))
	for k := range st.insts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var out []step
	for _, k := range keys {
		in := st.insts[k]
		switch {
		case in.rec.HasIncident, waitsForListener(in):
		case in.lifecycle() == lcActivating:
			out = append(out, step{stepActivate, k})
		case in.lifecycle() == lcCompleting:
			out = append(out, step{stepComplete, k})
		case in.lifecycle() == lcActivated && len(in.rt().Joins) > 0:
			out = append(out, step{stepJoins, k})
		}
		if in.pi != nil && in.pi.ParentElementInstanceKey != 0 {
			caller := st.insts[in.pi.ParentElementInstanceKey]
			if caller == nil || caller.rt().ReadExtra().CalledInstance != k {
				out = append(out, step{stepTerminate, k})
			}
		}
	}
	subs := make([]int64, 0, len(st.subs))
	for k, sub := range st.subs {
		if in := st.insts[sub.ElementInstanceKey]; in != nil && in.lifecycle() == lcActivated && len(st.msgByName[subKey(sub.TenantID, sub.MessageName)]) > 0 {
			subs = append(subs, k)
		}
	}
	slices.Sort(subs)
	for _, k := range subs {
		out = append(out, step{stepCorrelate, k})
	}
	return out
}
