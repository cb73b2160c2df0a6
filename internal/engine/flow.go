package engine

import (
	"encoding/json"
	"slices"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
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
		Runtime:                store.ScopeRuntime{Lifecycle: lcActivating},
	}
	in := &inst{rec: rec, el: el, def: scope.def, parent: scope}
	w.st.insts[rec.Key] = in
	scope.addChild(in)
	scope.rt().ActiveChildren++
	w.touch(scope)
	w.st.touch(rec)
	w.enqueue(stepActivate, rec.Key)
	return in
}

func (in *inst) addChild(c *inst) {
	if in.children == nil {
		in.children = map[int64]*inst{}
	}
	in.children[c.key()] = c
}

func (w *writer) alive(in *inst) bool { return w.st.insts[in.key()] == in }

// onActivate runs an element's activation: input mappings, then what the
// element does when entered. An element that must wait (for a job, a user
// task, a message, a timer, its children) ends ACTIVATED; one that need not
// goes on to complete.
func (w *writer) onActivate(in *inst) {
	if !w.alive(in) || in.lifecycle() != lcActivating {
		return
	}
	el := in.el
	if in.isBody() {
		w.activateBody(in)
		return
	}
	rt := in.rt()
	if len(rt.SubscriptionKeys)+len(rt.TimerKeys)+len(rt.SignalKeys) > 0 {
		// A retry after an incident: what the failed attempt opened goes first.
		w.cancelWaitStates(in)
	}
	if tr := rt.Trigger; tr != nil && el.Type != bpmn.TypeEventSubProcess {
		// The element's event happened already (a catch event after an
		// event-based gateway, a boundary event, an event sub-process's
		// start): it completes with the event's variables, as Zeebe's event
		// trigger behaviour; its input mappings do not run.
		rt.Trigger = nil
		w.activated(in)
		w.completeWithVariables(in, tr.Variables)
		return
	}
	if el.Type == bpmn.TypeAdHocSubProcess {
		w.initAdHoc(in)
	}
	if len(el.Inputs) > 0 {
		// The element's own locals (a multi-instance item) are visible.
		vars, err := w.applyMappings(el.Inputs, scopeView{st: w.st, scope: in})
		if err != nil {
			w.raise(in, incIOMapping, err.Error(), 0)
			return
		}
		w.setAllLocal(in, vars)
	}
	if el.IsActivity() && len(el.Boundaries) > 0 && el.Type != bpmn.TypeManualTask && el.Type != bpmn.TypeTask && !isInner(in) {
		if !w.openBoundaries(in) {
			return
		}
	}
	switch el.Type {
	case bpmn.TypeServiceTask, bpmn.TypeSendTask, bpmn.TypeScriptTask, bpmn.TypeBusinessRuleTask:
		if el.Script != nil {
			w.runScript(in)
			return
		}
		if !w.createJob(in) {
			return
		}
	case bpmn.TypeUserTask:
		if el.UserTask != nil && el.UserTask.Native {
			if !w.createUserTask(in) {
				return
			}
		} else if !w.createJob(in) {
			return
		}
	case bpmn.TypeReceiveTask:
		if !w.openSubscription(in, el, el.Message) {
			return
		}
	case bpmn.TypeIntermediateCatchEvent:
		switch el.EventType {
		case bpmn.EventMessage:
			if !w.openSubscription(in, el, el.Message) {
				return
			}
		case bpmn.EventTimer:
			if !w.scheduleTimer(in, el) {
				return
			}
		case bpmn.EventSignal:
			if !w.openSignalSubscription(in, el) {
				return
			}
		default: // a link catch event passes on
			w.activated(in)
			w.complete(in)
			return
		}
	case bpmn.TypeEventBasedGateway:
		if !w.openEventGateway(in) {
			return
		}
	case bpmn.TypeSubProcess:
		w.activated(in)
		w.openScopeEvents(in)
		w.activate(in, el.NoneStart)
		return
	case bpmn.TypeEventSubProcess:
		w.startEventSubProcess(in)
		return
	case bpmn.TypeAdHocSubProcess:
		w.activateAdHocSubProcess(in)
		return
	case bpmn.TypeAdHocInnerInstance:
		w.startInnerInstance(in)
		return
	case bpmn.TypeCallActivity:
		if !w.callProcess(in) {
			return
		}
	case bpmn.TypeBoundaryEvent:
		// Activated by its trigger (above); without one it has nothing to wait for.
		w.activated(in)
		w.complete(in)
		return
	case bpmn.TypeIntermediateThrowEvent:
		switch el.EventType {
		case bpmn.EventMessage:
			if !w.createJob(in) {
				return
			}
		case bpmn.EventLink:
			w.activated(in)
			w.activate(in.parent, el.LinkTarget)
			w.complete(in)
			return
		case bpmn.EventSignal, bpmn.EventEscalation:
			w.activated(in)
			w.throwEvent(in)
			return
		default:
			w.activated(in)
			w.complete(in)
			return
		}
	case bpmn.TypeEndEvent:
		switch el.EventType {
		case bpmn.EventMessage:
			if !w.createJob(in) {
				return
			}
		case bpmn.EventTerminate:
			w.activated(in)
			w.terminateScope(in)
			w.complete(in)
			return
		case bpmn.EventSignal, bpmn.EventEscalation:
			w.activated(in)
			w.throwEvent(in)
			return
		case bpmn.EventError:
			w.activated(in)
			code, err := w.evalString(el.Error.Code, scopeView{st: w.st, scope: in}, true)
			if err != nil {
				w.raise(in, incExtractValue, err.Error(), 0)
				return
			}
			w.throwError(in, code, "", 0, nil)
			return
		default:
			w.activated(in)
			w.complete(in)
			return
		}
	default:
		// Start events, manual and undefined tasks, gateways: nothing to wait for.
		w.activated(in)
		w.complete(in)
		return
	}
	w.activated(in)
}

