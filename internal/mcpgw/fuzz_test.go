package mcpgw_test

import (
	"encoding/json"
	"testing"

	"github.com/orcabpm/orca/internal/mcpgw"
)

// FuzzJSONRPC posts arbitrary JSON-RPC messages to /mcp: every answer is a
// JSON-RPC message (a result or an error), 202 for an accepted
// notification, or a 4xx with a JSON-RPC error, never a 5xx; the gateway
// keeps answering. Seeded with the malformed requests of issue 19.
func FuzzJSONRPC(f *testing.F) {
	e := newEnv(f, envOptions{noClient: true})
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call"}`,
		`{"jsonrpc":"2.0","id":1,"method":"no/such"}`,
		`{"jsonrpc":"2.0","method":"tools/call","params":{"name":"getClusterStatus","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getClusterStatus","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"searchProcessInstances","arguments":{"filter":{"state":"ACTIVE"},"page":{"limit":100000}}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"createProcessInstance","arguments":{"processDefinitionId":"x","processDefinitionVersion":-5}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"invalid_tool_name","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"f","version":"1"}}}`,
		`{"jsonrpc":"2.0","id":1,"method":"initialize"}`,
		`{"jsonrpc":"2.0","id":null,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","id":{},"method":"tools/list"}`,
		`{"jsonrpc":"1.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":"2.0","method":"notifications/initialized"}`,
		`[{"jsonrpc":"2.0","id":1,"method":"ping"}]`,
		`{"jsonrpc":"2.0","id":1,"result":{}}`,
		`{"jsonrpc":`,
		`null`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		res, out := rpc(t, e.url+mcpgw.PathMCP, string(body), map[string]string{"Mcp-Protocol-Version": "2025-06-18"})
		switch {
		case res.StatusCode >= 500:
			t.Fatalf("%q: %d %s", body, res.StatusCode, out)
		case res.StatusCode == 200:
			if !json.Valid([]byte(out)) {
				t.Fatalf("%q: 200 with no JSON: %s", body, out)
			}
		case res.StatusCode == 400:
			var msg struct {
				Error *struct {
					Code int `json:"code"`
				} `json:"error"`
			}
			if json.Unmarshal([]byte(out), &msg) != nil || msg.Error == nil {
				t.Fatalf("%q: 400 without a JSON-RPC error: %s", body, out)
			}
		}
	})
}
