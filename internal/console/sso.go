package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// OIDCLogin configures the console's single sign-on: the OpenID Connect
// authorization code flow with PKCE against the issuer /v2 trusts.
//
// The console's back end is the OAuth client (the "backend for frontend"
// of the OAuth 2.0 for Browser-Based Applications BCP, and what Camunda's
// own web apps do): it redirects the browser to the issuer, exchanges the
// code, keeps the tokens in its memory and gives the browser only an
// HttpOnly, SameSite=Strict session cookie. Page scripts never see a
// token, so a script injected into the page cannot carry one away, and no
// token is ever in a URL, in storage or in a log. The console's calls go
// through {base}session/v2/..., which puts the user's access token on the
// request and hands it to /v2, where it is checked like any client's.
type OIDCLogin struct {
	IssuerURI string
	ClientID  string
	// ClientSecret is for a confidential client; empty for a public one.
	ClientSecret string
	// RedirectURI is where the issuer sends the browser back; "" or one
	// containing {baseUrl} is made from each request (the console's URL
	// without its trailing slash, then /sso-callback).
	RedirectURI string
	// Scopes asked for (default openid, profile; openid is always asked).
	Scopes []string
	// UsernameClaim of the ID token names the user (default
	// preferred_username, then sub).
	UsernameClaim string
	// HTTPClient talks to the issuer (default http.DefaultClient).
	HTTPClient *http.Client
}

// Cookie names. The login cookie must reach the callback, a top-level
// navigation from the issuer's site, so it is SameSite=Lax; the session
// cookie is sent only by the console's own pages (Strict).
const (
	loginCookie   = "orca_console_login"
	sessionCookie = "orca_console_session"
	// consoleHeader must be on every session request: a cross-site form or
	// image cannot set it, and a cross-site script cannot send it without
	// a CORS preflight, which nothing here answers.
	consoleHeader = "X-Orca-Console"
)

const (
	loginTTL    = 10 * time.Minute
	maxPending  = 1000  // logins started and not finished
	maxSessions = 10000 // logged-in browsers
	sessionIdle = 12 * time.Hour
)

// sso is the single sign-on state: the pending logins and the sessions.
type sso struct {
	cfg  OIDCLogin
	log  *slog.Logger
	now  func() time.Time
	base string

	mu       sync.Mutex
	provider *oidc.Provider
	endSess  string
	lastTry  time.Time
	pending  map[string]pendingLogin // by state
	sessions map[string]*session     // by cookie value
}

type pendingLogin struct {
	nonce, verifier, redirectURI string
	started                      time.Time
}

type session struct {
	mu       sync.Mutex
	user     string
	token    *oauth2.Token
	oauth    oauth2.Config
	lastUsed time.Time
}

func newSSO(cfg OIDCLogin, base string, log *slog.Logger) *sso {
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{oidc.ScopeOpenID, "profile"}
	} else if !contains(cfg.Scopes, oidc.ScopeOpenID) {
		cfg.Scopes = append([]string{oidc.ScopeOpenID}, cfg.Scopes...)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	return &sso{cfg: cfg, log: log, now: time.Now, base: base, pending: map[string]pendingLogin{}, sessions: map[string]*session{}}
}

// discover returns the issuer's metadata, discovered on first use (and
// again at most every few seconds while the issuer cannot be reached).
func (s *sso) discover(ctx context.Context) (*oidc.Provider, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.provider != nil {
		return s.provider, nil
	}
	if !s.lastTry.IsZero() && s.now().Sub(s.lastTry) < 5*time.Second {
		return nil, errors.New("the OpenID provider could not be reached")
	}
	s.lastTry = s.now()
	// The provider keeps its context to fetch keys later: not a request's.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), s.cfg.HTTPClient)
	dctx, cancel := context.WithTimeout(pctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, s.cfg.IssuerURI)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", s.cfg.IssuerURI, err)
	}
	var meta struct {
		EndSession string   `json:"end_session_endpoint"`
		Methods    []string `json:"code_challenge_methods_supported"`
	}
	_ = p.Claims(&meta)
	if len(meta.Methods) > 0 && !contains(meta.Methods, "S256") {
		return nil, fmt.Errorf("the OpenID provider %s does not support PKCE with S256", s.cfg.IssuerURI)
	}
	s.provider, s.endSess = p, meta.EndSession
	return p, nil
}

