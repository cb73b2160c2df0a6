package engine

import (
	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/store"
)

// Sequence flows: tokens moving along them, joins, and the conditions
// gateways pick flows by.

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
	w.tookFlow(scope, f)
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
