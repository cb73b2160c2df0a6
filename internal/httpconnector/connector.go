// Package httpconnector is Camunda's REST connector (job type
// io.camunda:http-json:1, the "REST Outbound Connector" element template):
// the HTTP request an element's inputs describe (method, URL, headers,
// query parameters, body, authentication, timeouts), answered as
// {status, headers, body, reason}. It runs under worker.Connector, which
// brings secrets, resultVariable, resultExpression, errorExpression and
// retries with back-off, so it also serves as a tool of an AI agent.
//
// Requests go only to the hosts of an allow list when one is configured,
// and never to link-local addresses (the cloud metadata service), whether
// named directly, through DNS or through a redirect.
package httpconnector

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/orcabpm/orca/internal/worker"
)

// JobType is the REST connector's job type.
const JobType = "io.camunda:http-json:1"

// InputVariables are the variables the REST connector template writes; only
// their secrets are resolved.
var InputVariables = []string{"method", "url", "headers", "queryParameters", "body", "authentication",
	"connectionTimeoutInSeconds", "readTimeoutInSeconds", "followRedirects", "ignoreNullValues", "skipEncoding"}

// DefaultTimeout is the template's connection and read timeout.
const DefaultTimeout = 20 * time.Second

// MaxResponseBytes bounds a response body.
const MaxResponseBytes = 16 << 20

// maxRedirects is how many redirects a request follows when allowed.
const maxRedirects = 10

// Options configure the connector.
type Options struct {
	// AllowedHosts lists the hosts requests may go to ("api.example.com",
	// "*.example.com", "10.0.0.7:8080"); empty allows every host.
	// Link-local addresses are refused either way.
	AllowedHosts []string
	// TLSConfig is the TLS configuration of requests (default: the system's
	// roots).
	TLSConfig *tls.Config
	Logger    *slog.Logger
}

// Connector runs REST connector jobs.
type Connector struct {
	opts   Options
	dialer *guardedDialer
	log    *slog.Logger

	mu     sync.Mutex
	tokens map[string]oauth2.TokenSource
}

// New returns a REST connector.
func New(opts Options) *Connector {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Connector{opts: opts, dialer: &guardedDialer{resolver: net.DefaultResolver}, log: opts.Logger, tokens: map[string]oauth2.TokenSource{}}
}

// Handler is the job handler with Camunda's connector conventions; the
// response goes to the element's resultVariable/resultExpression.
func (c *Connector) Handler(secrets worker.Secrets) worker.Handler {
	return worker.Connector(c.Call, secrets, worker.InputVariables(InputVariables...))
}

// request is the template's input.
type request struct {
	Method          string
	URL             *url.URL
	Headers         map[string]string
	Body            any
	HasBody         bool
	Auth            map[string]any
	ConnectTimeout  time.Duration
	ReadTimeout     time.Duration
	FollowRedirects bool
	IgnoreNulls     bool
}

// policyError is a request Orca refuses to send: retrying cannot help.
func policyError(format string, args ...any) error {
	zero := int32(0)
	return &worker.JobError{Message: fmt.Sprintf(format, args...), Retries: &zero}
}