func (s *sso) oauthConfig(p *oidc.Provider, redirectURI string) oauth2.Config {
	return oauth2.Config{ClientID: s.cfg.ClientID, ClientSecret: s.cfg.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirectURI, Scopes: s.cfg.Scopes}
}

// baseURL is the console's URL as the browser reached it, without the
// trailing slash.
func (s *sso) baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host + strings.TrimSuffix(s.base, "/")
}

func (s *sso) redirectURI(r *http.Request) string {
	if s.cfg.RedirectURI != "" && !strings.Contains(s.cfg.RedirectURI, "{baseUrl}") {
		return s.cfg.RedirectURI
	}
	tmpl := s.cfg.RedirectURI
	if tmpl == "" {
		tmpl = "{baseUrl}/sso-callback"
	}
	return strings.ReplaceAll(tmpl, "{baseUrl}", s.baseURL(r))
}

func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// failed sends the browser back to the login page with a reason code.
func (s *sso) failed(w http.ResponseWriter, r *http.Request, code string) {
	http.Redirect(w, r, s.base+"#/login?failed="+url.QueryEscape(code), http.StatusSeeOther)
}

// start begins a login: state, nonce and PKCE verifier are kept here; the
// state also goes into a cookie that binds the login to this browser.
func (s *sso) start(w http.ResponseWriter, r *http.Request) {
	p, err := s.discover(r.Context())
	if err != nil {
		s.log.Warn("console login: OpenID provider not available", "issuer", s.cfg.IssuerURI, "err", err)
		s.failed(w, r, "provider")
		return
	}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	redirect := s.redirectURI(r)
	s.mu.Lock()
	now := s.now()
	for k, pl := range s.pending {
		if now.Sub(pl.started) > loginTTL {
			delete(s.pending, k)
		}
	}
	if len(s.pending) >= maxPending {
		s.mu.Unlock()
		http.Error(w, "Too many logins in progress; try again in a few minutes.", http.StatusServiceUnavailable)
		return
	}
	s.pending[state] = pendingLogin{nonce: nonce, verifier: verifier, redirectURI: redirect, started: now}
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: state, Path: s.base, MaxAge: int(loginTTL.Seconds()),
		HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
	cfg := s.oauthConfig(p, redirect)
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, cfg.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)), http.StatusFound)
}

