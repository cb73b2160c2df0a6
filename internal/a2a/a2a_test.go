package a2a_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

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

// TestConnectorAnswersInCamundasShape: the standalone connector reads the
// agent card and sends messages (message/send) in each response retrieval
// mode, answering as Camunda's connector does: {result, pollingData} with
// the first answer in polling mode (blocking false, no tasks/get), the
// settled task in blocking mode, and {result, pushNotificationData} in
// notification mode after handing the server the webhook, token and
// authentication to push with; parts become Camunda's contents.
func TestConnectorAnswersInCamundasShape(t *testing.T) {
	srv := a2atest.New(t, "Weather agent", "Knows the weather")
	c := a2a.NewClient(nil)

	card, err := run(t, c, map[string]any{"connection": map[string]any{"url": srv.URL},
		"connectorMode": map[string]any{"type": "standalone", "operation": map[string]any{"type": "fetchAgentCard"}}})
	if err != nil {
		t.Fatal(err)
	}
	cm := card.(map[string]any)
	res := cm["result"].(map[string]any)
	pid, _ := cm["pollingData"].(map[string]any)["id"].(string)
	if res["kind"] != "agentCard" || res["name"] != "Weather agent" || res["description"] != "Knows the weather" || len(pid) != 36 ||
		res["skills"].([]any)[0].(map[string]any)["id"] != "forecast" {
		t.Fatalf("card: %v", card)
	}

	got, err := run(t, c, sendData(srv.URL, "polling", "PT10S"))
	if err != nil {
		t.Fatal(err)
	}
	task := got.(map[string]any)["result"].(map[string]any)
	if task["kind"] != "task" || task["status"].(map[string]any)["state"] != "submitted" ||
		got.(map[string]any)["pollingData"].(map[string]any)["id"] != task["id"] {
		t.Fatalf("polling result: %v", got)
	}
	first := srv.Requests()[0]["params"].(map[string]any)
	msg := first["message"].(map[string]any)
	cfg := first["configuration"].(map[string]any)
	if msg["role"] != "user" || msg["kind"] != "message" || msg["messageId"] == "" || cfg["blocking"] != false || cfg["historyLength"] != float64(3) || cfg["pushNotificationConfig"] != nil {
		t.Fatalf("message/send params: %v", first)
	}

	got, err = run(t, c, sendData(srv.URL, "blocking", "PT10S"))
	if err != nil {
		t.Fatal(err)
	}
	task = got.(map[string]any)["result"].(map[string]any)
	want := []any{map[string]any{"artifactId": "answer", "contents": []any{map[string]any{"type": "text", "text": "echo: Weather in Paris?"}}}}
	if task["status"].(map[string]any)["state"] != "completed" || !reflect.DeepEqual(task["artifacts"], want) || len(got.(map[string]any)) != 1 {
		t.Fatalf("blocking result: %v", got)
	}

	data := sendData(srv.URL, "notification", "PT10S")
	data["connectorMode"].(map[string]any)["operation"].(map[string]any)["settings"].(map[string]any)["responseRetrievalMode"] = map[string]any{
		"type": "notification", "webhookUrl": "http://127.0.0.1:8080/inbound/a2a-hook", "token": "tok-1",
		"authenticationSchemes": []any{"Bearer"}, "credentials": "s3cret"}
	got, err = run(t, c, data)
	if err != nil {
		t.Fatal(err)
	}
	gm := got.(map[string]any)
	if gm["result"].(map[string]any)["status"].(map[string]any)["state"] != "submitted" || gm["pushNotificationData"].(map[string]any)["token"] != "tok-1" || gm["pollingData"] != nil {
		t.Fatalf("notification result: %v", got)
	}
	ids := srv.Tasks()
	pc := srv.PushConfig(ids[len(ids)-1])
	if !reflect.DeepEqual(pc, map[string]any{"url": "http://127.0.0.1:8080/inbound/a2a-hook", "token": "tok-1",
		"authentication": map[string]any{"schemes": []any{"Bearer"}, "credentials": "s3cret"}}) {
		t.Fatalf("push notification config sent: %v", pc)
	}
	var methods []string
	for _, r := range srv.Requests() {
		methods = append(methods, r["method"].(string))
	}
	if got := strings.Join(methods, ","); got != "message/send,message/send,message/send" {
		t.Fatalf("requests: %s", got)
	}
	data["connectorMode"].(map[string]any)["operation"].(map[string]any)["settings"].(map[string]any)["responseRetrievalMode"] = map[string]any{"type": "notification"}
	if _, err := run(t, c, data); err == nil || !strings.Contains(err.Error(), "webhookUrl") {
		t.Fatalf("notification without a webhook URL: %v", err)
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
		{name: "needs authentication", want: "auth-required",
			rpc: func(w http.ResponseWriter, r *http.Request) {
				var req map[string]any
				_ = json.NewDecoder(r.Body).Decode(&req)
				_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req["id"],
					"result": map[string]any{"kind": "task", "id": "t", "status": map[string]any{"state": "auth-required"}}})
			}},
		{name: "answers a file", want: "'file' part",
			rpc: func(w http.ResponseWriter, r *http.Request) {
				var req map[string]any
				_ = json.NewDecoder(r.Body).Decode(&req)
				_ = json.NewEncoder(w).Encode(map[string]any{"jsonrpc": "2.0", "id": req["id"],
					"result": map[string]any{"kind": "message", "messageId": "m", "role": "agent", "parts": []any{map[string]any{"kind": "file"}}}})
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
	_, err := run(t, a2a.NewClient(nil), sendData("http://127.0.0.1:1", "polling", "PT1S"))
	if err == nil || err.Error() != "fetching the agent card from http://127.0.0.1:1/.well-known/agent-card.json: the server cannot be reached (connection refused)" {
		t.Fatalf("an unreachable server: %v", err)
	}
}
