package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// Agent instances: Camunda 8.10's record of the AI agents a process runs
// (/v2/agent-instances), written by the agent through the API as it works
// and read by people watching it.

// AgentInstanceDefinition is what an agent runs: model, provider and
// system prompt.
type AgentInstanceDefinition struct {
	Model        string `json:"model"`
	Provider     string `json:"provider"`
	SystemPrompt string `json:"systemPrompt"`
}

// AgentInstanceLimits are an agent's limits (-1: none).
type AgentInstanceLimits struct {
	MaxModelCalls int32 `json:"maxModelCalls"`
	MaxToolCalls  int32 `json:"maxToolCalls"`
	MaxTokens     int64 `json:"maxTokens"`
}

// noLimits is what an agent that names none has.
var noLimits = AgentInstanceLimits{MaxModelCalls: -1, MaxToolCalls: -1, MaxTokens: -1}

// AgentTool is a tool the agent may call.
type AgentTool struct {
	Name        string  `json:"name"`
	Description *string `json:"description"`
	ElementID   *string `json:"elementId"`
}

// AgentInstanceMetrics are an agent's counters over its whole work.
type AgentInstanceMetrics struct {
	InputTokens  int64 `json:"inputTokens"`
	OutputTokens int64 `json:"outputTokens"`
	ModelCalls   int32 `json:"modelCalls"`
	ToolCalls    int32 `json:"toolCalls"`
}

// AgentInstance is one agent instance (AgentInstanceResult).
type AgentInstance struct {
	AgentInstanceKey            Key                     `json:"agentInstanceKey"`
	AgentDefinitionKey          Key                     `json:"agentDefinitionKey"`
	Status                      string                  `json:"status"`
	Definition                  AgentInstanceDefinition `json:"definition"`
	Metrics                     AgentInstanceMetrics    `json:"metrics"`
	Limits                      AgentInstanceLimits     `json:"limits"`
	Tools                       []AgentTool             `json:"tools"`
	ElementID                   string                  `json:"elementId"`
	ProcessInstanceKey          Key                     `json:"processInstanceKey"`
	RootProcessInstanceKey      Key                     `json:"rootProcessInstanceKey"`
	ProcessDefinitionKey        Key                     `json:"processDefinitionKey"`
	ProcessDefinitionID         string                  `json:"processDefinitionId"`
	ProcessDefinitionVersion    int32                   `json:"processDefinitionVersion"`
	ProcessDefinitionVersionTag *string                 `json:"processDefinitionVersionTag"`
	TenantID                    string                  `json:"tenantId"`
	CreationDate                time.Time               `json:"creationDate"`
	LastUpdatedDate             time.Time               `json:"lastUpdatedDate"`
	CompletionDate              *time.Time              `json:"completionDate"`
	ElementInstanceKeys         []Key                   `json:"elementInstanceKeys"`
}

// AgentContent is a content block of a history item: TEXT (text),
// DOCUMENT (documentReference) or OBJECT (object, any JSON value).
type AgentContent struct {
	ContentType       string          `json:"contentType"`
	Text              *string         `json:"text,omitempty"`
	DocumentReference json.RawMessage `json:"documentReference,omitempty"`
	Object            json.RawMessage `json:"object,omitempty"`
}

// AgentText is a TEXT content block.
func AgentText(s string) AgentContent { return AgentContent{ContentType: "TEXT", Text: &s} }

// AgentToolCall is a tool call of an ASSISTANT item, or the call a
// TOOL_RESULT item answers.
type AgentToolCall struct {
	ToolCallID string         `json:"toolCallId"`
	ToolName   string         `json:"toolName"`
	ElementID  *string        `json:"elementId"`
	Arguments  map[string]any `json:"arguments"`
}

// AgentHistoryItemMetrics are one model call's tokens and duration.
type AgentHistoryItemMetrics struct {
	InputTokens  *int64 `json:"inputTokens"`
	OutputTokens *int64 `json:"outputTokens"`
	DurationMs   *int64 `json:"durationMs"`
}

