package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Agent instance statuses as Camunda 8.10 names them. COMPLETED is never
// stored: it is read off the element instances (see AgentCompleted).
const (
	AgentInitializing  = "INITIALIZING"
	AgentToolDiscovery = "TOOL_DISCOVERY"
	AgentThinking      = "THINKING"
	AgentToolCalling   = "TOOL_CALLING"
	AgentIdle          = "IDLE"
	AgentCompleted     = "COMPLETED"
)

// AgentInstance is one AI agent working an AI Agent Sub-process or AI Agent
// Task, as Camunda 8.10 records it: its definition (model, provider,
// system prompt), limits, tools, running metrics and status. JSON columns
// hold the REST shapes as the agent sent them.
type AgentInstance struct {
	Key                int64
	ElementInstanceKey int64 // the element instance it works now
	// ElementInstanceKeys are every element instance it worked, in order
	// (an AI Agent Task is entered again for each model call).
	ElementInstanceKeys    []int64
	ElementID              string
	ProcessInstanceKey     int64
	RootProcessInstanceKey int64
	ProcessDefinitionKey   int64
	ProcessID              string
	ProcessVersion         int32
	ProcessVersionTag      string
	TenantID               string
	Status                 string
	Definition             json.RawMessage
	Limits                 json.RawMessage
	Tools                  json.RawMessage
	InputTokens            int64
	OutputTokens           int64
	ModelCalls             int64
	ToolCalls              int64
	CreationDate           time.Time
	LastUpdatedDate        time.Time
}

func (*AgentInstance) Table() string { return "agent_instances" }
func (r *AgentInstance) Columns() []any {
	return []any{&r.Key, &r.ElementInstanceKey, jsonCol{&r.ElementInstanceKeys}, &r.ElementID, &r.ProcessInstanceKey,
		&r.RootProcessInstanceKey, &r.ProcessDefinitionKey, &r.ProcessID, &r.ProcessVersion, &r.ProcessVersionTag,
		&r.TenantID, &r.Status, jsonCol{&r.Definition}, jsonCol{&r.Limits}, jsonCol{&r.Tools}, &r.InputTokens,
		&r.OutputTokens, &r.ModelCalls, &r.ToolCalls, timeCol{&r.CreationDate}, timeCol{&r.LastUpdatedDate}}
}

// AgentHistoryItem is one item of an agent instance's conversation: a
// user message, an assistant answer, a tool result or a configuration
// change. Body holds the item's content as the REST API carries it
// (content, toolCalls, metrics, and for CONFIGURATION items tools, model,
// provider, limits and systemPrompt). Whether it counts (COMMITTED,
// PENDING, DISCARDED) is read off the job that produced it.
type AgentHistoryItem struct {
	Key                int64
	AgentInstanceKey   int64
	HistoryItemID      string
	ElementInstanceKey int64
	JobKey             int64
	JobLease           string
	LoopIteration      int64
	Role               string
	ProducedAt         time.Time
	Body               json.RawMessage
	ProcessInstanceKey int64 // its agent instance's (history retention)
}

func (*AgentHistoryItem) Table() string { return "agent_history" }
func (r *AgentHistoryItem) Columns() []any {
	return []any{&r.Key, &r.AgentInstanceKey, &r.HistoryItemID, &r.ElementInstanceKey, &r.JobKey, &r.JobLease,
		&r.LoopIteration, &r.Role, timeCol{&r.ProducedAt}, jsonCol{&r.Body}, &r.ProcessInstanceKey}
}

// AgentStatusExpr is an agent instance's status as the API reports it: the
// stored one, or COMPLETED once the element instance it last worked ended
// with the agent idle (its final answer given), was terminated, or its
// process instance ended.
const AgentStatusExpr = `(CASE WHEN EXISTS (SELECT 1 FROM element_instances ae
 WHERE ae.key = agent_instances.element_instance_key AND ae.state <> 'ACTIVE'
 AND (agent_instances.status = 'IDLE' OR ae.state = 'TERMINATED' OR EXISTS (SELECT 1 FROM process_instances ap
 WHERE ap.key = agent_instances.process_instance_key AND ap.state <> 'ACTIVE')))
 THEN 'COMPLETED' ELSE agent_instances.status END)`

// AgentCompletionExpr is when an agent instance completed (NULL while it
// works): the end of the element instance it last worked.
const AgentCompletionExpr = `(CASE WHEN ` + AgentStatusExpr + ` = 'COMPLETED' THEN (SELECT COALESCE(ae.end_date,
 (SELECT ap.end_date FROM process_instances ap WHERE ap.key = agent_instances.process_instance_key))
 FROM element_instances ae WHERE ae.key = agent_instances.element_instance_key) END)`

// AgentCommitStatusExpr is whether a history item counts: DISCARDED when a
// later activation of its job wrote history (the item's activation was
// given up: the worker died, the job failed or timed out), COMMITTED once
// its job completed, PENDING while the job is activated, DISCARDED when
// the job failed, timed out, threw an error or was canceled. Items of no
// job, or of a job no longer stored, count.
const AgentCommitStatusExpr = `(CASE
 WHEN agent_history.job_key = 0 THEN 'COMMITTED'
 WHEN EXISTS (SELECT 1 FROM agent_history ah WHERE ah.agent_instance_key = agent_history.agent_instance_key
  AND ah.job_key = agent_history.job_key AND ah.job_lease <> agent_history.job_lease AND ah.key > agent_history.key) THEN 'DISCARDED'
 ELSE COALESCE((SELECT CASE WHEN aj.state = 'COMPLETED' THEN 'COMMITTED' WHEN aj.activated THEN 'PENDING' ELSE 'DISCARDED' END
  FROM jobs aj WHERE aj.key = agent_history.job_key), 'COMMITTED') END)`

// AgentEnd is the reported status of an agent instance.
type AgentEnd struct {
	Status         string
	CompletionDate time.Time
}

// AgentEnds reads the reported status of agent instances.
func AgentEnds(ctx context.Context, s *Store, keys []int64) (map[int64]AgentEnd, error) {
	out := make(map[int64]AgentEnd, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	q := "SELECT key, " + AgentStatusExpr + ", " + AgentCompletionExpr + " FROM agent_instances WHERE key IN (?" +
		strings.Repeat(", ?", len(keys)-1) + ")"
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query agent instances: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key int64
		var e AgentEnd
		if err := rows.Scan(&key, &e.Status, timeCol{&e.CompletionDate}); err != nil {
			return nil, fmt.Errorf("scan agent instances: %w", err)
		}
		out[key] = e
	}
	return out, rows.Err()
}

// AgentCommitStatuses reads whether history items count.
func AgentCommitStatuses(ctx context.Context, s *Store, keys []int64) (map[int64]string, error) {
	out := make(map[int64]string, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	args := make([]any, len(keys))
	for i, k := range keys {
		args[i] = k
	}
	q := "SELECT key, " + AgentCommitStatusExpr + " FROM agent_history WHERE key IN (?" + strings.Repeat(", ?", len(keys)-1) + ")"
	rows, err := s.read.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query agent history: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key int64
		var st string
		if err := rows.Scan(&key, &st); err != nil {
			return nil, fmt.Errorf("scan agent history: %w", err)
		}
		out[key] = st
	}
	return out, rows.Err()
}
