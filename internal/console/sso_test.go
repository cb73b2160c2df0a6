package console_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/console"
	"github.com/orcabpm/orca/internal/oidctest"
)

// ssoSetup is a console with single sign-on in front of an API that the
// real OIDC authenticator protects, and a loopback OpenID provider.
type ssoSetup struct {
	is      *oidctest.Issuer
	base    string // the console's URL, with a trailing slash
	logs    *syncBuffer
	advance func(time.Duration)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newSSO(t *testing.T, opts oidctest.Options) *ssoSetup {
	return newSSOWith(t, opts, nil)
}

func newSSOWith(t *testing.T, opts oidctest.Options, hub *console.Hub) *ssoSetup {
	t.Helper()
	opts.Clients = append(opts.Clients, oidctest.Client{ID: "orca-console"})
	if opts.Users == nil {
		opts.Users = map[string]string{"alice": "alice-secret"}
	}
	var offset atomic.Int64
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	opts.Now = now
	is, err := oidctest.Start(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = is.Close() })
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	authn, err := auth.New(context.Background(), auth.Config{Method: auth.MethodOIDC, Logger: log,
		OIDC: auth.OIDCConfig{IssuerURI: is.URL, Audiences: []string{"orca"}, UsernameClaim: "preferred_username"}})
	if err != nil {
		t.Fatal(err)
	}
	api := authn.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := auth.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.Path, p.Name)
	}))
	h := console.New(console.Options{Base: "/console/", AuthMethod: console.AuthOIDC, Auth: authn.Wrap, API: api, Logger: log,
		OIDC: &console.OIDCLogin{IssuerURI: is.URL, ClientID: "orca-console"}, Changes: hub})
	console.SetClock(h, now)
	mux := http.NewServeMux()
	mux.Handle("/console/", h)
	mux.Handle("/v2/", api)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &ssoSetup{is: is, base: srv.URL + "/console/", logs: logs, advance: func(d time.Duration) { offset.Add(int64(d)) }}
}

// browser keeps cookies and records every URL it is sent to; it follows
// no redirect by itself.
type browser struct {
	t       *testing.T
	c       *http.Client
	visited []string
	bodies  []string
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(method, u string, form url.Values, hdr map[string]string) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	b.visited = append(b.visited, u)
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	b.bodies = append(b.bodies, string(out))
	if loc := res.Header.Get("Location"); loc != "" {
		b.visited = append(b.visited, loc)
	}
	return res, string(out)
}

func (b *browser) location(res *http.Response) *url.URL {
	b.t.Helper()
	u, err := res.Location()
	if err != nil {
		b.t.Fatalf("status %d without a Location: %v", res.StatusCode, err)
	}
	return u
}

// startLogin opens the console's login and answers the issuer's
// authorization URL it was sent to.
func (b *browser) startLogin(s *ssoSetup) *url.URL {
	b.t.Helper()
	res, _ := b.do("GET", s.base+"sso/login", nil, nil)
	if res.StatusCode != http.StatusFound {
		b.t.Fatalf("sso/login: %d", res.StatusCode)
	}
	return b.location(res)
}

// signIn fills the issuer's form and answers the callback URL it sends
// the browser to.
func (b *browser) signIn(authURL *url.URL, user, pass string) *url.URL {
	b.t.Helper()
	form := authURL.Query()
	form.Set("username", user)
	form.Set("password", pass)
	res, body := b.do("POST", authURL.Scheme+"://"+authURL.Host+authURL.Path, form, nil)
	if res.StatusCode != http.StatusFound {
		b.t.Fatalf("sign in at the issuer: %d %s", res.StatusCode, body)
	}
	return b.location(res)
}

// callback follows the issuer's redirect back to the console and answers
// the console page it lands on.
func (b *browser) callback(cb *url.URL) *url.URL {
	b.t.Helper()
	res, body := b.do("GET", cb.String(), nil, nil)
	if res.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("callback: %d %s", res.StatusCode, body)
	}
	return b.location(res)
}

func (b *browser) login(s *ssoSetup) {
	b.t.Helper()
	if to := b.callback(b.signIn(b.startLogin(s), "alice", "alice-secret")); to.Fragment != "" {
		b.t.Fatalf("login failed: landed on %s", to)
	}
}