// AgentInstanceHistoryItem is a history item an agent appends in a batch.
type AgentInstanceHistoryItem struct {
	HistoryItemID string                   `json:"historyItemId"`
	LoopIteration int64                    `json:"loopIteration"`
	Role          string                   `json:"role"`
	Content       []AgentContent           `json:"content"`
	ToolCalls     []AgentToolCall          `json:"toolCalls,omitempty"`
	Metrics       *AgentHistoryItemMetrics `json:"metrics,omitempty"`
	ProducedAt    time.Time                `json:"producedAt"`
	Tools         *[]AgentTool             `json:"tools,omitempty"`
	Model         *string                  `json:"model,omitempty"`
	Provider      *string                  `json:"provider,omitempty"`
	Limits        *AgentInstanceLimits     `json:"limits,omitempty"`
	SystemPrompt  []AgentContent           `json:"systemPrompt,omitempty"`
}

// AgentInstanceCreationRequest creates an agent instance.
type AgentInstanceCreationRequest struct {
	ElementInstanceKey Key                        `json:"elementInstanceKey"`
	Definition         *AgentInstanceDefinition   `json:"definition,omitempty"`
	Limits             *AgentInstanceLimits       `json:"limits,omitempty"`
	JobKey             *Key                       `json:"jobKey,omitempty"`
	JobLease           *string                    `json:"jobLease,omitempty"`
	History            []AgentInstanceHistoryItem `json:"history,omitempty"`
}

// AgentInstanceCreatedHistoryItem is the outcome of one appended item.
type AgentInstanceCreatedHistoryItem struct {
	HistoryItemID  string `json:"historyItemId"`
	HistoryItemKey Key    `json:"historyItemKey"`
	IsDuplicate    bool   `json:"isDuplicate"`
}

// AgentInstanceCreationResult answers a creation.
type AgentInstanceCreationResult struct {
	AgentInstanceKey Key                               `json:"agentInstanceKey"`
	CreatedHistory   []AgentInstanceCreatedHistoryItem `json:"createdHistory"`
}

// AgentInstanceMetricsDelta adds to an agent's counters.
type AgentInstanceMetricsDelta struct {
	InputTokens  *int64 `json:"inputTokens,omitempty"`
	OutputTokens *int64 `json:"outputTokens,omitempty"`
	ModelCalls   *int32 `json:"modelCalls,omitempty"`
	ToolCalls    *int32 `json:"toolCalls,omitempty"`
}

// AgentInstanceUpdateRequest updates an agent instance.
type AgentInstanceUpdateRequest struct {
	ElementInstanceKey Key                        `json:"elementInstanceKey"`
	Status             string                     `json:"status,omitempty"`
	Metrics            *AgentInstanceMetricsDelta `json:"metrics,omitempty"`
	Tools              *[]AgentTool               `json:"tools,omitempty"`
	JobKey             *Key                       `json:"jobKey,omitempty"`
	JobLease           *string                    `json:"jobLease,omitempty"`
	History            []AgentInstanceHistoryItem `json:"history,omitempty"`
}

// AgentInstanceUpdateResult answers an update.
type AgentInstanceUpdateResult struct {
	CreatedHistory []AgentInstanceCreatedHistoryItem `json:"createdHistory"`
}

// AgentInstanceHistoryItemRequest appends one history item.
type AgentInstanceHistoryItemRequest struct {
	ElementInstanceKey Key                      `json:"elementInstanceKey"`
	JobKey             Key                      `json:"jobKey"`
	JobLease           string                   `json:"jobLease"`
	LoopIteration      *int64                   `json:"loopIteration,omitempty"`
	Role               string                   `json:"role"`
	Content            []AgentContent           `json:"content"`
	ToolCalls          []AgentToolCall          `json:"toolCalls,omitempty"`
	Metrics            *AgentHistoryItemMetrics `json:"metrics,omitempty"`
	ProducedAt         time.Time                `json:"producedAt"`
}

// AgentInstanceHistoryItemCreationResult answers the append of one item.
type AgentInstanceHistoryItemCreationResult struct {
	HistoryItemKey Key `json:"historyItemKey"`
}

