package engine

import (
	"encoding/json"
	"slices"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// Element lifecycle, as Zeebe's element intents.
const (
	lcActivating  = "ACTIVATING"
	lcActivated   = "ACTIVATED"
	lcCompleting  = "COMPLETING"
	lcCompleted   = "COMPLETED"
	lcTerminating = "TERMINATING"
	lcTerminated  = "TERMINATED"
)

// Incident error types, as Camunda names them.
const (
	incJobNoRetries   = "JOB_NO_RETRIES"
	incIOMapping      = "IO_MAPPING_ERROR"
	incCondition      = "CONDITION_ERROR"
	incExtractValue   = "EXTRACT_VALUE_ERROR"
	incUnhandledError = "UNHANDLED_ERROR_EVENT"
	// incUnknown is raised when an instance exceeds its step budget.
	incUnknown = "UNKNOWN"
)

// This file is the lifecycle every element instance goes through, whatever
// its type (Zeebe's BpmnStreamProcessor with its state transition
// behaviour): the steps call the element's behaviour (behavior.go) and its
// flow scope's container behaviour at fixed points.

// transition moves an element instance to a lifecycle state.
func (w *writer) transition(in *inst, lc string) {
	rt := in.rt()
	rt.Lifecycle = lc
	if lc == lcActivated || lc == lcCompleting {
		if x := rt.ExtraIfSet(); x != nil {
			x.ListenersDone = 0 // the next step's listeners start from the first
		}
	}
	w.touch(in)
	if w.e.opts.ElementEvents {
		w.emit(Event{Kind: EventElement, Key: in.key(), ProcessInstanceKey: in.rec.ProcessInstanceKey,
			ElementID: in.rec.ElementID, Type: in.rec.Type, Message: "ELEMENT_" + lc})
	}
}

// activate creates an instance of el in scope and schedules its activation.
// A multi-instance activity is entered through its body, which creates the
// inner instances.
func (w *writer) activate(scope *inst, el *bpmn.Element) *inst {
	if el.MultiInstance != nil {
		return w.newInst(scope, el, bpmn.TypeMultiInstanceBody)
	}
	return w.newInst(scope, el, el.Type)
}

func (w *writer) newInst(scope *inst, el *bpmn.Element, typ bpmn.ElementType) *inst {
	root := scope.root()
	rec := &store.ElementInstance{
		Key:                    w.st.newKey(),
		ProcessInstanceKey:     root.key(),
		RootProcessInstanceKey: root.rec.RootProcessInstanceKey,
		ProcessDefinitionKey:   scope.def.rec.Key,
		ProcessID:              scope.def.rec.ProcessID,
		ElementID:              el.ID,
		ElementName:            el.Name,
		Type:                   string(typ),
		State:                  store.StateActive,
		StartDate:              w.now,
		TenantID:               scope.rec.TenantID,
		FlowScopeKey:           scope.key(),
	}
	in := &inst{rec: rec, el: el, def: scope.def, parent: scope}
	w.st.insts[rec.Key] = in
	scope.addChild(in)
	scope.rt().ActiveChildren++
	w.touch(scope)
	w.transition(in, lcActivating)
	w.enqueue(stepActivate, rec.Key)
	return in
}

func (in *inst) addChild(c *inst) { in.children = append(in.children, c) }

// removeChild takes c out of in's children: a search, as scopes hold few
// children (a multi-instance body's thousands cost microseconds each).
func (in *inst) removeChild(c *inst) {
	if i := slices.Index(in.children, c); i >= 0 {
		last := len(in.children) - 1
		in.children[i] = in.children[last]
		in.children[last] = nil
		in.children = in.children[:last]
	}
}

func (w *writer) alive(in *inst) bool { return w.st.insts[in.key()] == in }

// onActivate is the step that activates an ACTIVATING element instance: its
// behaviour leaves it ACTIVATED (waiting for a job, a user task, an event,
// its children), COMPLETING (nothing to wait for), or ACTIVATING with an
// incident whose resolution runs the step again.
func (w *writer) onActivate(in *inst) {
	if !w.alive(in) || in.lifecycle() != lcActivating {
		return
	}
	behaviorOf(in).onActivate(w, in)
	if w.alive(in) && in.lifecycle() == lcActivated {
		w.conditionsOnActivation(in)
	}
}

// enter does what (nearly) every element does when activated, before its
// own work, as Zeebe's processors call their shared behaviours: what a
// failed earlier attempt opened is withdrawn; an element whose event
// happened already completes with it (applyTrigger); the input mappings
// apply, then the start execution listeners run; an activity's boundary
// events are opened (when boundaries is set). It reports whether the
// element goes on with its own activation.
func (w *writer) enter(in *inst, boundaries bool) bool {
	w.withdrawFailedAttempt(in)
	if w.applyTrigger(in) {
		return false
	}
	if !w.inputsAndStartListeners(in) {
		return false
	}
	return !boundaries || w.openActivityBoundaries(in)
}

// inputsAndStartListeners applies the input mappings (not again once a
// start listener completed) and runs the start execution listeners; it
// reports whether they are done.
func (w *writer) inputsAndStartListeners(in *inst) bool {
	if in.rt().ReadExtra().ListenersDone == 0 && !w.applyInputs(in) {
		return false
	}
	return w.runListeners(in, bpmn.ListenerStart)
}

// withdrawFailedAttempt cancels what an activation that raised an incident
// had opened already, before it runs again.
func (w *writer) withdrawFailedAttempt(in *inst) {
	rt := in.rt().ReadExtra()
	if len(rt.SubscriptionKeys)+len(rt.TimerKeys)+len(rt.SignalKeys) > 0 {
		w.cancelWaitStates(in)
	}
}

// applyTrigger completes an element whose event happened already (a catch
// event after an event-based gateway, a boundary event, an event
// sub-process's start event) with the event's variables, as Zeebe's event
// trigger behaviour does; its input mappings do not run. It reports whether
// there was a trigger.
func (w *writer) applyTrigger(in *inst) bool {
	tr := in.rt().ReadExtra().Trigger
	if tr == nil {
		return false
	}
	in.rt().Extra().Trigger = nil
	w.activated(in)
	w.completeWithVariables(in, tr.Variables)
	return true
}

// applyInputs applies the element's input mappings as its local variables;
// a failing mapping raises an incident.
func (w *writer) applyInputs(in *inst) bool {
	if len(in.el.Inputs) == 0 {
		return true
	}
	// The element's own locals (a multi-instance item) are visible.
	vars, err := w.applyMappings(in.el.Inputs, scopeView{st: w.st, scope: in})
	if err != nil {
		w.raise(in, incIOMapping, err.Error(), 0)
		return false
	}
	w.setAllLocal(in, vars)
	return true
}

// openActivityBoundaries opens the boundary events of an activity; an inner
// instance of a multi-instance activity has none (its body has them).
func (w *writer) openActivityBoundaries(in *inst) bool {
	if !in.el.IsActivity() || len(in.el.Boundaries) == 0 || isInner(in) {
		return true
	}
	return w.openBoundaries(in)
}

// activated marks an element instance ACTIVATED: it waits.
func (w *writer) activated(in *inst) { w.transition(in, lcActivated) }

// passThrough is the activation of an element with nothing to wait for.
func (w *writer) passThrough(in *inst) {
	w.activated(in)
	w.complete(in)
}

// complete starts leaving an element whose work is done.
func (w *writer) complete(in *inst) {
	w.transition(in, lcCompleting)
	w.enqueue(stepComplete, in.key())
}

// onComplete is the step that leaves a COMPLETING element instance: its
// behaviour applies the output mappings and picks the outgoing flows, its
// flow scope's behaviour takes its share (a multi-instance body collects
// the output element), then the instance is COMPLETED and its flows are
// taken. A failing mapping or condition raises an incident and leaves the
// instance COMPLETING; resolving it runs the step again.
func (w *writer) onComplete(in *inst) {
	if !w.alive(in) || in.lifecycle() != lcCompleting {
		return
	}
	var flows []*bpmn.SequenceFlow
	if in.rt().ReadExtra().ListenersDone == 0 {
		var ok bool
		if flows, ok = behaviorOf(in).onComplete(w, in); !ok {
			return
		}
		if in.parent != nil {
			take, err := containerOf(in.parent).onChildCompleting(w, in.parent, in)
			if err != nil {
				w.raise(in, incExtractValue, err.Error(), 0)
				return
			}
			if !take {
				flows = nil
			}
		}
	} else {
		// Resumed after an end listener: the mappings applied, the flows
		// are the element's (gateways, which pick theirs, have no end
		// listeners), none for an inner instance of a multi-instance body.
		flows = in.el.Outgoing
		if isInner(in) {
			flows = nil
		}
	}
	if !w.runListeners(in, bpmn.ListenerEnd) {
		return
	}
	w.leave(in, flows)
}

// applyOutputs applies the element's output mappings to its flow scope (a
// process instance keeps them); a failing mapping raises an incident.
func (w *writer) applyOutputs(in *inst) bool {
	if len(in.el.Outputs) == 0 {
		return true
	}
	vars, err := w.applyMappings(in.el.Outputs, scopeView{st: w.st, scope: in})
	if err != nil {
		w.raise(in, incIOMapping, err.Error(), 0)
		return false
	}
	if in.parent != nil {
		w.merge(in.parent, vars)
	} else {
		w.setAllLocal(in, vars)
	}
	return true
}

// outputsThenFlows is the completion of most elements: output mappings,
// then every outgoing flow.
func (w *writer) outputsThenFlows(in *inst) ([]*bpmn.SequenceFlow, bool) {
	if !w.applyOutputs(in) {
		return nil, false
	}
	return in.el.Outgoing, true
}

// leave completes an element instance: what it still waits on is withdrawn
// (boundary events), it is COMPLETED, its flows are taken, and its flow
// scope hears of it.
func (w *writer) leave(in *inst, flows []*bpmn.SequenceFlow) {
	x := in.rt().ReadExtra()
	tr, compThrow := x.Trigger, x.CompensationThrow
	w.cancelWaitStates(in)
	in.rec.State = store.StateCompleted
	in.rec.EndDate = w.now
	w.transition(in, lcCompleted)
	w.recordCompensable(in)
	if in.isProcess() {
		w.processDone(in, store.StateCompleted)
		w.release(in)
		return
	}
	w.release(in)
	scope := in.parent
	for _, f := range flows {
		w.takeFlow(scope, f)
	}
	if tr != nil && tr.Flow != "" {
		// The event of an event-based gateway happened: its catch event
		// completes at once with the event's variables.
		in.rt().Extra().Trigger = nil
		if f := in.def.proc.Flow(tr.Flow); f != nil {
			w.tookFlow(scope, f)
			t := w.activate(scope, f.Target)
			t.rt().Extra().Trigger = &store.EventTrigger{Variables: tr.Variables}
		}
	}
	if compThrow != 0 {
		w.compensationHandlerDone(compThrow)
	}
	containerOf(scope).onChildCompleted(w, scope, in)
}

// release forgets a finished element instance (its records stay in the store).
func (w *writer) release(in *inst) {
	delete(w.st.insts, in.key())
	if in.parent != nil {
		in.parent.removeChild(in)
	}
	w.dropScopeVars(in)
	rt := in.rt()
	rt.Joins = nil
	rt.JobKey, rt.UserTaskKey = 0, 0
	if x := rt.ExtraIfSet(); x != nil {
		x.SubscriptionKeys, x.TimerKeys = nil, nil
	}
}

// childGone counts a child of scope that completed or was terminated.
func (w *writer) childGone(scope *inst) {
	scope.rt().ActiveChildren--
	w.touch(scope)
}

// afterChild is what a flow scope does when one of its children is gone
// (counted by childGone): a terminating scope whose last child went is
// TERMINATED; an interrupted one (a terminate end event, an interrupting
// event sub-process) or an active one with no child and no join waiting
// completes. An active scope fires the inclusive joins no token can reach
// any more.
func (w *writer) afterChild(scope *inst) {
	rt := scope.rt()
	switch {
	case rt.Lifecycle == lcTerminating:
		if rt.ActiveChildren == 0 {
			w.finishTerminate(scope)
		}
	case rt.ReadExtra().Terminate:
		if rt.ActiveChildren == 0 {
			w.complete(scope)
		}
	case rt.Lifecycle == lcActivated:
		w.checkInclusiveJoins(scope)
		if rt.ActiveChildren == 0 && pendingJoins(rt) == 0 {
			w.complete(scope)
		}
	}
}

// terminate cancels an element instance and, first, everything inside it.
func (w *writer) terminate(in *inst) {
	switch in.lifecycle() {
	case lcTerminating, lcTerminated, lcCompleted:
		return
	}
	w.transition(in, lcTerminating)
	if behaviorOf(in).onTerminate(w, in) {
		return
	}
	w.cancelWaitStates(in)
	if len(in.children) > 0 {
		for _, c := range sortedChildren(in) {
			w.terminate(c)
		}
		if in.rt().ActiveChildren > 0 {
			return
		}
	}
	w.finishTerminate(in)
}

func sortedChildren(in *inst) []*inst {
	out := slices.Clone(in.children)
	slices.SortFunc(out, func(a, b *inst) int { return compareKeys(a.key(), b.key()) })
	return out
}

func (w *writer) finishTerminate(in *inst) {
	if !w.alive(in) {
		return
	}
	in.rec.State = store.StateTerminated
	in.rec.EndDate = w.now
	in.rt().Joins = nil
	w.transition(in, lcTerminated)
	if in.isProcess() {
		w.processDone(in, store.StateTerminated)
		w.release(in)
		return
	}
	w.release(in)
	containerOf(in.parent).onChildTerminated(w, in.parent, in)
}

// terminateScope handles a terminate end event: every other element of its
// scope is terminated, and the scope completes once they are gone.
func (w *writer) terminateScope(end *inst) { w.interruptScope(end.parent, end) }

// interruptScope terminates everything in scope but keep, and makes the
// scope complete once keep is done.
func (w *writer) interruptScope(scope, keep *inst) {
	rt := scope.rt()
	rt.Extra().Terminate = true
	rt.Joins = nil
	w.touch(scope)
	for _, c := range sortedChildren(scope) {
		if c != keep {
			w.terminate(c)
		}
	}
}

// endJob finishes a job in state (empty: keep the state it has); no worker
// can act on it any more.
func (w *writer) endJob(j *store.Job, state string) {
	if state != "" {
		j.State = state
	}
	j.EndTime = w.now
	j.LastUpdateTime = w.now
	j.Activated = false
	delete(w.st.jobs, j.Key)
	w.st.touch(j)
}

// cancelWaitStates withdraws what an element instance waits on, and
// resolves its incidents.
func (w *writer) cancelWaitStates(in *inst) {
	rt := in.rt()
	x := rt.ReadExtra()
	for _, k := range x.SignalKeys {
		if sub := w.st.signalSubs[k]; sub != nil {
			sub.State = store.SignalSubscriptionDeleted
			w.st.removeSignalSub(sub)
			w.st.touch(sub)
		}
	}
	if x := rt.ExtraIfSet(); x != nil {
		x.SignalKeys = nil
	}
	if child := w.st.insts[x.CalledInstance]; child != nil {
		// A step of its own: a chain of call activities as deep as it grew
		// is terminated one level per step, in bounded slices.
		rt.Extra().CalledInstance = 0
		w.enqueue(stepTerminate, child.key())
	}
	if j := w.st.jobs[rt.JobKey]; j != nil {
		w.endJob(j, store.JobCanceled)
	}
	if ut := w.st.userTasks[rt.UserTaskKey]; ut != nil && ut.State != store.UserTaskCanceling {
		ut.State = store.UserTaskCanceled
		delete(w.st.userTasks, ut.Key)
		w.st.touch(ut)
	}
	for _, k := range x.SubscriptionKeys {
		if sub := w.st.subs[k]; sub != nil {
			sub.State = store.SubscriptionDeleted
			sub.LastUpdatedDate = w.now
			w.st.removeSub(sub)
			w.st.touch(sub)
		}
	}
	for _, k := range x.TimerKeys {
		if t := w.st.timers[k]; t != nil {
			t.State = store.TimerCanceled
			delete(w.st.timers, k)
			w.st.touch(t)
		}
	}
	if in.rec.HasIncident {
		if inc := w.st.incidents[in.rec.IncidentKey]; inc != nil {
			w.markResolved(inc)
		}
	}
}

// processDone finishes a process instance.
func (w *writer) processDone(in *inst, state string) {
	pi := in.pi
	pi.State = state
	pi.EndDate = w.now
	w.st.touch(pi)
	delete(w.st.piIncidents, pi.Key)
	if pi.HasIncident {
		pi.HasIncident = false
	}
	w.notifyAwaiters(in, state)
	w.forgetMessageStart(in)
	if state == store.StateCompleted && pi.ParentElementInstanceKey != 0 {
		w.calledDone(in)
	}
}

// completeWithVariables finishes a wait state that delivered variables (a
// job, a user task, a message), as Zeebe does: with output mappings the
// variables are local to the element and the mappings decide what
// propagates; without, they are merged from the element outwards.
func (w *writer) completeWithVariables(in *inst, vars map[string]json.RawMessage) {
	if len(in.el.Outputs) > 0 {
		w.setAllLocal(in, vars)
	} else {
		w.merge(in, vars)
	}
	w.complete(in)
}
