package httpconnector_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/httpconnector"
	"github.com/orcabpm/orca/internal/worker"
)

// seen is what the test server received.
type seen struct {
	Method, Path, RawQuery string
	Header                 http.Header
	Body                   string
	Form                   url.Values
}

type server struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []seen
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rec := seen{Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: string(b)}
		rec.Form, _ = url.ParseQuery(string(b))
		s.mu.Lock()
		s.reqs = append(s.reqs, rec)
		s.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) requests() []seen {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]seen(nil), s.reqs...)
}

func jsonAnswer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Request-Id", "r-1")
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func job(t *testing.T, vars map[string]any, headers map[string]string) *worker.Job {
	t.Helper()
	raw := map[string]json.RawMessage{}
	for k, v := range vars {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		raw[k] = b
	}
	return &worker.Job{ActivatedJob: cluster.ActivatedJob{JobKey: 1, Retries: 3, Variables: raw, CustomHeaders: headers}}
}

func run(t *testing.T, c *httpconnector.Connector, vars map[string]any, headers map[string]string) (*worker.Completion, error) {
	t.Helper()
	h := c.Handler(worker.MapSecrets{"API_TOKEN": "tok-123", "PASSWORD": "pa55"})
	return h.Handle(context.Background(), job(t, vars, headers))
}

func TestRequestAndResponse(t *testing.T) {
	srv := newServer(t, jsonAnswer(201, `{"id": 7, "name": "Ada", "tags": ["x"]}`))
	c := httpconnector.New(httpconnector.Options{})
	comp, err := run(t, c, map[string]any{
		"method": "POST", "url": srv.URL + "/users?existing=1",
		"headers":          map[string]any{"X-Trace": "abc"},
		"queryParameters":  map[string]any{"page": 2, "q": "a b"},
		"body":             map[string]any{"name": "Ada", "nickname": nil},
		"ignoreNullValues": true,
	}, map[string]string{"resultVariable": "created", "resultExpression": "={userId: response.body.id, status: response.status}"})
	if err != nil {
		t.Fatal(err)
	}
	r := srv.requests()[0]
	if r.Method != "POST" || r.Path != "/users" || r.Header.Get("X-Trace") != "abc" || r.Header.Get("Content-Type") != "application/json" {
		t.Errorf("request = %+v", r)
	}
	if q, _ := url.ParseQuery(r.RawQuery); q.Get("existing") != "1" || q.Get("page") != "2" || q.Get("q") != "a b" {
		t.Errorf("query = %s", r.RawQuery)
	}
	if r.Body != `{"name":"Ada"}` {
		t.Errorf("body = %s (nulls must be left out)", r.Body)
	}
	got, _ := json.Marshal(comp.Variables)
	want := `{"created":{"body":{"id":7,"name":"Ada","tags":["x"]},"headers":{"Content-Length":"39","Content-Type":"application/json","Date":"` +
		comp.Variables["created"].(map[string]any)["headers"].(map[string]any)["Date"].(string) +
		`","X-Request-Id":"r-1"},"reason":"Created","status":201},"status":201,"userId":7}`
	if string(got) != want {
		t.Errorf("variables:\n got %s\nwant %s", got, want)
	}
}

func TestBodyForms(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain text") })
	c := httpconnector.New(httpconnector.Options{})
	comp, err := run(t, c, map[string]any{"method": "PUT", "url": srv.URL, "body": "<a>raw</a>", "headers": map[string]any{"Content-Type": "text/xml"}},
		map[string]string{"resultVariable": "r"})
	if err != nil {
		t.Fatal(err)
	}
	if b := comp.Variables["r"].(map[string]any)["body"]; b != "plain text" {
		t.Errorf("a body that is not JSON must come back as text: %v", b)
	}
	if _, err := run(t, c, map[string]any{"method": "POST", "url": srv.URL, "body": map[string]any{"a": "1 2", "b": 3},
		"headers": map[string]any{"Content-Type": "application/x-www-form-urlencoded"}}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, c, map[string]any{"method": "GET", "url": srv.URL, "body": map[string]any{"ignored": true}}, nil); err != nil {
		t.Fatal(err)
	}
	reqs := srv.requests()
	if reqs[0].Body != "<a>raw</a>" || reqs[0].Header.Get("Content-Type") != "text/xml" {
		t.Errorf("raw body = %+v", reqs[0])
	}
	if reqs[1].Body != "a=1+2&b=3" {
		t.Errorf("form body = %q", reqs[1].Body)
	}
	if reqs[2].Body != "" {
		t.Errorf("a GET sent a body: %q", reqs[2].Body)
	}
}

