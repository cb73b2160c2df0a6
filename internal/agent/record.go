package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
)

// Agent instances (Camunda 8.10): the agent records itself through the
// cluster API as it works, so the record reaches the cluster from a worker
// in this process and from a remote `orca worker` alike. Its status before
// each model call (THINKING) and after the job (TOOL_DISCOVERY,
// TOOL_CALLING, IDLE), the metrics each model call adds and the
// conversation as history items, tagged with the job and its activation
// (the lease): items of an activation that never completed its job are
// discarded by the cluster, not shown as the conversation.

// Instances is where an agent records its agent instance: cluster.API.
type Instances interface {
	CreateAgentInstance(ctx context.Context, req *cluster.AgentInstanceCreationRequest) (*cluster.AgentInstanceCreationResult, error)
	UpdateAgentInstance(ctx context.Context, key cluster.Key, req *cluster.AgentInstanceUpdateRequest) (*cluster.AgentInstanceUpdateResult, error)
	SearchAgentInstances(ctx context.Context, q *cluster.AgentInstanceSearchQuery) (*cluster.SearchResult[cluster.AgentInstance], error)
}

// Agent instance statuses the agent reports.
const (
	statusToolDiscovery = "TOOL_DISCOVERY"
	statusThinking      = "THINKING"
	statusToolCalling   = "TOOL_CALLING"
	statusIdle          = "IDLE"
)

// recorder is one job's recording: what was sent so far.
type recorder struct {
	t       *turn
	off     bool // recording failed or is not configured: the agent works on
	key     cluster.Key
	sent    int // messages of the conversation already sent
	metrics Metrics
	tools   bool // the tools were sent
	// took is how long the model call that answered a message of the
	// conversation took, by the message's index (this job's calls only).
	took map[int]time.Duration
}

// modelCallTook notes the duration of the model call whose answer is
// message i of the conversation.
func (r *recorder) modelCallTook(i int, d time.Duration) {
	if r == nil {
		return
	}
	if r.took == nil {
		r.took = map[int]time.Duration{}
	}
	r.took[i] = d
}

func (t *turn) newRecorder() *recorder {
	r := &recorder{t: t, off: t.a.opts.Instances == nil, sent: len(t.ac.Conversation.Messages), metrics: t.ac.Metrics}
	if n := t.ac.Metadata.AgentInstanceKey; n != "" {
		k, err := strconv.ParseInt(string(n), 10, 64)
		if err == nil {
			r.key = cluster.Key(k)
		}
	}
	return r
}

// lease names the job's activation: a retried or timed-out job is
// activated again with another deadline.
func (r *recorder) lease() string {
	return strconv.FormatInt(r.t.job.Deadline, 10)
}

// record sends the status, the metrics added and the messages added since
// the last record. Failures are logged: recording never fails the job.
func (r *recorder) record(ctx context.Context, status string) {
	if r.off {
		return
	}
	if err := r.send(ctx, status); err != nil {
		r.off = true
		var ce *cluster.Error
		if errors.As(err, &ce) && ce.Code == cluster.CodeNotFound && r.key == 0 {
			// A cluster before 8.10 has no agent instances.
			r.t.a.opts.Logger.Debug("agent instances are not recorded", "error", err)
			return
		}
		r.t.a.opts.Logger.Warn("recording the agent instance failed; the agent works on", "jobKey", r.t.job.JobKey, "error", err)
	}
}

func (r *recorder) send(ctx context.Context, status string) error {
	t, ins := r.t, r.t.a.opts.Instances
	jobKey, lease := t.job.JobKey, r.lease()
	if r.key == 0 {
		key, err := r.create(ctx)
		if err != nil {
			return err
		}
		r.key = key
		t.ac.Metadata.AgentInstanceKey = json.Number(key.String())
	}
	req := &cluster.AgentInstanceUpdateRequest{ElementInstanceKey: t.job.ElementInstanceKey, Status: status,
		JobKey: &jobKey, JobLease: &lease}
	m := t.ac.Metrics
	if d := (cluster.AgentInstanceMetricsDelta{InputTokens: delta64(m.TokenUsage.InputTokenCount, r.metrics.TokenUsage.InputTokenCount),
		OutputTokens: delta64(m.TokenUsage.OutputTokenCount, r.metrics.TokenUsage.OutputTokenCount),
		ModelCalls:   delta32(m.ModelCalls, r.metrics.ModelCalls), ToolCalls: delta32(m.ToolCalls, r.metrics.ToolCalls)}); d != (cluster.AgentInstanceMetricsDelta{}) {
		req.Metrics = &d
	}
	if !r.tools && t.ac.State != StateInitializing && t.ac.State != StateToolDiscovery {
		tools := r.agentTools()
		req.Tools = &tools
	}
	req.History = r.history(r.sent)
	if _, err := ins.UpdateAgentInstance(ctx, r.key, req); err != nil {
		return err
	}
	r.sent, r.metrics = len(t.ac.Conversation.Messages), m
	if req.Tools != nil {
		r.tools = true
	}
	return nil
}