func (w *writer) activated(in *inst) {
	in.rt().Lifecycle = lcActivated
	w.touch(in)
}

// complete starts leaving an element whose work is done.
func (w *writer) complete(in *inst) {
	in.rt().Lifecycle = lcCompleting
	w.touch(in)
	w.enqueue(stepComplete, in.key())
}

// onComplete applies output mappings, picks the outgoing flows, and leaves.
func (w *writer) onComplete(in *inst) {
	if !w.alive(in) || in.lifecycle() != lcCompleting {
		return
	}
	el := in.el
	outputs := el.Outputs
	if el.Type == bpmn.TypeAdHocSubProcess && !in.isBody() {
		w.propagateAdHocOutput(in)
	}
	if in.isBody() {
		// The inner instances applied the output mappings.
		outputs = nil
		w.propagateOutputCollection(in)
	}
	if len(outputs) > 0 {
		vars, err := w.applyMappings(outputs, scopeView{st: w.st, scope: in})
		if err != nil {
			w.raise(in, incIOMapping, err.Error(), 0)
			return
		}
		if in.parent != nil {
			w.merge(in.parent, vars)
		} else {
			w.setAllLocal(in, vars)
		}
	}
	flows := el.Outgoing
	tr := in.rt().Trigger
	if adHocTurn(in) {
		if err := w.collectAdHocOutput(in); err != nil {
			w.raise(in, incExtractValue, err.Error(), 0)
			return
		}
	}
	inner := in.parent != nil && in.parent.isBody()
	if inner {
		// The body leaves by the activity's flows, once.
		flows = nil
		if err := w.collectOutput(in); err != nil {
			w.raise(in, incExtractValue, err.Error(), 0)
			return
		}
	}
	switch in.elementType() {
	case bpmn.TypeExclusiveGateway:
		f, err := w.pickExclusive(in)
		if err != nil {
			w.raise(in, incCondition, err.Error(), 0)
			return
		}
		flows = f
	case bpmn.TypeInclusiveGateway:
		f, err := w.pickInclusive(in)
		if err != nil {
			w.raise(in, incCondition, err.Error(), 0)
			return
		}
		flows = f
	case bpmn.TypeEventBasedGateway:
		flows = nil
	}
	// Boundary events and anything else still waiting are withdrawn.
	w.cancelWaitStates(in)
	in.rec.State = store.StateCompleted
	in.rec.EndDate = w.now
	in.rt().Lifecycle = lcCompleted
	w.touch(in)
	if in.isProcess() {
		w.processDone(in, store.StateCompleted)
		w.release(in)
		return
	}
	w.release(in)
	scope := in.parent
	if adHocTurn(in) && scope.lifecycle() == lcActivated && !scope.rt().Terminate {
		w.adHocInnerCompleted(scope)
		return
	}
	for _, f := range flows {
		w.takeFlow(scope, f)
	}
	if tr != nil && tr.Flow != "" {
		// The event of an event-based gateway happened: its catch event
		// completes at once with the event's variables.
		in.rt().Trigger = nil
		if f := in.def.proc.Flow(tr.Flow); f != nil {
			t := w.activate(scope, f.Target)
			t.rt().Trigger = &store.EventTrigger{Variables: tr.Variables}
		}
	}
	w.childDone(scope)
}

