package mcpgw

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// ServerName is the name Camunda's gateway gives itself in initialize;
// Orca keeps it, so that clients that recognise it keep working.
const ServerName = "Camunda 8 Orchestration API MCP Server"

// Options configure a Gateway.
type Options struct {
	// Version is Orca's version, shown in serverInfo.title. serverInfo.version
	// is the Camunda version whose API Orca serves (cluster.Version), as
	// Camunda's gateway reports its own version.
	Version string
	// ConformanceFixtures registers the tools, resources and prompts the MCP
	// conformance suite calls (test_*, test://...) next to the real ones.
	ConformanceFixtures bool
	// OAuth, when set, makes the gateway an OAuth 2.0 protected resource:
	// it serves RFC 9728 metadata and points 401 answers at it.
	OAuth *OAuthResource
	// Processes serves Camunda 8.10's Processes MCP server at
	// /mcp/processes: deployed processes as tools.
	Processes bool
	// MaxBodyBytes caps request bodies (default 4 MiB).
	MaxBodyBytes int64
	// TaskSecret keys the binding of task ids to the principal that created
	// them (TaskSecret reads it from a data directory); empty: a random
	// one, so that authenticated users' task ids do not survive a restart.
	TaskSecret []byte
	Logger     *slog.Logger
	// DisableLeanPath sends every request through go-sdk's handler, as
	// before the lean path (lean.go) existed: tests compare the two.
	DisableLeanPath bool
}

// OAuthResource describes the gateway as an OAuth 2.0 protected resource.
type OAuthResource struct {
	// AuthorizationServers are the issuers whose tokens are accepted.
	AuthorizationServers []string
	// Scopes the gateway knows of (scopes_supported); may be empty.
	Scopes []string
	// PublicURL is the gateway's base URL as clients reach it
	// (https://orca.example.com); empty: taken from each request.
	PublicURL string
}

// Gateway serves a cluster over MCP.
type Gateway struct {
	api    cluster.API
	opts   Options
	log    *slog.Logger
	server *mcp.Server
	impl   *mcp.Implementation // the server's name, title and version
	// leanMeta is the _meta the lean path's 2026-07-28 results carry.
	leanMeta []byte
	// middleware are the batches of AddReceivingMiddleware, in order.
	middleware [][]mcp.Middleware
	// leanHandle answers the lean path's calls: leanChain, rebuilt by
	// AddReceivingMiddleware.
	leanHandle mcp.MethodHandler
	// streaming names the tools whose calls send notifications while they
	// run; those calls are answered with an SSE stream instead of JSON.
	streaming map[string]bool
	tools     map[string]bool // the names of all tools
	// leanTools are the tools the lean path calls (lean.go): those
	// addTools registers, with the handler go-sdk's server calls.
	leanTools map[string]*leanTool
	leanCalls atomic.Int64  // calls the lean path answered
	procs     *processes    // /mcp/processes; nil when off
	audit     *auditor      // records tool calls; nil when the cluster keeps no Orca audit log
	fx        *fixtureTasks // the conformance suite's task fixtures; nil without ConformanceFixtures
	// taskSecret keys the binding of task ids to their principal.
	taskSecret []byte
}

// toolHandler serves one tool with checked arguments.
type toolHandler func(ctx context.Context, args toolArgs) *mcp.CallToolResult

// typed decodes checked arguments into A for fn.
func typed[A any](fn func(context.Context, *A) *mcp.CallToolResult) toolHandler {
	plain := !holdsInterface(reflect.TypeFor[A](), map[reflect.Type]bool{})
	fast := newFastArgs(reflect.TypeFor[A]())
	return func(ctx context.Context, args toolArgs) *mcp.CallToolResult {
		var a A
		if err := args.decode(&a, plain, fast); err != nil {
			return invalidResult([]string{"arguments: " + err.Error()})
		}
		return fn(ctx, &a)
	}
}

