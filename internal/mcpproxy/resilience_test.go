package mcpproxy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestRemoteDownAndUp: while the remote is down the client gets a JSON-RPC
// error saying so, the proxy keeps running, and once the remote is back the
// next request works, opening a new session where the remote had one.
func TestRemoteDownAndUp(t *testing.T) {
	tests := []struct {
		name       string
		handler    func(st *remoteState) http.Handler
		version    string
		wantReinit bool
	}{
		{
			name: "stateless",
			handler: func(st *remoteState) http.Handler {
				return streamableHandler(st, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
			},
			version: "2025-11-25",
		},
		{
			name:       "stateful",
			handler:    func(st *remoteState) http.Handler { return streamableHandler(st, nil) },
			version:    "2025-11-25",
			wantReinit: true,
		},
		{
			name: "legacy SSE",
			handler: func(st *remoteState) http.Handler {
				s := newMCPServer(st)
				return mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil)
			},
			version:    "2024-11-05",
			wantReinit: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &remoteState{}
			// Every start gets a new handler: a restarted server knows no sessions.
			rs := newRemoteServer(t, func() http.Handler { return tt.handler(st) })
			r := startProxy(t, Config{BaseURL: rs.url("")})
			cs := r.connect(t, nil, &mcp.ClientSessionOptions{ProtocolVersion: tt.version})
			callEcho(t, cs, "before")

			rs.stop()
			for i := range 2 {
				ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
				_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "down"}})
				cancel()
				var werr *jsonrpc.Error
				if !errors.As(err, &werr) {
					t.Fatalf("call %d while down: want a JSON-RPC error, got %v", i, err)
				}
				// Over legacy SSE the request may also be lost with the stream.
				down := strings.Contains(werr.Message, "unreachable") || strings.Contains(werr.Message, "closed its SSE stream")
				if werr.Code != CodeRemoteUnavailable || !down || !strings.Contains(werr.Message, rs.addr) {
					t.Errorf("call %d while down: error %d %q; want %d saying %s is unreachable",
						i, werr.Code, werr.Message, CodeRemoteUnavailable, rs.addr)
				}
			}

			rs.start()
			callEcho(t, cs, "after")
			callEcho(t, cs, "and again")
			want := int64(1)
			if tt.wantReinit {
				want = 2
			}
			if got := st.initializes.Load(); got != want {
				t.Errorf("remote saw %d initialize requests; want %d", got, want)
			}
		})
	}
}

