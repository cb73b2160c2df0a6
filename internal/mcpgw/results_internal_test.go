package mcpgw

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// A read's result on each path, as each path finishes it: the lean path
// gives it back once written (releaseResult); go-sdk's path encodes it
// and leaves it to the collector, its encoder given back at once
// (sdkTool, detachResult) or, as before, not at all ("kept").
//
//	go test ./internal/mcpgw -run '^$' -bench ToolResult
func BenchmarkToolResult(b *testing.B) {
	pi := benchInstance()
	read := func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) { return jsonResult(pi), nil }
	ctx, req := context.Background(), &mcp.CallToolRequest{}
	b.Run("lean", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			res, _ := read(ctx, req)
			releaseResult(res)
		}
	})
	for _, c := range []struct {
		name string
		h    mcp.ToolHandler
	}{{"sdk", sdkTool(read)}, {"sdk-kept", read}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				res, _ := c.h(ctx, req)
				if _, err := json.Marshal(res); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// The audit entry of a call of a tool not in toolKinds (a process tool on
// /mcp/processes) against one of a tool in it: isUnknownTool's reading of
// the call's error.
//
//	go test ./internal/mcpgw -run '^$' -bench AuditEntryKind
func BenchmarkAuditEntryKind(b *testing.B) {
	res := jsonResult(benchInstance())
	a := &auditor{g: &Gateway{log: slog.New(slog.DiscardHandler)}}
	ctx := context.WithValue(context.Background(), endpointKey{}, "/mcp/processes")
	for _, tool := range []string{"getProcessInstance", "order"} {
		req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: tool, Arguments: json.RawMessage(`{}`)}}
		b.Run(tool, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				a.entry(ctx, req, res, nil)
			}
		})
	}
}

func benchInstance() cluster.ProcessInstance {
	root := cluster.Key(2251799813685300)
	name := "x"
	return cluster.ProcessInstance{ProcessDefinitionID: "scale-review", ProcessDefinitionName: &name, ProcessDefinitionVersion: 1,
		StartDate: time.Now(), State: "ACTIVE", TenantID: "<default>", ProcessInstanceKey: 2251799813685301,
		ProcessDefinitionKey: 2251799813685249, RootProcessInstanceKey: &root, Tags: []string{}}
}

// TestSDKResultOutlivesItsEncoder: a result on go-sdk's path, which
// encodes it only after the gateway's hooks returned, reads the same after
// its encoder went back to the pool and encoded other results meanwhile
// (as other calls, concurrent ones, do); and the lean path's results still
// go back to the pools.
func TestSDKResultOutlivesItsEncoder(t *testing.T) {
	ctx := context.Background()
	for _, isError := range []bool{false, true} {
		h := sdkTool(func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if isError {
				return problemResult(problem{Title: "NOT_FOUND", Status: 404, Detail: "Process instance with key 7 not found"}), nil
			}
			return jsonResult(map[string]any{"processInstanceKey": "7", "state": "ACTIVE"}), nil
		})
		res, _ := h(ctx, &mcp.CallToolRequest{})
		want, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if box := boxOf(res); box == nil || box.enc != nil {
			t.Fatalf("go-sdk's result %s still holds its encoder", want)
		}
		for i := range 50 {
			releaseResult(jsonResult(map[string]any{"processInstanceKey": strings.Repeat("9", i), "state": "COMPLETED"}))
			if _, err := marshal(map[string]any{"other": i}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := json.Marshal(res)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("go-sdk's result changed after its encoder was used again:\n got %s\nwant %s", got, want)
		}
		if text := res.Content[0].(*mcp.TextContent).Text; text != string(res.StructuredContent.(json.RawMessage)) {
			t.Fatalf("text %s and structured content %s differ", text, res.StructuredContent)
		}
	}
}
