package mcpgw

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/cluster"
)

// The Processes MCP server (Camunda 8.10, /mcp/processes): every deployed
// process whose message start event carries the properties of Camunda's
// "MCP start event" element template (io.camunda.tool:name, :purpose,
// :inputs, :when_to_use, :when_not_to_use, :results) is a tool named
// {name}_{messageSubscriptionKey}; calling it correlates the start
// message and answers the key of the instance it started. Only open
// subscriptions are tools, so only the latest version of a process. The
// subscriptions are read with the REST API's message subscription search
// (cluster.API), so the tools are the same against a remote Camunda 8.10.

// ProcessesServerName is the name Camunda's Processes MCP server gives itself.
const ProcessesServerName = "Camunda 8 Orchestration API Processes MCP Server"

// processesInstructions are sent in initialize on /mcp/processes.
const processesInstructions = `This server exposes deployed BPMN processes as tools. Calling a process tool starts a new
instance of the process and returns its processInstanceKey at once; the process then runs on its
own. Arguments become process variables (through the start event's output mappings where it has
them), except businessId, which marks the instance.

Use getProcessInstance, searchVariables and searchIncidents with the processInstanceKey to follow
the instance: its state, its variables (the results, once it completes) and its incidents.

Process tools change when processes are deployed. If a call answers that the tool has been
removed, list the tools again.`

// staticProcessTools are Camunda's tools that /mcp/processes offers too.
var staticProcessTools = []string{"searchVariables", "getProcessInstance", "searchIncidents"}

// Property names of the MCP start event element template.
const (
	propPurpose      = bpmn.ToolPropertyPrefix + "purpose"
	propInputs       = bpmn.ToolPropertyPrefix + "inputs"
	propWhenToUse    = bpmn.ToolPropertyPrefix + "when_to_use"
	propWhenNotToUse = bpmn.ToolPropertyPrefix + "when_not_to_use"
	propResults      = bpmn.ToolPropertyPrefix + "results"
)

// descriptionParts are the sections of a process tool's description, in
// Camunda's order: the purpose unlabelled, then "## <label>\n<text>".
var descriptionParts = []struct{ property, label string }{
	{propPurpose, ""},
	{propInputs, "## Inputs"},
	{propWhenToUse, "## When to use"},
	{propWhenNotToUse, "## When not to use"},
	{propResults, "## Results"},
}

// businessIDArgument is the one argument that is not a variable.
const businessIDArgument = "businessId"

// processToolInput is the input schema of a process tool, as Camunda's.
func processToolInput() map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			businessIDArgument: map[string]any{
				"type": "string",
				"description": "Optional business id that enforces uniqueness of the started process instance. " +
					"While another instance of this process started with the same business id is active, starting " +
					"another one is rejected. All other arguments are passed as process variables.",
			},
		},
	}
}

// processToolOutput is the output schema of a process tool, as Camunda's.
func processToolOutput() map[string]any {
	return map[string]any{
		"type": "object",
		"properties": map[string]any{
			"processInstanceKey": map[string]any{
				"type": "integer", "format": "int64",
				"description": "The key of the started process instance. Use this to investigate the state of the started instance.",
			},
		},
		"required": []any{"processInstanceKey"},
	}
}

// processes serves /mcp/processes.
type processes struct {
	g      *Gateway
	server *mcp.Server
	static map[string]bool

	syncMu  sync.Mutex  // serialises syncs, from reading the subscriptions to registering the tools
	pending atomic.Bool // a sync after a deployment waits for syncMu

	mu    sync.Mutex        // guards tools, handlers and listVersion
	tools map[string]string // the process tools registered, name → fingerprint
	// handlers are the process tools' handlers and the static tools', for
	// the lean path (lean.go).
	handlers map[string]*leanTool
	// listVersion counts the changes of the tool list, for the lean
	// path's kept tools/list answers (leanlist.go).
	listVersion uint64

	impl     *mcp.Implementation // the server's name, title and version
	leanMeta []byte              // the _meta of the lean path's 2026-07-28 results

	inputsMu sync.Mutex            // guards inputs
	inputs   map[string]*toolInput // the input of each start event read, by definition key and element (inputs.go)
}

