// Package llmtest provides scripted stub LLM servers on loopback, one per wire
// format (OpenAI Chat Completions, Anthropic Messages), for tests of code that
// talks to models through package llm. A stub records every request and
// answers each one with the next scripted Turn.
package llmtest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/llm"
)

// Turn is one scripted answer.
type Turn struct {
	// Text is the assistant's text.
	Text string
	// Thinking, with its Signature, is an Anthropic thinking block sent
	// before the text; RedactedThinking a redacted_thinking block's data.
	Thinking         string
	Signature        string
	RedactedThinking string
	// ToolCalls are the calls the assistant asks for, with names as the
	// vendor sees them.
	ToolCalls []llm.ToolCall
	// FinishReason overrides the vendor finish/stop reason; by default it is
	// stop/end_turn, or tool_calls/tool_use when there are tool calls.
	FinishReason string
	Usage        llm.Usage
	// Status answers with an HTTP error instead (its body in the vendor's
	// error format, from ErrorType and ErrorMessage).
	Status       int
	ErrorType    string
	ErrorMessage string
	// Header holds extra response headers, e.g. Retry-After.
	Header map[string]string
	// Body replaces the whole response body.
	Body string
	// Delay waits before answering, or until the client gives up.
	Delay time.Duration
}

// Request is one recorded request.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Header   http.Header
	Body     []byte
}

// JSON returns the request body decoded.
func (r Request) JSON() map[string]any {
	var m map[string]any
	_ = json.Unmarshal(r.Body, &m)
	return m
}

type format int

const (
	formatOpenAI format = iota
	formatAnthropic
	formatResponses
	formatBedrock
	formatGemini
)

// Server is a scripted stub LLM server.
type Server struct {
	// URL is the server root, e.g. "http://127.0.0.1:41234". OpenAI clients
	// take URL+"/v1" as base URL, Anthropic clients URL.
	URL string
	// HTTPClient trusts the server's certificate (NewBedrock serves https).
	HTTPClient *http.Client

	t      testing.TB
	format format
	mu     sync.Mutex
	turns  []Turn
	reqs   []Request
	n      int
}

// NewOpenAI starts a stub of POST .../chat/completions (any prefix, so
// OpenAI, compatible and Azure deployment paths all work).
func NewOpenAI(t testing.TB, turns ...Turn) *Server {
	return start(t, formatOpenAI, turns)
}

// NewAnthropic starts a stub of POST /v1/messages.
func NewAnthropic(t testing.TB, turns ...Turn) *Server {
	return start(t, formatAnthropic, turns)
}

// NewResponses starts a stub of POST .../responses (the OpenAI Responses
// API, under any prefix).
func NewResponses(t testing.TB, turns ...Turn) *Server {
	return start(t, formatResponses, turns)
}

// NewBedrock starts a stub of the Bedrock Converse API
// (POST /model/{modelId}/converse) over https, as bearer API keys need;
// use its HTTPClient.
func NewBedrock(t testing.TB, turns ...Turn) *Server {
	return start(t, formatBedrock, turns)
}

// NewGemini starts a stub of generateContent (POST
// .../models/{model}:generateContent), for the Gemini API and Vertex AI.
func NewGemini(t testing.TB, turns ...Turn) *Server {
	return start(t, formatGemini, turns)
}

func start(t testing.TB, f format, turns []Turn) *Server {
	t.Helper()
	s := &Server{t: t, format: f, turns: append([]Turn(nil), turns...)}
	var hs *httptest.Server
	if f == formatBedrock {
		hs = httptest.NewTLSServer(http.HandlerFunc(s.serve))
	} else {
		hs = httptest.NewServer(http.HandlerFunc(s.serve))
	}
	t.Cleanup(hs.Close)
	s.URL = hs.URL
	s.HTTPClient = hs.Client()
	return s
}

// Script appends turns to the script.
func (s *Server) Script(turns ...Turn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.turns = append(s.turns, turns...)
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.reqs...)
}

