package bpmn

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Options tune parsing.
type Options struct {
	// Now is the clock of FEEL's now() and today() in the document's
	// expressions; nil means the real time.
	Now func() time.Time
}

// Parse reads a BPMN document and returns its executable processes. When the
// document is malformed or anything in it cannot be run, the error is a
// *ValidationError listing every problem found; resource names the document
// in messages.
func Parse(resource string, data []byte) (*Definitions, error) {
	return ParseWith(resource, data, Options{})
}

// ParseWith is Parse with options.
func ParseWith(resource string, data []byte, opts Options) (*Definitions, error) {
	root, err := parseTree(data)
	if err != nil {
		p, ok := err.(*Problem)
		if !ok {
			p = &Problem{Message: err.Error()}
		}
		return nil, &ValidationError{Resource: resource, Problems: []*Problem{p}}
	}
	b := &builder{
		ids:         map[string]int{},
		messages:    map[string]*node{},
		errors:      map[string]*node{},
		opts:        opts,
		signals:     map[string]*node{},
		escalations: map[string]*node{},
	}
	defs := b.definitions(root)
	if len(b.problems) > 0 {
		slices.SortStableFunc(b.problems, func(a, c *Problem) int { return a.Line - c.Line })
		return nil, &ValidationError{Resource: resource, Problems: b.problems}
	}
	return defs, nil
}

type builder struct {
	problems    []*Problem
	ids         map[string]int // id -> line of first use
	messages    map[string]*node
	errors      map[string]*node
	proc        *Process
	opts        Options
	signals     map[string]*node
	escalations map[string]*node
	// Read once every flow node of the process is known: sequence flows
	// (one may be declared outside the scope of the elements it connects,
	// as Zeebe accepts), then the checks that need them.
	flows  []*node
	scopes []*Element
	later  []func()
	// associations are the bpmn:associations of the process: they join
	// compensation boundary events to their handlers.
	associations []*node
}

func (b *builder) problem(id string, line int, format string, args ...any) {
	b.problems = append(b.problems, &Problem{ElementID: id, Line: line, Message: fmt.Sprintf(format, args...)})
}

func (b *builder) definitions(root *node) *Definitions {
	if root.Space != NSBPMN || root.Local != "definitions" {
		b.problem("", root.Line, "expected a bpmn:definitions root element in namespace %s, found '%s'", NSBPMN, root.Local)
		return nil
	}
	defs := &Definitions{ID: root.attr("id")}
	for _, c := range root.Children {
		if c.Space != NSBPMN {
			continue
		}
		switch c.Local {
		case "message":
			b.messages[c.attr("id")] = c
		case "error":
			b.errors[c.attr("id")] = c
		case "signal":
			b.signals[c.attr("id")] = c
		case "escalation":
			b.escalations[c.attr("id")] = c
		}
	}
	executable := 0
	for _, c := range root.Children {
		if c.Space != NSBPMN {
			continue // diagrams (bpmndi) and vendor extensions
		}
		switch c.Local {
		case "process":
			if c.attr("isExecutable") != "true" {
				continue
			}
			executable++
			if p := b.process(c); p != nil {
				defs.Processes = append(defs.Processes, p)
			}
		case "message", "error", "signal", "escalation", "collaboration", "category", "itemDefinition", "dataStore", "extension", "import", "interface", "resource", "documentation", "extensionElements":
		default:
			b.problem(c.attr("id"), c.Line, "the root element 'bpmn:%s' is not supported", c.Local)
		}
	}
	if executable == 0 && len(b.problems) == 0 {
		b.problem("", root.Line, "must contain at least one executable process (isExecutable=\"true\")")
	}
	return defs
}

func (b *builder) claimID(n *node) string {
	id := n.attr("id")
	if id == "" {
		b.problem("", n.Line, "bpmn:%s has no id", n.Local)
		return ""
	}
	if first, dup := b.ids[id]; dup {
		b.problem(id, n.Line, "the id is used more than once (first on line %d)", first)
		return id
	}
	b.ids[id] = n.Line
	return id
}

func (b *builder) process(n *node) *Process {
	id := b.claimID(n)
	p := &Process{
		Element:    &Element{ID: id, Name: n.attr("name"), Type: TypeProcess, Line: n.Line},
		elements:   map[string]*Element{},
		flows:      map[string]*SequenceFlow{},
		Executable: true,
	}
	if ext := n.child(NSBPMN, "extensionElements"); ext != nil {
		if vt := ext.child(NSZeebe, "versionTag"); vt != nil {
			p.VersionTag = vt.attr("value")
		}
		b.checkExtensions(p.Element, ext, "versionTag", "properties", "userTaskForm", "executionListeners")
		p.Properties = b.properties(ext)
		p.UserTaskForms = userTaskForms(ext)
		b.executionListeners(p.Element, ext)
	}
	b.proc = p
	b.flows, b.scopes, b.later, b.associations = nil, nil, nil, nil
	b.scope(p.Element, n)
	for _, f := range b.flows {
		b.sequenceFlow(f)
	}
	for _, s := range b.scopes {
		for _, e := range s.Children {
			b.checkConnections(e)
		}
	}
	b.compensations(p)
	for _, f := range b.later {
		f()
	}
	b.checkStraightThroughLoops(p)
	if p.NoneStart == nil && len(p.MessageStarts) == 0 && len(p.TimerStarts) == 0 && len(p.SignalStarts) == 0 && len(p.ConditionalStarts) == 0 {
		b.problem(id, n.Line, "must have at least one start event")
	}
	return p
}

