package engine

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// elementLog is an Observer that keeps the element lifecycle events
// (Options.ElementEvents), as an exporter of Zeebe's element records would.
type elementLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *elementLog) Committed(c Commit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range c.Events {
		if ev.Kind == EventElement {
			l.events = append(l.events, ev)
		}
	}
}
func (l *elementLog) StorageFailed(error, int)       {}
func (l *elementLog) StorageRecovered(time.Duration) {}

// intents lists the lifecycle states instances of an element of a type
// went through in a process instance, in order.
func (l *elementLog) intents(pi int64, elementID, typ string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, ev := range l.events {
		if ev.ProcessInstanceKey == pi && ev.ElementID == elementID && ev.Type == typ {
			out = append(out, strings.TrimPrefix(ev.Message, "ELEMENT_"))
		}
	}
	return out
}

// lifecycleRow is one element type driven through its lifecycle. Its
// process holds the element "x" between "start" and "end"; {io} stands for
// the zeebe:ioMapping that holds it (an input mapping that fails until
// goIn is true, an output mapping that fails until goOut is true).
type lifecycleRow struct {
	name, typ string
	process   string // the process's flow nodes and flows
	extra     string // more definitions (messages, a called process)
	in, out   bool   // {io} has the holding input / output mapping
	// trigger, if set, makes x happen (an event sub-process's event).
	trigger func(h *harness, pi int64)
	// finish, if set, ends x's wait (ACTIVATED): x waits for it.
	finish func(h *harness, pi int64)
	// attached: x is an activity with the interrupting message boundary
	// event "stop" (message stop, correlation key =key).
	attached bool
}

const holdIO = `<zeebe:ioMapping>{in}{out}</zeebe:ioMapping>`
const holdIn = `<zeebe:input source="=assert(goIn, goIn = true, &#34;hold in ACTIVATING&#34;)" target="entered" />`
const holdOut = `<zeebe:output source="=assert(goOut, goOut = true, &#34;hold in COMPLETING&#34;)" target="left" />`

const stopBoundary = `<bpmn:boundaryEvent id="stop" attachedToRef="x"><bpmn:messageEventDefinition messageRef="msgStop" /></bpmn:boundaryEvent>
<bpmn:sequenceFlow id="fs" sourceRef="stop" targetRef="stopped" /><bpmn:endEvent id="stopped" />`

