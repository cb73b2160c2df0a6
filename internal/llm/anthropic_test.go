package llm_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
)

func newAnthropic(t *testing.T, stub *llmtest.Server, mutate ...func(*llm.AnthropicConfig)) *llm.Anthropic {
	t.Helper()
	cfg := llm.AnthropicConfig{BaseURL: stub.URL, APIKey: testKey, Logger: quietLogger()}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := llm.NewAnthropic(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAnthropicRequestJSON(t *testing.T) {
	stub := llmtest.NewAnthropic(t, llmtest.Turn{Text: `{"answer":"7"}`, Usage: llm.Usage{InputTokens: 130, OutputTokens: 11}})
	c := newAnthropic(t, stub)
	resp, err := c.Chat(t.Context(), &llm.Request{
		Model:    "claude-sonnet-4-5",
		Messages: conversation(),
		Tools:    tools(),
		Params:   llm.Params{MaxTokens: ptr[int64](512), Temperature: ptr(0.2), TopP: ptr(0.9), TopK: ptr[int64](40)},
		ResponseFormat: llm.ResponseFormat{Type: llm.FormatJSONSchema, Name: "Answer",
			Schema: json.RawMessage(`{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"],"additionalProperties":false}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := stub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/v1/messages" {
		t.Errorf("path = %q", r.Path)
	}
	if r.Header.Get("X-Api-Key") != testKey || r.Header.Get("Anthropic-Version") == "" || r.Header.Get("Authorization") != "" {
		t.Errorf("x-api-key %q anthropic-version %q authorization %q",
			r.Header.Get("X-Api-Key"), r.Header.Get("Anthropic-Version"), r.Header.Get("Authorization"))
	}
	short := llm.VendorToolName(longToolName)
	assertJSON(t, r.Body, fmt.Sprintf(`{
	  "model": "claude-sonnet-4-5",
	  "max_tokens": 512,
	  "system": [{"type": "text", "text": "You are a helpful agent."}],
	  "messages": [
	    {"role": "user", "content": [
	      {"type": "text", "text": "What is in the report, and what is 3+4?"},
	      {"type": "document", "title": "report.pdf", "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0xLjQ="}},
	      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw=="}}
	    ]},
	    {"role": "assistant", "content": [
	      {"type": "text", "text": "Let me compute."},
	      {"type": "tool_use", "id": "call_1", "name": "SuperfluxProduct", "input": {"a": 3, "b": 4}},
	      {"type": "tool_use", "id": "call_2", "name": %[1]q, "input": {"path": "/tmp/a"}}
	    ]},
	    {"role": "user", "content": [
	      {"type": "tool_result", "tool_use_id": "call_1", "content": [{"type": "text", "text": "7"}]},
	      {"type": "tool_result", "tool_use_id": "call_2", "is_error": true, "content": [{"type": "text", "text": "file not found"}]}
	    ]}
	  ],
	  "tools": [
	    {"name": "SuperfluxProduct", "description": "Multiplies in superflux.",
	      "input_schema": {"type": "object", "properties": {"a": {"type": "number", "description": "first"}, "b": {"type": "number"}}, "required": ["a", "b"]}},
	    {"name": %[1]q, "description": "Reads files.",
	      "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"], "additionalProperties": false}}
	  ],
	  "temperature": 0.2,
	  "top_p": 0.9,
	  "top_k": 40,
	  "output_config": {"format": {"type": "json_schema",
	    "schema": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"], "additionalProperties": false}}}
	}`, short))

	if resp.Text() != `{"answer":"7"}` || resp.FinishReason != llm.FinishStop || resp.RawFinishReason != "end_turn" {
		t.Errorf("response = %q %q %q", resp.Text(), resp.FinishReason, resp.RawFinishReason)
	}
	if resp.Usage != (llm.Usage{InputTokens: 130, OutputTokens: 11}) || resp.ID != "msg_stub_1" {
		t.Errorf("usage %+v id %q", resp.Usage, resp.ID)
	}
}

func TestAnthropicToolCallRoundTrip(t *testing.T) {
	short := llm.VendorToolName(longToolName)
	stub := llmtest.NewAnthropic(t,
		llmtest.Turn{Text: "I'll look.", ToolCalls: []llm.ToolCall{
			{ID: "toolu_1", Name: short, Arguments: json.RawMessage(`{"path":"/data/x"}`)},
		}, Usage: llm.Usage{InputTokens: 40, OutputTokens: 12}},
		llmtest.Turn{Text: "Done.", Usage: llm.Usage{InputTokens: 70, OutputTokens: 2}},
	)
	c := newAnthropic(t, stub)
	msgs := []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("read it")}}}
	first, err := c.Chat(t.Context(), &llm.Request{Model: "m", Messages: msgs, Tools: tools()})
	if err != nil {
		t.Fatal(err)
	}
	if first.FinishReason != llm.FinishToolCalls || first.RawFinishReason != "tool_use" || first.Text() != "I'll look." {
		t.Errorf("first = %+v", first)
	}
	calls := first.ToolCalls()
	if len(calls) != 1 || calls[0].ID != "toolu_1" || calls[0].Name != longToolName {
		t.Fatalf("calls = %+v", calls)
	}
	assertJSON(t, calls[0].Arguments, `{"path":"/data/x"}`)
	// The default max_tokens and no system prompt.
	assertJSON(t, stub.Requests()[0].Body, fmt.Sprintf(`{"model":"m","max_tokens":%d,
	  "messages":[{"role":"user","content":[{"type":"text","text":"read it"}]}],
	  "tools":[
	    {"name":"SuperfluxProduct","description":"Multiplies in superflux.","input_schema":{"type":"object","properties":{"a":{"type":"number","description":"first"},"b":{"type":"number"}},"required":["a","b"]}},
	    {"name":%q,"description":"Reads files.","input_schema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],"additionalProperties":false}}]}`,
		llm.DefaultAnthropicMaxTokens, short))

	msgs = append(msgs, first.Message, llm.Message{Role: llm.RoleTool, ToolResults: []llm.ToolResult{
		{ID: "toolu_1", Name: longToolName, Content: []llm.Content{llm.Text("contents")}},
	}})
	second, err := c.Chat(t.Context(), &llm.Request{Model: "m", Messages: msgs, Tools: tools()})
	if err != nil {
		t.Fatal(err)
	}
	if second.Text() != "Done." || second.Usage.OutputTokens != 2 {
		t.Errorf("second = %+v", second)
	}
	got, _ := json.Marshal(stub.Requests()[1].JSON()["messages"])
	assertJSON(t, got, fmt.Sprintf(`[
	  {"role":"user","content":[{"type":"text","text":"read it"}]},
	  {"role":"assistant","content":[{"type":"text","text":"I'll look."},{"type":"tool_use","id":"toolu_1","name":%q,"input":{"path":"/data/x"}}]},
	  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"contents"}]}]}
	]`, short))
}

func TestAnthropicFinishReasons(t *testing.T) {
	tests := []struct {
		stop string
		want llm.FinishReason
	}{
		{"end_turn", llm.FinishStop},
		{"stop_sequence", llm.FinishStop},
		{"max_tokens", llm.FinishLength},
		{"refusal", llm.FinishContentFilter},
		{"pause_turn", llm.FinishOther},
	}
	for _, tt := range tests {
		t.Run(tt.stop, func(t *testing.T) {
			stub := llmtest.NewAnthropic(t, llmtest.Turn{Text: "x", FinishReason: tt.stop})
			resp, err := newAnthropic(t, stub).Chat(t.Context(), &llm.Request{Model: "m",
				Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
			if err != nil {
				t.Fatal(err)
			}
			if resp.FinishReason != tt.want || resp.RawFinishReason != tt.stop {
				t.Errorf("finish = %q (%q), want %q", resp.FinishReason, resp.RawFinishReason, tt.want)
			}
		})
	}
}

func TestAnthropicJSONObjectFormatSendsNothing(t *testing.T) {
	stub := llmtest.NewAnthropic(t, llmtest.Turn{Text: "{}"})
	_, err := newAnthropic(t, stub).Chat(t.Context(), &llm.Request{Model: "m", ResponseFormat: llm.ResponseFormat{Type: llm.FormatJSONObject},
		Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := stub.Requests()[0].JSON()["output_config"]; ok {
		t.Error("output_config sent for json_object")
	}
}

func TestAnthropicErrors(t *testing.T) {
	cases := append(errorCases("authentication_error", "rate_limit_error", "api_error"), errorCase{
		name: "529 overloaded", turn: llmtest.Turn{Status: 529, ErrorType: "overloaded_error", ErrorMessage: "Overloaded"},
		wantKind: llm.KindServer, wantStatus: 529, wantRetry: true, wantInMsg: "(overloaded_error): Overloaded",
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := llmtest.NewAnthropic(t, tc.turn)
			c := newAnthropic(t, stub, func(cfg *llm.AnthropicConfig) { cfg.Timeout = tc.timeout })
			_, err := c.Chat(t.Context(), &llm.Request{Model: "m",
				Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
			checkError(t, tc, err, llm.ProviderAnthropic)
			if n := len(stub.Requests()); n != 1 {
				t.Errorf("the SDK sent %d requests, want 1 (no retries)", n)
			}
		})
	}
}

func TestAnthropicLargeMaxTokens(t *testing.T) {
	// The SDK refuses non-streaming calls it expects to run over 10 minutes
	// unless a request timeout is set; the adapter leaves that to the context.
	stub := llmtest.NewAnthropic(t, llmtest.Turn{Text: "ok"})
	_, err := newAnthropic(t, stub).Chat(t.Context(), &llm.Request{Model: "claude-sonnet-4-5", Params: llm.Params{MaxTokens: ptr[int64](64000)},
		Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := stub.Requests()[0].JSON()["max_tokens"]; got != float64(64000) {
		t.Errorf("max_tokens = %v", got)
	}
}

// A thinking model's tool-use loop: the request carries the thinking config,
// effort and the automatic cache breakpoint; the thinking blocks the model
// returns are kept out of the answer text and go back, signed and unchanged,
// before the tool call in the next turn.
func TestAnthropicThinkingRoundTrip(t *testing.T) {
	stub := llmtest.NewAnthropic(t,
		llmtest.Turn{Thinking: "The user wants 3*4; call the tool.", Signature: "sig-EqQBCgIYAhIM", RedactedThinking: "opaque-XYZ",
			Text: "Computing.", ToolCalls: []llm.ToolCall{{ID: "toolu_9", Name: "SuperfluxProduct", Arguments: json.RawMessage(`{"a":3,"b":4}`)}}},
		llmtest.Turn{Text: "12"},
	)
	c := newAnthropic(t, stub)
	params := llm.Params{MaxTokens: ptr[int64](8000), Effort: "high", PromptCaching: true,
		Thinking: &llm.Thinking{Mode: llm.ThinkingEnabled, BudgetTokens: 2048}}
	msgs := []llm.Message{
		{Role: llm.RoleSystem, Content: []llm.Content{llm.Text("Be exact.")}},
		{Role: llm.RoleUser, Content: []llm.Content{llm.Text("3*4 in superflux?")}},
	}
	first, err := c.Chat(t.Context(), &llm.Request{Model: "claude-sonnet-4-6", Messages: msgs, Tools: tools()[:1], Params: params})
	if err != nil {
		t.Fatal(err)
	}
	body := stub.Requests()[0].JSON()
	got, _ := json.Marshal(map[string]any{"thinking": body["thinking"], "output_config": body["output_config"], "cache_control": body["cache_control"]})
	assertJSON(t, got, `{"thinking":{"type":"enabled","budget_tokens":2048},"output_config":{"effort":"high"},"cache_control":{"type":"ephemeral"}}`)
	if first.Text() != "Computing." {
		t.Errorf("answer text = %q, want the text without the thinking", first.Text())
	}
	if len(first.ToolCalls()) != 1 {
		t.Fatalf("tool calls = %+v", first.ToolCalls())
	}

	msgs = append(msgs, first.Message, llm.Message{Role: llm.RoleTool, ToolResults: []llm.ToolResult{
		{ID: "toolu_9", Name: "SuperfluxProduct", Content: []llm.Content{llm.Text("12")}}}})
	second, err := c.Chat(t.Context(), &llm.Request{Model: "claude-sonnet-4-6", Messages: msgs, Tools: tools()[:1], Params: params})
	if err != nil {
		t.Fatal(err)
	}
	if second.Text() != "12" {
		t.Errorf("second = %q", second.Text())
	}
	got, _ = json.Marshal(stub.Requests()[1].JSON()["messages"])
	assertJSON(t, got, `[
	  {"role":"user","content":[{"type":"text","text":"3*4 in superflux?"}]},
	  {"role":"assistant","content":[
	    {"type":"thinking","thinking":"The user wants 3*4; call the tool.","signature":"sig-EqQBCgIYAhIM"},
	    {"type":"redacted_thinking","data":"opaque-XYZ"},
	    {"type":"text","text":"Computing."},
	    {"type":"tool_use","id":"toolu_9","name":"SuperfluxProduct","input":{"a":3,"b":4}}]},
	  {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_9","content":[{"type":"text","text":"12"}]}]}
	]`)
}

func TestAnthropicThinkingModes(t *testing.T) {
	tests := []struct {
		name     string
		thinking *llm.Thinking
		want     string // the thinking field sent; "" for none
		wantErr  string
	}{
		{"unset", nil, "", ""},
		{"adaptive omitted", &llm.Thinking{Mode: llm.ThinkingAdaptive, Display: "omitted"}, `{"type":"adaptive","display":"omitted"}`, ""},
		{"adaptive default display", &llm.Thinking{Mode: llm.ThinkingAdaptive}, `{"type":"adaptive"}`, ""},
		{"disabled", &llm.Thinking{Mode: llm.ThinkingDisabled}, `{"type":"disabled"}`, ""},
		{"budget below 1024", &llm.Thinking{Mode: llm.ThinkingEnabled, BudgetTokens: 512}, "", "at least 1024"},
		{"budget not below max tokens", &llm.Thinking{Mode: llm.ThinkingEnabled, BudgetTokens: llm.DefaultAnthropicMaxTokens}, "", "less than max tokens"},
		{"unknown mode", &llm.Thinking{Mode: "deep"}, "", "unknown thinking mode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := llmtest.NewAnthropic(t, llmtest.Turn{Text: "ok"})
			_, err := newAnthropic(t, stub).Chat(t.Context(), &llm.Request{Model: "m", Params: llm.Params{Thinking: tt.thinking},
				Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
			if tt.wantErr != "" {
				var e *llm.Error
				if !errors.As(err, &e) || e.Kind != llm.KindUnsupported || !strings.Contains(e.Message, tt.wantErr) {
					t.Fatalf("err = %v, want an unsupported error saying %q", err, tt.wantErr)
				}
				if n := len(stub.Requests()); n != 0 {
					t.Errorf("%d requests sent for an invalid config", n)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			body := stub.Requests()[0].JSON()
			th, ok := body["thinking"]
			if tt.want == "" {
				if ok {
					t.Errorf("thinking sent: %v", th)
				}
				if _, ok := body["cache_control"]; ok {
					t.Error("cache_control sent without prompt caching")
				}
				return
			}
			got, _ := json.Marshal(th)
			assertJSON(t, got, tt.want)
		})
	}
}
