package agent_test

import (
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/worker"
)

// limitsRun runs the chat-with-tools process on an OpenAI-compatible stub
// with the given limits (input mappings) and waits until it completes or
// has an incident.
func limitsRun(t *testing.T, limits map[string]string, turns ...llmtest.Turn) (*chatRig, *llmtest.Server, int64) {
	t.Helper()
	stub := llmtest.NewOpenAI(t, turns...)
	fields := map[string]string{"provider.type": "openai", "provider.openai.api.type": "completions",
		"provider.openai.backend.type": "custom", "provider.openai.backend.custom.endpoint": stub.URL + "/v1",
		"provider.openai.model.model": "m"}
	for k, v := range limits {
		fields[k] = v
	}
	r := newChatRig(t, agent.Options{Secrets: worker.MapSecrets{}})
	if _, err := r.eng.Deploy(r.ctx, "", []engine.Resource{{Name: "chat.bpmn", Content: chatModel(t, fields, "")}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.eng.CreateProcessInstance(r.ctx, engine.CreateInstanceRequest{ProcessID: "chat-with-tools",
		Variables: map[string]any{"inputText": "Compute things.", "chatId": "c", "usersApi": "http://127.0.0.1:1"}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	r.waitFor("the end or an incident", func() bool { return r.state(pi) == store.StateCompleted || len(r.incidents(pi)) > 0 })
	return r, stub, pi
}

func superflux(id string) llm.ToolCall { return toolCall(id, "SuperfluxProduct", `{"a":1,"b":2}`) }

func TestLimits(t *testing.T) {
	t.Run("tool calls, hard", func(t *testing.T) {
		ask := llmtest.Turn{ToolCalls: []llm.ToolCall{superflux("c1"), superflux("c2"), superflux("c3")}}
		r, _, pi := limitsRun(t, map[string]string{"data.limits.maxToolCalls": "=2"}, ask, ask, ask)
		inc := r.incidents(pi)
		want := "MAXIMUM_NUMBER_OF_TOOL_CALLS_REACHED: Maximum number of tool calls reached (toolCalls: 0, requested: 3, limit: 2)"
		if len(inc) != 1 || inc[0].ErrorMessage != want {
			t.Fatalf("incidents = %+v", inc)
		}
	})
	t.Run("tokens, hard", func(t *testing.T) {
		r, stub, pi := limitsRun(t, map[string]string{"data.limits.maxTokens": "=100"},
			llmtest.Turn{ToolCalls: []llm.ToolCall{superflux("c1")}, Usage: llm.Usage{InputTokens: 90, OutputTokens: 30}})
		inc := r.incidents(pi)
		want := "MAXIMUM_NUMBER_OF_TOKENS_REACHED: Maximum number of tokens reached (tokens: 120, limit: 100)"
		if len(inc) != 1 || inc[0].ErrorMessage != want {
			t.Fatalf("incidents = %+v", inc)
		}
		if n := len(stub.Requests()); n != 1 {
			t.Errorf("%d model calls past the token limit", n-1)
		}
	})
	t.Run("tokens, soft stop", func(t *testing.T) {
		r, stub, pi := limitsRun(t, map[string]string{"data.limits.maxTokens": "=100", "data.limits.softStop": "=true"},
			llmtest.Turn{ToolCalls: []llm.ToolCall{superflux("c1")}, Usage: llm.Usage{InputTokens: 90, OutputTokens: 30}},
			llmtest.Turn{Text: "The result is 9; I stop here."})
		if r.state(pi) != store.StateCompleted {
			t.Fatalf("incidents: %+v", r.incidents(pi))
		}
		last := stub.Requests()[1]
		if _, hasTools := last.JSON()["tools"]; hasTools {
			t.Error("the last call still offered tools")
		}
		if !strings.Contains(string(last.Body), "Maximum number of tokens reached (tokens: 120, limit: 100). No more tools can be called") {
			t.Errorf("the model was not told why: %s", last.Body)
		}
		a, _ := r.variable(pi, "agent").(map[string]any)
		if a["responseText"] != "The result is 9; I stop here." || a["limitReached"] != agent.ErrMaxTokensReached {
			t.Errorf("agent = %v", a)
		}
	})
	t.Run("tool calls, soft stop", func(t *testing.T) {
		r, stub, pi := limitsRun(t, map[string]string{"data.limits.maxToolCalls": "=1", "data.limits.softStop": "=true"},
			llmtest.Turn{ToolCalls: []llm.ToolCall{superflux("c1"), toolCall("c2", "AskHumanToSendEmail", `{"emailSubject":"x"}`)}},
			llmtest.Turn{Text: "I could not do everything."})
		if r.state(pi) != store.StateCompleted {
			t.Fatalf("incidents: %+v", r.incidents(pi))
		}
		tasks, _ := store.Select(r.ctx, r.eng.Store(), func() *store.UserTask { return new(store.UserTask) }, "process_instance_key = ?", pi)
		if len(tasks) != 0 {
			t.Error("a refused tool ran")
		}
		second := string(stub.Requests()[1].Body)
		if !strings.Contains(second, "Not executed: the limit of 1 tool calls is reached.") {
			t.Errorf("second call: %s", second)
		}
		a, _ := r.variable(pi, "agent").(map[string]any)
		if a["limitReached"] != agent.ErrMaxToolCallsReached {
			t.Errorf("agent = %v", a)
		}
	})
	t.Run("model calls, soft stop", func(t *testing.T) {
		r, stub, pi := limitsRun(t, map[string]string{"data.limits.maxModelCalls": "=1", "data.limits.softStop": "=true"},
			llmtest.Turn{ToolCalls: []llm.ToolCall{superflux("c1")}},
			llmtest.Turn{Text: "Done with one tool."})
		if r.state(pi) != store.StateCompleted || len(stub.Requests()) != 2 {
			t.Fatalf("state %s, %d calls, incidents %+v", r.state(pi), len(stub.Requests()), r.incidents(pi))
		}
		ctx, _ := r.variable(pi, "agent").(map[string]any)["context"].(map[string]any)
		m, _ := ctx["metrics"].(map[string]any)
		if m["modelCalls"] != float64(2) || m["toolCalls"] != float64(1) {
			t.Errorf("metrics = %v", m)
		}
		if a, _ := r.variable(pi, "agent").(map[string]any); a["limitReached"] != agent.ErrMaxModelCallsReached {
			t.Errorf("agent = %v", a)
		}
	})
}
