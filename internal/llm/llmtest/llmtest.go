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
)

// Server is a scripted stub LLM server.
type Server struct {
	// URL is the server root, e.g. "http://127.0.0.1:41234". OpenAI clients
	// take URL+"/v1" as base URL, Anthropic clients URL.
	URL string

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

func start(t testing.TB, f format, turns []Turn) *Server {
	t.Helper()
	s := &Server{t: t, format: f, turns: append([]Turn(nil), turns...)}
	hs := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(hs.Close)
	s.URL = hs.URL
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
	ok := r.URL.Path == want
	if s.format == formatOpenAI {
		want = ".../chat/completions"
		ok = strings.HasSuffix(r.URL.Path, "/chat/completions")
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
		case turn.Status >= 400 && s.format == formatOpenAI:
			v = map[string]any{"error": map[string]any{
				"message": turn.ErrorMessage, "type": turn.ErrorType, "param": nil, "code": turn.ErrorType,
			}}
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
