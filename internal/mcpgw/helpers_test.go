package mcpgw_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/oidctest"
	"github.com/orcabpm/orca/internal/rest"
)

// backend is the cluster the gateway fronts: the embedded engine, or
// ("remote") the same engine reached over its REST API v2 by a
// cluster.Remote, as orca gateway fronts a Camunda 8 cluster (OIDC on
// both sides, tokens from a loopback issuer).
// TestRemoteBackend runs the gateway's tests again with -backend=remote.
var backend = flag.String("backend", "embedded", "the back end the gateway tests run against: embedded or remote")

// env is an engine with the REST API and the MCP gateway on real HTTP
// (loopback), as orca start mounts them.
type env struct {
	t   testing.TB
	url string
	api cluster.API
	cs  *mcp.ClientSession
	mux http.Handler // what the server serves
	gw  *mcpgw.Gateway
}

type envOptions struct {
	auth     *auth.Authenticator
	oauth    *mcpgw.OAuthResource
	fixtures bool
	noClient bool
	// processes serves /mcp/processes (and gw keeps the gateway).
	processes bool
}

func newEnv(t testing.TB, o envOptions) *env {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	var back cluster.API = api
	var closeCluster func()
	if *backend == "remote" {
		// The gateway in front of a cluster it reaches over REST, as orca
		// gateway is: the cluster's own API on a server of its own, which
		// wants OIDC tokens of its own audience; the Remote takes them with
		// the client-credentials grant from a loopback issuer.
		is := oidctest.New(t, oidctest.Options{Clients: []oidctest.Client{{ID: "orca-gateway", Secret: "gw-secret"}}})
		clusterAuth, err := auth.New(ctx, auth.Config{Method: auth.MethodOIDC, OIDC: auth.OIDCConfig{IssuerURI: is.URL, Audiences: []string{"cluster-api"}}})
		if err != nil {
			t.Fatal(err)
		}
		clusterSrv := rest.New(api, rest.Options{})
		chs := httptest.NewServer(clusterAuth.Wrap(clusterSrv))
		remote, err := cluster.NewRemote(cluster.RemoteOptions{BaseURL: chs.URL, DeploymentPoll: 20 * time.Millisecond,
			ClientID: "orca-gateway", ClientSecret: "gw-secret", TokenURL: is.URL + "/token", Audience: "cluster-api"})
		if err != nil {
			t.Fatal(err)
		}
		closeCluster = func() { remote.Close(); clusterSrv.Drain(); chs.Close() }
		back = remote
	}
	gw, err := mcpgw.New(back, mcpgw.Options{Version: "test", ConformanceFixtures: o.fixtures, OAuth: o.oauth, Processes: o.processes})
	if err != nil {
		t.Fatalf("gateway: %v", err)
	}
	wrap := func(h http.Handler) http.Handler { return h }
	if o.auth != nil {
		wrap = o.auth.Wrap
	}
	restSrv := rest.New(api, rest.Options{})
	mux := http.NewServeMux()
	mux.Handle("/v2/", wrap(restSrv))
	gw.Register(mux, wrap)
	hs := httptest.NewServer(mux)
	e := &env{t: t, url: hs.URL, api: api, mux: mux, gw: gw}
	t.Cleanup(func() {
		if e.cs != nil {
			e.cs.Close()
		}
		restSrv.Drain()
		hs.Close()
		if closeCluster != nil {
			closeCluster()
		}
		eng.Close()
	})
	if !o.noClient {
		e.cs = e.connect(t, &mcp.StreamableClientTransport{Endpoint: hs.URL + mcpgw.PathCluster})
	}
	return e
}

// connect opens a go-sdk client session.
func (e *env) connect(t testing.TB, tr mcp.Transport) *mcp.ClientSession {
	t.Helper()
	// The context must outlive Connect: the SSE transport's stream uses it.
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "orca-test", Version: "1"}, nil).Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	return cs
}

// call calls a tool; a JSON-RPC error fails the test.
func (e *env) call(name string, args any) *mcp.CallToolResult {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := e.cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		e.t.Fatalf("%s: %v", name, err)
	}
	return res
}

// ok calls a tool that must succeed with structured content, and returns it.
func (e *env) ok(name string, args any) map[string]any {
	e.t.Helper()
	res := e.call(name, args)
	if res.IsError {
		e.t.Fatalf("%s(%v): error %s", name, args, text(res))
	}
	var m map[string]any
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		e.t.Fatalf("%s: no structured content: %s", name, b)
	}
	var fromText map[string]any
	if err := json.Unmarshal([]byte(text(res)), &fromText); err != nil {
		e.t.Fatalf("%s: the text content is not the same JSON: %v", name, err)
	}
	return m
}

// okText calls a tool that must succeed with a text.
func (e *env) okText(name string, args any) string {
	e.t.Helper()
	res := e.call(name, args)
	if res.IsError || res.StructuredContent != nil {
		e.t.Fatalf("%s(%v): want a plain text, got %s (isError %v)", name, args, text(res), res.IsError)
	}
	return text(res)
}

// problem calls a tool that must fail with a problem detail.
func (e *env) problem(name string, args any, status int, title, detailPart string) {
	e.t.Helper()
	res := e.call(name, args)
	if !res.IsError {
		e.t.Fatalf("%s(%v): want an error, got %s", name, args, text(res))
	}
	var p struct {
		Type, Title, Detail string
		Status              int
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &p); err != nil || p.Type != "about:blank" || p.Status != status || p.Title != title || !strings.Contains(p.Detail, detailPart) {
		e.t.Errorf("%s(%v): want problem %d %s %q, got %s", name, args, status, title, detailPart, b)
	}
}

// invalid calls a tool that must reject its arguments with this text.
func (e *env) invalid(name string, args any, want string) {
	e.t.Helper()
	res := e.call(name, args)
	if !res.IsError || res.StructuredContent != nil || text(res) != want {
		e.t.Errorf("%s(%v): want invalid %q, got %q (isError %v, structured %v)", name, args, want, text(res), res.IsError, res.StructuredContent)
	}
}

func text(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if t, ok := c.(*mcp.TextContent); ok {
			b.WriteString(t.Text)
		}
	}
	return b.String()
}

func items(m map[string]any) []map[string]any {
	raw, _ := m["items"].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, x := range raw {
		out = append(out, x.(map[string]any))
	}
	return out
}

func readFile(t testing.TB, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// deploy deploys testdata/orders.bpmn with the deployResource tool and
// returns the process definition keys by process id.
func (e *env) deploy() map[string]string {
	e.t.Helper()
	d := e.ok("deployResource", map[string]any{"resourceName": "orders.bpmn", "resource": readFile(e.t, "testdata/orders.bpmn")})
	keys := map[string]string{}
	for _, x := range d["deployments"].([]any) {
		pd := x.(map[string]any)["processDefinition"].(map[string]any)
		keys[pd["processDefinitionId"].(string)] = pd["processDefinitionKey"].(string)
	}
	return keys
}

// jsonRPCRequest is a POST of one JSON-RPC message to an MCP endpoint as a
// stateless client sends it: a JSON body, an answer accepted as JSON or
// as an event stream, and the protocol version it speaks ("": no
// Mcp-Protocol-Version header, as clients before 2025-06-18 send).
func jsonRPCRequest(ctx context.Context, url, body, version string) *http.Request {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		panic(err) // a test's own URL
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	if version != "" {
		req.Header.Set("Mcp-Protocol-Version", version)
	}
	return req
}
