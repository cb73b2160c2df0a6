package mcpgw

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// The lean path's parts, one at a time, on a read of a process instance:
// the audit entry (and its reading of the result's members), the result's
// encoding, the reading of the message, the answer's encoding.
//
//	go test ./internal/mcpgw -run '^$' -bench LeanParts
func BenchmarkLeanParts(b *testing.B) {
	root := cluster.Key(2251799813685300)
	name := "x"
	pi := cluster.ProcessInstance{ProcessDefinitionID: "scale-review", ProcessDefinitionName: &name, ProcessDefinitionVersion: 1,
		StartDate: time.Now(), State: "ACTIVE", TenantID: "<default>", ProcessInstanceKey: 2251799813685301,
		ProcessDefinitionKey: 2251799813685249, RootProcessInstanceKey: &root, Tags: []string{}}
	res := jsonResult(pi)
	args := json.RawMessage(`{"processInstanceKey":"2251799813685301"}`)
	req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: "getProcessInstance", Arguments: args}}
	a := &auditor{g: &Gateway{log: slog.New(slog.DiscardHandler)}}
	ctx := context.WithValue(context.Background(), endpointKey{}, "/mcp/cluster")
	b.Run("entry", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			a.entry(ctx, req, res, nil)
		}
	})
	b.Run("topLevel-result", func(b *testing.B) {
		raw := res.StructuredContent.(json.RawMessage)
		for range b.N {
			topLevel(raw)
		}
	})
	b.Run("jsonResult", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			jsonResult(pi)
		}
	})
	body := []byte(`{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"2251799813685301"}}}`)
	ep := &leanEndpoint{tool: func(string) (*leanTool, bool) { return &leanTool{}, true }}
	h := http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json, text/event-stream"}, "Mcp-Protocol-Version": {"2025-11-25"}}
	b.Run("leanCall", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			leanCall(ep, h, body)
		}
	})
	b.Run("appendResult", func(b *testing.B) {
		buf := make([]byte, 0, 4096)
		for range b.N {
			appendResult(buf[:0], res, false, nil)
		}
	})
}
