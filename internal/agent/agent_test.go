package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/mcpclient"
	"github.com/orcabpm/orca/internal/rest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/worker"
)

// rig is an engine with the agent, the MCP remote client worker and a
// weather worker running against it, a stub LLM and a real MCP server.
type rig struct {
	t      *testing.T
	ctx    context.Context
	eng    *engine.Engine
	api    *cluster.Embedded
	llm    *llmtest.Server
	mcpURL string
	stop   func()
}

func newRig(t *testing.T, turns ...llmtest.Turn) *rig {
	return newRigWith(t, false, turns...)
}

// newRigWith runs the workers in process (over cluster.API) or, with
// remote, over the REST API v2 on loopback, as `orca worker` does.
func newRigWith(t *testing.T, remote bool, turns ...llmtest.Turn) *rig {
	t.Helper()
	return newRigOpts(t, rigOptions{remote: remote}, turns...)
}

// rigOptions: remote runs the workers over REST; models observes the
// agents' model calls.
type rigOptions struct {
	remote bool
	models agent.ModelObserver
	// wrap wraps the sub-process agent's handler; timeout is how long its
	// jobs are held (default: the worker's).
	wrap    func(worker.Handler) worker.Handler
	timeout time.Duration
}

func newRigOpts(t *testing.T, o rigOptions, turns ...llmtest.Turn) *rig {
	t.Helper()
	remote := o.remote
	ctx, cancel := context.WithCancel(context.Background())
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/agent.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Deploy(ctx, "", []engine.Resource{{Name: "agent.bpmn", Content: b}}); err != nil {
		t.Fatal(err)
	}

	// A real MCP server with one tool, over Streamable HTTP on loopback.
	srv := mcp.NewServer(&mcp.Implementation{Name: "clock", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "now", Description: "The current time"}, func(ctx context.Context, req *mcp.CallToolRequest, in struct {
		Zone string `json:"zone" jsonschema:"a time zone"`
	}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "12:00 in " + in.Zone}}}, nil, nil
	})
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{Stateless: true, JSONResponse: true}))

	embedded := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	var api worker.JobClient = embedded
	if remote {
		rs := httptest.NewServer(rest.New(embedded, rest.Options{}))
		t.Cleanup(rs.Close)
		rc, err := cluster.NewRemote(cluster.RemoteOptions{BaseURL: rs.URL})
		if err != nil {
			t.Fatal(err)
		}
		api = rc
	}
	pool := mcpclient.NewPool(mcpclient.Options{})
	secrets := worker.MapSecrets{"LLM_KEY": "sk-test-123"}
	defs, _ := api.(agent.Definitions)
	inst, _ := api.(agent.Instances) // the agents record their agent instances where they work
	workers := []worker.Config{
		{Type: agent.JobTypeSubProcess, Handler: wrap(o.wrap, agent.New(agent.Options{Secrets: secrets, Models: o.models, Instances: inst})), FetchVariables: agent.FetchVariables, Timeout: o.timeout},
		{Type: agent.JobTypeTask, Handler: agent.NewTask(agent.Options{Secrets: secrets, Models: o.models, Instances: inst}, defs)},
		{Type: agent.JobTypeTaskV2, Handler: agent.NewTask(agent.Options{Secrets: secrets, Models: o.models, Instances: inst}, defs)},
		{Type: mcpclient.JobTypeRemoteClient, Handler: worker.Connector(mcpclient.RemoteConnector(pool), secrets, worker.DefaultResultVariable("toolCallResult"))},
		{Type: "weather", Handler: worker.HandlerFunc(func(ctx context.Context, job *worker.Job) (*worker.Completion, error) {
			vars, _ := job.Variables()
			return &worker.Completion{Variables: map[string]any{"weather": "sunny in " + vars["city"].(string)}}, nil
		})},
	}
	done := make(chan struct{})
	for _, w := range workers {
		w.PollTimeout = 200 * time.Millisecond
		go func(w worker.Config) {
			worker.Run(ctx, api, w)
			done <- struct{}{}
		}(w)
	}
	r := &rig{t: t, ctx: context.Background(), eng: eng, api: embedded, llm: llmtest.NewOpenAI(t, turns...), mcpURL: hs.URL}
	r.stop = func() {
		cancel()
		for range workers {
			<-done
		}
		pool.Close()
		hs.Close()
		eng.Close()
	}
	t.Cleanup(r.stop)
	return r
}