// callback finishes a login: the state must be this browser's, the code is
// exchanged with the verifier, and the ID token must carry the nonce.
func (s *sso) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: s.base, MaxAge: -1, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteLaxMode})
	w.Header().Set("Cache-Control", "no-store")
	state := q.Get("state")
	c, err := r.Cookie(loginCookie)
	if err != nil || state == "" || subtle.ConstantTimeCompare([]byte(c.Value), []byte(state)) != 1 {
		s.log.Warn("console login refused: the state does not match this browser's login")
		s.failed(w, r, "state")
		return
	}
	s.mu.Lock()
	pl, ok := s.pending[state]
	delete(s.pending, state)
	s.mu.Unlock()
	if !ok || s.now().Sub(pl.started) > loginTTL {
		s.failed(w, r, "state")
		return
	}
	if e := q.Get("error"); e != "" {
		s.log.Info("console login: the OpenID provider refused", "error", e, "description", q.Get("error_description"))
		s.failed(w, r, "denied")
		return
	}
	p, err := s.discover(r.Context())
	if err != nil {
		s.failed(w, r, "provider")
		return
	}
	if iss := q.Get("iss"); iss != "" && iss != s.cfg.IssuerURI { // RFC 9207: mix-up defence
		s.log.Warn("console login refused: the callback names another issuer", "iss", iss)
		s.failed(w, r, "issuer")
		return
	}
	cfg := s.oauthConfig(p, pl.redirectURI)
	ctx, cancel := context.WithTimeout(oidc.ClientContext(r.Context(), s.cfg.HTTPClient), 15*time.Second)
	defer cancel()
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(pl.verifier))
	if err != nil {
		s.log.Warn("console login: the code exchange failed", "err", errorText(err))
		s.failed(w, r, "exchange")
		return
	}
	s.stamp(tok)
	rawID, _ := tok.Extra("id_token").(string)
	if rawID == "" {
		s.log.Warn("console login: the token response has no ID token (is the openid scope granted?)")
		s.failed(w, r, "idtoken")
		return
	}
	idt, err := p.Verifier(&oidc.Config{ClientID: s.cfg.ClientID, Now: s.now}).Verify(ctx, rawID)
	if err != nil {
		s.log.Warn("console login: the ID token is not valid", "err", err)
		s.failed(w, r, "idtoken")
		return
	}
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(pl.nonce)) != 1 {
		s.log.Warn("console login refused: the ID token's nonce is not this login's")
		s.failed(w, r, "nonce")
		return
	}
	var claims map[string]any
	_ = idt.Claims(&claims)
	user := ""
	for _, k := range []string{s.cfg.UsernameClaim, "preferred_username", "sub"} {
		if v, ok := claims[k].(string); k != "" && ok && v != "" {
			user = v
			break
		}
	}
	id := randomString()
	sess := &session{user: user, token: tok, oauth: cfg, lastUsed: s.now()}
	s.mu.Lock()
	s.sweep()
	if len(s.sessions) >= maxSessions {
		s.evictOldest()
	}
	s.sessions[id] = sess
	s.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: id, Path: s.base, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
	s.log.Info("console login", "user", user)
	http.Redirect(w, r, s.base, http.StatusSeeOther)
}

// sweep drops sessions idle too long or whose token is expired with no
// way to refresh it. Call with s.mu held.
func (s *sso) sweep() {
	now := s.now()
	for k, sess := range s.sessions {
		sess.mu.Lock()
		dead := now.Sub(sess.lastUsed) > sessionIdle || (sess.token.RefreshToken == "" && expired(sess.token, now))
		sess.mu.Unlock()
		if dead {
			delete(s.sessions, k)
		}
	}
}

func (s *sso) evictOldest() {
	var oldest string
	var at time.Time
	for k, sess := range s.sessions {
		sess.mu.Lock()
		if oldest == "" || sess.lastUsed.Before(at) {
			oldest, at = k, sess.lastUsed
		}
		sess.mu.Unlock()
	}
	delete(s.sessions, oldest)
}

// stamp sets a token's expiry from its expires_in by the console's clock.
func (s *sso) stamp(t *oauth2.Token) {
	var secs float64
	switch v := t.Extra("expires_in").(type) {
	case float64:
		secs = v
	case string:
		_, _ = fmt.Sscan(v, &secs)
	}
	if secs > 0 {
		t.Expiry = s.now().Add(time.Duration(secs) * time.Second)
	}
}

func expired(t *oauth2.Token, now time.Time) bool {
	return !t.Expiry.IsZero() && !now.Before(t.Expiry.Add(-5*time.Second))
}

// current returns the request's session and its access token, refreshed
// when it has expired and can be; an expired session is ended.
func (s *sso) current(r *http.Request) (*session, string, bool) {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil, "", false
	}
	s.mu.Lock()
	sess := s.sessions[c.Value]
	s.mu.Unlock()
	if sess == nil {
		return nil, "", false
	}
	now := s.now()
	sess.mu.Lock()
	defer sess.mu.Unlock()
	if expired(sess.token, now) {
		if sess.token.RefreshToken == "" {
			s.end(c.Value)
			return nil, "", false
		}
		ctx, cancel := context.WithTimeout(oidc.ClientContext(r.Context(), s.cfg.HTTPClient), 15*time.Second)
		defer cancel()
		nt, err := sess.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: sess.token.RefreshToken}).Token()
		if err != nil {
			s.log.Info("console session ended: the token could not be refreshed", "user", sess.user, "err", errorText(err))
			s.end(c.Value)
			return nil, "", false
		}
		s.stamp(nt)
		sess.token = nt
	}
	sess.lastUsed = now
	return sess, sess.token.AccessToken, true
}