func TestAuthentication(t *testing.T) {
	idp := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"access_token":"at-9","token_type":"Bearer","expires_in":3600}`)
	})
	cases := []struct {
		name  string
		auth  map[string]any
		check func(t *testing.T, r seen)
	}{
		{"noAuth", map[string]any{"type": "noAuth"}, func(t *testing.T, r seen) {
			if r.Header.Get("Authorization") != "" {
				t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
			}
		}},
		{"basic", map[string]any{"type": "basic", "username": "ada", "password": "{{secrets.PASSWORD}}"}, func(t *testing.T, r seen) {
			req := &http.Request{Header: r.Header}
			u, p, ok := req.BasicAuth()
			if !ok || u != "ada" || p != "pa55" {
				t.Errorf("basic = %q %q %v", u, p, ok)
			}
		}},
		{"bearer", map[string]any{"type": "bearer", "token": "{{secrets.API_TOKEN}}"}, func(t *testing.T, r seen) {
			if r.Header.Get("Authorization") != "Bearer tok-123" {
				t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
			}
		}},
		{"api key in a header", map[string]any{"type": "apiKey", "apiKeyLocation": "headers", "name": "X-API-Key", "value": "k1"}, func(t *testing.T, r seen) {
			if r.Header.Get("X-Api-Key") != "k1" {
				t.Errorf("headers = %v", r.Header)
			}
		}},
		{"api key in the query", map[string]any{"type": "apiKey", "apiKeyLocation": "query", "name": "key", "value": "k2"}, func(t *testing.T, r seen) {
			if q, _ := url.ParseQuery(r.RawQuery); q.Get("key") != "k2" {
				t.Errorf("query = %s", r.RawQuery)
			}
		}},
		{"oauth client credentials, basic header", map[string]any{"type": "oauth-client-credentials-flow", "oauthTokenEndpoint": idp.URL + "/token",
			"clientId": "orca", "clientSecret": "cs", "audience": "api://x", "scopes": "read write", "clientAuthentication": "basicAuthHeader"},
			func(t *testing.T, r seen) {
				if r.Header.Get("Authorization") != "Bearer at-9" {
					t.Errorf("Authorization = %q", r.Header.Get("Authorization"))
				}
				tr := idp.requests()[len(idp.requests())-1]
				req := &http.Request{Header: tr.Header}
				u, p, _ := req.BasicAuth()
				if u != "orca" || p != "cs" || tr.Form.Get("grant_type") != "client_credentials" || tr.Form.Get("audience") != "api://x" ||
					tr.Form.Get("scope") != "read write" || tr.Form.Get("client_secret") != "" {
					t.Errorf("token request = %+v", tr)
				}
			}},
		{"oauth client credentials, body", map[string]any{"type": "oauth-client-credentials-flow", "oauthTokenEndpoint": idp.URL + "/token2",
			"clientId": "orca2", "clientSecret": "cs2", "clientAuthentication": "credentialsBody"},
			func(t *testing.T, r seen) {
				tr := idp.requests()[len(idp.requests())-1]
				if tr.Path != "/token2" || tr.Form.Get("client_id") != "orca2" || tr.Form.Get("client_secret") != "cs2" || tr.Header.Get("Authorization") != "" {
					t.Errorf("token request = %+v", tr)
				}
			}},
		{"oauth refresh token", map[string]any{"type": "oauth-refresh-token", "oauthTokenEndpoint": idp.URL + "/refresh",
			"clientId": "c", "clientSecret": "s", "refreshToken": "rt-1"},
			func(t *testing.T, r seen) {
				tr := idp.requests()[len(idp.requests())-1]
				if tr.Form.Get("grant_type") != "refresh_token" || tr.Form.Get("refresh_token") != "rt-1" || r.Header.Get("Authorization") != "Bearer at-9" {
					t.Errorf("token request = %+v, auth %q", tr, r.Header.Get("Authorization"))
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, jsonAnswer(200, `{}`))
			c := httpconnector.New(httpconnector.Options{})
			if _, err := run(t, c, map[string]any{"url": srv.URL + "/x", "authentication": tc.auth}, nil); err != nil {
				t.Fatal(err)
			}
			tc.check(t, srv.requests()[0])
		})
	}
	t.Run("oauth token reused", func(t *testing.T) {
		srv := newServer(t, jsonAnswer(200, `{}`))
		c := httpconnector.New(httpconnector.Options{})
		before := len(idp.requests())
		auth := map[string]any{"type": "oauth-client-credentials-flow", "oauthTokenEndpoint": idp.URL + "/reuse", "clientId": "a", "clientSecret": "b"}
		for range 3 {
			if _, err := run(t, c, map[string]any{"url": srv.URL, "authentication": auth}, nil); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(idp.requests()) - before; n != 1 {
			t.Errorf("%d token requests for 3 calls, want 1", n)
		}
	})
	t.Run("missing field", func(t *testing.T) {
		c := httpconnector.New(httpconnector.Options{})
		_, err := run(t, c, map[string]any{"url": "http://127.0.0.1:1/", "authentication": map[string]any{"type": "bearer"}}, nil)
		var je *worker.JobError
		if !errors.As(err, &je) || *je.Retries != 0 || je.Message != "authentication.token must not be empty for authentication type bearer" {
			t.Errorf("err = %#v", err)
		}
	})
}

func TestErrorMapping(t *testing.T) {
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/missing":
			jsonAnswer(404, `{"error":"no such user"}`)(w, r)
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	})
	c := httpconnector.New(httpconnector.Options{})
	expr := map[string]string{"errorExpression": `=if error.code = "404" then bpmnError("USER_NOT_FOUND", error.message, {detail: error.response.body.error}) else null`}
	_, err := run(t, c, map[string]any{"url": srv.URL + "/missing"}, expr)
	var be *worker.BPMNError
	if !errors.As(err, &be) || be.Code != "USER_NOT_FOUND" || be.Message != "Not Found" || be.Variables["detail"] != "no such user" {
		t.Fatalf("err = %#v", err)
	}
	// Not matched by the expression: the job fails (and is retried) with
	// the status in its message.
	_, err = run(t, c, map[string]any{"url": srv.URL + "/other?apikey=secret"}, expr)
	var se *httpconnector.StatusError
	if !errors.As(err, &se) || se.ErrorCode() != "500" || err.Error() != "GET "+srv.URL+"/other answered 500 Internal Server Error" {
		t.Fatalf("err = %v", err)
	}
	// No answer at all: code 500 as in Camunda's connector.
	_, err = run(t, c, map[string]any{"url": "http://127.0.0.1:1/x"}, map[string]string{"errorExpression": `=if error.code = "500" then jobError("down: " + error.message, {}, 0) else null`})
	var je *worker.JobError
	if !errors.As(err, &je) || *je.Retries != 0 || !strings.HasPrefix(je.Message, "down: Error while executing an HTTP request: GET http://127.0.0.1:1/x:") {
		t.Fatalf("err = %#v", err)
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	defer close(release)
	c := httpconnector.New(httpconnector.Options{})
	_, err := run(t, c, map[string]any{"url": srv.URL, "readTimeoutInSeconds": 0.2, "connectionTimeoutInSeconds": 1}, nil)
	var re *httpconnector.RequestError
	if !errors.As(err, &re) || !strings.Contains(err.Error(), "no answer within the timeout (connection 1s, read 200ms)") {
		t.Fatalf("err = %v", err)
	}
}

func TestAllowedHosts(t *testing.T) {
	other := newServer(t, jsonAnswer(200, `{"from":"other"}`))
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/to-other":
			http.Redirect(w, r, strings.Replace(other.URL, "127.0.0.1", "localhost", 1)+"/x", http.StatusFound)
		case "/to-self":
			http.Redirect(w, r, "/ok", http.StatusFound)
		default:
			jsonAnswer(200, `{"ok":true}`)(w, r)
		}
	})
	u, _ := url.Parse(srv.URL)
	c := httpconnector.New(httpconnector.Options{AllowedHosts: []string{u.Host, "*.example.com"}})
	if _, err := run(t, c, map[string]any{"url": srv.URL + "/to-self", "followRedirects": true}, nil); err != nil {
		t.Fatalf("an allowed host with a redirect to itself: %v", err)
	}
	refused := func(name string, vars map[string]any, want string) {
		t.Helper()
		_, err := run(t, c, vars, nil)
		var je *worker.JobError
		if !errors.As(err, &je) || je.Retries == nil || *je.Retries != 0 || !strings.Contains(je.Message, want) {
			t.Errorf("%s: err = %v, want a failure without retries saying %q", name, err, want)
		}
	}
	refused("another host", map[string]any{"url": strings.Replace(other.URL, "127.0.0.1", "localhost", 1)}, "is not among the hosts the REST connector may call")
	refused("another port", map[string]any{"url": other.URL}, "is not among the hosts")
	refused("a redirect elsewhere", map[string]any{"url": srv.URL + "/to-other", "followRedirects": true}, "the redirect leads to a host the REST connector may not call")
	if n := len(other.requests()); n != 0 {
		t.Errorf("the host outside the allow list got %d requests", n)
	}
	// Without followRedirects the redirect is the answer.
	comp, err := run(t, c, map[string]any{"url": srv.URL + "/to-other"}, map[string]string{"resultVariable": "r"})
	if err != nil || comp.Variables["r"].(map[string]any)["status"] != json.Number("302") {
		t.Errorf("redirect not followed: %v %v", comp, err)
	}
}

func TestMetadataAddressRefused(t *testing.T) {
	// A redirect from an allowed server into the metadata service.
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/", http.StatusFound)
	})
	c := httpconnector.New(httpconnector.Options{})
	for _, target := range []string{
		"http://169.254.169.254/latest/meta-data/",
		"http://169.254.169.254:80/latest/api/token",
		"http://[fd00:ec2::254]/latest/meta-data/",
		"http://[fe80::a9fe:a9fe]/",
		"http://[::ffff:169.254.169.254]/",
		"https://169.254.170.2/v2/credentials",
	} {
		_, err := run(t, c, map[string]any{"url": target}, nil)
		var je *worker.JobError
		if !errors.As(err, &je) || *je.Retries != 0 || !strings.Contains(je.Message, "link-local") {
			t.Errorf("%s: err = %v", target, err)
		}
	}
	_, err := run(t, c, map[string]any{"url": srv.URL, "followRedirects": true}, nil)
	var je *worker.JobError
	if !errors.As(err, &je) || !strings.Contains(je.Message, "link-local") {
		t.Errorf("redirect into the metadata service: err = %v", err)
	}
}

func TestBadInput(t *testing.T) {
	c := httpconnector.New(httpconnector.Options{})
	for _, tc := range []struct {
		vars map[string]any
		want string
	}{
		{map[string]any{"url": "ftp://x/"}, "url must be an absolute http or https URL, not 'ftp://x/'"},
		{map[string]any{"url": "/relative"}, "url must be an absolute http or https URL"},
		{map[string]any{}, "url must be an absolute http or https URL, not ''"},
		{map[string]any{"url": "http://x/", "method": "TRACE"}, "method must be GET, POST, PUT, PATCH or DELETE, not 'TRACE'"},
		{map[string]any{"url": "http://x/", "headers": "X-A: 1"}, "headers must be a context"},
		{map[string]any{"url": "http://x/", "readTimeoutInSeconds": "soon"}, "readTimeoutInSeconds must be a number of seconds, not 'soon'"},
		{map[string]any{"url": "http://x/", "authentication": map[string]any{"type": "kerberos"}}, "authentication.type 'kerberos' is not supported"},
	} {
		_, err := run(t, c, tc.vars, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: err = %v, want %q", tc.vars, err, tc.want)
		}
	}
}
