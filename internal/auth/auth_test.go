package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/crypto/bcrypt"

	"github.com/orcabpm/orca/internal/auth"
)

// protected serves an authenticator in front of a handler that counts
// calls and echoes the principal.
func protected(t *testing.T, cfg auth.Config) (url string, calls *atomic.Int64) {
	t.Helper()
	a, err := auth.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("new authenticator: %v", err)
	}
	calls = new(atomic.Int64)
	srv := httptest.NewServer(a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		p, _ := auth.PrincipalFrom(r.Context())
		fmt.Fprint(w, p.Name)
	})))
	t.Cleanup(srv.Close)
	return srv.URL, calls
}

func get(t *testing.T, url string, set func(*http.Request)) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/v2/topology", nil)
	if set != nil {
		set(req)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func checkUnauthorized(t *testing.T, status int, h http.Header, body, scheme string) {
	t.Helper()
	if status != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401: %s", status, body)
	}
	if !strings.HasPrefix(h.Get("WWW-Authenticate"), scheme+" ") {
		t.Errorf("WWW-Authenticate %q, want %s", h.Get("WWW-Authenticate"), scheme)
	}
	var p map[string]any
	if err := json.Unmarshal([]byte(body), &p); err != nil || p["title"] != "UNAUTHORIZED" || p["status"] != 401.0 ||
		h.Get("Content-Type") != "application/problem+json" {
		t.Errorf("problem %q (%v)", body, err)
	}
}

func TestNone(t *testing.T) {
	url, calls := protected(t, auth.Config{})
	if status, _, _ := get(t, url, nil); status != 200 || calls.Load() != 1 {
		t.Fatalf("status %d", status)
	}
}

func TestBasic(t *testing.T) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	url, calls := protected(t, auth.Config{Method: "basic", Users: []auth.User{
		{Username: "demo", Password: "demo"}, {Username: "ops", Password: string(hash)}}})
	tests := []struct {
		name       string
		user, pass string
		set        bool
		want       int
	}{
		{"no credentials", "", "", false, 401},
		{"wrong password", "demo", "nope", true, 401},
		{"unknown user", "eve", "demo", true, 401},
		{"empty password", "demo", "", true, 401},
		{"plain password from configuration", "demo", "demo", true, 200},
		{"again, remembered", "demo", "demo", true, 200},
		{"hashed password from configuration", "ops", "s3cret", true, 200},
		{"another user's password", "ops", "demo", true, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := calls.Load()
			status, h, body := get(t, url, func(r *http.Request) {
				if tc.set {
					r.SetBasicAuth(tc.user, tc.pass)
				}
			})
			if tc.want == 401 {
				checkUnauthorized(t, status, h, body, "Basic")
				if calls.Load() != before {
					t.Error("the handler ran for an unauthenticated request")
				}
				return
			}
			if status != 200 || body != tc.user {
				t.Errorf("status %d, principal %q", status, body)
			}
		})
	}
	if status, h, body := get(t, url, func(r *http.Request) { r.Header.Set("Authorization", "Bearer abc") }); status != 401 {
		t.Errorf("bearer against basic: %d %v %s", status, h, body)
	}
	if _, err := auth.New(context.Background(), auth.Config{Method: "basic"}); err == nil {
		t.Error("basic without users accepted")
	}
	if _, err := auth.New(context.Background(), auth.Config{Method: "kerberos"}); err == nil {
		t.Error("unknown method accepted")
	}
}

// issuer is a test OpenID provider on loopback: discovery and JWKS.
type issuer struct {
	url string
	key *rsa.PrivateKey
}

func newIssuer(t *testing.T) *issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &issuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": is.url, "jwks_uri": is.url + "/jwks",
			"authorization_endpoint": is.url + "/auth", "token_endpoint": is.url + "/token",
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

