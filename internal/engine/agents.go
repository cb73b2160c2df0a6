package engine

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// Agent instances (Camunda 8.10): an AI agent's record of its work, written
// by the agent (a job worker, in this process or remote) through the API as
// it runs. The writer keeps the records a batch changed in memory until the
// batch is committed, so that two updates of one agent in one batch add up.

// AgentHistoryInput is one history item an agent appends.
type AgentHistoryInput struct {
	// ID is the caller's identifier, which makes a resent item a duplicate
	// instead of a second item ("" never matches).
	ID            string
	LoopIteration int64
	Role          string
	ProducedAt    time.Time
	Body          json.RawMessage
}

// AgentHistoryCreated is the outcome of one appended item.
type AgentHistoryCreated struct {
	ID        string
	Key       int64
	Duplicate bool
}

// AgentInstanceChange creates or updates an agent instance.
type AgentInstanceChange struct {
	ElementInstanceKey int64
	Status             string          // "" leaves it
	Definition         json.RawMessage // creation only
	Limits             json.RawMessage // creation only
	Tools              json.RawMessage // nil leaves them
	InputTokens        int64           // deltas
	OutputTokens       int64
	ModelCalls         int64
	ToolCalls          int64
	JobKey             int64
	JobLease           string
	History            []AgentHistoryInput
}

// agentCache holds the agent records of the batch being written.
type agentCache struct {
	instances map[int64]*store.AgentInstance
	byElement map[int64]int64            // element instance key -> agent instance key
	items     map[int64]map[string]int64 // agent instance key -> history item id -> key
	w         *writer                    // the batch that clears it once committed
}

func (st *state) agentCache(w *writer) *agentCache {
	if st.agents == nil {
		st.agents = &agentCache{instances: map[int64]*store.AgentInstance{}, byElement: map[int64]int64{}, items: map[int64]map[string]int64{}}
	}
	if st.agents.w != w {
		// Once committed, the records are read from the store again (a
		// batch whose commit failed leaves them to the next one).
		// The batch being committed may still hold some: the cache goes
		// once the last batch that used it is committed.
		st.agents.w = w
		w.afterCommit(func() {
			if st.agents != nil && st.agents.w == w {
				st.agents = nil
			}
		})
	}
	return st.agents
}

// CreateAgentInstance records a new agent instance for an active AI Agent
// element instance; a second one for the same element instance is refused
// (ALREADY_EXISTS, whose detail names the existing key).
func (e *Engine) CreateAgentInstance(ctx context.Context, c AgentInstanceChange) (int64, []AgentHistoryCreated, error) {
	type out struct {
		key  int64
		hist []AgentHistoryCreated
	}
	r, err := do(ctx, e, func(w *writer) (out, error) {
		in := w.st.insts[c.ElementInstanceKey]
		if in == nil {
			return out{}, errorf(CodeNotFound, "Expected to create an agent instance for element instance with key '%d', but no such element instance is active", c.ElementInstanceKey)
		}
		ac := w.st.agentCache(w)
		existing, err := w.agentByElement(ac, c.ElementInstanceKey)
		if err != nil {
			return out{}, err
		}
		if existing != 0 {
			return out{}, errorf(CodeAlreadyExists, "Expected to create an agent instance for element instance with key '%d', but agent instance '%d' already exists for it", c.ElementInstanceKey, existing)
		}
		ai := &store.AgentInstance{Key: w.st.newKey(), ElementInstanceKey: in.key(), ElementInstanceKeys: []int64{in.key()},
			ElementID: in.rec.ElementID, ProcessInstanceKey: in.rec.ProcessInstanceKey,
			RootProcessInstanceKey: in.rec.RootProcessInstanceKey, ProcessDefinitionKey: in.rec.ProcessDefinitionKey,
			ProcessID: in.rec.ProcessID, TenantID: in.rec.TenantID, Status: store.AgentInitializing,
			Definition: c.Definition, Limits: c.Limits, Tools: c.Tools, CreationDate: w.now, LastUpdatedDate: w.now}
		if ai.Tools == nil {
			ai.Tools = json.RawMessage("[]")
		}
		if d := w.st.defs[in.rec.ProcessDefinitionKey]; d != nil {
			ai.ProcessVersion, ai.ProcessVersionTag = d.rec.Version, d.rec.VersionTag
		}
		if c.Status != "" {
			ai.Status = c.Status
		}
		ac.instances[ai.Key] = ai
		ac.byElement[in.key()] = ai.Key
		w.st.touch(ai)
		hist, err := w.appendAgentHistory(ac, ai, c)
		return out{ai.Key, hist}, err
	})
	return r.key, r.hist, err
}

