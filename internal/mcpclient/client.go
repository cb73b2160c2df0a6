// Package mcpclient is the core of Orca's MCP Client connectors: an MCP client
// over stdio, Streamable HTTP and legacy SSE that performs the seven
// operations of Camunda's MCP Client connectors (tools/list, tools/call,
// resources/list, resources/templates/list, resources/read, prompts/list,
// prompts/get) and returns results shaped as the connector returns them, with
// allow/deny filters and Camunda's error codes. A Pool shares one connection
// per configuration: stdio servers start once, are restarted when they die,
// and stop on shutdown.
//
// The job workers (reading the connector's variables, secrets, result and
// error expressions) live elsewhere and call this package.
package mcpclient

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// ClientName and ClientVersion identify Orca in the MCP handshake.
const (
	ClientName    = "Orca MCP Client"
	ClientVersion = "1.0.0"
)

// Options are settings shared by the clients of a Pool.
type Options struct {
	// Logger receives connection events and the stderr lines of stdio
	// servers (at debug level). Nil discards the logs.
	Logger *slog.Logger
	// TerminateTimeout is how long closing a stdio server waits for it to
	// exit after its stdin closes, before signalling it. Zero means 2s.
	TerminateTimeout time.Duration
}

// Client talks to one MCP server. It connects on first use and reconnects
// (restarting a stdio server) when the connection was lost. It is safe for
// concurrent use.
type Client struct {
	cfg     Config
	log     *slog.Logger
	term    time.Duration
	mcp     *mcp.Client
	http    *http.Client  // http and sse; built once so an OAuth token outlives reconnects
	connect chan struct{} // a one-slot lock held while (re)connecting
	// tooLarge counts answers cut off at MaxMessageBytes; a call that fails
	// while it grows failed because of its answer's size.
	tooLarge *atomic.Int64

	mu     sync.Mutex
	sess   *session
	closed bool
}

// session is one live connection.
type session struct {
	cs     *mcp.ClientSession
	cancel context.CancelFunc // ends the connection's lifetime context
	dead   chan struct{}      // closed when the connection has ended
	stderr *tailWriter        // stdio only
}

func (s *session) isDead() bool {
	select {
	case <-s.dead:
		return true
	default:
		return false
	}
}

func (s *session) close() {
	_ = s.cs.Close()
	s.cancel()
}

// NewClient returns a client for cfg. It does not connect yet.
func NewClient(cfg Config, opts Options) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("mcp client: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Client{
		cfg:      cfg,
		log:      log.With("mcpServer", cfg.target()),
		term:     opts.TerminateTimeout,
		connect:  make(chan struct{}, 1),
		tooLarge: new(atomic.Int64),
	}
	if c.term <= 0 {
		c.term = 2 * time.Second
	}
	c.mcp = mcp.NewClient(&mcp.Implementation{Name: ClientName, Version: ClientVersion}, &mcp.ClientOptions{
		Logger: c.log,
		// No roots, sampling or elicitation, as Camunda's client.
		Capabilities: &mcp.ClientCapabilities{},
	})
	if cfg.Transport != TransportStdio {
		c.http = newHTTPClient(cfg.HTTP, c.tooLarge)
	}
	return c, nil
}

// Close ends the connection (stopping a stdio server). A closed client fails
// every call with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	s := c.sess
	c.sess, c.closed = nil, true
	c.mu.Unlock()
	if s != nil {
		s.close()
	}
	return nil
}

// Connect connects now if the client has no live connection.
func (c *Client) Connect(ctx context.Context) error {
	_, err := c.session(ctx)
	return err
}

// session returns the live session, connecting first when there is none or
// the last one has died.
func (c *Client) session(ctx context.Context) (*session, error) {
	if s, ok, err := c.current(); ok || err != nil {
		return s, err
	}
	select {
	case c.connect <- struct{}{}:
		defer func() { <-c.connect }()
	case <-ctx.Done():
		return nil, &unavailableError{c.cfg.target(), "waiting for the connection", ctx.Err()}
	}
	if s, ok, err := c.current(); ok || err != nil {
		return s, err // another caller connected meanwhile
	}
	c.mu.Lock()
	old := c.sess
	c.sess = nil
	c.mu.Unlock()
	if old != nil {
		c.log.WarnContext(ctx, "MCP server connection lost; reconnecting", "stderr", old.stderrTail())
		old.close()
	}
	s, err := c.dial(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		s.close()
		return nil, ErrClosed
	}
	c.sess = s
	return s, nil
}

// current returns the live session, if any.
func (c *Client) current() (*session, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, false, ErrClosed
	}
	if c.sess != nil && !c.sess.isDead() {
		return c.sess, true, nil
	}
	return nil, false, nil
}

