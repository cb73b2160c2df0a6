package rest_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// rootConditionalModel is a process started by conditional start events
// (id, condition), each leading to a service task of type work-ID.
func rootConditionalModel(id string, starts ...[2]string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="%[1]s" isExecutable="true">
    <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="work-%[1]s" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="fw" sourceRef="work" targetRef="end" />
`, id)
	for _, s := range starts {
		fmt.Fprintf(&b, `    <bpmn:startEvent id="%[1]s"><bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">%[2]s</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f-%[1]s" sourceRef="%[1]s" targetRef="work" />
`, s[0], strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s[1]))
	}
	b.WriteString("  </bpmn:process>\n</bpmn:definitions>\n")
	return []byte(b.String())
}

// evaluated is the answer of POST /v2/conditionals/evaluation.
type evaluated struct {
	ConditionalEvaluationKey string `json:"conditionalEvaluationKey"`
	TenantID                 string `json:"tenantId"`
	ProcessInstances         []struct {
		ProcessDefinitionKey string `json:"processDefinitionKey"`
		ProcessInstanceKey   string `json:"processInstanceKey"`
	} `json:"processInstances"`
}

func (e *env) evaluateConditionals(body map[string]any) evaluated {
	e.t.Helper()
	var res evaluated
	e.ok(http.StatusOK, "POST", "/v2/conditionals/evaluation", body).json(e.t, &res)
	if res.ConditionalEvaluationKey == "" || res.ProcessInstances == nil {
		e.t.Fatalf("answer without a key or a list: %+v", res)
	}
	return res
}

// TestConditionalStartEventsOverHTTP: root-level conditional start events
// are evaluated through POST /v2/conditionals/evaluation, per tenant or
// per process definition, and start instances with the variables.
func TestConditionalStartEventsOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployXML("orders.bpmn", rootConditionalModel("orders", [2]string{"big", "= amount > 100"}, [2]string{"vip", "= vip = true"}))
	e.deployXML("blobs.bpmn", rootConditionalModel("blobs", [2]string{"long", "= string length(blob) > 50000"}))
	if r := e.deployRaw([]string{"orders.bpmn"}, map[string][]byte{"orders.bpmn": rootConditionalModel("orders", [2]string{"t1", "= amount > 10"})}, "tenant-1"); r.status != http.StatusOK {
		t.Fatalf("deploy for tenant-1: %d %s", r.status, r.body)
	}

	// Both conditions hold: two instances of one definition.
	res := e.evaluateConditionals(map[string]any{"variables": map[string]any{"amount": 150, "vip": true}})
	if res.TenantID != "<default>" || len(res.ProcessInstances) != 2 || res.ProcessInstances[0].ProcessDefinitionKey != res.ProcessInstances[1].ProcessDefinitionKey {
		t.Fatalf("answer %+v", res)
	}
	for _, s := range res.ProcessInstances {
		if state := e.instanceState(s.ProcessInstanceKey); state != "ACTIVE" {
			t.Fatalf("instance %s: %s", s.ProcessInstanceKey, state)
		}
		if v := e.variable(s.ProcessInstanceKey, "amount"); v != "150" {
			t.Fatalf("instance %s: amount = %s", s.ProcessInstanceKey, v)
		}
	}
	if jobs := e.jobsOf("work-orders"); len(jobs) != 2 {
		t.Fatalf("work jobs: %v", jobs)
	}
	ordersKey := res.ProcessInstances[0].ProcessDefinitionKey

	// Nothing holds: an empty list.
	if res := e.evaluateConditionals(map[string]any{"variables": map[string]any{"amount": 1}}); len(res.ProcessInstances) != 0 {
		t.Fatalf("started %+v", res.ProcessInstances)
	}
	// One process definition only.
	res = e.evaluateConditionals(map[string]any{"processDefinitionKey": ordersKey, "variables": map[string]any{"amount": 500}})
	if len(res.ProcessInstances) != 1 || res.ProcessInstances[0].ProcessDefinitionKey != ordersKey {
		t.Fatalf("by key: %+v", res)
	}
	// A condition over a large variable (near the body limit).
	res = e.evaluateConditionals(map[string]any{"variables": map[string]any{"blob": strings.Repeat("x", 60_000)}})
	if len(res.ProcessInstances) != 1 {
		t.Fatalf("blob: %+v", res)
	}
	// Another tenant's processes.
	res = e.evaluateConditionals(map[string]any{"tenantId": "tenant-1", "variables": map[string]any{"amount": 50}})
	if res.TenantID != "tenant-1" || len(res.ProcessInstances) != 1 || res.ProcessInstances[0].ProcessDefinitionKey == ordersKey {
		t.Fatalf("tenant-1: %+v", res)
	}

	// Bad requests are problem details; nothing starts.
	e.problem(e.do("POST", "/v2/conditionals/evaluation", map[string]any{"processDefinitionKey": "2251799813685999", "variables": map[string]any{}}),
		404, "NOT_FOUND", "2251799813685999")
	e.problem(e.do("POST", "/v2/conditionals/evaluation", map[string]any{"tenantId": "tenant-1", "processDefinitionKey": ordersKey, "variables": map[string]any{}}),
		404, "NOT_FOUND", ordersKey)
	e.problem(e.do("POST", "/v2/conditionals/evaluation", map[string]any{}), 400, "INVALID_ARGUMENT", "variables")
	e.problem(e.do("POST", "/v2/conditionals/evaluation", map[string]any{"variables": 5}), 400, "INVALID_ARGUMENT", "variables")
	e.problem(e.do("POST", "/v2/conditionals/evaluation", `{"variables":`), 400, "INVALID_ARGUMENT", "")
	tooBig := e.do("POST", "/v2/conditionals/evaluation", map[string]any{"variables": map[string]any{"blob": strings.Repeat("x", 70_000)}})
	e.problem(tooBig, 400, "INVALID_ARGUMENT", "")
	if jobs := e.jobsOf("work-blobs"); len(jobs) != 1 {
		t.Fatalf("blob jobs after the bad requests: %d, want the one started", len(jobs))
	}
}

// TestConditionalEventGatewayOverHTTP: a variable set over HTTP decides an
// event-based gateway whose events are conditions.
func TestConditionalEventGatewayOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deployEngineModels("conditional-gateway.bpmn")
	pi := e.start("condGateway", map[string]any{"id": "o-1", "x": 0})
	wantElements(t, e.elements(pi), "gw:EVENT_BASED_GATEWAY:ACTIVE")
	e.setVariables(pi, map[string]any{"x": 3})
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("instance %s: %s", s, e.elements(pi))
	}
	got := e.elements(pi)
	wantElements(t, got, "gw:EVENT_BASED_GATEWAY:COMPLETED", "small:INTERMEDIATE_CATCH_EVENT:COMPLETED", "endSmall:END_EVENT:COMPLETED")
	if strings.Contains(got, "big:") || strings.Contains(got, "cancelled:") {
		t.Fatalf("another event of the gateway happened too: %s", got)
	}
}
