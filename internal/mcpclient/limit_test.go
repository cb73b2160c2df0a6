package mcpclient_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/mcpclient"
	"github.com/orcabpm/orca/internal/worker"
)

// hugeToolServer is a loopback MCP server (Streamable HTTP, JSON answers)
// whose tool "huge" answers with a text of size bytes, written as it is
// generated, so the server itself holds next to nothing. sse answers the
// call as an event stream instead.
func hugeToolServer(t *testing.T, size int64, sse bool) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			http.Error(w, "no stream", http.StatusMethodNotAllowed)
			return
		}
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if req.ID == nil {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		var result string
		switch req.Method {
		case "initialize":
			result = `{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"huge","version":"1"}}`
		case "tools/list":
			result = `{"tools":[{"name":"huge","inputSchema":{"type":"object"}}]}`
		case "tools/call":
			prefix := `{"jsonrpc":"2.0","id":` + string(req.ID) + `,"result":{"content":[{"type":"text","text":"`
			suffix := `"}]}}`
			if sse {
				w.Header().Set("Content-Type", "text/event-stream")
				prefix = "event: message\ndata: " + prefix
				suffix += "\n\n"
			} else {
				w.Header().Set("Content-Type", "application/json")
			}
			_, _ = io.WriteString(w, prefix)
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for sent := int64(0); sent < size; sent += int64(len(chunk)) {
				if _, err := w.Write(chunk); err != nil {
					return // the client hung up
				}
			}
			_, _ = io.WriteString(w, suffix)
			return
		default:
			result = `{}`
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":%s}`, req.ID, result)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestHugeToolResult: a 200 MB tool result fails the call with ErrTooLarge
// after reading about the limit, whether it comes as JSON or as an event
// stream; the client and its memory stay as they were.
func TestHugeToolResult(t *testing.T) {
	for _, sse := range []bool{false, true} {
		t.Run(fmt.Sprintf("sse=%v", sse), func(t *testing.T) {
			c := newClient(t, httpConfig(hugeToolServer(t, 200<<20, sse), mcpclient.TransportHTTP))
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			res, err := c.CallTool(t.Context(), "huge", nil, mcpclient.Filter{}, nil)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, mcpclient.ErrTooLarge) {
				t.Fatalf("CallTool = %+v, %v; want ErrTooLarge", res, err)
			}
			if !strings.Contains(err.Error(), "MaxMessageBytes") {
				t.Errorf("error %q does not name the limit", err)
			}
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 8*mcpclient.MaxMessageBytes {
				t.Errorf("the call allocated %d MiB for a 200 MB answer", grown>>20)
			}
			t.Logf("allocated %d MiB while refusing a 200 MiB answer", (after.TotalAlloc-before.TotalAlloc)>>20)
		})
	}
}

// TestHugeToolResultIsAnIncident: the connector fails the job without
// retries, so one incident says why instead of the job being retried (and
// the answer read again) until its retries run out.
func TestHugeToolResultIsAnIncident(t *testing.T) {
	url := hugeToolServer(t, 200<<20, false)
	clients, err := mcpclient.RuntimeClients(map[string]any{
		"huge": map[string]any{"type": "http", "http": map[string]any{"url": url}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pool := mcpclient.NewPool(mcpclient.Options{})
	defer pool.Close()
	run := mcpclient.RuntimeConnector(pool, clients)
	_, err = run(t.Context(), &worker.Job{}, map[string]any{"data": map[string]any{
		"client":        map[string]any{"clientId": "huge"},
		"connectorMode": map[string]any{"type": "aiAgentTool", "toolOperation": map[string]any{"method": "tools/call", "params": map[string]any{"name": "huge"}}},
	}})
	var je *worker.JobError
	if !errors.As(err, &je) || je.Retries == nil || *je.Retries != 0 || !strings.Contains(je.Message, "MaxMessageBytes") {
		t.Fatalf("err = %v, want a job error without retries naming the limit", err)
	}
}
