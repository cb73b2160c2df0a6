package mcpclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/mcpclient"
	"github.com/orcabpm/orca/internal/worker"
)

func TestRuntimeConnectorWithConfiguredStdioClient(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	clients, err := mcpclient.RuntimeClients(map[string]any{
		"local":    map[string]any{"type": "stdio", "stdio": map[string]any{"command": exe, "env": map[string]any{helperEnv: "1"}}, "toolExecutionTimeout": "PT10S"},
		"disabled": map[string]any{"enabled": false, "type": "stdio"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(clients) != 1 || clients["local"].Stdio.Env[helperEnv] != "1" {
		t.Fatalf("clients: %+v", clients)
	}
	pool := mcpclient.NewPool(mcpclient.Options{})
	defer pool.Close()
	run := mcpclient.RuntimeConnector(pool, clients)
	ctx := context.Background()
	call := func(clientID string, method string, params map[string]any) (any, error) {
		return run(ctx, &worker.Job{}, map[string]any{"data": map[string]any{
			"client":        map[string]any{"clientId": clientID},
			"connectorMode": map[string]any{"type": "aiAgentTool", "toolOperation": map[string]any{"method": method, "params": params}},
		}})
	}
	list, err := call("local", "tools/list", nil)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(list); !strings.Contains(string(b), `"toolDefinitions"`) || !strings.Contains(string(b), `"name":"echo"`) {
		t.Fatalf("tools/list: %s", b)
	}
	res, err := call("local", "tools/call", map[string]any{"name": "echo", "arguments": map[string]any{"message": "hi"}})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(res); !strings.Contains(string(b), `"text":"echo: hi"`) {
		t.Fatalf("tools/call: %s", b)
	}
	_, err = call("nope", "tools/list", nil)
	var je *worker.JobError
	if !errors.As(err, &je) || !strings.Contains(je.Message, "'nope'") || je.Retries == nil || *je.Retries != 0 {
		t.Fatalf("unknown client: %v", err)
	}
	if _, err := mcpclient.RuntimeClients(map[string]any{"bad": map[string]any{"type": "carrier-pigeon"}}); err == nil {
		t.Fatal("an unknown transport was accepted")
	}
}

// The MCP Remote Client connector's timeout bounds connecting: against a
// server that accepts and never answers, a job with timeout PT0.5S gives up
// after that, not after the default connect timeout.
func TestRemoteConnectorTimeoutBoundsConnecting(t *testing.T) {
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(stop) }) // runs first: Close waits for the handlers
	pool := mcpclient.NewPool(mcpclient.Options{})
	defer pool.Close()
	run := mcpclient.RemoteConnector(pool)
	_, err := run(context.Background(), &worker.Job{}, map[string]any{"data": map[string]any{
		"transport":     map[string]any{"type": "http", "http": map[string]any{"url": hang.URL + "/mcp", "timeout": "PT0.5S"}},
		"connectorMode": map[string]any{"type": "aiAgentTool", "toolOperation": map[string]any{"method": "tools/list"}},
	}})
	if !errors.Is(err, mcpclient.ErrUnavailable) || !strings.Contains(err.Error(), "no answer within 500ms") {
		t.Fatalf("err = %v, want the connection given up after the element's 500ms timeout", err)
	}
}