// token signs claims with the issuer's key (or another).
func (is *issuer) token(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOIDC(t *testing.T) {
	is := newIssuer(t)
	url, calls := protected(t, auth.Config{Method: "oidc", OIDC: auth.OIDCConfig{
		IssuerURI: is.url, Audiences: []string{"orca-api"}, UsernameClaim: "preferred_username", ClientIDClaim: "azp",
		ClockSkew: 30 * time.Second}})
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	now := time.Now()
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{"iss": is.url, "sub": "u-1", "preferred_username": "anna", "aud": []string{"orca-api"},
			"exp": now.Add(time.Hour).Unix(), "iat": now.Unix()}
		if change != nil {
			change(c)
		}
		return c
	}
	tests := []struct {
		name   string
		header string
		want   string // principal; "" for 401
	}{
		{"no credentials", "", ""},
		{"not a bearer token", "Basic ZGVtbzpkZW1v", ""},
		{"garbage", "Bearer not.a.jwt", ""},
		{"valid", "Bearer " + is.token(t, is.key, claims(nil)), "anna"},
		{"valid, client credentials", "Bearer " + is.token(t, is.key, claims(func(c map[string]any) {
			delete(c, "preferred_username")
			c["azp"] = "worker-app"
		})), "worker-app"},
		{"audience among several", "Bearer " + is.token(t, is.key, claims(func(c map[string]any) { c["aud"] = []string{"x", "orca-api"} })), "anna"},
		{"expired within the skew", "Bearer " + is.token(t, is.key, claims(func(c map[string]any) { c["exp"] = now.Add(-10 * time.Second).Unix() })), "anna"},
		{"expired", "Bearer " + is.token(t, is.key, claims(func(c map[string]any) { c["exp"] = now.Add(-5 * time.Minute).Unix() })), ""},
		{"wrong audience", "Bearer " + is.token(t, is.key, claims(func(c map[string]any) { c["aud"] = []string{"other-api"} })), ""},
		{"wrong issuer", "Bearer " + is.token(t, is.key, claims(func(c map[string]any) { c["iss"] = "https://evil.example" })), ""},
		{"wrong key", "Bearer " + is.token(t, other, claims(nil)), ""},
		{"no principal claim", "Bearer " + is.token(t, is.key, claims(func(c map[string]any) { delete(c, "preferred_username") })), ""},
		{"not valid yet", "Bearer " + is.token(t, is.key, claims(func(c map[string]any) { c["nbf"] = now.Add(10 * time.Minute).Unix() })), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := calls.Load()
			status, h, body := get(t, url, func(r *http.Request) {
				if tc.header != "" {
					r.Header.Set("Authorization", tc.header)
				}
			})
			if tc.want == "" {
				checkUnauthorized(t, status, h, body, "Bearer")
				if calls.Load() != before {
					t.Error("the handler ran for an unauthenticated request")
				}
				if tc.header != "" && strings.HasPrefix(tc.header, "Bearer") && !strings.Contains(h.Get("WWW-Authenticate"), "invalid_token") {
					t.Errorf("WWW-Authenticate %q lacks invalid_token", h.Get("WWW-Authenticate"))
				}
				return
			}
			if status != 200 || body != tc.want {
				t.Errorf("status %d, principal %q, want %q", status, body, tc.want)
			}
		})
	}
}

func TestOIDCIssuerDownAtStart(t *testing.T) {
	// The issuer comes up after the authenticator: requests succeed once
	// it can be discovered.
	is := newIssuer(t)
	a, err := auth.New(context.Background(), auth.Config{Method: "oidc", OIDC: auth.OIDCConfig{IssuerURI: "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatalf("an unreachable issuer must not stop start-up: %v", err)
	}
	srv := httptest.NewServer(a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})))
	defer srv.Close()
	tok := is.token(t, is.key, map[string]any{"iss": is.url, "sub": "x", "exp": time.Now().Add(time.Hour).Unix()})
	status, _, _ := get(t, srv.URL, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+tok) })
	if status != 401 {
		t.Errorf("status %d while the issuer is unreachable", status)
	}
}
