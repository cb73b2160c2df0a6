package cluster

import (
	"context"
	"net/http"
	"net/url"
)

// The decision endpoints (DecisionAPI) over REST.

// SearchDecisionDefinitions searches decision definitions.
func (r *Remote) SearchDecisionDefinitions(ctx context.Context, q *DecisionDefinitionSearchQuery) (*SearchResult[DecisionDefinition], error) {
	return remotePost[SearchResult[DecisionDefinition]](ctx, r, "/decision-definitions/search", q)
}

// GetDecisionDefinition reads a decision definition.
func (r *Remote) GetDecisionDefinition(ctx context.Context, key Key) (*DecisionDefinition, error) {
	return remoteGet[DecisionDefinition](ctx, r, "/decision-definitions/"+key.String())
}

// GetDecisionDefinitionXML reads the DMN file a decision was deployed in.
func (r *Remote) GetDecisionDefinitionXML(ctx context.Context, key Key) ([]byte, error) {
	return r.do(ctx, http.MethodGet, "/decision-definitions/"+key.String()+"/xml", "", nil)
}

// SearchDecisionRequirements searches decision requirements graphs.
func (r *Remote) SearchDecisionRequirements(ctx context.Context, q *DecisionRequirementsSearchQuery) (*SearchResult[DecisionRequirements], error) {
	return remotePost[SearchResult[DecisionRequirements]](ctx, r, "/decision-requirements/search", q)
}

// GetDecisionRequirements reads a decision requirements graph.
func (r *Remote) GetDecisionRequirements(ctx context.Context, key Key) (*DecisionRequirements, error) {
	return remoteGet[DecisionRequirements](ctx, r, "/decision-requirements/"+key.String())
}

// GetDecisionRequirementsXML reads a decision requirements graph's DMN file.
func (r *Remote) GetDecisionRequirementsXML(ctx context.Context, key Key) ([]byte, error) {
	return r.do(ctx, http.MethodGet, "/decision-requirements/"+key.String()+"/xml", "", nil)
}

// EvaluateDecision evaluates a decision.
func (r *Remote) EvaluateDecision(ctx context.Context, req *DecisionEvaluationInstruction) (*EvaluateDecisionResult, error) {
	return remotePost[EvaluateDecisionResult](ctx, r, "/decision-definitions/evaluation", req)
}

// SearchDecisionInstances searches decision instances.
func (r *Remote) SearchDecisionInstances(ctx context.Context, q *DecisionInstanceSearchQuery) (*SearchResult[DecisionInstance], error) {
	return remotePost[SearchResult[DecisionInstance]](ctx, r, "/decision-instances/search", q)
}

// GetDecisionInstance reads a decision instance by its
// decisionEvaluationInstanceKey.
func (r *Remote) GetDecisionInstance(ctx context.Context, key string) (*DecisionInstanceDetail, error) {
	return remoteGet[DecisionInstanceDetail](ctx, r, "/decision-instances/"+url.PathEscape(key))
}