// Call implements worker.ConnectorFunc.
func (c *Connector) Call(ctx context.Context, job *worker.Job, in map[string]any) (any, error) {
	req, err := parseRequest(in)
	if err != nil {
		return nil, policyError("%v", err)
	}
	if !hostAllowed(c.opts.AllowedHosts, req.URL.Hostname(), port(req.URL)) {
		return nil, policyError("the host '%s' is not among the hosts the REST connector may call (ORCA_HTTP_ALLOWED_HOSTS: %s)",
			req.URL.Host, strings.Join(c.opts.AllowedHosts, ", "))
	}
	client := c.client(req)
	httpReq, err := c.build(ctx, req, client)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The read timeout bounds the wait for each piece of the answer.
	idle := time.AfterFunc(req.ConnectTimeout+req.ReadTimeout, cancel)
	defer idle.Stop()
	resp, err := client.Do(httpReq.WithContext(ctx))
	if err != nil {
		return nil, c.transportError(ctx, req, err)
	}
	defer resp.Body.Close()
	body, err := readBody(resp.Body, idle, req.ReadTimeout)
	if err != nil {
		return nil, c.transportError(ctx, req, err)
	}
	result := map[string]any{
		"status":  resp.StatusCode,
		"headers": flattenHeaders(resp.Header),
		"body":    decodeBody(body),
		"reason":  strings.TrimSpace(strings.TrimPrefix(resp.Status, strconv.Itoa(resp.StatusCode))),
	}
	c.log.DebugContext(ctx, "http request", "method", req.Method, "host", req.URL.Host, "status", resp.StatusCode)
	if resp.StatusCode >= 400 {
		return nil, &StatusError{Status: resp.StatusCode, Reason: result["reason"].(string), Method: req.Method,
			URL: redactURL(req.URL), Response: map[string]any{"headers": result["headers"], "body": result["body"]}}
	}
	return result, nil
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// StatusError is an answer with an error status. Like Camunda's REST
// connector it carries the status as the error code and the response as
// the error's variables, for an errorExpression such as
// if error.code = "404" then bpmnError("NOT_FOUND", error.message) else null.
type StatusError struct {
	Status   int
	Reason   string
	Method   string
	URL      string
	Response map[string]any
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s answered %d %s", e.Method, e.URL, e.Status, e.Reason)
}

// ErrorCode is the status, as Camunda's connector reports it ("404").
func (e *StatusError) ErrorCode() string { return strconv.Itoa(e.Status) }

// ErrorMessage is the reason phrase, as Camunda's connector reports it.
func (e *StatusError) ErrorMessage() string { return e.Reason }

// ErrorVariables are {response: {headers, body}}.
func (e *StatusError) ErrorVariables() map[string]any { return map[string]any{"response": e.Response} }

// RequestError is a request that got no answer; its code is "500" as in
// Camunda's connector.
type RequestError struct {
	Message string
}

func (e *RequestError) Error() string { return e.Message }

// ErrorCode implements the connector error convention.
func (e *RequestError) ErrorCode() string { return "500" }

func (c *Connector) transportError(ctx context.Context, req *request, err error) error {
	target := req.Method + " " + redactURL(req.URL)
	switch {
	case errors.Is(err, ErrForbiddenAddress):
		return policyError("%s: %v", target, ErrForbiddenAddress)
	case errors.Is(err, errNotAllowedRedirect):
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return policyError("%s: %v", target, err)
	case errors.Is(err, errTooLarge):
		return policyError("%s: %v", target, err)
	case ctx.Err() != nil || isTimeout(err):
		return &RequestError{Message: fmt.Sprintf("Error while executing an HTTP request: %s: no answer within the timeout (connection %s, read %s)",
			target, req.ConnectTimeout, req.ReadTimeout)}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Err != nil {
		err = oe.Err
	}
	return &RequestError{Message: fmt.Sprintf("Error while executing an HTTP request: %s: %v", target, err)}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// redactURL drops the query (an API key may travel in it) and user info.
func redactURL(u *url.URL) string {
	v := *u
	v.User, v.RawQuery, v.Fragment = nil, "", ""
	return v.String()
}

var errNotAllowedRedirect = errors.New("the redirect leads to a host the REST connector may not call")

var errTooLarge = fmt.Errorf("the response is larger than %d bytes", MaxResponseBytes)

func (c *Connector) client(req *request) *http.Client {
	d := &guardedDialer{dialer: net.Dialer{Timeout: req.ConnectTimeout, KeepAlive: 30 * time.Second}, resolver: c.dialer.resolver}
	tr := &http.Transport{
		// No proxy from the environment: the guard must see the target.
		Proxy:                 nil,
		DialContext:           d.DialContext,
		TLSClientConfig:       c.opts.TLSConfig,
		TLSHandshakeTimeout:   req.ConnectTimeout,
		ResponseHeaderTimeout: req.ReadTimeout,
		DisableKeepAlives:     true,
	}
	return &http.Client{Transport: tr, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if !req.FollowRedirects {
			return http.ErrUseLastResponse
		}
		if len(via) >= maxRedirects {
			return fmt.Errorf("stopped after %d redirects", maxRedirects)
		}
		if !hostAllowed(c.opts.AllowedHosts, r.URL.Hostname(), port(r.URL)) {
			return fmt.Errorf("%w (%s)", errNotAllowedRedirect, r.URL.Host)
		}
		return nil
	}}
}

func readBody(r io.Reader, idle *time.Timer, d time.Duration) ([]byte, error) {
	var buf bytes.Buffer
	chunk := make([]byte, 32<<10)
	for {
		idle.Reset(d)
		n, err := r.Read(chunk)
		buf.Write(chunk[:n])
		if buf.Len() > MaxResponseBytes {
			return nil, errTooLarge
		}
		if err == io.EOF {
			return buf.Bytes(), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// decodeBody is JSON when the body is JSON, else text, nil when empty.
func decodeBody(b []byte) any {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err == nil && !dec.More() {
		return v
	}
	return string(b)
}

func flattenHeaders(h http.Header) map[string]any {
	out := make(map[string]any, len(h))
	for k, vs := range h {
		switch len(vs) {
		case 0:
			out[k] = ""
		case 1:
			out[k] = vs[0]
		default:
			l := make([]any, len(vs))
			for i, v := range vs {
				l[i] = v
			}
			out[k] = l
		}
	}
	return out
}

// parseRequest reads the template's inputs.
func parseRequest(in map[string]any) (*request, error) {
	r := &request{Method: "GET", ConnectTimeout: DefaultTimeout, ReadTimeout: DefaultTimeout}
	if m, ok := in["method"].(string); ok && strings.TrimSpace(m) != "" {
		r.Method = strings.ToUpper(strings.TrimSpace(m))
	}
	switch r.Method {
	case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS":
	default:
		return nil, fmt.Errorf("method must be GET, POST, PUT, PATCH or DELETE, not '%s'", r.Method)
	}
	raw, _ := in["url"].(string)
	raw = strings.TrimSpace(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("url must be an absolute http or https URL, not '%s'", raw)
	}
	r.URL = u
	if q := in["queryParameters"]; q != nil {
		qm, ok := q.(map[string]any)
		if !ok {
			return nil, errors.New("queryParameters must be a context such as {page: 1}")
		}
		vals := u.Query()
		for _, k := range sortedKeys(qm) {
			vals.Set(k, text(qm[k]))
		}
		u.RawQuery = vals.Encode()
	}
	if h := in["headers"]; h != nil {
		hm, ok := h.(map[string]any)
		if !ok {
			return nil, errors.New("headers must be a context such as {\"X-Trace\": \"1\"}")
		}
		r.Headers = map[string]string{}
		for k, v := range hm {
			r.Headers[k] = text(v)
		}
	}
	if b, ok := in["body"]; ok && b != nil {
		if s, isStr := b.(string); !isStr || strings.TrimSpace(s) != "" {
			r.Body, r.HasBody = b, true
		}
	}
	if a := in["authentication"]; a != nil {
		am, ok := a.(map[string]any)
		if !ok {
			return nil, errors.New("authentication must be a context with a type")
		}
		r.Auth = am
	}
	for name, dst := range map[string]*time.Duration{"connectionTimeoutInSeconds": &r.ConnectTimeout, "readTimeoutInSeconds": &r.ReadTimeout} {
		if v, ok := in[name]; ok && v != nil && v != "" {
			f, err := strconv.ParseFloat(text(v), 64)
			if err != nil || f < 0 {
				return nil, fmt.Errorf("%s must be a number of seconds, not '%s'", name, text(v))
			}
			if f > 0 {
				*dst = time.Duration(f * float64(time.Second))
			}
		}
	}
	r.FollowRedirects = truthy(in["followRedirects"])
	r.IgnoreNulls = truthy(in["ignoreNullValues"])
	return r, nil
}

func truthy(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case string:
		return strings.EqualFold(strings.TrimSpace(t), "true")
	}
	return false
}

func text(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	case json.Number:
		return t.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// build makes the HTTP request: body, headers, authentication.
func (c *Connector) build(ctx context.Context, req *request, client *http.Client) (*http.Request, error) {
	var body io.Reader
	contentType := ""
	for k, v := range req.Headers {
		if strings.EqualFold(k, "Content-Type") {
			contentType = v
		}
	}
	if req.HasBody && (req.Method == "POST" || req.Method == "PUT" || req.Method == "PATCH" || req.Method == "DELETE") {
		switch b := req.Body.(type) {
		case string:
			body = strings.NewReader(b)
		default:
			if req.IgnoreNulls {
				b = dropNulls(b)
			}
			if m, ok := b.(map[string]any); ok && strings.HasPrefix(strings.ToLower(contentType), "application/x-www-form-urlencoded") {
				form := url.Values{}
				for _, k := range sortedKeys(m) {
					form.Set(k, text(m[k]))
				}
				body = strings.NewReader(form.Encode())
			} else {
				enc, err := json.Marshal(b)
				if err != nil {
					return nil, policyError("the body cannot be sent as JSON")
				}
				body = bytes.NewReader(enc)
			}
		}
		if contentType == "" {
			contentType = "application/json"
			if req.Headers == nil {
				req.Headers = map[string]string{}
			}
			req.Headers["Content-Type"] = contentType
		}
	}
	r, err := http.NewRequestWithContext(ctx, req.Method, req.URL.String(), body)
	if err != nil {
		return nil, policyError("the request cannot be made: %v", err)
	}
	for k, v := range req.Headers {
		r.Header.Set(k, v)
	}
	if err := c.authenticate(ctx, r, req, client); err != nil {
		return nil, err
	}
	return r, nil
}

func dropNulls(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			if x != nil {
				out[k] = dropNulls(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = dropNulls(x)
		}
		return out
	}
	return v
}

func (c *Connector) authenticate(ctx context.Context, r *http.Request, req *request, client *http.Client) error {
	a := req.Auth
	s := func(k string) string { return strings.TrimSpace(text(a[k])) }
	need := func(keys ...string) error {
		for _, k := range keys {
			if s(k) == "" {
				return policyError("authentication.%s must not be empty for authentication type %s", k, s("type"))
			}
		}
		return nil
	}
	switch t := s("type"); t {
	case "", "noAuth":
	case "basic":
		if err := need("username"); err != nil {
			return err
		}
		r.SetBasicAuth(s("username"), text(a["password"]))
	case "bearer":
		if err := need("token"); err != nil {
			return err
		}
		r.Header.Set("Authorization", "Bearer "+s("token"))
	case "apiKey":
		if err := need("name", "value"); err != nil {
			return err
		}
		if strings.EqualFold(s("apiKeyLocation"), "query") {
			q := r.URL.Query()
			q.Set(s("name"), s("value"))
			r.URL.RawQuery = q.Encode()
		} else {
			r.Header.Set(s("name"), s("value"))
		}
	case "oauth-client-credentials-flow", "oauth-refresh-token":
		keys := []string{"oauthTokenEndpoint", "clientId", "clientSecret"}
		if t == "oauth-refresh-token" {
			keys = append(keys, "refreshToken")
		}
		if err := need(keys...); err != nil {
			return err
		}
		tu, err := url.Parse(s("oauthTokenEndpoint"))
		if err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" {
			return policyError("authentication.oauthTokenEndpoint must be an absolute http or https URL")
		}
		if !hostAllowed(c.opts.AllowedHosts, tu.Hostname(), port(tu)) {
			return policyError("the token endpoint's host '%s' is not among the hosts the REST connector may call", tu.Host)
		}
		tok, err := c.token(ctx, a, t, client)
		if err != nil {
			return err
		}
		r.Header.Set("Authorization", "Bearer "+tok)
	default:
		return policyError("authentication.type '%s' is not supported; use noAuth, basic, bearer, apiKey, oauth-client-credentials-flow or oauth-refresh-token", t)
	}
	return nil
}

// token gets an OAuth access token, reusing one while it is valid.
func (c *Connector) token(ctx context.Context, a map[string]any, typ string, client *http.Client) (string, error) {
	s := func(k string) string { return strings.TrimSpace(text(a[k])) }
	key := strings.Join([]string{typ, s("oauthTokenEndpoint"), s("clientId"), s("clientSecret"), s("audience"), s("scopes"),
		s("clientAuthentication"), s("refreshToken")}, "\x00")
	c.mu.Lock()
	src, ok := c.tokens[key]
	if !ok {
		// The token endpoint is reached through the same guarded client.
		tctx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Transport: client.Transport, Timeout: DefaultTimeout})
		style := oauth2.AuthStyleInHeader
		if strings.EqualFold(s("clientAuthentication"), "credentialsBody") || s("clientAuthentication") == "CREDENTIALS_BODY" {
			style = oauth2.AuthStyleInParams
		}
		if typ == "oauth-refresh-token" {
			cfg := &oauth2.Config{ClientID: s("clientId"), ClientSecret: s("clientSecret"), Scopes: strings.Fields(s("scopes")),
				Endpoint: oauth2.Endpoint{TokenURL: s("oauthTokenEndpoint"), AuthStyle: style}}
			src = cfg.TokenSource(tctx, &oauth2.Token{RefreshToken: s("refreshToken")})
		} else {
			cfg := clientcredentials.Config{ClientID: s("clientId"), ClientSecret: s("clientSecret"), TokenURL: s("oauthTokenEndpoint"),
				Scopes: strings.Fields(s("scopes")), AuthStyle: style}
			if aud := s("audience"); aud != "" {
				cfg.EndpointParams = url.Values{"audience": {aud}}
			}
			src = cfg.TokenSource(tctx)
		}
		if len(c.tokens) >= 256 {
			clear(c.tokens)
		}
		c.tokens[key] = src
	}
	c.mu.Unlock()
	tok, err := src.Token()
	if err != nil {
		c.mu.Lock()
		delete(c.tokens, key)
		c.mu.Unlock()
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			msg := re.ErrorCode
			if msg == "" && re.Response != nil {
				msg = re.Response.Status
			}
			return "", &RequestError{Message: fmt.Sprintf("the OAuth token endpoint refused the credentials (%s)", msg)}
		}
		if errors.Is(err, ErrForbiddenAddress) {
			return "", policyError("the OAuth token endpoint: %v", ErrForbiddenAddress)
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", &RequestError{Message: fmt.Sprintf("the OAuth token endpoint cannot be reached: %v", err)}
	}
	return tok.AccessToken, nil
}
