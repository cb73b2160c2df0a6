package rest_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// inspectModel: an order calls a payment process whose charge, inside a
// sub-process, fails into an incident; the order also runs a parallel
// multi-instance notification over three channels.
const inspectModel = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="order" name="Order" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:callActivity id="pay"><bpmn:extensionElements><zeebe:calledElement processId="payment" propagateAllChildVariables="false" /></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:serviceTask id="notify">
      <bpmn:extensionElements><zeebe:taskDefinition type="notify" /></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[&quot;mail&quot;,&quot;sms&quot;,&quot;push&quot;]" inputElement="channel" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="fork" />
    <bpmn:sequenceFlow id="f2" sourceRef="fork" targetRef="pay" />
    <bpmn:sequenceFlow id="f3" sourceRef="fork" targetRef="notify" />
  </bpmn:process>
  <bpmn:process id="payment" isExecutable="true">
    <bpmn:startEvent id="ps" />
    <bpmn:subProcess id="attempt">
      <bpmn:startEvent id="as" />
      <bpmn:serviceTask id="charge"><bpmn:extensionElements><zeebe:taskDefinition type="charge" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:sequenceFlow id="a1" sourceRef="as" targetRef="charge" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="p1" sourceRef="ps" targetRef="attempt" />
  </bpmn:process>
