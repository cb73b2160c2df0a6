package mcpgw_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/mcpgw"
)

// testIssuer is an OpenID provider on loopback: discovery, JWKS, tokens.
type testIssuer struct {
	url string
	key *rsa.PrivateKey
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &testIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": is.url, "jwks_uri": is.url + "/jwks", "token_endpoint": is.url + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	is.url = srv.URL
	return is
}

func (is *testIssuer) token(t *testing.T, aud string) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: is.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(sig).Claims(map[string]any{"iss": is.url, "sub": "agent", "aud": aud,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// headerTransport adds a header to every request.
type headerTransport struct{ name, value string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.name, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

// With OIDC: no token is a 401 pointing at the protected resource
// metadata, which names the issuer; a valid token works on every transport.
func TestOIDC(t *testing.T) {
	is := newTestIssuer(t)
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodOIDC, OIDC: auth.OIDCConfig{IssuerURI: is.url, Audiences: []string{"orca"}}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{auth: a, oauth: &mcpgw.OAuthResource{AuthorizationServers: []string{is.url}}, noClient: true})

	for _, path := range []string{mcpgw.PathMCP, mcpgw.PathCluster, mcpgw.PathSSE} {
		var res *http.Response
		if path == mcpgw.PathSSE {
			res, err = http.Get(e.url + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
		} else {
			res, _ = rpc(t, e.url+path, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, nil)
		}
		want := `resource_metadata="` + e.url + "/.well-known/oauth-protected-resource" + path + `"`
		if res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer ") || !strings.Contains(res.Header.Get("WWW-Authenticate"), want) {
			t.Errorf("%s without a token: %d %q", path, res.StatusCode, res.Header.Get("WWW-Authenticate"))
		}
	}
	// A bad token: 401 with invalid_token and the pointer.
	res, _ := rpc(t, e.url+mcpgw.PathMCP, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, map[string]string{"Authorization": "Bearer nonsense"})
	if h := res.Header.Get("WWW-Authenticate"); res.StatusCode != 401 || !strings.Contains(h, `error="invalid_token"`) || !strings.Contains(h, "resource_metadata=") {
		t.Errorf("bad token: %d %q", res.StatusCode, h)
	}

	// RFC 9728 metadata, per endpoint and at the root; public.
	for path, resource := range map[string]string{"/mcp/cluster": "/mcp/cluster", "/mcp": "/mcp", "": "/mcp"} {
		res, err := http.Get(e.url + "/.well-known/oauth-protected-resource" + path)
		if err != nil {
			t.Fatal(err)
		}
		var md struct {
			Resource             string   `json:"resource"`
			AuthorizationServers []string `json:"authorization_servers"`
			BearerMethods        []string `json:"bearer_methods_supported"`
		}
		json.NewDecoder(res.Body).Decode(&md)
		res.Body.Close()
		if res.StatusCode != 200 || md.Resource != e.url+resource || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != is.url || md.BearerMethods[0] != "header" {
			t.Errorf("metadata at %q: %d %+v", path, res.StatusCode, md)
		}
	}

	// With a valid token, over Streamable HTTP and over SSE.
	client := &http.Client{Transport: headerTransport{"Authorization", "Bearer " + is.token(t, "orca")}}
	for _, tr := range []mcp.Transport{
		&mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathCluster, HTTPClient: client},
		&mcp.SSEClientTransport{Endpoint: e.url + mcpgw.PathSSE, HTTPClient: client},
	} {
		e.cs = e.connect(t, tr)
		if got := e.okText("getClusterStatus", nil); got != "HEALTHY" {
			t.Errorf("with a token: %q", got)
		}
		e.cs.Close()
		e.cs = nil
	}
	// A token for another audience is refused.
	res, _ = rpc(t, e.url+mcpgw.PathMCP, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, map[string]string{"Authorization": "Bearer " + is.token(t, "someone-else")})
	if res.StatusCode != 401 {
		t.Errorf("wrong audience: %d", res.StatusCode)
	}
}

// With Basic: no credentials is a 401 Basic challenge (no metadata); the
// right ones work.
func TestBasic(t *testing.T) {
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodBasic, Users: []auth.User{{Username: "demo", Password: "demo"}}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{auth: a, noClient: true})
	res, _ := rpc(t, e.url+mcpgw.PathCluster, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, nil)
	if res.StatusCode != 401 || !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Basic ") {
		t.Errorf("without credentials: %d %q", res.StatusCode, res.Header.Get("WWW-Authenticate"))
	}
	res, _ = rpc(t, e.url+mcpgw.PathCluster, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, map[string]string{"Authorization": "Basic ZGVtbzp3cm9uZw=="})
	if res.StatusCode != 401 {
		t.Errorf("wrong password: %d", res.StatusCode)
	}
	if res, err := http.Get(e.url + "/.well-known/oauth-protected-resource"); err != nil || res.StatusCode != 404 {
		t.Errorf("metadata without OIDC: %v %v", res, err)
	}
	client := &http.Client{Transport: headerTransport{"Authorization", "Basic ZGVtbzpkZW1v"}}
	e.cs = e.connect(t, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathMCP, HTTPClient: client})
	if got := e.okText("getClusterStatus", nil); got != "HEALTHY" {
		t.Errorf("with credentials: %q", got)
	}
}