func wrap(f func(worker.Handler) worker.Handler, h worker.Handler) worker.Handler {
	if f == nil {
		return h
	}
	return f(h)
}

func (r *rig) start(vars map[string]any) int64 {
	r.t.Helper()
	base := map[string]any{"llmUrl": r.llm.URL + "/v1", "mcpUrl": r.mcpURL, "question": "What is the weather in Paris, and the time?",
		"maxCalls": 5, "format": "text", "retries": 3}
	for k, v := range vars {
		base[k] = v
	}
	res, err := r.eng.CreateProcessInstance(r.ctx, engine.CreateInstanceRequest{ProcessID: "weather-agent", Variables: base})
	if err != nil {
		r.t.Fatal(err)
	}
	return res.ProcessInstanceKey
}

func (r *rig) waitFor(what string, cond func() bool) {
	r.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			r.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *rig) state(pi int64) string {
	p, _, _ := store.Get(r.ctx, r.eng.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, pi)
	if p == nil {
		return ""
	}
	return p.State
}

func (r *rig) variable(pi int64, name string) any {
	vs, _ := store.Select(r.ctx, r.eng.Store(), func() *store.Variable { return new(store.Variable) }, "scope_key = ? AND name = ?", pi, name)
	if len(vs) == 0 {
		return nil
	}
	var v any
	json.Unmarshal([]byte(vs[0].Value), &v)
	return v
}

func (r *rig) incidents(pi int64) []*store.Incident {
	is, _ := store.Select(r.ctx, r.eng.Store(), func() *store.Incident { return new(store.Incident) }, "process_instance_key = ? AND state = 'ACTIVE'", pi)
	return is
}

func toolCall(id, name, args string) llm.ToolCall {
	return llm.ToolCall{ID: id, Name: name, Arguments: json.RawMessage(args)}
}

func TestAgentDiscoversMCPToolsCallsToolsAndAnswers(t *testing.T) {
	for _, remote := range []bool{false, true} {
		name := "in process"
		if remote {
			name = "over REST"
		}
		t.Run(name, func(t *testing.T) { testAgentRoundTrip(t, remote) })
	}
}

func testAgentRoundTrip(t *testing.T, remote bool) {
	r := newRigWith(t, remote,
		llmtest.Turn{ToolCalls: []llm.ToolCall{toolCall("call_1", "GetWeather", `{"city":"Paris"}`), toolCall("call_2", "MCP_Clock___now", `{"zone":"CET"}`)},
			Usage: llm.Usage{InputTokens: 100, OutputTokens: 20}},
		llmtest.Turn{Text: "It is sunny in Paris and 12:00.", Usage: llm.Usage{InputTokens: 150, OutputTokens: 10}},
	)
	pi := r.start(nil)
	r.waitFor("the agent's answer", func() bool { return r.state(pi) == store.StateCompleted })

	reqs := r.llm.Requests()
	if len(reqs) != 2 {
		t.Fatalf("the LLM was called %d times, want 2", len(reqs))
	}
	if auth := reqs[0].Header.Get("Authorization"); auth != "Bearer sk-test-123" {
		t.Fatalf("the secret did not reach the LLM: %q", auth)
	}
	first := reqs[0].JSON()
	tools, _ := json.Marshal(first["tools"])
	for _, want := range []string{`"name":"GetWeather"`, `"description":"Returns the weather in a city."`, `"city":{"description":"The city","type":"string"}`,
		`"name":"MCP_Clock___now"`, `"description":"The current time"`, `"zone"`} {
		if !strings.Contains(string(tools), want) {
			t.Fatalf("first request's tools lack %s:\n%s", want, tools)
		}
	}
	msgs, _ := json.Marshal(first["messages"])
	if !strings.Contains(string(msgs), "You are a weather assistant.") || !strings.Contains(string(msgs), "What is the weather in Paris") {
		t.Fatalf("first request's messages: %s", msgs)
	}
	second, _ := json.Marshal(reqs[1].JSON()["messages"])
	for _, want := range []string{`{"content":"sunny in Paris","role":"tool","tool_call_id":"call_1"}`, `{"content":"12:00 in CET","role":"tool","tool_call_id":"call_2"}`} {
		if !strings.Contains(string(second), want) {
			t.Fatalf("second request lacks %s:\n%s", want, second)
		}
	}
	agentVar, _ := r.variable(pi, "agent").(map[string]any)
	if agentVar["responseText"] != "It is sunny in Paris and 12:00." {
		t.Fatalf("agent: %v", r.variable(pi, "agent"))
	}
	// The conversation lives in the agent's context, in Camunda's shape.
	ctxVars, _ := store.Select(r.ctx, r.eng.Store(), func() *store.Variable { return new(store.Variable) }, "process_instance_key = ? AND name = 'agentContext'", pi)
	var found bool
	for _, v := range ctxVars {
		var ac agent.Context
		if json.Unmarshal([]byte(v.Value), &ac) == nil && ac.State == agent.StateReady {
			found = true
			if ac.Metrics.ModelCalls != 2 || ac.Metrics.TokenUsage.InputTokenCount != 250 || len(ac.Conversation.Messages) != 5 {
				t.Fatalf("agent context: %+v", ac)
			}
			if strings.Contains(v.Value, "sk-test-123") {
				t.Fatal("the API key was stored in the agent context")
			}
		}
	}
	if !found {
		t.Fatal("no READY agentContext was stored")
	}
	checkAgentInstance(t, r, pi)
}

