package mcpgw_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/rest"
)

// lazyEnv is orca start's wiring with the gateway built on first use:
// the REST API and a Lazy gateway behind Basic authentication.
type lazyEnv struct {
	url    string
	builds *atomic.Int32 // setup calls: gateways built
	gw     *mcpgw.Lazy
}

func newLazyEnv(t *testing.T, opts mcpgw.Options) *lazyEnv {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(ctx, auth.Config{Method: auth.MethodBasic, Users: []auth.User{{Username: "demo", Password: "demo"}}})
	if err != nil {
		t.Fatal(err)
	}
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	restSrv := rest.New(api, rest.Options{})
	mux := http.NewServeMux()
	mux.Handle("/v2/", a.Wrap(restSrv))
	builds := &atomic.Int32{}
	gw := mcpgw.NewLazy(api, opts, func(*mcpgw.Gateway) { builds.Add(1) })
	gw.Register(mux, a.Wrap)
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		restSrv.Drain()
		hs.Close()
		gw.Close()
		eng.Close()
	})
	return &lazyEnv{url: hs.URL, builds: builds, gw: gw}
}

const demoAuth = "Basic ZGVtbzpkZW1v" // demo:demo

// A lazily built gateway is not built by starting or by REST calls; its
// first requests, many at once, with and without credentials, get the
// answers an eager gateway gives, and it is built once.
func TestLazyGatewayFirstRequests(t *testing.T) {
	e := newLazyEnv(t, mcpgw.Options{Version: "test"})
	req, _ := http.NewRequest(http.MethodGet, e.url+"/v2/topology", nil)
	req.Header.Set("Authorization", demoAuth)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("topology: %d", res.StatusCode)
	}
	if n := e.builds.Load(); n != 0 {
		t.Fatalf("the gateway was built %d times before any MCP request", n)
	}

	// 24 first requests at once: a third without credentials, the others
	// calling a tool on /mcp and /mcp/cluster.
	const n = 24
	var wg sync.WaitGroup
	start := make(chan struct{})
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			path := []string{mcpgw.PathMCP, mcpgw.PathCluster}[i%2]
			header := map[string]string{"Authorization": demoAuth}
			if i%3 == 0 {
				header = nil
			}
			res, body := rpc(t, e.url+path, `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"getClusterStatus","arguments":{}}}`, header)
			if header == nil {
				if res.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
					errs <- "without credentials: " + res.Status + " " + body
				}
				return
			}
			var msg struct {
				ID     int `json:"id"`
				Result struct {
					Content []struct{ Text string } `json:"content"`
					IsError bool                    `json:"isError"`
				} `json:"result"`
			}
			if res.StatusCode != 200 || json.Unmarshal([]byte(body), &msg) != nil || msg.ID != 7 || msg.Result.IsError ||
				len(msg.Result.Content) != 1 || msg.Result.Content[0].Text != "HEALTHY" {
				errs <- path + ": " + res.Status + " " + body
			}
		}()
	}
	close(start)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if n := e.builds.Load(); n != 1 {
		t.Errorf("the gateway was built %d times, want once", n)
	}

	// The built gateway serves the SDK's client over SSE as well.
	client := &http.Client{Transport: headerTransport{"Authorization", demoAuth}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "orca-test", Version: "1"}, nil).Connect(context.Background(),
		&mcp.SSEClientTransport{Endpoint: e.url + mcpgw.PathSSE, HTTPClient: client}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	tools, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := eagerToolCount(t); len(tools.Tools) != want {
		t.Errorf("tools/list over SSE: %d tools, an eager gateway lists %d", len(tools.Tools), want)
	}
}

// eagerToolCount is the number of tools New's gateway lists.
func eagerToolCount(t *testing.T) int {
	t.Helper()
	e := newEnv(t, envOptions{})
	res, err := e.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Tools)
}

// A lazy gateway answers on the paths an eager one does, for every
// combination of the options that choose them, and nowhere else.
func TestLazyGatewayPaths(t *testing.T) {
	probe := []string{"/", "/mcp", "/mcp/", "/mcp/cluster", "/mcp/sse", "/mcp/processes", "/mcp/other",
		"/.well-known/oauth-protected-resource", "/.well-known/oauth-protected-resource/mcp",
		"/.well-known/oauth-protected-resource/mcp/cluster", "/.well-known/oauth-protected-resource/mcp/sse",
		"/.well-known/oauth-protected-resource/mcp/processes", "/.well-known/oauth-protected-resource/other"}
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	for _, processes := range []bool{false, true} {
		for _, oauth := range []*mcpgw.OAuthResource{nil, {AuthorizationServers: []string{"https://idp.example.com"}}} {
			opts := mcpgw.Options{Processes: processes, OAuth: oauth}
			eager, lazy := http.NewServeMux(), http.NewServeMux()
			gw, err := mcpgw.New(api, opts)
			if err != nil {
				t.Fatal(err)
			}
			gw.Register(eager, nil)
			mcpgw.NewLazy(api, opts, nil).Register(lazy, nil)
			for _, p := range probe {
				r := httptest.NewRequest(http.MethodPost, p, nil)
				_, want := eager.Handler(r)
				_, got := lazy.Handler(r)
				if got != want {
					t.Errorf("processes %v, oauth %v: %s is routed to %q, an eager gateway's to %q", processes, oauth != nil, p, got, want)
				}
			}
		}
	}
}

// Closing a gateway no request built does not build it; a request after
// Close (a slow one during shutdown) is still answered and audited, as a
// built gateway serves after Close.
func TestLazyGatewayClose(t *testing.T) {
	e := newLazyEnv(t, mcpgw.Options{Version: "test"})
	e.gw.Close()
	if n := e.builds.Load(); n != 0 {
		t.Fatalf("Close built the gateway (%d)", n)
	}
	res, body := rpc(t, e.url+mcpgw.PathCluster, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getClusterStatus","arguments":{}}}`,
		map[string]string{"Authorization": demoAuth})
	if res.StatusCode != 200 || !strings.Contains(body, "HEALTHY") {
		t.Fatalf("a call after Close: %d %s", res.StatusCode, body)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodPost, e.url+"/v2/audit-logs/search",
			strings.NewReader(`{"filter":{"inboundChannelType":"MCP","inboundChannelToolName":"getClusterStatus"}}`))
		req.Header.Set("Authorization", demoAuth)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var page struct{ Items []map[string]any }
		err = json.NewDecoder(res.Body).Decode(&page)
		res.Body.Close()
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("audit search: %d %v", res.StatusCode, err)
		}
		if len(page.Items) == 1 {
			break
		}
		if len(page.Items) > 1 || time.Now().After(deadline) {
			t.Fatalf("audit entries of the call after Close: %d, want 1", len(page.Items))
		}
		time.Sleep(10 * time.Millisecond)
	}
	if n := e.builds.Load(); n != 1 {
		t.Errorf("builds: %d, want 1", n)
	}
}

// BenchmarkNew is what building the gateway costs, which orca start no
// longer pays at start (Lazy): go test -bench New -benchmem.
func BenchmarkNew(b *testing.B) {
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: b.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := mcpgw.New(api, mcpgw.Options{Version: "bench", Processes: true}); err != nil {
			b.Fatal(err)
		}
	}
}
