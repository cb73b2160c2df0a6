package mcpclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/mcpclient"
)

// stdioConfig runs this test binary as the stdio test server.
func stdioConfig(t *testing.T) mcpclient.Config {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return mcpclient.Config{
		Transport:      mcpclient.TransportStdio,
		Stdio:          mcpclient.StdioConfig{Command: exe, Env: map[string]string{helperEnv: "1"}},
		ConnectTimeout: 10 * time.Second,
		CallTimeout:    10 * time.Second,
	}
}

func httpConfig(url string, transport mcpclient.Transport) mcpclient.Config {
	return mcpclient.Config{
		Transport:      transport,
		HTTP:           mcpclient.HTTPConfig{URL: url},
		ConnectTimeout: 10 * time.Second,
		CallTimeout:    10 * time.Second,
	}
}

type transportCase struct {
	name string
	cfg  func(t *testing.T) mcpclient.Config
}

func transportCases() []transportCase {
	return []transportCase{
		{"stdio", stdioConfig},
		{"http", func(t *testing.T) mcpclient.Config {
			return httpConfig(startHTTPServer(t, false).URL, mcpclient.TransportHTTP)
		}},
		{"sse", func(t *testing.T) mcpclient.Config {
			return httpConfig(startHTTPServer(t, true).URL, mcpclient.TransportSSE)
		}},
	}
}