// flowNodeTypes maps the BPMN element names the engine runs to their types.
var flowNodeTypes = map[string]ElementType{
	"startEvent":             TypeStartEvent,
	"endEvent":               TypeEndEvent,
	"intermediateCatchEvent": TypeIntermediateCatchEvent,
	"serviceTask":            TypeServiceTask,
	"sendTask":               TypeSendTask,
	"scriptTask":             TypeScriptTask,
	"businessRuleTask":       TypeBusinessRuleTask,
	"receiveTask":            TypeReceiveTask,
	"userTask":               TypeUserTask,
	"manualTask":             TypeManualTask,
	"task":                   TypeTask,
	"exclusiveGateway":       TypeExclusiveGateway,
	"parallelGateway":        TypeParallelGateway,
	"inclusiveGateway":       TypeInclusiveGateway,
	"subProcess":             TypeSubProcess,
	"boundaryEvent":          TypeBoundaryEvent,
	"eventBasedGateway":      TypeEventBasedGateway,
	"intermediateThrowEvent": TypeIntermediateThrowEvent,
	"callActivity":           TypeCallActivity,
	"adHocSubProcess":        TypeAdHocSubProcess,
}

// notYet are BPMN elements that Orca recognises but does not run yet. They are
// rejected at deployment, never silently skipped.
var notYet = map[string]string{
	"transaction":    "transactions",
	"complexGateway": "complex gateways",
}

// ignored are BPMN elements inside a scope that carry no execution semantics.
var ignored = map[string]bool{
	"documentation": true, "extensionElements": true, "laneSet": true, "textAnnotation": true,
	"association": true, "dataObject": true, "dataObjectReference": true, "dataStoreReference": true,
	"group": true, "property": true, "ioSpecification": true, "dataInputAssociation": true,
	"dataOutputAssociation": true, "incoming": true, "outgoing": true,
	// Read by the element that holds them.
	"multiInstanceLoopCharacteristics": true, "standardLoopCharacteristics": true, "completionCondition": true,
}

func (b *builder) scope(s *Element, n *node) {
	var flows []*node
	for _, c := range n.Children {
		if c.Space != NSBPMN {
			continue
		}
		if c.Local == "sequenceFlow" {
			flows = append(flows, c)
			continue
		}
		if c.Local == "association" {
			b.associations = append(b.associations, c)
			continue
		}
		if ignored[c.Local] {
			continue
		}
		if what, ok := notYet[c.Local]; ok {
			b.claimID(c)
			b.problem(c.attr("id"), c.Line, "%s (bpmn:%s) are not supported yet", what, c.Local)
			continue
		}
		t, ok := flowNodeTypes[c.Local]
		if !ok {
			b.claimID(c)
			b.problem(c.attr("id"), c.Line, "the element 'bpmn:%s' is not supported", c.Local)
			continue
		}
		if e := b.flowNode(s, c, t); e != nil {
			s.Children = append(s.Children, e)
		}
	}
	for _, e := range s.Children {
		if e.Type == TypeBoundaryEvent {
			b.attach(s, e)
		}
	}
	b.flows = append(b.flows, flows...)
	b.scopes = append(b.scopes, s)
	b.checkLinks(s)
}

// attach binds a boundary event to its activity.
func (b *builder) attach(scope *Element, e *Element) {
	a := b.proc.elements[e.attachedID]
	switch {
	case e.attachedID == "":
		b.problem(e.ID, e.Line, "a boundary event must be attached to an activity (attachedToRef)")
	case a == nil || a.Parent != scope:
		b.problem(e.ID, e.Line, "the boundary event is attached to '%s', which is not an activity of the same scope", e.attachedID)
	case !a.IsActivity():
		b.problem(e.ID, e.Line, "a boundary event can only be attached to an activity, not to the %s '%s'", typeWords(a.Type), a.ID)
	default:
		e.AttachedTo = a
		a.Boundaries = append(a.Boundaries, e)
	}
}

// checkLinks makes sure every link throw event has its catch event.
func (b *builder) checkLinks(scope *Element) {
	catches := map[string]*Element{}
	for _, e := range scope.Children {
		if e.Type == TypeIntermediateCatchEvent && e.EventType == EventLink {
			if other, dup := catches[e.LinkName]; dup {
				b.problem(e.ID, e.Line, "the link name '%s' is caught twice in the same scope (also by '%s')", e.LinkName, other.ID)
			}
			catches[e.LinkName] = e
		}
	}
	for _, e := range scope.Children {
		if e.Type == TypeIntermediateThrowEvent && e.EventType == EventLink {
			if c := catches[e.LinkName]; c != nil {
				e.LinkTarget = c
			} else {
				b.problem(e.ID, e.Line, "no intermediate link catch event named '%s' in the same scope", e.LinkName)
			}
		}
	}
}

