package agent_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/worker"
)

// echoLLM speaks the OpenAI chat-completions format and answers at once:
// a tool call when the conversation ends with the user's prompt, a final
// text after a tool result. Its own time is a few microseconds.
func echoLLM() *httptest.Server {
	var n atomic.Int64
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Messages []struct {
				Role string `json:"role"`
			} `json:"messages"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		last := req.Messages[len(req.Messages)-1].Role
		w.Header().Set("Content-Type", "application/json")
		id := n.Add(1)
		if last == "tool" {
			fmt.Fprintf(w, `{"id":"r%d","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"done"}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`, id)
			return
		}
		fmt.Fprintf(w, `{"id":"r%d","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","content":null,"tool_calls":[{"id":"c%d","type":"function","function":{"name":"GetWeather","arguments":"{\"city\":\"Oslo\"}"}}]}}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}`, id, id)
	}))
}

// BenchmarkAgentTurns measures agent turns per second: each instance is two
// turns (a tool call, then the final answer) with a tool worker between,
// on the embedded engine with durable commits. The LLM answers at once, so
// the figure is the engine's and the workers' overhead per turn.
func BenchmarkAgentTurns(b *testing.B) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	eng, err := engine.Open(ctx, engine.Options{DataDir: b.TempDir()})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	model, err := os.ReadFile("testdata/agent.bpmn")
	if err != nil {
		b.Fatal(err)
	}
	// Without the MCP gateway element: no discovery turn.
	model = []byte(strings.Replace(string(model), `<zeebe:property name="io.camunda.agenticai.gateway.type" value="mcpClient" />`, ``, 1))
	if _, err := eng.Deploy(ctx, "", []engine.Resource{{Name: "agent.bpmn", Content: model}}); err != nil {
		b.Fatal(err)
	}
	llmSrv := echoLLM()
	defer llmSrv.Close()
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	workers := []worker.Config{
		{Type: agent.JobTypeSubProcess, Handler: agent.New(agent.Options{Secrets: worker.MapSecrets{"LLM_KEY": "k"}}), FetchVariables: agent.FetchVariables, Concurrency: 32},
		{Type: "weather", Concurrency: 32, Handler: worker.HandlerFunc(func(ctx context.Context, job *worker.Job) (*worker.Completion, error) {
			return &worker.Completion{Variables: map[string]any{"weather": "cold"}}, nil
		})},
	}
	for _, w := range workers {
		w.PollTimeout = time.Second
		go worker.Run(ctx, api, w)
	}
	vars := map[string]any{"llmUrl": llmSrv.URL + "/v1", "mcpUrl": "http://127.0.0.1:1/unused", "question": "weather?", "maxCalls": 5, "format": "text", "retries": 3}
	b.ResetTimer()
	start := time.Now()
	keys := make([]int64, 0, b.N)
	for i := 0; i < b.N; i++ {
		res, err := eng.CreateProcessInstance(ctx, engine.CreateInstanceRequest{ProcessID: "weather-agent", Variables: vars})
		if err != nil {
			b.Fatal(err)
		}
		keys = append(keys, res.ProcessInstanceKey)
	}
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, err := store.Select(ctx, eng.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "state = 'COMPLETED'")
		if err != nil {
			b.Fatal(err)
		}
		if len(n) == len(keys) {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d instances completed", len(n), len(keys))
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(2*b.N)/elapsed.Seconds(), "turns/s")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "instances/s")
}