// AgentInstanceHistoryItemResult is one history item as searches list it.
type AgentInstanceHistoryItemResult struct {
	HistoryItemKey     Key                      `json:"historyItemKey"`
	HistoryItemID      string                   `json:"historyItemId"`
	AgentInstanceKey   Key                      `json:"agentInstanceKey"`
	ElementInstanceKey Key                      `json:"elementInstanceKey"`
	JobKey             Key                      `json:"jobKey"`
	JobLease           string                   `json:"jobLease"`
	LoopIteration      int64                    `json:"loopIteration"`
	Role               string                   `json:"role"`
	Content            []AgentContent           `json:"content"`
	ToolCalls          []AgentToolCall          `json:"toolCalls"`
	Metrics            *AgentHistoryItemMetrics `json:"metrics"`
	CommitStatus       string                   `json:"commitStatus"`
	ProducedAt         time.Time                `json:"producedAt"`
	Tools              []AgentTool              `json:"tools"`
	Model              *string                  `json:"model"`
	Provider           *string                  `json:"provider"`
	Limits             AgentInstanceLimits      `json:"limits"`
	SystemPrompt       []AgentContent           `json:"systemPrompt"`
}

// AgentInstanceFilter selects agent instances.
type AgentInstanceFilter struct {
	AgentInstanceKey            *KeyFilter    `json:"agentInstanceKey,omitempty"`
	AgentDefinitionKey          *KeyFilter    `json:"agentDefinitionKey,omitempty"`
	Status                      *EnumFilter   `json:"status,omitempty"`
	ElementID                   *StringFilter `json:"elementId,omitempty"`
	ProcessInstanceKey          *KeyFilter    `json:"processInstanceKey,omitempty"`
	RootProcessInstanceKey      *KeyFilter    `json:"rootProcessInstanceKey,omitempty"`
	ProcessDefinitionKey        *KeyFilter    `json:"processDefinitionKey,omitempty"`
	TenantID                    *StringFilter `json:"tenantId,omitempty"`
	CreationDate                *DateFilter   `json:"creationDate,omitempty"`
	LastUpdatedDate             *DateFilter   `json:"lastUpdatedDate,omitempty"`
	CompletionDate              *DateFilter   `json:"completionDate,omitempty"`
	ElementInstanceKeys         []KeyFilter   `json:"elementInstanceKeys,omitempty"`
	ProcessDefinitionID         *StringFilter `json:"processDefinitionId,omitempty"`
	ProcessDefinitionVersion    *IntFilter    `json:"processDefinitionVersion,omitempty"`
	ProcessDefinitionVersionTag *StringFilter `json:"processDefinitionVersionTag,omitempty"`
}

// AgentInstanceHistoryFilter selects the history items of an agent.
type AgentInstanceHistoryFilter struct {
	HistoryItemKey     *KeyFilter  `json:"historyItemKey,omitempty"`
	Role               *EnumFilter `json:"role,omitempty"`
	ElementInstanceKey *KeyFilter  `json:"elementInstanceKey,omitempty"`
	JobKey             *KeyFilter  `json:"jobKey,omitempty"`
	LoopIteration      *IntFilter  `json:"loopIteration,omitempty"`
	CommitStatus       *EnumFilter `json:"commitStatus,omitempty"`
	ProducedAt         *DateFilter `json:"producedAt,omitempty"`
}

type (
	AgentInstanceSearchQuery        = SearchQuery[AgentInstanceFilter]
	AgentInstanceHistorySearchQuery = SearchQuery[AgentInstanceHistoryFilter]
)

// AgentInstanceAPI is the agent instance part of the cluster API (8.10).
type AgentInstanceAPI interface {
	CreateAgentInstance(ctx context.Context, req *AgentInstanceCreationRequest) (*AgentInstanceCreationResult, error)
	GetAgentInstance(ctx context.Context, key Key) (*AgentInstance, error)
	UpdateAgentInstance(ctx context.Context, key Key, req *AgentInstanceUpdateRequest) (*AgentInstanceUpdateResult, error)
	SearchAgentInstances(ctx context.Context, q *AgentInstanceSearchQuery) (*SearchResult[AgentInstance], error)
	CreateAgentInstanceHistoryItem(ctx context.Context, key Key, req *AgentInstanceHistoryItemRequest) (*AgentInstanceHistoryItemCreationResult, error)
	SearchAgentInstanceHistory(ctx context.Context, key Key, q *AgentInstanceHistorySearchQuery) (*SearchResult[AgentInstanceHistoryItemResult], error)
}