func (b *browser) api(s *ssoSetup, path string) (int, string) {
	b.t.Helper()
	res, body := b.do("GET", s.base+"session/v2"+path, nil, map[string]string{"X-Orca-Console": "1"})
	return res.StatusCode, body
}

func TestSingleSignOn(t *testing.T) {
	s := newSSO(t, oidctest.Options{})
	b := newBrowser(t)

	// The console sends the browser to the issuer with state, nonce and a
	// PKCE S256 challenge; the login is bound to this browser by a cookie.
	authURL := b.startLogin(s)
	q := authURL.Query()
	if !strings.HasPrefix(authURL.String(), s.is.URL+"/authorize?") || q.Get("client_id") != "orca-console" ||
		q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43 ||
		len(q.Get("state")) < 32 || len(q.Get("nonce")) < 32 || q.Get("redirect_uri") != s.base+"sso-callback" ||
		!strings.Contains(q.Get("scope"), "openid") {
		t.Fatalf("authorization request: %s", authURL)
	}
	cb := b.signIn(authURL, "alice", "alice-secret")
	if cb.Query().Get("state") != q.Get("state") || cb.Query().Get("code") == "" {
		t.Fatalf("callback URL: %s", cb)
	}
	landed := b.callback(cb)
	if landed.Path != "/console/" || landed.RawQuery != "" || landed.Fragment != "" {
		t.Fatalf("after the login the browser goes to %s, want the console", landed)
	}
	u, _ := url.Parse(s.base)
	var sc *http.Cookie
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "orca_console_session" {
			sc = c
		}
	}
	if sc == nil {
		t.Fatal("no session cookie")
	}

	// The session says who is logged in; its API calls reach /v2 with the
	// user's access token, checked there as any client's.
	res, body := b.do("GET", s.base+"session", nil, nil)
	if res.StatusCode != 200 || !strings.Contains(body, `"user":"alice"`) {
		t.Fatalf("session: %d %s", res.StatusCode, body)
	}
	if status, body := b.api(s, "/topology"); status != 200 || body != "GET /v2/topology alice" {
		t.Fatalf("API through the session: %d %q", status, body)
	}
	// Without the console's header (a cross-site form, say) it is refused.
	if res, body := b.do("GET", s.base+"session/v2/topology", nil, nil); res.StatusCode != 403 {
		t.Fatalf("without X-Orca-Console: %d %s", res.StatusCode, body)
	}
	// The cookie is no credential for /v2 itself.
	if res, _ := b.do("GET", strings.TrimSuffix(s.base, "console/")+"v2/topology", nil, nil); res.StatusCode != 401 {
		t.Fatalf("/v2 with the session cookie: %d", res.StatusCode)
	}

	// A code seen on its way (in a log, a referrer) is useless without the
	// verifier, which never left the console.
	b2 := newBrowser(t)
	cb2 := b2.signIn(b2.startLogin(s), "alice", "alice-secret")
	res, body = b2.do("POST", s.is.URL+"/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"orca-console"},
		"code": {cb2.Query().Get("code")}, "redirect_uri": {s.base + "sso-callback"}}, nil)
	if res.StatusCode != 400 || !strings.Contains(body, "invalid_grant") {
		t.Fatalf("a code exchanged without the verifier: %d %s", res.StatusCode, body)
	}

	// Logout ends the session here and sends the browser to the issuer's
	// end-session endpoint, which sends it back.
	res, body = b.do("POST", s.base+"logout", nil, map[string]string{"X-Orca-Console": "1"})
	var out struct{ Redirect string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || res.StatusCode != 200 || !strings.HasPrefix(out.Redirect, s.is.URL+"/logout?") ||
		!strings.Contains(out.Redirect, url.QueryEscape(s.base)) {
		t.Fatalf("logout: %d %s", res.StatusCode, body)
	}
	if status, _ := b.api(s, "/topology"); status != 401 {
		t.Fatalf("API after logout: %d", status)
	}
	if res, _ := b.do("GET", s.base+"session", nil, nil); res.StatusCode != 401 {
		t.Fatalf("session after logout: %d", res.StatusCode)
	}
	// The old cookie, replayed, opens nothing.
	replay := newBrowser(t)
	replay.c.Jar.SetCookies(u, []*http.Cookie{{Name: "orca_console_session", Value: sc.Value}})
	if status, _ := replay.api(s, "/topology"); status != 401 {
		t.Fatalf("a logged-out session cookie replayed: %d", status)
	}

	// No token is ever in a URL the browser saw, in what the console
	// answered the page, or in the logs.
	jwtRe := regexp.MustCompile(`eyJ[A-Za-z0-9_-]{10,}`)
	for _, v := range append(b.visited, s.logs.String()) {
		if jwtRe.MatchString(v) {
			t.Errorf("a token leaked: %s", v)
		}
	}
	for i, body := range b.bodies {
		if jwtRe.MatchString(body) && !strings.HasPrefix(b.visited[i], s.is.URL) {
			t.Errorf("a console answer carries a token: %s", body)
		}
	}
	if strings.Contains(s.logs.String(), cb.Query().Get("code")) {
		t.Error("the authorization code is in the logs")
	}
}