// New makes a gateway for api.
func New(api cluster.API, opts Options) (*Gateway, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 4 << 20
	}
	g := &Gateway{api: api, opts: opts, log: slog.New(quiet{opts.Logger.Handler()}), streaming: map[string]bool{}, tools: map[string]bool{},
		leanTools:  map[string]*leanTool{},
		taskSecret: opts.TaskSecret}
	if len(g.taskSecret) == 0 {
		g.taskSecret = make([]byte, taskSecretSize)
		rand.Read(g.taskSecret)
	}
	caps := &mcp.ServerCapabilities{
		Tools:     &mcp.ToolCapabilities{},
		Resources: &mcp.ResourceCapabilities{},
		Prompts:   &mcp.PromptCapabilities{},
	}
	caps.AddExtension(tasksExtension, nil)
	sopts := &mcp.ServerOptions{
		Instructions: instructions,
		Logger:       g.log,
		Capabilities: caps,
	}
	if opts.ConformanceFixtures {
		fixtureOptions(sopts)
	}
	g.impl = &mcp.Implementation{Name: ServerName, Title: "Orca " + opts.Version, Version: cluster.Version}
	g.server = mcp.NewServer(g.impl, sopts)
	g.leanMeta = leanMetaOf(g.impl)
	g.leanHandle = g.leanChain()
	err := g.addTools("camunda_tools.json", g.camundaTools())
	if err != nil {
		return nil, err
	}
	if err := g.addTools("orca_tools.json", g.orcaTools()); err != nil {
		return nil, err
	}
	if err := g.addTools("decision_tools.json", g.decisionTools()); err != nil {
		return nil, err
	}
	g.addResources()
	g.addPrompts()
	if opts.ConformanceFixtures {
		g.addFixtures()
		g.addTaskFixtures()
	}
	g.server.AddReceivingMiddleware(g.unknownTool, g.listDefinitionResources)
	g.audit = g.newAuditor()
	if g.audit != nil {
		g.server.AddReceivingMiddleware(g.audit.middleware) // outermost: it sees every answer
	}
	if opts.Processes {
		if g.procs, err = g.newProcesses(); err != nil {
			return nil, err
		}
	}
	return g, nil
}

// Server is the MCP server, for transports of the caller's choosing.
// Middleware that must see every tool call goes through
// AddReceivingMiddleware instead: the lean path bypasses the server's.
func (g *Gateway) Server() *mcp.Server { return g.server }

// AddReceivingMiddleware adds middleware to the gateway's MCP servers (of
// /mcp and /mcp/cluster, and of /mcp/processes), as
// mcp.Server.AddReceivingMiddleware does, and the lean path runs it around
// each tools/call it answers, so that middleware observing calls (the
// metrics) sees them all whichever path answers them. A tools/list the
// lean path answers from its kept answer passes no middleware. Middleware
// must not keep a call's request or result once it has returned: the lean
// path reuses their buffers once it has answered. Call it before the
// gateway serves.
func (g *Gateway) AddReceivingMiddleware(mw ...mcp.Middleware) {
	g.server.AddReceivingMiddleware(mw...)
	if g.procs != nil {
		g.procs.server.AddReceivingMiddleware(mw...)
	}
	g.middleware = append(g.middleware, mw)
	g.leanHandle = g.leanChain()
}

func (g *Gateway) addTools(file string, handlers map[string]toolHandler) error {
	tools, err := loadTools(file)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, t := range tools {
		h, ok := handlers[t.Name]
		if !ok {
			return fmt.Errorf("%s: no handler for tool %s", file, t.Name)
		}
		seen[t.Name] = true
		handler := checkedHandler(t, func(ctx context.Context, req *mcp.CallToolRequest, args toolArgs) *mcp.CallToolResult {
			if ctx.Value(callKey{}) != req { // the lean path put it there
				ctx = context.WithValue(ctx, callKey{}, req)
			}
			return h(ctx, args)
		})
		g.addTool(t, handler)
		g.leanTools[t.Name] = &leanTool{name: t.Name, handler: handler}
	}
	for _, name := range slices.Sorted(maps.Keys(handlers)) {
		if !seen[name] {
			return fmt.Errorf("%s: handler %s has no tool definition", file, name)
		}
	}
	return nil
}

// unknownTool answers a call of an unknown tool as Camunda's gateway does:
// JSON-RPC error -32602, "Unknown tool: <name>".
func (g *Gateway) unknownTool(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		if ctr, ok := req.(*mcp.CallToolRequest); ok && method == "tools/call" {
			if !g.hasTool(ctr.Params.Name) {
				return nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "Unknown tool: " + ctr.Params.Name}
			}
		}
		return next(ctx, method, req)
	}
}

func (g *Gateway) hasTool(name string) bool { return g.tools[name] }

// addTool registers a tool and remembers its name.
func (g *Gateway) addTool(t *mcp.Tool, h mcp.ToolHandler) {
	g.tools[t.Name] = true
	g.server.AddTool(t, sdkTool(h))
}

// quiet passes on only warnings and errors: the SDK logs every stateless
// request's session at info level.
type quiet struct{ slog.Handler }

func (q quiet) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && q.Handler.Enabled(ctx, l)
}
func (q quiet) WithAttrs(as []slog.Attr) slog.Handler { return quiet{q.Handler.WithAttrs(as)} }
func (q quiet) WithGroup(n string) slog.Handler       { return quiet{q.Handler.WithGroup(n)} }
