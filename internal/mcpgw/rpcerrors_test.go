package mcpgw_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/mcpgw"
)

// TestMalformedRequestsGetJSONRPCErrors: requests the SDK cannot serve are
// answered with JSON-RPC errors, as the MCP specification wants: a request
// with an id gets HTTP 200 and an error for that id; a message that is no
// acceptable request gets HTTP 400 with an error without id.
func TestMalformedRequestsGetJSONRPCErrors(t *testing.T) {
	e := newEnv(t, envOptions{noClient: true})
	for _, tc := range []struct {
		name   string
		body   string
		status int
		id     string
		code   int
	}{
		{"tools/call without params", `{"jsonrpc":"2.0","id":1,"method":"tools/call"}`, 200, "1", -32602},
		{"initialize without params", `{"jsonrpc":"2.0","id":"a","method":"initialize"}`, 200, `"a"`, -32602},
		{"unknown method", `{"jsonrpc":"2.0","id":7,"method":"no/such"}`, 200, "7", -32601},
		{"notification-style tools/call", `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"getClusterStatus","arguments":{}}}`, 400, "null", -32600},
		{"not JSON", `{"jsonrpc":`, 400, "null", -32700},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{mcpgw.PathMCP, mcpgw.PathCluster} {
				res, body := rpc(t, e.url+path, tc.body, map[string]string{"Mcp-Protocol-Version": "2025-06-18"})
				var msg struct {
					JSONRPC string          `json:"jsonrpc"`
					ID      json.RawMessage `json:"id"`
					Error   *struct {
						Code    int    `json:"code"`
						Message string `json:"message"`
					} `json:"error"`
				}
				if err := json.Unmarshal([]byte(body), &msg); err != nil || msg.Error == nil {
					t.Fatalf("%s: %d %q is no JSON-RPC error", path, res.StatusCode, body)
				}
				if res.StatusCode != tc.status || string(msg.ID) != tc.id || msg.Error.Code != tc.code || msg.JSONRPC != "2.0" ||
					!strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") {
					t.Errorf("%s: %d %s, want status %d, id %s, code %d", path, res.StatusCode, body, tc.status, tc.id, tc.code)
				}
			}
		})
	}
	// A good call still works.
	res, body := rpc(t, e.url+mcpgw.PathMCP, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getClusterStatus","arguments":{}}}`, map[string]string{"Mcp-Protocol-Version": "2025-06-18"})
	if res.StatusCode != 200 || !strings.Contains(body, "HEALTHY") {
		t.Errorf("getClusterStatus: %d %s", res.StatusCode, body)
	}
}
