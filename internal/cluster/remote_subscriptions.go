package cluster

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/orcabpm/orca/internal/bpmn"
)

// Message start event subscriptions on clusters before Camunda 8.10.
//
// Camunda 8.10 lists the message start events of process definitions
// among the message subscriptions (messageSubscriptionType START_EVENT,
// with the tool properties of the "MCP start event" template), and
// /mcp/processes is built on that. A cluster before 8.10 answers only the
// subscriptions of waiting element instances. Against such a cluster the
// Remote reads the start event subscriptions from the latest process
// definitions' XML instead: one per definition (its first message start
// event), keyed by the process definition's key; earlier versions of a
// definition read as DELETED, as 8.10 marks a superseded start event.

// subscriptionSupport is what the cluster's message subscription search
// was found to do.
type subscriptionSupport int32

const (
	subsUnknown subscriptionSupport = iota
	subsNative                      // 8.10: start events listed with their type
	subsLegacy                      // before 8.10: read from the definitions
)

// legacyState holds what the legacy path learned and cached.
type legacyState struct {
	mu      sync.Mutex
	support subscriptionSupport
	xml     map[Key]*bpmn.Definitions // parsed definitions by key (immutable)
}

// SearchMessageSubscriptions searches message subscriptions.
func (r *Remote) SearchMessageSubscriptions(ctx context.Context, q *MessageSubscriptionSearchQuery) (*SearchResult[MessageSubscription], error) {
	r.legacy.mu.Lock()
	support := r.legacy.support
	r.legacy.mu.Unlock()
	if support != subsLegacy {
		var page struct {
			Items []json.RawMessage `json:"items"`
			Page  PageResponse      `json:"page"`
		}
		err := r.call(ctx, http.MethodPost, "/message-subscriptions/search", orEmpty(q), &page)
		switch {
		case err != nil && !(CodeOf(err) == CodeInvalidArgument && uses810(q)):
			return nil, err
		case err != nil:
			// 8.10's filters rejected: a cluster before 8.10.
			r.legacy.mu.Lock()
			if r.legacy.support != subsLegacy {
				r.log.Info("the cluster has no Camunda 8.10 message subscription filters: start events are read from the process definitions", "err", err)
			}
			r.legacy.support = subsLegacy
			r.legacy.mu.Unlock()
		case r.nativeAnswer(page.Items, q):
			return decodeSubscriptions(page.Items, page.Page)
		case !asksStartEvents(q) && !uses810(q):
			// A cluster before 8.10 answered a query it understood: its
			// answer serves, without asking again.
			res, err := decodeSubscriptions(page.Items, page.Page)
			if err != nil {
				return nil, err
			}
			return r.processEvents(ctx, q, res)
		}
	}
	return r.legacySubscriptions(ctx, q)
}

func decodeSubscriptions(items []json.RawMessage, page PageResponse) (*SearchResult[MessageSubscription], error) {
	out := &SearchResult[MessageSubscription]{Page: page, Items: make([]MessageSubscription, len(items))}
	for i, it := range items {
		if err := json.Unmarshal(it, &out.Items[i]); err != nil {
			return nil, fmt.Errorf("message subscriptions: the answer cannot be read: %w", err)
		}
	}
	return out, nil
}

// processEvents completes a cluster's answer before 8.10 to a query that
// is not for start events: its items are waiting instances'; a lookup by
// key that found none may be a start event's.
func (r *Remote) processEvents(ctx context.Context, q *MessageSubscriptionSearchQuery, res *SearchResult[MessageSubscription]) (*SearchResult[MessageSubscription], error) {
	if lookupKey(q) != nil && len(res.Items) == 0 && q.Filter.MessageSubscriptionType == nil {
		return r.legacyStartEvents(ctx, q)
	}
	for i := range res.Items {
		res.Items[i].MessageSubscriptionType = SubscriptionProcessEvent
		if res.Items[i].ToolProperties == nil {
			res.Items[i].ToolProperties = map[string]string{}
		}
	}
	return res, nil
}

// nativeAnswer tells whether the cluster answered as 8.10 does, and
// remembers it. An empty answer to a start event query or a lookup by key
// cannot tell: it is checked against the definitions (which then find
// nothing on an 8.10 cluster either).
func (r *Remote) nativeAnswer(items []json.RawMessage, q *MessageSubscriptionSearchQuery) bool {
	if len(items) == 0 {
		r.legacy.mu.Lock()
		native := r.legacy.support == subsNative
		r.legacy.mu.Unlock()
		return native || !asksStartEvents(q) && lookupKey(q) == nil
	}
	var probe struct {
		Type *string `json:"messageSubscriptionType"`
	}
	_ = json.Unmarshal(items[0], &probe)
	r.legacy.mu.Lock()
	defer r.legacy.mu.Unlock()
	if probe.Type == nil {
		if r.legacy.support != subsLegacy {
			r.log.Info("the cluster lists no message start events (before Camunda 8.10): they are read from the process definitions")
		}
		r.legacy.support = subsLegacy
		return false
	}
	r.legacy.support = subsNative
	return true
}

