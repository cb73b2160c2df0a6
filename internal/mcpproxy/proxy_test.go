package mcpproxy

//lint:file-ignore SA1019 the proxy forwards sampling, which MCP 2026-07-28 deprecates; the tests keep it working

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// TestTransports runs a go-sdk client through the proxy against real go-sdk
// servers of every kind the proxy must reach, checking tools, progress
// notifications and, where the remote has a session, server-to-client
// requests.
func TestTransports(t *testing.T) {
	tests := []struct {
		name      string
		handler   func(st *remoteState) http.Handler
		transport TransportMode
		version   string // the client's protocol version; "" is the newest
		stateful  bool   // server-to-client requests are possible
		noNotify  bool   // the server cannot send notifications (JSON responses, no session)
		// standalone: the server sends notifications on the client's
		// standalone SSE stream only (JSON responses in a session): those
		// sent before the proxy has opened it are lost, so the test waits.
		standalone bool
	}{
		{
			name: "stateless JSON like Camunda 8.9",
			handler: func(st *remoteState) http.Handler {
				return streamableHandler(st, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true})
			},
			version:  "2025-11-25",
			noNotify: true,
		},
		{
			name: "stateless 2026-07-28",
			handler: func(st *remoteState) http.Handler {
				return streamableHandler(st, &mcp.StreamableHTTPOptions{Stateless: true})
			},
		},
		{
			name: "stateful SSE responses",
			handler: func(st *remoteState) http.Handler {
				return streamableHandler(st, nil)
			},
			stateful: true,
		},
		{
			name: "stateful JSON responses",
			handler: func(st *remoteState) http.Handler {
				return streamableHandler(st, &mcp.StreamableHTTPOptions{JSONResponse: true})
			},
			version:    "2025-06-18",
			stateful:   true,
			standalone: true,
		},
		{
			name: "legacy SSE found by auto",
			handler: func(st *remoteState) http.Handler {
				s := newMCPServer(st)
				return mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil)
			},
			version:  "2024-11-05",
			stateful: true,
		},
		{
			name: "legacy SSE forced",
			handler: func(st *remoteState) http.Handler {
				s := newMCPServer(st)
				return mcp.NewSSEHandler(func(*http.Request) *mcp.Server { return s }, nil)
			},
			transport: TransportSSE,
			version:   "2024-11-05",
			stateful:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &remoteState{}
			if tt.standalone {
				st.standalone = make(chan struct{})
			}
			rs := newRemoteServer(t, func() http.Handler { return tt.handler(st) })
			r := startProxy(t, Config{BaseURL: rs.url("/v2"), Path: "/mcp/cluster", Transport: tt.transport})
			if got, want := r.proxy.Endpoint(), rs.url("/mcp/cluster"); got != want {
				t.Fatalf("endpoint %s, want %s", got, want)
			}

			progress := make(chan float64, 10)
			opts := &mcp.ClientOptions{
				ProgressNotificationHandler: func(_ context.Context, req *mcp.ProgressNotificationClientRequest) {
					progress <- req.Params.Progress
				},
				CreateMessageHandler: func(_ context.Context, req *mcp.CreateMessageRequest) (*mcp.CreateMessageResult, error) {
					text := req.Params.Messages[0].Content.(*mcp.TextContent).Text
					return &mcp.CreateMessageResult{Model: "test", Role: "assistant",
						Content: &mcp.TextContent{Text: strings.ToUpper(text)}}, nil
				},
			}
			cs := r.connect(t, opts, &mcp.ClientSessionOptions{ProtocolVersion: tt.version})
			t.Logf("negotiated %s", cs.InitializeResult().ProtocolVersion)
			if tt.version != "" && cs.InitializeResult().ProtocolVersion != tt.version {
				t.Errorf("negotiated %s, want %s", cs.InitializeResult().ProtocolVersion, tt.version)
			}

			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			tools, err := cs.ListTools(ctx, nil)
			if err != nil {
				t.Fatalf("tools/list: %v", err)
			}
			if len(tools.Tools) != 4 {
				t.Errorf("tools/list gave %d tools, want 4", len(tools.Tools))
			}
			callEcho(t, cs, "hello")
			callEcho(t, cs, "again")

			if tt.standalone {
				select {
				case <-st.standalone:
				case <-ctx.Done():
					t.Fatal("the proxy never opened the remote's standalone SSE stream, where its notifications go")
				}
			}
			if !tt.noNotify {
				// Three progress notifications reach the client. (The go-sdk
				// client handles notifications concurrently, so their order
				// is checked on the wire in TestRawMessages.)
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "progress", Meta: mcp.Meta{"progressToken": "p1"}})
				if err != nil || res.IsError {
					t.Fatalf("progress: %v %v", res, err)
				}
				seen := map[float64]bool{}
				for len(seen) < 3 {
					select {
					case p := <-progress:
						seen[p] = true
					case <-ctx.Done():
						t.Fatalf("progress notifications %v, want 1, 2 and 3", seen)
					}
				}
			}

			if tt.stateful {
				// The server asks the client's LLM during a tool call.
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "sample", Arguments: map[string]any{"text": "hi"}})
				if err != nil {
					t.Fatalf("sample: %v", err)
				}
				if res.IsError {
					t.Fatalf("sample failed: %v", res.Content[0].(*mcp.TextContent).Text)
				}
				if got := res.StructuredContent.(map[string]any)["echo"]; got != "HI" {
					t.Errorf("sampling answer %v, want HI", got)
				}
			}
		})
	}
}
