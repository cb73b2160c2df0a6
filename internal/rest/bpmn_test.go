package rest_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// The BPMN models of the engine's tests, driven here over HTTP as a user
// would: deploy, start, work jobs and user tasks, correlate, move the clock,
// and read the result back through the search API.

func (e *env) deployEngineModels(files ...string) {
	e.t.Helper()
	parts := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("..", "engine", "testdata", f))
		if err != nil {
			e.t.Fatal(err)
		}
		parts[f] = b
	}
	if r := e.deployRaw(files, parts, ""); r.status != http.StatusOK {
		e.t.Fatalf("deploy %v: %d %s", files, r.status, r.body)
	}
}

// jobsOf activates every job of a type (none is fine) over HTTP.
func (e *env) jobsOf(typ string) []map[string]any {
	e.t.Helper()
	r := e.ok(200, "POST", "/v2/jobs/activation", map[string]any{"type": typ, "worker": "http", "timeout": 600000,
		"maxJobsToActivate": 50, "requestTimeout": -1})
	var act struct {
		Jobs []map[string]any `json:"jobs"`
	}
	r.json(e.t, &act)
	return act.Jobs
}

func (e *env) completeJob(job map[string]any, vars map[string]any) {
	e.t.Helper()
	e.ok(204, "POST", "/v2/jobs/"+job["jobKey"].(string)+"/completion", map[string]any{"variables": vars})
}

func (e *env) pinClock(t time.Time) {
	e.t.Helper()
	e.ok(204, "PUT", "/v2/clock", map[string]any{"timestamp": t.UnixMilli()})
}

func (e *env) instanceState(pi string) string {
	e.t.Helper()
	return e.ok(200, "GET", "/v2/process-instances/"+pi, nil).obj(e.t)["state"].(string)
}

