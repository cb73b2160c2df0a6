package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orcabpm/orca/internal/a2a"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/iso8601"
)

// A2APollingType is the inbound.type of Camunda's A2A Client Polling
// connector (templates
// io.camunda.connectors.agenticai.a2a.client.polling.intermediate.v0 and
// ...polling.receive.v0): an intermediate catch event or receive task that
// waits for the answer of a message the A2A client sent in polling mode.
// For each instance waiting there it evaluates data.clientResponse (the
// client's {result, pollingData} response, usually through the input
// internal_clientResponse) and correlates at once an agent card, a message
// or a task the activation condition accepts; any other task it reads again
// with tasks/get every data.taskPollingInterval (default PT10S) until the
// activation condition (by default: not submitted or working) accepts it.
// The correlation key expression, result variable and result expression
// see {result, pollingData}; the waiting instances are looked up every
// data.processPollingInterval (default PT5S).
const A2APollingType = "io.camunda.agenticai:a2aclient:polling:0"

// PollCluster is what the A2A polling events need of the cluster beyond
// Cluster.
type PollCluster interface {
	SearchElementInstances(ctx context.Context, q *cluster.ElementInstanceSearchQuery) (*cluster.SearchResult[cluster.ElementInstance], error)
	SearchMessageSubscriptions(ctx context.Context, q *cluster.MessageSubscriptionSearchQuery) (*cluster.SearchResult[cluster.MessageSubscription], error)
	SearchVariables(ctx context.Context, q *cluster.VariableSearchQuery, truncateValues bool) (*cluster.SearchResult[cluster.VariableSearchResult], error)
	CorrelateMessage(ctx context.Context, req *cluster.MessageCorrelationRequest) (*cluster.MessageCorrelationResult, error)
}

// pollCallTimeout bounds one poll of one instance (reading its variables,
// the agent card and the task).
const pollCallTimeout = 30 * time.Second

// maxPolls bounds the instances polled at once; a remote agent that hangs
// holds one of them until pollCallTimeout, not the others.
const maxPolls = 8

// PollA2A runs the A2A polling events of the deployed processes until ctx
// ends, reading the remote agents with client.
func (s *Server) PollA2A(ctx context.Context, client *a2a.Client) error {
	pc, ok := s.c.(PollCluster)
	if !ok {
		return errors.New("the cluster cannot search element instances and variables or correlate messages")
	}
	p := &poller{s: s, c: pc, client: client, waiting: map[cluster.Key]*waiting{}, sem: make(chan struct{}, maxPolls)}
	defer p.wg.Wait()
	for {
		wait := p.round(ctx)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.wake:
			t.Stop()
			p.primed = true // a deployment: it may have polling events
		case <-t.C:
		}
	}
}

type poller struct {
	s       *Server
	c       PollCluster
	client  *a2a.Client
	waiting map[cluster.Key]*waiting // by element instance key; round's own
	sem     chan struct{}
	wg      sync.WaitGroup
	// primed: an instance has waited for a message, or a deployment
	// happened, since the poller started: the deployed processes are read.
	primed bool
}

// waiting is an instance waiting at a polling event.
type waiting struct {
	next     time.Time   // round's own
	inFlight atomic.Bool // a poll of it runs
	card     *a2a.Card   // the poll's own
}

// round polls the instances due and tells how long to sleep.
func (p *poller) round(ctx context.Context) time.Duration {
	wait := 5 * time.Second
	if !p.primed {
		// An instance waiting at a polling event waits for a message.
		// Until one waits for any, or a deployment brings new processes,
		// there is nothing to poll: the processes deployed before the start
		// are not read (their XML parsed) for nothing. The look is one
		// indexed row every 5 s, as often as the rounds went before.
		waits, err := p.messageWaits(ctx)
		if err == nil && !waits {
			return wait
		}
		p.primed = true
	}
	eps, err := p.s.pollEndpoints(ctx)
	if err != nil {
		p.s.opts.Logger.Warn("reading the deployed A2A polling events failed", "error", err)
		return wait
	}
	seen := map[cluster.Key]bool{}
	for i, e := range eps {
		props, err := p.s.resolve(e)
		if err != nil {
			p.s.opts.Logger.Warn("an A2A polling event's properties cannot be resolved", "element", e.elementID, "error", err)
			continue
		}
		every := duration(props["data.processPollingInterval"], 5*time.Second)
		if i == 0 || every < wait {
			wait = every
		}
		taskEvery := duration(props["data.taskPollingInterval"], 10*time.Second)
		insts, err := p.instances(ctx, e)
		if err != nil {
			p.s.opts.Logger.Warn("looking up the instances waiting at an A2A polling event failed", "element", e.elementID, "error", err)
			for k := range p.waiting {
				seen[k] = true // keep their schedule
			}
			continue
		}
		for _, ei := range insts {
			seen[ei.ElementInstanceKey] = true
			w := p.waiting[ei.ElementInstanceKey]
			if w == nil {
				w = &waiting{}
				p.waiting[ei.ElementInstanceKey] = w
			}
			now := p.s.opts.Now()
			if now.Before(w.next) || w.inFlight.Load() {
				continue
			}
			select {
			case p.sem <- struct{}{}:
			default:
				continue // as many polls run as allowed; next round
			}
			w.next = now.Add(taskEvery)
			w.inFlight.Store(true)
			p.wg.Add(1)
			go func(e *endpoint, ei cluster.ElementInstance) {
				defer func() {
					w.inFlight.Store(false)
					<-p.sem
					p.wg.Done()
				}()
				if err := p.poll(ctx, e, props, ei, w); err != nil && ctx.Err() == nil {
					p.s.opts.Logger.Warn("polling the A2A task of a waiting instance failed", "element", e.elementID,
						"processInstanceKey", ei.ProcessInstanceKey, "error", err)
				}
			}(e, ei)
		}
	}
	for k := range p.waiting {
		if !seen[k] {
			delete(p.waiting, k)
		}
	}
	return wait
}

