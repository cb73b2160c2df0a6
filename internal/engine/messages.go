package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/store"
)

// openSubscription makes in wait for el's message (el is in's own element,
// a boundary event of it, or a catch event after it, an event-based
// gateway), and correlates a buffered message at once when one matches.
func (w *writer) openSubscription(in *inst, el *bpmn.Element, md *bpmn.MessageDefinition) bool {
	view := scopeView{st: w.st, scope: in}
	name, err := w.evalString(md.Name, view, false)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	key, err := w.correlationKey(md.CorrelationKey.Raw, md.CorrelationKey.FEEL, view)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	root := in.root()
	sub := &store.MessageSubscription{
		Key:                    w.st.newKey(),
		ProcessID:              in.def.rec.ProcessID,
		ProcessDefinitionKey:   in.def.rec.Key,
		ProcessInstanceKey:     root.key(),
		RootProcessInstanceKey: root.rec.RootProcessInstanceKey,
		ElementID:              el.ID,
		ElementInstanceKey:     in.key(),
		State:                  store.SubscriptionCreated,
		LastUpdatedDate:        w.now,
		MessageName:            name,
		CorrelationKey:         key,
		TenantID:               in.rec.TenantID,
		// Camunda 8.10 returns and sorts by them.
		ProcessDefinitionName:    in.def.rec.Name,
		ProcessDefinitionVersion: in.def.rec.Version,
	}
	w.st.addSub(sub)
	w.st.touch(sub)
	in.rt().Extra().SubscriptionKeys = append(in.rt().Extra().SubscriptionKeys, sub.Key)
	w.touch(in)
	// A buffered message is correlated after the element is activated.
	w.enqueue(stepCorrelate, sub.Key)
	return true
}

// correlationKey evaluates a correlation key as Zeebe does: a string or a
// number, nothing else.
func (w *writer) correlationKey(raw string, x *feel.Expression, view scopeView) (string, error) {
	if x == nil {
		return raw, nil
	}
	v, warns, err := w.eval(x, view)
	if err != nil {
		return "", err
	}
	switch t := v.(type) {
	case feel.String:
		return string(t), nil
	case *feel.Number:
		return t.String(), nil
	}
	return "", fmt.Errorf("Failed to extract the correlation key for '%s': The value must be either a string or a number, but was '%s'.%s", x.Source(), feel.TypeName(v), warningText(warns))
}

func (w *writer) correlateBuffered(sub *store.MessageSubscription) {
	if w.st.subs[sub.Key] != sub {
		return
	}
	var best *store.Message
	for _, m := range w.st.msgByName[subKey(sub.TenantID, sub.MessageName)] {
		if m.CorrelationKey != sub.CorrelationKey || m.ExpireTime.Before(w.now) || slices.Contains(m.CorrelatedProcesses, sub.ProcessID) {
			continue
		}
		if best == nil || m.Key < best.Key {
			best = m
		}
	}
	if best == nil {
		return
	}
	best.CorrelatedProcesses = append(best.CorrelatedProcesses, sub.ProcessID)
	w.st.touch(best)
	w.correlateSub(sub, best.Variables)
}

// correlateSub delivers a message to a waiting element instance.
func (w *writer) correlateSub(sub *store.MessageSubscription, variables string) {
	in := w.st.insts[sub.ElementInstanceKey]
	if in != nil && sub.ElementID != in.el.ID {
		w.correlateEvent(in, sub, objectVars(variables))
		return
	}
	sub.State = store.SubscriptionCorrelated
	sub.LastUpdatedDate = w.now
	w.st.removeSub(sub)
	w.st.touch(sub)
	if in == nil {
		return
	}
	// Other subscriptions of the element are withdrawn.
	for _, k := range in.rt().ReadExtra().SubscriptionKeys {
		if other := w.st.subs[k]; other != nil && other != sub {
			other.State = store.SubscriptionDeleted
			other.LastUpdatedDate = w.now
			w.st.removeSub(other)
			w.st.touch(other)
		}
	}
	if x := in.rt().ExtraIfSet(); x != nil {
		x.SubscriptionKeys = nil
	}
	w.completeWithVariables(in, objectVars(variables))
}

func objectVars(s string) map[string]json.RawMessage {
	if s == "" {
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		return nil
	}
	return m
}

// PublishMessageRequest is a message to publish.
type PublishMessageRequest struct {
	Name           string
	CorrelationKey string
	TimeToLive     time.Duration
	MessageID      string
	Variables      map[string]any
	TenantID       string
	// BusinessID is given to the instances message start events create
	// when the message is published (not to those a buffered one starts).
	BusinessID string
}

// MessageResult answers a publication or correlation.
type MessageResult struct {
	MessageKey         int64
	TenantID           string
	ProcessInstanceKey int64 // the first instance the message correlated to
}

// PublishMessage publishes a message: it is correlated to every waiting
// subscription (once per process instance) and message start event that
// matches, and, with a time to live, buffered for subscriptions to come.
func (e *Engine) PublishMessage(ctx context.Context, req PublishMessageRequest) (MessageResult, error) {
	return e.publish(ctx, req, false)
}

// CorrelateMessage correlates a message at once, without buffering it; it
// fails with NOT_FOUND when nothing is waiting for it.
func (e *Engine) CorrelateMessage(ctx context.Context, req PublishMessageRequest) (MessageResult, error) {
	req.TimeToLive = 0
	req.MessageID = ""
	return e.publish(ctx, req, true)
}

