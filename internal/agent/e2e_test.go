package agent_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/mcpclient"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/npmtest"
	"github.com/orcabpm/orca/internal/rest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/worker"
)

// TestAgentEndToEnd runs an AI agent over real HTTP and real processes: the
// engine behind the REST API v2 and the MCP gateway, the workers as remote
// REST clients, one regular tool, two MCP client activities (the reference
// server-everything over stdio, and Orca's own MCP gateway over Streamable
// HTTP behind a person's approval), and a stub LLM speaking OpenAI's and
// then Anthropic's wire format.
func TestAgentEndToEnd(t *testing.T) {
	if os.Getenv("ORCA_E2E") != "1" {
		t.Skip("set ORCA_E2E=1 (scripts/e2e.sh does): installs @modelcontextprotocol/server-everything from npm")
	}
	node, script := npmtest.ServerEverything(t)
	for _, vendor := range []string{"openai", "anthropic"} {
		t.Run(vendor, func(t *testing.T) { agentEndToEnd(t, vendor, node, script) })
	}
}

func agentEndToEnd(t *testing.T, vendor, node, script string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	embedded := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	gw, err := mcpgw.New(embedded, mcpgw.Options{})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v2/", rest.New(embedded, rest.Options{}))
	gw.Register(mux, func(h http.Handler) http.Handler { return h })
	srv := httptest.NewServer(mux)
	defer srv.Close()

	turns := []llmtest.Turn{
		{ToolCalls: []llm.ToolCall{
			toolCall("c1", "Lookup", `{"q":"orca"}`),
			toolCall("c2", "MCP_Everything___echo", `{"message":"hello"}`),
			toolCall("c3", "MCP_OrcaCluster___getClusterStatus", `{}`),
		}},
		{Text: "Orca is healthy; the echo said hello."},
	}
	var stub *llmtest.Server
	var provider map[string]any
	if vendor == "openai" {
		stub = llmtest.NewOpenAI(t, turns...)
		provider = map[string]any{"type": "openaiCompatible", "openaiCompatible": map[string]any{"endpoint": stub.URL + "/v1",
			"authentication": map[string]any{"apiKey": "{{secrets.LLM_KEY}}"}, "model": map[string]any{"model": "stub"}}}
	} else {
		stub = llmtest.NewAnthropic(t, turns...)
		provider = map[string]any{"type": "anthropic", "anthropic": map[string]any{"endpoint": stub.URL,
			"authentication": map[string]any{"apiKey": "{{secrets.LLM_KEY}}"}, "model": map[string]any{"model": "claude-stub", "parameters": map[string]any{"maxTokens": 256}}}}
	}

	remote, err := cluster.NewRemote(cluster.RemoteOptions{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	pool := mcpclient.NewPool(mcpclient.Options{})
	defer pool.Close()
	secrets := worker.MapSecrets{"LLM_KEY": "key-" + vendor}
	clients := map[string]mcpclient.Config{"everything": {Transport: mcpclient.TransportStdio,
		Stdio: mcpclient.StdioConfig{Command: node, Args: []string{script, "stdio"}}, ConnectTimeout: time.Minute}}
	opt := worker.DefaultResultVariable("toolCallResult")
	workers := []worker.Config{
		{Type: agent.JobTypeSubProcess, Handler: agent.New(agent.Options{Secrets: secrets}), FetchVariables: agent.FetchVariables},
		{Type: mcpclient.JobTypeClient, Handler: worker.Connector(mcpclient.RuntimeConnector(pool, clients), secrets, opt)},
		{Type: mcpclient.JobTypeRemoteClient, Handler: worker.Connector(mcpclient.RemoteConnector(pool), secrets, opt)},
		{Type: "lookup", Handler: worker.HandlerFunc(func(ctx context.Context, job *worker.Job) (*worker.Completion, error) {
			vars, _ := job.Variables()
			return &worker.Completion{Variables: map[string]any{"found": "found: " + vars["q"].(string)}}, nil
		})},
	}
	done := make(chan struct{}, len(workers))
	for _, w := range workers {
		w.PollTimeout = 200 * time.Millisecond
		go func() { worker.Run(ctx, remote, w); done <- struct{}{} }()
	}
	defer func() {
		cancel()
		for range workers {
			<-done
		}
	}()

	b, err := os.ReadFile("testdata/e2e-agent.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Deploy(ctx, "", []engine.Resource{{Name: "e2e-agent.bpmn", Content: b}}); err != nil {
		t.Fatal(err)
	}
	res, err := eng.CreateProcessInstance(ctx, engine.CreateInstanceRequest{ProcessID: "e2e-agent", Variables: map[string]any{
		"provider": provider, "question": "Is Orca healthy? Also look up orca and echo hello.", "orcaMcpUrl": srv.URL + "/mcp/cluster"}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	r := &rig{t: t, ctx: context.Background(), eng: eng}

	// A person approves the call to the cluster (discovery needs no approval).
	var ut *store.UserTask
	r.waitFor("the approval task", func() bool {
		ts, _ := store.Select(r.ctx, eng.Store(), func() *store.UserTask { return new(store.UserTask) }, "process_instance_key = ? AND state = 'CREATED'", pi)
		if len(ts) == 1 {
			ut = ts[0]
		}
		return ut != nil
	})
	if ut.ElementID != "Approve" {
		t.Fatalf("user task: %+v", ut)
	}
	if err := eng.CompleteUserTask(ctx, ut.Key, nil); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the agent's answer", func() bool { return r.state(pi) == store.StateCompleted })

	reqs := stub.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d LLM calls, want 2", len(reqs))
	}
	first := string(reqs[0].Body)
	for _, want := range []string{`"Lookup"`, `What to look up`, `"MCP_Everything___echo"`, `"message"`, `"MCP_OrcaCluster___getClusterStatus"`} {
		if !strings.Contains(first, want) {
			t.Fatalf("the first request lacks %s:\n%s", want, first)
		}
	}
	if strings.Contains(first, "MCP_Everything___get-sum") || strings.Contains(first, "MCP_OrcaCluster___searchIncidents") {
		t.Fatal("a tool the filters exclude reached the LLM")
	}
	second := string(reqs[1].Body)
	for _, want := range []string{"found: orca", "Echo: hello", "HEALTHY"} {
		if !strings.Contains(second, want) {
			t.Fatalf("the second request lacks the result %q:\n%s", want, second)
		}
	}
	if got := reqs[0].Header.Get("Authorization") + reqs[0].Header.Get("X-Api-Key"); !strings.Contains(got, "key-"+vendor) {
		t.Fatalf("the API key from the secret did not reach the LLM: %q", got)
	}
	agentVar, _ := r.variable(pi, "agent").(map[string]any)
	if agentVar["responseText"] != "Orca is healthy; the echo said hello." {
		t.Fatalf("agent: %v", agentVar)
	}
	// The activations: discovery of both MCP clients, then the three tools.
	eis, _ := store.Select(r.ctx, eng.Store(), func() *store.ElementInstance { return new(store.ElementInstance) },
		"process_instance_key = ? AND type = 'AD_HOC_SUB_PROCESS_INNER_INSTANCE'", pi)
	if len(eis) != 5 {
		t.Fatalf("%d inner instances, want 5 (2 discoveries, 3 tool calls)", len(eis))
	}
	var tcr []map[string]any
	raw, _ := json.Marshal(r.variable(pi, "toolCallResults"))
	json.Unmarshal(raw, &tcr)
	if len(tcr) != 3 {
		t.Fatalf("toolCallResults of the last turn: %s", raw)
	}
}