// uses810 reports whether a query filters on Camunda 8.10's properties.
func uses810(q *MessageSubscriptionSearchQuery) bool {
	if q == nil || q.Filter == nil {
		return false
	}
	f := q.Filter
	return f.MessageSubscriptionType != nil || f.ProcessDefinitionName != nil || f.ProcessDefinitionVersion != nil ||
		f.ToolName != nil || f.InboundConnectorType != nil
}

// lookupKey is the key a query looks a subscription up by, if it does.
func lookupKey(q *MessageSubscriptionSearchQuery) *Key {
	if q == nil || q.Filter == nil || q.Filter.MessageSubscriptionKey == nil {
		return nil
	}
	return q.Filter.MessageSubscriptionKey.Eq
}

// asksStartEvents reports whether a query may match start event
// subscriptions.
func asksStartEvents(q *MessageSubscriptionSearchQuery) bool {
	if q == nil || q.Filter == nil || q.Filter.MessageSubscriptionType == nil {
		return false // an 8.9 query: 8.9's answer
	}
	ok, _ := matchFilter(&q.Filter.MessageSubscriptionType.Filter, SubscriptionStartEvent, true)
	return ok
}

// legacySubscriptions answers a search on a cluster before 8.10: the
// waiting element instances' subscriptions from the cluster (without the
// 8.10 filters), or the start events read from the definitions.
func (r *Remote) legacySubscriptions(ctx context.Context, q *MessageSubscriptionSearchQuery) (*SearchResult[MessageSubscription], error) {
	if !asksStartEvents(q) {
		q2 := MessageSubscriptionSearchQuery{}
		if q != nil {
			q2 = *q
		}
		if q2.Filter != nil {
			f := *q2.Filter
			if f.ToolName != nil || f.ProcessDefinitionName != nil || f.ProcessDefinitionVersion != nil || f.InboundConnectorType != nil {
				return nil, Errorf(CodeInvalidArgument, "filtering message subscriptions by toolName, processDefinitionName, processDefinitionVersion or inboundConnectorType needs Camunda 8.10; this cluster is older")
			}
			f.MessageSubscriptionType = nil
			q2.Filter = &f
		}
		res, err := remotePost[SearchResult[MessageSubscription]](ctx, r, "/message-subscriptions/search", &q2)
		if err != nil {
			return nil, err
		}
		return r.processEvents(ctx, q, res)
	}
	return r.legacyStartEvents(ctx, q)
}

// legacyStartEvents answers a query for start event subscriptions from
// the definitions.
func (r *Remote) legacyStartEvents(ctx context.Context, q *MessageSubscriptionSearchQuery) (*SearchResult[MessageSubscription], error) {
	var subs []MessageSubscription
	var err error
	if k := q.Filter.MessageSubscriptionKey; k != nil && k.Eq != nil {
		subs, err = r.startEventOf(ctx, *k.Eq)
	} else {
		subs, err = r.latestStartEvents(ctx)
	}
	if err != nil {
		return nil, err
	}
	var out []MessageSubscription
	for _, s := range subs {
		ok, err := matchSubscription(q.Filter, &s)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b MessageSubscription) int { return int(a.MessageSubscriptionKey - b.MessageSubscriptionKey) })
	// Paging by key: limit, and after a cursor (the last key of a page).
	if q.Page != nil && q.Page.After != nil {
		after, err := strconv.ParseInt(*q.Page.After, 10, 64)
		if err != nil {
			return nil, Errorf(CodeInvalidArgument, "page.after: %q is not a cursor of this search", *q.Page.After)
		}
		out = slices.DeleteFunc(out, func(s MessageSubscription) bool { return int64(s.MessageSubscriptionKey) <= after })
	}
	total := int64(len(out))
	if q.Page != nil && q.Page.Limit != nil && int(*q.Page.Limit) < len(out) {
		out = out[:*q.Page.Limit]
	}
	res := &SearchResult[MessageSubscription]{Items: out, Page: PageResponse{TotalItems: total}}
	if len(out) > 0 {
		first, last := out[0].MessageSubscriptionKey.String(), out[len(out)-1].MessageSubscriptionKey.String()
		res.Page.StartCursor, res.Page.EndCursor = &first, &last
	}
	return res, nil
}