// UpdateAgentInstance changes an agent instance's status, adds to its
// metrics, replaces its tools and appends history items. An element
// instance other than the last one it worked is added to its element
// instances (an AI Agent Task entered again).
func (e *Engine) UpdateAgentInstance(ctx context.Context, key int64, c AgentInstanceChange) ([]AgentHistoryCreated, error) {
	return do(ctx, e, func(w *writer) ([]AgentHistoryCreated, error) {
		ac := w.st.agentCache(w)
		ai, err := w.agentInstance(ac, key)
		if err != nil {
			return nil, err
		}
		if ai == nil {
			return nil, errorf(CodeNotFound, "Agent instance with key '%d' not found", key)
		}
		if c.ElementInstanceKey != ai.ElementInstanceKey {
			in := w.st.insts[c.ElementInstanceKey]
			if in == nil {
				return nil, errorf(CodeNotFound, "Expected to update agent instance '%d' from element instance with key '%d', but no such element instance is active", key, c.ElementInstanceKey)
			}
			if in.rec.ProcessInstanceKey != ai.ProcessInstanceKey || in.rec.ElementID != ai.ElementID {
				return nil, errorf(CodeInvalidArgument, "Element instance '%d' is not an instance of element '%s' of process instance '%d', which agent instance '%d' belongs to",
					c.ElementInstanceKey, ai.ElementID, ai.ProcessInstanceKey, key)
			}
			ai.ElementInstanceKey = c.ElementInstanceKey
			if !slices.Contains(ai.ElementInstanceKeys, c.ElementInstanceKey) {
				ai.ElementInstanceKeys = append(ai.ElementInstanceKeys, c.ElementInstanceKey)
			}
			ac.byElement[c.ElementInstanceKey] = key
		}
		if c.Status != "" {
			ai.Status = c.Status
		}
		if c.Tools != nil {
			ai.Tools = c.Tools
		}
		ai.InputTokens += c.InputTokens
		ai.OutputTokens += c.OutputTokens
		ai.ModelCalls += c.ModelCalls
		ai.ToolCalls += c.ToolCalls
		ai.LastUpdatedDate = w.now
		w.st.touch(ai)
		return w.appendAgentHistory(ac, ai, c)
	})
}

func (w *writer) appendAgentHistory(ac *agentCache, ai *store.AgentInstance, c AgentInstanceChange) ([]AgentHistoryCreated, error) {
	out := make([]AgentHistoryCreated, 0, len(c.History))
	for _, h := range c.History {
		if h.ID != "" {
			dup, err := w.agentHistoryItem(ac, ai.Key, h.ID)
			if err != nil {
				return nil, err
			}
			if dup != 0 {
				out = append(out, AgentHistoryCreated{ID: h.ID, Key: dup, Duplicate: true})
				continue
			}
		}
		it := &store.AgentHistoryItem{Key: w.st.newKey(), AgentInstanceKey: ai.Key, HistoryItemID: h.ID,
			ElementInstanceKey: ai.ElementInstanceKey, JobKey: c.JobKey, JobLease: c.JobLease,
			LoopIteration: h.LoopIteration, Role: h.Role, ProducedAt: h.ProducedAt, Body: h.Body, ProcessInstanceKey: ai.ProcessInstanceKey}
		if it.ProducedAt.IsZero() {
			it.ProducedAt = w.now
		}
		if h.ID != "" {
			if ac.items[ai.Key] == nil {
				ac.items[ai.Key] = map[string]int64{}
			}
			ac.items[ai.Key][h.ID] = it.Key
		}
		w.st.touch(it)
		out = append(out, AgentHistoryCreated{ID: h.ID, Key: it.Key})
	}
	return out, nil
}

func (w *writer) agentInstance(ac *agentCache, key int64) (*store.AgentInstance, error) {
	if ai := ac.instances[key]; ai != nil {
		return ai, nil
	}
	w.syncStore()
	rs, err := store.LoadAll(context.Background(), w.e.store, func() *store.AgentInstance { return new(store.AgentInstance) }, "key = ?", key)
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	ac.instances[key] = rs[0]
	return rs[0], nil
}

func (w *writer) agentByElement(ac *agentCache, elementInstanceKey int64) (int64, error) {
	if k, ok := ac.byElement[elementInstanceKey]; ok {
		return k, nil
	}
	w.syncStore()
	rs, err := store.LoadAll(context.Background(), w.e.store, func() *store.AgentInstance { return new(store.AgentInstance) },
		"element_instance_key = ? LIMIT 1", elementInstanceKey)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	ac.instances[rs[0].Key] = rs[0]
	return rs[0].Key, nil
}

func (w *writer) agentHistoryItem(ac *agentCache, agentKey int64, id string) (int64, error) {
	if k, ok := ac.items[agentKey][id]; ok {
		return k, nil
	}
	w.syncStore()
	rs, err := store.LoadAll(context.Background(), w.e.store, func() *store.AgentHistoryItem { return new(store.AgentHistoryItem) },
		"agent_instance_key = ? AND history_item_id = ? LIMIT 1", agentKey, id)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	return rs[0].Key, nil
}