func lifecycleModel(r lifecycleRow) string {
	io := holdIO
	io = strings.ReplaceAll(io, "{in}", map[bool]string{true: holdIn}[r.in])
	io = strings.ReplaceAll(io, "{out}", map[bool]string{true: holdOut}[r.out])
	if !r.in && !r.out {
		io = ""
	}
	p := strings.ReplaceAll(r.process, "{io}", io)
	if r.attached {
		p += stopBoundary
	}
	return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="lc" targetNamespace="http://bpmn.io/schema/bpmn">
<bpmn:message id="msgStop" name="stop"><bpmn:extensionElements><zeebe:subscription correlationKey="=key" /></bpmn:extensionElements></bpmn:message>
<bpmn:message id="msgGo" name="go"><bpmn:extensionElements><zeebe:subscription correlationKey="=key" /></bpmn:extensionElements></bpmn:message>
<bpmn:signal id="sigGo" name="go-signal" />
` + r.extra + `
<bpmn:process id="lc" isExecutable="true">` + p + `</bpmn:process>
</bpmn:definitions>`
}

// straight puts x between start and end.
func straight(x string) string {
	return `<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="x" />` + x +
		`<bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="end" /><bpmn:endEvent id="end" />`
}

func completeJobOf(typ string) func(h *harness, pi int64) {
	return func(h *harness, pi int64) {
		h.t.Helper()
		for _, j := range h.jobs(typ, 10) {
			h.complete(j.Key, nil)
		}
	}
}

func publishGo(h *harness, pi int64) {
	h.t.Helper()
	if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "go", CorrelationKey: lcKey(h, pi), TimeToLive: time.Hour}); err != nil {
		h.t.Fatal(err)
	}
}

var lifecycleRows = []lifecycleRow{
	{name: "service task", typ: "SERVICE_TASK", in: true, out: true, attached: true,
		process: straight(`<bpmn:serviceTask id="x"><bpmn:extensionElements><zeebe:taskDefinition type="lc" />{io}</bpmn:extensionElements></bpmn:serviceTask>`),
		finish:  completeJobOf("lc")},
	{name: "send task", typ: "SEND_TASK", in: true, out: true, attached: true,
		process: straight(`<bpmn:sendTask id="x"><bpmn:extensionElements><zeebe:taskDefinition type="lc" />{io}</bpmn:extensionElements></bpmn:sendTask>`),
		finish:  completeJobOf("lc")},
	{name: "business rule task", typ: "BUSINESS_RULE_TASK", in: true, out: true, attached: true,
		process: straight(`<bpmn:businessRuleTask id="x"><bpmn:extensionElements><zeebe:taskDefinition type="lc" />{io}</bpmn:extensionElements></bpmn:businessRuleTask>`),
		finish:  completeJobOf("lc")},
	{name: "script task", typ: "SCRIPT_TASK", in: true, out: true,
		process: straight(`<bpmn:scriptTask id="x"><bpmn:extensionElements><zeebe:script expression="=entered" resultVariable="r" />{io}</bpmn:extensionElements></bpmn:scriptTask>`)},
	{name: "user task", typ: "USER_TASK", in: true, out: true, attached: true,
		process: straight(`<bpmn:userTask id="x"><bpmn:extensionElements><zeebe:userTask />{io}</bpmn:extensionElements></bpmn:userTask>`),
		finish: func(h *harness, pi int64) {
			h.t.Helper()
			for _, ut := range h.userTasks(pi) {
				if ut.State == store.UserTaskCreated {
					if err := h.e.CompleteUserTask(h.ctx, ut.Key, nil); err != nil {
						h.t.Fatal(err)
					}
				}
			}
		}},
	{name: "receive task", typ: "RECEIVE_TASK", in: true, out: true, attached: true,
		process: straight(`<bpmn:receiveTask id="x" messageRef="msgGo"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:receiveTask>`),
		finish:  publishGo},
	{name: "manual task", typ: "MANUAL_TASK", in: true, out: true,
		process: straight(`<bpmn:manualTask id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:manualTask>`)},
	{name: "undefined task", typ: "TASK", in: true, out: true,
		process: straight(`<bpmn:task id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:task>`)},
	{name: "message catch event", typ: "INTERMEDIATE_CATCH_EVENT", in: true, out: true,
		process: straight(`<bpmn:intermediateCatchEvent id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements><bpmn:messageEventDefinition messageRef="msgGo" /></bpmn:intermediateCatchEvent>`),
		finish:  publishGo},
	{name: "timer catch event", typ: "INTERMEDIATE_CATCH_EVENT", in: true, out: true,
		process: straight(`<bpmn:intermediateCatchEvent id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements><bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>`),
		finish:  func(h *harness, _ int64) { h.pin(time.Now().Add(2 * time.Hour)) }},
	{name: "signal catch event", typ: "INTERMEDIATE_CATCH_EVENT", in: true, out: true,
		process: straight(`<bpmn:intermediateCatchEvent id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements><bpmn:signalEventDefinition signalRef="sigGo" /></bpmn:intermediateCatchEvent>`),
		finish: func(h *harness, _ int64) {
			if _, err := h.e.BroadcastSignal(h.ctx, SignalRequest{Name: "go-signal"}); err != nil {
				h.t.Fatal(err)
			}
		}},
	{name: "none throw event", typ: "INTERMEDIATE_THROW_EVENT", in: true, out: true,
		process: straight(`<bpmn:intermediateThrowEvent id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:intermediateThrowEvent>`)},
	{name: "none start event", typ: "START_EVENT", out: true,
		process: `<bpmn:startEvent id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:startEvent><bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="end" /><bpmn:endEvent id="end" />`},
	{name: "none end event", typ: "END_EVENT", in: true, out: true,
		process: `<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="x" /><bpmn:endEvent id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:endEvent>`},
	{name: "exclusive gateway", typ: "EXCLUSIVE_GATEWAY", in: true,
		process: straight(`<bpmn:exclusiveGateway id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:exclusiveGateway>`)},
	{name: "parallel gateway", typ: "PARALLEL_GATEWAY", in: true,
		process: straight(`<bpmn:parallelGateway id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:parallelGateway>`)},
	{name: "inclusive gateway", typ: "INCLUSIVE_GATEWAY", in: true,
		process: straight(`<bpmn:inclusiveGateway id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:inclusiveGateway>`)},
	{name: "event-based gateway", typ: "EVENT_BASED_GATEWAY", in: true, out: true,
		process: `<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="x" />
<bpmn:eventBasedGateway id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements></bpmn:eventBasedGateway>
<bpmn:sequenceFlow id="f2" sourceRef="x" targetRef="caught" />
<bpmn:intermediateCatchEvent id="caught"><bpmn:messageEventDefinition messageRef="msgGo" /></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f3" sourceRef="caught" targetRef="end" /><bpmn:endEvent id="end" />
<bpmn:sequenceFlow id="f4" sourceRef="x" targetRef="late" />
<bpmn:intermediateCatchEvent id="late"><bpmn:timerEventDefinition><bpmn:timeDuration>PT10H</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f5" sourceRef="late" targetRef="end" />`,
		finish: publishGo},
	{name: "sub-process", typ: "SUB_PROCESS", in: true, out: true, attached: true,
		process: straight(`<bpmn:subProcess id="x"><bpmn:extensionElements>{io}</bpmn:extensionElements>
<bpmn:startEvent id="s" /><bpmn:sequenceFlow id="s1" sourceRef="s" targetRef="inner" />
<bpmn:serviceTask id="inner"><bpmn:extensionElements><zeebe:taskDefinition type="lc-inner" /></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:subProcess>`),
		finish: completeJobOf("lc-inner")},
	{name: "event sub-process", typ: "EVENT_SUB_PROCESS", in: true, out: true,
		process: `<bpmn:startEvent id="start" /><bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="main" />
<bpmn:serviceTask id="main"><bpmn:extensionElements><zeebe:taskDefinition type="lc-main" /></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:sequenceFlow id="f2" sourceRef="main" targetRef="end" /><bpmn:endEvent id="end" />
<bpmn:subProcess id="x" triggeredByEvent="true"><bpmn:extensionElements>{io}</bpmn:extensionElements>
<bpmn:startEvent id="s"><bpmn:messageEventDefinition messageRef="msgGo" /></bpmn:startEvent><bpmn:sequenceFlow id="s1" sourceRef="s" targetRef="inner" />
<bpmn:serviceTask id="inner"><bpmn:extensionElements><zeebe:taskDefinition type="lc-inner" /></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="e" /><bpmn:endEvent id="e" /></bpmn:subProcess>`,
		trigger: publishGo,
		finish:  completeJobOf("lc-inner")},
	{name: "ad-hoc sub-process", typ: "AD_HOC_SUB_PROCESS", in: true, out: true, attached: true,
		process: straight(`<bpmn:adHocSubProcess id="x"><bpmn:extensionElements><zeebe:adHoc activeElementsCollection="=[&#34;inner&#34;]" />{io}</bpmn:extensionElements>
<bpmn:serviceTask id="inner"><bpmn:extensionElements><zeebe:taskDefinition type="lc-inner" /></bpmn:extensionElements></bpmn:serviceTask></bpmn:adHocSubProcess>`),
		finish: completeJobOf("lc-inner")},
	{name: "call activity", typ: "CALL_ACTIVITY", in: true, out: true, attached: true,
		process: straight(`<bpmn:callActivity id="x"><bpmn:extensionElements><zeebe:calledElement processId="lc-child" />{io}</bpmn:extensionElements></bpmn:callActivity>`),
		extra: `<bpmn:process id="lc-child" isExecutable="true"><bpmn:startEvent id="cs" /><bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="cw" />
<bpmn:serviceTask id="cw"><bpmn:extensionElements><zeebe:taskDefinition type="lc-child" /></bpmn:extensionElements></bpmn:serviceTask>
<bpmn:sequenceFlow id="c2" sourceRef="cw" targetRef="ce" /><bpmn:endEvent id="ce" /></bpmn:process>`,
		finish: completeJobOf("lc-child")},
	{name: "multi-instance body", typ: "MULTI_INSTANCE_BODY", attached: true,
		process: straight(`<bpmn:serviceTask id="x"><bpmn:extensionElements><zeebe:taskDefinition type="lc" /></bpmn:extensionElements>
<bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1, 2]" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics></bpmn:serviceTask>`),
		finish: completeJobOf("lc")},
}

