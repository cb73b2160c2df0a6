package mcpgw_test

//lint:file-ignore SA1019 the logging capability is still announced for clients before 2026-07-28

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/mcpgw"
)

var update = flag.Bool("update", false, "rewrite testdata/tools.golden.json")

// camundaTools are the tools of Camunda's MCP gateway (8.9, plus
// completeUserTask of the next release).
var camundaTools = []string{"getClusterStatus", "getTopology", "getIncident", "resolveIncident", "searchIncidents",
	"getProcessDefinition", "getProcessDefinitionXml", "searchProcessDefinitions", "createProcessInstance",
	"getProcessInstance", "searchProcessInstances", "assignUserTask", "completeUserTask", "getUserTask",
	"searchUserTaskVariables", "searchUserTasks", "getVariable", "searchVariables"}

// tools/list, as a client receives it, is the golden file: a change to a
// tool's name, description or arguments shows up as a diff.
func TestToolsListGolden(t *testing.T) {
	e := newEnv(t, envOptions{})
	res, err := e.cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.MarshalIndent(res.Tools, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	const path = "testdata/tools.golden.json"
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestToolsListGolden -update)", err)
	}
	if !bytes.Equal(got, want) {
		gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("tools/list differs from %s at line %d:\n got: %s\nwant: %s\n(run go test -run TestToolsListGolden -update if intended)", path, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("tools/list differs from %s in length: %d vs %d lines", path, len(gl), len(wl))
	}

	// Camunda's conventions, checked directly.
	names := map[string]*mcp.Tool{}
	for _, tool := range res.Tools {
		names[tool.Name] = tool
		if tool.Description == "" || tool.Title != tool.Name {
			t.Errorf("%s: title %q, description %q", tool.Name, tool.Title, tool.Description)
		}
		schema := tool.InputSchema.(map[string]any)
		if schema["$schema"] != "https://json-schema.org/draft/2020-12/schema" || schema["type"] != "object" {
			t.Errorf("%s: input schema %v", tool.Name, schema)
		}
		ro := strings.HasPrefix(tool.Name, "get") || strings.HasPrefix(tool.Name, "search")
		if tool.Annotations == nil || tool.Annotations.ReadOnlyHint != ro {
			t.Errorf("%s: readOnlyHint should be %v", tool.Name, ro)
		}
	}
	for _, n := range camundaTools {
		tool, ok := names[n]
		if !ok {
			t.Errorf("Camunda's tool %s is missing", n)
			continue
		}
		props := tool.InputSchema.(map[string]any)["properties"].(map[string]any)
		for name, p := range props {
			if strings.HasSuffix(name, "Key") && name != "processDefinitionKey" || n != "createProcessInstance" && name == "processDefinitionKey" {
				if p.(map[string]any)["type"] != "integer" || p.(map[string]any)["format"] != "int64" {
					t.Errorf("%s: the key argument %s should be advertised as int64, as in Camunda", n, name)
				}
			}
		}
	}
	if len(res.Tools) != len(camundaTools)+12 {
		t.Errorf("%d tools", len(res.Tools))
	}
}

// initialize: server info, capabilities, instructions.
func TestInitialize(t *testing.T) {
	e := newEnv(t, envOptions{})
	ir := e.cs.InitializeResult()
	if ir.ServerInfo.Name != mcpgw.ServerName || !strings.HasPrefix(ir.ServerInfo.Version, "8.") || ir.ServerInfo.Title != "Orca test" {
		t.Errorf("serverInfo %+v", ir.ServerInfo)
	}
	c := ir.Capabilities
	if c.Tools == nil || c.Tools.ListChanged || c.Resources == nil || c.Prompts == nil || c.Logging != nil || c.Completions != nil {
		t.Errorf("capabilities %+v", c)
	}
	for _, s := range []string{"eventually consistent", "process instance key", "awaitCompletion", "mcp-tool:"} {
		if !strings.Contains(ir.Instructions, s) {
			t.Errorf("the instructions do not mention %q", s)
		}
	}
}

