package mcpproxy

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func oauthConfig(rs *remoteServer, te *tokenEndpoint, clock *fakeClock) Config {
	return Config{
		BaseURL:      rs.url(""),
		ClientID:     testClientID,
		ClientSecret: testSecret,
		OAuthURL:     te.URL,
		Audience:     testAudience,
		Scope:        "mcp:tools",
		Resource:     rs.url("/mcp/cluster"),
		now:          clock.Now,
	}
}

// TestOAuthTokenLifecycle: the proxy fetches a token once, reuses it, renews
// it shortly before it expires and when the remote rejects it, and renews it
// only once per request when the rejection persists.
func TestOAuthTokenLifecycle(t *testing.T) {
	a := newAuthority()
	te := newTokenEndpoint(t, a, 60) // short-lived tokens
	st := &remoteState{}
	rs := newRemoteServer(t, func() http.Handler {
		return a.requireBearer(streamableHandler(st, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}))
	})
	clock := &fakeClock{}
	r := startProxy(t, oauthConfig(rs, te, clock))

	cs := r.connect(t, nil, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	callEcho(t, cs, "one")
	callEcho(t, cs, "two")
	callEcho(t, cs, "three")
	if got := te.calls.Load(); got != 1 {
		t.Fatalf("token endpoint called %d times for initialize, GET probe and three calls; want 1", got)
	}
	form := te.lastForm()
	for k, want := range map[string]string{
		"grant_type": "client_credentials", "client_id": testClientID, "client_secret": testSecret,
		"audience": testAudience, "resource": rs.url("/mcp/cluster"), "scope": "mcp:tools",
	} {
		if form[k] != want {
			t.Errorf("token request %s = %q, want %q", k, form[k], want)
		}
	}

	// Within 30 s of its expiry the token is renewed before it is used.
	clock.advance(20 * time.Second)
	callEcho(t, cs, "still fresh")
	if got := te.calls.Load(); got != 1 {
		t.Fatalf("token endpoint called %d times 20 s into a 60 s token; want 1", got)
	}
	clock.advance(20 * time.Second)
	callEcho(t, cs, "near expiry")
	if got := te.calls.Load(); got != 2 {
		t.Fatalf("token endpoint called %d times after the token neared expiry; want 2", got)
	}
	if got := a.rejected.Load(); got != 0 {
		t.Fatalf("remote rejected %d requests; want 0", got)
	}

	// The remote rejects the token (revoked, or expired early): renewed once,
	// the request retried, the client none the wiser.
	a.revokeAll()
	callEcho(t, cs, "after revocation")
	if got := te.calls.Load(); got != 3 {
		t.Fatalf("token endpoint called %d times after a 401; want 3", got)
	}
	if got := a.rejected.Load(); got != 1 {
		t.Fatalf("remote rejected %d requests; want 1", got)
	}
	callEcho(t, cs, "reused")
	if got := te.calls.Load(); got != 3 {
		t.Fatalf("token endpoint called %d times; want still 3", got)
	}

	// The remote rejects every token: one renewal, then a clear error.
	a.issueValid.Store(false)
	a.revokeAll()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "x"}})
	var werr *jsonrpc.Error
	if !errors.As(err, &werr) {
		t.Fatalf("want a JSON-RPC error, got %v", err)
	}
	if werr.Code != CodeRemoteAuth || !strings.Contains(werr.Message, "rejected the access token") ||
		!strings.Contains(werr.Message, "even after it was renewed") || !strings.Contains(werr.Message, "HTTP 401") {
		t.Errorf("error %d %q; want %d saying the renewed token was rejected", werr.Code, werr.Message, CodeRemoteAuth)
	}
	if got := te.calls.Load(); got != 4 {
		t.Errorf("token endpoint called %d times; want 4 (one renewal)", got)
	}
	if got := a.rejected.Load(); got != 3 {
		t.Errorf("remote rejected %d requests; want 3 (the request and its one retry)", got)
	}

	// Once the identity provider issues good tokens again, the next request works.
	a.issueValid.Store(true)
	callEcho(t, cs, "recovered")
	if got := te.calls.Load(); got != 5 {
		t.Errorf("token endpoint called %d times; want 5", got)
	}
}