// Remaining returns the number of turns not yet answered.
func (s *Server) Remaining() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.turns)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	want := "/v1/messages"
	ok := strings.HasSuffix(r.URL.Path, want)
	switch s.format {
	case formatOpenAI:
		want = ".../chat/completions"
		ok = strings.HasSuffix(r.URL.Path, "/chat/completions")
	case formatResponses:
		want = ".../responses"
		ok = strings.HasSuffix(r.URL.Path, "/responses")
	case formatBedrock:
		want = "/model/{modelId}/converse"
		ok = strings.HasPrefix(r.URL.Path, "/model/") && strings.HasSuffix(r.URL.Path, "/converse")
	case formatGemini:
		want = ".../models/{model}:generateContent"
		ok = strings.HasSuffix(r.URL.Path, ":generateContent")
	}
	if r.Method != http.MethodPost || !ok {
		s.t.Errorf("llmtest: unexpected request %s %s (want POST %s)", r.Method, r.URL.Path, want)
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	s.mu.Lock()
	s.reqs = append(s.reqs, Request{
		Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery, Header: r.Header.Clone(), Body: body,
	})
	if len(s.turns) == 0 {
		s.mu.Unlock()
		s.t.Errorf("llmtest: request %d has no scripted turn left", len(s.reqs))
		http.Error(w, "llmtest: no scripted turn left", http.StatusInternalServerError)
		return
	}
	turn := s.turns[0]
	s.turns = s.turns[1:]
	s.n++
	n := s.n
	s.mu.Unlock()

	if turn.Delay > 0 {
		select {
		case <-time.After(turn.Delay):
		case <-r.Context().Done():
			return
		}
	}
	var model string
	var req struct {
		Model string `json:"model"`
	}
	if json.Unmarshal(body, &req) == nil {
		model = req.Model
	}
	switch s.format {
	case formatBedrock:
		model, _ = url.PathUnescape(strings.TrimSuffix(strings.TrimPrefix(r.URL.EscapedPath(), "/model/"), "/converse"))
	case formatGemini:
		p := strings.TrimSuffix(r.URL.Path, ":generateContent")
		model = p[strings.LastIndex(p, "/")+1:]
	}
	for k, v := range turn.Header {
		w.Header().Set(k, v)
	}
	w.Header().Set("Content-Type", "application/json")
	status := http.StatusOK
	if turn.Status != 0 {
		status = turn.Status
	}
	out := turn.Body
	if out == "" {
		var v any
		switch {
		case turn.Status >= 400 && (s.format == formatOpenAI || s.format == formatResponses):
			v = map[string]any{"error": map[string]any{
				"message": turn.ErrorMessage, "type": turn.ErrorType, "param": nil, "code": turn.ErrorType,
			}}
		case turn.Status >= 400 && s.format == formatBedrock:
			w.Header().Set("X-Amzn-Errortype", turn.ErrorType)
			v = map[string]any{"message": turn.ErrorMessage}
		case turn.Status >= 400 && s.format == formatGemini:
			v = map[string]any{"error": map[string]any{"code": turn.Status, "message": turn.ErrorMessage, "status": turn.ErrorType}}
		case s.format == formatResponses:
			v = responsesAnswer(turn, model, n)
		case s.format == formatBedrock:
			v = bedrockAnswer(turn)
		case s.format == formatGemini:
			v = geminiAnswer(turn, model, n)
		case turn.Status >= 400:
			v = map[string]any{"type": "error", "error": map[string]any{
				"type": turn.ErrorType, "message": turn.ErrorMessage,
			}}
		case s.format == formatOpenAI:
			v = openAIAnswer(turn, model, n)
		default:
			v = anthropicAnswer(turn, model, n)
		}
		b, err := json.Marshal(v)
		if err != nil {
			s.t.Errorf("llmtest: %v", err)
		}
		out = string(b)
	}
	w.WriteHeader(status)
	_, _ = io.WriteString(w, out)
}

