package engine

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/store"
)

// openBoundaries subscribes the timer and message boundary events of an
// activity. Every definition is evaluated before anything is created, so a
// failing one raises an incident and leaves nothing half open.
func (w *writer) openBoundaries(in *inst) bool {
	view := scopeView{st: w.st, scope: in}
	timers := map[*bpmn.Element]bpmn.Timer{}
	for _, b := range in.el.Boundaries {
		if b.EventType != bpmn.EventTimer {
			continue
		}
		t, err := w.timerValue(b.Timer, view)
		if err != nil {
			w.raise(in, incExtractValue, err.Error(), 0)
			return false
		}
		timers[b] = t
	}
	for _, b := range in.el.Boundaries {
		switch b.EventType {
		case bpmn.EventTimer:
			w.addInstanceTimer(in, b, timers[b])
		case bpmn.EventMessage:
			if !w.openSubscription(in, b, b.Message) {
				w.cancelWaitStates(in)
				return false
			}
		case bpmn.EventSignal:
			if !w.openSignalSubscription(in, b) {
				w.cancelWaitStates(in)
				return false
			}
		}
	}
	return true
}

// openEventGateway subscribes every event an event-based gateway waits for.
func (w *writer) openEventGateway(in *inst) bool {
	for _, f := range in.el.Outgoing {
		t := f.Target
		var ok bool
		switch {
		case t.EventType == bpmn.EventTimer:
			ok = w.scheduleTimer(in, t)
		case t.EventType == bpmn.EventConditional:
			ok = true // evaluated once the gateway is ACTIVATED (conditions.go)
		case t.EventType == bpmn.EventSignal:
			ok = w.openSignalSubscription(in, t)
		default:
			ok = w.openSubscription(in, t, t.Message)
		}
		if !ok {
			w.cancelWaitStates(in)
			return false
		}
	}
	return true
}

// correlateEvent delivers a message to what in waits for besides its own
// element (see scopeEvent).
func (w *writer) correlateEvent(in *inst, sub *store.MessageSubscription, vars map[string]json.RawMessage) {
	target := in.def.proc.ElementByID(sub.ElementID)
	if target == nil || in.lifecycle() != lcActivated {
		return
	}
	sub.LastUpdatedDate = w.now
	w.st.touch(sub)
	if !canRecur(in, target) {
		sub.State = store.SubscriptionCorrelated
		w.st.removeSub(sub)
		rt := in.rt()
		rt.Extra().SubscriptionKeys = slices.DeleteFunc(rt.Extra().SubscriptionKeys, func(k int64) bool { return k == sub.Key })
		w.touch(in)
	}
	w.scopeEvent(in, target, vars)
}

// canRecur reports whether an event can happen again after it happened:
// non-interrupting boundary events and event sub-processes.
func canRecur(in *inst, target *bpmn.Element) bool {
	if in.el.Type == bpmn.TypeEventBasedGateway {
		return false
	}
	return (target.Type == bpmn.TypeBoundaryEvent || isEventSubProcessStart(target)) && !target.Interrupting
}

// timerEvent fires a timer of what in waits for besides its own element.
func (w *writer) timerEvent(in *inst, t *store.Timer) {
	target := in.def.proc.ElementByID(t.ElementID)
	if target == nil {
		return
	}
	rt := in.rt()
	rt.Extra().TimerKeys = slices.DeleteFunc(rt.Extra().TimerKeys, func(k int64) bool { return k == t.Key })
	w.touch(in)
	if canRecur(in, target) {
		if next, ok := (bpmn.Timer{Due: t.DueDate, Repetitions: t.Repetitions, Cycle: t.Cycle}).Next(); ok {
			w.addInstanceTimer(in, target, next)
		}
	}
	w.scopeEvent(in, target, nil)
}

// triggerBoundary activates a boundary event of attached; an interrupting
// one terminates the activity first.
func (w *writer) triggerBoundary(attached *inst, b *bpmn.Element, vars map[string]json.RawMessage) {
	bi := w.activate(attached.parent, b)
	bi.rt().Extra().Trigger = &store.EventTrigger{Variables: vars}
	if b.Interrupting {
		w.terminate(attached)
	}
}

// throwError looks for the catch event of an error thrown at in: a boundary
// event of in or of an enclosing scope, the innermost first, an exact error
// code before a catch-all. Uncaught, it raises UNHANDLED_ERROR_EVENT.
func (w *writer) throwError(in *inst, code, message string, jobKey int64, vars map[string]json.RawMessage) {
	endJob := func() {
		if j := w.st.jobs[jobKey]; j != nil {
			// The job ended with the error: it must not be canceled below.
			w.endJob(j, "")
			in.rt().JobKey = 0
		}
	}
	for cur := in; cur != nil; cur = w.up(cur) {
		// A scope's event sub-processes catch before the boundary events
		// of the activity the scope is.
		if esp := matchEventSubProcess(cur.el.EventSubProcesses, bpmn.EventError, code); esp != nil && cur != in {
			endJob()
			w.triggerEventSubProcess(cur, esp, vars)
			return
		}
		if cur.pi != nil || isInner(cur) {
			continue // boundary events belong to activities and multi-instance bodies
		}
		if b := matchError(cur.el.Boundaries, code); b != nil {
			endJob()
			w.triggerBoundary(cur, b, vars)
			return
		}
	}
	msg := fmt.Sprintf("Expected to throw an error event with the code '%s'", code)
	if message != "" {
		msg += fmt.Sprintf(" with message '%s'", message)
	}
	msg += ", but it was not caught. No error events are available in the scope."
	w.raise(in, incUnhandledError, msg, jobKey)
}

func matchError(boundaries []*bpmn.Element, code string) *bpmn.Element {
	var catchAll *bpmn.Element
	for _, b := range boundaries {
		if b.EventType != bpmn.EventError {
			continue
		}
		switch {
		case b.Error == nil || b.Error.Code.Raw == "":
			if catchAll == nil {
				catchAll = b
			}
		case b.Error.Code.Raw == code:
			return b
		}
	}
	return catchAll
}

// runScript evaluates a FEEL script task and completes it with the result.
func (w *writer) runScript(in *inst) {
	sc := in.el.Script
	v, _, err := w.eval(sc.Expression.FEEL, scopeView{st: w.st, scope: in})
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return
	}
	b, err := marshalPlain(feel.ToJSON(v))
	if err != nil {
		w.raise(in, incExtractValue, fmt.Sprintf("the result of the script '%s' cannot be stored: %v", sc.Expression.Raw, err), 0)
		return
	}
	w.activated(in)
	w.completeWithVariables(in, map[string]json.RawMessage{sc.ResultVariable: b})
}

// throwEvent throws a signal or an escalation and goes on, unless an
// interrupting catch event ended the thrower.
func (w *writer) throwEvent(in *inst) {
	locals := map[string]json.RawMessage{}
	for _, v := range in.vars.list {
		locals[v.rec.Name] = json.RawMessage(v.rec.Value)
	}
	switch in.el.EventType {
	case bpmn.EventSignal:
		name, err := w.evalString(in.el.Signal.Name, scopeView{st: w.st, scope: in}, false)
		if err != nil {
			w.raise(in, incExtractValue, err.Error(), 0)
			return
		}
		w.broadcast(in.rec.TenantID, name, locals)
	case bpmn.EventEscalation:
		w.throwEscalation(in, in.el.Escalation.Code, locals)
	}
	if w.alive(in) && in.lifecycle() == lcActivated {
		w.complete(in)
	}
}
