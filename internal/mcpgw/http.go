package mcpgw

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/modelcontextprotocol/go-sdk/oauthex"

	orcaauth "github.com/orcabpm/orca/internal/auth"
)

// Endpoints of the gateway.
const (
	PathMCP        = "/mcp"           // Streamable HTTP (Orca's and the early 8.9 path)
	PathCluster    = "/mcp/cluster"   // Streamable HTTP (Camunda 8.9's path, c8ctl mcp-proxy's default)
	PathSSE        = "/mcp/sse"       // legacy HTTP+SSE (protocol 2024-11-05)
	PathProcesses  = "/mcp/processes" // Streamable HTTP: processes as tools (Camunda 8.10)
	PathPRM        = "/.well-known/oauth-protected-resource"
	resourceName   = "Orca MCP gateway"
	bearerMetadata = "resource_metadata"
)

// Register mounts the MCP endpoints on mux. authn wraps them with the
// authentication /v2 uses. The protected resource metadata (when OAuth is
// configured) is public.
func (g *Gateway) Register(mux *http.ServeMux, authn func(http.Handler) http.Handler) {
	for path, h := range g.routes(authn) {
		mux.Handle(path, h)
	}
}

// routes are the handlers Register mounts, by path.
func (g *Gateway) routes(authn func(http.Handler) http.Handler) map[string]http.Handler {
	if authn == nil {
		authn = func(h http.Handler) http.Handler { return h }
	}
	get := func(*http.Request) *mcp.Server { return g.server }
	jsonH := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{
		Stateless: true, JSONResponse: true, Logger: g.log, MaxRequestBodyBytes: g.opts.MaxBodyBytes})
	streamH := mcp.NewStreamableHTTPHandler(get, &mcp.StreamableHTTPOptions{
		Stateless: true, Logger: g.log, MaxRequestBodyBytes: g.opts.MaxBodyBytes})
	streamable := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && g.streams(r) {
			streamH.ServeHTTP(w, r)
			return
		}
		jsonH.ServeHTTP(w, r)
	})
	sse := (&sseOwners{}).wrap(mcp.NewSSEHandler(get, &mcp.SSEOptions{MaxRequestBodyBytes: g.opts.MaxBodyBytes}))
	rpc := rpcErrors(g.taskHandler(streamable, false), g.opts.MaxBodyBytes)
	// A plain stateless tools/call takes the lean path (lean.go), which
	// writes its answers without HTML escapes itself; any other request
	// goes on to the task layer and go-sdk, whose answers plainWire
	// rewrites.
	cluster := g.clusterEndpoint()
	handlers := map[string]http.Handler{PathMCP: g.lean(cluster, PathMCP, plainWire(rpc)), PathCluster: g.lean(cluster, PathCluster, plainWire(rpc)),
		PathSSE: atEndpoint(PathSSE, plainWire(sse))}
	if g.procs != nil {
		// Calls answer with JSON; subscriptions/listen streams (the SDK
		// answers it with SSE whatever JSONResponse says).
		handlers[PathProcesses] = g.lean(g.procs.leanEndpoint(), PathProcesses, plainWire(rpcErrors(g.taskHandler(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return g.procs.server },
			&mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true, Logger: g.log, MaxRequestBodyBytes: g.opts.MaxBodyBytes}), true),
			g.opts.MaxBodyBytes)))
	}
	routes := make(map[string]http.Handler, 2*len(handlers)+1)
	for path, h := range handlers {
		routes[path] = g.challenge(authn(h))
	}
	if g.opts.OAuth != nil {
		routes[PathPRM] = http.HandlerFunc(g.serveMetadata)
		for p := range handlers {
			routes[PathPRM+p] = http.HandlerFunc(g.serveMetadata)
		}
	}
	return routes
}

// streams tells whether a POST is a call of a tool that sends notifications
// while it runs: those are answered with an SSE stream, every other request
// with a single JSON response. The body is read and put back.
func (g *Gateway) streams(r *http.Request) bool {
	if len(g.streaming) == 0 {
		return false
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, g.opts.MaxBodyBytes+1))
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	if err != nil {
		return false
	}
	var msg struct {
		Method string `json:"method"`
		Params struct {
			Name string `json:"name"`
		} `json:"params"`
	}
	return json.Unmarshal(b, &msg) == nil && msg.Method == "tools/call" && g.streaming[msg.Params.Name]
}

// baseURL is the gateway's base URL as the client reached it.
func (g *Gateway) baseURL(r *http.Request) string {
	if g.opts.OAuth != nil && g.opts.OAuth.PublicURL != "" {
		return strings.TrimSuffix(g.opts.OAuth.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// serveMetadata serves RFC 9728 protected resource metadata: at the root
// for the gateway (/mcp), and per endpoint (/.well-known/oauth-protected-resource/mcp/cluster).
func (g *Gateway) serveMetadata(w http.ResponseWriter, r *http.Request) {
	resource := strings.TrimPrefix(r.URL.Path, PathPRM)
	if resource == "" {
		resource = PathMCP
	}
	auth.ProtectedResourceMetadataHandler(&oauthex.ProtectedResourceMetadata{
		Resource:               g.baseURL(r) + resource,
		AuthorizationServers:   g.opts.OAuth.AuthorizationServers,
		ScopesSupported:        g.opts.OAuth.Scopes,
		BearerMethodsSupported: []string{"header"},
		ResourceName:           resourceName,
	}).ServeHTTP(w, r)
}

// challenge points a Bearer 401 at the protected resource metadata
// (WWW-Authenticate: Bearer ..., resource_metadata="..."), so that MCP
// clients can discover the authorization server.
func (g *Gateway) challenge(next http.Handler) http.Handler {
	if g.opts.OAuth == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, orcaauth.WithBearerParam(r, bearerMetadata, g.baseURL(r)+PathPRM+r.URL.Path))
	})
}
