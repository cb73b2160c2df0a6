package mcpclient_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/mcpclient"
	"github.com/orcabpm/orca/internal/worker"
)

// hugeHelperEnv makes the test binary a stdio MCP server whose tool "huge"
// answers with 200 MB of text on one line, written as it is generated; the
// variable's value is a file that gets one line per start of the server.
const hugeHelperEnv = "ORCA_MCPCLIENT_TEST_HUGE"

func hugeStdioServer(startsFile string) int {
	f, err := os.OpenFile(startsFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return 1
	}
	fmt.Fprintln(f, os.Getpid())
	f.Close()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	for in.Scan() {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		if json.Unmarshal(in.Bytes(), &req) != nil || req.ID == nil {
			continue
		}
		result := `{}`
		switch req.Method {
		case "initialize":
			result = `{"protocolVersion":"2025-06-18","capabilities":{"tools":{}},"serverInfo":{"name":"huge","version":"1"}}`
		case "tools/list":
			result = `{"tools":[{"name":"huge","inputSchema":{"type":"object"}}]}`
		case "tools/call":
			fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"`, req.ID)
			chunk := bytes.Repeat([]byte("x"), 1<<20)
			for range 200 {
				if _, err := out.Write(chunk); err != nil {
					return 0 // the client hung up
				}
			}
			io.WriteString(out, "\"}]}}\n")
			out.Flush()
			continue
		}
		fmt.Fprintf(out, `{"jsonrpc":"2.0","id":%s,"result":%s}`+"\n", req.ID, result)
		out.Flush()
	}
	return 0
}

// TestHugeStdioToolResult: a stdio server answering a tool call with 200 MB
// on one line fails the call with ErrTooLarge (the SDK's line cap, 16 MiB);
// the connector turns it into a job error without retries, so one incident
// says why; the server is started once per call, never in a loop, and the
// next call works on a fresh server.
func TestHugeStdioToolResult(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	starts := filepath.Join(t.TempDir(), "starts")
	clients, err := mcpclient.RuntimeClients(map[string]any{
		"huge": map[string]any{"type": "stdio", "stdio": map[string]any{"command": exe, "env": map[string]any{hugeHelperEnv: starts}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	pool := mcpclient.NewPool(mcpclient.Options{})
	defer pool.Close()
	run := mcpclient.RuntimeConnector(pool, clients)
	call := func(method string, params map[string]any) (any, error) {
		return run(t.Context(), &worker.Job{}, map[string]any{"data": map[string]any{
			"client":        map[string]any{"clientId": "huge"},
			"connectorMode": map[string]any{"type": "aiAgentTool", "toolOperation": map[string]any{"method": method, "params": params}},
		}})
	}
	nStarts := func() int {
		b, _ := os.ReadFile(starts)
		return strings.Count(string(b), "\n")
	}
	for i := 1; i <= 2; i++ {
		_, err = call("tools/call", map[string]any{"name": "huge"})
		var je *worker.JobError
		if !errors.As(err, &je) || je.Retries == nil || *je.Retries != 0 || !strings.Contains(je.Message, "MaxMessageBytes") {
			t.Fatalf("call %d: err = %v, want a job error without retries naming the limit", i, err)
		}
		if !errors.Is(err, mcpclient.ErrTooLarge) && !strings.Contains(je.Message, mcpclient.ErrTooLarge.Error()) {
			t.Errorf("call %d: %v does not say the answer is too large", i, err)
		}
		if n := nStarts(); n != i {
			t.Fatalf("after call %d the server was started %d times", i, n)
		}
		t.Logf("call %d: %s", i, je.Message)
	}
	if _, err := call("tools/list", nil); err != nil {
		t.Fatalf("tools/list after the huge answers: %v", err)
	}
}

// The SDK's stdio line cap is the documented MaxMessageBytes.
func TestStdioLineCapIsMaxMessageBytes(t *testing.T) {
	if mcp.DefaultMaxLineLength != mcpclient.MaxMessageBytes {
		t.Fatalf("go-sdk caps a stdio line at %d bytes, MaxMessageBytes is %d", mcp.DefaultMaxLineLength, mcpclient.MaxMessageBytes)
	}
}
