package mcpgw

import (
	"context"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// orcaTools are the handlers of Orca's own tools (orca_tools.json).
func (g *Gateway) orcaTools() map[string]toolHandler {
	return map[string]toolHandler{
		"deployResource":         typed(g.deployResource),
		"cancelProcessInstance":  typed(g.cancelProcessInstance),
		"publishMessage":         typed(g.publishMessage),
		"correlateMessage":       typed(g.correlateMessage),
		"broadcastSignal":        typed(g.broadcastSignal),
		"setVariables":           typed(g.setVariables),
		"searchElementInstances": typed(g.searchElementInstances),
		"searchJobs":             typed(g.searchJobs),
	}
}

type deployResourceArgs struct {
	ResourceName string `json:"resourceName"`
	Resource     string `json:"resource"`
	TenantID     string `json:"tenantId"`
}

func (g *Gateway) deployResource(ctx context.Context, a *deployResourceArgs) *mcp.CallToolResult {
	return reply(g.api.CreateDeployment(ctx, &cluster.DeploymentRequest{
		Resources: []cluster.Resource{{Name: a.ResourceName, Content: []byte(a.Resource)}}, TenantID: a.TenantID,
	}))
}

func (g *Gateway) cancelProcessInstance(ctx context.Context, a *processInstanceKeyArgs) *mcp.CallToolResult {
	if err := g.api.CancelProcessInstance(ctx, a.ProcessInstanceKey, &cluster.CancelProcessInstanceRequest{}); err != nil {
		return errorResult(err)
	}
	return textResult(fmt.Sprintf("Process instance with key %d canceled.", a.ProcessInstanceKey))
}

func (g *Gateway) publishMessage(ctx context.Context, a *cluster.MessagePublicationRequest) *mcp.CallToolResult {
	return reply(g.api.PublishMessage(ctx, a))
}

func (g *Gateway) correlateMessage(ctx context.Context, a *cluster.MessageCorrelationRequest) *mcp.CallToolResult {
	return reply(g.api.CorrelateMessage(ctx, a))
}

func (g *Gateway) broadcastSignal(ctx context.Context, a *cluster.SignalBroadcastRequest) *mcp.CallToolResult {
	return reply(g.api.BroadcastSignal(ctx, a))
}

type setVariablesArgs struct {
	ElementInstanceKey cluster.Key    `json:"elementInstanceKey"`
	Variables          map[string]any `json:"variables"`
	Local              bool           `json:"local"`
}

func (g *Gateway) setVariables(ctx context.Context, a *setVariablesArgs) *mcp.CallToolResult {
	if err := g.api.SetVariables(ctx, a.ElementInstanceKey, &cluster.SetVariableRequest{Variables: a.Variables, Local: a.Local}); err != nil {
		return errorResult(err)
	}
	return textResult(fmt.Sprintf("Variables set in the scope with key %d.", a.ElementInstanceKey))
}

type elementInstanceSearchArgs struct {
	Filter *struct {
		ElementID            *string      `json:"elementId"`
		ElementInstanceKey   *cluster.Key `json:"elementInstanceKey"`
		ElementName          *string      `json:"elementName"`
		EndDate              *dateRange   `json:"endDate"`
		HasIncident          *bool        `json:"hasIncident"`
		IncidentKey          *cluster.Key `json:"incidentKey"`
		ProcessDefinitionID  *string      `json:"processDefinitionId"`
		ProcessDefinitionKey *cluster.Key `json:"processDefinitionKey"`
		ProcessInstanceKey   *cluster.Key `json:"processInstanceKey"`
		StartDate            *dateRange   `json:"startDate"`
		State                *string      `json:"state"`
		Type                 *string      `json:"type"`
	} `json:"filter"`
	Page *searchPage  `json:"page"`
	Sort []searchSort `json:"sort"`
}

func (g *Gateway) searchElementInstances(ctx context.Context, a *elementInstanceSearchArgs) *mcp.CallToolResult {
	q := &cluster.ElementInstanceSearchQuery{Page: a.Page.request(), Sort: sortRequests(a.Sort)}
	if f := a.Filter; f != nil {
		var d dates
		q.Filter = &cluster.ElementInstanceFilter{
			ElementID: f.ElementID, ElementInstanceKey: f.ElementInstanceKey, ElementName: f.ElementName,
			EndDate: d.of(f.EndDate, "filter.endDate"), HasIncident: f.HasIncident, IncidentKey: f.IncidentKey,
			ProcessDefinitionID: f.ProcessDefinitionID, ProcessDefinitionKey: f.ProcessDefinitionKey,
			ProcessInstanceKey: f.ProcessInstanceKey, StartDate: d.of(f.StartDate, "filter.startDate"),
			State: strEq(f.State), Type: f.Type,
		}
		if d.err != nil {
			return invalidResult([]string{d.err.Error()})
		}
	}
	return reply(g.api.SearchElementInstances(ctx, q))
}

type jobSearchArgs struct {
	Filter *struct {
		CreationTime             *dateRange   `json:"creationTime"`
		ElementID                *string      `json:"elementId"`
		ElementInstanceKey       *cluster.Key `json:"elementInstanceKey"`
		ErrorCode                *string      `json:"errorCode"`
		HasFailedWithRetriesLeft *bool        `json:"hasFailedWithRetriesLeft"`
		JobKey                   *cluster.Key `json:"jobKey"`
		Kind                     *string      `json:"kind"`
		ProcessDefinitionID      *string      `json:"processDefinitionId"`
		ProcessDefinitionKey     *cluster.Key `json:"processDefinitionKey"`
		ProcessInstanceKey       *cluster.Key `json:"processInstanceKey"`
		Retries                  *int32       `json:"retries"`
		State                    *string      `json:"state"`
		Type                     *string      `json:"type"`
		Worker                   *string      `json:"worker"`
	} `json:"filter"`
	Page *searchPage  `json:"page"`
	Sort []searchSort `json:"sort"`
}

func (g *Gateway) searchJobs(ctx context.Context, a *jobSearchArgs) *mcp.CallToolResult {
	q := &cluster.JobSearchQuery{Page: a.Page.request(), Sort: sortRequests(a.Sort)}
	if f := a.Filter; f != nil {
		var d dates
		q.Filter = &cluster.JobFilter{
			CreationTime: d.of(f.CreationTime, "filter.creationTime"), ElementID: strEq(f.ElementID),
			ElementInstanceKey: keyEq(f.ElementInstanceKey), ErrorCode: strEq(f.ErrorCode),
			HasFailedWithRetriesLeft: f.HasFailedWithRetriesLeft, JobKey: keyEq(f.JobKey), Kind: strEq(f.Kind),
			ProcessDefinitionID: strEq(f.ProcessDefinitionID), ProcessDefinitionKey: keyEq(f.ProcessDefinitionKey),
			ProcessInstanceKey: keyEq(f.ProcessInstanceKey), Retries: intEq(f.Retries), State: strEq(f.State),
			Type: strEq(f.Type), Worker: strEq(f.Worker),
		}
		if d.err != nil {
			return invalidResult([]string{d.err.Error()})
		}
	}
	return reply(g.api.SearchJobs(ctx, q))
}
