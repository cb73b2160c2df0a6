// Package a2atest is a loopback A2A server for tests: an agent card at
// /.well-known/agent-card.json and the JSON-RPC binding (message/send,
// tasks/get) at /a2a, answering each message with a task that is
// submitted, then working, then completed with an artifact (at once when
// the message asks for a blocking answer). A message that carries a
// pushNotificationConfig is remembered, and Push sends the task's state to
// its webhook as an A2A server does: a POST of the Task with the token in
// X-A2A-Notification-Token and the configured authentication.
package a2atest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
)

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Server is a running A2A server.
type Server struct {
	URL string
	// Answer makes the artifact's text from the message's text.
	Answer func(text string) string
	// WorkingPolls is how many tasks/get answer "working" before
	// "completed" (default 1).
	WorkingPolls int
	// Hang makes message/send wait until the client gives up.
	Hang bool
	// HangPolls makes tasks/get wait until the client gives up.
	HangPolls bool
	// BeforeAnswer, when set, runs with the new task's id before
	// message/send is answered (a remote agent that pushes at once).
	BeforeAnswer func(id string)

	mu       sync.Mutex
	requests []map[string]any
	polls    map[string]int
	texts    map[string]string
	push     map[string]map[string]any
	order    []string
	done     []string
	prefix   string // tasks ids are unique across servers, as real ones are
}

// New starts a server that stops at the end of the test.
func New(t testing.TB, name, description string) *Server {
	s := &Server{Answer: func(text string) string { return "echo: " + text }, WorkingPolls: 1,
		polls: map[string]int{}, texts: map[string]string{}, push: map[string]map[string]any{},
		prefix: randomHex(4)}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	mux.HandleFunc("GET /.well-known/agent-card.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"protocolVersion": "0.3.0", "name": name, "description": description, "url": srv.URL + "/a2a",
			"preferredTransport": "JSONRPC", "version": "1.0.0", "capabilities": map[string]any{"streaming": false, "pushNotifications": true},
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
			if s.Hang {
				<-r.Context().Done()
				return
			}
			msg, _ := params["message"].(map[string]any)
			parts, _ := msg["parts"].([]any)
			text := ""
			if len(parts) > 0 {
				p, _ := parts[0].(map[string]any)
				text, _ = p["text"].(string)
			}
			cfg, _ := params["configuration"].(map[string]any)
			s.mu.Lock()
			id := fmt.Sprintf("task-%s-%d", s.prefix, len(s.texts)+1)
			s.texts[id] = text
			s.order = append(s.order, id)
			if pc, ok := cfg["pushNotificationConfig"].(map[string]any); ok {
				s.push[id] = pc
			}
			s.mu.Unlock()
			if s.BeforeAnswer != nil {
				s.BeforeAnswer(id)
			}
			if cfg["blocking"] == true {
				result = s.task(id, "completed")
			} else {
				result = s.task(id, "submitted")
			}
		case "tasks/get":
			if s.HangPolls {
				<-r.Context().Done()
				return
			}
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
			s.mu.Lock()
			if n > s.WorkingPolls || slices.Contains(s.done, id) {
				state = "completed"
			}
			s.mu.Unlock()
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

// Polls is how many times tasks/get read a task.
func (s *Server) Polls(id string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.polls[id]
}

// Complete makes the next tasks/get of a task answer it completed.
func (s *Server) Complete(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.done = append(s.done, id)
}

// Tasks are the ids of the tasks made, in order.
func (s *Server) Tasks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.order)
}

// PushConfig is the pushNotificationConfig the message that made a task
// carried (nil without one).
func (s *Server) PushConfig(id string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.push[id]
}

// Push posts the task in state to the webhook of its push notification
// config, with token as X-A2A-Notification-Token (the config's token when
// empty) and authorization as Authorization (when empty, the config's
// first scheme and its credentials, as "Bearer <credentials>"); it
// answers the webhook's status.
func (s *Server) Push(ctx context.Context, id, state, token, authorization string) (int, error) {
	pc := s.PushConfig(id)
	if pc == nil {
		return 0, fmt.Errorf("task %s has no push notification config", id)
	}
	url, _ := pc["url"].(string)
	if token == "" {
		token, _ = pc["token"].(string)
	}
	b, _ := json.Marshal(s.task(id, state))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-A2A-Notification-Token", token)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	} else if auth, ok := pc["authentication"].(map[string]any); ok {
		schemes, _ := auth["schemes"].([]any)
		cred, _ := auth["credentials"].(string)
		if len(schemes) > 0 && cred != "" {
			req.Header.Set("Authorization", fmt.Sprint(schemes[0])+" "+cred)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
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