func (e *Engine) publish(ctx context.Context, req PublishMessageRequest, mustCorrelate bool) (MessageResult, error) {
	if req.Name == "" {
		return MessageResult{}, errorf(CodeInvalidArgument, "Expected a message name, but it is empty")
	}
	if req.TimeToLive < 0 {
		return MessageResult{}, errorf(CodeInvalidArgument, "Expected a time to live of zero or more, but it was %s", req.TimeToLive)
	}
	if req.TenantID == "" {
		req.TenantID = DefaultTenant
	}
	vars, err := encodeVariables(req.Variables)
	if err != nil {
		return MessageResult{}, err
	}
	payload, _ := json.Marshal(vars)
	return do(ctx, e, func(w *writer) (MessageResult, error) {
		if req.MessageID != "" {
			for _, m := range w.st.msgByName[subKey(req.TenantID, req.Name)] {
				if m.CorrelationKey == req.CorrelationKey && m.MessageID == req.MessageID {
					return MessageResult{}, errorf(CodeAlreadyExists, "Expected to publish a new message with id '%s', but a message with that id was already published", req.MessageID)
				}
			}
		}
		msg := &store.Message{
			Key:            w.st.newKey(),
			Name:           req.Name,
			CorrelationKey: req.CorrelationKey,
			MessageID:      req.MessageID,
			Variables:      string(payload),
			PublishTime:    w.now,
			ExpireTime:     w.now.Add(req.TimeToLive),
			State:          store.MessagePublished,
			TenantID:       req.TenantID,
		}
		res := MessageResult{MessageKey: msg.Key, TenantID: req.TenantID}
		first := func(pi int64) {
			if res.ProcessInstanceKey == 0 {
				res.ProcessInstanceKey = pi
			}
		}
		// Waiting element instances: at most one subscription per instance.
		var subs []*store.MessageSubscription
		for _, s := range w.st.subsByName[subKey(req.TenantID, req.Name)] {
			if s.ElementInstanceKey != 0 && s.CorrelationKey == req.CorrelationKey {
				subs = append(subs, s)
			}
		}
		slices.SortFunc(subs, func(a, b *store.MessageSubscription) int { return compareKeys(a.Key, b.Key) })
		seen := map[int64]bool{}
		for _, s := range subs {
			if seen[s.ProcessInstanceKey] || w.st.subs[s.Key] != s {
				continue
			}
			seen[s.ProcessInstanceKey] = true
			if !slices.Contains(msg.CorrelatedProcesses, s.ProcessID) {
				msg.CorrelatedProcesses = append(msg.CorrelatedProcesses, s.ProcessID)
			}
			first(s.ProcessInstanceKey)
			w.correlateSub(s, msg.Variables)
		}
		// Message start events of the latest versions.
		for _, s := range w.startSubscriptions(req.TenantID, req.Name) {
			def := w.st.defs[s.ProcessDefinitionKey]
			if slices.Contains(msg.CorrelatedProcesses, def.rec.ProcessID) {
				continue
			}
			if req.CorrelationKey != "" && w.st.msgStarted[msgStartKey(def, req.CorrelationKey)] != 0 {
				continue // one active instance per correlation key
			}
			start := def.proc.ElementByID(s.ElementID)
			in := w.createInstance(def, start, objectVars(msg.Variables), instanceOptions{businessID: req.BusinessID})
			if req.CorrelationKey != "" {
				w.st.msgStarted[msgStartKey(def, req.CorrelationKey)] = in.key()
				in.rt().Extra().MessageStart = msgStartKey(def, req.CorrelationKey)
				w.touch(in)
			}
			msg.CorrelatedProcesses = append(msg.CorrelatedProcesses, def.rec.ProcessID)
			first(in.key())
		}
		if mustCorrelate && res.ProcessInstanceKey == 0 {
			return MessageResult{}, errorf(CodeNotFound, "Expected to find subscription for message with name '%s' and correlation key '%s', but none was found.", req.Name, req.CorrelationKey)
		}
		if req.TimeToLive > 0 {
			w.st.addMessage(msg)
			w.st.touch(msg)
		}
		return res, nil
	})
}

func compareKeys(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func msgStartKey(def *definition, correlationKey string) string {
	return def.rec.TenantID + "\x00" + def.rec.ProcessID + "\x00" + correlationKey
}

// startSubscriptions returns the message start subscriptions for a name.
func (w *writer) startSubscriptions(tenant, name string) []*store.MessageSubscription {
	var out []*store.MessageSubscription
	for _, s := range w.st.subsByName[subKey(tenant, name)] {
		if s.ElementInstanceKey == 0 {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b *store.MessageSubscription) int { return compareKeys(a.Key, b.Key) })
	return out
}

// forgetMessageStart frees the correlation key of a message-started instance.
func (w *writer) forgetMessageStart(in *inst) {
	if k := in.rt().ReadExtra().MessageStart; k != "" && w.st.msgStarted[k] == in.key() {
		delete(w.st.msgStarted, k)
	}
}

// expireMessage drops a buffered message whose time to live ran out.
func (w *writer) expireMessage(key int64) {
	m := w.st.messages[key]
	if m == nil || m.ExpireTime.After(w.now) {
		return
	}
	m.State = store.MessageExpired
	w.st.removeMessage(m)
	w.st.touch(m)
}
