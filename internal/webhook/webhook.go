// Package webhook serves Camunda's inbound webhook connector
// (io.camunda:webhook:1) under /inbound/{context}, as c8run does: a start
// event with the connector starts a process instance per request; an
// intermediate catch event, boundary event or receive task with it is a
// message the request publishes, correlated by the correlation key its
// correlationKeyExpression reads from the request. The properties are the
// element template's (inbound.context, inbound.method, inbound.auth.*,
// inbound.shouldValidateHmac and inbound.hmac*, activationCondition,
// consumeUnmatchedEvents, correlationKeyExpression, messageIdExpression,
// messageTtl, resultVariable, resultExpression, inbound.responseExpression).
package webhook

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/worker"
)

// Type is the inbound.type of the webhook connector.
const Type = "io.camunda:webhook:1"

// A2AType is the inbound.type of Camunda's A2A Client Webhook connector
// (templates io.camunda.connectors.agenticai.a2a.client.webhook.intermediate.v0
// and ...webhook.receive.v0): the webhook a remote A2A agent pushes its task
// updates to when the A2A client sent the message in notification mode. It
// is a webhook whose body must be an A2A Task, handed on in Camunda's shape
// (see a2a.ConvertTask); the correlation key joins the task id and the
// X-A2A-Notification-Token the push carries.
const A2AType = "io.camunda.agenticai:a2aclient:webhook:0"

// DefaultMessageTTL is how long a published message waits for its catch
// event when the element sets no messageTtl: Camunda's connector runtime
// default (camunda.connector.inbound.message.ttl), so a request that
// arrives before the process reaches the event still correlates.
const DefaultMessageTTL = time.Hour

// PathPrefix is where webhooks are served.
const PathPrefix = "/inbound/"

// Cluster is what the webhooks need of the cluster.
type Cluster interface {
	SearchProcessDefinitions(ctx context.Context, q *cluster.ProcessDefinitionSearchQuery) (*cluster.SearchResult[cluster.ProcessDefinition], error)
	GetProcessDefinitionXML(ctx context.Context, key cluster.Key) ([]byte, error)
	CreateProcessInstance(ctx context.Context, req *cluster.ProcessInstanceCreationInstruction) (*cluster.CreateProcessInstanceResult, error)
	PublishMessage(ctx context.Context, req *cluster.MessagePublicationRequest) (*cluster.MessagePublicationResult, error)
}

// Options tune the webhooks.
type Options struct {
	// Secrets resolve {{secrets.NAME}} in the connectors' properties.
	Secrets worker.Secrets
	// MaxBodyBytes bounds a request's body (default 1 MiB).
	MaxBodyBytes int64
	// MaxConcurrent bounds the requests handled at once; more are answered
	// 429 at once (default 64).
	MaxConcurrent int
	// HTTPClient fetches JWKS for JWT authorization (default: a client with
	// a 10 s timeout).
	HTTPClient *http.Client
	// Refresh is how long the list of webhooks is trusted when the cluster
	// does not tell of deployments (default 5 s).
	Refresh time.Duration
	Logger  *slog.Logger
	Now     func() time.Time
	// MessageTTL is the time to live of a published message whose element
	// sets no messageTtl (default DefaultMessageTTL).
	MessageTTL time.Duration
}

// Server serves the webhooks of the deployed processes.
type Server struct {
	c    Cluster
	opts Options
	sem  chan struct{}
	jwks *jwksCache
	wake chan struct{} // a deployment: the A2A poller looks again

	mu      sync.Mutex
	parsed  map[cluster.Key][]*endpoint // by process definition key (immutable)
	index   map[string][]*endpoint      // by context: the elements sharing the webhook
	polled  []*endpoint                 // the A2A polling catch events
	built   time.Time
	stale   bool
	watched bool
}