// drop forgets s after its connection failed, so the next call reconnects.
func (c *Client) drop(s *session) {
	c.mu.Lock()
	if c.sess == s {
		c.sess = nil
	}
	c.mu.Unlock()
	s.close()
}

// dial starts a connection, bounded by the connect timeout. The connection
// gets its own lifetime context: the caller's context only bounds the wait.
func (c *Client) dial(ctx context.Context) (*session, error) {
	life, cancel := context.WithCancel(context.Background())
	s := &session{cancel: cancel, dead: make(chan struct{})}
	var transport mcp.Transport
	switch c.cfg.Transport {
	case TransportStdio:
		cmd, stderr := c.command()
		s.stderr = stderr
		transport = &mcp.CommandTransport{Command: cmd, TerminateDuration: c.term}
	case TransportHTTP:
		transport = &mcp.StreamableClientTransport{
			Endpoint: c.cfg.HTTP.URL, HTTPClient: c.http,
			// Requests and answers only: no standing GET stream to keep alive.
			DisableStandaloneSSE: true,
			MaxRetries:           -1,
		}
	case TransportSSE:
		transport = &mcp.SSEClientTransport{Endpoint: c.cfg.HTTP.URL, HTTPClient: c.http}
	}

	type result struct {
		cs  *mcp.ClientSession
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		cs, err := c.mcp.Connect(life, transport, nil)
		done <- result{cs, err}
	}()
	timer := time.NewTimer(c.cfg.connectTimeout())
	defer timer.Stop()
	var r result
	abandoned := true
	select {
	case r = <-done:
		abandoned = false
	case <-timer.C:
		r = result{err: fmt.Errorf("no answer within %s", c.cfg.connectTimeout())}
	case <-ctx.Done():
		r = result{err: ctx.Err()}
	}
	if abandoned {
		// Give up at once, without waiting for the attempt to wind down (a
		// stdio server may take its terminate timeout to stop): what it
		// yields is closed in the background.
		cancel()
		go func() {
			if late := <-done; late.cs != nil {
				_ = late.cs.Close()
			}
		}()
	}
	if r.err != nil {
		cancel()
		err := r.err
		if tail := s.stderrTail(); tail != "" {
			err = fmt.Errorf("%w (stderr: %s)", err, tail)
		}
		return nil, &unavailableError{c.cfg.target(), "connect", err}
	}
	s.cs = r.cs
	go func() {
		_ = r.cs.Wait()
		close(s.dead)
	}()
	info := r.cs.InitializeResult()
	attrs := []any{"took", time.Since(start)}
	if info != nil {
		attrs = append(attrs, "protocolVersion", info.ProtocolVersion)
		if info.ServerInfo != nil {
			attrs = append(attrs, "server", info.ServerInfo.Name, "serverVersion", info.ServerInfo.Version)
		}
	}
	c.log.InfoContext(ctx, "connected to MCP server", attrs...)
	return s, nil
}

func (s *session) stderrTail() string {
	if s == nil || s.stderr == nil {
		return ""
	}
	return s.stderr.tail()
}

// inheritedEnv returns the variables a stdio server gets from Orca's own
// environment unless InheritEnv is set.
func inheritedEnv() []string {
	return []string{"HOME", "LOGNAME", "PATH", "SHELL", "TERM", "USER", "LANG", "LC_ALL", "TMPDIR", "TZ"}
}