// rpc posts one JSON-RPC message to the gateway as a raw HTTP client.
func rpc(t *testing.T, url string, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := jsonRPCRequest(context.Background(), url, body, "")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// The stateless Streamable HTTP transport: every protocol version from
// 2024-11-05 to 2026-07-28, JSON responses, no sessions, 405 on GET, 202
// for notifications; both paths.
func TestStreamableHTTP(t *testing.T) {
	e := newEnv(t, envOptions{noClient: true})
	for _, v := range []string{"2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"} {
		for _, path := range []string{mcpgw.PathMCP, mcpgw.PathCluster} {
			res, body := rpc(t, e.url+path, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+v+`","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`, nil)
			if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") || res.Header.Get("Mcp-Session-Id") != "" ||
				!strings.Contains(body, `"protocolVersion":"`+v+`"`) {
				t.Errorf("initialize %s at %s: %d %v %s", v, path, res.StatusCode, res.Header, body)
			}
		}
	}
	// A cold call, without initialize.
	if res, body := rpc(t, e.url+mcpgw.PathMCP, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"getClusterStatus","arguments":{}}}`, nil); res.StatusCode != 200 || !strings.Contains(body, "HEALTHY") {
		t.Errorf("cold tools/call: %d %s", res.StatusCode, body)
	}
	if res, _ := rpc(t, e.url+mcpgw.PathMCP, `{"jsonrpc":"2.0","method":"notifications/initialized"}`, nil); res.StatusCode != http.StatusAccepted {
		t.Errorf("notification: %d", res.StatusCode)
	}
	if res, err := http.Get(e.url + mcpgw.PathCluster); err != nil || res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v", res, err)
	}
	// The go-sdk client negotiates the newest protocol, 2026-07-28.
	cs := e.connect(t, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathMCP})
	defer cs.Close()
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Errorf("negotiated %s", v)
	}
	if res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "getClusterStatus"}); err != nil || text(res) != "HEALTHY" {
		t.Errorf("call at 2026-07-28: %v %v", res, err)
	}
}

// The legacy HTTP+SSE transport at /mcp/sse.
func TestLegacySSE(t *testing.T) {
	e := newEnv(t, envOptions{noClient: true})
	e.cs = e.connect(t, &mcp.SSEClientTransport{Endpoint: e.url + mcpgw.PathSSE})
	res, err := e.cs.ListTools(context.Background(), nil)
	if err != nil || len(res.Tools) != len(camundaTools)+12 {
		t.Fatalf("tools/list over SSE: %v", err)
	}
	e.deploy()
	if pi := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "quick"}); pi["processDefinitionId"] != "quick" {
		t.Errorf("createProcessInstance over SSE: %v", pi)
	}
}

// Process definitions' BPMN XML as resources, and the prompts.
func TestResourcesAndPrompts(t *testing.T) {
	e := newEnv(t, envOptions{})
	defs := e.deploy()
	ctx := context.Background()
	list, err := e.cs.ListResources(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	uris := []string{}
	for _, r := range list.Resources {
		uris = append(uris, r.URI)
	}
	want := "orca://process-definitions/" + defs["order"] + "/xml"
	if !slices.Contains(uris, want) || len(uris) != 3 {
		t.Fatalf("resources/list = %v", uris)
	}
	tmpl, err := e.cs.ListResourceTemplates(ctx, nil)
	if err != nil || len(tmpl.ResourceTemplates) != 1 || tmpl.ResourceTemplates[0].URITemplate != "orca://process-definitions/{processDefinitionKey}/xml" {
		t.Errorf("resources/templates/list = %v %v", tmpl, err)
	}
	rr, err := e.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: want})
	if err != nil || len(rr.Contents) != 1 || rr.Contents[0].MIMEType != "application/xml" || !strings.Contains(rr.Contents[0].Text, `id="order"`) {
		t.Errorf("resources/read = %v %v", rr, err)
	}
	if _, err := e.cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: "orca://process-definitions/1/xml"}); err == nil {
		t.Error("reading an unknown definition should fail")
	}

	prompts, err := e.cs.ListPrompts(ctx, nil)
	if err != nil || len(prompts.Prompts) != 2 {
		t.Fatalf("prompts/list = %v %v", prompts, err)
	}
	for _, tc := range []struct {
		name string
		args map[string]string
		want []string
	}{
		{"triageIncidents", map[string]string{"processDefinitionId": "order"}, []string{"searchIncidents", `"processDefinitionId": "order"`, "resolveIncident", "getProcessDefinitionXml"}},
		{"triageIncidents", nil, []string{`{"state": "ACTIVE"}`}},
		{"workUserTaskInbox", map[string]string{"assignee": "alice"}, []string{"searchUserTasks", `"assignee": "alice"`, "completeUserTask", "assignUserTask"}},
		{"workUserTaskInbox", map[string]string{"candidateGroup": "accounting"}, []string{`"accounting"`}},
	} {
		p, err := e.cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: tc.name, Arguments: tc.args})
		if err != nil || len(p.Messages) != 1 {
			t.Fatalf("prompts/get %s: %v %v", tc.name, p, err)
		}
		txt := p.Messages[0].Content.(*mcp.TextContent).Text
		for _, w := range tc.want {
			if !strings.Contains(txt, w) {
				t.Errorf("prompt %s(%v) does not mention %s", tc.name, tc.args, w)
			}
		}
	}
}

// The conformance fixtures ride along the real tools when asked for.
func TestConformanceFixtures(t *testing.T) {
	e := newEnv(t, envOptions{fixtures: true})
	if got := e.okText("test_simple_text", nil); got != "This is a simple text response for testing." {
		t.Errorf("test_simple_text = %q", got)
	}
	if c := e.cs.InitializeResult().Capabilities; c.Logging == nil || c.Completions == nil || !c.Resources.Subscribe {
		t.Errorf("capabilities with fixtures: %+v", c)
	}
	// A streaming tool is answered over SSE, with its progress.
	progress := make(chan float64, 3)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "p", Version: "1"}, &mcp.ClientOptions{
		ProgressNotificationHandler: func(_ context.Context, r *mcp.ProgressNotificationClientRequest) { progress <- r.Params.Progress },
	}).Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathMCP}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	params := &mcp.CallToolParams{Name: "test_tool_with_progress", Arguments: map[string]any{}}
	params.SetProgressToken("p1")
	if _, err := cs.CallTool(context.Background(), params); err != nil {
		t.Fatal(err)
	}
	// Notifications may be handled just after the result arrives.
	var got []float64
	timeout := time.After(5 * time.Second)
	for len(got) < 3 {
		select {
		case p := <-progress:
			got = append(got, p)
		case <-timeout:
			t.Fatalf("progress %v", got)
		}
	}
	if !slices.Equal(got, []float64{0, 50, 100}) {
		t.Errorf("progress %v", got)
	}
	// Without fixtures, no test tools.
	plain := newEnv(t, envOptions{})
	if _, err := plain.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "test_simple_text"}); err == nil {
		t.Error("test_simple_text exists without fixtures")
	}
}