// Agent instance statuses, roles and commit statuses of the API.
var (
	agentStatuses       = []string{"UNKNOWN", "COMPLETED", "IDLE", "INITIALIZING", "THINKING", "TOOL_CALLING", "TOOL_DISCOVERY"}
	agentUpdateStatuses = []string{"IDLE", "THINKING", "TOOL_CALLING", "TOOL_DISCOVERY"}
	agentRoles          = []string{"USER", "ASSISTANT", "TOOL_RESULT", "CONFIGURATION"}
	agentCommitStatuses = []string{"COMMITTED", "PENDING", "DISCARDED"}
)

var agentInstanceSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "agent_instances",
		filter: map[string]column{
			"agentInstanceKey":            exprFilter("agent_instances.key"),
			"agentDefinitionKey":          exprFilter("-1"),
			"status":                      exprFilter(store.AgentStatusExpr, agentStatuses...),
			"elementId":                   exprFilter("agent_instances.element_id"),
			"processInstanceKey":          exprFilter("agent_instances.process_instance_key"),
			"rootProcessInstanceKey":      exprFilter("agent_instances.root_process_instance_key"),
			"processDefinitionKey":        exprFilter("agent_instances.process_definition_key"),
			"tenantId":                    exprFilter("agent_instances.tenant_id"),
			"creationDate":                exprFilter("agent_instances.creation_date"),
			"lastUpdatedDate":             exprFilter("agent_instances.last_updated_date"),
			"completionDate":              exprFilter(store.AgentCompletionExpr),
			"processDefinitionId":         exprFilter("agent_instances.process_id"),
			"processDefinitionVersion":    exprFilter("agent_instances.process_version"),
			"processDefinitionVersionTag": exprFilter("NULLIF(agent_instances.process_version_tag, '')"),
			"elementInstanceKeys": {build: func(v any) ([]store.Cond, error) {
				var conds []store.Cond
				for _, f := range v.([]KeyFilter) {
					if f.Eq == nil || f.Neq != nil || f.Exists != nil || f.In != nil || f.NotIn != nil {
						return nil, Errorf(CodeInvalidArgument, "elementInstanceKeys filters each key by its value (or $eq) only")
					}
					conds = append(conds, store.Raw("EXISTS (SELECT 1 FROM json_each(agent_instances.element_instance_keys) WHERE value = ?)", int64(*f.Eq)))
				}
				return conds, nil
			}},
		},
		// Status and completion date are derived at read time: they sort by
		// what the filter and the result read.
		sortExpr: map[string]string{"status": store.AgentStatusExpr, "completionDate": store.AgentCompletionExpr},
		sort: map[string]string{"agentInstanceKey": "key", "agentDefinitionKey": "", "status": "status",
			"elementId": "element_id", "processInstanceKey": "process_instance_key",
			"rootProcessInstanceKey": "root_process_instance_key", "processDefinitionKey": "process_definition_key",
			"tenantId": "tenant_id", "creationDate": "creation_date", "lastUpdatedDate": "last_updated_date",
			"completionDate": ""},
	}
})

var agentHistorySpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "agent_history",
		filter: map[string]column{
			"historyItemKey":     exprFilter("agent_history.key"),
			"role":               exprFilter("agent_history.role", agentRoles...),
			"elementInstanceKey": exprFilter("agent_history.element_instance_key"),
			"jobKey":             exprFilter("agent_history.job_key"),
			"loopIteration":      exprFilter("agent_history.loop_iteration"),
			"commitStatus":       exprFilter(store.AgentCommitStatusExpr, agentCommitStatuses...),
			"producedAt":         exprFilter("agent_history.produced_at"),
		},
		sort: map[string]string{"producedAt": "produced_at", "historyItemKey": "key", "loopIteration": "loop_iteration"},
	}
})

// Embedded