// latestStartEvents reads the start event of every latest definition.
func (r *Remote) latestStartEvents(ctx context.Context) ([]MessageSubscription, error) {
	latest, limit := true, int32(MaxPageLimit)
	q := &ProcessDefinitionSearchQuery{Filter: &ProcessDefinitionFilter{IsLatestVersion: &latest},
		Sort: []SortRequest{{Field: "processDefinitionKey"}}, Page: &PageRequest{Limit: &limit}}
	var out []MessageSubscription
	for {
		res, err := r.SearchProcessDefinitions(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("process definitions: %w", err)
		}
		for _, pd := range res.Items {
			sub, err := r.startEvent(ctx, pd, true)
			if err != nil {
				return nil, err
			}
			if sub != nil {
				out = append(out, *sub)
			}
		}
		if len(res.Items) < int(limit) || res.Page.EndCursor == nil {
			return out, nil
		}
		q.Page = &PageRequest{Limit: &limit, After: res.Page.EndCursor}
	}
}

// startEventOf reads the start event subscription a key stands for: the
// definition's, DELETED when a later version superseded it.
func (r *Remote) startEventOf(ctx context.Context, key Key) ([]MessageSubscription, error) {
	pd, err := r.GetProcessDefinition(ctx, key)
	if CodeOf(err) == CodeNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	latest, one := true, int32(1)
	res, err := r.SearchProcessDefinitions(ctx, &ProcessDefinitionSearchQuery{
		Filter: &ProcessDefinitionFilter{IsLatestVersion: &latest, ProcessDefinitionID: Eq[string, stringKind](pd.ProcessDefinitionID), TenantID: &pd.TenantID},
		Page:   &PageRequest{Limit: &one}})
	if err != nil {
		return nil, err
	}
	isLatest := len(res.Items) == 1 && res.Items[0].ProcessDefinitionKey == key
	sub, err := r.startEvent(ctx, *pd, isLatest)
	if err != nil || sub == nil {
		return nil, err
	}
	return []MessageSubscription{*sub}, nil
}

// startEvent is the subscription of a definition's first message start
// event (nil when it has none, or its message name is an expression).
func (r *Remote) startEvent(ctx context.Context, pd ProcessDefinition, latest bool) (*MessageSubscription, error) {
	defs, err := r.parsedDefinition(ctx, pd.ProcessDefinitionKey)
	if err != nil {
		return nil, err
	}
	for _, proc := range defs.Processes {
		if proc.ID != pd.ProcessDefinitionID {
			continue
		}
		for _, el := range proc.MessageStarts {
			if el.Message == nil || el.Message.Name.IsFEEL() {
				continue
			}
			state := "CREATED"
			if !latest {
				state = "DELETED"
			}
			version := pd.Version
			sub := &MessageSubscription{MessageSubscriptionKey: pd.ProcessDefinitionKey, ProcessDefinitionID: pd.ProcessDefinitionID,
				ProcessDefinitionKey: &pd.ProcessDefinitionKey, ElementID: el.ID, MessageSubscriptionState: state,
				MessageName: el.Message.Name.Raw, TenantID: pd.TenantID, MessageSubscriptionType: SubscriptionStartEvent,
				ProcessDefinitionName: pd.Name, ProcessDefinitionVersion: &version, ToolProperties: el.ToolProperties()}
			if sub.ToolProperties == nil {
				sub.ToolProperties = map[string]string{}
			}
			if v, ok := el.Property(bpmn.ToolNameProperty); ok {
				sub.ToolName = &v
			}
			if v, ok := el.Property(bpmn.InboundTypeProperty); ok {
				sub.InboundConnectorType = &v
			}
			return sub, nil
		}
	}
	return nil, nil
}

// parsedDefinition reads and parses a definition's XML once.
func (r *Remote) parsedDefinition(ctx context.Context, key Key) (*bpmn.Definitions, error) {
	r.legacy.mu.Lock()
	d := r.legacy.xml[key]
	r.legacy.mu.Unlock()
	if d != nil {
		return d, nil
	}
	xml, err := r.GetProcessDefinitionXML(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("process definition %s: %w", key, err)
	}
	d, err = bpmn.Parse("definition-"+key.String()+".bpmn", xml)
	if err != nil {
		// A model the cluster runs and Orca cannot read offers no tool.
		r.log.Debug("process definition not read for its start events", "key", key, "err", err)
		d = &bpmn.Definitions{}
	}
	r.legacy.mu.Lock()
	defer r.legacy.mu.Unlock()
	if r.legacy.xml == nil || len(r.legacy.xml) >= 10000 {
		r.legacy.xml = map[Key]*bpmn.Definitions{}
	}
	r.legacy.xml[key] = d
	return d, nil
}