// elements lists "elementId:type:state" of an instance's element instances, sorted.
func (e *env) elements(pi string) string {
	e.t.Helper()
	items, _ := e.search("/v2/element-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}, "page": map[string]any{"limit": 1000}})
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s:%s:%s", it["elementId"], it["type"], it["state"]))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func (e *env) variable(pi, name string) string {
	e.t.Helper()
	items, _ := e.search("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "name": name, "scopeKey": pi}})
	if len(items) != 1 {
		e.t.Fatalf("variable %s of %s: %v", name, pi, items)
	}
	return items[0]["value"].(string)
}

func TestCombinedModelOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("combined-order.bpmn")
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	e.pinClock(t0)
	lines := []map[string]any{{"sku": "a", "qty": 1}, {"sku": "b", "qty": 2}}

	t.Run("happy path", func(t *testing.T) {
		e := e.with(t)
		pi := e.start("combined-order", map[string]any{"orderId": "h-1", "lines": lines})
		reserve := e.jobsOf("reserve-line")
		if len(reserve) != 2 {
			t.Fatalf("multi-instance jobs: %d", len(reserve))
		}
		for _, j := range reserve {
			e.completeJob(j, map[string]any{"reservation": "r-" + j["variables"].(map[string]any)["sku"].(string)})
		}
		if got := e.variable(pi, "reservations"); got != `["r-a","r-b"]` {
			t.Fatalf("reservations: %s", got)
		}
		children, _ := e.search("/v2/process-instances/search", map[string]any{"filter": map[string]any{"parentProcessInstanceKey": pi}})
		if len(children) != 1 || children[0]["processDefinitionId"] != "combined-payment" || children[0]["rootProcessInstanceKey"] != pi ||
			children[0]["parentElementInstanceKey"] == nil {
			t.Fatalf("called instance: %v", children)
		}
		e.pinClock(t0.Add(31 * time.Minute))
		tasks, _ := e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "assignee": "ops"}})
		if len(tasks) != 1 || tasks[0]["elementId"] != "chasePayment" {
			t.Fatalf("chase task: %v", tasks)
		}
		e.completeJob(e.jobsOf("charge-payment")[0], map[string]any{"paymentId": "p-1"})
		e.completeJob(e.jobsOf("ship")[0], nil)
		if s := e.instanceState(pi); s != "ACTIVE" {
			t.Fatalf("state before the chase task is done: %s", s)
		}
		e.ok(204, "POST", "/v2/user-tasks/"+tasks[0]["userTaskKey"].(string)+"/completion", map[string]any{})
		if s := e.instanceState(pi); s != "COMPLETED" {
			t.Fatalf("state: %s", s)
		}
		want := "chasePayment:USER_TASK:COMPLETED chased:END_EVENT:COMPLETED pay:CALL_ACTIVITY:COMPLETED " +
			"payTooSlow:BOUNDARY_EVENT:COMPLETED received:START_EVENT:COMPLETED reserveLines:MULTI_INSTANCE_BODY:COMPLETED " +
			"reserveLines:SERVICE_TASK:COMPLETED reserveLines:SERVICE_TASK:COMPLETED ship:SERVICE_TASK:COMPLETED shipped:END_EVENT:COMPLETED"
		if got := e.elements(pi); got != want {
			t.Fatalf("element instances:\n got  %s\n want %s", got, want)
		}
		if got := e.variable(pi, "paymentId"); got != `"p-1"` {
			t.Fatalf("paymentId: %s", got)
		}
	})

	t.Run("error boundary on the multi-instance", func(t *testing.T) {
		e := e.with(t)
		pi := e.start("combined-order", map[string]any{"orderId": "h-2", "lines": lines})
		reserve := e.jobsOf("reserve-line")
		e.ok(204, "POST", "/v2/jobs/"+reserve[0]["jobKey"].(string)+"/error", map[string]any{"errorCode": "OUT_OF_STOCK", "errorMessage": "sku a"})
		if s := e.instanceState(pi); s != "COMPLETED" {
			t.Fatalf("state: %s", s)
		}
		if got := e.elements(pi); !strings.Contains(got, "outOfStock:BOUNDARY_EVENT:COMPLETED") || !strings.Contains(got, "backordered:END_EVENT:COMPLETED") ||
			!strings.Contains(got, "reserveLines:MULTI_INSTANCE_BODY:TERMINATED") {
			t.Fatalf("element instances: %s", got)
		}
		jobs, _ := e.search("/v2/jobs/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
		states := keysOf(jobs, "state")
		sort.Strings(states)
		if strings.Join(states, ",") != "CANCELED,ERROR_THROWN" {
			t.Fatalf("job states: %v", states)
		}
	})

	t.Run("message event sub-process cancels during payment", func(t *testing.T) {
		e := e.with(t)
		pi := e.start("combined-order", map[string]any{"orderId": "h-3", "lines": lines})
		for _, j := range e.jobsOf("reserve-line") {
			e.completeJob(j, map[string]any{"reservation": "r"})
		}
		charge := e.jobsOf("charge-payment")[0]
		res := e.ok(200, "POST", "/v2/messages/correlation", map[string]any{"name": "order-cancelled", "correlationKey": "h-3"}).obj(t)
		if res["processInstanceKey"] != pi {
			t.Fatalf("correlated to %v, want %s", res["processInstanceKey"], pi)
		}
		if s := e.instanceState(pi); s != "COMPLETED" {
			t.Fatalf("state: %s", s)
		}
		if s := e.instanceState(charge["processInstanceKey"].(string)); s != "TERMINATED" {
			t.Fatalf("called instance: %s", s)
		}
		if got := e.elements(pi); !strings.Contains(got, "cancellation:EVENT_SUB_PROCESS:COMPLETED") || !strings.Contains(got, "pay:CALL_ACTIVITY:TERMINATED") {
			t.Fatalf("element instances: %s", got)
		}
		e.problem(e.do("POST", "/v2/jobs/"+charge["jobKey"].(string)+"/completion", map[string]any{}), 404, "NOT_FOUND", "")
	})
}

func TestEventsOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("eventsub.bpmn", "boundaries.bpmn")
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	e.pinClock(t0)

	// Event sub-processes (timer, escalation), a signal catch and a signal end event.
	pi := e.start("subscription", map[string]any{"orderId": "o-1"})
	e.pinClock(t0.Add(time.Hour))
	if n := len(e.jobsOf("nudge")); n != 1 {
		t.Fatalf("nudges after an hour: %d", n)
	}
	e.completeJob(e.jobsOf("work")[0], nil)
	e.completeJob(e.jobsOf("sub-work")[0], nil)
	e.ok(200, "POST", "/v2/signals/broadcast", map[string]any{"signalName": "go"})
	got := e.elements(pi)
	for _, want := range []string{"escalated:EVENT_SUB_PROCESS:COMPLETED", "nudge:EVENT_SUB_PROCESS:ACTIVE", "throwLate:INTERMEDIATE_THROW_EVENT:COMPLETED",
		"waitGo:INTERMEDIATE_CATCH_EVENT:COMPLETED", "signalDone:END_EVENT:COMPLETED"} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %s in %s", want, got)
		}
	}
	listeners, _ := e.search("/v2/process-instances/search", map[string]any{"filter": map[string]any{"processDefinitionId": "listener"}})
	if len(listeners) != 1 {
		t.Fatalf("the end event's signal started %d listeners", len(listeners))
	}

	// Boundary events, a script task, link events, an event-based gateway.
	f := e.start("fulfil", map[string]any{"orderId": "f-1", "total": 21})
	work := e.jobsOf("work")[0]
	e.pinClock(t0.Add(2 * time.Hour)) // the non-interrupting timer boundary
	e.completeJob(work, nil)
	if got := e.variable(f, "doubled"); got != "42" {
		t.Fatalf("script result: %s", got)
	}
	e.pinClock(t0.Add(2*time.Hour + 10*time.Minute)) // the gateway's timer wins
	e.completeJob(e.jobsOf("notify")[0], nil)
	got = e.elements(f)
	for _, want := range []string{"slow:BOUNDARY_EVENT:COMPLETED", "calc:SCRIPT_TASK:COMPLETED", "toNext:INTERMEDIATE_THROW_EVENT:COMPLETED",
		"fromNext:INTERMEDIATE_CATCH_EVENT:COMPLETED", "waitEvent:EVENT_BASED_GATEWAY:COMPLETED", "timedOut:INTERMEDIATE_CATCH_EVENT:COMPLETED",
		"notify:END_EVENT:COMPLETED", "remind:USER_TASK:ACTIVE"} {
		if !strings.Contains(got, want) {
			t.Fatalf("missing %s in %s", want, got)
		}
	}
	subs, _ := e.search("/v2/message-subscriptions/search", map[string]any{"filter": map[string]any{"processInstanceKey": f}})
	for _, s := range subs {
		if s["messageSubscriptionState"] == "CREATED" {
			t.Fatalf("a subscription is still open after its element ended: %v", s)
		}
	}
}

func TestUnsupportedElementIsRejected(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct{ element, want string }{
		{`<bpmn:complexGateway id="cg" />`, "element 'cg'"},
		{`<bpmn:endEvent id="cancel"><bpmn:cancelEventDefinition /></bpmn:endEvent>`, "element 'cancel'"},
		{`<bpmn:transaction id="tx" />`, "element 'tx'"},
	} {
		doc := `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d">
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" />` + tc.element + `</bpmn:process>
</bpmn:definitions>`
		r := e.deployRaw([]string{"u.bpmn"}, map[string][]byte{"u.bpmn": []byte(doc)}, "")
		e.problem(r, 400, "INVALID_ARGUMENT", tc.want)
		if !strings.Contains(string(r.body), "not supported") {
			t.Fatalf("the problem does not say what is unsupported: %s", r.body)
		}
	}
	defs, page := e.search("/v2/process-definitions/search", map[string]any{})
	if len(defs) != 0 || fmt.Sprint(page["totalItems"]) != "0" {
		t.Fatalf("something was deployed: %v", defs)
	}
}

func TestCallActivitiesAndMultiInstanceOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("callmi.bpmn")

	// Parallel multi-instance with an output collection, a call activity,
	// a sequential multi-instance sub-process stopped by its completion condition.
	pi := e.start("order-lines", map[string]any{"lines": []map[string]any{{"sku": "a"}, {"sku": "b"}}})
	for _, j := range e.jobsOf("pick") {
		n := j["variables"].(map[string]any)["loopCounter"]
		e.completeJob(j, map[string]any{"pickedQty": n})
	}
	if got := e.variable(pi, "picked"); got != "[1,2]" {
		t.Fatalf("picked: %s", got)
	}
	e.completeJob(e.jobsOf("charge")[0], map[string]any{"txn": "t-1"})
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("state %s, elements %s", s, e.elements(pi))
	}
	if got := e.variable(pi, "lastTens"); got != "20" {
		t.Fatalf("the sequential multi-instance ran past its completion condition: lastTens %s", got)
	}

	// Only input mappings reach the child; output mappings bring results back.
	g := e.start("guarded-pay", map[string]any{"amount": 7, "secret": "s"})
	charge := e.jobsOf("charge")[0]
	if vars := charge["variables"].(map[string]any); len(vars) != 1 || fmt.Sprint(vars["amount"]) != "7" {
		t.Fatalf("child variables: %v", vars)
	}
	e.problem(e.do("POST", "/v2/process-instances/"+charge["processInstanceKey"].(string)+"/cancellation", map[string]any{}), 409, "INVALID_STATE", "parent")
	e.completeJob(charge, map[string]any{"txn": "t-2"})
	if got := e.variable(g, "paymentRef"); got != `"t-2"` {
		t.Fatalf("paymentRef: %s", got)
	}

	// A missing called process is an incident that a deployment and a resolution fix.
	m := e.start("missing-callee", map[string]any{"callee": "not-yet"})
	incs, _ := e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"processInstanceKey": m}})
	if len(incs) != 1 || incs[0]["errorType"] != "CALLED_ELEMENT_ERROR" || !strings.Contains(incs[0]["errorMessage"].(string), "'not-yet'") {
		t.Fatalf("incidents: %v", incs)
	}
	e.ok(204, "PUT", "/v2/element-instances/"+m+"/variables", map[string]any{"variables": map[string]any{"callee": "payment-sub"}})
	e.ok(204, "POST", "/v2/incidents/"+incs[0]["incidentKey"].(string)+"/resolution", map[string]any{})
	e.completeJob(e.jobsOf("charge")[0], nil)
	if s := e.instanceState(m); s != "COMPLETED" {
		t.Fatalf("after resolution: %s", s)
	}
}

func TestErrorEventSubProcessOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("eventsub.bpmn", "boundaries.bpmn")
	pi := e.start("subscription", map[string]any{"orderId": "x"})
	e.ok(204, "POST", "/v2/jobs/"+e.jobsOf("work")[0]["jobKey"].(string)+"/error", map[string]any{"errorCode": "FATAL", "variables": map[string]any{"cause": "disk"}})
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("state: %s", s)
	}
	if got := e.elements(pi); !strings.Contains(got, "onError:EVENT_SUB_PROCESS:COMPLETED") || !strings.Contains(got, "work:SERVICE_TASK:TERMINATED") {
		t.Fatalf("elements: %s", got)
	}
	if got := e.variable(pi, "cause"); got != `"disk"` {
		t.Fatalf("error variables: %s", got)
	}
	// An interrupting message boundary over HTTP, with its variables.
	f := e.start("fulfil", map[string]any{"orderId": "m-1", "total": 1})
	e.jobsOf("work")
	e.ok(200, "POST", "/v2/messages/publication", map[string]any{"name": "cancel-order", "correlationKey": "m-1", "variables": map[string]any{"why": "late"}})
	if got := e.elements(f); !strings.Contains(got, "onCancel:BOUNDARY_EVENT:COMPLETED") || !strings.Contains(got, "work:SERVICE_TASK:TERMINATED") {
		t.Fatalf("elements: %s", got)
	}
	if got := e.variable(f, "why"); got != `"late"` {
		t.Fatalf("message variables: %s", got)
	}
}

func TestEscalationAndSignalBoundariesOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("boundary-events.bpmn")

	// A non-interrupting escalation boundary: the sub-process goes on.
	goesOn := e.start("escalations", map[string]any{"abort": false})
	e.completeJob(e.jobsOf("esc-work")[0], nil)
	if s := e.instanceState(goesOn); s != "COMPLETED" {
		t.Fatalf("state: %s (%s)", s, e.elements(goesOn))
	}
	if got := e.elements(goesOn); !strings.Contains(got, "onLate:BOUNDARY_EVENT:COMPLETED") || !strings.Contains(got, "work:SUB_PROCESS:COMPLETED") ||
		!strings.Contains(got, "end:END_EVENT:COMPLETED") {
		t.Fatalf("elements: %s", got)
	}

	// An escalation end event caught by an interrupting boundary.
	aborted := e.start("escalations", map[string]any{"abort": true})
	if got := e.elements(aborted); !strings.Contains(got, "onAbort:BOUNDARY_EVENT:COMPLETED") || !strings.Contains(got, "work:SUB_PROCESS:TERMINATED") ||
		!strings.Contains(got, "abortedEnd:END_EVENT:COMPLETED") {
		t.Fatalf("elements: %s", got)
	}

	// A signal boundary interrupts the sub-process while its task waits.
	halted := e.start("escalations", map[string]any{"abort": false})
	job := e.jobsOf("esc-work")[0]
	e.ok(200, "POST", "/v2/signals/broadcast", map[string]any{"signalName": "halt"})
	if got := e.elements(halted); !strings.Contains(got, "onHalt:BOUNDARY_EVENT:COMPLETED") || !strings.Contains(got, "task:SERVICE_TASK:TERMINATED") {
		t.Fatalf("elements: %s", got)
	}
	if s := e.instanceState(halted); s != "COMPLETED" {
		t.Fatalf("state: %s", s)
	}
	e.problem(e.do("POST", "/v2/jobs/"+job["jobKey"].(string)+"/completion", map[string]any{}), 404, "NOT_FOUND", "")

	// An intermediate message throw event is a job, as in Zeebe.
	an := e.start("announce", nil)
	jobs := e.jobsOf("announce")
	if len(jobs) != 1 || jobs[0]["elementId"] != "tell" {
		t.Fatalf("throw event jobs: %v", jobs)
	}
	e.completeJob(jobs[0], map[string]any{"told": true})
	if got := e.elements(an); !strings.Contains(got, "tell:INTERMEDIATE_THROW_EVENT:COMPLETED") || e.instanceState(an) != "COMPLETED" {
		t.Fatalf("elements: %s", got)
	}
}

func TestGatewaysAndTerminateOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("gateways.bpmn", "subprocess.bpmn")

	// Exclusive (a condition), parallel fork and join, inclusive fork and join.
	pi := e.start("routing", map[string]any{"amount": 5000, "channels": []string{"mail", "sms"}})
	e.completeJob(e.jobsOf("risk")[0], nil)
	e.completeJob(e.jobsOf("fraud")[0], nil)
	e.completeJob(e.jobsOf("sms")[0], nil)
	if s := e.instanceState(pi); s != "ACTIVE" {
		t.Fatalf("the inclusive join did not wait for mail: %s", s)
	}
	e.completeJob(e.jobsOf("mail")[0], nil)
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("state: %s", s)
	}
	for _, want := range []string{"join:PARALLEL_GATEWAY:COMPLETED", "notify:INCLUSIVE_GATEWAY:COMPLETED", "notified:INCLUSIVE_GATEWAY:COMPLETED"} {
		if got := e.elements(pi); !strings.Contains(got, want) {
			t.Fatalf("missing %s in %s", want, got)
		}
	}

	// A terminate end event ends the parallel user task and completes the instance.
	sp := e.start("shipping", map[string]any{"items": []string{"a"}, "warehouse": "w9"})
	e.completeJob(e.jobsOf("pack-w9")[0], map[string]any{"packed": []string{"a"}})
	if s := e.instanceState(sp); s != "COMPLETED" {
		t.Fatalf("state: %s", s)
	}
	if got := e.elements(sp); !strings.Contains(got, "label:USER_TASK:TERMINATED") || !strings.Contains(got, "stop:END_EVENT:COMPLETED") {
		t.Fatalf("elements: %s", got)
	}
	tasks, _ := e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": sp}})
	if len(tasks) != 1 || tasks[0]["state"] != "CANCELED" {
		t.Fatalf("user tasks: %v", tasks)
	}
}