// TestRemoteErrors: each way the remote can fail reaches the client as a
// JSON-RPC error response with the request's id; a notification that cannot
// be delivered is logged; the proxy keeps serving throughout.
func TestRemoteErrors(t *testing.T) {
	var mode atomic.Value // string
	saw503 := make(chan struct{}, 10)
	st := &remoteState{}
	sdk := streamableHandler(st, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
	rs := newRemoteServer(t, func() http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch mode.Load().(string) {
			case "403":
				w.Header().Set("WWW-Authenticate", `Bearer error="insufficient_scope"`)
				http.Error(w, "Forbidden", http.StatusForbidden)
			case "500":
				http.Error(w, "boom", http.StatusInternalServerError)
			case "503":
				saw503 <- struct{}{}
				http.Error(w, "shutting down", http.StatusServiceUnavailable)
			case "404":
				http.Error(w, "no MCP here", http.StatusNotFound)
			case "202":
				w.WriteHeader(http.StatusAccepted)
			case "html":
				w.Header().Set("Content-Type", "text/html")
				fmt.Fprint(w, "<html>login</html>")
			case "hang":
				<-r.Context().Done()
			case "jsonrpc400":
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprint(w, `{"jsonrpc":"2.0","id":"e9","error":{"code":-32602,"message":"Unknown tool: nope"}}`)
			default:
				sdk.ServeHTTP(w, r)
			}
		})
	})
	mode.Store("ok")
	logger, logs := testLogger(t)
	r := startProxy(t, Config{BaseURL: rs.url(""), Transport: TransportStreamable,
		RequestTimeout: 500 * time.Millisecond, Logger: logger})
	rc := r.raw(t)
	if res := rc.call("0", "initialize", initParams); res["result"] == nil {
		t.Fatalf("initialize: %v", res)
	}

	tests := []struct {
		mode     string
		id       string
		wantCode int
		wantMsg  []string
	}{
		{"403", "1", CodeRemoteAuth, []string{"denied access", "HTTP 403", "insufficient_scope"}},
		{"500", `"two"`, CodeRemoteUnavailable, []string{"failed", "HTTP 500", "boom"}},
		{"503", "3", CodeRemoteUnavailable, []string{"HTTP 503", "shutting down"}},
		{"404", "4", CodeRemoteHTTP, []string{"HTTP 404", "no MCP here"}},
		{"202", "5", CodeRemoteUnavailable, []string{"without answering", "HTTP 202"}},
		{"html", "6", CodeRemoteHTTP, []string{`unexpected Content-Type "text/html"`}},
		{"hang", "7", CodeRemoteTimeout, []string{"did not answer within 500ms"}},
		{"jsonrpc400", `"e9"`, -32602, []string{"Unknown tool: nope"}}, // the remote's own error, passed on
		{"ok", "10", 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			mode.Store(tt.mode)
			res := rc.call(tt.id, "tools/call", `{"name":"echo","arguments":{"text":"x"}}`)
			if tt.wantCode == 0 {
				if res["result"] == nil {
					t.Fatalf("want a result, got %v", res)
				}
				return
			}
			code, msg := rpcErr(t, res)
			if code != tt.wantCode {
				t.Errorf("code %d, want %d (%s)", code, tt.wantCode, msg)
			}
			for _, w := range tt.wantMsg {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}

	// A notification the remote refuses is logged, and nothing is written to stdout.
	mode.Store("503")
	for len(saw503) > 0 {
		<-saw503
	}
	rc.send(`{"jsonrpc":"2.0","method":"notifications/roots/list_changed"}`)
	select {
	case <-saw503:
	case <-time.After(testTimeout):
		t.Fatal("the notification did not reach the remote")
	}
	mode.Store("ok")
	if res := rc.call("11", "ping", "{}"); res["result"] == nil {
		t.Fatalf("ping after a lost notification: %v (the proxy wrote something else first?)", res)
	}
	if !strings.Contains(logs.String(), "could not forward a message") {
		t.Errorf("no log line about the lost notification")
	}

	// A line that is not JSON gets a parse error with a null id.
	rc.send(`this is not json`)
	m := rc.next()
	if code, _ := rpcErr(t, m); code != CodeParseError || m["id"] != nil {
		t.Errorf("want a parse error with id null, got %v", m)
	}
}

// TestRawMessages checks on the wire that ids of every type come back
// unchanged, that notifications arrive in order before their request's
// answer, and that batches work.
func TestRawMessages(t *testing.T) {
	st := &remoteState{}
	rs := newRemoteServer(t, func() http.Handler { return streamableHandler(st, nil) })
	r := startProxy(t, Config{BaseURL: rs.url("")})
	rc := r.raw(t)

	// 2025-03-26 still allows batches.
	res := rc.call(`"init-1"`, "initialize",
		`{"protocolVersion":"2025-03-26","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}`)
	if v := res["result"].(map[string]any)["protocolVersion"]; v != "2025-03-26" {
		t.Fatalf("negotiated %v", v)
	}
	rc.send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)

	for _, id := range []string{"0", "-5", `"str-id"`, `"7"`, "123456789"} {
		res := rc.call(id, "tools/call", `{"name":"echo","arguments":{"text":`+id+`}}`)
		if res["result"] == nil {
			t.Errorf("id %s: %v", id, res)
		}
	}

	rc.send(`{"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"progress","_meta":{"progressToken":"tok"}}}`)
	for i := 1; i <= 3; i++ {
		m := rc.next()
		if m["method"] != "notifications/progress" {
			t.Fatalf("message %d: want progress before the answer, got %v", i, m)
		}
		if p := m["params"].(map[string]any); p["progress"] != float64(i) || p["progressToken"] != "tok" {
			t.Errorf("progress %d: %v", i, p)
		}
	}
	if m := rc.next(); m["id"] != float64(42) || m["result"] == nil {
		t.Fatalf("want the answer to 42, got %v", m)
	}

	rc.send(`[{"jsonrpc":"2.0","id":"b1","method":"tools/call","params":{"name":"echo","arguments":{"text":"one"}}},` +
		`{"jsonrpc":"2.0","id":"b2","method":"tools/call","params":{"name":"echo","arguments":{"text":"two"}}}]`)
	answered := map[string]bool{}
	for len(answered) < 2 {
		select {
		case line := <-rc.lines:
			if err := collectIDs(line, answered); err != nil {
				t.Fatal(err)
			}
		case <-time.After(testTimeout):
			t.Fatalf("batch answers: got %v", answered)
		}
	}
	if !answered["b1"] || !answered["b2"] {
		t.Errorf("batch answers %v, want b1 and b2", answered)
	}
}

// collectIDs records the ids of the successful responses in a line that is
// one message or a batch.
func collectIDs(line []byte, into map[string]bool) error {
	f, err := parseFrame(line)
	if err != nil {
		return fmt.Errorf("the proxy wrote a line that is not JSON-RPC: %q", line)
	}
	for _, m := range f.msgs {
		if m.isResponse() && len(m.Result) > 0 {
			into[strings.Trim(m.key(), `"`)] = true
		}
	}
	return nil
}