func TestSingleSignOnRefusals(t *testing.T) {
	var idClaims atomic.Value // func(map[string]any)
	s := newSSO(t, oidctest.Options{IDTokenClaims: func(c map[string]any) {
		if f, ok := idClaims.Load().(func(map[string]any)); ok && f != nil {
			f(c)
		}
	}})
	failed := func(t *testing.T, b *browser, to *url.URL, want string) {
		t.Helper()
		if to.Fragment != "/login?failed="+want {
			t.Fatalf("landed on %s, want #/login?failed=%s", to, want)
		}
		if status, _ := b.api(s, "/topology"); status != 401 {
			t.Fatalf("a refused login opened a session: %d", status)
		}
	}
	t.Run("state of another login (login CSRF)", func(t *testing.T) {
		// The attacker's own callback URL, opened in the victim's browser.
		attacker, victim := newBrowser(t), newBrowser(t)
		cb := attacker.signIn(attacker.startLogin(s), "alice", "alice-secret")
		victim.startLogin(s)
		failed(t, victim, victim.callback(cb), "state")
	})
	t.Run("no login started in this browser", func(t *testing.T) {
		attacker, victim := newBrowser(t), newBrowser(t)
		cb := attacker.signIn(attacker.startLogin(s), "alice", "alice-secret")
		failed(t, victim, victim.callback(cb), "state")
	})
	t.Run("callback replayed", func(t *testing.T) {
		b := newBrowser(t)
		authURL := b.startLogin(s)
		cb := b.signIn(authURL, "alice", "alice-secret")
		b.callback(cb)
		b2 := newBrowser(t)
		u, _ := url.Parse(s.base)
		b2.c.Jar.SetCookies(u, []*http.Cookie{{Name: "orca_console_login", Value: authURL.Query().Get("state")}})
		failed(t, b2, b2.callback(cb), "state")
	})
	t.Run("provider refused", func(t *testing.T) {
		b := newBrowser(t)
		authURL := b.startLogin(s)
		cb, _ := url.Parse(s.base + "sso-callback?error=access_denied&state=" + url.QueryEscape(authURL.Query().Get("state")))
		failed(t, b, b.callback(cb), "denied")
	})
	t.Run("ID token of another login (nonce)", func(t *testing.T) {
		idClaims.Store(func(c map[string]any) { c["nonce"] = "not-this-login" })
		defer idClaims.Store(func(map[string]any) {})
		b := newBrowser(t)
		failed(t, b, b.callback(b.signIn(b.startLogin(s), "alice", "alice-secret")), "nonce")
	})
	t.Run("ID token for another client", func(t *testing.T) {
		idClaims.Store(func(c map[string]any) { c["aud"] = "someone-else" })
		defer idClaims.Store(func(map[string]any) {})
		b := newBrowser(t)
		failed(t, b, b.callback(b.signIn(b.startLogin(s), "alice", "alice-secret")), "idtoken")
	})
	t.Run("mixed-up issuer", func(t *testing.T) {
		b := newBrowser(t)
		cb := b.signIn(b.startLogin(s), "alice", "alice-secret")
		q := cb.Query()
		q.Set("iss", "https://evil.example")
		cb.RawQuery = q.Encode()
		failed(t, b, b.callback(cb), "issuer")
	})
	t.Run("wrong password stays at the issuer", func(t *testing.T) {
		b := newBrowser(t)
		authURL := b.startLogin(s)
		form := authURL.Query()
		form.Set("username", "alice")
		form.Set("password", "nope")
		if res, _ := b.do("POST", s.is.URL+"/authorize", form, nil); res.StatusCode != 401 {
			t.Fatalf("wrong password: %d", res.StatusCode)
		}
	})
}