func (b *builder) flowNode(scope *Element, n *node, t ElementType) *Element {
	id := b.claimID(n)
	e := &Element{ID: id, Name: n.attr("name"), Type: t, Line: n.Line, Parent: scope, EventType: EventNone, defaultID: n.attr("default")}
	if t == TypeBoundaryEvent {
		e.attachedID = n.attr("attachedToRef")
		e.Interrupting = n.attr("cancelActivity") != "false"
	}
	e.ForCompensation = n.attr("isForCompensation") == "true"
	if doc := n.child(NSBPMN, "documentation"); doc != nil {
		e.Documentation = doc.Text
	}
	if id != "" {
		b.proc.elements[id] = e
	}
	if lc := n.child(NSBPMN, "multiInstanceLoopCharacteristics"); lc != nil {
		b.multiInstance(e, lc)
	}
	if lc := n.child(NSBPMN, "standardLoopCharacteristics"); lc != nil {
		b.problem(id, lc.Line, "loop characteristics are not supported")
	}
	ext := n.child(NSBPMN, "extensionElements")
	if ext == nil {
		ext = &node{}
	}
	e.Properties = b.properties(ext)
	e.ToolInputs = toolInputs(ext)
	b.eventDefinition(e, n, ext)
	b.executionListeners(e, ext)

	switch t {
	case TypeServiceTask, TypeSendTask, TypeScriptTask, TypeBusinessRuleTask:
		if s := ext.child(NSZeebe, "script"); s != nil && t == TypeScriptTask {
			b.script(e, s)
		} else if cd := ext.child(NSZeebe, "calledDecision"); cd != nil && t == TypeBusinessRuleTask {
			b.calledDecision(e, cd) // decision.go
		} else {
			b.taskDefinition(e, ext, true)
		}
		// zeebe:agentDefinition (Camunda 8.10) marks an AI agent; the agent
		// worker needs nothing from it.
		b.checkExtensions(e, ext, "taskDefinition", "taskHeaders", "ioMapping", "properties", "script", "calledDecision", "agentDefinition")
	case TypeUserTask:
		b.userTask(e, ext)
		b.checkExtensions(e, ext, "userTask", "assignmentDefinition", "taskSchedule", "priorityDefinition", "formDefinition", "taskHeaders", "ioMapping", "properties", "taskListeners")
	case TypeAdHocSubProcess:
		b.scope(e, n)
		b.checkExtensions(e, ext, "adHoc", "taskDefinition", "taskHeaders", "ioMapping", "properties", "agentDefinition")
		b.later = append(b.later, func() { b.adHoc(e, n, ext) }) // once its children's flows and ioMappings are read
	case TypeCallActivity:
		e.CalledElement = b.calledElement(n)
		b.checkExtensions(e, ext, "calledElement", "ioMapping", "properties")
	case TypeReceiveTask:
		e.EventType = EventMessage
		e.Message = b.message(e, n.attr("messageRef"), ext, n.Line, true)
		b.checkExtensions(e, ext, "ioMapping", "properties")
	case TypeSubProcess:
		if n.attr("triggeredByEvent") == "true" {
			e.Type = TypeEventSubProcess
			b.scope(e, n)
			b.checkExtensions(e, ext, "ioMapping", "properties")
			switch {
			case e.EventStart == nil:
				b.problem(id, n.Line, "an event sub-process must have exactly one start event with an event definition")
			case e.EventStart.EventType == EventCompensation:
				b.compensationEventSubProcess(scope, e, n) // compensation.go
			default:
				scope.EventSubProcesses = append(scope.EventSubProcesses, e)
			}
			break // its input and output mappings are read below, as Zeebe applies them
		}
		b.scope(e, n)
		b.checkExtensions(e, ext, "ioMapping", "properties")
		if e.NoneStart == nil {
			b.problem(id, n.Line, "a sub-process must have exactly one none start event")
		}
	case TypeIntermediateThrowEvent, TypeEndEvent:
		if e.EventType == EventMessage {
			// Zeebe runs message throw events as jobs.
			b.taskDefinition(e, ext, true)
		}
		b.checkExtensions(e, ext, "ioMapping", "properties", "taskDefinition", "taskHeaders")
	case TypeStartEvent:
		b.checkExtensions(e, ext, "ioMapping", "properties", "subscription", "formDefinition", "conditionalFilter")
		if f := ext.child(NSZeebe, "formDefinition"); f != nil {
			if scope.Type != TypeProcess || e.EventType != EventNone {
				b.problem(id, f.Line, "a form (zeebe:formDefinition) can only be linked to the none start event of a process")
			} else {
				l := b.formLink(e, f)
				b.proc.StartForm = &l
			}
		}
	default:
		b.checkExtensions(e, ext, "ioMapping", "properties", "subscription", "conditionalFilter")
	}
	if io := ext.child(NSZeebe, "ioMapping"); io != nil {
		for _, m := range io.children(NSZeebe, "input") {
			e.Inputs = append(e.Inputs, b.mapping(e, m))
		}
		for _, m := range io.children(NSZeebe, "output") {
			e.Outputs = append(e.Outputs, b.mapping(e, m))
		}
		switch {
		case t == TypeStartEvent && len(e.Inputs) > 0:
			b.problem(id, io.Line, "start events cannot have input mappings")
		case (t == TypeEndEvent || t == TypeExclusiveGateway || t == TypeParallelGateway || t == TypeInclusiveGateway) && len(e.Outputs) > 0 && t != TypeEndEvent:
			b.problem(id, io.Line, "gateways cannot have output mappings")
		}
	}
	if h := ext.child(NSZeebe, "taskHeaders"); h != nil {
		for _, hn := range h.children(NSZeebe, "header") {
			e.Headers = append(e.Headers, Header{Key: hn.attr("key"), Value: hn.attr("value")})
		}
	}
	b.checkEventPlacement(e, scope, n)
	return e
}