// instances lists the element instances active at e.
func (p *poller) instances(ctx context.Context, e *endpoint) ([]cluster.ElementInstance, error) {
	active, key, id := "ACTIVE", e.defKey, e.elementID
	q := &cluster.ElementInstanceSearchQuery{Filter: &cluster.ElementInstanceFilter{ProcessDefinitionKey: &key, ElementID: &id,
		State: &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: &active}}}}
	var out []cluster.ElementInstance
	for {
		page, err := p.c.SearchElementInstances(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if len(page.Items) == 0 || page.Page.EndCursor == nil {
			return out, nil
		}
		q.Page = &cluster.PageRequest{After: page.Page.EndCursor}
	}
}

// messageWaits tells whether an instance waits for a message (an open
// subscription of an intermediate catch event, a receive task or a
// boundary event): one row of an indexed search.
func (p *poller) messageWaits(ctx context.Context) (bool, error) {
	created, instance := "CREATED", "PROCESS_EVENT"
	one := int32(1)
	page, err := p.c.SearchMessageSubscriptions(ctx, &cluster.MessageSubscriptionSearchQuery{
		Filter: &cluster.MessageSubscriptionFilter{
			MessageSubscriptionState: &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: &created}},
			MessageSubscriptionType:  &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: &instance}},
		},
		Page: &cluster.PageRequest{Limit: &one}})
	if err != nil {
		return false, err
	}
	return len(page.Items) > 0, nil
}

// poll handles one waiting instance.
func (p *poller) poll(ctx context.Context, e *endpoint, props map[string]string, ei cluster.ElementInstance, w *waiting) error {
	ctx, cancel := context.WithTimeout(ctx, pollCallTimeout)
	defer cancel()
	vars, err := p.variables(ctx, ei)
	if err != nil {
		return fmt.Errorf("reading the instance's variables: %w", err)
	}
	resp, err := clientResponse(ctx, props["data.clientResponse"], vars)
	if err != nil {
		return err
	}
	result, _ := resp["result"].(map[string]any)
	if result["kind"] != "task" {
		return p.correlate(ctx, e, props, resp) // an agent card or a message needs no polling
	}
	if ok, err := activated(ctx, props, resp); err != nil || ok {
		if err != nil {
			return err
		}
		return p.correlate(ctx, e, props, resp)
	}
	if w.card == nil {
		url, err := instanceProp(ctx, props, "data.connection.url", vars)
		if err != nil {
			return err
		}
		location, err := instanceProp(ctx, props, "data.connection.agentCardLocation", vars)
		if err != nil {
			return err
		}
		card, err := p.client.FetchCard(ctx, url, location)
		if err != nil {
			return err
		}
		w.card = card
	}
	id, _ := result["id"].(string)
	hl, err := instanceProp(ctx, props, "data.historyLength", vars)
	if err != nil {
		return err
	}
	task, err := p.client.GetTask(ctx, w.card, id, historyLength(hl))
	if err != nil {
		return err
	}
	converted, err := a2a.ConvertTask(task)
	if err != nil {
		return err
	}
	return p.correlate(ctx, e, props, map[string]any{"result": converted, "pollingData": resp["pollingData"]})
}

