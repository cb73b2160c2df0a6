package engine

import (
	"fmt"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/store"
)

// timerValue evaluates a timer definition to its first occurrence.
func (w *writer) timerValue(td *bpmn.TimerDefinition, view scopeView) (bpmn.Timer, error) {
	raw := td.Expr.Raw
	if td.Expr.IsFEEL() {
		v, warns, err := w.eval(td.Expr.FEEL, view)
		if err != nil {
			return bpmn.Timer{}, err
		}
		s, ok := feel.ToJSON(v).(string)
		if !ok {
			return bpmn.Timer{}, fmt.Errorf("Expected result of the expression '%s' to be a %s, but was '%s'.%s", td.Expr.FEEL.Source(), timerWant(td.Kind), feel.TypeName(v), warningText(warns))
		}
		raw = s
	}
	return bpmn.EvalTimer(td.Kind, raw, w.now)
}

func timerWant(k bpmn.TimerKind) string {
	switch k {
	case bpmn.TimerDuration:
		return "duration"
	case bpmn.TimerDate:
		return "date-time"
	}
	return "cycle"
}

// scheduleTimer makes in wait for el's timer (el is in's own element, a
// boundary event of it, or a catch event after it, an event-based gateway).
func (w *writer) scheduleTimer(in *inst, el *bpmn.Element) bool {
	t, err := w.timerValue(el.Timer, scopeView{st: w.st, scope: in})
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	w.addInstanceTimer(in, el, t)
	return true
}

func (w *writer) addInstanceTimer(in *inst, el *bpmn.Element, t bpmn.Timer) {
	rec := &store.Timer{
		Key:                  w.st.newKey(),
		ProcessDefinitionKey: in.def.rec.Key,
		ProcessInstanceKey:   in.root().key(),
		ElementInstanceKey:   in.key(),
		ElementID:            el.ID,
		DueDate:              t.Due,
		Repetitions:          t.Repetitions,
		Cycle:                t.Cycle,
		State:                store.TimerCreated,
		TenantID:             in.rec.TenantID,
	}
	w.addTimer(rec)
	in.rt().Extra().TimerKeys = append(in.rt().Extra().TimerKeys, rec.Key)
	w.touch(in)
}

func (w *writer) addTimer(t *store.Timer) {
	w.st.timers[t.Key] = t
	w.st.touch(t)
	w.st.due.push(t.DueDate, dueTimer, t.Key)
}

// scheduleStartTimers schedules the timer start events of a new latest
// version. Static definitions only: a start timer has no variables to read.
func (w *writer) scheduleStartTimers(def *definition) {
	for _, el := range def.proc.TimerStarts {
		t, err := w.timerValue(el.Timer, scopeView{st: w.st})
		if err != nil {
			w.e.log.Warn("timer start event not scheduled", "process", def.rec.ProcessID, "element", el.ID, "err", err)
			continue
		}
		w.addTimer(&store.Timer{
			Key:                  w.st.newKey(),
			ProcessDefinitionKey: def.rec.Key,
			ElementID:            el.ID,
			DueDate:              t.Due,
			Repetitions:          t.Repetitions,
			Cycle:                t.Cycle,
			State:                store.TimerCreated,
			TenantID:             def.rec.TenantID,
		})
	}
}

// cancelStartTimers withdraws the timer start events of a definition.
func (w *writer) cancelStartTimers(def *definition) {
	for k, t := range w.st.timers {
		if t.ElementInstanceKey == 0 && t.ProcessDefinitionKey == def.rec.Key {
			t.State = store.TimerCanceled
			delete(w.st.timers, k)
			w.st.touch(t)
		}
	}
}

// triggerTimer fires a due timer.
func (w *writer) triggerTimer(key int64) {
	t := w.st.timers[key]
	if t == nil || t.DueDate.After(w.now) {
		return
	}
	t.State = store.TimerTriggered
	delete(w.st.timers, key)
	w.st.touch(t)
	if t.ElementInstanceKey != 0 {
		in := w.st.insts[t.ElementInstanceKey]
		if in == nil || in.lifecycle() != lcActivated {
			return
		}
		if t.ElementID != in.el.ID {
			w.timerEvent(in, t)
			return
		}
		if x := in.rt().ExtraIfSet(); x != nil {
			x.TimerKeys = nil
		}
		w.complete(in)
		return
	}
	def := w.st.defs[t.ProcessDefinitionKey]
	if def == nil {
		return
	}
	start := def.proc.ElementByID(t.ElementID)
	if start == nil {
		return
	}
	w.createInstance(def, start, nil, instanceOptions{})
	next, ok := bpmn.Timer{Due: t.DueDate, Repetitions: t.Repetitions, Cycle: t.Cycle}.Next()
	if !ok {
		return
	}
	w.addTimer(&store.Timer{
		Key:                  w.st.newKey(),
		ProcessDefinitionKey: t.ProcessDefinitionKey,
		ElementID:            t.ElementID,
		DueDate:              next.Due,
		Repetitions:          next.Repetitions,
		Cycle:                next.Cycle,
		State:                store.TimerCreated,
		TenantID:             t.TenantID,
	})
}

// fireDue runs everything due by now: timers, job deadlines and back-offs,
// message expiry.
func (w *writer) fireDue() {
	for {
		it, ok := w.st.due.popDue(w.now)
		if !ok {
			return
		}
		switch it.kind {
		case dueTimer:
			w.triggerTimer(it.key)
		case dueJobDeadline:
			w.timeOutJob(it.key)
		case dueJobBackoff:
			w.retryJob(it.key)
		case dueMessageTTL:
			w.expireMessage(it.key)
		}
		w.drain()
	}
}