// TestElementLifecycle drives every element type through Zeebe's lifecycle
// and checks what a user sees: the lifecycle events in order, the element
// instance's stored state and lifecycle while an incident holds it in
// ACTIVATING or COMPLETING, and where the element waits; then termination
// by cancelling the instance and by an interrupting boundary event.
func TestElementLifecycle(t *testing.T) {
	for _, r := range lifecycleRows {
		t.Run(r.name, func(t *testing.T) {
			log := &elementLog{}
			h := newHarnessWith(t, Options{Observer: log, ElementEvents: true, Synchronous: "NORMAL"})
			if _, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "lc.bpmn", Content: []byte(lifecycleModel(r))}}); err != nil {
				t.Fatal(err)
			}
			t.Run("complete", func(t *testing.T) { lifecycleComplete(t, h, log, r) })
			if r.finish != nil {
				t.Run("cancel", func(t *testing.T) { lifecycleCancel(t, h, log, r) })
			}
			if r.attached {
				t.Run("boundary", func(t *testing.T) { lifecycleBoundary(t, h, log, r) })
			}
		})
	}
}

// startLC starts an instance with its correlation key (the test's name)
// and, for an event
// sub-process, makes x happen.
func startLC(t *testing.T, h *harness, r lifecycleRow, goIn, goOut bool) int64 {
	t.Helper()
	res, err := h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessID: "lc",
		Variables: map[string]any{"goIn": goIn, "goOut": goOut, "key": t.Name()}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	if r.trigger != nil {
		r.trigger(h, pi)
	}
	return pi
}