func newClient(t *testing.T, cfg mcpclient.Config) *mcpclient.Client {
	t.Helper()
	c, err := mcpclient.NewClient(cfg, mcpclient.Options{Logger: quietLogger(), TerminateTimeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// assertJSON fails unless v marshals to the same JSON value as want.
func assertJSON(t *testing.T, v any, want string) {
	t.Helper()
	got, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		var a, b bytes.Buffer
		_ = json.Indent(&a, got, "    ", "  ")
		_ = json.Indent(&b, []byte(want), "    ", "  ")
		t.Errorf("JSON differs\n got: %s\nwant: %s", a.String(), b.String())
	}
}

func TestOperations(t *testing.T) {
	for _, tc := range transportCases() {
		t.Run(tc.name, func(t *testing.T) {
			c := newClient(t, tc.cfg(t))
			ctx := t.Context()

			tools, err := c.ListTools(ctx, mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, d := range tools.ToolDefinitions {
				names = append(names, d.Name)
				if d.Name == "echo" {
					assertJSON(t, d, `{"name":"echo","title":"Echo","description":"Echoes a message.",
					  "inputSchema":{"type":"object","properties":{"message":{"type":"string","description":"the text to echo"}},
					  "required":["message"],"additionalProperties":false}}`)
				}
			}
			for _, want := range []string{"echo", "add", "pid", "empty", "media", "fail"} {
				if !slices.Contains(names, want) {
					t.Errorf("tools/list lacks %q: %v", want, names)
				}
			}

			calls := []struct {
				tool string
				args map[string]any
				want string
			}{
				{"echo", map[string]any{"message": "hi"}, `{"name":"echo","content":[{"type":"text","text":"echo: hi"}],"isError":false}`},
				{"add", map[string]any{"a": 3, "b": 4}, `{"name":"add","content":[{"type":"object","content":{"sum":7}}],"isError":false}`},
				{"empty", nil, `{"name":"empty","content":[{"type":"text","text":"Tool execution succeeded, but returned no result."}],"isError":false}`},
				{"fail", nil, `{"name":"fail","content":[{"type":"text","text":"it failed"}],"isError":true}`},
				{"media", nil, `{"name":"media","isError":false,"content":[
				  {"type":"blob","blob":"iVBORw==","mimeType":"image/png"},
				  {"type":"resource_link","uri":"test://static/hello","name":"hello","mimeType":"text/plain","size":12},
				  {"type":"resource","resource":{"uri":"test://static/hello","mimeType":"text/plain","text":"Hello, world"}}]}`},
			}
			for _, call := range calls {
				res, err := c.CallTool(ctx, call.tool, call.args, mcpclient.Filter{}, nil)
				if err != nil {
					t.Fatalf("%s: %v", call.tool, err)
				}
				assertJSON(t, res, call.want)
			}

			res, err := c.CallTool(ctx, "nope", nil, mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.IsError || len(res.Content) != 1 || !strings.HasPrefix(res.Content[0].Text, "Error executing tool 'nope': ") {
				t.Errorf("unknown tool: %+v", res)
			}

			res, err = c.CallTool(ctx, "meta", nil, mcpclient.Filter{}, map[string]any{"trace": "t-1"})
			if err != nil {
				t.Fatal(err)
			}
			if got := res.Content[0].Text; !strings.Contains(got, `"trace":"t-1"`) {
				t.Errorf("_meta did not reach the server: %s", got)
			}

			resources, err := c.ListResources(ctx, mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, resources, `{"resources":[
			  {"uri":"test://static/blob","name":"blob","mimeType":"application/octet-stream"},
			  {"uri":"test://static/hello","name":"hello","title":"Hello","mimeType":"text/plain","size":12}]}`)

			templates, err := c.ListResourceTemplates(ctx, mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, templates, `{"resourceTemplates":[{"uriTemplate":"test://items/{id}","name":"item","description":"An item by id."}]}`)

			read, err := c.ReadResource(ctx, "test://static/hello", mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, read, `{"contents":[{"uri":"test://static/hello","mimeType":"text/plain","text":"Hello, world"}]}`)
			read, err = c.ReadResource(ctx, "test://static/blob", mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, read, `{"contents":[{"uri":"test://static/blob","mimeType":"application/octet-stream","blob":"AQID"}]}`)
			read, err = c.ReadResource(ctx, "test://items/42", mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, read, `{"contents":[{"uri":"test://items/42","mimeType":"text/plain","text":"item 42"}]}`)

			_, err = c.ReadResource(ctx, "test://missing", mcpclient.Filter{}, nil)
			var codeErr *mcpclient.Error
			if !errors.As(err, &codeErr) || codeErr.Code != mcpclient.CodeReadResourceError {
				t.Errorf("reading a missing resource: %v", err)
			}

			prompts, err := c.ListPrompts(ctx, mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, prompts, `{"prompts":[
			  {"name":"greet","description":"Greets someone.","arguments":[{"name":"name","description":"who","required":true}]},
			  {"name":"other","description":"Another prompt."}]}`)

			prompt, err := c.GetPrompt(ctx, "greet", map[string]string{"name": "Ada"}, mcpclient.Filter{}, nil)
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, prompt, `{"description":"A greeting","messages":[{"role":"user","content":{"type":"text","text":"Hello, Ada!"}}]}`)

			_, err = c.GetPrompt(ctx, "missing", nil, mcpclient.Filter{}, nil)
			if !errors.As(err, &codeErr) || codeErr.Code != mcpclient.CodeGetPromptError {
				t.Errorf("getting a missing prompt: %v", err)
			}
		})
	}
}

func TestExecute(t *testing.T) {
	c := newClient(t, httpConfig(startHTTPServer(t, false).URL, mcpclient.TransportHTTP))
	ctx := t.Context()
	tests := []struct {
		name     string
		op       mcpclient.Operation
		want     string // JSON of the result
		wantCode string // or the error code
	}{
		{name: "tools/list", op: mcpclient.Operation{Method: "tools/list"},
			want: `{"toolDefinitions":[{"name":"echo","title":"Echo","description":"Echoes a message.","inputSchema":{"type":"object","properties":{"message":{"type":"string","description":"the text to echo"}},"required":["message"],"additionalProperties":false}}]}`},
		{name: "tools/call", op: mcpclient.Operation{Method: "tools/call", Params: map[string]any{"name": "echo", "arguments": map[string]any{"message": "x"}}},
			want: `{"name":"echo","content":[{"type":"text","text":"echo: x"}],"isError":false}`},
		{name: "tools/call filtered", op: mcpclient.Operation{Method: "tools/call", Params: map[string]any{"name": "add", "arguments": map[string]any{"a": 1, "b": 2}}},
			want: `{"name":"add","content":[{"type":"text","text":"Executing tool 'add' is not allowed by filter configuration: included=[echo], excluded=[]"}],"isError":true}`},
		{name: "resources/list", op: mcpclient.Operation{Method: "resources/list"},
			want: `{"resources":[{"uri":"test://static/hello","name":"hello","title":"Hello","mimeType":"text/plain","size":12}]}`},
		{name: "resources/templates/list", op: mcpclient.Operation{Method: "resources/templates/list"}, want: `{"resourceTemplates":[]}`},
		{name: "resources/read", op: mcpclient.Operation{Method: "resources/read", Params: map[string]any{"uri": "test://static/hello"}},
			want: `{"contents":[{"uri":"test://static/hello","mimeType":"text/plain","text":"Hello, world"}]}`},
		{name: "prompts/list", op: mcpclient.Operation{Method: "prompts/list"},
			want: `{"prompts":[{"name":"greet","description":"Greets someone.","arguments":[{"name":"name","description":"who","required":true}]}]}`},
		{name: "prompts/get", op: mcpclient.Operation{Method: "prompts/get", Params: map[string]any{"name": "greet", "arguments": map[string]any{"name": 7}}},
			want: `{"description":"A greeting","messages":[{"role":"user","content":{"type":"text","text":"Hello, 7!"}}]}`},
		{name: "unknown method", op: mcpclient.Operation{Method: "tools/delete"}, wantCode: mcpclient.CodeInvalidMethod},
		{name: "call without name", op: mcpclient.Operation{Method: "tools/call", Params: map[string]any{"arguments": map[string]any{}}}, wantCode: mcpclient.CodeInvalidParams},
		{name: "call with bad arguments", op: mcpclient.Operation{Method: "tools/call", Params: map[string]any{"name": "echo", "arguments": "x"}}, wantCode: mcpclient.CodeInvalidParams},
		{name: "read without uri", op: mcpclient.Operation{Method: "resources/read"}, wantCode: mcpclient.CodeInvalidParams},
		{name: "read filtered", op: mcpclient.Operation{Method: "resources/read", Params: map[string]any{"uri": "test://static/blob"}}, wantCode: mcpclient.CodeReadResourceError},
		{name: "get filtered prompt", op: mcpclient.Operation{Method: "prompts/get", Params: map[string]any{"name": "other"}}, wantCode: mcpclient.CodeGetPromptError},
	}
	filters := mcpclient.Filters{
		Tools:     mcpclient.Filter{Included: []string{"echo"}},
		Resources: mcpclient.Filter{Excluded: []string{"test://static/blob", "test://items/{id}"}},
		Prompts:   mcpclient.Filter{Excluded: []string{"other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.Execute(ctx, tt.op, filters, nil)
			if tt.wantCode != "" {
				var e *mcpclient.Error
				if !errors.As(err, &e) || e.Code != tt.wantCode {
					t.Fatalf("err = %v, want code %s", err, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertJSON(t, res, tt.want)
		})
	}
}

func TestToolFilters(t *testing.T) {
	srv := startHTTPServer(t, false)
	c := newClient(t, httpConfig(srv.URL, mcpclient.TransportHTTP))
	ctx := t.Context()
	tests := []struct {
		name   string
		filter mcpclient.Filter
		want   []string
	}{
		{"included", mcpclient.Filter{Included: []string{"echo", "add", "not-there"}}, []string{"add", "echo"}},
		{"excluded", mcpclient.Filter{Excluded: []string{"echo", "add", "pid", "env", "cwd", "slow", "meta"}}, []string{"empty", "fail", "media"}},
		{"both", mcpclient.Filter{Included: []string{"echo", "add"}, Excluded: []string{"add"}}, []string{"echo"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := c.ListTools(ctx, tt.filter, nil)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.ToolDefinitions {
				got = append(got, d.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("tools = %v, want %v", got, tt.want)
			}
		})
	}

	res, err := c.CallTool(ctx, "add", map[string]any{"a": 1, "b": 2}, mcpclient.Filter{Excluded: []string{"add"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, res, `{"name":"add","isError":true,"content":[{"type":"text",
	  "text":"Executing tool 'add' is not allowed by filter configuration: included=[], excluded=[add]"}]}`)
	if slices.Contains(srv.Methods(), "tools/call add") {
		t.Error("a filtered tool reached the server")
	}
	if _, err := c.CallTool(ctx, "echo", map[string]any{"message": "m"}, mcpclient.Filter{Excluded: []string{"add"}}, nil); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(srv.Methods(), "tools/call echo") {
		t.Errorf("an allowed tool did not reach the server: %v", srv.Methods())
	}
}

func TestStdioEnvironmentAndDirectory(t *testing.T) {
	t.Setenv("ORCA_TEST_PARENT_SECRET", "parent-secret")
	dir := t.TempDir()
	cfg := stdioConfig(t)
	cfg.Stdio.Env["GREETING"] = "hello"
	cfg.Stdio.Dir = dir
	c := newClient(t, cfg)
	env := func(c *mcpclient.Client, name string) string {
		res, err := c.CallTool(t.Context(), "env", map[string]any{"name": name}, mcpclient.Filter{}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Content[0].Text
	}
	if got := env(c, "GREETING"); got != "hello" {
		t.Errorf("GREETING = %q", got)
	}
	if got := env(c, "ORCA_TEST_PARENT_SECRET"); got != "<unset>" {
		t.Errorf("the server inherited ORCA_TEST_PARENT_SECRET = %q", got)
	}
	if got := env(c, "PATH"); got != os.Getenv("PATH") {
		t.Errorf("PATH = %q", got)
	}
	res, err := c.CallTool(t.Context(), "cwd", nil, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := filepath.EvalSymlinks(dir)
	if got, _ := filepath.EvalSymlinks(res.Content[0].Text); got != want {
		t.Errorf("cwd = %q, want %q", got, want)
	}

	cfg = stdioConfig(t)
	cfg.Stdio.InheritEnv = true
	if got := env(newClient(t, cfg), "ORCA_TEST_PARENT_SECRET"); got != "parent-secret" {
		t.Errorf("with InheritEnv: %q", got)
	}
}

func pid(t *testing.T, c *mcpclient.Client) int {
	t.Helper()
	res, err := c.CallTool(t.Context(), "pid", nil, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError {
		t.Fatalf("pid: %+v", res)
	}
	n, err := strconv.Atoi(res.Content[0].Text)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPoolStartsStdioServerOnceAndRestartsIt(t *testing.T) {
	pool := mcpclient.NewPool(mcpclient.Options{Logger: quietLogger()})
	t.Cleanup(func() { _ = pool.Close() })
	cfg := stdioConfig(t)
	c1, err := pool.Client(cfg)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := pool.Client(stdioConfig(t)) // an equal configuration
	if err != nil {
		t.Fatal(err)
	}
	if c1 != c2 || pool.Len() != 1 {
		t.Fatalf("equal configurations got different clients (pool has %d)", pool.Len())
	}
	first := pid(t, c1)
	if first == os.Getpid() {
		t.Fatal("the server runs in the test process")
	}
	for range 3 {
		if p := pid(t, c2); p != first {
			t.Fatalf("server restarted without reason: %d then %d", first, p)
		}
	}

	// The server dies during a call: that call fails as unavailable, the
	// next one starts a new server.
	res, err := c1.CallTool(t.Context(), "exit", nil, mcpclient.Filter{}, nil)
	if !errors.Is(err, mcpclient.ErrUnavailable) {
		t.Fatalf("call that killed the server: %v %+v", err, res)
	}
	second := pid(t, c1)
	if second == first {
		t.Fatal("server not restarted")
	}

	// The server is killed between calls: a read-only call reconnects and
	// succeeds at once.
	if err := syscall.Kill(second, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if _, err := c1.ListTools(t.Context(), mcpclient.Filter{}, nil); err != nil {
		t.Fatalf("tools/list after a kill: %v", err)
	}
	if third := pid(t, c1); third == second || third == first {
		t.Fatalf("pids %d %d %d", first, second, third)
	}
}

func TestPoolCloseStopsServers(t *testing.T) {
	pool := mcpclient.NewPool(mcpclient.Options{Logger: quietLogger(), TerminateTimeout: time.Second})
	c, err := pool.Client(stdioConfig(t))
	if err != nil {
		t.Fatal(err)
	}
	p := pid(t, c)
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for syscall.Kill(p, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("server %d still runs after Close", p)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := pool.Client(stdioConfig(t)); !errors.Is(err, mcpclient.ErrClosed) {
		t.Errorf("Client after Close: %v", err)
	}
	if _, err := c.ListTools(t.Context(), mcpclient.Filter{}, nil); !errors.Is(err, mcpclient.ErrClosed) {
		t.Errorf("call after Close: %v", err)
	}
}

func TestServerDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + ln.Addr().String()
	ln.Close()

	// A server that accepts connections and never answers.
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(stop) }) // runs first: Close waits for the handlers

	tests := []struct {
		name    string
		cfg     mcpclient.Config
		wantMsg string
	}{
		{"http refused", httpConfig(closedURL+"/mcp", mcpclient.TransportHTTP), "connection refused"},
		{"sse refused", httpConfig(closedURL+"/sse", mcpclient.TransportSSE), "connection refused"},
		{"http hangs", httpConfig(hang.URL+"/mcp", mcpclient.TransportHTTP), "no answer within 500ms"},
		{"sse hangs", httpConfig(hang.URL+"/sse", mcpclient.TransportSSE), "no answer within 500ms"},
		{"http 404", httpConfig(startHTTPServer(t, false).URL+"/nothing-here", mcpclient.TransportHTTP), "Not Found"},
		{"stdio missing command", mcpclient.Config{Transport: mcpclient.TransportStdio,
			Stdio: mcpclient.StdioConfig{Command: filepath.Join(t.TempDir(), "no-such-server")}}, "no such file"},
		{"stdio exits", mcpclient.Config{Transport: mcpclient.TransportStdio,
			Stdio: mcpclient.StdioConfig{Command: "/bin/sh", Args: []string{"-c", "echo 'cannot open database' >&2; exit 1"}}}, "cannot open database"},
		{"stdio never answers", mcpclient.Config{Transport: mcpclient.TransportStdio,
			Stdio: mcpclient.StdioConfig{Command: "/bin/sh", Args: []string{"-c", "exec sleep 30"}}}, "no answer within 500ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.ConnectTimeout = 500 * time.Millisecond
			c := newClient(t, tt.cfg)
			start := time.Now()
			_, err := c.ListTools(t.Context(), mcpclient.Filter{}, nil)
			if !errors.Is(err, mcpclient.ErrUnavailable) {
				t.Fatalf("err = %v, want ErrUnavailable", err)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not say %q", err, tt.wantMsg)
			}
			if took := time.Since(start); took > 8*time.Second {
				t.Errorf("took %s", took)
			}
			// tools/call fails the same way rather than returning a result.
			if _, err := c.CallTool(t.Context(), "echo", nil, mcpclient.Filter{}, nil); !errors.Is(err, mcpclient.ErrUnavailable) {
				t.Errorf("CallTool: %v", err)
			}
		})
	}
}

func TestCallTimeout(t *testing.T) {
	cfg := httpConfig(startHTTPServer(t, false).URL, mcpclient.TransportHTTP)
	cfg.CallTimeout = 300 * time.Millisecond
	c := newClient(t, cfg)
	start := time.Now()
	res, err := c.CallTool(t.Context(), "slow", map[string]any{"millis": 20000}, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertJSON(t, res, `{"name":"slow","isError":true,"content":[{"type":"text","text":"Error executing tool 'slow': no result within 300ms"}]}`)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	// The connection survives a slow tool.
	res, err = c.CallTool(t.Context(), "echo", map[string]any{"message": "still here"}, mcpclient.Filter{}, nil)
	if err != nil || res.IsError {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestAuthHeadersReachServer(t *testing.T) {
	tests := []struct {
		name     string
		auth     mcpclient.Auth
		wantAuth string
	}{
		{"none", mcpclient.Auth{}, ""},
		{"basic", mcpclient.Auth{Type: mcpclient.AuthBasic, Username: "ada", Password: "s3cret"}, "Basic YWRhOnMzY3JldA=="},
		{"bearer", mcpclient.Auth{Type: mcpclient.AuthBearer, Token: "tok-xyz"}, "Bearer tok-xyz"},
	}
	for _, tr := range []mcpclient.Transport{mcpclient.TransportHTTP, mcpclient.TransportSSE} {
		for _, tt := range tests {
			t.Run(string(tr)+"/"+tt.name, func(t *testing.T) {
				srv := startHTTPServer(t, tr == mcpclient.TransportSSE)
				cfg := httpConfig(srv.URL, tr)
				cfg.HTTP.Auth = tt.auth
				cfg.HTTP.Headers = map[string]string{"X-Tenant": "acme"}
				c := newClient(t, cfg)
				if _, err := c.ListTools(t.Context(), mcpclient.Filter{}, nil); err != nil {
					t.Fatal(err)
				}
				if _, err := c.CallTool(t.Context(), "echo", map[string]any{"message": "a"}, mcpclient.Filter{}, nil); err != nil {
					t.Fatal(err)
				}
				headers := srv.Headers()
				if len(headers) < 3 {
					t.Fatalf("only %d requests", len(headers))
				}
				for i, h := range headers {
					if h.Get("Authorization") != tt.wantAuth || h.Get("X-Tenant") != "acme" {
						t.Errorf("request %d: Authorization %q X-Tenant %q", i, h.Get("Authorization"), h.Get("X-Tenant"))
					}
				}
			})
		}
	}
}

func TestOAuthTokenFetchedOnceAndReused(t *testing.T) {
	for _, tr := range []mcpclient.Transport{mcpclient.TransportHTTP, mcpclient.TransportSSE} {
		t.Run(string(tr), func(t *testing.T) {
			var fetches atomic.Int32
			token := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				fetches.Add(1)
				user, pass, ok := r.BasicAuth()
				if err := r.ParseForm(); err != nil || !ok || user != "orca" || pass != "client-secret" ||
					r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("audience") != "mcp-api" || r.Form.Get("scope") != "tools read" {
					t.Errorf("token request: basic %v %q %q form %v", ok, user, pass, r.Form)
					http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"access_token":"tok-123","token_type":"Bearer","expires_in":3600}`))
			}))
			t.Cleanup(token.Close)

			srv := startHTTPServer(t, tr == mcpclient.TransportSSE)
			cfg := httpConfig(srv.URL, tr)
			cfg.HTTP.Auth = mcpclient.Auth{Type: mcpclient.AuthOAuthClientCredentials, OAuth: mcpclient.OAuth{
				TokenURL: token.URL, ClientID: "orca", ClientSecret: "client-secret", Audience: "mcp-api", Scopes: []string{"tools", "read"},
			}}
			c := newClient(t, cfg)
			for range 3 {
				if _, err := c.ListTools(t.Context(), mcpclient.Filter{}, nil); err != nil {
					t.Fatal(err)
				}
				if _, err := c.CallTool(t.Context(), "echo", map[string]any{"message": "a"}, mcpclient.Filter{}, nil); err != nil {
					t.Fatal(err)
				}
			}
			if n := fetches.Load(); n != 1 {
				t.Errorf("token fetched %d times, want 1", n)
			}
			headers := srv.Headers()
			if len(headers) < 7 {
				t.Fatalf("only %d requests", len(headers))
			}
			for i, h := range headers {
				if h.Get("Authorization") != "Bearer tok-123" {
					t.Errorf("request %d: Authorization %q", i, h.Get("Authorization"))
				}
			}
		})
	}
}

func TestOAuthClientCredentialsInBody(t *testing.T) {
	var form atomic.Value
	token := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		form.Store(r.Form.Encode() + " basic=" + strconv.FormatBool(r.Header.Get("Authorization") != ""))
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"access_token":"tok-body","token_type":"Bearer","expires_in":3600}`))
	}))
	t.Cleanup(token.Close)
	srv := startHTTPServer(t, false)
	cfg := httpConfig(srv.URL, mcpclient.TransportHTTP)
	cfg.HTTP.Auth = mcpclient.Auth{Type: mcpclient.AuthOAuthClientCredentials, OAuth: mcpclient.OAuth{
		TokenURL: token.URL, ClientID: "orca", ClientSecret: "s", ClientAuthentication: mcpclient.ClientAuthBody,
	}}
	if _, err := newClient(t, cfg).ListTools(t.Context(), mcpclient.Filter{}, nil); err != nil {
		t.Fatal(err)
	}
	if got := form.Load(); got != "client_id=orca&client_secret=s&grant_type=client_credentials basic=false" {
		t.Errorf("token request = %v", got)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  mcpclient.Config
		ok   bool
	}{
		{"stdio", mcpclient.Config{Transport: mcpclient.TransportStdio, Stdio: mcpclient.StdioConfig{Command: "x"}}, true},
		{"stdio without command", mcpclient.Config{Transport: mcpclient.TransportStdio}, false},
		{"http", mcpclient.Config{Transport: mcpclient.TransportHTTP, HTTP: mcpclient.HTTPConfig{URL: "https://h/mcp"}}, true},
		{"http without URL", mcpclient.Config{Transport: mcpclient.TransportHTTP}, false},
		{"sse with ftp URL", mcpclient.Config{Transport: mcpclient.TransportSSE, HTTP: mcpclient.HTTPConfig{URL: "ftp://h/sse"}}, false},
		{"no transport", mcpclient.Config{}, false},
		{"bearer without token", mcpclient.Config{Transport: mcpclient.TransportHTTP, HTTP: mcpclient.HTTPConfig{URL: "https://h",
			Auth: mcpclient.Auth{Type: mcpclient.AuthBearer}}}, false},
		{"oauth without token URL", mcpclient.Config{Transport: mcpclient.TransportHTTP, HTTP: mcpclient.HTTPConfig{URL: "https://h",
			Auth: mcpclient.Auth{Type: mcpclient.AuthOAuthClientCredentials, OAuth: mcpclient.OAuth{ClientID: "c"}}}}, false},
		{"unknown auth", mcpclient.Config{Transport: mcpclient.TransportHTTP, HTTP: mcpclient.HTTPConfig{URL: "https://h",
			Auth: mcpclient.Auth{Type: "kerberos"}}}, false},
	}
	for _, tt := range tests {
		if err := tt.cfg.Validate(); (err == nil) != tt.ok {
			t.Errorf("%s: Validate() = %v", tt.name, err)
		}
		if _, err := mcpclient.NewClient(tt.cfg, mcpclient.Options{}); (err == nil) != tt.ok {
			t.Errorf("%s: NewClient() = %v", tt.name, err)
		}
	}
}

func TestConnectRespectsCallerContext(t *testing.T) {
	cfg := mcpclient.Config{Transport: mcpclient.TransportStdio, ConnectTimeout: time.Minute,
		Stdio: mcpclient.StdioConfig{Command: "/bin/sh", Args: []string{"-c", "exec sleep 30"}}}
	c := newClient(t, cfg)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := c.Connect(ctx)
	if !errors.Is(err, mcpclient.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
}