// CreateAgentInstance records a new agent instance.
func (m *Embedded) CreateAgentInstance(ctx context.Context, req *AgentInstanceCreationRequest) (*AgentInstanceCreationResult, error) {
	if req.ElementInstanceKey <= 0 {
		return nil, Errorf(CodeInvalidArgument, "No elementInstanceKey provided.")
	}
	if len(req.History) > 0 {
		if req.Definition != nil || req.Limits != nil {
			return nil, Errorf(CodeInvalidArgument, "definition and limits must be omitted when history is given: they come from a CONFIGURATION item of the history.")
		}
		if req.JobKey == nil {
			return nil, Errorf(CodeInvalidArgument, "No jobKey provided: it is required with history.")
		}
	} else if req.Definition == nil {
		return nil, Errorf(CodeInvalidArgument, "No definition provided: it is required without history.")
	}
	c := engine.AgentInstanceChange{ElementInstanceKey: int64(req.ElementInstanceKey)}
	lim := noLimits
	if req.Limits != nil {
		lim = *req.Limits
	}
	if req.Definition != nil {
		c.Definition = mustJSON(req.Definition)
	}
	for _, h := range req.History {
		if h.Role != "CONFIGURATION" {
			continue
		}
		d := AgentInstanceDefinition{}
		if h.Model != nil {
			d.Model = *h.Model
		}
		if h.Provider != nil {
			d.Provider = *h.Provider
		}
		for _, b := range h.SystemPrompt {
			if b.Text != nil {
				d.SystemPrompt += *b.Text
			}
		}
		c.Definition = mustJSON(d)
		if h.Limits != nil {
			lim = *h.Limits
		}
		if h.Tools != nil {
			c.Tools = mustJSON(*h.Tools)
		}
	}
	c.Limits = mustJSON(lim)
	if err := jobOf(&c, req.JobKey, req.JobLease); err != nil {
		return nil, err
	}
	hist, err := historyInputs(req.History)
	if err != nil {
		return nil, err
	}
	c.History = hist
	key, created, err := m.eng.CreateAgentInstance(ctx, c)
	if err != nil {
		return nil, fromEngine(err)
	}
	return &AgentInstanceCreationResult{AgentInstanceKey: Key(key), CreatedHistory: createdHistory(created)}, nil
}

// UpdateAgentInstance changes an agent instance and appends history.
func (m *Embedded) UpdateAgentInstance(ctx context.Context, key Key, req *AgentInstanceUpdateRequest) (*AgentInstanceUpdateResult, error) {
	if req.ElementInstanceKey <= 0 {
		return nil, Errorf(CodeInvalidArgument, "No elementInstanceKey provided.")
	}
	if req.Status != "" && !contains(agentUpdateStatuses, req.Status) {
		return nil, Errorf(CodeInvalidArgument, "Unexpected value '%s' for enum field 'status'. Use any of the following values: [%s]", req.Status, strings.Join(agentUpdateStatuses, ", "))
	}
	if len(req.History) > 0 && req.JobKey == nil {
		return nil, Errorf(CodeInvalidArgument, "No jobKey provided: it is required with history.")
	}
	c := engine.AgentInstanceChange{ElementInstanceKey: int64(req.ElementInstanceKey), Status: req.Status}
	if d := req.Metrics; d != nil {
		for _, v := range []*int64{d.InputTokens, d.OutputTokens} {
			if v != nil && *v < 0 {
				return nil, Errorf(CodeInvalidArgument, "Metric increments must be 0 or more.")
			}
		}
		for _, v := range []*int32{d.ModelCalls, d.ToolCalls} {
			if v != nil && *v < 0 {
				return nil, Errorf(CodeInvalidArgument, "Metric increments must be 0 or more.")
			}
		}
		c.InputTokens, c.OutputTokens = deref64(d.InputTokens), deref64(d.OutputTokens)
		c.ModelCalls, c.ToolCalls = int64(deref32(d.ModelCalls)), int64(deref32(d.ToolCalls))
	}
	if req.Tools != nil {
		c.Tools = mustJSON(*req.Tools)
	}
	if err := jobOf(&c, req.JobKey, req.JobLease); err != nil {
		return nil, err
	}
	hist, err := historyInputs(req.History)
	if err != nil {
		return nil, err
	}
	c.History = hist
	created, err := m.eng.UpdateAgentInstance(ctx, int64(key), c)
	if err != nil {
		return nil, fromEngine(err)
	}
	return &AgentInstanceUpdateResult{CreatedHistory: createdHistory(created)}, nil
}

