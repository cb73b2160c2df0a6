package mcpproxy

//lint:file-ignore SA1019 the proxy forwards sampling, which MCP 2026-07-28 deprecates; the tests keep it working

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// testTimeout bounds every wait in these tests.
const testTimeout = 20 * time.Second

const (
	testClientID = "orca-test"
	testSecret   = "s3cret"
	testAudience = "orca-gateway"
)

// authority is the identity provider shared by the test token endpoint and
// the test remote: tokens the endpoint issues are valid at the remote until
// revoked.
type authority struct {
	mu         sync.Mutex
	valid      map[string]bool
	rejected   atomic.Int64 // 401s the remote answered
	issueValid atomic.Bool  // whether newly issued tokens are valid at the remote
}

func newAuthority() *authority {
	a := &authority{valid: make(map[string]bool)}
	a.issueValid.Store(true)
	return a
}

func (a *authority) revokeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.valid)
}

// requireBearer answers 401 unless the request carries a valid token.
func (a *authority) requireBearer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		a.mu.Lock()
		valid := ok && a.valid[tok]
		a.mu.Unlock()
		if !valid {
			a.rejected.Add(1)
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			http.Error(w, "invalid or expired token", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// tokenEndpoint is a loopback OAuth 2.0 token endpoint for the
// client-credentials grant that counts its calls.
type tokenEndpoint struct {
	*httptest.Server
	auth      *authority
	calls     atomic.Int64
	expiresIn int

	mu     sync.Mutex
	secret string
	forms  []map[string]string
}

func newTokenEndpoint(t *testing.T, a *authority, expiresIn int) *tokenEndpoint {
	te := &tokenEndpoint{auth: a, expiresIn: expiresIn, secret: testSecret}
	te.Server = httptest.NewServer(http.HandlerFunc(te.serve))
	t.Cleanup(te.Close)
	return te
}

func (te *tokenEndpoint) setSecret(s string) {
	te.mu.Lock()
	defer te.mu.Unlock()
	te.secret = s
}

func (te *tokenEndpoint) lastForm() map[string]string {
	te.mu.Lock()
	defer te.mu.Unlock()
	if len(te.forms) == 0 {
		return nil
	}
	return te.forms[len(te.forms)-1]
}

func (te *tokenEndpoint) serve(w http.ResponseWriter, r *http.Request) {
	n := te.calls.Add(1)
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	form := map[string]string{}
	for k := range r.PostForm {
		form[k] = r.PostForm.Get(k)
	}
	te.mu.Lock()
	te.forms = append(te.forms, form)
	secret := te.secret
	te.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if form["grant_type"] != "client_credentials" {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":"unsupported_grant_type"}`)
		return
	}
	if form["client_id"] != testClientID || form["client_secret"] != secret {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"Invalid client credentials"}`)
		return
	}
	tok := fmt.Sprintf("token-%d", n)
	if te.auth.issueValid.Load() {
		te.auth.mu.Lock()
		te.auth.valid[tok] = true
		te.auth.mu.Unlock()
	}
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"Bearer","expires_in":%d}`, tok, te.expiresIn)
}

// fakeClock is a clock the tests move forward.
type fakeClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

// remoteState records what the test MCP server saw.
type remoteState struct {
	initializes atomic.Int64
	blockStart  chan struct{} // the "block" tool started
	blockEnd    chan struct{} // the "block" tool's context ended
	// standalone, when not nil, is closed once a client's standalone SSE
	// stream (its GET) is open: its headers flushed, so the server
	// delivers what it sends from then on there (a server that answers
	// POSTs with JSON sends its notifications nowhere else).
	standalone     chan struct{}
	standaloneOnce sync.Once
}

type echoIn struct {
	Text string `json:"text"`
}
type echoOut struct {
	Echo string `json:"echo"`
}

// newMCPServer returns a real go-sdk MCP server with the tools the tests use.
func newMCPServer(st *remoteState) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "remote", Version: "1.0.0"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Description: "echoes text"},
		func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
			return nil, echoOut{Echo: in.Text}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "progress", Description: "reports progress three times"},
		func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, echoOut, error) {
			if tok := req.Params.GetProgressToken(); tok != nil {
				for i := 1; i <= 3; i++ {
					if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{
						ProgressToken: tok, Progress: float64(i), Total: 3, Message: fmt.Sprintf("step %d", i)}); err != nil {
						return nil, echoOut{}, err
					}
				}
			}
			return nil, echoOut{Echo: "done"}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "sample", Description: "asks the client's LLM"},
		func(ctx context.Context, req *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, echoOut, error) {
			res, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{
				MaxTokens: 10,
				Messages:  []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: in.Text}}},
			})
			if err != nil {
				return nil, echoOut{}, err
			}
			text, _ := res.Content.(*mcp.TextContent)
			if text == nil {
				return nil, echoOut{}, errors.New("no text")
			}
			return nil, echoOut{Echo: text.Text}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "block", Description: "blocks until cancelled"},
		func(ctx context.Context, _ *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, echoOut, error) {
			if st.blockStart != nil {
				st.blockStart <- struct{}{}
			}
			<-ctx.Done()
			if st.blockEnd != nil {
				st.blockEnd <- struct{}{}
			}
			return nil, echoOut{}, ctx.Err()
		})
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "initialize" {
				st.initializes.Add(1)
			}
			return next(ctx, method, req)
		}
	})
	return s
}

// remoteServer is an MCP server on a fixed loopback address that can be
// stopped and started again (with fresh state, as after a restart).
type remoteServer struct {
	t       *testing.T
	addr    string
	handler func() http.Handler

	mu  sync.Mutex
	srv *http.Server
}