func (g *Gateway) newProcesses() (*processes, error) {
	p := &processes{g: g, static: map[string]bool{}, tools: map[string]string{}, inputs: map[string]*toolInput{},
		handlers: map[string]*leanTool{}}
	p.impl = &mcp.Implementation{Name: ProcessesServerName, Title: "Orca " + g.opts.Version, Version: cluster.Version}
	p.leanMeta = leanMetaOf(p.impl)
	p.server = mcp.NewServer(p.impl,
		&mcp.ServerOptions{
			Instructions: processesInstructions,
			Logger:       g.log,
			Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{ListChanged: true},
				Extensions: map[string]any{tasksExtension: map[string]any{}}},
		})
	defs, err := loadTools("camunda_tools.json")
	if err != nil {
		return nil, err
	}
	handlers := g.camundaTools()
	for _, name := range staticProcessTools {
		i := slices.IndexFunc(defs, func(t *mcp.Tool) bool { return t.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("camunda_tools.json: no tool %s", name)
		}
		p.static[name] = true
		h := checked(defs[i], handlers[name])
		p.server.AddTool(defs[i], sdkTool(h))
		p.handlers[name] = &leanTool{name: name, handler: h}
	}
	p.server.AddReceivingMiddleware(p.middleware)
	if g.audit != nil {
		p.server.AddReceivingMiddleware(g.audit.middleware)
	}
	if w, ok := g.api.(cluster.DeploymentWatcher); ok {
		w.OnDeployment(func() { go p.kick() })
	}
	return p, nil
}

// kick brings the process tools up to date after a deployment, so that
// sessions listening for notifications/tools/list_changed hear of it.
// Deployments in quick succession share a sync.
func (p *processes) kick() {
	if !p.pending.CompareAndSwap(false, true) {
		return // the waiting sync reads the subscriptions after this deployment
	}
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	p.pending.Store(false) // a deployment from now on needs another sync
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := p.syncLocked(ctx); err != nil {
		p.g.log.Warn("process tools not updated after a deployment", "err", err)
	}
}

// checked serves a tool whose arguments are checked against its input schema.
func checked(t *mcp.Tool, h toolHandler) mcp.ToolHandler {
	return checkedHandler(t, func(ctx context.Context, _ *mcp.CallToolRequest, args toolArgs) *mcp.CallToolResult {
		return h(ctx, args)
	})
}

// middleware brings the process tools up to date before they are listed,
// and before a call of a name that is not (or no longer) a tool, which it
// answers as Camunda does.
func (p *processes) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		switch method {
		case "tools/list":
			if err := p.sync(ctx); err != nil {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "Cannot list the process tools: " + err.Error()}
			}
		case "tools/call":
			ctr, ok := req.(*mcp.CallToolRequest)
			if !ok || p.static[ctr.Params.Name] || p.has(ctr.Params.Name) {
				break
			}
			if err := p.sync(ctx); err != nil {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "Error on finding tool", Data: jsonString(err.Error())}
			}
			if !p.has(ctr.Params.Name) {
				if name, version, ok := pinnedName(ctr.Params.Name); ok {
					return p.callPinned(ctx, ctr, name, version)
				}
				if err := p.ambiguous(ctx, ctr.Params.Name); err != nil {
					return nil, err
				}
				return nil, p.unknown(ctx, ctr.Params.Name)
			}
		}
		return next(ctx, method, req)
	}
}

// leanEndpoint is /mcp/processes for the lean path: it calls the static
// tools and the process tools registered; any other name (a stale or
// pinned tool, an unknown one) goes to go-sdk, whose middleware syncs the
// tools and explains.
func (p *processes) leanEndpoint() *leanEndpoint {
	return &leanEndpoint{impl: p.impl, meta: p.leanMeta, tool: func(name string) (*leanTool, bool) {
		p.mu.Lock()
		defer p.mu.Unlock()
		t, ok := p.handlers[name]
		return t, ok
	}, list: &listCache{
		// As the middleware does before go-sdk lists the tools.
		sync: func(ctx context.Context) (uint64, error) {
			if err := p.sync(ctx); err != nil {
				return 0, err
			}
			return p.version(), nil
		},
		current: p.version,
	}}
}