// checkAgentInstance: the agent recorded its agent instance as it worked
// (Camunda 8.10): discovery, two model calls, two tool calls, the tokens
// the stub reported, and a history that is the stub's conversation.
func checkAgentInstance(t *testing.T, r *rig, pi int64) {
	t.Helper()
	pik := cluster.Key(pi)
	var ai cluster.AgentInstance
	r.waitFor("a completed agent instance", func() bool {
		res, err := r.api.SearchAgentInstances(r.ctx, &cluster.AgentInstanceSearchQuery{Filter: &cluster.AgentInstanceFilter{
			ProcessInstanceKey: &cluster.KeyFilter{Filter: cluster.Filter[cluster.Key]{Eq: &pik}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != 1 {
			t.Fatalf("%d agent instances for the process instance, want 1", len(res.Items))
		}
		ai = res.Items[0]
		return ai.Status == "COMPLETED"
	})
	if ai.Metrics != (cluster.AgentInstanceMetrics{InputTokens: 250, OutputTokens: 30, ModelCalls: 2, ToolCalls: 2}) {
		t.Fatalf("metrics: %+v", ai.Metrics)
	}
	if ai.Definition != (cluster.AgentInstanceDefinition{Model: "test-model", Provider: "openaiCompatible", SystemPrompt: "You are a weather assistant. Use the tools."}) || ai.Limits.MaxModelCalls != 5 {
		t.Fatalf("definition %+v, limits %+v", ai.Definition, ai.Limits)
	}
	if ai.ElementID != "Agent" || ai.CompletionDate == nil || len(ai.ElementInstanceKeys) != 1 {
		t.Fatalf("agent instance: %+v", ai)
	}
	var names []string
	for _, tool := range ai.Tools {
		names = append(names, tool.Name+"@"+*tool.ElementID)
	}
	if got := strings.Join(names, ","); !strings.Contains(got, "GetWeather@GetWeather") || !strings.Contains(got, "MCP_Clock___now@Clock") {
		t.Fatalf("tools: %s", got)
	}
	got, err := r.api.GetAgentInstance(r.ctx, ai.AgentInstanceKey)
	if err != nil || got.Status != "COMPLETED" || got.Metrics != ai.Metrics {
		t.Fatalf("get: %+v, %v", got, err)
	}
	hist, err := r.api.SearchAgentInstanceHistory(r.ctx, ai.AgentInstanceKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	var conv []string
	for _, h := range hist.Items {
		if h.CommitStatus != "COMMITTED" {
			t.Fatalf("item %s is %s", h.HistoryItemID, h.CommitStatus)
		}
		line := fmt.Sprintf("%d %s", h.LoopIteration, h.Role)
		for _, c := range h.Content {
			if c.Text != nil {
				line += " " + *c.Text
			}
		}
		for _, c := range h.ToolCalls {
			line += " [" + c.ToolCallID + " " + c.ToolName + "]"
		}
		if h.Metrics != nil {
			line += fmt.Sprintf(" (%d/%d)", *h.Metrics.InputTokens, *h.Metrics.OutputTokens)
			// The model call's duration (8.10's durationMs): present, never negative.
			if d := h.Metrics.DurationMs; d == nil || *d < 0 {
				t.Fatalf("item %s: durationMs %v, want the model call's duration", h.HistoryItemID, d)
			}
		}
		conv = append(conv, line)
	}
	want := []string{
		"1 CONFIGURATION",
		"1 USER What is the weather in Paris, and the time?",
		"1 ASSISTANT [call_1 GetWeather] [call_2 MCP_Clock___now] (100/20)",
		"2 TOOL_RESULT sunny in Paris [call_1 GetWeather]",
		"2 TOOL_RESULT 12:00 in CET [call_2 MCP_Clock___now]",
		"2 ASSISTANT It is sunny in Paris and 12:00. (150/10)",
	}
	if strings.Join(conv, "\n") != strings.Join(want, "\n") {
		t.Fatalf("history:\n%s\nwant:\n%s", strings.Join(conv, "\n"), strings.Join(want, "\n"))
	}
}

func TestAgentInventedToolAndModelCallLimit(t *testing.T) {
	r := newRig(t,
		llmtest.Turn{ToolCalls: []llm.ToolCall{toolCall("c1", "Teleport", `{}`)}},
		llmtest.Turn{ToolCalls: []llm.ToolCall{toolCall("c2", "Teleport", `{}`)}},
	)
	pi := r.start(map[string]any{"maxCalls": 2, "retries": 1})
	r.waitFor("an incident", func() bool { return len(r.incidents(pi)) == 1 })
	inc := r.incidents(pi)[0]
	if inc.ErrorType != "AD_HOC_SUB_PROCESS_NO_RETRIES" || !strings.Contains(inc.ErrorMessage, "MAXIMUM_NUMBER_OF_MODEL_CALLS_REACHED") {
		t.Fatalf("incident: %+v", inc)
	}
	reqs := r.llm.Requests()
	if len(reqs) < 2 {
		t.Fatalf("%d LLM calls", len(reqs))
	}
	second, _ := json.Marshal(reqs[1].JSON()["messages"])
	if !strings.Contains(string(second), "Tool 'Teleport' does not exist") {
		t.Fatalf("the model was not told its tool does not exist: %s", second)
	}
}

func TestAgentRetriesOverloadedModelThenIncident(t *testing.T) {
	r := newRig(t,
		llmtest.Turn{Status: 429, ErrorType: "rate_limit_exceeded", ErrorMessage: "slow down", Header: map[string]string{"Retry-After": "0"}},
		llmtest.Turn{Status: 500, ErrorType: "server_error", ErrorMessage: "oops"},
	)
	pi := r.start(map[string]any{"retries": 2})
	r.waitFor("an incident", func() bool { return len(r.incidents(pi)) == 1 })
	inc := r.incidents(pi)[0]
	if !strings.Contains(inc.ErrorMessage, "FAILED_MODEL_CALL") || strings.Contains(inc.ErrorMessage, "sk-test-123") {
		t.Fatalf("incident: %+v", inc)
	}
	if n := len(r.llm.Requests()); n != 2 {
		t.Fatalf("%d model calls, want 2 (one per retry)", n)
	}
}

func TestAgentJSONResponse(t *testing.T) {
	r := newRig(t,
		llmtest.Turn{Text: "```json\n{\"answer\": 42}\n```"},
	)
	pi := r.start(map[string]any{"format": "json"})
	r.waitFor("the answer", func() bool { return r.state(pi) == store.StateCompleted })
	agentVar, _ := r.variable(pi, "agent").(map[string]any)
	if got, _ := json.Marshal(agentVar["responseJson"]); string(got) != `{"answer":42}` {
		t.Fatalf("agent: %v", agentVar)
	}
	// No tools were called: discovery still ran first (one MCP gateway).
	if n := len(r.llm.Requests()); n != 1 {
		t.Fatalf("%d model calls", n)
	}
}

func TestAgentMCPServerDown(t *testing.T) {
	r := newRig(t)
	pi := r.start(map[string]any{"mcpUrl": "http://127.0.0.1:1/mcp"})
	r.waitFor("an incident", func() bool { return len(r.incidents(pi)) == 1 })
	inc := r.incidents(pi)[0]
	if inc.ElementID != "Clock" || inc.ErrorType != "JOB_NO_RETRIES" || !strings.Contains(inc.ErrorMessage, "127.0.0.1:1") {
		t.Fatalf("incident: %+v", inc)
	}
	t.Logf("incident message: %s", inc.ErrorMessage)
	if n := len(r.llm.Requests()); n != 0 {
		t.Fatalf("the LLM was called %d times before the tools were known", n)
	}
}

func TestAgentEventInterruptsToolCalls(t *testing.T) {
	r := newRig(t,
		llmtest.Turn{ToolCalls: []llm.ToolCall{toolCall("ask_1", "AskHuman", `{"question":"Refund?"}`)}},
		llmtest.Turn{Text: "Understood, no refund."},
	)
	b, err := os.ReadFile("testdata/events.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.eng.Deploy(r.ctx, "", []engine.Resource{{Name: "events.bpmn", Content: b}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.eng.CreateProcessInstance(r.ctx, engine.CreateInstanceRequest{ProcessID: "interruptible-agent",
		Variables: map[string]any{"llmUrl": r.llm.URL + "/v1", "ticket": "7"}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	userTasks := func() []*store.UserTask {
		ts, _ := store.Select(r.ctx, r.eng.Store(), func() *store.UserTask { return new(store.UserTask) }, "process_instance_key = ?", pi)
		return ts
	}
	r.waitFor("the human task", func() bool { return len(userTasks()) == 1 })
	// While the human is asked, the user sends an update: an event.
	if _, err := r.eng.CorrelateMessage(r.ctx, engine.PublishMessageRequest{Name: "user-update", CorrelationKey: "7", Variables: map[string]any{"note": "no refund needed"}}); err != nil {
		t.Fatal(err)
	}
	r.waitFor("the answer", func() bool { return r.state(pi) == store.StateCompleted })
	reqs := r.llm.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d model calls", len(reqs))
	}
	second, _ := json.Marshal(reqs[1].JSON()["messages"])
	for _, want := range []string{`"content":"Tool execution was canceled.","role":"tool","tool_call_id":"ask_1"`, `The user says: no refund needed`} {
		if !strings.Contains(string(second), want) {
			t.Fatalf("second request lacks %s:\n%s", want, second)
		}
	}
	if ts := userTasks(); ts[0].State != store.UserTaskCanceled {
		t.Fatalf("the interrupted tool's user task is %s", ts[0].State)
	}
	agentVar, _ := r.variable(pi, "agent").(map[string]any)
	if agentVar["responseText"] != "Understood, no refund." {
		t.Fatalf("agent: %v", agentVar)
	}
}

func TestTaskAgentLoopsThroughMultiInstanceTools(t *testing.T) {
	for _, v2 := range []bool{false, true} {
		for _, remote := range []bool{false, true} {
			name := map[bool]string{false: "in process", true: "over REST"}[remote] + map[bool]string{false: "", true: ", 8.10 template"}[v2]
			t.Run(name, func(t *testing.T) { testTaskAgent(t, remote, v2) })
		}
	}
}

// v2TaskModel turns the task agent model into what the 8.10 AI Agent Task
// template (.v2) writes: its job type, the agent marker and the OpenAI
// provider with a custom (compatible) backend.
func v2TaskModel(b []byte) []byte {
	s := strings.Replace(string(b), `type="io.camunda.agenticai:aiagent:1"`, `type="io.camunda.agenticai:aiagent:task:2"`, 1)
	s = strings.Replace(s, `<zeebe:taskDefinition type="io.camunda.agenticai:aiagent:task:2"`, `<zeebe:agentDefinition agentType="aiAgentTask" />
        <zeebe:taskDefinition type="io.camunda.agenticai:aiagent:task:2"`, 1)
	s = strings.Replace(s, `<zeebe:input source="openaiCompatible" target="provider.type" />
          <zeebe:input source="=llmUrl" target="provider.openaiCompatible.endpoint" />
          <zeebe:input source="test-model" target="provider.openaiCompatible.model.model" />`, `<zeebe:input source="openai" target="provider.type" />
          <zeebe:input source="completions" target="provider.openai.api.type" />
          <zeebe:input source="custom" target="provider.openai.backend.type" />
          <zeebe:input source="=llmUrl" target="provider.openai.backend.custom.endpoint" />
          <zeebe:input source="apiKey" target="provider.openai.backend.custom.authentication.type" />
          <zeebe:input source="{{secrets.LLM_KEY}}" target="provider.openai.backend.custom.authentication.apiKey" />
          <zeebe:input source="test-model" target="provider.openai.model.model" />`, 1)
	return []byte(s)
}

func testTaskAgent(t *testing.T, remote, v2 bool) {
	{
		{
			r := newRigWith(t, remote,
				llmtest.Turn{ToolCalls: []llm.ToolCall{toolCall("a", "GetWeather", `{"city":"Oslo"}`), toolCall("b", "GetWeather", `{"city":"Rome"}`)}},
				llmtest.Turn{Text: "Cold in Oslo, warm in Rome."},
			)
			b, err := os.ReadFile("testdata/task-agent.bpmn")
			if err != nil {
				t.Fatal(err)
			}
			if v2 {
				if b = v2TaskModel(b); !strings.Contains(string(b), "provider.openai.backend.custom.endpoint") {
					t.Fatal("the model was not rewritten")
				}
			}
			if _, err := r.eng.Deploy(r.ctx, "", []engine.Resource{{Name: "task-agent.bpmn", Content: b}}); err != nil {
				t.Fatal(err)
			}
			res, err := r.eng.CreateProcessInstance(r.ctx, engine.CreateInstanceRequest{ProcessID: "task-agent",
				Variables: map[string]any{"llmUrl": r.llm.URL + "/v1", "question": "Weather in Oslo and Rome?"}})
			if err != nil {
				t.Fatal(err)
			}
			pi := res.ProcessInstanceKey
			r.waitFor("the answer", func() bool { return r.state(pi) == store.StateCompleted })
			agentVar, _ := r.variable(pi, "agent").(map[string]any)
			if agentVar["responseText"] != "Cold in Oslo, warm in Rome." {
				t.Fatalf("agent: %v", agentVar)
			}
			reqs := r.llm.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d model calls", len(reqs))
			}
			tools, _ := json.Marshal(reqs[0].JSON()["tools"])
			if !strings.Contains(string(tools), `"name":"GetWeather"`) {
				t.Fatalf("tools read from the BPMN: %s", tools)
			}
			second, _ := json.Marshal(reqs[1].JSON()["messages"])
			for _, want := range []string{`"content":"sunny in Oslo","role":"tool","tool_call_id":"a"`, `"content":"sunny in Rome","role":"tool","tool_call_id":"b"`} {
				if !strings.Contains(string(second), want) {
					t.Fatalf("second request lacks %s:\n%s", want, second)
				}
			}
			if v2 && reqs[0].Header.Get("Authorization") != "Bearer sk-test-123" {
				t.Errorf("the key from the secret did not reach the model: %q", reqs[0].Header.Get("Authorization"))
			}
			// One agent instance over both entries of the task (one element
			// instance each), completed once the final answer's task ended.
			pik := cluster.Key(pi)
			ais, err := r.api.SearchAgentInstances(r.ctx, &cluster.AgentInstanceSearchQuery{Filter: &cluster.AgentInstanceFilter{
				ProcessInstanceKey: &cluster.KeyFilter{Filter: cluster.Filter[cluster.Key]{Eq: &pik}}}})
			if err != nil || len(ais.Items) != 1 {
				t.Fatalf("agent instances: %+v, %v", ais, err)
			}
			ai := ais.Items[0]
			if ai.Status != "COMPLETED" || len(ai.ElementInstanceKeys) != 2 || ai.Metrics.ModelCalls != 2 || ai.Metrics.ToolCalls != 2 || ai.CompletionDate == nil {
				t.Fatalf("agent instance of the task: %+v", ai)
			}
			hist, err := r.api.SearchAgentInstanceHistory(r.ctx, ai.AgentInstanceKey, nil)
			if err != nil {
				t.Fatal(err)
			}
			var roles []string
			for _, h := range hist.Items {
				roles = append(roles, h.Role)
			}
			if got := strings.Join(roles, ","); got != "CONFIGURATION,USER,ASSISTANT,TOOL_RESULT,TOOL_RESULT,ASSISTANT" {
				t.Fatalf("history of the task agent: %s", got)
			}
		}
	}
}