// matchSubscription applies the filters a start event subscription can
// be judged by; others are an error naming them.
func matchSubscription(f *MessageSubscriptionFilter, s *MessageSubscription) (bool, error) {
	if f == nil {
		return true, nil
	}
	type check struct {
		name string
		ok   bool
		err  error
	}
	str := func(p *StringFilter, v *string) (bool, error) {
		if p == nil {
			return true, nil
		}
		if v == nil {
			return matchFilter(&p.Filter, "", false)
		}
		return matchFilter(&p.Filter, *v, true)
	}
	key := func(p *KeyFilter, v *Key) (bool, error) {
		if p == nil {
			return true, nil
		}
		if v == nil {
			return matchFilter(&p.Filter, 0, false)
		}
		return matchFilter(&p.Filter, *v, true)
	}
	name, state, typ, id, tenant, elementID := s.MessageName, s.MessageSubscriptionState, s.MessageSubscriptionType, s.ProcessDefinitionID, s.TenantID, s.ElementID
	var checks []check
	add := func(n string, ok bool, err error) { checks = append(checks, check{n, ok, err}) }
	ok, err := key(f.MessageSubscriptionKey, &s.MessageSubscriptionKey)
	add("messageSubscriptionKey", ok, err)
	ok, err = key(f.ProcessDefinitionKey, s.ProcessDefinitionKey)
	add("processDefinitionKey", ok, err)
	ok, err = key(f.ProcessInstanceKey, nil)
	add("processInstanceKey", ok, err)
	ok, err = key(f.ElementInstanceKey, nil)
	add("elementInstanceKey", ok, err)
	ok, err = str(f.ProcessDefinitionID, &id)
	add("processDefinitionId", ok, err)
	ok, err = str(f.ElementID, &elementID)
	add("elementId", ok, err)
	ok, err = str(f.MessageSubscriptionState, &state)
	add("messageSubscriptionState", ok, err)
	ok, err = str(f.MessageName, &name)
	add("messageName", ok, err)
	ok, err = str(f.CorrelationKey, nil)
	add("correlationKey", ok, err)
	ok, err = str(f.TenantID, &tenant)
	add("tenantId", ok, err)
	ok, err = str(f.MessageSubscriptionType, &typ)
	add("messageSubscriptionType", ok, err)
	ok, err = str(f.ProcessDefinitionName, s.ProcessDefinitionName)
	add("processDefinitionName", ok, err)
	ok, err = str(f.ToolName, s.ToolName)
	add("toolName", ok, err)
	ok, err = str(f.InboundConnectorType, s.InboundConnectorType)
	add("inboundConnectorType", ok, err)
	if p := f.ProcessDefinitionVersion; p != nil {
		var v int64
		if s.ProcessDefinitionVersion != nil {
			v = int64(*s.ProcessDefinitionVersion)
		}
		ok, err := matchFilter(&p.Filter, v, s.ProcessDefinitionVersion != nil)
		add("processDefinitionVersion", ok, err)
	}
	if f.LastUpdatedDate != nil {
		return false, Errorf(CodeInvalidArgument, "filtering start event subscriptions by lastUpdatedDate needs Camunda 8.10; this cluster is older")
	}
	match := true
	for _, c := range checks {
		if c.err != nil {
			return false, Errorf(CodeInvalidArgument, "filter %s on start event subscriptions of a cluster before Camunda 8.10: %v", c.name, c.err)
		}
		match = match && c.ok
	}
	return match, nil
}

// matchFilter applies the operators $eq, $neq, $exists, $in and $notIn to
// a value (present false: the property is null); others are an error.
func matchFilter[T comparable](f *Filter[T], v T, present bool) (bool, error) {
	if f.Gt != nil || f.Gte != nil || f.Lt != nil || f.Lte != nil || f.Like != nil {
		return false, fmt.Errorf("only $eq, $neq, $exists, $in and $notIn are supported here")
	}
	if f.Exists != nil && *f.Exists != present {
		return false, nil
	}
	if f.Eq != nil && (!present || v != *f.Eq) {
		return false, nil
	}
	if f.Neq != nil && present && v == *f.Neq {
		return false, nil
	}
	if f.In != nil && (!present || !slices.Contains(f.In, v)) {
		return false, nil
	}
	if f.NotIn != nil && present && slices.Contains(f.NotIn, v) {
		return false, nil
	}
	return true, nil
}
