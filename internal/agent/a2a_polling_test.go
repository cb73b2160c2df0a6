package agent_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/a2a"
	"github.com/orcabpm/orca/internal/a2a/a2atest"
	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/webhook"
	"github.com/orcabpm/orca/internal/worker"
)

// TestAgentPollsARemoteAgentOverA2A: Camunda's A2A tool pattern with
// polling as its example wires it inside the agent's ad-hoc sub-process:
// the A2A client element (polling mode) answers the submitted task, a
// gateway sends it to an A2A Client Polling catch event that reads the task
// until it completed and sets toolCallResult, and the model reads the
// remote agent's answer; the card at discovery takes the other branch
// (completed synchronously).
func TestAgentPollsARemoteAgentOverA2A(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("testdata/a2a-agent-polling.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eng.Deploy(ctx, "", []engine.Resource{{Name: "a2a-agent-polling.bpmn", Content: b}}); err != nil {
		t.Fatal(err)
	}
	remote := a2atest.New(t, "Weather agent", "Knows tomorrow's weather anywhere")
	remote.Answer = func(text string) string { return "Sunny, 24°C (asked: " + text + ")" }
	stub := llmtest.NewOpenAI(t,
		llmtest.Turn{ToolCalls: []llm.ToolCall{{ID: "call_a2a", Name: "A2A_Forecaster", Arguments: json.RawMessage(`{"text":"Weather in Paris tomorrow?"}`)}}},
		llmtest.Turn{Text: "Tomorrow Paris will be sunny, 24°C."},
	)
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	client := a2a.NewClient(nil)
	secrets := worker.MapSecrets{"LLM_KEY": "sk-test-123"}
	workers := []worker.Config{
		{Type: agent.JobTypeSubProcess, Handler: agent.New(agent.Options{Secrets: secrets, Instances: api}), FetchVariables: agent.FetchVariables},
		{Type: a2a.JobType, Handler: worker.Connector(client.Connector(), secrets, worker.DefaultResultVariable("toolCallResult"), worker.InputVariables("data"))},
	}
	done := make(chan struct{}, len(workers)+1)
	go func() {
		if err := webhook.New(api, webhook.Options{}).PollA2A(ctx, client); err != nil {
			t.Error(err)
		}
		done <- struct{}{}
	}()
	for _, w := range workers {
		w.PollTimeout = 200 * time.Millisecond
		go func(w worker.Config) { worker.Run(ctx, api, w); done <- struct{}{} }(w)
	}
	t.Cleanup(func() {
		cancel()
		for range len(workers) + 1 {
			<-done
		}
		eng.Close()
	})
	res, err := eng.CreateProcessInstance(ctx, engine.CreateInstanceRequest{ProcessID: "a2a-agent-polling", Variables: map[string]any{
		"llmUrl": stub.URL + "/v1", "a2aUrl": remote.URL, "question": "What will the weather be in Paris tomorrow?",
		"maxCalls": 5, "format": "text", "retries": 1}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		p, _, _ := store.Get(ctx, eng.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, res.ProcessInstanceKey)
		if p != nil && p.State == store.StateCompleted {
			break
		}
		if time.Now().After(deadline) {
			is, _ := store.Select(ctx, eng.Store(), func() *store.Incident { return new(store.Incident) }, "process_instance_key = ?", res.ProcessInstanceKey)
			for _, i := range is {
				t.Logf("incident: %s %s", i.ErrorType, i.ErrorMessage)
			}
			t.Fatal("timed out waiting for the agent's answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	reqs := stub.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d model calls, want 2", len(reqs))
	}
	tools, _ := json.Marshal(reqs[0].JSON()["tools"])
	for _, want := range []string{`"name":"A2A_Forecaster"`, `Send a message to the remote agent 'Weather agent': Knows tomorrow's weather anywhere`,
		`Forecast: Weather forecasts for a city (for example: Weather in Paris tomorrow?)`, `"required":["text"]`} {
		if !strings.Contains(string(tools), want) {
			t.Fatalf("the model's tools lack %s:\n%s", want, tools)
		}
	}
	second, _ := json.Marshal(reqs[1].JSON()["messages"])
	if !strings.Contains(string(second), `Sunny, 24°C (asked: Weather in Paris tomorrow?)`) || !strings.Contains(string(second), `call_a2a`) {
		t.Fatalf("the tool result the model read:\n%s", second)
	}
	var methods []string
	for _, r := range remote.Requests() {
		methods = append(methods, r["method"].(string))
	}
	if got := strings.Join(methods, ","); got != "message/send,tasks/get,tasks/get" {
		t.Fatalf("the remote agent's requests: %s", got)
	}
}
