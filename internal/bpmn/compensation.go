package bpmn

// compensations joins compensation boundary events to their handlers
// (through bpmn:association) and checks compensation as Zeebe does: a
// compensation boundary event has a handler and no outgoing flows; a
// handler (isForCompensation) has no sequence flows and belongs to one
// boundary event; a throw or end event's activityRef names an activity of
// its scope (for an event sub-process, of the scope around it) that has a
// compensation boundary event.
func (b *builder) compensations(p *Process) {
	for _, a := range b.associations {
		src, tgt := p.elements[a.attr("sourceRef")], p.elements[a.attr("targetRef")]
		if src == nil || tgt == nil || src.Type != TypeBoundaryEvent || src.EventType != EventCompensation {
			continue // an annotation's, or another association without semantics
		}
		switch {
		case !tgt.ForCompensation:
			b.problem(src.ID, src.Line, "the compensation boundary event is associated with '%s', which is not a compensation handler (isForCompensation)", tgt.ID)
		case src.AttachedTo == nil:
		case src.AttachedTo.CompensationHandler != nil:
			b.problem(src.ID, src.Line, "the activity '%s' has more than one compensation handler", src.AttachedTo.ID)
		default:
			src.AttachedTo.CompensationHandler = tgt
		}
	}
	handled := map[*Element]bool{}
	for _, e := range p.elements {
		switch {
		case e.Type == TypeBoundaryEvent && e.EventType == EventCompensation:
			if e.AttachedTo != nil && e.AttachedTo.CompensationHandler == nil {
				b.problem(e.ID, e.Line, "a compensation boundary event must be associated with a compensation handler (an activity with isForCompensation)")
			}
			if e.AttachedTo != nil {
				handled[e.AttachedTo.CompensationHandler] = true
			}
			if len(e.Outgoing) > 0 {
				b.problem(e.ID, e.Line, "a compensation boundary event cannot have outgoing sequence flows")
			}
		case (e.Type == TypeIntermediateThrowEvent || e.Type == TypeEndEvent) && e.EventType == EventCompensation && e.compensateRefID != "":
			scope := e.Parent
			if scope.Type == TypeEventSubProcess {
				scope = scope.Parent
			}
			ref := p.elements[e.compensateRefID]
			switch {
			case ref == nil || ref.Parent != scope:
				b.problem(e.ID, e.Line, "the compensation's activityRef '%s' is not an activity of the same scope", e.compensateRefID)
			case ref.CompensationHandler == nil && ref.CompensationEventSubProcess == nil:
				b.problem(e.ID, e.Line, "the compensation's activityRef '%s' has no compensation boundary event", e.compensateRefID)
			default:
				e.CompensateRef = ref
			}
		}
	}
	for _, e := range p.elements {
		if !e.ForCompensation {
			continue
		}
		if len(e.Incoming)+len(e.Outgoing) > 0 {
			b.problem(e.ID, e.Line, "a compensation handler cannot have sequence flows")
		}
		if !handled[e] {
			b.problem(e.ID, e.Line, "a compensation handler must be associated with a compensation boundary event")
		}
	}
}

// compensationEventSubProcess reads an event sub-process with a
// compensation start event, as Zeebe allows it: only in an embedded
// sub-process, one per sub-process. It is no subscription while the
// sub-process runs; it is the sub-process's compensation handler once the
// sub-process completed.
func (b *builder) compensationEventSubProcess(scope, esp *Element, n *node) {
	switch {
	case scope.Type != TypeSubProcess:
		b.problem(esp.ID, n.Line, "a compensation event sub-process is allowed only in an embedded sub-process, not on the process level")
	case scope.CompensationEventSubProcess != nil:
		b.problem(esp.ID, n.Line, "a sub-process can have only one compensation event sub-process (another is '%s')", scope.CompensationEventSubProcess.ID)
	default:
		scope.CompensationEventSubProcess = esp
		b.proc.Compensations = true
	}
}