func (c *Client) command() (*exec.Cmd, *tailWriter) {
	sc := c.cfg.Stdio
	cmd := exec.Command(sc.Command, sc.Args...)
	cmd.Dir = sc.Dir
	if sc.InheritEnv {
		cmd.Env = os.Environ()
	} else {
		cmd.Env = []string{}
		for _, k := range inheritedEnv() {
			if v, ok := os.LookupEnv(k); ok {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
		}
	}
	for k, v := range sc.Env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr := &tailWriter{log: c.log}
	cmd.Stderr = stderr
	return cmd, stderr
}

// do runs op on a live session within the call timeout. When the connection
// turns out to be lost, the session is dropped so the next call reconnects;
// a read-only op is then tried once more on a fresh connection.
func (c *Client) do(ctx context.Context, method string, readOnly bool, op func(context.Context, *mcp.ClientSession) error) error {
	for attempt := 0; ; attempt++ {
		s, err := c.session(ctx)
		if err != nil {
			return err
		}
		callCtx, cancel := context.WithTimeout(ctx, c.cfg.callTimeout())
		cut := c.tooLarge.Load()
		err = op(callCtx, s.cs)
		expired := callCtx.Err() != nil
		cancel()
		if err != nil && (c.tooLarge.Load() != cut || frameTooLarge(err)) {
			c.drop(s)
			return fmt.Errorf("%s: %s: %w: more than %d bytes (the limit MaxMessageBytes)", c.cfg.target(), method, ErrTooLarge, MaxMessageBytes)
		}
		if err == nil || expired || !connectionFailure(err, s) {
			return err
		}
		c.drop(s)
		if !readOnly || attempt > 0 {
			return &unavailableError{c.cfg.target(), method, err}
		}
		c.log.InfoContext(ctx, "MCP connection lost; retrying on a new connection", "method", method, "error", err)
	}
}

// frameTooLarge recognises go-sdk's cap on one line of a stdio server
// (mcp.DefaultMaxLineLength, 16 MiB like MaxMessageBytes): the SDK's error
// is unexported, so its text is matched (TestHugeStdioToolResult fails if
// it changes). Without this, the call looked like a lost connection and the
// job was retried, the server restarted and 16 MiB read again each time.
func frameTooLarge(err error) bool {
	return strings.Contains(err.Error(), "exceeded the configured maximum line length")
}

// connectionFailure reports whether err, the error of a call that did not
// run out of time, means the connection is gone, as opposed to an answer of
// the server (a JSON-RPC error).
func connectionFailure(err error, s *session) bool {
	var rpcErr *jsonrpc.Error
	switch {
	case errors.As(err, &rpcErr):
		return false
	case errors.Is(err, mcp.ErrConnectionClosed) || errors.Is(err, mcp.ErrSessionMissing):
		return true
	}
	// Give the connection watcher a moment to notice a dead peer.
	select {
	case <-s.dead:
	case <-time.After(50 * time.Millisecond):
	}
	return true
}

// tailWriter logs a stdio server's stderr lines and keeps the last few for
// error messages.
type tailWriter struct {
	log  *slog.Logger
	mu   sync.Mutex
	buf  []byte // the last tailSize bytes
	line []byte // the unfinished line
}

const tailSize = 2048

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if len(w.buf) > tailSize {
		w.buf = append([]byte(nil), w.buf[len(w.buf)-tailSize:]...)
	}
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			break
		}
		w.log.Debug("MCP server stderr", "line", string(bytes.TrimRight(w.line[:i], "\r")))
		w.line = w.line[i+1:]
	}
	if len(w.line) > tailSize {
		w.line = w.line[len(w.line)-tailSize:]
	}
	return len(p), nil
}

func (w *tailWriter) tail() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(bytes.TrimSpace(w.buf))
}

// newHTTPClient builds the HTTP client of the http and sse transports:
// configured headers, then basic, bearer or OAuth credentials. It has no
// overall timeout (an SSE stream lives long); calls are bounded by contexts.
func newHTTPClient(cfg HTTPConfig, tooLarge *atomic.Int64) *http.Client {
	var rt http.RoundTripper = http.DefaultTransport.(*http.Transport).Clone()
	if cfg.Auth.Type == AuthOAuthClientCredentials {
		o := cfg.Auth.OAuth
		cc := clientcredentials.Config{
			ClientID:     o.ClientID,
			ClientSecret: o.ClientSecret,
			TokenURL:     o.TokenURL,
			Scopes:       o.Scopes,
			AuthStyle:    oauth2.AuthStyleInHeader,
		}
		if o.ClientAuthentication == ClientAuthBody {
			cc.AuthStyle = oauth2.AuthStyleInParams
		}
		if o.Audience != "" {
			cc.EndpointParams = map[string][]string{"audience": {o.Audience}}
		}
		// The token source caches the token until shortly before it expires;
		// its context only carries the HTTP client for the token endpoint.
		tokenCtx := context.WithValue(context.Background(), oauth2.HTTPClient, &http.Client{Timeout: 30 * time.Second})
		rt = &oauth2.Transport{Source: cc.TokenSource(tokenCtx), Base: rt}
	}
	rt = &capTransport{base: rt, max: MaxMessageBytes, tooLarge: tooLarge}
	return &http.Client{Transport: &headerTransport{base: rt, headers: cfg.Headers, auth: cfg.Auth}}
}

type headerTransport struct {
	base    http.RoundTripper
	headers map[string]string
	auth    Auth
}

func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	for k, v := range t.headers {
		req.Header.Set(k, v)
	}
	switch t.auth.Type {
	case AuthBasic:
		req.SetBasicAuth(t.auth.Username, t.auth.Password)
	case AuthBearer:
		req.Header.Set("Authorization", "Bearer "+t.auth.Token)
	}
	return t.base.RoundTrip(req)
}