// New serves the webhooks of c's deployed processes. When c tells of
// deployments (cluster.DeploymentWatcher), the list is read again after
// each; otherwise at most every Options.Refresh.
func New(c Cluster, opts Options) *Server {
	if opts.Secrets == nil {
		opts.Secrets = worker.EnvSecrets{}
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.MaxConcurrent <= 0 {
		opts.MaxConcurrent = 64
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Refresh <= 0 {
		opts.Refresh = 5 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.MessageTTL <= 0 {
		opts.MessageTTL = DefaultMessageTTL
	}
	s := &Server{c: c, opts: opts, sem: make(chan struct{}, opts.MaxConcurrent), parsed: map[cluster.Key][]*endpoint{},
		jwks: newJWKSCache(opts.HTTPClient), stale: true, wake: make(chan struct{}, 1)}
	if w, ok := c.(cluster.DeploymentWatcher); ok {
		s.watched = true
		w.OnDeployment(s.Invalidate)
	}
	return s
}

// Invalidate makes the next request read the deployed webhooks again.
func (s *Server) Invalidate() {
	s.mu.Lock()
	s.stale = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// kind is how a webhook element reacts to a request.
type kind int

const (
	kindStart        kind = iota // a none start event: a new process instance
	kindMessageStart             // a message start event: a published message
	kindMessage                  // a catch event, boundary event or receive task: a published message
)

// endpoint is one element with the webhook connector.
type endpoint struct {
	context     string
	kind        kind
	defKey      cluster.Key
	processID   string
	version     int32
	tenantID    string
	elementID   string
	messageName string
	a2a         bool // the A2A client webhook (A2AType)
	polling     bool // the A2A client polling event (A2APollingType)
	props       map[string]string
}

// lookup finds the webhook elements of a context, reading the deployed
// processes again when they may have changed.
func (s *Server) lookup(ctx context.Context, context string) ([]*endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	if g := s.index[context]; g != nil || s.opts.Now().Sub(s.built) < missRebuild {
		return g, nil
	}
	// An unknown id may be one deployed an instant ago (the cluster tells
	// of deployments in a goroutine of its own): look once more, at most
	// every missRebuild, so a flood of unknown ids costs little.
	if err := s.rebuild(ctx); err != nil {
		return nil, err
	}
	return s.index[context], nil
}

// missRebuild is how often a request for an unknown webhook id reads the
// deployed processes again.
const missRebuild = 200 * time.Millisecond

// pollEndpoints lists the A2A polling events, reading the deployed
// processes again when they may have changed.
func (s *Server) pollEndpoints(ctx context.Context) ([]*endpoint, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fresh(ctx); err != nil {
		return nil, err
	}
	return s.polled, nil
}

// fresh rebuilds the index when it may be stale; s.mu is held.
func (s *Server) fresh(ctx context.Context) error {
	if s.stale || (!s.watched && s.opts.Now().Sub(s.built) > s.opts.Refresh) {
		return s.rebuild(ctx)
	}
	return nil
}

// rebuild reads every deployed process definition (the XML of new ones
// only) and indexes the webhooks: start events of the latest version of
// each process, message events of every version (older instances may wait
// on them). Elements of one process that claim a context with the same
// settings share it, as Camunda's runtime deduplicates them into one
// executable (see dedupKey); among groups that claim one context, the
// newest deployment's wins.
func (s *Server) rebuild(ctx context.Context) error {
	var defs []cluster.ProcessDefinition
	q := &cluster.ProcessDefinitionSearchQuery{Sort: []cluster.SortRequest{{Field: "processDefinitionKey"}}}
	for {
		page, err := s.c.SearchProcessDefinitions(ctx, q)
		if err != nil {
			return fmt.Errorf("list process definitions: %w", err)
		}
		defs = append(defs, page.Items...)
		if len(page.Items) == 0 || page.Page.EndCursor == nil {
			break
		}
		q.Page = &cluster.PageRequest{After: page.Page.EndCursor}
	}
	latest := map[string]int32{}
	for _, d := range defs {
		if k := d.TenantID + "\x00" + d.ProcessDefinitionID; d.Version > latest[k] {
			latest[k] = d.Version
		}
	}
	groups := map[string]map[string][]*endpoint{} // by context, then dedupKey
	var polled []*endpoint
	for _, d := range defs {
		eps, ok := s.parsed[d.ProcessDefinitionKey]
		if !ok {
			xml, err := s.c.GetProcessDefinitionXML(ctx, d.ProcessDefinitionKey)
			if err != nil {
				return fmt.Errorf("read process definition %d: %w", d.ProcessDefinitionKey, err)
			}
			eps = endpointsOf(d, xml, s.opts.Logger)
			s.parsed[d.ProcessDefinitionKey] = eps
		}
		isLatest := latest[d.TenantID+"\x00"+d.ProcessDefinitionID] == d.Version
		for _, e := range eps {
			if e.polling {
				polled = append(polled, e)
				continue
			}
			if e.kind != kindMessage && !isLatest {
				continue
			}
			if groups[e.context] == nil {
				groups[e.context] = map[string][]*endpoint{}
			}
			k := dedupKey(e)
			groups[e.context][k] = append(groups[e.context][k], e)
		}
	}
	index := map[string][]*endpoint{}
	for c, byKey := range groups {
		var who []string
		for _, g := range byKey {
			sort.Slice(g, func(i, j int) bool {
				if g[i].defKey != g[j].defKey {
					return g[i].defKey > g[j].defKey
				}
				return g[i].elementID < g[j].elementID
			})
			if best := index[c]; best == nil || best[0].defKey < g[0].defKey {
				index[c] = g
			}
			who = append(who, g[0].processID+"/"+g[0].elementID)
		}
		if len(byKey) > 1 {
			sort.Strings(who)
			s.opts.Logger.Warn("several webhook elements use one webhook id with different settings; the newest deployment's answers", "context", c, "elements", uniq(who))
		}
	}
	s.index, s.polled, s.built, s.stale = index, polled, s.opts.Now(), false
	return nil
}

// dedupKey groups the webhook elements that share one webhook as Camunda's
// runtime deduplicates inbound connectors (InboundConnectorElement's
// deduplicationId): within one tenant and process, with deduplicationMode
// MANUAL those of the same deduplicationId, with AUTO those whose webhook
// settings (the inbound.* properties but the response expressions) are
// equal; without deduplicationMode (older templates) each element alone.
func dedupKey(e *endpoint) string {
	base := e.tenantID + "\x00" + e.processID + "\x00" + e.props["inbound.type"]
	switch e.props["deduplicationMode"] {
	case "MANUAL":
		return base + "\x00manual\x00" + e.props["deduplicationId"]
	case "AUTO":
		var names []string
		for k := range e.props {
			if strings.HasPrefix(k, "inbound.") && k != "inbound.type" && k != "inbound.responseExpression" && k != "inbound.responseBodyExpression" {
				names = append(names, k)
			}
		}
		sort.Strings(names)
		var b strings.Builder
		b.WriteString(base + "\x00auto")
		for _, k := range names {
			b.WriteString("\x00" + k + "=" + e.props[k])
		}
		return b.String()
	}
	return fmt.Sprintf("%s\x00element\x00%d\x00%s", base, e.defKey, e.elementID)
}

func uniq(xs []string) []string {
	var out []string
	for i, x := range xs {
		if i == 0 || xs[i-1] != x {
			out = append(out, x)
		}
	}
	return out
}

// endpointsOf lists the webhook elements of a deployed BPMN file.
func endpointsOf(d cluster.ProcessDefinition, xml []byte, log *slog.Logger) []*endpoint {
	defs, err := bpmn.Parse(d.ResourceName, xml)
	if err != nil {
		log.Warn("a deployed process cannot be read for webhooks", "processDefinitionKey", d.ProcessDefinitionKey, "error", err)
		return nil
	}
	var out []*endpoint
	for _, p := range defs.Processes {
		if p.ID != d.ProcessDefinitionID {
			continue
		}
		ids := make([]string, 0, len(p.Elements()))
		for id := range p.Elements() {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			el := p.Elements()[id]
			t, _ := el.Property(bpmn.InboundTypeProperty)
			if t != Type && t != A2AType && t != A2APollingType {
				continue
			}
			e := &endpoint{defKey: d.ProcessDefinitionKey, processID: d.ProcessDefinitionID, version: d.Version,
				tenantID: d.TenantID, elementID: el.ID, a2a: t == A2AType, polling: t == A2APollingType, props: map[string]string{}}
			for _, pr := range el.Properties {
				e.props[pr.Name] = pr.Value
			}
			e.context = e.props["inbound.context"]
			if e.context == "" && !e.polling {
				continue
			}
			switch {
			case (e.a2a || e.polling) && (el.Message == nil || el.Type == bpmn.TypeStartEvent):
				continue // the A2A webhook answers a task the process is waiting for
			case el.Type == bpmn.TypeStartEvent && el.Parent == p.Element && el.Message == nil:
				e.kind = kindStart
			case el.Type == bpmn.TypeStartEvent && el.Parent == p.Element:
				e.kind, e.messageName = kindMessageStart, el.Message.Name.Raw
			case el.Message != nil && (el.Type == bpmn.TypeIntermediateCatchEvent || el.Type == bpmn.TypeBoundaryEvent ||
				el.Type == bpmn.TypeReceiveTask || el.Type == bpmn.TypeStartEvent):
				e.kind, e.messageName = kindMessage, el.Message.Name.Raw
			default:
				continue
			}
			out = append(out, e)
		}
	}
	return out
}

// ServeHTTP answers a webhook request: 404 for an unknown webhook id, 405
// for a method it does not take, 413 for a body over the limit, 401 or
// 403 when authentication fails, 422 when the activation condition does
// not hold (200 with consumeUnmatchedEvents), 429 when too many requests
// are being handled, else 200 (or what the response expression says)
// once the instance was created or the message published.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	select {
	case s.sem <- struct{}{}:
		defer func() { <-s.sem }()
	default:
		w.Header().Set("Retry-After", "1")
		problem(w, r, http.StatusTooManyRequests, "Too many webhook requests are being handled; try again later.")
		return
	}
	context := strings.TrimPrefix(r.URL.Path, PathPrefix)
	if context == "" || strings.Contains(context, "/") {
		problem(w, r, http.StatusNotFound, "No webhook is registered at %s.", r.URL.Path)
		return
	}
	group, err := s.lookup(r.Context(), context)
	if err != nil {
		s.opts.Logger.Error("reading the deployed webhooks failed", "error", err)
		problem(w, r, http.StatusServiceUnavailable, "The deployed webhooks cannot be read now; try again later.")
		return
	}
	if len(group) == 0 {
		problem(w, r, http.StatusNotFound, "No webhook is registered with the id '%s'.", context)
		return
	}
	s.handle(w, r, group)
}

func problem(w http.ResponseWriter, r *http.Request, status int, format string, args ...any) {
	writeProblem(w, r, status, fmt.Sprintf(format, args...))
}

// errStatus maps a cluster error to an HTTP status.
func errStatus(err error) int {
	var ce *cluster.Error
	if errors.As(err, &ce) {
		switch ce.Code {
		case cluster.CodeNotFound:
			return http.StatusNotFound
		case cluster.CodeInvalidArgument:
			return http.StatusBadRequest
		case cluster.CodeUnavailable:
			return http.StatusServiceUnavailable
		}
	}
	return http.StatusInternalServerError
}