// lcKey is the correlation key of an instance.
func lcKey(h *harness, pi int64) string {
	h.t.Helper()
	var key string
	if err := json.Unmarshal([]byte(h.vars(pi)["key"]), &key); err != nil {
		h.t.Fatal(err)
	}
	return key
}

// x is the stored instance of the element under test.
func lcElement(t *testing.T, h *harness, pi int64, typ string) *store.ElementInstance {
	t.Helper()
	eis, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) },
		"process_instance_key = ? AND element_id = 'x' AND type = ? ORDER BY key", pi, typ)
	if err != nil {
		t.Fatal(err)
	}
	if len(eis) == 0 {
		t.Fatalf("no %s instance of x in %d (elements %v)", typ, pi, h.elementStates(pi))
	}
	return eis[len(eis)-1]
}

func wantStored(t *testing.T, h *harness, pi int64, typ, state, lifecycle string, incident bool) {
	t.Helper()
	x := lcElement(t, h, pi, typ)
	if x.State != state || x.Runtime.Lifecycle != lifecycle || x.HasIncident != incident {
		t.Fatalf("x is %s/%s incident=%v, want %s/%s incident=%v", x.State, x.Runtime.Lifecycle, x.HasIncident, state, lifecycle, incident)
	}
}

// release sets a variable that lets the held element go on and resolves
// the incident that held it.
func release(t *testing.T, h *harness, pi int64, name, errType string) {
	t.Helper()
	inc := h.activeIncident(pi)
	if inc.ElementID != "x" || inc.ErrorType != errType {
		t.Fatalf("incident on %s (%s: %s), want %s on x", inc.ElementID, inc.ErrorType, inc.ErrorMessage, errType)
	}
	// Set from x outwards: x may hold a copy of its own (a call activity's
	// output mappings read the called process's variables).
	if err := h.e.SetVariables(h.ctx, inc.ElementInstanceKey, map[string]any{name: true}, false); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
}

