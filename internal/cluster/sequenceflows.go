package cluster

import (
	"context"
	"strconv"

	"github.com/orcabpm/orca/internal/store"
)

// ProcessInstanceSequenceFlowsResult lists the sequence flows a process
// instance took (GET /process-instances/{key}/sequence-flows).
type ProcessInstanceSequenceFlowsResult struct {
	Items []ProcessInstanceSequenceFlow `json:"items"`
}

// ProcessInstanceSequenceFlow is one sequence flow a process instance took,
// listed once however often it was taken. ElementID is the flow's id in
// the BPMN model; SequenceFlowID is Camunda's id of the record,
// "<processInstanceKey>_<elementId>".
type ProcessInstanceSequenceFlow struct {
	SequenceFlowID         string `json:"sequenceFlowId"`
	ProcessInstanceKey     Key    `json:"processInstanceKey"`
	RootProcessInstanceKey *Key   `json:"rootProcessInstanceKey"`
	ProcessDefinitionKey   Key    `json:"processDefinitionKey"`
	ProcessDefinitionID    string `json:"processDefinitionId"`
	ElementID              string `json:"elementId"`
	TenantID               string `json:"tenantId"`
}

// GetProcessInstanceSequenceFlows lists the sequence flows the process
// instance took, in the order it first took them. The flows of the
// instances it called are theirs, not its own.
func (m *Embedded) GetProcessInstanceSequenceFlows(ctx context.Context, key Key) (*ProcessInstanceSequenceFlowsResult, error) {
	pi, err := get(ctx, m.store, key, "Process instance", func() *store.ProcessInstance { return new(store.ProcessInstance) })
	if err != nil {
		return nil, err
	}
	return sequenceFlows(pi), nil
}

func sequenceFlows(pi *store.ProcessInstance) *ProcessInstanceSequenceFlowsResult {
	out := &ProcessInstanceSequenceFlowsResult{Items: make([]ProcessInstanceSequenceFlow, 0, len(pi.TakenFlows))}
	prefix := strconv.FormatInt(pi.Key, 10) + "_"
	for _, id := range pi.TakenFlows {
		out.Items = append(out.Items, ProcessInstanceSequenceFlow{
			SequenceFlowID:         prefix + id,
			ProcessInstanceKey:     Key(pi.Key),
			RootProcessInstanceKey: keyRef(pi.RootProcessInstanceKey),
			ProcessDefinitionKey:   Key(pi.ProcessDefinitionKey),
			ProcessDefinitionID:    pi.ProcessID,
			ElementID:              id,
			TenantID:               pi.TenantID,
		})
	}
	return out
}

// GetProcessInstanceSequenceFlows asks the cluster for the sequence flows a
// process instance took (Camunda 8.8 and later serve them).
func (r *Remote) GetProcessInstanceSequenceFlows(ctx context.Context, key Key) (*ProcessInstanceSequenceFlowsResult, error) {
	return remoteGet[ProcessInstanceSequenceFlowsResult](ctx, r, "/process-instances/"+key.String()+"/sequence-flows")
}
