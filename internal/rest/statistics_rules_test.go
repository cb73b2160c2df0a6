package rest_test

import (
	"net/http"
	"testing"
)

// statsModel runs, in one instance: a task that may loop back, a
// multi-instance task over three items, a sub-process, and a call
// activity.
const statsModel = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="stats" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:serviceTask id="again"><bpmn:extensionElements><zeebe:taskDefinition type="st-again" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:exclusiveGateway id="gw" default="on" />
    <bpmn:serviceTask id="mi"><bpmn:extensionElements><zeebe:taskDefinition type="st-mi" /></bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics><bpmn:extensionElements><zeebe:loopCharacteristics inputCollection="=[1,2,3]" inputElement="item" /></bpmn:extensionElements></bpmn:multiInstanceLoopCharacteristics>
    </bpmn:serviceTask>
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="ss" />
      <bpmn:serviceTask id="inner"><bpmn:extensionElements><zeebe:taskDefinition type="st-inner" /></bpmn:extensionElements></bpmn:serviceTask>
      <bpmn:endEvent id="se" />
      <bpmn:sequenceFlow id="s1" sourceRef="ss" targetRef="inner" />
      <bpmn:sequenceFlow id="s2" sourceRef="inner" targetRef="se" />
    </bpmn:subProcess>
    <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="statsChild" /></bpmn:extensionElements></bpmn:callActivity>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="again" />
    <bpmn:sequenceFlow id="f2" sourceRef="again" targetRef="gw" />
    <bpmn:sequenceFlow id="back" sourceRef="gw" targetRef="again"><bpmn:conditionExpression>=loop</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="on" sourceRef="gw" targetRef="mi" />
    <bpmn:sequenceFlow id="f3" sourceRef="mi" targetRef="sub" />
    <bpmn:sequenceFlow id="f4" sourceRef="sub" targetRef="call" />
    <bpmn:sequenceFlow id="f5" sourceRef="call" targetRef="end" />
  </bpmn:process>
  <bpmn:process id="statsChild" isExecutable="true">
    <bpmn:startEvent id="cs" />
    <bpmn:serviceTask id="cw"><bpmn:extensionElements><zeebe:taskDefinition type="st-child" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="cw" />
    <bpmn:sequenceFlow id="c2" sourceRef="cw" targetRef="ce" />
    <bpmn:endEvent id="ce" />
  </bpmn:process>
</bpmn:definitions>`

// The element statistics count as Camunda's secondary storage does: per
// process instance (an element that ran several times in one instance, a
// loop or the inner instances of a multi-instance body with the body,
// counts once), and a sub-process or call activity with an incident
// somewhere below it counts as one with an incident, not as active.
func TestElementStatisticsCountingRules(t *testing.T) {
	e := newEnv(t)
	r := e.deployRaw([]string{"stats.bpmn"}, map[string][]byte{"stats.bpmn": []byte(statsModel)}, "")
	if r.status != http.StatusOK {
		t.Fatalf("deploy: %d %s", r.status, r.body)
	}
	var pd string
	for _, d := range r.obj(t)["deployments"].([]any) {
		if p, ok := d.(map[string]any)["processDefinition"].(map[string]any); ok && p["processDefinitionId"] == "stats" {
			pd = p["processDefinitionKey"].(string)
		}
	}
	one := func(typ, pi string) map[string]any {
		t.Helper()
		for _, j := range e.activate(typ, 10) {
			if j["processInstanceKey"] == pi {
				return j
			}
		}
		t.Fatalf("no %s job for %s", typ, pi)
		return nil
	}
	run := func() string { // up to the sub-process: looped once, three items
		pi := e.start("stats", map[string]any{"loop": true})
		e.completeJob(one("st-again", pi), nil)
		e.completeJob(one("st-again", pi), map[string]any{"loop": false})
		jobs := e.activate("st-mi", 10)
		if len(jobs) != 3 {
			t.Fatalf("%d multi-instance jobs", len(jobs))
		}
		for _, j := range jobs {
			e.completeJob(j, nil)
		}
		return pi
	}
	a := run() // the sub-process's task fails: an incident inside the sub-process
	e.ok(204, "POST", "/v2/jobs/"+one("st-inner", a)["jobKey"].(string)+"/failure", map[string]any{"retries": 0, "errorMessage": "inner"})
	e.waitIncident(a)
	b := run() // the called process's task fails: an incident below the call activity
	e.completeJob(one("st-inner", b), nil)
	child := e.activate("st-child", 1)
	e.ok(204, "POST", "/v2/jobs/"+child[0]["jobKey"].(string)+"/failure", map[string]any{"retries": 0, "errorMessage": "child"})
	e.waitIncident(child[0]["processInstanceKey"].(string))

	got := map[string][4]float64{}
	res := e.ok(200, "POST", "/v2/process-definitions/"+pd+"/statistics/element-instances", map[string]any{}).obj(t)
	for _, it := range res["items"].([]any) {
		m := it.(map[string]any)
		got[m["elementId"].(string)] = [4]float64{m["active"].(float64), m["incidents"].(float64), m["completed"].(float64), m["canceled"].(float64)}
	}
	want := map[string][4]float64{ // active, incidents, completed, canceled
		"start": {0, 0, 2, 0},
		"again": {0, 0, 2, 0}, // twice in each instance
		"gw":    {0, 0, 2, 0},
		"mi":    {0, 0, 2, 0}, // body and three inner instances in each
		"sub":   {0, 1, 1, 0}, // a's has the incident of its task
		"ss":    {0, 0, 2, 0},
		"inner": {0, 1, 1, 0},
		"se":    {0, 0, 1, 0},
		"call":  {0, 1, 0, 0}, // b's called instance has an incident
	}
	if !equalStats(got, want) {
		t.Fatalf("statistics\n got %v\nwant %v", got, want)
	}
}