// create records the agent instance; one that exists already for the
// element instance (a worker died after creating it) is taken over.
func (r *recorder) create(ctx context.Context) (cluster.Key, error) {
	t, ins := r.t, r.t.a.opts.Instances
	provider, model := describeModel(t.req.Provider)
	lim := t.req.Data.Limits
	limits := cluster.AgentInstanceLimits{MaxModelCalls: int32(lim.MaxModelCalls), MaxToolCalls: -1, MaxTokens: -1}
	if lim.MaxToolCalls > 0 {
		limits.MaxToolCalls = int32(lim.MaxToolCalls)
	}
	if lim.MaxTokens > 0 {
		limits.MaxTokens = lim.MaxTokens
	}
	res, err := ins.CreateAgentInstance(ctx, &cluster.AgentInstanceCreationRequest{ElementInstanceKey: t.job.ElementInstanceKey,
		Definition: &cluster.AgentInstanceDefinition{Model: model, Provider: provider, SystemPrompt: t.req.Data.SystemPrompt.Prompt},
		Limits:     &limits})
	if err == nil {
		return res.AgentInstanceKey, nil
	}
	var ce *cluster.Error
	if !errors.As(err, &ce) || ce.Code != cluster.CodeAlreadyExists {
		return 0, err
	}
	ek := t.job.ElementInstanceKey
	found, serr := ins.SearchAgentInstances(ctx, &cluster.AgentInstanceSearchQuery{Filter: &cluster.AgentInstanceFilter{
		ElementInstanceKeys: []cluster.KeyFilter{{Filter: cluster.Filter[cluster.Key]{Eq: &ek}}}}})
	if serr != nil || len(found.Items) == 0 {
		return 0, err
	}
	return found.Items[0].AgentInstanceKey, nil
}

// history turns the messages from index from on into history items.
func (r *recorder) history(from int) []cluster.AgentInstanceHistoryItem {
	t := r.t
	msgs := t.ac.Conversation.Messages
	iteration := int64(1)
	for _, m := range msgs[:from] {
		if m.Role == RoleAssistant {
			iteration++
		}
	}
	lease := r.lease()
	id := func(i int, k string) string {
		return fmt.Sprintf("%s:%d%s:%d:%s", t.ac.Conversation.ConversationID, i, k, t.job.JobKey, lease)
	}
	var out []cluster.AgentInstanceHistoryItem
	for i := from; i < len(msgs); i++ {
		m := msgs[i]
		at := producedAt(m, t.a.opts.Now())
		switch m.Role {
		case RoleSystem:
			provider, model := describeModel(t.req.Provider)
			tools := r.agentTools()
			out = append(out, cluster.AgentInstanceHistoryItem{HistoryItemID: id(i, ""), LoopIteration: iteration,
				Role: "CONFIGURATION", Content: []cluster.AgentContent{}, ProducedAt: at, Model: &model, Provider: &provider,
				SystemPrompt: []cluster.AgentContent{cluster.AgentText(m.text())}, Tools: &tools})
		case RoleUser:
			out = append(out, cluster.AgentInstanceHistoryItem{HistoryItemID: id(i, ""), LoopIteration: iteration,
				Role: "USER", Content: textContent(m), ProducedAt: at})
		case RoleAssistant:
			item := cluster.AgentInstanceHistoryItem{HistoryItemID: id(i, ""), LoopIteration: iteration,
				Role: "ASSISTANT", Content: textContent(m), ProducedAt: at, Metrics: assistantMetrics(m)}
			if d, ok := r.took[i]; ok {
				if item.Metrics == nil {
					item.Metrics = &cluster.AgentHistoryItemMetrics{}
				}
				ms := d.Milliseconds()
				item.Metrics.DurationMs = &ms
			}
			for _, c := range m.ToolCalls {
				item.ToolCalls = append(item.ToolCalls, r.toolCall(c.ID, c.Name, c.Arguments))
			}
			out = append(out, item)
			iteration++
		case RoleToolCallResult:
			for k, res := range m.Results {
				out = append(out, cluster.AgentInstanceHistoryItem{HistoryItemID: id(i, "."+strconv.Itoa(k)), LoopIteration: iteration,
					Role: "TOOL_RESULT", Content: []cluster.AgentContent{resultContent(res.Content)}, ProducedAt: at,
					ToolCalls: []cluster.AgentToolCall{r.toolCall(res.ID, res.Name, nil)}})
			}
		}
	}
	return out
}

