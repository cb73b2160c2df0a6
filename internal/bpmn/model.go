// Package bpmn holds the BPMN 2.0 process model that the engine executes: the
// XML parser for documents written by Camunda Modeler for Camunda 8 (with the
// zeebe: extension elements), and the validation that rejects what the engine
// cannot run.
package bpmn

import (
	"fmt"
	"strings"

	"github.com/orcabpm/orca/internal/feel"
)

// ElementType names an element kind exactly as Zeebe's BpmnElementType does,
// since these names appear on the REST API (element instance `type`).
type ElementType string

const (
	TypeProcess                ElementType = "PROCESS"
	TypeStartEvent             ElementType = "START_EVENT"
	TypeEndEvent               ElementType = "END_EVENT"
	TypeIntermediateCatchEvent ElementType = "INTERMEDIATE_CATCH_EVENT"
	TypeIntermediateThrowEvent ElementType = "INTERMEDIATE_THROW_EVENT"
	TypeBoundaryEvent          ElementType = "BOUNDARY_EVENT"
	TypeServiceTask            ElementType = "SERVICE_TASK"
	TypeSendTask               ElementType = "SEND_TASK"
	TypeScriptTask             ElementType = "SCRIPT_TASK"
	TypeBusinessRuleTask       ElementType = "BUSINESS_RULE_TASK"
	TypeReceiveTask            ElementType = "RECEIVE_TASK"
	TypeUserTask               ElementType = "USER_TASK"
	TypeManualTask             ElementType = "MANUAL_TASK"
	TypeTask                   ElementType = "TASK"
	TypeExclusiveGateway       ElementType = "EXCLUSIVE_GATEWAY"
	TypeParallelGateway        ElementType = "PARALLEL_GATEWAY"
	TypeInclusiveGateway       ElementType = "INCLUSIVE_GATEWAY"
	TypeEventBasedGateway      ElementType = "EVENT_BASED_GATEWAY"
	TypeSubProcess             ElementType = "SUB_PROCESS"
	TypeEventSubProcess        ElementType = "EVENT_SUB_PROCESS"
	TypeCallActivity           ElementType = "CALL_ACTIVITY"
	TypeMultiInstanceBody      ElementType = "MULTI_INSTANCE_BODY"
	TypeSequenceFlow           ElementType = "SEQUENCE_FLOW"
)

// EventType is the kind of event definition on an event element.
type EventType string

const (
	EventNone       EventType = "NONE"
	EventMessage    EventType = "MESSAGE"
	EventTimer      EventType = "TIMER"
	EventError      EventType = "ERROR"
	EventTerminate  EventType = "TERMINATE"
	EventSignal     EventType = "SIGNAL"
	EventEscalation EventType = "ESCALATION"
	EventLink       EventType = "LINK"
	// EventConditional events happen when their condition becomes true.
	EventConditional EventType = "CONDITIONAL"
	// EventCompensation: a compensation boundary event marks an activity
	// that can be compensated (by its handler); a throw or end event
	// compensates the completed activities of its scope.
	EventCompensation EventType = "COMPENSATION"
)

// Expression is an attribute value that is either a static string or, when
// written with a leading '=', a FEEL expression compiled at deployment.
type Expression struct {
	Raw  string // as written in the XML
	FEEL *feel.Expression
}

// IsFEEL reports whether the value is an expression rather than a literal.
func (e Expression) IsFEEL() bool { return e.FEEL != nil }

// IsZero reports whether nothing was written.
func (e Expression) IsZero() bool { return e.Raw == "" }

func (e Expression) String() string { return e.Raw }

// Mapping is one zeebe:input or zeebe:output of a zeebe:ioMapping.
type Mapping struct {
	Source Expression
	Target string // a variable name or a path "a.b.c"
}

// TaskDefinition is zeebe:taskDefinition: it makes an element a job.
type TaskDefinition struct {
	Type    Expression
	Retries Expression // default "3"
}

// Header is one zeebe:header of zeebe:taskHeaders, in document order.
type Header struct{ Key, Value string }

// Property is one zeebe:property of zeebe:properties.
type Property struct{ Name, Value string }

