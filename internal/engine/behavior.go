package engine

import (
	"fmt"

	"github.com/orcabpm/orca/internal/bpmn"
)

// behavior is what one element type does at the steps of its lifecycle
// (lifecycle.go), as Zeebe's BpmnElementProcessor. Each element type has
// its behaviour in a file of its own (element_*.go); a new element type is
// that file, its case in behaviorFor, and its parser entry.
type behavior interface {
	// onActivate activates an ACTIVATING instance: it ends ACTIVATED (the
	// element waits), COMPLETING (it had nothing to wait for), or still
	// ACTIVATING with an incident (resolving it runs onActivate again).
	onActivate(w *writer, in *inst)
	// onComplete prepares to leave a COMPLETING instance: output mappings
	// and the outgoing flows to take. With ok false it raised an incident
	// and the instance stays COMPLETING.
	onComplete(w *writer, in *inst) (flows []*bpmn.SequenceFlow, ok bool)
	// onTerminate runs when an instance is terminated, before what it
	// waits on (job, user task, subscriptions, timers, called process) is
	// withdrawn and its children are terminated. With wait, the instance
	// stays TERMINATING (a user task's canceling listeners run): the
	// behaviour withdraws what it waits on and finishes the termination.
	onTerminate(w *writer, in *inst) (wait bool)
}

// container is the behaviour of an element whose instances hold element
// instances (Zeebe's BpmnElementContainerProcessor): a process, a
// sub-process, an event sub-process, an ad-hoc sub-process and its inner
// instances, a multi-instance body. Its methods run for a child.
type container interface {
	behavior
	// onChildCompleting runs before a child leaves: it may take the
	// child's output (an error raises an incident on the child, which
	// stays COMPLETING), and says whether the child's outgoing flows are
	// taken.
	onChildCompleting(w *writer, scope, child *inst) (takeFlows bool, err error)
	// onChildCompleted runs once a child completed and its flows were taken.
	onChildCompleted(w *writer, scope, child *inst)
	// onChildTerminated runs once a child was terminated.
	onChildTerminated(w *writer, scope, child *inst)
}

// behaviorOf is the behaviour of an element instance: of its element's
// type, or of the multi-instance body or ad-hoc inner instance it is.
func behaviorOf(in *inst) behavior { return behaviorFor(in.elementType()) }

func behaviorFor(t bpmn.ElementType) behavior {
	switch t {
	case bpmn.TypeProcess:
		return processBehavior{}
	case bpmn.TypeStartEvent:
		return startEvent{}
	case bpmn.TypeEndEvent:
		return endEvent{}
	case bpmn.TypeIntermediateCatchEvent:
		return catchEvent{}
	case bpmn.TypeIntermediateThrowEvent:
		return throwEvent{}
	case bpmn.TypeBoundaryEvent:
		return boundaryEvent{}
	case bpmn.TypeServiceTask, bpmn.TypeSendTask:
		return jobTask{}
	case bpmn.TypeScriptTask:
		return scriptTask{}
	case bpmn.TypeBusinessRuleTask:
		return businessRuleTask{}
	case bpmn.TypeUserTask:
		return userTask{}
	case bpmn.TypeReceiveTask:
		return receiveTask{}
	case bpmn.TypeManualTask, bpmn.TypeTask:
		return undefinedTask{}
	case bpmn.TypeExclusiveGateway:
		return exclusiveGateway{}
	case bpmn.TypeParallelGateway:
		return parallelGateway{}
	case bpmn.TypeInclusiveGateway:
		return inclusiveGateway{}
	case bpmn.TypeEventBasedGateway:
		return eventBasedGateway{}
	case bpmn.TypeSubProcess:
		return subProcess{}
	case bpmn.TypeEventSubProcess:
		return eventSubProcess{}
	case bpmn.TypeAdHocSubProcess:
		return adHocSubProcess{}
	case bpmn.TypeAdHocInnerInstance:
		return adHocInner{}
	case bpmn.TypeCallActivity:
		return callActivity{}
	case bpmn.TypeMultiInstanceBody:
		return multiInstanceBody{}
	}
	// The parser accepts no other type: a missing case is a programming error.
	panic(fmt.Sprintf("engine: no behaviour for element type %s", t))
}

// containerOf is the container behaviour of a flow scope.
func containerOf(scope *inst) container {
	c, ok := behaviorOf(scope).(container)
	if !ok {
		panic(fmt.Sprintf("engine: element type %s holds element instances but has no container behaviour", scope.elementType()))
	}
	return c
}

// leaf is embedded by behaviours of elements without anything to do on
// termination beyond what the lifecycle withdraws.
type leaf struct{}

func (leaf) onTerminate(*writer, *inst) bool { return false }

// flowScope is embedded by the container behaviours of plain flow scopes
// (processes, sub-processes, event sub-processes, ad-hoc inner instances):
// children leave by their flows, and the scope completes when nothing is
// left in it.
type flowScope struct{ leaf }

func (flowScope) onChildCompleting(*writer, *inst, *inst) (bool, error) { return true, nil }

func (flowScope) onChildCompleted(w *writer, scope, _ *inst) {
	w.childGone(scope)
	w.afterChild(scope)
}

func (flowScope) onChildTerminated(w *writer, scope, _ *inst) {
	w.childGone(scope)
	w.afterChild(scope)
}
