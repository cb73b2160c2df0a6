package mcpgw_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/oidctest"
)

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
	is := oidctest.New(t, oidctest.Options{})
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodOIDC, OIDC: auth.OIDCConfig{IssuerURI: is.URL, Audiences: []string{"orca"}}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{auth: a, oauth: &mcpgw.OAuthResource{AuthorizationServers: []string{is.URL}}, noClient: true})

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
		if res.StatusCode != 200 || md.Resource != e.url+resource || len(md.AuthorizationServers) != 1 || md.AuthorizationServers[0] != is.URL || md.BearerMethods[0] != "header" {
			t.Errorf("metadata at %q: %d %+v", path, res.StatusCode, md)
		}
	}

	// With a valid token, over Streamable HTTP and over SSE.
	client := &http.Client{Transport: headerTransport{"Authorization", "Bearer " + is.AccessToken(t, "agent", "orca")}}
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
	res, _ = rpc(t, e.url+mcpgw.PathMCP, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, map[string]string{"Authorization": "Bearer " + is.AccessToken(t, "agent", "someone-else")})
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
