package engine

import (
	"time"
)

// writer is the context of one batch on the writer goroutine.
type writer struct {
	e      *Engine
	st     *state
	now    time.Time
	queue  []func()
	after  []func() // run once the batch is committed
	events []Event  // reported once the batch is committed
}

// enqueue schedules a follow-up step of the current command. Steps run in
// order, after the step that scheduled them, as Zeebe's follow-up commands.
func (w *writer) enqueue(f func()) { w.queue = append(w.queue, f) }

// drain runs queued steps until none is left.
func (w *writer) drain() {
	for i := 0; i < len(w.queue); i++ {
		w.queue[i]()
	}
	w.queue = w.queue[:0]
}

// afterCommit runs f once the batch's changes are durable.
func (w *writer) afterCommit(f func()) { w.after = append(w.after, f) }

func (w *writer) touch(in *inst) {
	w.st.touch(in.rec)
	if in.pi != nil {
		w.st.touch(in.pi)
	}
}