func TestSingleSignOnExpiry(t *testing.T) {
	t.Run("without a refresh token the session ends", func(t *testing.T) {
		s := newSSO(t, oidctest.Options{AccessTokenTTL: 5 * time.Minute})
		b := newBrowser(t)
		b.login(s)
		if status, body := b.api(s, "/topology"); status != 200 {
			t.Fatalf("before expiry: %d %s", status, body)
		}
		s.advance(6 * time.Minute)
		if status, body := b.api(s, "/topology"); status != 401 || !strings.Contains(body, "log in again") {
			t.Fatalf("after expiry: %d %s", status, body)
		}
		if res, _ := b.do("GET", s.base+"session", nil, nil); res.StatusCode != 401 {
			t.Fatalf("session after expiry: %d", res.StatusCode)
		}
	})
	t.Run("with a refresh token it is renewed", func(t *testing.T) {
		s := newSSO(t, oidctest.Options{AccessTokenTTL: 5 * time.Minute, RefreshTokens: true})
		b := newBrowser(t)
		b.login(s)
		s.advance(6 * time.Minute)
		if status, body := b.api(s, "/topology"); status != 200 || s.is.Count("refresh") != 1 {
			t.Fatalf("after expiry: %d %s, %d refreshes", status, body, s.is.Count("refresh"))
		}
		// Renewed once, then used as is.
		if status, _ := b.api(s, "/topology"); status != 200 || s.is.Count("refresh") != 1 {
			t.Fatalf("second call: %d, %d refreshes", status, s.is.Count("refresh"))
		}
	})
}

func TestSingleSignOnShell(t *testing.T) {
	s := newSSO(t, oidctest.Options{})
	res, body := get(t, s.base, nil)
	if res.StatusCode != 200 || !strings.Contains(body2(body), `data-sso="true"`) || !strings.Contains(body2(body), `data-api="/console/session/v2"`) {
		t.Fatalf("shell: %d %s", res.StatusCode, body)
	}
	// Many logins started and never finished are bounded.
	b := newBrowser(t)
	var last int
	for i := 0; i < 1100; i++ {
		res, _ := b.do("GET", s.base+"sso/login", nil, nil)
		last = res.StatusCode
		if last != http.StatusFound {
			break
		}
	}
	if last != http.StatusServiceUnavailable {
		t.Fatalf("1,100 logins in progress: last status %d", last)
	}
}

func body2(b []byte) string { return string(b) }

// The live updates of a single sign-on console need its session and its
// header; a stream whose session ends says so and closes.
func TestSingleSignOnLiveUpdates(t *testing.T) {
	hub := console.NewHub()
	s := newSSOWith(t, oidctest.Options{}, hub)
	b := newBrowser(t)
	if res, _ := b.do("GET", s.base+"events", nil, map[string]string{"X-Orca-Console": "1"}); res.StatusCode != 401 {
		t.Fatalf("events before login: %d", res.StatusCode)
	}
	b.login(s)
	if res, _ := b.do("GET", s.base+"events", nil, nil); res.StatusCode != 403 {
		t.Fatalf("events without the console's header: %d", res.StatusCode)
	}
	req, _ := http.NewRequest("GET", s.base+"events", nil)
	req.Header.Set("X-Orca-Console", "1")
	for _, c := range b.c.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	st := &sse{res: res, r: bufio.NewReader(res.Body)}
	if ev, _ := st.next(t); ev != "ready" {
		t.Fatalf("first event %q", ev)
	}
	hub.Publish(console.Change{ProcessInstanceKeys: []int64{7}})
	if ev, data := st.next(t); ev != "change" || !strings.Contains(data, `"7"`) {
		t.Fatalf("event %q %s", ev, data)
	}
	b.do("POST", s.base+"logout", nil, map[string]string{"X-Orca-Console": "1"})
	hub.Publish(console.Change{ProcessInstanceKeys: []int64{8}})
	if ev, _ := st.next(t); ev != "expired" {
		t.Fatalf("after logout: %q", ev)
	}
	if _, err := st.r.ReadString('\n'); err == nil {
		t.Fatal("the stream stayed open after its session ended")
	}
}