// TestWrongSecret: a rejected client secret gives the client a JSON-RPC error
// that says so, the remote is not called, and the proxy keeps running and
// tries again with the next request.
func TestWrongSecret(t *testing.T) {
	a := newAuthority()
	te := newTokenEndpoint(t, a, 3600)
	te.setSecret("the-real-secret")
	var remoteHits atomic.Int64
	st := &remoteState{}
	rs := newRemoteServer(t, func() http.Handler {
		h := a.requireBearer(streamableHandler(st, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}))
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			remoteHits.Add(1)
			h.ServeHTTP(w, r)
		})
	})
	r := startProxy(t, oauthConfig(rs, te, &fakeClock{}))
	rc := r.raw(t)

	code, msg := rpcErr(t, rc.call("1", "initialize", initParams))
	if code != CodeRemoteAuth {
		t.Errorf("code %d, want %d", code, CodeRemoteAuth)
	}
	for _, want := range []string{"rejected the client credentials", testClientID, "invalid_client", EnvClientSecret, te.URL} {
		if !strings.Contains(msg, want) {
			t.Errorf("error message %q does not mention %q", msg, want)
		}
	}
	if got := te.calls.Load(); got != 1 {
		t.Errorf("token endpoint called %d times; want 1", got)
	}
	if got := remoteHits.Load(); got != 0 {
		t.Errorf("remote called %d times without a token; want 0", got)
	}

	// The administrator fixes the secret at the identity provider.
	te.setSecret(testSecret)
	res := rc.call(`"init-2"`, "initialize", initParams)
	if _, ok := res["result"].(map[string]any)["protocolVersion"]; !ok {
		t.Fatalf("initialize after the fix: %v", res)
	}
	rc.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	res = rc.call("3", "tools/call", `{"name":"echo","arguments":{"text":"ok"}}`)
	if sc := res["result"].(map[string]any)["structuredContent"].(map[string]any); sc["echo"] != "ok" {
		t.Errorf("tools/call after the fix: %v", res)
	}
	if got := te.calls.Load(); got != 2 {
		t.Errorf("token endpoint called %d times; want 2", got)
	}
}

// TestBasicAuth: Basic credentials reach the remote; wrong ones give a clear
// error; none at all give an error that says how to configure them.
func TestBasicAuth(t *testing.T) {
	st := &remoteState{}
	rs := newRemoteServer(t, func() http.Handler {
		h := streamableHandler(st, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if u, p, ok := r.BasicAuth(); !ok || u != "demo" || p != "demo" {
				w.Header().Set("WWW-Authenticate", `Basic realm="camunda"`)
				http.Error(w, "Unauthorized", http.StatusUnauthorized)
				return
			}
			h.ServeHTTP(w, r)
		})
	})
	tests := []struct {
		name, user, password string
		wantErr              string // "" means success
	}{
		{name: "right", user: "demo", password: "demo"},
		{name: "wrong", user: "demo", password: "nope", wantErr: `rejected Basic credentials of user "demo"`},
		{name: "none", wantErr: "requires credentials (HTTP 401 Unauthorized: Basic realm=\"camunda\"; Unauthorized) but the proxy has no credentials (set " + EnvClientID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := startProxy(t, Config{BaseURL: rs.url(""), Username: tt.user, Password: tt.password})
			rc := r.raw(t)
			res := rc.call("1", "initialize", initParams)
			if tt.wantErr == "" {
				if res["result"] == nil {
					t.Fatalf("initialize: %v", res)
				}
				return
			}
			code, msg := rpcErr(t, res)
			if code != CodeRemoteAuth || !strings.Contains(msg, tt.wantErr) || !strings.Contains(msg, "HTTP 401") {
				t.Errorf("error %d %q; want %d containing %q", code, msg, CodeRemoteAuth, tt.wantErr)
			}
		})
	}
}

// TestTokenCacheShortLived: for tokens shorter-lived than twice the renewal
// margin, the token is renewed halfway through its life.
func TestTokenCacheShortLived(t *testing.T) {
	a := newAuthority()
	te := newTokenEndpoint(t, a, 2)
	clock := &fakeClock{}
	cfg, err := Config{ClientID: testClientID, ClientSecret: testSecret, OAuthURL: te.URL, now: clock.Now}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	tc := newTokenCache(&cfg, http.DefaultClient)
	ctx := context.Background()
	tokenAt := func(label string) string {
		t.Helper()
		tok, err := tc.token(ctx)
		if err != nil {
			t.Fatalf("%s: %v", label, err)
		}
		return tok.AccessToken
	}
	first := tokenAt("first")
	clock.advance(500 * time.Millisecond)
	if got := tokenAt("after 0.5 s"); got != first || te.calls.Load() != 1 {
		t.Fatalf("after 0.5 s of a 2 s token: %s, %d calls; want the same token, 1 call", got, te.calls.Load())
	}
	clock.advance(1400 * time.Millisecond)
	if got := tokenAt("after 1.9 s"); got == first || te.calls.Load() != 2 {
		t.Fatalf("after 1.9 s of a 2 s token: %s, %d calls; want a new token, 2 calls", got, te.calls.Load())
	}
}
