package engine

import (
	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
)

// Conditional events, as Zeebe 8.9 evaluates them. An element instance
// that is ACTIVATED subscribes to the conditional events it has: its own
// condition (an intermediate catch event), its conditional boundary events,
// the conditional start events of its event sub-processes (a scope). The
// subscriptions are not stored: they exist while the instance is
// ACTIVATED. Conditions are evaluated
//
//   - when the instance is activated (all of its conditions), and
//   - when a variable changes: from the scope that holds it downwards (a
//     scope before what is inside it), the conditions that read that
//     variable, filtered by the variable event (create, update).
//
// Both happen at the end of the command or step that caused them, in the
// batch that records it: a trigger is stored as the other triggers are (a
// boundary event or event sub-process is created with it, a catch event
// completes), so a restart cannot lose or repeat it. Each condition is
// evaluated at most once per command or step, however many of its
// variables changed. A condition that fails to evaluate, or gives anything
// but true, does not trigger (a warning is logged).

// condCheck is what evaluates conditions at the end of the current command
// or step: a variable that changed in a scope, or an instance activated.
type condCheck struct {
	scope   *inst
	name    string // empty: scope was activated
	created bool
}

// varChanged notes a variable created or updated in scope.
func (w *writer) varChanged(scope *inst, name string, created bool) {
	if scope.def.proc.Conditionals {
		w.conds = append(w.conds, condCheck{scope: scope, name: name, created: created})
	}
}

// conditionsOnActivation notes an instance that became ACTIVATED: all its
// conditions are evaluated.
func (w *writer) conditionsOnActivation(in *inst) {
	if in.def.proc.Conditionals {
		w.conds = append(w.conds, condCheck{scope: in})
	}
}

// varEvents are the events of one variable name in a scope.
type varEvents struct{ created, updated bool }

// evalConditions evaluates the conditions the current command or step made
// due, and triggers those that hold.
func (w *writer) evalConditions() {
	if len(w.conds) == 0 {
		return
	}
	checks := w.conds
	w.conds = nil
	// Per scope, in the order of first mention: the variables that changed
	// (nil: activated).
	var scopes []*inst
	changed := map[*inst]map[string]varEvents{}
	activated := map[*inst]bool{}
	for _, c := range checks {
		if _, ok := changed[c.scope]; !ok && !activated[c.scope] {
			scopes = append(scopes, c.scope)
		}
		if c.name == "" {
			activated[c.scope] = true
			continue
		}
		m := changed[c.scope]
		if m == nil {
			m = map[string]varEvents{}
			changed[c.scope] = m
		}
		ev := m[c.name]
		if c.created {
			ev.created = true
		} else {
			ev.updated = true
		}
		m[c.name] = ev
	}
	seen := map[condKey]bool{}
	for _, s := range scopes {
		if !w.alive(s) {
			continue
		}
		if m := changed[s]; m != nil {
			w.conditionsBelow(s, m, seen)
		}
		if activated[s] {
			w.conditionsAt(s, nil, seen)
		}
	}
}

// condKey names one subscription: an instance and the conditional event.
type condKey struct {
	key int64
	id  string
}

// conditionsBelow evaluates the conditions of s and of everything inside
// it that read the changed variables, top-down, until a trigger interrupts.
func (w *writer) conditionsBelow(s *inst, changed map[string]varEvents, seen map[condKey]bool) {
	if w.conditionsAt(s, changed, seen) {
		return
	}
	if len(s.children) == 0 {
		return
	}
	for _, c := range sortedChildren(s) {
		if w.alive(c) {
			w.conditionsBelow(c, changed, seen)
		}
	}
}

// conditionsAt evaluates the conditional events s subscribes to (all of
// them when changed is nil), and triggers those that hold. It reports
// whether s was interrupted (what is inside it is being terminated).
func (w *writer) conditionsAt(s *inst, changed map[string]varEvents, seen map[condKey]bool) (interrupted bool) {
	if s.lifecycle() != lcActivated || s.rt().ReadExtra().Terminate {
		return false
	}
	el := s.el
	if s.elementType() == bpmn.TypeIntermediateCatchEvent && el.EventType == bpmn.EventConditional {
		if w.conditionHolds(s, el, changed, seen) {
			w.complete(s)
		}
		return false
	}
	if s.elementType() == bpmn.TypeEventBasedGateway {
		w.gatewayConditions(s, changed, seen)
		return false
	}
	if len(el.Boundaries) > 0 && !isInner(s) && el.IsActivity() {
		for _, b := range el.Boundaries {
			if b.EventType != bpmn.EventConditional || !w.conditionHolds(s, b, changed, seen) {
				continue
			}
			w.triggerBoundary(s, b, nil)
			if b.Interrupting {
				return true
			}
		}
	}
	if s.isBody() {
		return false
	}
	for _, esp := range el.EventSubProcesses {
		start := esp.EventStart
		if start.EventType != bpmn.EventConditional || !w.conditionHolds(s, start, changed, seen) {
			continue
		}
		w.triggerEventSubProcess(s, esp, nil)
		if start.Interrupting {
			return true
		}
	}
	return false
}

// conditionHolds evaluates the condition of ev in the scope of s, when one
// of the variables it reads changed by an event it listens to.
func (w *writer) conditionHolds(s *inst, ev *bpmn.Element, changed map[string]varEvents, seen map[condKey]bool) bool {
	cd := ev.Conditional
	if cd == nil || cd.Condition.FEEL == nil {
		return false
	}
	if changed != nil {
		relevant := false
		for _, n := range cd.Names {
			if e, ok := changed[n]; ok && ((e.created && cd.OnCreate) || (e.updated && cd.OnUpdate)) {
				relevant = true
				break
			}
		}
		if !relevant {
			return false
		}
	}
	k := condKey{s.key(), ev.ID}
	if seen[k] {
		return false
	}
	seen[k] = true
	v, warns, err := w.eval(cd.Condition.FEEL, scopeView{st: w.st, scope: s})
	if err != nil {
		w.e.log.Warn("conditional event: the condition failed", "element", ev.ID, "elementInstanceKey", s.key(), "err", err)
		return false
	}
	b, ok := v.(feel.Boolean)
	if !ok && v != nil {
		w.e.log.Warn("conditional event: the condition is not a boolean", "element", ev.ID, "elementInstanceKey", s.key(),
			"err", typeError(cd.Condition, "BOOLEAN", v, warns))
	}
	return ok && bool(b)
}

// gatewayConditions evaluates the conditional catch events after an
// event-based gateway, in the order of its outgoing flows: the first that
// holds is the gateway's event (stored as its trigger, with the flow to
// it), the gateway's other events are withdrawn.
func (w *writer) gatewayConditions(gw *inst, changed map[string]varEvents, seen map[condKey]bool) {
	for _, f := range gw.el.Outgoing {
		t := f.Target
		if t.EventType != bpmn.EventConditional || !w.conditionHolds(gw, t, changed, seen) {
			continue
		}
		w.scopeEvent(gw, t, nil)
		return
	}
}