func newRemoteServer(t *testing.T, handler func() http.Handler) *remoteServer {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rs := &remoteServer{t: t, addr: l.Addr().String(), handler: handler}
	rs.serve(l)
	t.Cleanup(rs.stop)
	return rs
}

func (rs *remoteServer) url(path string) string { return "http://" + rs.addr + path }

func (rs *remoteServer) serve(l net.Listener) {
	srv := &http.Server{Handler: rs.handler(), ReadHeaderTimeout: 5 * time.Second}
	rs.mu.Lock()
	rs.srv = srv
	rs.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

func (rs *remoteServer) stop() {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.srv != nil {
		_ = rs.srv.Close()
		rs.srv = nil
	}
}

func (rs *remoteServer) start() {
	rs.t.Helper()
	l, err := net.Listen("tcp", rs.addr)
	if err != nil {
		rs.t.Fatalf("restarting the remote on %s: %v", rs.addr, err)
	}
	rs.serve(l)
}

// logBuffer collects the proxy's logs; a failed test prints them.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testLogger(t *testing.T) (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("proxy logs:\n%s", lb.String())
		}
	})
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// running is a proxy serving a client over a pair of pipes.
type running struct {
	proxy   *Proxy
	stdin   *io.PipeWriter // what the client writes
	stdout  *io.PipeReader // what the client reads
	done    chan error     // Run's result
	waitEnd func() error
}

// startProxy runs a proxy for cfg; the test's end closes its stdin and
// checks that Run returns nil.
func startProxy(t *testing.T, cfg Config) *running {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger, _ = testLogger(t)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	r := &running{proxy: p, stdin: inW, stdout: outR, done: make(chan error, 1)}
	go func() {
		err := p.Run(context.Background(), inR, outW)
		_ = outW.Close()
		r.done <- err
	}()
	var once sync.Once
	var endErr error
	r.waitEnd = func() error {
		once.Do(func() {
			_ = inW.Close()
			select {
			case endErr = <-r.done:
			case <-time.After(testTimeout):
				endErr = errors.New("Run did not return after stdin closed")
			}
		})
		return endErr
	}
	t.Cleanup(func() {
		if err := r.waitEnd(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return r
}

// connect connects a go-sdk client to the proxy over its stdio pipes.
func (r *running) connect(t *testing.T, opts *mcp.ClientOptions, sessOpts *mcp.ClientSessionOptions) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	c := mcp.NewClient(&mcp.Implementation{Name: "ide", Version: "1.0.0"}, opts)
	cs, err := c.Connect(ctx, &mcp.IOTransport{Reader: r.stdout, Writer: r.stdin}, sessOpts)
	if err != nil {
		t.Fatalf("connecting the client to the proxy: %v", err)
	}
	t.Cleanup(func() { _ = cs.Close() })
	return cs
}

// rawClient talks JSON-RPC lines to the proxy directly.
type rawClient struct {
	t     *testing.T
	r     *running
	lines chan []byte
}

func (r *running) raw(t *testing.T) *rawClient {
	rc := &rawClient{t: t, r: r, lines: make(chan []byte, 100)}
	go func() {
		sc := bufio.NewScanner(r.stdout)
		sc.Buffer(make([]byte, 0, 64<<10), 16<<20)
		for sc.Scan() {
			rc.lines <- bytes.Clone(sc.Bytes())
		}
		close(rc.lines)
	}()
	return rc
}

func (rc *rawClient) send(line string) {
	rc.t.Helper()
	if _, err := io.WriteString(rc.r.stdin, line+"\n"); err != nil {
		rc.t.Fatalf("writing to the proxy: %v", err)
	}
}

// next returns the next line the proxy wrote, which must be JSON.
func (rc *rawClient) next() map[string]any {
	rc.t.Helper()
	select {
	case line, ok := <-rc.lines:
		if !ok {
			rc.t.Fatal("the proxy closed stdout")
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			rc.t.Fatalf("the proxy wrote a line that is not a JSON object: %q", line)
		}
		return m
	case <-time.After(testTimeout):
		rc.t.Fatal("no message from the proxy")
		return nil
	}
}

// call sends a request and returns the proxy's answer to it, skipping
// notifications.
func (rc *rawClient) call(id, method, params string) map[string]any {
	rc.t.Helper()
	rc.send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%s,"method":%q,"params":%s}`, id, method, params))
	for {
		m := rc.next()
		if _, isReq := m["method"]; isReq {
			continue
		}
		got, _ := json.Marshal(m["id"])
		if string(got) != id {
			rc.t.Fatalf("answer with id %s, want %s: %v", got, id, m)
		}
		return m
	}
}

// rpcErr returns the code and message of an error response, or fails.
func rpcErr(t *testing.T, m map[string]any) (int, string) {
	t.Helper()
	e, ok := m["error"].(map[string]any)
	if !ok {
		t.Fatalf("want an error response, got %v", m)
	}
	code, _ := e["code"].(float64)
	msg, _ := e["message"].(string)
	return int(code), msg
}

const initParams = `{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}`

// callEcho calls the echo tool and checks the answer.
func callEcho(t *testing.T, cs *mcp.ClientSession, text string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": text}})
	if err != nil {
		t.Fatalf("calling echo: %v", err)
	}
	got, _ := json.Marshal(res.StructuredContent)
	if want := fmt.Sprintf(`{"echo":%q}`, text); string(got) != want {
		t.Fatalf("echo returned %s, want %s", got, want)
	}
}

func streamableHandler(st *remoteState, opts *mcp.StreamableHTTPOptions) http.Handler {
	s := newMCPServer(st)
	h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, opts)
	if st.standalone == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w = flushSignal{ResponseWriter: w, once: &st.standaloneOnce, ch: st.standalone}
		}
		h.ServeHTTP(w, r)
	})
}