// UserTaskDefinition gathers the zeebe: elements of a Camunda user task.
type UserTaskDefinition struct {
	// Native reports a zeebe:userTask element: the engine manages the task.
	// Without it, Zeebe creates a job of type io.camunda.zeebe:userTask.
	Native          bool
	Assignee        Expression
	CandidateGroups Expression
	CandidateUsers  Expression
	DueDate         Expression
	FollowUpDate    Expression
	Priority        Expression
	// The zeebe:formDefinition, if any.
	FormLink
}

// MessageDefinition is a message event definition resolved against its
// bpmn:message and zeebe:subscription.
type MessageDefinition struct {
	MessageID      string
	Name           Expression
	CorrelationKey Expression
}

// TimerKind says which of the three timer definitions is used.
type TimerKind string

const (
	TimerDate     TimerKind = "DATE"
	TimerDuration TimerKind = "DURATION"
	TimerCycle    TimerKind = "CYCLE"
)

// TimerDefinition is a bpmn:timerEventDefinition.
type TimerDefinition struct {
	Kind TimerKind
	Expr Expression
}

// ErrorDefinition is a bpmn:errorEventDefinition resolved to its bpmn:error.
type ErrorDefinition struct {
	ErrorID string
	Code    Expression // empty: catch-all (on catch events)
}

// CalledElement is zeebe:calledElement.
type CalledElement struct {
	ProcessID                   Expression
	BindingType                 string
	PropagateAllChildVariables  bool
	PropagateAllParentVariables bool
}

// Element is one flow node (or a process, as the root scope).
type Element struct {
	ID            string
	Name          string
	Type          ElementType
	EventType     EventType
	Line          int
	Documentation string

	Parent   *Element   // flow scope: the process or the enclosing sub-process
	Children []*Element // flow nodes of a process or sub-process, in document order
	Incoming []*SequenceFlow
	Outgoing []*SequenceFlow
	Default  *SequenceFlow // gateways and activities with a default flow

	TaskDefinition *TaskDefinition
	Headers        []Header
	Inputs         []Mapping
	Outputs        []Mapping
	Properties     []Property
	ToolInputs     []ToolInput // zeebe:externalParameters (inputspec.go)
	UserTask       *UserTaskDefinition
	Message        *MessageDefinition
	Timer          *TimerDefinition
	Error          *ErrorDefinition
	CalledElement  *CalledElement
	Terminate      bool // terminate end event
	Script         *Script
	CalledDecision *CalledDecision // business rule tasks evaluating a DMN decision (decision.go)

	// Boundary events: the activity they are attached to, and whether they
	// interrupt it (cancelActivity, default true).
	AttachedTo   *Element
	Interrupting bool
	// Boundaries are the boundary events attached to this activity.
	Boundaries []*Element

	Signal      *SignalDefinition
	Escalation  *EscalationDefinition
	Conditional *ConditionalDefinition

	// EventSubProcesses are the event sub-processes of a scope; EventStart
	// is the start event of an event sub-process (Interrupting tells its kind).
	EventSubProcesses []*Element
	EventStart        *Element

	// CompensationHandler is the handler of an activity with a
	// compensation boundary event (an activity with isForCompensation,
	// joined to the boundary event by an association). ForCompensation
	// marks a handler; CompensateRef is a compensation throw or end event's
	// activityRef (nil: every activity of its scope).
	CompensationHandler *Element
	// CompensationEventSubProcess, on an embedded sub-process, is its event
	// sub-process with a compensation start event: it runs instead of the
	// handlers inside when the completed sub-process is compensated.
	CompensationEventSubProcess *Element
	ForCompensation             bool
	CompensateRef               *Element
	compensateRefID             string

	// ExecutionListeners are zeebe:executionListeners; TaskListeners the
	// zeebe:taskListeners of a Camunda user task.
	ExecutionListeners []*Listener
	TaskListeners      []*Listener

	// AdHoc is set on ad-hoc sub-processes.
	AdHoc *AdHoc

	// MultiInstance makes the activity run once per item of a collection.
	MultiInstance *MultiInstance

	// Link events: the name, and for a throw event its catch event.
	LinkName   string
	LinkTarget *Element

	// Sub-process scopes.
	NoneStart *Element // the none start event of a process or sub-process

	defaultID  string
	attachedID string
}