</bpmn:definitions>`

// elementInstanceKey finds the one element instance of an element.
func (e *env) elementInstanceKey(pi, elementID string) string {
	e.t.Helper()
	items, _ := e.search("/v2/element-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "elementId": elementID}})
	if len(items) != 1 {
		e.t.Fatalf("element instances of %s in %s: %v", elementID, pi, items)
	}
	return items[0]["elementInstanceKey"].(string)
}

// elementStats reads an instance's element statistics as "element:active/incidents/completed/canceled".
func (e *env) elementStats(pi string) []string {
	e.t.Helper()
	var res struct {
		Items []struct {
			ElementID                              string `json:"elementId"`
			Active, Incidents, Completed, Canceled int
		} `json:"items"`
	}
	e.ok(http.StatusOK, "GET", "/v2/process-instances/"+pi+"/statistics/element-instances", nil).json(e.t, &res)
	if res.Items == nil {
		e.t.Fatalf("no items array")
	}
	var out []string
	for _, it := range res.Items {
		out = append(out, fmt.Sprintf("%s:%d/%d/%d/%d", it.ElementID, it.Active, it.Incidents, it.Completed, it.Canceled))
	}
	return out
}

// The reads of Operate's instance page: the call hierarchy (root first,
// empty for a root), the element statistics of one instance (each element
// instance counted, the multi-instance body not, an incident below a call
// activity or sub-process counted on it), and the incidents below an
// element instance across called instances.
func TestInstanceInspection(t *testing.T) {
	e := newEnv(t)
	e.deployXML("order.bpmn", []byte(inspectModel))
	pi := e.start("order", nil)

	charge := e.activate("charge", 1)
	if len(charge) != 1 {
		t.Fatalf("charge jobs: %v", charge)
	}
	child := charge[0]["processInstanceKey"].(string)
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+charge[0]["jobKey"].(string)+"/failure", map[string]any{"retries": 0, "errorMessage": "card declined"})
	e.waitIncident(child)
	// One notification done, two still waiting.
	notify := e.activate("notify", 1)
	e.completeJob(notify[0], nil)

	// Call hierarchy.
	var hier []map[string]any
	e.ok(http.StatusOK, "GET", "/v2/process-instances/"+child+"/call-hierarchy", nil).json(t, &hier)
	if len(hier) != 2 || hier[0]["processInstanceKey"] != pi || hier[0]["processDefinitionName"] != "Order" ||
		hier[1]["processInstanceKey"] != child || hier[1]["processDefinitionName"] != "payment" {
		t.Fatalf("call hierarchy of the child: %v", hier)
	}
	requireFields(t, hier[0], "processDefinitionKey")
	if r := e.ok(http.StatusOK, "GET", "/v2/process-instances/"+pi+"/call-hierarchy", nil); string(r.body) != "[]" {
		t.Fatalf("call hierarchy of a root: %s", r.body)
	}

	// Element statistics of one instance.
	got := e.elementStats(pi)
	want := []string{"fork:0/0/1/0", "notify:2/0/1/0", "pay:0/1/0/0", "s:0/0/1/0"}
	if !slices.Equal(got, want) {
		t.Fatalf("statistics of the order: %v, want %v", got, want)
	}
	if got, want := e.elementStats(child), []string{"as:0/0/1/0", "attempt:0/1/0/0", "charge:0/1/0/0", "ps:0/0/1/0"}; !slices.Equal(got, want) {
		t.Fatalf("statistics of the payment: %v, want %v", got, want)
	}

	// Incidents below an element instance.
	below := func(ei string) []string {
		items, page := e.search("/v2/element-instances/"+ei+"/incidents/search", map[string]any{})
		if page["totalItems"] != float64(len(items)) {
			t.Fatalf("page %v for %d items", page, len(items))
		}
		return keysOf(items, "errorMessage")
	}
	for _, c := range []struct{ pi, element string }{{pi, "pay"}, {child, "attempt"}, {child, "charge"}} {
		if got := below(e.elementInstanceKey(c.pi, c.element)); !slices.Equal(got, []string{"card declined"}) {
			t.Fatalf("incidents below %s: %v", c.element, got)
		}
	}
	for _, c := range []struct{ pi, element string }{{pi, "s"}, {child, "ps"}} {
		if got := below(e.elementInstanceKey(c.pi, c.element)); len(got) != 0 {
			t.Fatalf("incidents below %s: %v", c.element, got)
		}
	}
	// Below a process instance's own scope (the key of the instance: its
	// element instance is stored with the instance, not as a row of its own).
	for _, k := range []string{pi, child} {
		if got := below(k); !slices.Equal(got, []string{"card declined"}) {
			t.Fatalf("incidents below process instance %s: %v", k, got)
		}
	}
	// The query's filter still applies.
	items, _ := e.search("/v2/element-instances/"+e.elementInstanceKey(pi, "pay")+"/incidents/search",
		map[string]any{"filter": map[string]any{"state": "RESOLVED"}})
	if len(items) != 0 {
		t.Fatalf("resolved incidents below pay: %v", items)
	}

	for _, path := range []string{"/call-hierarchy", "/statistics/element-instances"} {
		e.problem(e.do("GET", "/v2/process-instances/2251799813999999"+path, nil), http.StatusNotFound, "NOT_FOUND", "2251799813999999")
		e.problem(e.do("GET", "/v2/process-instances/x"+path, nil), http.StatusBadRequest, "INVALID_ARGUMENT", "processInstanceKey")
	}
	e.problem(e.do("POST", "/v2/element-instances/2251799813999999/incidents/search", map[string]any{}), http.StatusNotFound, "NOT_FOUND", "2251799813999999")
}

// POST /v2/expression/evaluation evaluates FEEL as a model's expression:
// with the given variables and the engine's (pinnable) clock, warnings for
// what became null, a static value without '=', and a problem for what does
// not parse.
func TestEvaluateExpression(t *testing.T) {
	e := newEnv(t)
	eval := func(body map[string]any) map[string]any {
		t.Helper()
		return e.ok(http.StatusOK, "POST", "/v2/expression/evaluation", body).obj(t)
	}
	r := eval(map[string]any{"expression": "=a + b.c", "variables": map[string]any{"a": 1, "b": map[string]any{"c": 41}}})
	if r["result"] != float64(42) || r["expression"] != "=a + b.c" || fmt.Sprint(r["warnings"]) != "[]" {
		t.Fatalf("sum: %v", r)
	}
	r = eval(map[string]any{"expression": "=missing"})
	warns, _ := r["warnings"].([]any)
	if r["result"] != nil || len(warns) != 1 || !strings.Contains(fmt.Sprint(warns[0]), "missing") {
		t.Fatalf("missing variable: %v", r)
	}
	if r = eval(map[string]any{"expression": "static text"}); r["result"] != "static text" {
		t.Fatalf("static: %v", r)
	}
	e.pinClock(time.Date(2031, 3, 4, 12, 0, 0, 0, time.UTC))
	if r = eval(map[string]any{"expression": "=string(today())"}); r["result"] != "2031-03-04" {
		t.Fatalf("today on the pinned clock: %v", r)
	}
	e.problem(e.do("POST", "/v2/expression/evaluation", map[string]any{"expression": "=1 +"}), http.StatusBadRequest, "INVALID_ARGUMENT", "=1 +")
	e.problem(e.do("POST", "/v2/expression/evaluation", map[string]any{"expression": ""}), http.StatusBadRequest, "INVALID_ARGUMENT", "expression")
	e.problem(e.do("POST", "/v2/expression/evaluation", map[string]any{"expression": `=assert(1, false, "nope")`}), http.StatusBadRequest, "INVALID_ARGUMENT", "nope")
	// An expression that would run for ever stops at FEEL's step limit; the
	// server goes on answering.
	e.problem(e.do("POST", "/v2/expression/evaluation", map[string]any{"expression": "=count(for i in 1..1000000000 return i)"}), http.StatusBadRequest, "INVALID_ARGUMENT", "limit")
	if r = eval(map[string]any{"expression": "=1 + 1"}); r["result"] != float64(2) {
		t.Fatalf("after the runaway expression: %v", r)
	}
}