func (b *builder) checkEventPlacement(e *Element, scope *Element, n *node) {
	switch e.Type {
	case TypeStartEvent:
		if scope.Type == TypeEventSubProcess {
			e.Interrupting = n.attr("isInterrupting") != "false"
			switch {
			case scope.EventStart != nil:
				b.problem(e.ID, n.Line, "an event sub-process can have only one start event (another is '%s')", scope.EventStart.ID)
			case e.EventType == EventNone:
				b.problem(e.ID, n.Line, "the start event of an event sub-process needs a timer, message, error, signal or escalation event definition")
			case e.EventType == EventError && !e.Interrupting:
				b.problem(e.ID, n.Line, "an error start event must be interrupting")
			case e.EventType == EventTimer || e.EventType == EventMessage || e.EventType == EventError || e.EventType == EventSignal || e.EventType == EventEscalation ||
				e.EventType == EventConditional || e.EventType == EventCompensation:
				scope.EventStart = e
			default:
				b.problem(e.ID, n.Line, "%s start events of event sub-processes are not supported", strings.ToLower(string(e.EventType)))
			}
			return
		}
		switch e.EventType {
		case EventNone:
			if scope.NoneStart != nil {
				b.problem(e.ID, n.Line, "a scope can have only one none start event (another is '%s')", scope.NoneStart.ID)
			} else {
				scope.NoneStart = e
			}
		case EventMessage, EventTimer, EventSignal, EventConditional:
			switch {
			case scope.Type != TypeProcess:
				b.problem(e.ID, n.Line, "start events of sub-processes must be none start events")
			case e.EventType == EventMessage:
				b.proc.MessageStarts = append(b.proc.MessageStarts, e)
			case e.EventType == EventSignal:
				b.proc.SignalStarts = append(b.proc.SignalStarts, e)
			case e.EventType == EventConditional:
				b.conditionalStart(e, n)
			default:
				b.proc.TimerStarts = append(b.proc.TimerStarts, e)
			}
		default:
			b.problem(e.ID, n.Line, "%s start events are not supported yet", strings.ToLower(string(e.EventType)))
		}
	case TypeEndEvent:
		switch e.EventType {
		case EventNone, EventTerminate, EventError, EventMessage, EventSignal, EventEscalation, EventCompensation:
		default:
			b.problem(e.ID, n.Line, "%s end events are not supported yet", strings.ToLower(string(e.EventType)))
		}
	case TypeIntermediateCatchEvent:
		switch e.EventType {
		case EventMessage, EventTimer, EventLink, EventSignal, EventConditional:
		case EventNone:
			b.problem(e.ID, n.Line, "an intermediate catch event must have a message, timer, signal, conditional or link event definition")
		default:
			b.problem(e.ID, n.Line, "%s intermediate catch events are not supported yet", strings.ToLower(string(e.EventType)))
		}
	case TypeIntermediateThrowEvent:
		switch e.EventType {
		case EventNone, EventLink, EventMessage, EventSignal, EventEscalation, EventCompensation:
		default:
			b.problem(e.ID, n.Line, "%s intermediate throw events are not supported yet", strings.ToLower(string(e.EventType)))
		}
	case TypeBoundaryEvent:
		switch e.EventType {
		case EventTimer:
			if e.Timer != nil && e.Timer.Kind == TimerCycle && e.Interrupting {
				b.problem(e.ID, n.Line, "an interrupting timer boundary event cannot have a time cycle")
			}
		case EventMessage, EventSignal, EventConditional:
		case EventCompensation:
			b.proc.Compensations = true
		case EventEscalation:
			if a := b.proc.elements[e.attachedID]; a != nil && a.Type != TypeSubProcess && a.Type != TypeCallActivity && a.Type != TypeAdHocSubProcess {
				b.problem(e.ID, n.Line, "an escalation boundary event can only be attached to a sub-process, an ad-hoc sub-process or a call activity")
			}
		case EventError:
			if !e.Interrupting {
				b.problem(e.ID, n.Line, "an error boundary event must be interrupting")
			}
		case EventNone:
			b.problem(e.ID, n.Line, "a boundary event must have an event definition")
		default:
			b.problem(e.ID, n.Line, "%s boundary events are not supported yet", strings.ToLower(string(e.EventType)))
		}
	}
}

var eventDefinitions = map[string]EventType{
	"messageEventDefinition":     EventMessage,
	"timerEventDefinition":       EventTimer,
	"errorEventDefinition":       EventError,
	"terminateEventDefinition":   EventTerminate,
	"signalEventDefinition":      EventSignal,
	"escalationEventDefinition":  EventEscalation,
	"linkEventDefinition":        EventLink,
	"conditionalEventDefinition": EventConditional,
	"compensateEventDefinition":  EventCompensation,
	"cancelEventDefinition":      "CANCEL",
}