// IsActivity reports whether boundary events may be attached to the element.
func (e *Element) IsActivity() bool {
	switch e.Type {
	case TypeServiceTask, TypeSendTask, TypeScriptTask, TypeBusinessRuleTask, TypeReceiveTask, TypeUserTask,
		TypeManualTask, TypeTask, TypeSubProcess, TypeCallActivity, TypeAdHocSubProcess:
		return true
	}
	return false
}

// SignalDefinition is a signal event definition resolved to its bpmn:signal.
type SignalDefinition struct {
	Name Expression
}

// ConditionalDefinition is a bpmn:conditionalEventDefinition: a FEEL
// condition evaluated when the variables it reads change.
type ConditionalDefinition struct {
	Condition Expression
	// Names are the variables the condition reads: only their changes
	// evaluate it again.
	Names []string
	// OnCreate and OnUpdate say which variable events evaluate it
	// (zeebe:conditionalFilter variableEvents; both when not given).
	OnCreate, OnUpdate bool
}

// EscalationDefinition is an escalation event definition; an empty code on
// a catch event catches every escalation.
type EscalationDefinition struct {
	Code string
}

// MultiInstance is bpmn:multiInstanceLoopCharacteristics with
// zeebe:loopCharacteristics.
type MultiInstance struct {
	Sequential          bool
	InputCollection     Expression
	InputElement        string
	OutputCollection    string
	OutputElement       *Expression
	CompletionCondition *Expression
}

// Script is zeebe:script: a FEEL expression whose result is stored in a variable.
type Script struct {
	Expression     Expression
	ResultVariable string
}

// IsScope reports whether the element contains other flow nodes.
func (e *Element) IsScope() bool {
	switch e.Type {
	case TypeProcess, TypeSubProcess, TypeEventSubProcess, TypeAdHocSubProcess:
		return true
	}
	return false
}

// SequenceFlow connects two flow nodes of the same scope.
type SequenceFlow struct {
	ID        string
	Name      string
	Source    *Element
	Target    *Element
	Condition *Expression // nil: unconditional
	Line      int
}

// Process is one executable bpmn:process.
type Process struct {
	*Element      // the root scope (Type PROCESS)
	VersionTag    string
	Executable    bool
	elements      map[string]*Element
	flows         map[string]*SequenceFlow
	MessageStarts []*Element
	TimerStarts   []*Element
	SignalStarts  []*Element
	// ConditionalStarts are the conditional start events of the process
	// (root level): POST /v2/conditionals/evaluation starts instances at
	// those whose condition holds for the variables it is given.
	ConditionalStarts []*Element
	// Conditionals reports conditional events anywhere in the process: only
	// then do variable changes evaluate conditions.
	Conditionals bool
	// Compensations reports compensation boundary events: only then are
	// completed activities recorded for compensation.
	Compensations bool
	// StartForm is the zeebe:formDefinition of the none start event.
	StartForm *FormLink
	// UserTaskForms are the embedded forms (zeebe:userTaskForm) by id.
	UserTaskForms map[string]string
}

// Element returns the flow node with the given id, anywhere in the process.
func (p *Process) ElementByID(id string) *Element { return p.elements[id] }

// Flow returns the sequence flow with the given id.
func (p *Process) Flow(id string) *SequenceFlow { return p.flows[id] }

// Elements returns every flow node of the process (sub-processes included).
func (p *Process) Elements() map[string]*Element { return p.elements }

// Definitions is a parsed and validated bpmn:definitions document.
type Definitions struct {
	ID        string
	Processes []*Process
}

// Problem is one thing wrong with a document.
type Problem struct {
	ElementID string
	Line      int
	Message   string
}

func (p *Problem) Error() string {
	var b strings.Builder
	if p.ElementID != "" {
		fmt.Fprintf(&b, "element '%s'", p.ElementID)
	}
	if p.Line > 0 {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "(line %d)", p.Line)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError lists every problem found in a document; nothing of the
// document may be deployed when it is returned.
type ValidationError struct {
	Resource string
	Problems []*Problem
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	name := e.Resource
	if name == "" {
		name = "the BPMN document"
	}
	fmt.Fprintf(&b, "'%s' is not valid: %d problem", name, len(e.Problems))
	if len(e.Problems) != 1 {
		b.WriteString("s")
	}
	for _, p := range e.Problems {
		b.WriteString("\n- ")
		b.WriteString(p.Error())
	}
	return b.String()
}