func openAIAnswer(turn Turn, model string, n int) map[string]any {
	msg := map[string]any{"role": "assistant", "content": nil, "refusal": nil}
	if turn.Text != "" {
		msg["content"] = turn.Text
	}
	finish := "stop"
	if len(turn.ToolCalls) > 0 {
		finish = "tool_calls"
		var calls []any
		for _, c := range turn.ToolCalls {
			args := string(c.Arguments)
			if args == "" {
				args = "{}"
			}
			calls = append(calls, map[string]any{
				"id": c.ID, "type": "function",
				"function": map[string]any{"name": c.Name, "arguments": args},
			})
		}
		msg["tool_calls"] = calls
	}
	if turn.FinishReason != "" {
		finish = turn.FinishReason
	}
	return map[string]any{
		"id":      fmt.Sprintf("chatcmpl-stub-%d", n),
		"object":  "chat.completion",
		"created": 1767225600,
		"model":   model,
		"choices": []any{map[string]any{
			"index": 0, "message": msg, "finish_reason": finish, "logprobs": nil,
		}},
		"usage": map[string]any{
			"prompt_tokens":     turn.Usage.InputTokens,
			"completion_tokens": turn.Usage.OutputTokens,
			"total_tokens":      turn.Usage.InputTokens + turn.Usage.OutputTokens,
		},
	}
}

func anthropicAnswer(turn Turn, model string, n int) map[string]any {
	content := []any{}
	if turn.Thinking != "" || turn.Signature != "" {
		content = append(content, map[string]any{"type": "thinking", "thinking": turn.Thinking, "signature": turn.Signature})
	}
	if turn.RedactedThinking != "" {
		content = append(content, map[string]any{"type": "redacted_thinking", "data": turn.RedactedThinking})
	}
	if turn.Text != "" {
		content = append(content, map[string]any{"type": "text", "text": turn.Text})
	}
	stop := "end_turn"
	for _, c := range turn.ToolCalls {
		stop = "tool_use"
		var input any = map[string]any{}
		if len(c.Arguments) > 0 {
			_ = json.Unmarshal(c.Arguments, &input)
		}
		content = append(content, map[string]any{"type": "tool_use", "id": c.ID, "name": c.Name, "input": input})
	}
	if turn.FinishReason != "" {
		stop = turn.FinishReason
	}
	return map[string]any{
		"id":            fmt.Sprintf("msg_stub_%d", n),
		"type":          "message",
		"role":          "assistant",
		"model":         model,
		"content":       content,
		"stop_reason":   stop,
		"stop_sequence": nil,
		"usage": map[string]any{
			"input_tokens":  turn.Usage.InputTokens,
			"output_tokens": turn.Usage.OutputTokens,
		},
	}
}

func args(c llm.ToolCall) any {
	var input any = map[string]any{}
	if len(c.Arguments) > 0 {
		_ = json.Unmarshal(c.Arguments, &input)
	}
	return input
}

func responsesAnswer(turn Turn, model string, n int) map[string]any {
	output := []any{}
	if turn.Text != "" {
		output = append(output, map[string]any{"type": "message", "id": fmt.Sprintf("msg_stub_%d", n), "status": "completed",
			"role": "assistant", "content": []any{map[string]any{"type": "output_text", "text": turn.Text, "annotations": []any{}}}})
	}
	for i, c := range turn.ToolCalls {
		a := string(c.Arguments)
		if a == "" {
			a = "{}"
		}
		output = append(output, map[string]any{"type": "function_call", "id": fmt.Sprintf("fc_stub_%d_%d", n, i),
			"call_id": c.ID, "name": c.Name, "arguments": a, "status": "completed"})
	}
	status, incomplete := "completed", any(nil)
	if turn.FinishReason != "" {
		status, incomplete = "incomplete", map[string]any{"reason": turn.FinishReason}
	}
	return map[string]any{
		"id": fmt.Sprintf("resp_stub_%d", n), "object": "response", "created_at": 1767225600, "status": status,
		"incomplete_details": incomplete, "model": model, "output": output, "parallel_tool_calls": true, "tools": []any{},
		"usage": map[string]any{
			"input_tokens": turn.Usage.InputTokens, "output_tokens": turn.Usage.OutputTokens,
			"total_tokens":         turn.Usage.InputTokens + turn.Usage.OutputTokens,
			"input_tokens_details": map[string]any{"cached_tokens": 0}, "output_tokens_details": map[string]any{"reasoning_tokens": 0},
		},
	}
}