func (b *builder) eventDefinition(e *Element, n *node, ext *node) {
	var defs []*node
	for _, c := range n.Children {
		if _, ok := eventDefinitions[c.Local]; ok && c.Space == NSBPMN {
			defs = append(defs, c)
		}
	}
	if len(defs) == 0 {
		return
	}
	if len(defs) > 1 {
		b.problem(e.ID, n.Line, "an event can have at most one event definition, found %d", len(defs))
	}
	d := defs[0]
	e.EventType = eventDefinitions[d.Local]
	switch e.EventType {
	case EventMessage:
		if e.Type != TypeEndEvent && e.Type != TypeIntermediateThrowEvent {
			// Throw events are jobs; only catching needs the message.
			e.Message = b.message(e, d.attr("messageRef"), ext, d.Line, e.Type != TypeStartEvent)
		}
	case EventTimer:
		e.Timer = b.timer(e, d)
	case EventTerminate:
		e.Terminate = true
	case EventError:
		e.Error = b.errorRef(e, d)
	case EventSignal:
		e.Signal = b.signalRef(e, d)
	case EventEscalation:
		e.Escalation = b.escalationRef(e, d)
	case EventConditional:
		e.Conditional = b.conditional(e, d, ext)
	case EventCompensation:
		e.compensateRefID = d.attr("activityRef")
	case EventLink:
		e.LinkName = d.attr("name")
		if e.LinkName == "" {
			b.problem(e.ID, d.Line, "a link event must have a name")
		}
	}
}

// conditional reads a conditional event definition: its condition must be
// a FEEL expression; zeebe:conditionalFilter (in the definition or the
// event) may restrict the variable events that evaluate it.
func (b *builder) conditional(e *Element, d, ext *node) *ConditionalDefinition {
	b.proc.Conditionals = true
	cd := &ConditionalDefinition{OnCreate: true, OnUpdate: true}
	c := d.child(NSBPMN, "condition")
	if c == nil || strings.TrimSpace(c.Text) == "" {
		b.problem(e.ID, d.Line, "a conditional event must have a condition")
		return cd
	}
	cd.Condition = b.expr(e.ID, c.Line, "condition", feelText(strings.TrimSpace(c.Text)))
	if cd.Condition.FEEL != nil {
		cd.Names = cd.Condition.FEEL.Names()
	}
	filter := ext.child(NSZeebe, "conditionalFilter")
	if dext := d.child(NSBPMN, "extensionElements"); dext != nil && dext.child(NSZeebe, "conditionalFilter") != nil {
		filter = dext.child(NSZeebe, "conditionalFilter")
	}
	if filter != nil {
		if v := strings.TrimSpace(filter.attr("variableEvents")); v != "" {
			cd.OnCreate, cd.OnUpdate = false, false
			for _, ev := range strings.Split(v, ",") {
				switch strings.TrimSpace(ev) {
				case "create":
					cd.OnCreate = true
				case "update":
					cd.OnUpdate = true
				default:
					b.problem(e.ID, filter.Line, "the conditional filter's variable event '%s' is not one of create, update", strings.TrimSpace(ev))
				}
			}
		}
	}
	return cd
}

func (b *builder) message(e *Element, ref string, ext *node, line int, needsKey bool) *MessageDefinition {
	if ref == "" {
		b.problem(e.ID, line, "must reference a message (messageRef)")
		return nil
	}
	m, ok := b.messages[ref]
	if !ok {
		b.problem(e.ID, line, "references the message '%s', which does not exist", ref)
		return nil
	}
	md := &MessageDefinition{MessageID: ref}
	name := m.attr("name")
	if name == "" {
		b.problem(ref, m.Line, "a message must have a name")
	}
	md.Name = b.expr(e.ID, m.Line, "message name", name)
	var key string
	if mext := m.child(NSBPMN, "extensionElements"); mext != nil {
		if s := mext.child(NSZeebe, "subscription"); s != nil {
			key = s.attr("correlationKey")
		}
	}
	if key == "" {
		if s := ext.child(NSZeebe, "subscription"); s != nil {
			key = s.attr("correlationKey")
		}
	}
	if needsKey && key == "" {
		b.problem(e.ID, line, "the message '%s' must have a correlation key (zeebe:subscription correlationKey)", ref)
	}
	md.CorrelationKey = b.expr(e.ID, line, "correlation key", key)
	return md
}

func (b *builder) timer(e *Element, d *node) *TimerDefinition {
	var found []*TimerDefinition
	for _, k := range []struct {
		local string
		kind  TimerKind
	}{{"timeDate", TimerDate}, {"timeDuration", TimerDuration}, {"timeCycle", TimerCycle}} {
		if c := d.child(NSBPMN, k.local); c != nil {
			if c.Text == "" {
				b.problem(e.ID, c.Line, "the timer's %s is empty", k.local)
			}
			found = append(found, &TimerDefinition{Kind: k.kind, Expr: b.expr(e.ID, c.Line, k.local, c.Text)})
		}
	}
	if len(found) != 1 {
		b.problem(e.ID, d.Line, "a timer must have exactly one of timeDate, timeDuration or timeCycle")
		return nil
	}
	t := found[0]
	switch {
	case e.Type == TypeStartEvent && t.Kind == TimerDuration:
		// Zeebe allows durations on timer start events: they fire once, measured from deployment.
	case e.Type == TypeIntermediateCatchEvent && t.Kind == TimerCycle:
		b.problem(e.ID, d.Line, "an intermediate timer catch event cannot have a time cycle")
	}
	if !t.Expr.IsFEEL() && t.Expr.Raw != "" {
		if err := checkStaticTimer(t.Kind, t.Expr.Raw); err != nil {
			b.problem(e.ID, d.Line, "invalid %s '%s': %v", strings.ToLower(string(t.Kind)), t.Expr.Raw, err)
		}
	}
	return t
}

