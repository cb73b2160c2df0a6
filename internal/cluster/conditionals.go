package cluster

import (
	"context"

	"github.com/orcabpm/orca/internal/engine"
)

// ConditionalEvaluationInstruction evaluates the root-level conditional
// start events of a tenant's processes (or of one process definition) with
// variables (POST /v2/conditionals/evaluation, Camunda 8.9).
type ConditionalEvaluationInstruction struct {
	TenantID             string         `json:"tenantId,omitempty"`
	ProcessDefinitionKey *Key           `json:"processDefinitionKey,omitempty"`
	Variables            map[string]any `json:"variables"`
}

// EvaluateConditionalResult lists the process instances an evaluation
// started.
type EvaluateConditionalResult struct {
	ConditionalEvaluationKey Key                        `json:"conditionalEvaluationKey"`
	TenantID                 string                     `json:"tenantId"`
	ProcessInstances         []ProcessInstanceReference `json:"processInstances"`
}

// ProcessInstanceReference names a process instance and its definition.
type ProcessInstanceReference struct {
	ProcessDefinitionKey Key `json:"processDefinitionKey"`
	ProcessInstanceKey   Key `json:"processInstanceKey"`
}

// EvaluateConditionals starts an instance at each conditional start event
// whose condition holds for the variables.
func (m *Embedded) EvaluateConditionals(ctx context.Context, req *ConditionalEvaluationInstruction) (*EvaluateConditionalResult, error) {
	if req.Variables == nil {
		return nil, Errorf(CodeInvalidArgument, "No variables provided.")
	}
	er := engine.EvaluateConditionalsRequest{TenantID: req.TenantID, Variables: req.Variables}
	if req.ProcessDefinitionKey != nil {
		er.ProcessDefinitionKey = int64(*req.ProcessDefinitionKey)
	}
	res, err := m.eng.EvaluateConditionals(ctx, er)
	if err != nil {
		return nil, fromEngine(err)
	}
	out := &EvaluateConditionalResult{ConditionalEvaluationKey: Key(res.Key), TenantID: res.TenantID,
		ProcessInstances: make([]ProcessInstanceReference, 0, len(res.ProcessInstances))}
	for _, s := range res.ProcessInstances {
		out.ProcessInstances = append(out.ProcessInstances, ProcessInstanceReference{ProcessDefinitionKey: Key(s.ProcessDefinitionKey), ProcessInstanceKey: Key(s.ProcessInstanceKey)})
	}
	return out, nil
}

// EvaluateConditionals evaluates conditional start events on the remote
// cluster (Camunda 8.9 or later).
func (r *Remote) EvaluateConditionals(ctx context.Context, req *ConditionalEvaluationInstruction) (*EvaluateConditionalResult, error) {
	return remotePost[EvaluateConditionalResult](ctx, r, "/conditionals/evaluation", req)
}
