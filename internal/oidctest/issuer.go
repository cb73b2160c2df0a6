// Package oidctest is a small OpenID provider on loopback for tests: issuer
// discovery, a JSON Web Key Set, the client-credentials grant, and the
// authorization code flow with a login form, PKCE (S256 only, required),
// nonces, refresh tokens and RP-initiated logout. It signs RS256 JWTs. It
// checks what a real provider checks (client, redirect URI, code reuse,
// code verifier) so that a client that skips a step fails against it. Not
// for anything but tests.
package oidctest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Client is a registered OAuth client. A client without a secret is public.
type Client struct {
	ID, Secret string
	// RedirectURIs are the allowed redirect URIs (none: any).
	RedirectURIs []string
}

// Options configure an issuer.
type Options struct {
	Clients []Client
	// Users log in on the authorization form: name → password.
	Users map[string]string
	// Audience is the "aud" of access tokens issued by the authorization
	// code and refresh grants (default "orca").
	Audience string
	// AccessTokenTTL is the lifetime of access tokens (default one hour).
	AccessTokenTTL time.Duration
	// RefreshTokens makes the code grant issue refresh tokens.
	RefreshTokens bool
	// IDTokenClaims, when set, changes the claims of each ID token before
	// it is signed: a provider that misbehaves, or an attacker's.
	IDTokenClaims func(map[string]any)
	// Now is the issuer's clock (default time.Now).
	Now func() time.Time
}

// Issuer is a running test provider.
type Issuer struct {
	URL  string
	opts Options
	key  *rsa.PrivateKey
	sign jose.Signer
	srv  *http.Server
	ln   net.Listener

	mu      sync.Mutex
	codes   map[string]grant // authorization code → what it grants
	refresh map[string]grant
	counts  map[string]int
}

type grant struct {
	client, redirectURI, challenge, nonce, user string
	expires                                     time.Time
}

// Start serves an issuer on a loopback port until Close.
func Start(opts Options) (*Issuer, error) {
	if opts.Audience == "" {
		opts.Audience = "orca"
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.AccessTokenTTL <= 0 {
		opts.AccessTokenTTL = time.Hour
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "test"))
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	is := &Issuer{URL: "http://" + ln.Addr().String(), opts: opts, key: key, sign: signer, ln: ln,
		codes: map[string]grant{}, refresh: map[string]grant{}, counts: map[string]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", is.discovery)
	mux.HandleFunc("GET /.well-known/oauth-authorization-server", is.discovery)
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "test", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /authorize", is.authorizeForm)
	mux.HandleFunc("POST /authorize", is.authorize)
	mux.HandleFunc("POST /token", is.token)
	mux.HandleFunc("GET /logout", is.logout)
	is.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = is.srv.Serve(ln) }()
	return is, nil
}

// New starts an issuer that stops at the end of the test.
func New(t testing.TB, opts Options) *Issuer {
	t.Helper()
	is, err := Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = is.Close() })
	return is
}

// AccessToken signs an access token for sub and aud, valid for an hour.
func (is *Issuer) AccessToken(t testing.TB, sub, aud string) string {
	t.Helper()
	tok, err := is.jwt(map[string]any{"sub": sub, "aud": aud, "exp": is.opts.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// Close stops the issuer.
func (is *Issuer) Close() error { return is.srv.Close() }

// Count is how often something happened: "login", "code", "refresh",
// "client_credentials", "logout".
func (is *Issuer) Count(what string) int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.counts[what]
}

func (is *Issuer) add(what string) {
	is.mu.Lock()
	is.counts[what]++
	is.mu.Unlock()
}

func (is *Issuer) discovery(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"issuer": is.URL, "jwks_uri": is.URL + "/jwks",
		"authorization_endpoint": is.URL + "/authorize", "token_endpoint": is.URL + "/token", "end_session_endpoint": is.URL + "/logout",
		"grant_types_supported":                 []string{"authorization_code", "refresh_token", "client_credentials"},
		"response_types_supported":              []string{"code"},
		"code_challenge_methods_supported":      []string{"S256"},
		"id_token_signing_alg_values_supported": []string{"RS256"}, "subject_types_supported": []string{"public"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "client_secret_basic", "none"}})
}

func (is *Issuer) client(id string) (Client, bool) {
	for _, c := range is.opts.Clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}

// authRequest checks the query of an authorization request.
func (is *Issuer) authRequest(q url.Values) (Client, string) {
	c, ok := is.client(q.Get("client_id"))
	switch {
	case !ok:
		return c, "unknown client_id"
	case q.Get("response_type") != "code":
		return c, "response_type must be code"
	case len(c.RedirectURIs) > 0 && !contains(c.RedirectURIs, q.Get("redirect_uri")):
		return c, "redirect_uri is not registered"
	case q.Get("redirect_uri") == "":
		return c, "no redirect_uri"
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) < 43:
		return c, "PKCE with S256 is required"
	case !strings.Contains(" "+q.Get("scope")+" ", " openid "):
		return c, "scope must include openid"
	}
	return c, ""
}