func (b *builder) errorRef(e *Element, d *node) *ErrorDefinition {
	ref := d.attr("errorRef")
	if ref == "" {
		if e.Type == TypeEndEvent {
			b.problem(e.ID, d.Line, "an error end event must reference an error (errorRef)")
		}
		return &ErrorDefinition{}
	}
	en, ok := b.errors[ref]
	if !ok {
		b.problem(e.ID, d.Line, "references the error '%s', which does not exist", ref)
		return nil
	}
	code := en.attr("errorCode")
	if code == "" && e.Type == TypeEndEvent {
		b.problem(ref, en.Line, "the error must have an error code (errorCode)")
	}
	return &ErrorDefinition{ErrorID: ref, Code: b.expr(e.ID, en.Line, "error code", code)}
}

func (b *builder) taskDefinition(e *Element, ext *node, required bool) {
	td := ext.children(NSZeebe, "taskDefinition")
	if len(td) != 1 {
		if required || len(td) > 1 {
			b.problem(e.ID, e.Line, "must have exactly one 'zeebe:taskDefinition' extension element")
		}
		return
	}
	typ := td[0].attr("type")
	if typ == "" {
		b.problem(e.ID, td[0].Line, "the job type (zeebe:taskDefinition type) must not be empty")
	}
	retries := td[0].attr("retries")
	if retries == "" {
		retries = "3"
	}
	e.TaskDefinition = &TaskDefinition{
		Type:    b.expr(e.ID, td[0].Line, "job type", typ),
		Retries: b.expr(e.ID, td[0].Line, "retries", retries),
	}
	// Like Zeebe, a retries value that is not a number deploys: evaluating
	// it when the job is created raises an incident instead.
}

func (b *builder) userTask(e *Element, ext *node) {
	ut := &UserTaskDefinition{}
	e.UserTask = ut
	if ext.child(NSZeebe, "userTask") != nil {
		ut.Native = true
	} else {
		// A job-worker user task (deprecated in Camunda 8.9, still run by Zeebe).
		e.TaskDefinition = &TaskDefinition{
			Type:    Expression{Raw: "io.camunda.zeebe:userTask"},
			Retries: Expression{Raw: "1"},
		}
	}
	if a := ext.child(NSZeebe, "assignmentDefinition"); a != nil {
		ut.Assignee = b.expr(e.ID, a.Line, "assignee", a.attr("assignee"))
		ut.CandidateGroups = b.expr(e.ID, a.Line, "candidateGroups", a.attr("candidateGroups"))
		ut.CandidateUsers = b.expr(e.ID, a.Line, "candidateUsers", a.attr("candidateUsers"))
	}
	if s := ext.child(NSZeebe, "taskSchedule"); s != nil {
		ut.DueDate = b.expr(e.ID, s.Line, "dueDate", s.attr("dueDate"))
		ut.FollowUpDate = b.expr(e.ID, s.Line, "followUpDate", s.attr("followUpDate"))
	}
	if p := ext.child(NSZeebe, "priorityDefinition"); p != nil {
		ut.Priority = b.expr(e.ID, p.Line, "priority", p.attr("priority"))
		if !ut.Priority.IsFEEL() && ut.Priority.Raw != "" {
			if v, err := parseInt(ut.Priority.Raw); err != nil || v < 0 || v > 100 {
				b.problem(e.ID, p.Line, "priority must be a number between 0 and 100, got '%s'", ut.Priority.Raw)
			}
		}
	}
	if f := ext.child(NSZeebe, "formDefinition"); f != nil {
		ut.FormLink = b.formLink(e, f)
	}
	if tl := ext.child(NSZeebe, "taskListeners"); tl != nil {
		if !ut.Native {
			b.problem(e.ID, tl.Line, "task listeners need a Camunda user task (zeebe:userTask)")
		}
		e.TaskListeners = b.listeners(e, ext, "taskListeners", "taskListener", "creating", "assigning", "updating", "completing", "canceling")
	}
}

func (b *builder) mapping(e *Element, m *node) Mapping {
	src := m.attr("source")
	target := m.attr("target")
	if target == "" {
		b.problem(e.ID, m.Line, "a mapping must have a target")
	} else if !validTarget(target) {
		b.problem(e.ID, m.Line, "the mapping target '%s' is not a variable name or path", target)
	}
	if src == "" {
		// Zeebe treats a missing source as null.
		src = "=null"
	}
	return Mapping{Source: b.expr(e.ID, m.Line, "mapping source", src), Target: target}
}

func validTarget(t string) bool {
	for _, part := range strings.Split(t, ".") {
		if part == "" || strings.ContainsAny(part, " \t\n[]{}()\"'+-*/=<>!,") {
			return false
		}
	}
	return true
}

func (b *builder) properties(ext *node) []Property {
	ps := ext.child(NSZeebe, "properties")
	if ps == nil {
		return nil
	}
	var out []Property
	for _, p := range ps.children(NSZeebe, "property") {
		out = append(out, Property{Name: p.attr("name"), Value: p.attr("value")})
	}
	return out
}