// release forgets a finished element instance (its records stay in the store).
func (w *writer) release(in *inst) {
	delete(w.st.insts, in.key())
	if in.parent != nil {
		delete(in.parent.children, in.key())
	}
	w.dropScopeVars(in)
	rt := in.rt()
	rt.Joins = nil
	rt.JobKey, rt.UserTaskKey, rt.SubscriptionKeys, rt.TimerKeys = 0, 0, nil, nil
}

// childDone is called when a child of scope completed or was terminated.
func (w *writer) childDone(scope *inst) {
	rt := scope.rt()
	rt.ActiveChildren--
	w.touch(scope)
	if scope.isBody() && rt.Lifecycle == lcActivated && !rt.Terminate {
		w.innerDone(scope)
		return
	}
	if scope.el.Type == bpmn.TypeAdHocSubProcess && rt.Lifecycle == lcActivated && !rt.Terminate {
		// An inner instance was terminated: a fulfilled sub-process may be done.
		if rt.AdHocFulfilled && rt.ActiveChildren == 0 {
			w.complete(scope)
		}
		return
	}
	switch {
	case rt.Lifecycle == lcTerminating:
		if rt.ActiveChildren == 0 {
			w.finishTerminate(scope)
		}
	case rt.Terminate:
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

func pendingJoins(rt *store.ScopeRuntime) int {
	n := 0
	for _, flows := range rt.Joins {
		for _, c := range flows {
			n += c
		}
	}
	return n
}

// takeFlow moves a token along f inside scope.
func (w *writer) takeFlow(scope *inst, f *bpmn.SequenceFlow) {
	t := f.Target
	joining := len(t.Incoming) > 1 && (t.Type == bpmn.TypeParallelGateway || t.Type == bpmn.TypeInclusiveGateway)
	if !joining {
		w.activate(scope, t)
		return
	}
	rt := scope.rt()
	if rt.Joins == nil {
		rt.Joins = map[string]map[string]int{}
	}
	j := rt.Joins[t.ID]
	if j == nil {
		j = map[string]int{}
		rt.Joins[t.ID] = j
	}
	j[f.ID]++
	w.touch(scope)
	if t.Type == bpmn.TypeParallelGateway {
		for _, in := range t.Incoming {
			if j[in.ID] == 0 {
				return
			}
		}
		w.fireJoin(scope, t)
	}
	// Inclusive joins are checked once the scope's other tokens have moved.
	w.enqueue(stepJoins, scope.key())
}

// fireJoin consumes one token per taken incoming flow and activates the gateway.
func (w *writer) fireJoin(scope *inst, g *bpmn.Element) {
	rt := scope.rt()
	j := rt.Joins[g.ID]
	for id, c := range j {
		if c <= 1 {
			delete(j, id)
		} else {
			j[id] = c - 1
		}
	}
	if len(j) == 0 {
		delete(rt.Joins, g.ID)
	}
	w.touch(scope)
	w.activate(scope, g)
}

// checkInclusiveJoins fires every waiting inclusive join that no other token
// of the scope can still reach.
func (w *writer) checkInclusiveJoins(scope *inst) {
	rt := scope.rt()
	for gid, j := range rt.Joins {
		g := scope.def.proc.ElementByID(gid)
		if g == nil || g.Type != bpmn.TypeInclusiveGateway || len(j) == 0 {
			continue
		}
		if w.inclusiveCanStillArrive(scope, g) {
			continue
		}
		w.fireJoin(scope, g)
	}
}

func (w *writer) inclusiveCanStillArrive(scope *inst, g *bpmn.Element) bool {
	reach := scope.def.reaching(g)
	for _, c := range scope.children {
		if reach[c.el.ID] {
			return true
		}
	}
	for oid, j := range scope.rt().Joins {
		if oid != g.ID && len(j) > 0 && reach[oid] {
			return true
		}
	}
	return false
}

// reaching returns the ids of elements from which g can be reached along
// sequence flows (g excluded unless on a cycle). It is computed once per
// gateway and definition.
func (d *definition) reaching(g *bpmn.Element) map[string]bool {
	if r, ok := d.reach[g.ID]; ok {
		return r
	}
	r := map[string]bool{}
	stack := []*bpmn.Element{g}
	for len(stack) > 0 {
		e := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, f := range e.Incoming {
			if !r[f.Source.ID] {
				r[f.Source.ID] = true
				stack = append(stack, f.Source)
			}
		}
	}
	if d.reach == nil {
		d.reach = map[string]map[string]bool{}
	}
	d.reach[g.ID] = r
	return r
}

func (w *writer) condition(f *bpmn.SequenceFlow, view scopeView) (bool, error) {
	v, warns, err := w.eval(f.Condition.FEEL, view)
	if err != nil {
		return false, err
	}
	b, ok := v.(feel.Boolean)
	if !ok {
		return false, typeError(*f.Condition, "BOOLEAN", v, warns)
	}
	return bool(b), nil
}

// pickExclusive takes the first outgoing flow whose condition holds, else
// the default flow.
func (w *writer) pickExclusive(in *inst) ([]*bpmn.SequenceFlow, error) {
	el := in.el
	if len(el.Outgoing) == 0 {
		return nil, nil
	}
	if len(el.Outgoing) == 1 && el.Outgoing[0].Condition == nil {
		return el.Outgoing, nil
	}
	view := scopeView{st: w.st, scope: in}
	for _, f := range el.Outgoing {
		if f == el.Default || f.Condition == nil {
			continue
		}
		ok, err := w.condition(f, view)
		if err != nil {
			return nil, err
		}
		if ok {
			return []*bpmn.SequenceFlow{f}, nil
		}
	}
	if el.Default != nil {
		return []*bpmn.SequenceFlow{el.Default}, nil
	}
	return nil, errorf(CodeInvalidState, "Expected at least one condition to evaluate to true, or to have a default flow")
}

// pickInclusive takes every outgoing flow whose condition holds, else the
// default flow.
func (w *writer) pickInclusive(in *inst) ([]*bpmn.SequenceFlow, error) {
	el := in.el
	view := scopeView{st: w.st, scope: in}
	var out []*bpmn.SequenceFlow
	for _, f := range el.Outgoing {
		if f == el.Default {
			continue
		}
		if f.Condition == nil {
			out = append(out, f)
			continue
		}
		ok, err := w.condition(f, view)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, f)
		}
	}
	if len(out) == 0 {
		if el.Default != nil {
			return []*bpmn.SequenceFlow{el.Default}, nil
		}
		if len(el.Outgoing) > 0 {
			return nil, errorf(CodeInvalidState, "Expected at least one condition to evaluate to true, or to have a default flow")
		}
	}
	return out, nil
}

