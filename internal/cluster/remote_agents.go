package cluster

import (
	"context"
	"net/http"
)

// The agent instance endpoints (AgentInstanceAPI, Camunda 8.10) over REST.
// A cluster before 8.10 answers them 404 (no such route), which an agent
// takes as "not recorded" and goes on.

// CreateAgentInstance records a new agent instance.
func (r *Remote) CreateAgentInstance(ctx context.Context, req *AgentInstanceCreationRequest) (*AgentInstanceCreationResult, error) {
	return remotePost[AgentInstanceCreationResult](ctx, r, "/agent-instances", req)
}

// GetAgentInstance reads an agent instance.
func (r *Remote) GetAgentInstance(ctx context.Context, key Key) (*AgentInstance, error) {
	return remoteGet[AgentInstance](ctx, r, "/agent-instances/"+key.String())
}

// UpdateAgentInstance changes an agent instance and appends history.
func (r *Remote) UpdateAgentInstance(ctx context.Context, key Key, req *AgentInstanceUpdateRequest) (*AgentInstanceUpdateResult, error) {
	out := &AgentInstanceUpdateResult{}
	if err := r.call(ctx, http.MethodPatch, "/agent-instances/"+key.String(), req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// SearchAgentInstances searches agent instances.
func (r *Remote) SearchAgentInstances(ctx context.Context, q *AgentInstanceSearchQuery) (*SearchResult[AgentInstance], error) {
	return remotePost[SearchResult[AgentInstance]](ctx, r, "/agent-instances/search", q)
}

// CreateAgentInstanceHistoryItem appends one history item.
func (r *Remote) CreateAgentInstanceHistoryItem(ctx context.Context, key Key, req *AgentInstanceHistoryItemRequest) (*AgentInstanceHistoryItemCreationResult, error) {
	return remotePost[AgentInstanceHistoryItemCreationResult](ctx, r, "/agent-instances/"+key.String()+"/history", req)
}

// SearchAgentInstanceHistory searches an agent instance's history.
func (r *Remote) SearchAgentInstanceHistory(ctx context.Context, key Key, q *AgentInstanceHistorySearchQuery) (*SearchResult[AgentInstanceHistoryItemResult], error) {
	return remotePost[SearchResult[AgentInstanceHistoryItemResult]](ctx, r, "/agent-instances/"+key.String()+"/history/search", q)
}