// checkExtensions reports zeebe: extension elements that change execution
// but are not understood on this element.
func (b *builder) checkExtensions(e *Element, ext *node, allowed ...string) {
	for _, c := range ext.Children {
		if c.Space != NSZeebe {
			continue
		}
		if slices.Contains(allowed, c.Local) {
			continue
		}
		switch c.Local {
		case "properties", "linkedResources", "versionTag", "userTaskForm", "externalParameters":
			continue // descriptive only
		case "executionListeners":
			continue // read by executionListeners
		default:
			b.problem(e.ID, c.Line, "the extension element 'zeebe:%s' is not supported on a %s", c.Local, typeWords(e.Type))
		}
	}
}

func (b *builder) sequenceFlow(n *node) {
	id := b.claimID(n)
	f := &SequenceFlow{ID: id, Name: n.attr("name"), Line: n.Line}
	src, tgt := n.attr("sourceRef"), n.attr("targetRef")
	f.Source = b.proc.elements[src]
	f.Target = b.proc.elements[tgt]
	switch {
	case src == "":
		b.problem(id, n.Line, "the sequence flow has no sourceRef")
	case f.Source == nil:
		b.problem(id, n.Line, "the sequence flow's source '%s' is not a flow node of the process", src)
	}
	switch {
	case tgt == "":
		b.problem(id, n.Line, "the sequence flow has no targetRef")
	case f.Target == nil:
		b.problem(id, n.Line, "the sequence flow's target '%s' is not a flow node of the process", tgt)
	case f.Source != nil && f.Source.Parent != f.Target.Parent:
		b.problem(id, n.Line, "the sequence flow connects '%s' and '%s', which are not in the same scope", src, tgt)
	}
	if c := n.child(NSBPMN, "conditionExpression"); c != nil && c.Text != "" {
		raw := c.Text
		if !strings.HasPrefix(strings.TrimSpace(raw), "=") {
			raw = "=" + raw
		}
		x := b.expr(id, c.Line, "condition", raw)
		f.Condition = &x
	}
	if id != "" {
		b.proc.flows[id] = f
	}
	if f.Source != nil && f.Target != nil {
		f.Source.Outgoing = append(f.Source.Outgoing, f)
		f.Target.Incoming = append(f.Target.Incoming, f)
	}
}

func (b *builder) checkConnections(e *Element) {
	if e.Type == TypeEventSubProcess && len(e.Incoming)+len(e.Outgoing) > 0 {
		b.problem(e.ID, e.Line, "an event sub-process cannot have incoming or outgoing sequence flows")
	}
	if e.Type == TypeStartEvent && len(e.Incoming) > 0 {
		b.problem(e.ID, e.Line, "a start event cannot have incoming sequence flows")
	}
	if e.Type == TypeBoundaryEvent && len(e.Incoming) > 0 {
		// Checked once the flows are read: they may be declared anywhere.
		b.problem(e.ID, e.Line, "a boundary event cannot have incoming sequence flows")
	}
	if e.Type == TypeEndEvent && len(e.Outgoing) > 0 {
		b.problem(e.ID, e.Line, "an end event cannot have outgoing sequence flows")
	}
	// A start event of a process without outgoing flows is accepted, as
	// Zeebe does (the instance completes at once).
	switch e.Type {
	case TypeEventBasedGateway:
		if len(e.Outgoing) < 2 {
			b.problem(e.ID, e.Line, "an event-based gateway must have at least two outgoing sequence flows")
		}
		for _, f := range e.Outgoing {
			t := f.Target
			ok := t.Type == TypeReceiveTask && len(t.Boundaries) == 0 ||
				t.Type == TypeIntermediateCatchEvent && (t.EventType == EventMessage || t.EventType == EventTimer || t.EventType == EventSignal || t.EventType == EventConditional)
			if !ok {
				b.problem(f.ID, f.Line, "a sequence flow leaving an event-based gateway must lead to a message, timer, signal or conditional intermediate catch event, not the %s '%s'", typeWords(t.Type), t.ID)
			}
			if f.Condition != nil {
				b.problem(f.ID, f.Line, "a sequence flow leaving an event-based gateway cannot have a condition")
			}
		}
	case TypeExclusiveGateway, TypeInclusiveGateway:
		if def := e.defaultID; def != "" {
			for _, f := range e.Outgoing {
				if f.ID == def {
					e.Default = f
				}
			}
			if e.Default == nil {
				b.problem(e.ID, e.Line, "the default flow '%s' is not an outgoing sequence flow of the gateway", def)
			}
		}
		if len(e.Outgoing) > 1 || e.Type == TypeInclusiveGateway {
			for _, f := range e.Outgoing {
				if f != e.Default && f.Condition == nil && len(e.Outgoing) > 1 {
					b.problem(f.ID, f.Line, "a sequence flow leaving the %s '%s' must have a condition or be its default flow", typeWords(e.Type), e.ID)
				}
			}
		}
	default:
		for _, f := range e.Outgoing {
			if f.Condition != nil {
				b.problem(f.ID, f.Line, "conditions are only supported on sequence flows leaving exclusive and inclusive gateways, not a %s", typeWords(e.Type))
			}
		}
	}
}

