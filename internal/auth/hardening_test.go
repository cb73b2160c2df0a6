package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/crypto/bcrypt"

	"github.com/orcabpm/orca/internal/auth"
)

// TestOIDCUnknownKeyIDsFetchKeysOnce: 200 tokens signed with made-up key
// ids make Orca fetch the issuer's key set once, not 200 times; a valid
// token still passes.
func TestOIDCUnknownKeyIDsFetchKeysOnce(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	var fetches atomic.Int64
	var url string
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": url, "jwks_uri": url + "/jwks",
			"authorization_endpoint": url + "/auth", "token_endpoint": url + "/token",
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	url = srv.URL
	a, err := auth.New(context.Background(), auth.Config{Method: "oidc", OIDC: auth.OIDCConfig{IssuerURI: url}})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	sign := func(kid string, k *rsa.PrivateKey) string {
		sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
		if err != nil {
			t.Fatal(err)
		}
		s, err := jwt.Signed(sig).Claims(map[string]any{"iss": url, "sub": "alice", "exp": time.Now().Add(time.Hour).Unix()}).Serialize()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	call := func(token string) int {
		req := httptest.NewRequest("GET", "/v2/topology", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	for i := range 200 {
		if code := call(sign(fmt.Sprintf("unknown-%d", i), key)); code != http.StatusUnauthorized {
			t.Fatalf("token with unknown key id %d: status %d", i, code)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("200 unknown key ids fetched the key set %d times, want 1", n)
	}
	if code := call(sign("k1", key)); code != http.StatusOK {
		t.Errorf("valid token: status %d", code)
	}
}

// TestBasicFailuresLimitedPerClient: a client that keeps sending wrong
// passwords is refused with 429 before any password hashing; another
// client, and credentials verified before, are not slowed or refused.
func TestBasicFailuresLimitedPerClient(t *testing.T) {
	// A hash of the lowest cost keeps the attempts quick, so that the
	// tokens that grow back while they run are few.
	hash, _ := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.MinCost)
	a, err := auth.New(context.Background(), auth.Config{Method: "basic", Users: []auth.User{{Username: "alice", Password: string(hash)}}})
	if err != nil {
		t.Fatal(err)
	}
	h := a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	call := func(addr, user, pass string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/v2/topology", nil)
		req.RemoteAddr = addr
		req.SetBasicAuth(user, pass)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := call("10.0.0.1:1000", "alice", "right"); rec.Code != 200 {
		t.Fatalf("alice: %d", rec.Code)
	}
	var refused int
	for range 30 {
		rec := call("10.0.0.9:2000", "alice", "guess")
		switch rec.Code {
		case http.StatusTooManyRequests:
			refused++
			if rec.Header().Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
		case http.StatusUnauthorized:
		default:
			t.Fatalf("wrong password: status %d", rec.Code)
		}
	}
	if refused < 15 {
		t.Errorf("%d of 30 failing attempts refused, want the ones after the burst", refused)
	}
	if rec := call("10.0.0.2:1000", "alice", "right"); rec.Code != 200 {
		t.Errorf("another client: status %d", rec.Code)
	}
	if rec := call("10.0.0.9:2001", "alice", "right"); rec.Code != 200 {
		t.Errorf("verified credentials from the failing address: status %d", rec.Code)
	}
}

// BenchmarkBasicUnknownUserVsWrongPassword measures how long an unknown
// user and a wrong password take; ratio (unknown/wrong) near 1 means the
// time does not tell whether a user exists. Each attempt comes from its own
// address, so the failure limit does not interfere.
func BenchmarkBasicUnknownUserVsWrongPassword(b *testing.B) {
	hash, _ := bcrypt.GenerateFromPassword([]byte("right"), bcrypt.DefaultCost)
	a, err := auth.New(context.Background(), auth.Config{Method: "basic", Users: []auth.User{{Username: "alice", Password: string(hash)}}})
	if err != nil {
		b.Fatal(err)
	}
	h := a.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	var n int
	try := func(user string) time.Duration {
		n++
		req := httptest.NewRequest("GET", "/v2/topology", nil)
		req.RemoteAddr = fmt.Sprintf("10.%d.%d.%d:1", n>>16&255, n>>8&255, n&255)
		req.SetBasicAuth(user, "wrong")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusUnauthorized {
			b.Fatalf("status %d", rec.Code)
		}
		return d
	}
	var unknown, wrong time.Duration
	for b.Loop() {
		unknown += try("mallory")
		wrong += try("alice")
	}
	b.ReportMetric(float64(unknown.Microseconds())/float64(b.N), "µs/unknown")
	b.ReportMetric(float64(wrong.Microseconds())/float64(b.N), "µs/wrong")
	b.ReportMetric(float64(unknown)/float64(wrong), "ratio")
}