func (r *recorder) toolCall(id, name string, args map[string]any) cluster.AgentToolCall {
	el := toolElement(name)
	return cluster.AgentToolCall{ToolCallID: id, ToolName: name, ElementID: &el, Arguments: args}
}

// agentTools are the tools the model is offered.
func (r *recorder) agentTools() []cluster.AgentTool {
	out := make([]cluster.AgentTool, 0, len(r.t.ac.ToolDefinitions))
	for _, d := range r.t.ac.ToolDefinitions {
		el := toolElement(d.Name)
		var desc *string
		if d.Description != "" {
			s := d.Description
			desc = &s
		}
		out = append(out, cluster.AgentTool{Name: d.Name, Description: desc, ElementID: &el})
	}
	return out
}

// toolElement is the BPMN element a tool name calls.
func toolElement(name string) string {
	if el, _, ok := parseMCPName(name); ok {
		return el
	}
	if el, ok := parseA2AName(name); ok {
		return el
	}
	return name
}

func textContent(m Message) []cluster.AgentContent {
	out := []cluster.AgentContent{}
	for _, b := range m.Content {
		if b.Type == "text" {
			out = append(out, cluster.AgentText(b.Text))
		}
	}
	return out
}

func resultContent(c any) cluster.AgentContent {
	if s, ok := c.(string); ok {
		return cluster.AgentText(s)
	}
	b, err := json.Marshal(c)
	if err != nil || string(b) == "null" {
		return cluster.AgentText(stringify(c))
	}
	return cluster.AgentContent{ContentType: "OBJECT", Object: b}
}

func assistantMetrics(m Message) *cluster.AgentHistoryItemMetrics {
	fw, _ := m.Metadata["framework"].(map[string]any)
	usage, _ := fw["tokenUsage"].(map[string]any)
	if usage == nil {
		return nil
	}
	num := func(v any) *int64 {
		switch n := v.(type) {
		case int64:
			return &n
		case int:
			x := int64(n)
			return &x
		case float64:
			x := int64(n)
			return &x
		case json.Number:
			if x, err := n.Int64(); err == nil {
				return &x
			}
		}
		return nil
	}
	return &cluster.AgentHistoryItemMetrics{InputTokens: num(usage["inputTokenCount"]), OutputTokens: num(usage["outputTokenCount"])}
}

// describeModel names the provider type and model of the provider
// variable, without resolving secrets.
func describeModel(p map[string]any) (provider, model string) {
	provider, _ = p["type"].(string)
	settings, _ := p[providerKeys[provider]].(map[string]any)
	m, _ := settings["model"].(map[string]any)
	model, _ = m["model"].(string)
	if strings.Contains(model, "{{") {
		model = "" // a secret: not recorded
	}
	return provider, model
}

// producedAt is when a message was made (its timestamp), else now.
func producedAt(m Message, now time.Time) time.Time {
	if s, ok := m.Metadata["timestamp"].(string); ok {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t
		}
	}
	return now
}

func delta64(now, before int64) *int64 {
	if now <= before {
		return nil
	}
	d := now - before
	return &d
}

func delta32(now, before int) *int32 {
	if now <= before {
		return nil
	}
	d := int32(now - before)
	return &d
}