// CreateAgentInstanceHistoryItem appends one history item.
func (m *Embedded) CreateAgentInstanceHistoryItem(ctx context.Context, key Key, req *AgentInstanceHistoryItemRequest) (*AgentInstanceHistoryItemCreationResult, error) {
	if req.ElementInstanceKey <= 0 || req.JobKey <= 0 {
		return nil, Errorf(CodeInvalidArgument, "elementInstanceKey and jobKey are required.")
	}
	item := AgentInstanceHistoryItem{Role: req.Role, Content: req.Content, ToolCalls: req.ToolCalls, Metrics: req.Metrics, ProducedAt: req.ProducedAt}
	if req.LoopIteration != nil {
		item.LoopIteration = *req.LoopIteration
	}
	hist, err := historyInputs([]AgentInstanceHistoryItem{item}, true)
	if err != nil {
		return nil, err
	}
	c := engine.AgentInstanceChange{ElementInstanceKey: int64(req.ElementInstanceKey), History: hist}
	if err := jobOf(&c, &req.JobKey, &req.JobLease); err != nil {
		return nil, err
	}
	created, err := m.eng.UpdateAgentInstance(ctx, int64(key), c)
	if err != nil {
		return nil, fromEngine(err)
	}
	return &AgentInstanceHistoryItemCreationResult{HistoryItemKey: Key(created[0].Key)}, nil
}

// GetAgentInstance reads an agent instance.
func (m *Embedded) GetAgentInstance(ctx context.Context, key Key) (*AgentInstance, error) {
	r, found, err := store.Get(ctx, m.store, func() *store.AgentInstance { return new(store.AgentInstance) }, int64(key))
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, Errorf(CodeNotFound, "Agent instance with key '%d' not found", key)
	}
	ends, err := store.AgentEnds(ctx, m.store, []int64{r.Key})
	if err != nil {
		return nil, err
	}
	out := agentInstance(r, ends)
	return &out, nil
}

// SearchAgentInstances searches agent instances.
func (m *Embedded) SearchAgentInstances(ctx context.Context, q *AgentInstanceSearchQuery) (*SearchResult[AgentInstance], error) {
	res, err := search(ctx, m.store, agentInstanceSpec(), q, func() *store.AgentInstance { return new(store.AgentInstance) },
		func(r *store.AgentInstance) *store.AgentInstance { return r })
	if err != nil {
		return nil, err
	}
	keys := make([]int64, len(res.Items))
	for i, r := range res.Items {
		keys[i] = r.Key
	}
	ends, err := store.AgentEnds(ctx, m.store, keys)
	if err != nil {
		return nil, err
	}
	out := &SearchResult[AgentInstance]{Items: make([]AgentInstance, 0, len(res.Items)), Page: res.Page}
	for _, r := range res.Items {
		out.Items = append(out.Items, agentInstance(r, ends))
	}
	return out, nil
}

// SearchAgentInstanceHistory searches an agent instance's history;
// without a commitStatus filter only committed items are listed.
func (m *Embedded) SearchAgentInstanceHistory(ctx context.Context, key Key, q *AgentInstanceHistorySearchQuery) (*SearchResult[AgentInstanceHistoryItemResult], error) {
	if _, found, err := store.Get(ctx, m.store, func() *store.AgentInstance { return new(store.AgentInstance) }, int64(key)); err != nil {
		return nil, err
	} else if !found {
		return nil, Errorf(CodeNotFound, "Agent instance with key '%d' not found", key)
	}
	if q == nil {
		q = &AgentInstanceHistorySearchQuery{}
	}
	sq, err := agentHistorySpec().query(q.Filter, q.Sort, q.Page)
	if err != nil {
		return nil, err
	}
	sq.Where = append(sq.Where, store.Cond{Column: "agent_instance_key", Op: store.OpEq, Value: int64(key)})
	if q.Filter == nil || q.Filter.CommitStatus == nil {
		sq.Where = append(sq.Where, store.Raw(store.AgentCommitStatusExpr+" = 'COMMITTED'"))
	}
	res, err := runQuery(ctx, m.store, sq, func() *store.AgentHistoryItem { return new(store.AgentHistoryItem) },
		func(r *store.AgentHistoryItem) *store.AgentHistoryItem { return r })
	if err != nil {
		return nil, err
	}
	keys := make([]int64, len(res.Items))
	for i, r := range res.Items {
		keys[i] = r.Key
	}
	statuses, err := store.AgentCommitStatuses(ctx, m.store, keys)
	if err != nil {
		return nil, err
	}
	out := &SearchResult[AgentInstanceHistoryItemResult]{Items: make([]AgentInstanceHistoryItemResult, 0, len(res.Items)), Page: res.Page}
	for _, r := range res.Items {
		out.Items = append(out.Items, historyItem(r, statuses[r.Key]))
	}
	return out, nil
}