// typeWords names an element type in prose: "exclusive gateway".
func typeWords(t ElementType) string {
	return strings.ToLower(strings.ReplaceAll(string(t), "_", " "))
}

// calledElement reads zeebe:calledElement; it reports a missing process id
// even though call activities are not run yet, so both problems show.
func (b *builder) calledElement(n *node) *CalledElement {
	id := n.attr("id")
	ext := n.child(NSBPMN, "extensionElements")
	var ce *node
	if ext != nil {
		ce = ext.child(NSZeebe, "calledElement")
	}
	if ce == nil || ce.attr("processId") == "" {
		b.problem(id, n.Line, "a call activity must have a 'zeebe:calledElement' with a processId")
		return nil
	}
	switch bt := ce.attr("bindingType"); bt {
	case "", "latest", "deployment":
	default:
		b.problem(id, ce.Line, "the call activity's bindingType '%s' is not supported yet (only latest and deployment)", bt)
	}
	return &CalledElement{
		ProcessID:                   b.expr(id, ce.Line, "called process id", ce.attr("processId")),
		BindingType:                 ce.attr("bindingType"),
		PropagateAllChildVariables:  ce.attr("propagateAllChildVariables") != "false",
		PropagateAllParentVariables: ce.attr("propagateAllParentVariables") != "false",
	}
}

// script reads zeebe:script: a FEEL expression the engine evaluates.
func (b *builder) script(e *Element, n *node) {
	expr, result := n.attr("expression"), n.attr("resultVariable")
	if expr == "" {
		b.problem(e.ID, n.Line, "zeebe:script must have an expression")
	}
	if result == "" {
		b.problem(e.ID, n.Line, "zeebe:script must have a resultVariable")
	}
	if !strings.HasPrefix(strings.TrimSpace(expr), "=") {
		expr = "=" + expr
	}
	e.Script = &Script{Expression: b.expr(e.ID, n.Line, "script", expr), ResultVariable: result}
}

// multiInstance reads bpmn:multiInstanceLoopCharacteristics with its
// zeebe:loopCharacteristics.
func (b *builder) multiInstance(e *Element, lc *node) {
	if !e.IsActivity() {
		b.problem(e.ID, lc.Line, "multi-instance is only supported on activities")
		return
	}
	mi := &MultiInstance{Sequential: lc.attr("isSequential") == "true"}
	var zl *node
	if ext := lc.child(NSBPMN, "extensionElements"); ext != nil {
		zl = ext.child(NSZeebe, "loopCharacteristics")
	}
	if zl == nil || zl.attr("inputCollection") == "" {
		b.problem(e.ID, lc.Line, "a multi-instance activity must have a 'zeebe:loopCharacteristics' with an inputCollection")
		return
	}
	in := zl.attr("inputCollection")
	if !strings.HasPrefix(strings.TrimSpace(in), "=") {
		in = "=" + in
	}
	mi.InputCollection = b.expr(e.ID, zl.Line, "input collection", in)
	mi.InputElement = zl.attr("inputElement")
	mi.OutputCollection = zl.attr("outputCollection")
	if out := zl.attr("outputElement"); out != "" {
		if !strings.HasPrefix(strings.TrimSpace(out), "=") {
			out = "=" + out
		}
		x := b.expr(e.ID, zl.Line, "output element", out)
		mi.OutputElement = &x
	}
	if mi.OutputCollection != "" && mi.OutputElement == nil {
		b.problem(e.ID, zl.Line, "a multi-instance activity with an outputCollection must have an outputElement")
	}
	if cc := lc.child(NSBPMN, "completionCondition"); cc != nil && cc.Text != "" {
		raw := cc.Text
		if !strings.HasPrefix(strings.TrimSpace(raw), "=") {
			raw = "=" + raw
		}
		x := b.expr(e.ID, cc.Line, "completion condition", raw)
		mi.CompletionCondition = &x
	}
	e.MultiInstance = mi
}

func (b *builder) signalRef(e *Element, d *node) *SignalDefinition {
	ref := d.attr("signalRef")
	sn, ok := b.signals[ref]
	if ref == "" || !ok {
		b.problem(e.ID, d.Line, "must reference a signal (signalRef '%s' does not exist)", ref)
		return nil
	}
	name := sn.attr("name")
	if name == "" {
		b.problem(ref, sn.Line, "a signal must have a name")
	}
	return &SignalDefinition{Name: b.expr(e.ID, sn.Line, "signal name", name)}
}

func (b *builder) escalationRef(e *Element, d *node) *EscalationDefinition {
	ref := d.attr("escalationRef")
	if ref == "" {
		if e.Type == TypeEndEvent || e.Type == TypeIntermediateThrowEvent {
			b.problem(e.ID, d.Line, "an escalation throw event must reference an escalation (escalationRef)")
		}
		return &EscalationDefinition{} // catch-all
	}
	en, ok := b.escalations[ref]
	if !ok {
		b.problem(e.ID, d.Line, "references the escalation '%s', which does not exist", ref)
		return nil
	}
	code := en.attr("escalationCode")
	if code == "" && (e.Type == TypeEndEvent || e.Type == TypeIntermediateThrowEvent) {
		b.problem(ref, en.Line, "the escalation must have an escalation code (escalationCode)")
	}
	return &EscalationDefinition{Code: code}
}