func wantIntents(t *testing.T, log *elementLog, pi int64, id, typ string, want ...string) {
	t.Helper()
	if got := log.intents(pi, id, typ); !slices.Equal(got, want) {
		t.Fatalf("%s (%s) went through %v, want %v", id, typ, got, want)
	}
}

func lifecycleComplete(t *testing.T, h *harness, log *elementLog, r lifecycleRow) {
	pi := startLC(t, h, r, false, false)
	if r.in {
		wantStored(t, h, pi, r.typ, store.StateActive, lcActivating, true)
		wantIntents(t, log, pi, "x", r.typ, lcActivating)
		release(t, h, pi, "goIn", incIOMapping)
	}
	if r.finish != nil {
		wantStored(t, h, pi, r.typ, store.StateActive, lcActivated, false)
		wantIntents(t, log, pi, "x", r.typ, lcActivating, lcActivated)
		r.finish(h, pi)
	}
	if r.out {
		wantStored(t, h, pi, r.typ, store.StateActive, lcCompleting, true)
		wantIntents(t, log, pi, "x", r.typ, lcActivating, lcActivated, lcCompleting)
		release(t, h, pi, "goOut", incIOMapping)
	}
	wantStored(t, h, pi, r.typ, store.StateCompleted, lcCompleted, false)
	wantIntents(t, log, pi, "x", r.typ, lcActivating, lcActivated, lcCompleting, lcCompleted)
	h.wantState(pi, store.StateCompleted)
	wantIntents(t, log, pi, "lc", "PROCESS", lcActivating, lcActivated, lcCompleting, lcCompleted)
}

func lifecycleCancel(t *testing.T, h *harness, log *elementLog, r lifecycleRow) {
	pi := startLC(t, h, r, true, true)
	wantStored(t, h, pi, r.typ, store.StateActive, lcActivated, false)
	if err := h.e.CancelProcessInstance(h.ctx, pi); err != nil {
		t.Fatal(err)
	}
	wantStored(t, h, pi, r.typ, store.StateTerminated, lcTerminated, false)
	wantIntents(t, log, pi, "x", r.typ, lcActivating, lcActivated, lcTerminating, lcTerminated)
	h.wantState(pi, store.StateTerminated)
	wantIntents(t, log, pi, "lc", "PROCESS", lcActivating, lcActivated, lcTerminating, lcTerminated)
	for id, states := range h.elementStates(pi) {
		for _, s := range states {
			if s == store.StateActive {
				t.Fatalf("%s is still active after the cancellation: %v", id, h.elementStates(pi))
			}
		}
	}
}

func lifecycleBoundary(t *testing.T, h *harness, log *elementLog, r lifecycleRow) {
	pi := startLC(t, h, r, true, true)
	wantStored(t, h, pi, r.typ, store.StateActive, lcActivated, false)
	if _, err := h.e.PublishMessage(h.ctx, PublishMessageRequest{Name: "stop", CorrelationKey: lcKey(h, pi), Variables: map[string]any{"why": "stopped"}}); err != nil {
		t.Fatal(err)
	}
	wantStored(t, h, pi, r.typ, store.StateTerminated, lcTerminated, false)
	wantIntents(t, log, pi, "x", r.typ, lcActivating, lcActivated, lcTerminating, lcTerminated)
	wantIntents(t, log, pi, "stop", "BOUNDARY_EVENT", lcActivating, lcActivated, lcCompleting, lcCompleted)
	h.wantState(pi, store.StateCompleted)
	if got := h.elementStates(pi)["stopped"]; !slices.Equal(got, []string{store.StateCompleted}) {
		t.Fatalf("the boundary event's path: stopped %v, want COMPLETED", got)
	}
	h.wantVars(pi, map[string]string{"why": `"stopped"`})
}