func agentInstance(r *store.AgentInstance, ends map[int64]store.AgentEnd) AgentInstance {
	out := AgentInstance{AgentInstanceKey: Key(r.Key), AgentDefinitionKey: -1, Status: r.Status,
		Metrics: AgentInstanceMetrics{InputTokens: r.InputTokens, OutputTokens: r.OutputTokens,
			ModelCalls: int32(r.ModelCalls), ToolCalls: int32(r.ToolCalls)},
		Limits: noLimits, Tools: []AgentTool{}, ElementID: r.ElementID, ProcessInstanceKey: Key(r.ProcessInstanceKey),
		RootProcessInstanceKey: Key(r.RootProcessInstanceKey), ProcessDefinitionKey: Key(r.ProcessDefinitionKey),
		ProcessDefinitionID: r.ProcessID, ProcessDefinitionVersion: r.ProcessVersion,
		ProcessDefinitionVersionTag: optString(r.ProcessVersionTag), TenantID: r.TenantID,
		CreationDate: r.CreationDate, LastUpdatedDate: r.LastUpdatedDate, ElementInstanceKeys: []Key{}}
	_ = json.Unmarshal(r.Definition, &out.Definition)
	_ = json.Unmarshal(r.Limits, &out.Limits)
	_ = json.Unmarshal(r.Tools, &out.Tools)
	if out.Tools == nil {
		out.Tools = []AgentTool{}
	}
	for _, k := range r.ElementInstanceKeys {
		out.ElementInstanceKeys = append(out.ElementInstanceKeys, Key(k))
	}
	if e, ok := ends[r.Key]; ok {
		out.Status = e.Status
		if !e.CompletionDate.IsZero() {
			t := e.CompletionDate
			out.CompletionDate = &t
		}
	}
	return out
}

// historyBody is what a history item's body column holds.
type historyBody struct {
	Content      []AgentContent           `json:"content"`
	ToolCalls    []AgentToolCall          `json:"toolCalls,omitempty"`
	Metrics      *AgentHistoryItemMetrics `json:"metrics,omitempty"`
	Tools        *[]AgentTool             `json:"tools,omitempty"`
	Model        *string                  `json:"model,omitempty"`
	Provider     *string                  `json:"provider,omitempty"`
	Limits       *AgentInstanceLimits     `json:"limits,omitempty"`
	SystemPrompt []AgentContent           `json:"systemPrompt,omitempty"`
}

func historyItem(r *store.AgentHistoryItem, commit string) AgentInstanceHistoryItemResult {
	var b historyBody
	_ = json.Unmarshal(r.Body, &b)
	out := AgentInstanceHistoryItemResult{HistoryItemKey: Key(r.Key), HistoryItemID: r.HistoryItemID,
		AgentInstanceKey: Key(r.AgentInstanceKey), ElementInstanceKey: Key(r.ElementInstanceKey), JobKey: Key(r.JobKey),
		JobLease: r.JobLease, LoopIteration: r.LoopIteration, Role: r.Role, Content: b.Content, ToolCalls: b.ToolCalls,
		Metrics: b.Metrics, CommitStatus: commit, ProducedAt: r.ProducedAt, Tools: []AgentTool{}, Model: b.Model,
		Provider: b.Provider, Limits: noLimits, SystemPrompt: b.SystemPrompt}
	if out.Content == nil {
		out.Content = []AgentContent{}
	}
	if out.ToolCalls == nil {
		out.ToolCalls = []AgentToolCall{}
	}
	if out.SystemPrompt == nil {
		out.SystemPrompt = []AgentContent{}
	}
	if b.Tools != nil {
		out.Tools = *b.Tools
	}
	if b.Limits != nil {
		out.Limits = *b.Limits
	}
	if out.CommitStatus == "" {
		out.CommitStatus = "COMMITTED"
	}
	return out
}