func bedrockAnswer(turn Turn) map[string]any {
	content := []any{}
	if turn.Text != "" {
		content = append(content, map[string]any{"text": turn.Text})
	}
	stop := "end_turn"
	for _, c := range turn.ToolCalls {
		stop = "tool_use"
		content = append(content, map[string]any{"toolUse": map[string]any{"toolUseId": c.ID, "name": c.Name, "input": args(c)}})
	}
	if turn.FinishReason != "" {
		stop = turn.FinishReason
	}
	return map[string]any{
		"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": content}},
		"stopReason": stop,
		"usage": map[string]any{"inputTokens": turn.Usage.InputTokens, "outputTokens": turn.Usage.OutputTokens,
			"totalTokens": turn.Usage.InputTokens + turn.Usage.OutputTokens},
		"metrics": map[string]any{"latencyMs": 1},
	}
}

func geminiAnswer(turn Turn, model string, n int) map[string]any {
	parts := []any{}
	if turn.Text != "" {
		parts = append(parts, map[string]any{"text": turn.Text})
	}
	for _, c := range turn.ToolCalls {
		parts = append(parts, map[string]any{"functionCall": map[string]any{"id": c.ID, "name": c.Name, "args": args(c)}})
	}
	finish := "STOP"
	if turn.FinishReason != "" {
		finish = turn.FinishReason
	}
	return map[string]any{
		"candidates": []any{map[string]any{"content": map[string]any{"role": "model", "parts": parts}, "finishReason": finish, "index": 0}},
		"usageMetadata": map[string]any{"promptTokenCount": turn.Usage.InputTokens, "candidatesTokenCount": turn.Usage.OutputTokens,
			"totalTokenCount": turn.Usage.InputTokens + turn.Usage.OutputTokens},
		"modelVersion": model,
		"responseId":   fmt.Sprintf("gemini-stub-%d", n),
	}
}

// TokenServer is a stub OAuth 2.0 token endpoint (client credentials, the
// JWT bearer grant of Google service accounts): it answers every POST with
// Token and records the requests.
type TokenServer struct {
	URL   string
	Token string

	mu   sync.Mutex
	reqs []TokenRequest
}

// TokenRequest is one recorded token request.
type TokenRequest struct {
	Form                     url.Values
	BasicUser, BasicPassword string
	Path                     string
}

// NewTokenServer starts a token endpoint that hands out token.
func NewTokenServer(t testing.TB, token string) *TokenServer {
	t.Helper()
	ts := &TokenServer{Token: token}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.Method != http.MethodPost {
			http.Error(w, "bad token request", http.StatusBadRequest)
			return
		}
		u, p, _ := r.BasicAuth()
		ts.mu.Lock()
		ts.reqs = append(ts.reqs, TokenRequest{Form: r.PostForm, BasicUser: u, BasicPassword: p, Path: r.URL.Path})
		ts.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": ts.Token, "token_type": "Bearer", "expires_in": 3600})
	}))
	t.Cleanup(hs.Close)
	ts.URL = hs.URL
	return ts
}

// Requests returns the token requests so far.
func (ts *TokenServer) Requests() []TokenRequest {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return append([]TokenRequest(nil), ts.reqs...)
}