func (s *sso) end(id string) {
	s.mu.Lock()
	delete(s.sessions, id)
	s.mu.Unlock()
}

// status answers who is logged in, or 401.
func (s *sso) status(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	sess, _, ok := s.current(r)
	if !ok {
		problem(w, r, http.StatusUnauthorized, "Not logged in.")
		return
	}
	sess.mu.Lock()
	out := map[string]any{"user": sess.user}
	if !sess.token.Expiry.IsZero() {
		out["expiresAt"] = sess.token.Expiry.UTC().Format(time.RFC3339)
	}
	sess.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

// logout ends the session here and answers where to send the browser: the
// issuer's end-session endpoint (RP-initiated logout) when it has one. It
// names the client, not the ID token (id_token_hint), to keep tokens out of
// URLs; a provider may then ask the user to confirm.
func (s *sso) logout(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Header.Get(consoleHeader) == "" {
		problem(w, r, http.StatusForbidden, "The console's requests carry the "+consoleHeader+" header.")
		return
	}
	to := s.base + "#/login?loggedOut=1"
	if c, err := r.Cookie(sessionCookie); err == nil {
		s.mu.Lock()
		sess := s.sessions[c.Value]
		delete(s.sessions, c.Value)
		end := s.endSess
		s.mu.Unlock()
		if sess != nil && end != "" {
			u, err := url.Parse(end)
			if err == nil {
				q := u.Query()
				q.Set("client_id", s.cfg.ClientID)
				q.Set("post_logout_redirect_uri", s.baseURL(r)+"/")
				u.RawQuery = q.Encode()
				to = u.String()
			}
		}
		if sess != nil {
			s.log.Info("console logout", "user", sess.user)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: s.base, MaxAge: -1, HttpOnly: true, Secure: secure(r), SameSite: http.SameSiteStrictMode})
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"redirect": to})
}

// proxy serves {base}session/v2/...: the session's access token goes on the
// request, which /v2 then authenticates as any other.
func (s *sso) proxy(api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(consoleHeader) == "" {
			problem(w, r, http.StatusForbidden, "The console's requests carry the "+consoleHeader+" header.")
			return
		}
		_, token, ok := s.current(r)
		if !ok {
			problem(w, r, http.StatusUnauthorized, "The console session has ended; log in again.")
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/session")
		r2.URL.RawPath = ""
		r2.RequestURI = r2.URL.RequestURI()
		r2.Header.Del("Cookie")
		r2.Header.Del(consoleHeader)
		r2.Header.Set("Authorization", "Bearer "+token)
		api.ServeHTTP(w, r2)
	})
}

// guard lets through the console's requests of a live session.
func (s *sso) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(consoleHeader) == "" {
			problem(w, r, http.StatusForbidden, "The console's requests carry the "+consoleHeader+" header.")
			return
		}
		if !s.alive(r) {
			problem(w, r, http.StatusUnauthorized, "The console session has ended; log in again.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// alive reports whether the request's session holds.
func (s *sso) alive(r *http.Request) bool {
	_, _, ok := s.current(r)
	return ok
}

func problem(w http.ResponseWriter, r *http.Request, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": strings.ToUpper(strings.ReplaceAll(http.StatusText(status), " ", "_")),
		"status": status, "detail": detail, "instance": r.URL.Path})
}

// errorText describes an OAuth error without the response body, which may
// echo what was sent.
func errorText(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		if re.ErrorCode != "" {
			return re.ErrorCode + ": " + re.ErrorDescription
		}
		return re.Response.Status
	}
	return err.Error()
}

func randomString() string {
	b := make([]byte, 32)
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