// variables are the instance's variables as the event sees them: the
// process instance's, overridden by the event's own (its input mappings).
func (p *poller) variables(ctx context.Context, ei cluster.ElementInstance) (map[string]any, error) {
	out := map[string]any{}
	for _, scope := range []cluster.Key{ei.ProcessInstanceKey, ei.ElementInstanceKey} {
		k := scope
		q := &cluster.VariableSearchQuery{Filter: &cluster.VariableFilter{ScopeKey: &cluster.KeyFilter{Filter: cluster.Filter[cluster.Key]{Eq: &k}}}}
		for {
			page, err := p.c.SearchVariables(ctx, q, false)
			if err != nil {
				return nil, err
			}
			for _, v := range page.Items {
				dec := json.NewDecoder(strings.NewReader(v.Value))
				dec.UseNumber()
				var x any
				if err := dec.Decode(&x); err != nil {
					return nil, fmt.Errorf("variable %s is not JSON", v.Name)
				}
				out[v.Name] = x
			}
			if len(page.Items) == 0 || page.Page.EndCursor == nil {
				break
			}
			q.Page = &cluster.PageRequest{After: page.Page.EndCursor}
		}
	}
	return out, nil
}

// instanceProp is a property of the event, an expression (=...) evaluated
// over the waiting instance's variables as Camunda binds the polling
// connector's connection and history length per instance.
func instanceProp(ctx context.Context, props map[string]string, name string, vars map[string]any) (string, error) {
	v := strings.TrimSpace(props[name])
	if !strings.HasPrefix(v, "=") {
		return v, nil
	}
	if strings.TrimSpace(v[1:]) == "" {
		return "", nil
	}
	s, err := evalString(ctx, v, feel.MapVariables(vars))
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return s, nil
}

// clientResponse evaluates data.clientResponse: the A2A client's
// {result, pollingData} response (a context, or JSON text of one).
func clientResponse(ctx context.Context, expr string, vars map[string]any) (map[string]any, error) {
	if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(expr), "=")) == "" {
		return nil, errors.New("the event names no A2A client response (data.clientResponse)")
	}
	v, err := eval(ctx, expr, feel.MapVariables(vars))
	if err != nil {
		return nil, fmt.Errorf("the A2A client response (data.clientResponse): %w", err)
	}
	out, _ := feel.ToJSON(v).(map[string]any)
	if s, ok := feel.ToJSON(v).(string); ok {
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		_ = dec.Decode(&out)
	}
	result, _ := out["result"].(map[string]any)
	if result == nil {
		return nil, fmt.Errorf("the A2A client response (data.clientResponse) is not an A2A client connector's response: it has no result")
	}
	if pd, _ := out["pollingData"].(map[string]any); pd["id"] == nil {
		return nil, fmt.Errorf("the A2A client response (data.clientResponse) has no pollingData.id: was the message sent in polling mode?")
	}
	if result["kind"] == "task" {
		if id, _ := result["id"].(string); id == "" {
			return nil, errors.New("the A2A client response's task has no id")
		}
	}
	return out, nil
}

// activated tells whether the activation condition accepts resp.
func activated(ctx context.Context, props map[string]string, resp map[string]any) (bool, error) {
	cond := props["activationCondition"]
	if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(cond), "=")) == "" {
		return true, nil
	}
	v, err := eval(ctx, cond, feel.MapVariables(resp))
	if err != nil {
		return false, fmt.Errorf("the activation condition: %w", err)
	}
	b, ok := v.(feel.Boolean)
	return ok && bool(b), nil
}

// correlate correlates resp to the instance waiting for it when the
// activation condition accepts it.
func (p *poller) correlate(ctx context.Context, e *endpoint, props map[string]string, resp map[string]any) error {
	if ok, err := activated(ctx, props, resp); err != nil || !ok {
		return err
	}
	scope := feel.MapVariables(resp)
	key, err := evalString(ctx, props["correlationKeyExpression"], scope)
	if err != nil {
		return fmt.Errorf("the correlation key expression: %w", err)
	}
	var vars map[string]any
	if x := props["resultExpression"]; strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(x), "=")) != "" {
		v, err := eval(ctx, x, scope)
		if err != nil {
			return fmt.Errorf("the result expression: %w", err)
		}
		vars, _ = feel.ToJSON(v).(map[string]any)
	}
	if rv := props["resultVariable"]; rv != "" {
		if vars == nil {
			vars = map[string]any{}
		}
		vars[rv] = resp
	}
	_, err = p.c.CorrelateMessage(ctx, &cluster.MessageCorrelationRequest{Name: e.messageName, CorrelationKey: key, Variables: vars, TenantID: e.tenantID})
	var ce *cluster.Error
	if errors.As(err, &ce) && ce.Code == cluster.CodeNotFound {
		return nil // the instance moved on meanwhile
	}
	return err
}

func duration(s string, def time.Duration) time.Duration {
	s = strings.TrimSpace(s)
	if s == "" {
		return def
	}
	d, err := iso8601.ParseDuration(s)
	if err != nil {
		return def
	}
	now := time.Now()
	if v := d.AddTo(now).Sub(now); v >= 100*time.Millisecond {
		return v
	}
	return 100 * time.Millisecond
}

func historyLength(s string) int {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "="))
	if s == "" {
		return 3
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 3
	}
	return n
}
