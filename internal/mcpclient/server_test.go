package mcpclient_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// helperEnv makes the test binary run as a stdio MCP server (the
// helper-process pattern), so stdio tests need nothing but `go test`.
const helperEnv = "ORCA_MCPCLIENT_TEST_SERVER"

func TestMain(m *testing.M) {
	if os.Getenv(hugeHelperEnv) != "" {
		os.Exit(hugeStdioServer(os.Getenv(hugeHelperEnv)))
	}
	if os.Getenv(helperEnv) == "1" {
		srv := newTestServer(true)
		if err := srv.Run(context.Background(), &mcp.StdioTransport{}); err != nil {
			fmt.Fprintln(os.Stderr, "test server:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type echoIn struct {
	Message string `json:"message" jsonschema:"the text to echo"`
}

type addIn struct {
	A int `json:"a"`
	B int `json:"b"`
}

type addOut struct {
	Sum int `json:"sum"`
}

type nameIn struct {
	Name string `json:"name"`
}

type slowIn struct {
	Millis int `json:"millis"`
}

type none struct{}

func text(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

// newTestServer is the MCP server of these tests: in process over HTTP and
// SSE, and in a re-executed test binary over stdio (helper adds an "exit"
// tool that kills it).
func newTestServer(helper bool) *mcp.Server {
	s := mcp.NewServer(&mcp.Implementation{Name: "orca-test-server", Version: "0.0.1"}, nil)
	mcp.AddTool(s, &mcp.Tool{Name: "echo", Title: "Echo", Description: "Echoes a message."},
		func(_ context.Context, _ *mcp.CallToolRequest, in echoIn) (*mcp.CallToolResult, any, error) {
			return text("echo: " + in.Message), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "add", Description: "Adds two integers."},
		func(_ context.Context, _ *mcp.CallToolRequest, in addIn) (*mcp.CallToolResult, addOut, error) {
			return nil, addOut{Sum: in.A + in.B}, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "pid", Description: "The server's process id."},
		func(context.Context, *mcp.CallToolRequest, none) (*mcp.CallToolResult, any, error) {
			return text(fmt.Sprint(os.Getpid())), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "env", Description: "An environment variable of the server."},
		func(_ context.Context, _ *mcp.CallToolRequest, in nameIn) (*mcp.CallToolResult, any, error) {
			v, ok := os.LookupEnv(in.Name)
			if !ok {
				return text("<unset>"), nil, nil
			}
			return text(v), nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "cwd", Description: "The server's working directory."},
		func(context.Context, *mcp.CallToolRequest, none) (*mcp.CallToolResult, any, error) {
			wd, err := os.Getwd()
			return text(wd), nil, err
		})
	mcp.AddTool(s, &mcp.Tool{Name: "fail", Description: "Always fails."},
		func(context.Context, *mcp.CallToolRequest, none) (*mcp.CallToolResult, any, error) {
			return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "it failed"}}}, nil, nil
		})
	mcp.AddTool(s, &mcp.Tool{Name: "slow", Description: "Sleeps."},
		func(ctx context.Context, _ *mcp.CallToolRequest, in slowIn) (*mcp.CallToolResult, any, error) {
			select {
			case <-time.After(time.Duration(in.Millis) * time.Millisecond):
				return text("awake"), nil, nil
			case <-ctx.Done():
				return nil, nil, ctx.Err()
			}
		})
	mcp.AddTool(s, &mcp.Tool{Name: "meta", Description: "Returns the request _meta."},
		func(_ context.Context, req *mcp.CallToolRequest, _ none) (*mcp.CallToolResult, any, error) {
			b, _ := json.Marshal(req.Params.Meta)
			return text(string(b)), nil, nil
		})
	object := &mcp.Tool{InputSchema: json.RawMessage(`{"type":"object"}`)}
	empty := *object
	empty.Name, empty.Description = "empty", "Returns nothing."
	s.AddTool(&empty, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{}}, nil
	})
	media := *object
	media.Name, media.Description = "media", "Returns an image, a link and an embedded resource."
	s.AddTool(&media, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		size := int64(12)
		return &mcp.CallToolResult{Content: []mcp.Content{
			&mcp.ImageContent{Data: []byte{0x89, 'P', 'N', 'G'}, MIMEType: "image/png"},
			&mcp.ResourceLink{URI: "test://static/hello", Name: "hello", MIMEType: "text/plain", Size: &size},
			&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "test://static/hello", MIMEType: "text/plain", Text: "Hello, world"}},
		}}, nil
	})
	if helper {
		exit := *object
		exit.Name, exit.Description = "exit", "Kills the server."
		s.AddTool(&exit, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			fmt.Fprintln(os.Stderr, "test server: exiting on request")
			os.Exit(3)
			return nil, nil
		})
	}

	s.AddResource(&mcp.Resource{URI: "test://static/hello", Name: "hello", Title: "Hello", MIMEType: "text/plain", Size: 12},
		func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: "test://static/hello", MIMEType: "text/plain", Text: "Hello, world"}}}, nil
		})
	s.AddResource(&mcp.Resource{URI: "test://static/blob", Name: "blob", MIMEType: "application/octet-stream"},
		func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: "test://static/blob", MIMEType: "application/octet-stream", Blob: []byte{1, 2, 3}}}}, nil
		})
	s.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "test://items/{id}", Name: "item", Description: "An item by id."},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			id := strings.TrimPrefix(req.Params.URI, "test://items/")
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "text/plain", Text: "item " + id}}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "greet", Description: "Greets someone.", Arguments: []*mcp.PromptArgument{{Name: "name", Description: "who", Required: true}}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Description: "A greeting", Messages: []*mcp.PromptMessage{
				{Role: "user", Content: &mcp.TextContent{Text: "Hello, " + req.Params.Arguments["name"] + "!"}},
			}}, nil
		})
	s.AddPrompt(&mcp.Prompt{Name: "other", Description: "Another prompt."},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "assistant", Content: &mcp.TextContent{Text: "other"}}}}, nil
		})
	return s
}

// httpServer is the test server over HTTP, recording request headers.
type httpServer struct {
	URL string // Streamable HTTP endpoint (/mcp) or SSE endpoint (/sse)
	srv *httptest.Server

	mu      sync.Mutex
	headers []http.Header
	methods []string
}

// Methods returns the MCP methods the server received, tool calls as
// "tools/call <name>".
func (h *httpServer) Methods() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.methods...)
}

func (h *httpServer) Headers() []http.Header {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]http.Header(nil), h.headers...)
}

// startHTTPServer serves the test server over Streamable HTTP at /mcp and
// legacy SSE at /sse, on loopback.
func startHTTPServer(t *testing.T, sse bool) *httpServer {
	t.Helper()
	mcpSrv := newTestServer(false)
	h := &httpServer{}
	mcpSrv.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			name := method
			if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok {
				name += " " + p.Name
			}
			h.mu.Lock()
			h.methods = append(h.methods, name)
			h.mu.Unlock()
			return next(ctx, method, req)
		}
	})
	mux := http.NewServeMux()
	mux.Handle("/mcp", mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return mcpSrv }, nil))
	mux.Handle("/sse", mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return mcpSrv }, nil))
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.mu.Lock()
		h.headers = append(h.headers, r.Header.Clone())
		h.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(h.srv.Close)
	h.URL = h.srv.URL + "/mcp"
	if sse {
		h.URL = h.srv.URL + "/sse"
	}
	return h
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
