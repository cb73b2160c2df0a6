package mcpgw

import (
	"context"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// decisionTools are the handlers of Orca's decision tools
// (decision_tools.json): they call the same cluster.API operations as the
// REST API's decision endpoints.
func (g *Gateway) decisionTools() map[string]toolHandler {
	return map[string]toolHandler{
		"evaluateDecision":          typed(g.evaluateDecision),
		"searchDecisionDefinitions": typed(g.searchDecisionDefinitions),
		"searchDecisionInstances":   typed(g.searchDecisionInstances),
		"getDecisionInstance":       typed(g.getDecisionInstance),
	}
}

// evaluateDecision answers the evaluation; a failed one is a tool error
// carrying the same result (which names the failing decision and why).
func (g *Gateway) evaluateDecision(ctx context.Context, a *cluster.DecisionEvaluationInstruction) *mcp.CallToolResult {
	res, err := g.api.EvaluateDecision(ctx, a)
	r := reply(res, err)
	if err == nil && res.FailureMessage != nil {
		r.IsError = true
	}
	return r
}

type decisionDefinitionSearchArgs struct {
	Filter *struct {
		DecisionDefinitionID    *string      `json:"decisionDefinitionId"`
		DecisionDefinitionKey   *cluster.Key `json:"decisionDefinitionKey"`
		Name                    *string      `json:"name"`
		IsLatestVersion         *bool        `json:"isLatestVersion"`
		Version                 *int32       `json:"version"`
		DecisionRequirementsID  *string      `json:"decisionRequirementsId"`
		DecisionRequirementsKey *cluster.Key `json:"decisionRequirementsKey"`
	} `json:"filter"`
	Page *searchPage  `json:"page"`
	Sort []searchSort `json:"sort"`
}

func (g *Gateway) searchDecisionDefinitions(ctx context.Context, a *decisionDefinitionSearchArgs) *mcp.CallToolResult {
	q := &cluster.DecisionDefinitionSearchQuery{Page: a.Page.request(), Sort: sortRequests(a.Sort)}
	if f := a.Filter; f != nil {
		q.Filter = &cluster.DecisionDefinitionFilter{DecisionDefinitionID: f.DecisionDefinitionID,
			DecisionDefinitionKey: f.DecisionDefinitionKey, Name: f.Name, IsLatestVersion: f.IsLatestVersion,
			Version: f.Version, DecisionRequirementsID: f.DecisionRequirementsID, DecisionRequirementsKey: f.DecisionRequirementsKey}
	}
	return reply(g.api.SearchDecisionDefinitions(ctx, q))
}

type decisionInstanceSearchArgs struct {
	Filter *struct {
		DecisionDefinitionID   *string      `json:"decisionDefinitionId"`
		DecisionDefinitionKey  *cluster.Key `json:"decisionDefinitionKey"`
		DecisionDefinitionType *string      `json:"decisionDefinitionType"`
		DecisionEvaluationKey  *cluster.Key `json:"decisionEvaluationKey"`
		EvaluationDate         *dateRange   `json:"evaluationDate"`
		ProcessInstanceKey     *cluster.Key `json:"processInstanceKey"`
		ElementInstanceKey     *cluster.Key `json:"elementInstanceKey"`
		State                  *string      `json:"state"`
	} `json:"filter"`
	Page *searchPage  `json:"page"`
	Sort []searchSort `json:"sort"`
}

func (g *Gateway) searchDecisionInstances(ctx context.Context, a *decisionInstanceSearchArgs) *mcp.CallToolResult {
	q := &cluster.DecisionInstanceSearchQuery{Page: a.Page.request(), Sort: sortRequests(a.Sort)}
	if f := a.Filter; f != nil {
		var d dates
		q.Filter = &cluster.DecisionInstanceFilter{DecisionDefinitionID: f.DecisionDefinitionID,
			DecisionDefinitionKey: keyEq(f.DecisionDefinitionKey), DecisionDefinitionType: f.DecisionDefinitionType,
			DecisionEvaluationKey: f.DecisionEvaluationKey, EvaluationDate: d.of(f.EvaluationDate, "filter.evaluationDate"),
			ProcessInstanceKey: f.ProcessInstanceKey, ElementInstanceKey: keyEq(f.ElementInstanceKey), State: strEq(f.State)}
		if d.err != nil {
			return invalidResult([]string{d.err.Error()})
		}
	}
	return reply(g.api.SearchDecisionInstances(ctx, q))
}

type decisionInstanceKeyArgs struct {
	DecisionEvaluationInstanceKey string `json:"decisionEvaluationInstanceKey"`
}

func (g *Gateway) getDecisionInstance(ctx context.Context, a *decisionInstanceKeyArgs) *mcp.CallToolResult {
	return reply(g.api.GetDecisionInstance(ctx, a.DecisionEvaluationInstanceKey))
}