var loginForm = template.Must(template.New("login").Parse(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Test issuer: sign in</title></head>
<body><h1>Sign in to the test issuer</h1><form method="post" action="authorize">
{{range $k, $v := .Query}}<input type="hidden" name="{{$k}}" value="{{index $v 0}}">{{end}}
{{if .Error}}<p role="alert">{{.Error}}</p>{{end}}
<label>Username <input name="username" autocomplete="username"></label>
<label>Password <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Sign in</button></form></body></html>`))

func (is *Issuer) authorizeForm(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if _, msg := is.authRequest(q); msg != "" {
		http.Error(w, "invalid authorization request: "+msg, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = loginForm.Execute(w, map[string]any{"Query": q})
}

func (is *Issuer) authorize(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	q := url.Values{}
	for k, v := range r.PostForm {
		if k != "username" && k != "password" {
			q[k] = v
		}
	}
	c, msg := is.authRequest(q)
	if msg != "" {
		http.Error(w, "invalid authorization request: "+msg, http.StatusBadRequest)
		return
	}
	user := r.PostForm.Get("username")
	pass, ok := is.opts.Users[user]
	if !ok || subtle.ConstantTimeCompare([]byte(pass), []byte(r.PostForm.Get("password"))) != 1 {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(http.StatusUnauthorized)
		_ = loginForm.Execute(w, map[string]any{"Query": q, "Error": "Wrong username or password."})
		return
	}
	code := random()
	is.mu.Lock()
	is.codes[code] = grant{client: c.ID, redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), nonce: q.Get("nonce"),
		user: user, expires: is.opts.Now().Add(time.Minute)}
	is.counts["login"]++
	is.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	bq := back.Query()
	bq.Set("code", code)
	if s := q.Get("state"); s != "" {
		bq.Set("state", s)
	}
	bq.Set("iss", is.URL)
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func (is *Issuer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	id, sec, basic := r.BasicAuth()
	if !basic {
		id, sec = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, ok := is.client(id)
	if !ok || (c.Secret != "" && subtle.ConstantTimeCompare([]byte(c.Secret), []byte(sec)) != 1) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	now := is.opts.Now()
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		if c.Secret == "" {
			oauthError(w, http.StatusUnauthorized, "unauthorized_client", "a public client cannot use client credentials")
			return
		}
		aud := r.PostForm.Get("audience")
		if aud == "" {
			aud = r.PostForm.Get("resource")
		}
		tok, err := is.jwt(map[string]any{"sub": id, "client_id": id, "aud": aud, "exp": now.Add(time.Hour).Unix()})
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		is.add("client_credentials")
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 3600})
	case "authorization_code":
		code := r.PostForm.Get("code")
		is.mu.Lock()
		g, found := is.codes[code]
		delete(is.codes, code) // one use, whatever happens next
		is.mu.Unlock()
		switch {
		case !found || now.After(g.expires) || g.client != id:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or expired code")
		case r.PostForm.Get("redirect_uri") != g.redirectURI:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "redirect_uri differs from the authorization request's")
		case challenge(r.PostForm.Get("code_verifier")) != g.challenge:
			oauthError(w, http.StatusBadRequest, "invalid_grant", "the code verifier does not match the challenge")
		default:
			is.add("code")
			is.issue(w, g, true)
		}
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		is.mu.Lock()
		g, found := is.refresh[rt]
		delete(is.refresh, rt) // rotated
		is.mu.Unlock()
		if !found || g.client != id {
			oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown refresh token")
			return
		}
		is.add("refresh")
		is.issue(w, g, false)
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", r.PostForm.Get("grant_type"))
	}
}

// issue answers a user's tokens: an access token for the API, an ID token
// for the client (with the nonce) and, if configured, a refresh token.
func (is *Issuer) issue(w http.ResponseWriter, g grant, withID bool) {
	now := is.opts.Now()
	exp := now.Add(is.opts.AccessTokenTTL)
	access, err := is.jwt(map[string]any{"sub": g.user, "preferred_username": g.user, "azp": g.client, "aud": is.opts.Audience,
		"scope": "openid profile", "exp": exp.Unix()})
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	out := map[string]any{"access_token": access, "token_type": "Bearer", "expires_in": int(is.opts.AccessTokenTTL.Seconds())}
	if withID {
		claims := map[string]any{"sub": g.user, "preferred_username": g.user, "name": g.user, "aud": g.client, "azp": g.client, "exp": exp.Unix(),
			"auth_time": now.Unix()}
		if g.nonce != "" {
			claims["nonce"] = g.nonce
		}
		if is.opts.IDTokenClaims != nil {
			is.opts.IDTokenClaims(claims)
		}
		id, err := is.jwt(claims)
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
			return
		}
		out["id_token"] = id
	}
	if is.opts.RefreshTokens {
		rt := random()
		is.mu.Lock()
		is.refresh[rt] = g
		is.mu.Unlock()
		out["refresh_token"] = rt
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

func (is *Issuer) logout(w http.ResponseWriter, r *http.Request) {
	is.add("logout")
	if to := r.URL.Query().Get("post_logout_redirect_uri"); to != "" {
		u, err := url.Parse(to)
		if err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "You are logged out of the test issuer.")
}

// Token signs claims as an access token of this issuer (iss and iat set).
func (is *Issuer) Token(claims map[string]any) (string, error) { return is.jwt(claims) }

func (is *Issuer) jwt(claims map[string]any) (string, error) {
	// A unique id: two tokens for the same claims in one second differ.
	c := map[string]any{"iss": is.URL, "iat": is.opts.Now().Unix(), "jti": random()}
	for k, v := range claims {
		c[k] = v
	}
	return jwt.Signed(is.sign).Claims(c).Serialize()
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func random() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
