package a2a_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/a2a"
	"github.com/orcabpm/orca/internal/a2a/a2atest"
	"github.com/orcabpm/orca/internal/worker"
)

func run(t *testing.T, c *a2a.Client, data map[string]any) (any, error) {
	t.Helper()
	return c.Connector()(context.Background(), &worker.Job{}, map[string]any{"data": data})
}

func sendData(url, retrieval, timeout string) map[string]any {
	return map[string]any{"connection": map[string]any{"url": url},
		"connectorMode": map[string]any{"type": "standalone", "operation": map[string]any{"type": "sendMessage",
			"params":   map[string]any{"text": "Weather in Paris?"},
			"settings": map[string]any{"responseRetrievalMode": map[string]any{"type": retrieval}, "historyLength": json.Number("3"), "timeout": timeout}}}}
}

// TestConnectorFetchesTheCardAndPollsTheTask: the standalone connector
// reads the agent card, sends a message (message/send, not blocking) and
// polls tasks/get until the task completed; the answer is the task with
// its artifact.
func TestConnectorFetchesTheCardAndPollsTheTask(t *testing.T) {
	srv := a2atest.New(t, "Weather agent", "Knows the weather")
	srv.WorkingPolls = 2
	c := a2a.NewClient(nil)
	c.PollInterval = 10 * time.Millisecond

	card, err := run(t, c, map[string]any{"connection": map[string]any{"url": srv.URL},
		"connectorMode": map[string]any{"type": "standalone", "operation": map[string]any{"type": "fetchAgentCard"}}})
	if err != nil {
		t.Fatal(err)
	}
	if m := card.(map[string]any); m["name"] != "Weather agent" || m["url"] != srv.URL+"/a2a" {
		t.Fatalf("card: %v", card)
	}

	res, err := run(t, c, sendData(srv.URL, "polling", "PT10S"))
	if err != nil {
		t.Fatal(err)
	}
	task := res.(map[string]any)
	if task["kind"] != "task" || task["status"].(map[string]any)["state"] != "completed" || a2a.Text(task) != "echo: Weather in Paris?" {
		t.Fatalf("result: %v", task)
	}
	var methods []string
	for _, r := range srv.Requests() {
		methods = append(methods, r["method"].(string))
	}
	if got := strings.Join(methods, ","); got != "message/send,tasks/get,tasks/get,tasks/get" {
		t.Fatalf("requests: %s", got)
	}
	first := srv.Requests()[0]["params"].(map[string]any)
	msg := first["message"].(map[string]any)
	cfg := first["configuration"].(map[string]any)
	if msg["role"] != "user" || msg["kind"] != "message" || msg["messageId"] == "" || cfg["blocking"] != false || cfg["historyLength"] != float64(3) {
		t.Fatalf("message/send params: %v", first)
	}
}

// TestConnectorAgainstHostileServers: a server that hangs is given up
// after the response timeout; one that answers garbage, a JSON-RPC error,
// an oversized answer, a card without url, or a task that never settles
// fails the job with a message saying what went wrong.
func TestConnectorAgainstHostileServers(t *testing.T) {
	hang := make(chan struct{})
	t.Cleanup(func() { close(hang) })
	card := func(w http.ResponseWriter, url string) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"name": "x", "url": url})
	}
	cases := []struct {
		name    string
		rpc     func(w http.ResponseWriter, r *http.Request)
		cardRaw string
		timeout string
		want    string
	}{
		{name: "hangs", timeout: "PT1S", want: "did not answer within 1s",
			rpc: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body) // then the server hears the client leave
				select {
				case <-hang:
				case <-r.Context().Done():
				}
			}},
		{name: "answers HTML", want: "did not answer JSON-RPC 2.0",
			rpc: func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<html>oops</html>")) }},
		{name: "answers a JSON-RPC error", want: "error -32603: boom",
			rpc: func(w http.ResponseWriter, r *http.Request) {
				var req map[string]any
				_ = json.NewDecoder(r.Body).Decode(&req)
				_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req["id"], "error": map[string]any{"code": -32603, "message": "boom"}})
			}},
		{name: "answers another id", want: "answered another request",
			rpc: func(w http.ResponseWriter, r *http.Request) {
				_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": "nope", "result": map[string]any{"kind": "message"}})
			}},
		{name: "answers 5 MiB", want: "larger than",
			rpc: func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(strings.Repeat(" ", 5<<20))) }},
		{name: "never settles", timeout: "PT1S", want: "did not answer within 1s",
			rpc: func(w http.ResponseWriter, r *http.Request) {
				var req map[string]any
				_ = json.NewDecoder(r.Body).Decode(&req)
				_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req["id"],
					"result": map[string]any{"kind": "task", "id": "t", "status": map[string]any{"state": "working"}}})
			}},
		{name: "card is not JSON", cardRaw: "not json", want: "not JSON"},
		{name: "card without url", cardRaw: `{"name":"x"}`, want: "no name or url"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mux := http.NewServeMux()
			srv := httptest.NewServer(mux)
			defer srv.Close()
			mux.HandleFunc("GET /.well-known/agent-card.json", func(w http.ResponseWriter, r *http.Request) {
				if c.cardRaw != "" {
					_, _ = w.Write([]byte(c.cardRaw))
					return
				}
				card(w, srv.URL+"/rpc")
			})
			if c.rpc != nil {
				mux.HandleFunc("POST /rpc", c.rpc)
			}
			cl := a2a.NewClient(nil)
			cl.PollInterval = 50 * time.Millisecond
			timeout := c.timeout
			if timeout == "" {
				timeout = "PT5S"
			}
			_, err := run(t, cl, sendData(srv.URL, "blocking", timeout))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one saying %q", err, c.want)
			}
		})
	}
	if _, err := run(t, a2a.NewClient(nil), sendData("http://169.254.169.254", "polling", "PT1S")); err == nil || !strings.Contains(err.Error(), "link-local") {
		t.Fatalf("the metadata address: %v", err)
	}
	if _, err := run(t, a2a.NewClient(nil), sendData("http://127.0.0.1:1", "notification", "PT1S")); err == nil {
		t.Fatal("an unreachable server did not fail")
	}
}
