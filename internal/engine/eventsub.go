package engine

import (
	"context"
	"encoding/json"
	"slices"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// openScopeEvents subscribes the timer, message and signal start events of
// a scope's event sub-processes. A definition that cannot be evaluated is
// skipped with a warning: the scope itself has no step to retry.
func (w *writer) openScopeEvents(scope *inst) {
	for _, esp := range scope.el.EventSubProcesses {
		start := esp.EventStart
		switch start.EventType {
		case bpmn.EventTimer:
			t, err := w.timerValue(start.Timer, scopeView{st: w.st, scope: scope})
			if err != nil {
				w.e.log.Warn("event sub-process timer not scheduled", "element", start.ID, "err", err)
				continue
			}
			w.addInstanceTimer(scope, start, t)
		case bpmn.EventMessage:
			w.openSubscription(scope, start, start.Message)
		case bpmn.EventSignal:
			w.openSignalSubscription(scope, start)
		}
	}
}

func isEventSubProcessStart(el *bpmn.Element) bool {
	return el.Type == bpmn.TypeStartEvent && el.Parent != nil && el.Parent.Type == bpmn.TypeEventSubProcess
}

// closeScopeEvents withdraws the event sub-process subscriptions of a scope
// (not its boundary events).
func (w *writer) closeScopeEvents(scope *inst) {
	proc := scope.def.proc
	rt := scope.rt().ExtraIfSet()
	if rt == nil {
		// Nothing to withdraw.
		w.touch(scope)
		return
	}
	keep := rt.SubscriptionKeys[:0]
	for _, k := range rt.SubscriptionKeys {
		sub := w.st.subs[k]
		if sub != nil && isEventSubProcessStart(proc.ElementByID(sub.ElementID)) {
			sub.State = store.SubscriptionDeleted
			sub.LastUpdatedDate = w.now
			w.st.removeSub(sub)
			w.st.touch(sub)
			continue
		}
		keep = append(keep, k)
	}
	rt.SubscriptionKeys = keep
	keepT := rt.TimerKeys[:0]
	for _, k := range rt.TimerKeys {
		t := w.st.timers[k]
		if t != nil && isEventSubProcessStart(proc.ElementByID(t.ElementID)) {
			t.State = store.TimerCanceled
			delete(w.st.timers, k)
			w.st.touch(t)
			continue
		}
		keepT = append(keepT, k)
	}
	rt.TimerKeys = keepT
	keepS := rt.SignalKeys[:0]
	for _, k := range rt.SignalKeys {
		sub := w.st.signalSubs[k]
		if sub != nil && isEventSubProcessStart(proc.ElementByID(sub.ElementID)) {
			sub.State = store.SignalSubscriptionDeleted
			w.st.removeSignalSub(sub)
			w.st.touch(sub)
			continue
		}
		keepS = append(keepS, k)
	}
	rt.SignalKeys = keepS
	w.touch(scope)
}

// triggerEventSubProcess starts an event sub-process in scope. An
// interrupting one first ends everything else in the scope, which then
// completes when the event sub-process does.
func (w *writer) triggerEventSubProcess(scope *inst, esp *bpmn.Element, vars map[string]json.RawMessage) {
	ei := w.activate(scope, esp)
	ei.rt().Extra().Trigger = &store.EventTrigger{Variables: vars}
	if !esp.EventStart.Interrupting {
		return
	}
	w.closeScopeEvents(scope)
	w.interruptScope(scope, ei)
}

// scopeEvent delivers a message, timer or signal to whatever in waits for
// besides its own element: a boundary event, an event sub-process start, or
// a catch event after an event-based gateway. It reports whether the
// subscription stays open (non-interrupting events can happen again).
func (w *writer) scopeEvent(in *inst, target *bpmn.Element, vars map[string]json.RawMessage) (stays bool) {
	switch {
	case isEventSubProcessStart(target):
		w.triggerEventSubProcess(in, target.Parent, vars)
		return !target.Interrupting
	case in.el.Type == bpmn.TypeEventBasedGateway:
		w.cancelWaitStates(in)
		tr := &store.EventTrigger{Variables: vars}
		for _, f := range in.el.Outgoing {
			if f.Target == target {
				tr.Flow = f.ID
			}
		}
		in.rt().Extra().Trigger = tr
		w.complete(in)
		return false
	default:
		w.triggerBoundary(in, target, vars)
		return !target.Interrupting
	}
}

// throwEscalation looks for the catch event of an escalation thrown at in,
// as throwError does; it reports whether one caught it. Uncaught
// escalations are not incidents.
func (w *writer) throwEscalation(in *inst, code string, vars map[string]json.RawMessage) bool {
	for cur := w.up(in); cur != nil; cur = w.up(cur) {
		if esp := matchEventSubProcess(cur.el.EventSubProcesses, bpmn.EventEscalation, code); esp != nil {
			w.triggerEventSubProcess(cur, esp, vars)
			return true
		}
		if cur.pi != nil || isInner(cur) {
			continue
		}
		if b := matchEscalation(cur.el.Boundaries, code); b != nil {
			w.triggerBoundary(cur, b, vars)
			return true
		}
	}
	return false
}

func matchEscalation(boundaries []*bpmn.Element, code string) *bpmn.Element {
	var all *bpmn.Element
	for _, b := range boundaries {
		if b.EventType != bpmn.EventEscalation || b.Escalation == nil {
			continue
		}
		if b.Escalation.Code == code {
			return b
		}
		if b.Escalation.Code == "" && all == nil {
			all = b
		}
	}
	return all
}

// matchEventSubProcess finds the event sub-process whose error or
// escalation start event catches code: an exact code before a catch-all.
func matchEventSubProcess(esps []*bpmn.Element, kind bpmn.EventType, code string) *bpmn.Element {
	var all *bpmn.Element
	for _, esp := range esps {
		s := esp.EventStart
		if s.EventType != kind {
			continue
		}
		var c string
		switch kind {
		case bpmn.EventError:
			if s.Error != nil {
				c = s.Error.Code.Raw
			}
		case bpmn.EventEscalation:
			if s.Escalation != nil {
				c = s.Escalation.Code
			}
		}
		if c == code && c != "" {
			return esp
		}
		if c == "" && all == nil {
			all = esp
		}
	}
	return all
}

// openSignalSubscription makes in wait for el's signal.
func (w *writer) openSignalSubscription(in *inst, el *bpmn.Element) bool {
	name, err := w.evalString(el.Signal.Name, scopeView{st: w.st, scope: in}, false)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	sub := &store.SignalSubscription{
		Key:                  w.st.newKey(),
		ProcessID:            in.def.rec.ProcessID,
		ProcessDefinitionKey: in.def.rec.Key,
		ProcessInstanceKey:   in.root().key(),
		ElementInstanceKey:   in.key(),
		ElementID:            el.ID,
		SignalName:           name,
		State:                store.SignalSubscriptionCreated,
		TenantID:             in.rec.TenantID,
	}
	w.st.addSignalSub(sub)
	w.st.touch(sub)
	in.rt().Extra().SignalKeys = append(in.rt().Extra().SignalKeys, sub.Key)
	w.touch(in)
	return true
}

func (w *writer) openStartSignals(def *definition) {
	for _, el := range def.proc.SignalStarts {
		name, err := w.evalString(el.Signal.Name, scopeView{st: w.st}, false)
		if err != nil {
			w.e.log.Warn("signal start event not subscribed", "process", def.rec.ProcessID, "element", el.ID, "err", err)
			continue
		}
		sub := &store.SignalSubscription{Key: w.st.newKey(), ProcessID: def.rec.ProcessID, ProcessDefinitionKey: def.rec.Key,
			ElementID: el.ID, SignalName: name, State: store.SignalSubscriptionCreated, TenantID: def.rec.TenantID}
		w.st.addSignalSub(sub)
		w.st.touch(sub)
	}
}

func (w *writer) closeStartSignals(def *definition) {
	for _, sub := range w.st.signalSubs {
		if sub.ElementInstanceKey == 0 && sub.ProcessDefinitionKey == def.rec.Key {
			sub.State = store.SignalSubscriptionDeleted
			w.st.removeSignalSub(sub)
			w.st.touch(sub)
		}
	}
}

// broadcast delivers a signal to every subscription of its name: signal
// start events start instances, waiting elements go on.
func (w *writer) broadcast(tenant, name string, vars map[string]json.RawMessage) {
	var subs []*store.SignalSubscription
	for _, s := range w.st.signals[subKey(tenant, name)] {
		subs = append(subs, s)
	}
	slices.SortFunc(subs, func(a, b *store.SignalSubscription) int { return compareKeys(a.Key, b.Key) })
	for _, sub := range subs {
		if w.st.signalSubs[sub.Key] != sub {
			continue // withdrawn by an earlier delivery of this signal
		}
		if sub.ElementInstanceKey == 0 {
			def := w.st.defs[sub.ProcessDefinitionKey]
			if def == nil {
				continue
			}
			w.createInstance(def, def.proc.ElementByID(sub.ElementID), vars, instanceOptions{})
			continue
		}
		in := w.st.insts[sub.ElementInstanceKey]
		if in == nil || in.lifecycle() != lcActivated {
			continue
		}
		if sub.ElementID == in.el.ID {
			w.closeSignalSub(in, sub)
			w.completeWithVariables(in, vars)
			continue
		}
		target := in.def.proc.ElementByID(sub.ElementID)
		if target == nil {
			continue
		}
		if !canRecur(in, target) {
			w.closeSignalSub(in, sub) // before the event withdraws its element's other subscriptions
		}
		w.scopeEvent(in, target, vars)
	}
}

func (w *writer) closeSignalSub(in *inst, sub *store.SignalSubscription) {
	if w.st.signalSubs[sub.Key] == nil {
		return
	}
	sub.State = store.SignalSubscriptionTriggered
	w.st.removeSignalSub(sub)
	w.st.touch(sub)
	rt := in.rt()
	rt.Extra().SignalKeys = slices.DeleteFunc(rt.Extra().SignalKeys, func(k int64) bool { return k == sub.Key })
	w.touch(in)
}

// SignalRequest is a signal to broadcast.
type SignalRequest struct {
	Name      string
	Variables map[string]any
	TenantID  string
}

// SignalResult answers a broadcast.
type SignalResult struct {
	SignalKey int64
	TenantID  string
}

// BroadcastSignal delivers a signal to every process waiting for it and
// starts the processes with a signal start event of that name.
func (e *Engine) BroadcastSignal(ctx context.Context, req SignalRequest) (SignalResult, error) {
	if req.Name == "" {
		return SignalResult{}, errorf(CodeInvalidArgument, "Expected a signal name, but it is empty")
	}
	if req.TenantID == "" {
		req.TenantID = DefaultTenant
	}
	vars, err := encodeVariables(req.Variables)
	if err != nil {
		return SignalResult{}, err
	}
	return do(ctx, e, func(w *writer) (SignalResult, error) {
		key := w.st.newKey()
		w.broadcast(req.TenantID, req.Name, vars)
		return SignalResult{SignalKey: key, TenantID: req.TenantID}, nil
	})
}