// version is the version of the tool list (listVersion).
func (p *processes) version() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listVersion
}

func (p *processes) has(name string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.tools[name]
	return ok
}

// unknownToolError is Camunda's answer to a call of a name that is not a
// tool: JSON-RPC -32602 with the reason as data.
func unknownToolError(reason string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "Unknown tool: invalid_tool_name", Data: jsonString(reason)}
}

func jsonString(s string) json.RawMessage {
	b, _ := json.Marshal(s)
	return b
}

// unknown explains why name is no tool: its subscription was deleted (the
// process was redeployed), or there is none.
func (p *processes) unknown(ctx context.Context, name string) error {
	if key, ok := subscriptionKeyOf(name); ok {
		sub, err := p.subscription(ctx, key)
		if err != nil {
			return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "Error on finding tool", Data: jsonString(err.Error())}
		}
		if sub != nil && sub.MessageSubscriptionState == "DELETED" {
			return unknownToolError("Tool " + name + " has been removed. Please refresh the tool list.")
		}
	}
	return unknownToolError("Tool not found: " + name)
}

// subscriptionKeyOf reads the key a tool name ends with (_<key>).
func subscriptionKeyOf(name string) (cluster.Key, bool) {
	i := strings.LastIndexByte(name, '_')
	if i < 0 {
		return 0, false
	}
	n, err := strconv.ParseInt(name[i+1:], 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return cluster.Key(n), true
}

// subscription finds a message subscription by key; nil when there is none.
func (p *processes) subscription(ctx context.Context, key cluster.Key) (*cluster.MessageSubscription, error) {
	res, err := p.g.api.SearchMessageSubscriptions(ctx, &cluster.MessageSubscriptionSearchQuery{
		Filter: &cluster.MessageSubscriptionFilter{MessageSubscriptionKey: keyEq(&key)}})
	if err != nil {
		return nil, err
	}
	if len(res.Items) == 0 {
		return nil, nil
	}
	return &res.Items[0], nil
}

// openTools are the open start event subscriptions that name a tool.
func (p *processes) openTools(ctx context.Context) ([]cluster.MessageSubscription, error) {
	start, deleted, yes := cluster.SubscriptionStartEvent, "DELETED", true
	limit := int32(cluster.MaxPageLimit)
	q := &cluster.MessageSubscriptionSearchQuery{
		Filter: &cluster.MessageSubscriptionFilter{
			MessageSubscriptionType:  &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: &start}},
			MessageSubscriptionState: &cluster.EnumFilter{Filter: cluster.Filter[string]{Neq: &deleted}},
			ToolName:                 &cluster.StringFilter{Filter: cluster.Filter[string]{Exists: &yes}},
		},
		Sort: []cluster.SortRequest{{Field: "messageSubscriptionKey"}},
		Page: &cluster.PageRequest{Limit: &limit},
	}
	var out []cluster.MessageSubscription
	for {
		res, err := p.g.api.SearchMessageSubscriptions(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("search message subscriptions: %w", err)
		}
		out = append(out, res.Items...)
		if len(res.Items) < int(limit) || res.Page.EndCursor == nil {
			return out, nil
		}
		q.Page = &cluster.PageRequest{Limit: &limit, After: res.Page.EndCursor}
	}
}

// sync registers the process tools the open subscriptions define and
// removes the others; the MCP server tells the sessions that listen for
// it (notifications/tools/list_changed) when that changes the list.
func (p *processes) sync(ctx context.Context) error {
	p.syncMu.Lock()
	defer p.syncMu.Unlock()
	return p.syncLocked(ctx)
}

