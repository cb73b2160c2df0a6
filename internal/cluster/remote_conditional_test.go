package cluster_test

import (
	"context"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
)

// parityConditionalModel is a process started by a conditional start event.
const parityConditionalModel = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="parityCond" isExecutable="true">
    <bpmn:startEvent id="big"><bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">= amount &gt; 100</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>
    <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="parity-cond" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="big" targetRef="work" />
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>`

// TestRemoteConditionalParity: conditional start events evaluated through
// the Remote start the same instances as through the embedded engine, and
// rejections read the same.
func TestRemoteConditionalParity(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	dep, err := p.remote.CreateDeployment(ctx, &cluster.DeploymentRequest{Resources: []cluster.Resource{{Name: "cond.bpmn", Content: []byte(parityConditionalModel)}}})
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	pdKey := dep.Deployments[0].ProcessDefinition.ProcessDefinitionKey
	for _, a := range []cluster.API{p.remote, p.embedded} {
		res, err := a.EvaluateConditionals(ctx, &cluster.ConditionalEvaluationInstruction{Variables: map[string]any{"amount": 150}})
		if err != nil {
			t.Fatalf("evaluate: %v", err)
		}
		if res.TenantID != "<default>" || res.ConditionalEvaluationKey == 0 || len(res.ProcessInstances) != 1 || res.ProcessInstances[0].ProcessDefinitionKey != pdKey {
			t.Fatalf("evaluation: %+v", res)
		}
		pi := res.ProcessInstances[0].ProcessInstanceKey
		got := same(p, "started instance", func(a cluster.API) (*cluster.ProcessInstance, error) { return a.GetProcessInstance(ctx, pi) })
		if got.State != "ACTIVE" || got.ProcessDefinitionID != "parityCond" {
			t.Fatalf("started instance: %+v", got)
		}
		none, err := a.EvaluateConditionals(ctx, &cluster.ConditionalEvaluationInstruction{ProcessDefinitionKey: &pdKey, Variables: map[string]any{"amount": 1}})
		if err != nil || len(none.ProcessInstances) != 0 {
			t.Fatalf("a false condition: %+v, %v", none, err)
		}
	}
	unknown := cluster.Key(2251799813685999)
	same(p, "unknown definition", func(a cluster.API) (*cluster.EvaluateConditionalResult, error) {
		return a.EvaluateConditionals(ctx, &cluster.ConditionalEvaluationInstruction{ProcessDefinitionKey: &unknown, Variables: map[string]any{}})
	})
}
