package mcpgw_test

import "testing"

const nestedTaskBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:process id="nested" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="outer" />
    <bpmn:subProcess id="outer">
      <bpmn:extensionElements><zeebe:ioMapping><zeebe:input source="=&#34;sub-process&#34;" target="note" /></zeebe:ioMapping></bpmn:extensionElements>
      <bpmn:startEvent id="os" />
      <bpmn:sequenceFlow id="f2" sourceRef="os" targetRef="review" />
      <bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
      <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="oe" />
      <bpmn:endEvent id="oe" />
    </bpmn:subProcess>
    <bpmn:sequenceFlow id="f4" sourceRef="outer" targetRef="e" />
    <bpmn:endEvent id="e" />
  </bpmn:process>
</bpmn:definitions>`

func TestSearchUserTaskVariablesSeesEnclosingScopes(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.ok("deployResource", map[string]any{"resourceName": "nested.bpmn", "resource": nestedTaskBPMN})
	pi := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "nested", "variables": map[string]any{"note": "process", "order": 7}})
	tasks := e.ok("searchUserTasks", map[string]any{"filter": map[string]any{"processInstanceKey": pi["processInstanceKey"]}})
	if len(items(tasks)) != 1 {
		t.Fatalf("user tasks: %v", tasks)
	}
	vars := e.ok("searchUserTaskVariables", map[string]any{"userTaskKey": items(tasks)[0]["userTaskKey"]})
	byName := map[string]string{}
	for _, v := range items(vars) {
		byName[v["name"].(string)] = v["value"].(string)
	}
	// The sub-process's note hides the process's; the process's order shows.
	if len(byName) != 2 || byName["note"] != `"sub-process"` || byName["order"] != "7" {
		t.Fatalf("variables the task sees: %v", byName)
	}
}