func (p *processes) syncLocked(ctx context.Context) error {
	subs, err := p.openTools(ctx)
	if err != nil {
		return err
	}
	want := map[string]*processTool{}
	for _, s := range subs {
		if s.ToolName == nil || *s.ToolName == "" {
			continue
		}
		t := newProcessTool(s, p.inputOf(ctx, s))
		want[t.tool.Name] = t
	}
	p.addAliases(ctx, subs, want)
	p.mu.Lock()
	defer p.mu.Unlock()
	var gone []string
	for _, name := range slices.Sorted(maps.Keys(p.tools)) {
		if want[name] == nil {
			gone = append(gone, name)
			delete(p.tools, name)
			delete(p.handlers, name)
		}
	}
	if len(gone) > 0 {
		p.server.RemoveTools(gone...)
		p.listVersion++
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		t := want[name]
		if fp := t.fingerprint(); p.tools[name] != fp {
			p.listVersion++
			p.tools[name] = fp
			h := p.handler(t)
			if t.alias {
				h = p.aliasHandler(*t.sub.ToolName)
			}
			p.server.AddTool(t.tool, sdkTool(h))
			p.handlers[name] = &leanTool{name: name, handler: h}
		}
	}
	return nil
}

// processTool is a tool that starts a process: one open start event
// subscription with a tool name.
type processTool struct {
	sub   cluster.MessageSubscription
	tool  *mcp.Tool
	alias bool // the stable name of the tool (aliases.go)
}

func newProcessTool(s cluster.MessageSubscription, in *toolInput) *processTool {
	name := *s.ToolName
	return &processTool{sub: s, tool: &mcp.Tool{
		Name:         fmt.Sprintf("%s_%d", name, s.MessageSubscriptionKey),
		Title:        name,
		Description:  toolDescription(s.ToolProperties),
		InputSchema:  in.schema,
		OutputSchema: processToolOutput(),
	}}
}

// fingerprint changes when the tool's definition does.
func (t *processTool) fingerprint() string {
	b, _ := json.Marshal(t.tool)
	return string(b)
}

// toolDescription joins the tool properties in Camunda's layout.
func toolDescription(props map[string]string) string {
	var parts []string
	for _, d := range descriptionParts {
		v := props[d.property]
		if strings.TrimSpace(v) == "" {
			continue
		}
		if d.label != "" {
			v = d.label + "\n" + v
		}
		parts = append(parts, v)
	}
	return strings.Join(parts, "\n\n")
}

// handler starts the process of t, unless its subscription closed since
// the tool was listed: a stale name must not start the new version.
func (p *processes) handler(t *processTool) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		sub, err := p.subscription(ctx, t.sub.MessageSubscriptionKey)
		if err != nil {
			return errorResult(err), nil
		}
		if sub == nil || sub.MessageSubscriptionState == "DELETED" {
			if err := p.sync(ctx); err != nil {
				p.g.log.Warn("process tools not updated", "err", err)
			}
			return nil, p.unknown(ctx, req.Params.Name)
		}
		return p.start(ctx, *sub, req.Params.Arguments), nil
	}
}

// start starts the process of an open start event subscription: it
// correlates the start message with a fresh correlation key, so that
// every call starts an instance. The arguments are checked against the
// tool's input schema; every argument but businessId is a variable of the
// message (and, for fromAi inputs, toolCall holds them too, inputs.go).
func (p *processes) start(ctx context.Context, sub cluster.MessageSubscription, raw json.RawMessage) *mcp.CallToolResult {
	in := p.inputOf(ctx, sub)
	args, errs := checkArgs(in.checkSchema(), raw)
	if len(errs) > 0 {
		return invalidResult(errs)
	}
	businessID, _ := args[businessIDArgument].(string)
	delete(args, businessIDArgument)
	res, err := p.g.api.CorrelateMessage(ctx, &cluster.MessageCorrelationRequest{
		Name: sub.MessageName, CorrelationKey: newUUID(), Variables: in.variables(args), TenantID: sub.TenantID,
		BusinessID: strings.TrimSpace(businessID),
	})
	if err != nil {
		return errorResult(err)
	}
	return jsonResult(map[string]int64{"processInstanceKey": int64(res.ProcessInstanceKey)})
}

// newUUID is a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