// TestCancellation: a request the client cancels is cancelled at the remote,
// by notifications/cancelled for a stateful remote and by closing the HTTP
// request for a stateless one.
func TestCancellation(t *testing.T) {
	tests := []struct {
		name string
		opts *mcp.StreamableHTTPOptions
	}{
		{"stateful", nil},
		{"stateless", &mcp.StreamableHTTPOptions{Stateless: true, PropagateRequestCancellation: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &remoteState{blockStart: make(chan struct{}, 1), blockEnd: make(chan struct{}, 1)}
			rs := newRemoteServer(t, func() http.Handler { return streamableHandler(st, tt.opts) })
			r := startProxy(t, Config{BaseURL: rs.url("")})
			cs := r.connect(t, nil, nil)

			ctx, cancel := context.WithCancel(context.Background())
			errc := make(chan error, 1)
			go func() {
				_, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "block"})
				errc <- err
			}()
			select {
			case <-st.blockStart:
			case <-time.After(testTimeout):
				t.Fatal("the tool did not start")
			}
			cancel()
			select {
			case <-st.blockEnd:
			case <-time.After(testTimeout):
				t.Fatal("the tool was not cancelled at the remote")
			}
			if err := <-errc; !errors.Is(err, context.Canceled) {
				t.Errorf("CallTool: %v, want context.Canceled", err)
			}
			callEcho(t, cs, "still working")
		})
	}
}

// flushSignal closes ch when the handler first flushes a GET response: the
// go-sdk server does so when the standalone SSE stream is open.
type flushSignal struct {
	http.ResponseWriter
	once *sync.Once
	ch   chan struct{}
}

func (f flushSignal) Flush() {
	if fl, ok := f.ResponseWriter.(http.Flusher); ok {
		fl.Flush()
	}
	f.once.Do(func() { close(f.ch) })
}

func (f flushSignal) Unwrap() http.ResponseWriter { return f.ResponseWriter }

// TestServerInitiated: a message the remote sends outside any request (here
// notifications/tools/list_changed) reaches the client over the GET stream.
func TestServerInitiated(t *testing.T) {
	st := &remoteState{}
	s := newMCPServer(st)
	getOpen := make(chan struct{})
	var once sync.Once
	rs := newRemoteServer(t, func() http.Handler {
		h := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return s }, nil)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodGet {
				w = flushSignal{ResponseWriter: w, once: &once, ch: getOpen}
			}
			h.ServeHTTP(w, r)
		})
	})
	r := startProxy(t, Config{BaseURL: rs.url("")})
	changed := make(chan struct{}, 1)
	r.connect(t, &mcp.ClientOptions{ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
		select {
		case changed <- struct{}{}:
		default:
		}
	}}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	select {
	case <-getOpen:
	case <-time.After(testTimeout):
		t.Fatal("the proxy did not open the GET stream")
	}
	mcp.AddTool(s, &mcp.Tool{Name: "new"}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
		return nil, nil, nil
	})
	select {
	case <-changed:
	case <-time.After(testTimeout):
		t.Fatal("notifications/tools/list_changed did not reach the client")
	}
}

// TestStdinEOF: when the client closes stdin right after writing, the
// answers to its requests are still written (over legacy SSE they arrive
// after their POST), and Run returns nil.
func TestStdinEOF(t *testing.T) {
	tests := []struct {
		name    string
		handler func(st *remoteState) http.Handler
	}{
		{"streamable", func(st *remoteState) http.Handler {
			return streamableHandler(st, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
		}},
		{"legacy SSE", func(st *remoteState) http.Handler {
			s := newMCPServer(st)
			return mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &remoteState{}
			rs := newRemoteServer(t, func() http.Handler { return tt.handler(st) })
			r := startProxy(t, Config{BaseURL: rs.url("")})
			rc := r.raw(t)
			rc.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":` + initParams + `}`)
			rc.send(`{"jsonrpc":"2.0","id":2,"method":"ping"}`)
			if err := r.waitEnd(); err != nil {
				t.Fatalf("Run: %v", err)
			}
			answered := map[string]bool{}
			for line := range rc.lines {
				if err := collectIDs(line, answered); err != nil {
					t.Fatal(err)
				}
			}
			if !answered["1"] || !answered["2"] {
				t.Errorf("answers %v, want 1 and 2", answered)
			}
		})
	}
}

// TestJoinBatchKeepsPlainJSON: a batch of answers reaches the client as
// the remote wrote it, with <, > and & unescaped.
func TestJoinBatchKeepsPlainJSON(t *testing.T) {
	got := string(joinBatch([]json.RawMessage{
		json.RawMessage(`{"jsonrpc":"2.0","id":1,"result":{"text":"<default> & more"}}`),
		json.RawMessage(`{"jsonrpc":"2.0","id":2,"result":{}}`),
	}))
	want := `[{"jsonrpc":"2.0","id":1,"result":{"text":"<default> & more"}},{"jsonrpc":"2.0","id":2,"result":{}}]`
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	var batch []map[string]any
	if err := json.Unmarshal([]byte(got), &batch); err != nil || len(batch) != 2 {
		t.Fatalf("not a batch: %v", err)
	}
}
