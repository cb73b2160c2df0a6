package bpmn

import (
	"slices"
	"strings"
)

// passesThrough reports whether an element completes as soon as it is
// activated, without waiting for anything: Zeebe's straight-through
// processing elements (undefined and manual tasks, FEEL script tasks,
// intermediate throw events), plus link catch events.
func passesThrough(e *Element) bool {
	switch e.Type {
	case TypeTask, TypeManualTask, TypeIntermediateThrowEvent:
		return true
	case TypeScriptTask:
		return e.Script != nil
	case TypeIntermediateCatchEvent:
		return e.EventType == EventLink
	}
	return false
}

// routes reports whether an element only routes tokens: a loop of gateways
// alone is accepted, as Zeebe accepts it (the step budget catches it at run
// time), but gateways are part of a loop of pass-through elements.
func routes(e *Element) bool {
	switch e.Type {
	case TypeExclusiveGateway, TypeParallelGateway, TypeInclusiveGateway:
		return true
	}
	return false
}

// checkStraightThroughLoops rejects, as Zeebe does at deployment, a cycle
// of sequence flows in which no element waits: an instance that entered it
// would run forever. The problem names the cycle's elements.
func (b *builder) checkStraightThroughLoops(p *Process) {
	var order []*Element // document order, scopes depth first
	var walk func(s *Element)
	walk = func(s *Element) {
		for _, c := range s.Children {
			order = append(order, c)
			walk(c)
		}
		for _, esp := range s.EventSubProcesses {
			if !slices.Contains(s.Children, esp) {
				order = append(order, esp)
				walk(esp)
			}
		}
	}
	walk(p.Element)
	node := func(e *Element) bool { return passesThrough(e) || routes(e) }
	next := func(e *Element) []*Element {
		var out []*Element
		for _, f := range e.Outgoing {
			if node(f.Target) {
				out = append(out, f.Target)
			}
		}
		if e.LinkTarget != nil && node(e.LinkTarget) {
			out = append(out, e.LinkTarget)
		}
		return out
	}
	// Tarjan's strongly connected components over the pass-through graph.
	index := map[*Element]int{}
	low := map[*Element]int{}
	onStack := map[*Element]bool{}
	var stack []*Element
	var comps [][]*Element
	var visit func(e *Element)
	visit = func(e *Element) {
		index[e] = len(index)
		low[e] = index[e]
		stack = append(stack, e)
		onStack[e] = true
		for _, n := range next(e) {
			if _, seen := index[n]; !seen {
				visit(n)
				low[e] = min(low[e], low[n])
			} else if onStack[n] {
				low[e] = min(low[e], index[n])
			}
		}
		if low[e] == index[e] {
			var comp []*Element
			for {
				top := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[top] = false
				comp = append(comp, top)
				if top == e {
					break
				}
			}
			comps = append(comps, comp)
		}
	}
	for _, e := range order {
		if _, seen := index[e]; !seen && node(e) {
			visit(e)
		}
	}
	pos := map[*Element]int{}
	for i, e := range order {
		pos[e] = i
	}
	for _, comp := range comps {
		in := map[*Element]bool{}
		for _, e := range comp {
			in[e] = true
		}
		// The loop's first pass-through element in document order.
		var first *Element
		for _, e := range comp {
			if passesThrough(e) && (first == nil || pos[e] < pos[first]) {
				first = e
			}
		}
		if first == nil {
			continue
		}
		cycle := shortestCycle(first, in, next)
		if cycle == nil {
			continue // a lone element without a flow to itself
		}
		ids := make([]string, len(cycle))
		for i, e := range cycle {
			ids[i] = e.ID
		}
		b.problem(first.ID, first.Line, "processes are not allowed to contain a straight-through processing loop (a cycle of elements none of which waits): %s", strings.Join(ids, " > "))
	}
}

// shortestCycle returns the shortest cycle from start back to start within
// the component, start at both ends, or nil when there is none.
func shortestCycle(start *Element, in map[*Element]bool, next func(*Element) []*Element) []*Element {
	prev := map[*Element]*Element{}
	queue := []*Element{start}
	for len(queue) > 0 {
		e := queue[0]
		queue = queue[1:]
		for _, n := range next(e) {
			if !in[n] {
				continue
			}
			if n == start {
				path := []*Element{start}
				for c := e; c != start; c = prev[c] {
					path = append(path, c)
				}
				slices.Reverse(path[1:])
				return append(path, start)
			}
			if _, seen := prev[n]; !seen {
				prev[n] = e
				queue = append(queue, n)
			}
		}
	}
	return nil
}
