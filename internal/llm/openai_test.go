package llm_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
)

func newOpenAI(t *testing.T, stub *llmtest.Server, mutate ...func(*llm.OpenAIConfig)) *llm.OpenAI {
	t.Helper()
	cfg := llm.OpenAIConfig{BaseURL: stub.URL + "/v1", APIKey: testKey, Logger: quietLogger()}
	for _, m := range mutate {
		m(&cfg)
	}
	c, err := llm.NewOpenAI(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOpenAIRequestJSON(t *testing.T) {
	stub := llmtest.NewOpenAI(t, llmtest.Turn{Text: `{"answer":"7"}`, Usage: llm.Usage{InputTokens: 120, OutputTokens: 9}})
	c := newOpenAI(t, stub)
	resp, err := c.Chat(t.Context(), &llm.Request{
		Model:    "gpt-4o",
		Messages: conversation(),
		Tools:    tools(),
		Params:   llm.Params{MaxTokens: ptr[int64](512), Temperature: ptr(0.2), TopP: ptr(0.9), TopK: ptr[int64](40)},
		ResponseFormat: llm.ResponseFormat{Type: llm.FormatJSONSchema, Name: "Answer", Strict: true,
			Schema: json.RawMessage(`{"type":"object","properties":{"answer":{"type":"string"}},"required":["answer"]}`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	reqs := stub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/v1/chat/completions" {
		t.Errorf("path = %q", r.Path)
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+testKey {
		t.Errorf("Authorization = %q", got)
	}
	short := llm.VendorToolName(longToolName)
	assertJSON(t, r.Body, fmt.Sprintf(`{
	  "model": "gpt-4o",
	  "messages": [
	    {"role": "system", "content": "You are a helpful agent."},
	    {"role": "user", "content": [
	      {"type": "text", "text": "What is in the report, and what is 3+4?"},
	      {"type": "file", "file": {"file_data": "data:application/pdf;base64,JVBERi0xLjQ=", "filename": "report.pdf"}},
	      {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw=="}}
	    ]},
	    {"role": "assistant", "content": "Let me compute.", "tool_calls": [
	      {"id": "call_1", "type": "function", "function": {"name": "SuperfluxProduct", "arguments": "{\"a\":3,\"b\":4}"}},
	      {"id": "call_2", "type": "function", "function": {"name": %[1]q, "arguments": "{\"path\":\"/tmp/a\"}"}}
	    ]},
	    {"role": "tool", "tool_call_id": "call_1", "content": "7"},
	    {"role": "tool", "tool_call_id": "call_2", "content": "file not found"}
	  ],
	  "tools": [
	    {"type": "function", "function": {"name": "SuperfluxProduct", "description": "Multiplies in superflux.",
	      "parameters": {"type": "object", "properties": {"a": {"type": "number", "description": "first"}, "b": {"type": "number"}}, "required": ["a", "b"]}}},
	    {"type": "function", "function": {"name": %[1]q, "description": "Reads files.",
	      "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"], "additionalProperties": false}}}
	  ],
	  "max_completion_tokens": 512,
	  "temperature": 0.2,
	  "top_p": 0.9,
	  "response_format": {"type": "json_schema", "json_schema": {"name": "Answer", "strict": true,
	    "schema": {"type": "object", "properties": {"answer": {"type": "string"}}, "required": ["answer"]}}}
	}`, short))

	if resp.Text() != `{"answer":"7"}` || resp.FinishReason != llm.FinishStop || resp.RawFinishReason != "stop" {
		t.Errorf("response = %q %q %q", resp.Text(), resp.FinishReason, resp.RawFinishReason)
	}
	if resp.Usage != (llm.Usage{InputTokens: 120, OutputTokens: 9}) {
		t.Errorf("usage = %+v", resp.Usage)
	}
	if resp.ID != "chatcmpl-stub-1" || resp.Model != "gpt-4o" {
		t.Errorf("id, model = %q, %q", resp.ID, resp.Model)
	}
}

func TestOpenAIToolCallRoundTrip(t *testing.T) {
	short := llm.VendorToolName(longToolName)
	stub := llmtest.NewOpenAI(t,
		llmtest.Turn{ToolCalls: []llm.ToolCall{
			{ID: "call_a", Name: "SuperfluxProduct", Arguments: json.RawMessage(`{"a":3,"b":4}`)},
			{ID: "call_b", Name: short, Arguments: json.RawMessage(`{"path":"/data/x"}`)},
		}, Usage: llm.Usage{InputTokens: 50, OutputTokens: 20}},
		llmtest.Turn{Text: "The product is 42.", Usage: llm.Usage{InputTokens: 80, OutputTokens: 6}},
	)
	c := newOpenAI(t, stub)
	msgs := []llm.Message{
		{Role: llm.RoleSystem, Content: []llm.Content{llm.Text("sys")}},
		{Role: llm.RoleUser, Content: []llm.Content{llm.Text("go")}},
	}
	first, err := c.Chat(t.Context(), &llm.Request{Model: "m", Messages: msgs, Tools: tools()})
	if err != nil {
		t.Fatal(err)
	}
	if first.FinishReason != llm.FinishToolCalls {
		t.Errorf("finish = %q", first.FinishReason)
	}
	calls := first.ToolCalls()
	if len(calls) != 2 || calls[0].ID != "call_a" || calls[0].Name != "SuperfluxProduct" ||
		string(calls[0].Arguments) != `{"a":3,"b":4}` || calls[1].Name != longToolName || string(calls[1].Arguments) != `{"path":"/data/x"}` {
		t.Fatalf("tool calls = %+v", calls)
	}
	msgs = append(msgs, first.Message, llm.Message{Role: llm.RoleTool, ToolResults: []llm.ToolResult{
		{ID: "call_a", Name: "SuperfluxProduct", Content: []llm.Content{llm.Text("42")}},
		{ID: "call_b", Name: longToolName, Content: []llm.Content{llm.Text(`{"content":"x"}`)}},
	}})
	second, err := c.Chat(t.Context(), &llm.Request{Model: "m", Messages: msgs, Tools: tools()})
	if err != nil {
		t.Fatal(err)
	}
	if second.Text() != "The product is 42." || len(second.ToolCalls()) != 0 || second.Usage.InputTokens != 80 {
		t.Errorf("second = %+v", second)
	}
	body := stub.Requests()[1].JSON()
	got, _ := json.Marshal(body["messages"])
	assertJSON(t, got, fmt.Sprintf(`[
	  {"role": "system", "content": "sys"},
	  {"role": "user", "content": "go"},
	  {"role": "assistant", "tool_calls": [
	    {"id": "call_a", "type": "function", "function": {"name": "SuperfluxProduct", "arguments": "{\"a\":3,\"b\":4}"}},
	    {"id": "call_b", "type": "function", "function": {"name": %q, "arguments": "{\"path\":\"/data/x\"}"}}
	  ]},
	  {"role": "tool", "tool_call_id": "call_a", "content": "42"},
	  {"role": "tool", "tool_call_id": "call_b", "content": "{\"content\":\"x\"}"}
	]`, short))
}

func TestOpenAIResponseFormats(t *testing.T) {
	schema := json.RawMessage(`{"type":"object","properties":{"x":{"type":"integer"}}}`)
	tests := []struct {
		name   string
		format llm.ResponseFormat
		want   string // JSON of response_format, "" for absent
	}{
		{"default", llm.ResponseFormat{}, ""},
		{"text", llm.ResponseFormat{Type: llm.FormatText}, ""},
		{"json object", llm.ResponseFormat{Type: llm.FormatJSONObject}, `{"type":"json_object"}`},
		{"json schema default name", llm.ResponseFormat{Type: llm.FormatJSONSchema, Schema: schema},
			`{"type":"json_schema","json_schema":{"name":"Response","schema":{"type":"object","properties":{"x":{"type":"integer"}}}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stub := llmtest.NewOpenAI(t, llmtest.Turn{Text: "ok"})
			c := newOpenAI(t, stub)
			_, err := c.Chat(t.Context(), &llm.Request{Model: "m", ResponseFormat: tt.format,
				Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
			if err != nil {
				t.Fatal(err)
			}
			rf, ok := stub.Requests()[0].JSON()["response_format"]
			if tt.want == "" {
				if ok {
					t.Errorf("response_format = %v, want none", rf)
				}
				return
			}
			got, _ := json.Marshal(rf)
			assertJSON(t, got, tt.want)
		})
	}
}

func TestOpenAICompatibleOptions(t *testing.T) {
	stub := llmtest.NewOpenAI(t, llmtest.Turn{Text: "ok"})
	c := newOpenAI(t, stub, func(cfg *llm.OpenAIConfig) {
		cfg.APIKey = ""
		cfg.Headers = map[string]string{"X-Tenant": "t1"}
		cfg.QueryParams = map[string]string{"api-key": "query-secret"}
		cfg.ExtraBody = map[string]any{"top_k": 40}
		cfg.LegacyMaxTokens = true
	})
	_, err := c.Chat(t.Context(), &llm.Request{Model: "llama3", Params: llm.Params{MaxTokens: ptr[int64](100)},
		Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
	if err != nil {
		t.Fatal(err)
	}
	r := stub.Requests()[0]
	if r.Header.Get("Authorization") != "" {
		t.Errorf("Authorization = %q, want none", r.Header.Get("Authorization"))
	}
	if r.Header.Get("X-Tenant") != "t1" || r.RawQuery != "api-key=query-secret" {
		t.Errorf("header %q, query %q", r.Header.Get("X-Tenant"), r.RawQuery)
	}
	assertJSON(t, r.Body, `{"model":"llama3","messages":[{"role":"user","content":"hi"}],"max_tokens":100,"top_k":40}`)
}

func TestAzureOpenAI(t *testing.T) {
	stub := llmtest.NewOpenAI(t, llmtest.Turn{Text: "hello from azure"})
	c, err := llm.NewAzureOpenAI(llm.AzureOpenAIConfig{Endpoint: stub.URL, APIKey: testKey, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Chat(t.Context(), &llm.Request{Model: "my-deployment",
		Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Text() != "hello from azure" {
		t.Errorf("text = %q", resp.Text())
	}
	r := stub.Requests()[0]
	if r.Path != "/openai/deployments/my-deployment/chat/completions" || r.RawQuery != "api-version="+llm.DefaultAzureAPIVersion {
		t.Errorf("path %q query %q", r.Path, r.RawQuery)
	}
	if r.Header.Get("Api-Key") != testKey || r.Header.Get("Authorization") != "" {
		t.Errorf("Api-Key %q Authorization %q", r.Header.Get("Api-Key"), r.Header.Get("Authorization"))
	}
	assertJSON(t, r.Body, `{"model":"my-deployment","messages":[{"role":"user","content":"hi"}]}`)
}

func TestOpenAIRejectsUnsupportedContent(t *testing.T) {
	stub := llmtest.NewOpenAI(t)
	c := newOpenAI(t, stub)
	_, err := c.Chat(t.Context(), &llm.Request{Model: "m", Messages: []llm.Message{
		{Role: llm.RoleTool, ToolResults: []llm.ToolResult{{ID: "c", Content: []llm.Content{{Type: llm.ContentImage, MediaType: "image/png", Data: []byte{1}}}}}},
	}})
	var e *llm.Error
	if !errors.As(err, &e) || e.Kind != llm.KindUnsupported || e.Retryable {
		t.Fatalf("err = %v", err)
	}
	if n := len(stub.Requests()); n != 0 {
		t.Errorf("sent %d requests", n)
	}
}

// errorCase is one scripted failure and how the adapters must classify it.
type errorCase struct {
	name       string
	turn       llmtest.Turn
	timeout    time.Duration
	wantKind   llm.ErrorKind
	wantStatus int
	wantRetry  bool
	wantAfter  time.Duration
	wantInMsg  string
	wantIs     error
}

func errorCases(authType, rateType, serverType string) []errorCase {
	return []errorCase{
		{name: "400", turn: llmtest.Turn{Status: 400, ErrorType: "invalid_request_error", ErrorMessage: "messages: field required"},
			wantKind: llm.KindInvalidRequest, wantStatus: 400, wantInMsg: "messages: field required"},
		{name: "401 echoing the key", turn: llmtest.Turn{Status: 401, ErrorType: authType, ErrorMessage: "Incorrect API key provided: " + testKey},
			wantKind: llm.KindAuth, wantStatus: 401, wantInMsg: "Incorrect API key provided: [REDACTED]"},
		{name: "429 with Retry-After", turn: llmtest.Turn{Status: 429, ErrorType: rateType, ErrorMessage: "slow down",
			Header: map[string]string{"Retry-After": "7"}},
			wantKind: llm.KindRateLimit, wantStatus: 429, wantRetry: true, wantAfter: 7 * time.Second, wantInMsg: "slow down"},
		{name: "500", turn: llmtest.Turn{Status: 500, ErrorType: serverType, ErrorMessage: "boom"},
			wantKind: llm.KindServer, wantStatus: 500, wantRetry: true, wantInMsg: "boom"},
		{name: "503 with plain body", turn: llmtest.Turn{Status: 503, Body: "upstream unavailable"},
			wantKind: llm.KindServer, wantStatus: 503, wantRetry: true},
		{name: "timeout", turn: llmtest.Turn{Text: "late", Delay: 5 * time.Second}, timeout: 200 * time.Millisecond,
			wantKind: llm.KindTimeout, wantRetry: true, wantIs: context.DeadlineExceeded},
	}
}

func checkError(t *testing.T, tc errorCase, err error, provider string) {
	t.Helper()
	var e *llm.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %T %v, want *llm.Error", err, err)
	}
	if e.Provider != provider || e.Kind != tc.wantKind || e.StatusCode != tc.wantStatus || e.Retryable != tc.wantRetry || e.RetryAfter != tc.wantAfter {
		t.Errorf("got provider %q kind %q status %d retry %v after %v; want %q %q %d %v %v (%v)",
			e.Provider, e.Kind, e.StatusCode, e.Retryable, e.RetryAfter, provider, tc.wantKind, tc.wantStatus, tc.wantRetry, tc.wantAfter, err)
	}
	if retry, after := llm.Retryable(err); retry != tc.wantRetry || after != tc.wantAfter {
		t.Errorf("Retryable = %v %v", retry, after)
	}
	if tc.wantInMsg != "" && !strings.Contains(err.Error(), tc.wantInMsg) {
		t.Errorf("error %q does not contain %q", err, tc.wantInMsg)
	}
	if tc.wantIs != nil && !errors.Is(err, tc.wantIs) {
		t.Errorf("errors.Is(%v, %v) = false", err, tc.wantIs)
	}
	assertNoSecret(t, err, testKey)
}

func TestOpenAIErrors(t *testing.T) {
	for _, tc := range errorCases("invalid_api_key", "rate_limit_exceeded", "server_error") {
		t.Run(tc.name, func(t *testing.T) {
			stub := llmtest.NewOpenAI(t, tc.turn)
			c := newOpenAI(t, stub, func(cfg *llm.OpenAIConfig) { cfg.Timeout = tc.timeout })
			_, err := c.Chat(t.Context(), &llm.Request{Model: "m",
				Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
			checkError(t, tc, err, llm.ProviderOpenAICompatible)
			if n := len(stub.Requests()); n != 1 {
				t.Errorf("the SDK sent %d requests, want 1 (no retries)", n)
			}
		})
	}
}

func TestOpenAIRetryAfterMs(t *testing.T) {
	stub := llmtest.NewOpenAI(t, llmtest.Turn{Status: 429, ErrorMessage: "slow", Header: map[string]string{"retry-after-ms": "1500", "Retry-After": "9"}})
	c := newOpenAI(t, stub)
	_, err := c.Chat(t.Context(), &llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
	if retry, after := llm.Retryable(err); !retry || after != 1500*time.Millisecond {
		t.Errorf("Retryable = %v %v (%v)", retry, after, err)
	}
}

func TestOpenAIUnreachableAndCanceled(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	c, err := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: "http://" + addr + "/v1", APIKey: testKey,
		QueryParams: map[string]string{"key": "query-secret-123"}, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	req := &llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}}
	_, err = c.Chat(t.Context(), req)
	var e *llm.Error
	if !errors.As(err, &e) || e.Kind != llm.KindNetwork || !e.Retryable {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err, testKey)
	assertNoSecret(t, err, "query-secret-123")

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = c.Chat(ctx, req)
	if !errors.As(err, &e) || e.Kind != llm.KindCanceled || e.Retryable || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestOpenAIAnswerWithBadArguments(t *testing.T) {
	stub := llmtest.NewOpenAI(t, llmtest.Turn{Body: `{"id":"x","object":"chat.completion","model":"m","choices":[{"index":0,"finish_reason":"tool_calls",
		"message":{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"t","arguments":"{not json"}}]}}]}`})
	c := newOpenAI(t, stub)
	_, err := c.Chat(t.Context(), &llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}})
	var e *llm.Error
	if !errors.As(err, &e) || e.Kind != llm.KindInvalidResponse {
		t.Fatalf("err = %v", err)
	}
}
