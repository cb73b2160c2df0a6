// Package a2atest is a loopback A2A server for tests: an agent card at
// /.well-known/agent-card.json and the JSON-RPC binding (message/send,
// tasks/get) at /a2a, answering each message with a task that is
// submitted, then working, then completed with an artifact.
package a2atest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Server is a running A2A server.
type Server struct {
	URL string
	// Answer makes the artifact's text from the message's text.
	Answer func(text string) string
	// WorkingPolls is how many tasks/get answer "working" before
	// "completed" (default 1).
	WorkingPolls int

	mu       sync.Mutex
	requests []map[string]any
	polls    map[string]int
	texts    map[string]string
}

// New starts a server that stops at the end of the test.
func New(t testing.TB, name, description string) *Server {
	s := &Server{Answer: func(text string) string { return "echo: " + text }, WorkingPolls: 1,
		polls: map[string]int{}, texts: map[string]string{}}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	mux.HandleFunc("GET /.well-known/agent-card.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"protocolVersion": "0.3.0", "name": name, "description": description, "url": srv.URL + "/a2a",
			"preferredTransport": "JSONRPC", "version": "1.0.0", "capabilities": map[string]any{"streaming": false, "pushNotifications": false},
			"defaultInputModes": []string{"text/plain"}, "defaultOutputModes": []string{"text/plain"},
			"skills": []any{map[string]any{"id": "forecast", "name": "Forecast", "description": "Weather forecasts for a city",
				"tags": []string{"weather"}, "examples": []string{"Weather in Paris tomorrow?"}}}})
	})
	mux.HandleFunc("POST /a2a", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			writeJSON(w, map[string]any{"jsonrpc": "2.0", "id": nil, "error": map[string]any{"code": -32700, "message": "Parse error"}})
			return
		}
		s.mu.Lock()
		s.requests = append(s.requests, req)
		s.mu.Unlock()
		params, _ := req["params"].(map[string]any)
		var result map[string]any
		switch req["method"] {
		case "message/send":
			msg, _ := params["message"].(map[string]any)
			parts, _ := msg["parts"].([]any)
			text := ""
			if len(parts) > 0 {
				p, _ := parts[0].(map[string]any)
				text, _ = p["text"].(string)
			}
			s.mu.Lock()
			id := "task-" + string(rune('a'+len(s.texts)))
			s.texts[id] = text
			s.mu.Unlock()
			result = s.task(id, "submitted")
		case "tasks/get":
			id, _ := params["id"].(string)
			s.mu.Lock()
			_, known := s.texts[id]
			s.polls[id]++
			n := s.polls[id]
			s.mu.Unlock()
			if !known {
				writeJSON(w, map[string]any{"jsonrpc": "2.0", "id": req["id"], "error": map[string]any{"code": -32001, "message": "Task not found"}})
				return
			}
			state := "working"
			if n > s.WorkingPolls {
				state = "completed"
			}
			result = s.task(id, state)
		default:
			writeJSON(w, map[string]any{"jsonrpc": "2.0", "id": req["id"], "error": map[string]any{"code": -32601, "message": "Method not found"}})
			return
		}
		writeJSON(w, map[string]any{"jsonrpc": "2.0", "id": req["id"], "result": result})
	})
	return s
}

func (s *Server) task(id, state string) map[string]any {
	s.mu.Lock()
	text := s.texts[id]
	s.mu.Unlock()
	t := map[string]any{"kind": "task", "id": id, "contextId": "ctx-1", "status": map[string]any{"state": state}}
	if state == "completed" {
		t["artifacts"] = []any{map[string]any{"artifactId": "answer", "parts": []any{map[string]any{"kind": "text", "text": s.Answer(text)}}}}
	}
	return t
}

// Requests are the JSON-RPC requests received, in order.
func (s *Server) Requests() []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]map[string]any(nil), s.requests...)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}