// historyInputs checks history items; single is the one-item append,
// which carries no id.
func historyInputs(items []AgentInstanceHistoryItem, single ...bool) ([]engine.AgentHistoryInput, error) {
	out := make([]engine.AgentHistoryInput, 0, len(items))
	for i, h := range items {
		at := fmt.Sprintf("history[%d]", i)
		if len(single) == 0 && strings.TrimSpace(h.HistoryItemID) == "" {
			return nil, Errorf(CodeInvalidArgument, "%s.historyItemId must not be blank.", at)
		}
		if !contains(agentRoles, h.Role) {
			return nil, Errorf(CodeInvalidArgument, "Unexpected value '%s' for enum field '%s.role'. Use any of the following values: [%s]", h.Role, at, strings.Join(agentRoles, ", "))
		}
		if h.Content == nil {
			return nil, Errorf(CodeInvalidArgument, "%s.content is required.", at)
		}
		for j, blocks := range [][]AgentContent{h.Content, h.SystemPrompt} {
			for k, b := range blocks {
				field := "content"
				if j == 1 {
					field = "systemPrompt"
				}
				if err := checkContent(b); err != nil {
					return nil, Errorf(CodeInvalidArgument, "%s.%s[%d]: %v", at, field, k, err)
				}
			}
		}
		if h.SystemPrompt != nil && len(h.SystemPrompt) == 0 {
			return nil, Errorf(CodeInvalidArgument, "%s.systemPrompt must not be empty when given.", at)
		}
		if h.Role != "CONFIGURATION" && (h.Tools != nil || h.Model != nil || h.Provider != nil || h.Limits != nil || h.SystemPrompt != nil) {
			return nil, Errorf(CodeInvalidArgument, "%s: tools, model, provider, limits and systemPrompt belong to CONFIGURATION items only.", at)
		}
		if h.ProducedAt.IsZero() {
			return nil, Errorf(CodeInvalidArgument, "%s.producedAt is required.", at)
		}
		for k, c := range h.ToolCalls {
			if c.ToolCallID == "" || c.ToolName == "" {
				return nil, Errorf(CodeInvalidArgument, "%s.toolCalls[%d] needs toolCallId and toolName.", at, k)
			}
		}
		body := historyBody{Content: h.Content, ToolCalls: h.ToolCalls, Metrics: h.Metrics, Tools: h.Tools, Model: h.Model,
			Provider: h.Provider, Limits: h.Limits, SystemPrompt: h.SystemPrompt}
		out = append(out, engine.AgentHistoryInput{ID: h.HistoryItemID, LoopIteration: h.LoopIteration, Role: h.Role,
			ProducedAt: h.ProducedAt, Body: mustJSON(body)})
	}
	return out, nil
}

func checkContent(b AgentContent) error {
	switch b.ContentType {
	case "TEXT":
		if b.Text == nil {
			return fmt.Errorf("a TEXT block needs text")
		}
	case "DOCUMENT":
		if len(b.DocumentReference) == 0 {
			return fmt.Errorf("a DOCUMENT block needs documentReference")
		}
	case "OBJECT":
		if len(b.Object) == 0 {
			return fmt.Errorf("an OBJECT block needs object")
		}
	default:
		return fmt.Errorf("unexpected contentType '%s' (TEXT, DOCUMENT or OBJECT)", b.ContentType)
	}
	return nil
}

func jobOf(c *engine.AgentInstanceChange, key *Key, lease *string) error {
	if key != nil {
		if *key <= 0 {
			return Errorf(CodeInvalidArgument, "jobKey must be a job's key.")
		}
		c.JobKey = int64(*key)
	}
	if lease != nil {
		c.JobLease = *lease
	}
	return nil
}

func createdHistory(cs []engine.AgentHistoryCreated) []AgentInstanceCreatedHistoryItem {
	out := make([]AgentInstanceCreatedHistoryItem, 0, len(cs))
	for _, c := range cs {
		out = append(out, AgentInstanceCreatedHistoryItem{HistoryItemID: c.ID, HistoryItemKey: Key(c.Key), IsDuplicate: c.Duplicate})
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own types are marshalled
	}
	return b
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func deref64(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func deref32(p *int32) int32 {
	if p == nil {
		return 0
	}
	return *p
}
