package bpmn

// Listener is one zeebe:executionListener or zeebe:taskListener: a job of
// its own type and retries, run at an event of the element's lifecycle.
type Listener struct {
	// EventType is start or end (execution listeners); creating,
	// assigning, updating, completing or canceling (task listeners).
	EventType string
	TaskDefinition
}

// Execution listener events.
const (
	ListenerStart = "start"
	ListenerEnd   = "end"
)

// Listeners returns the element's execution listeners of an event type, in
// document order.
func (e *Element) Listeners(eventType string) []*Listener {
	var out []*Listener
	for _, l := range e.ExecutionListeners {
		if l.EventType == eventType {
			out = append(out, l)
		}
	}
	return out
}

// TaskListenersOf returns a user task's listeners of an event type, in
// document order.
func (e *Element) TaskListenersOf(eventType string) []*Listener {
	var out []*Listener
	for _, l := range e.TaskListeners {
		if l.EventType == eventType {
			out = append(out, l)
		}
	}
	return out
}

// listeners reads zeebe:executionListeners (in="executionListener") or
// zeebe:taskListeners (in="taskListener"): each needs a known event type
// and a job type; a type may be used once per event type.
func (b *builder) listeners(e *Element, ext *node, list, item string, events ...string) []*Listener {
	ls := ext.child(NSZeebe, list)
	if ls == nil {
		return nil
	}
	var out []*Listener
	seen := map[string]bool{}
	for _, n := range ls.children(NSZeebe, item) {
		l := &Listener{EventType: n.attr("eventType")}
		known := false
		for _, ev := range events {
			known = known || ev == l.EventType
		}
		if !known {
			b.problem(e.ID, n.Line, "the %s's eventType '%s' is not one of %v", words(item), l.EventType, events)
			continue
		}
		typ := n.attr("type")
		if typ == "" {
			b.problem(e.ID, n.Line, "the %s's job type must not be empty", words(item))
			continue
		}
		if k := l.EventType + "\x00" + typ; seen[k] {
			b.problem(e.ID, n.Line, "the %s of type '%s' is defined twice for the event '%s'", words(item), typ, l.EventType)
			continue
		} else {
			seen[k] = true
		}
		retries := n.attr("retries")
		if retries == "" {
			retries = "3"
		}
		l.Type = b.expr(e.ID, n.Line, "listener job type", typ)
		l.Retries = b.expr(e.ID, n.Line, "listener retries", retries)
		out = append(out, l)
	}
	return out
}

func words(item string) string {
	if item == "taskListener" {
		return "task listener"
	}
	return "execution listener"
}

// executionListeners reads an element's execution listeners, refusing them
// where Camunda does: start listeners on start and boundary events, end
// listeners on gateways and error end events.
func (b *builder) executionListeners(e *Element, ext *node) {
	e.ExecutionListeners = b.listeners(e, ext, "executionListeners", "executionListener", ListenerStart, ListenerEnd)
	for _, l := range e.ExecutionListeners {
		var why string
		switch {
		case l.EventType == ListenerStart && e.Type == TypeStartEvent:
			why = "start events cannot have start execution listeners (use the process's or sub-process's)"
		case l.EventType == ListenerStart && e.Type == TypeBoundaryEvent:
			why = "boundary events cannot have start execution listeners (use the activity's)"
		case l.EventType == ListenerEnd && (e.Type == TypeExclusiveGateway || e.Type == TypeParallelGateway ||
			e.Type == TypeInclusiveGateway || e.Type == TypeEventBasedGateway):
			why = "gateways cannot have end execution listeners (use start listeners of the element after it)"
		case l.EventType == ListenerEnd && e.Type == TypeEndEvent && e.EventType == EventError:
			why = "error end events cannot have end execution listeners (use the error catch event's)"
		}
		if why != "" {
			b.problem(e.ID, e.Line, "%s", why)
		}
	}
}