// terminate cancels an element instance and, first, everything inside it.
func (w *writer) terminate(in *inst) {
	switch in.lifecycle() {
	case lcTerminating, lcTerminated, lcCompleted:
		return
	}
	in.rt().Lifecycle = lcTerminating
	w.touch(in)
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
	out := make([]*inst, 0, len(in.children))
	for _, c := range in.children {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *inst) int { return compareKeys(a.key(), b.key()) })
	return out
}

func (w *writer) finishTerminate(in *inst) {
	if !w.alive(in) {
		return
	}
	in.rec.State = store.StateTerminated
	in.rec.EndDate = w.now
	in.rt().Lifecycle = lcTerminated
	in.rt().Joins = nil
	w.touch(in)
	if in.isProcess() {
		w.processDone(in, store.StateTerminated)
		w.release(in)
		return
	}
	w.release(in)
	w.childDone(in.parent)
}

// terminateScope handles a terminate end event: every other element of its
// scope is terminated, and the scope completes once they are gone.
func (w *writer) terminateScope(end *inst) { w.interruptScope(end.parent, end) }

// interruptScope terminates everything in scope but keep, and makes the
// scope complete once keep is done.
func (w *writer) interruptScope(scope, keep *inst) {
	rt := scope.rt()
	rt.Terminate = true
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
	for _, k := range rt.SignalKeys {
		if sub := w.st.signalSubs[k]; sub != nil {
			sub.State = store.SignalSubscriptionDeleted
			w.st.removeSignalSub(sub)
			w.st.touch(sub)
		}
	}
	rt.SignalKeys = nil
	if child := w.st.insts[rt.CalledInstance]; child != nil {
		// A step of its own: a chain of call activities as deep as it grew
		// is terminated one level per step, in bounded slices.
		rt.CalledInstance = 0
		w.enqueue(stepTerminate, child.key())
	}
	if j := w.st.jobs[rt.JobKey]; j != nil {
		w.endJob(j, store.JobCanceled)
	}
	if ut := w.st.userTasks[rt.UserTaskKey]; ut != nil {
		ut.State = store.UserTaskCanceled
		delete(w.st.userTasks, ut.Key)
		w.st.touch(ut)
	}
	for _, k := range rt.SubscriptionKeys {
		if sub := w.st.subs[k]; sub != nil {
			sub.State = store.SubscriptionDeleted
			sub.LastUpdatedDate = w.now
			w.st.removeSub(sub)
			w.st.touch(sub)
		}
	}
	for _, k := range rt.TimerKeys {
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

// throwEvent throws a signal or an escalation and goes on, unless an
// interrupting catch event ended the thrower.
func (w *writer) throwEvent(in *inst) {
	locals := map[string]json.RawMessage{}
	for name, v := range w.st.vars[in.key()] {
		locals[name] = json.RawMessage(v.rec.Value)
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
