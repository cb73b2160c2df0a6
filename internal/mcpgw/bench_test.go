package mcpgw_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/mcpgw"
)

// The gateway's overhead: the same operations as MCP tools/call (go-sdk
// client, Streamable HTTP, JSON responses) and over /v2 (plain HTTP), with
// concurrent clients. Reported: ops/s and p50/p99 latency per call.
//
//	go test ./internal/mcpgw -run '^$' -bench . -benchtime 3s
func BenchmarkGateway(b *testing.B) {
	e := newEnv(b, envOptions{noClient: true})
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	setup := e.connect(b, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathCluster, HTTPClient: hc})
	e.cs = setup
	e.t = b
	e.deploy()
	piKey := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "order"})["processInstanceKey"].(string)

	rest := func(method, path, body string) func() error {
		return func() error {
			req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			res, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			io.Copy(io.Discard, res.Body)
			if res.StatusCode != 200 {
				return fmt.Errorf("%s %s: %d", method, path, res.StatusCode)
			}
			return nil
		}
	}
	tool := func(cs *mcp.ClientSession, name string, args map[string]any) func() error {
		return func() error {
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
			if err == nil && res.IsError {
				err = fmt.Errorf("%s: %s", name, text(res))
			}
			return err
		}
	}
	for _, op := range []struct {
		name string
		rest func() error
		raw  func() error // one JSON-RPC tools/call POST, no MCP client library
		tool string
		args map[string]any
	}{
		{"getProcessInstance", rest(http.MethodGet, "/v2/process-instances/"+piKey, ""),
			rawCall(hc, e.url, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"`+piKey+`"}}}`),
			"getProcessInstance", map[string]any{"processInstanceKey": piKey}},
		{"createProcessInstance", rest(http.MethodPost, "/v2/process-instances", `{"processDefinitionId":"quick"}`),
			rawCall(hc, e.url, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"createProcessInstance","arguments":{"processDefinitionId":"quick"}}}`),
			"createProcessInstance", map[string]any{"processDefinitionId": "quick"}},
	} {
		for _, via := range []string{"v2", "mcp-raw", "mcp"} {
			b.Run(op.name+"/"+via, func(b *testing.B) {
				var (
					mu   sync.Mutex
					lats []time.Duration
				)
				b.SetParallelism(8) // 8 × GOMAXPROCS concurrent clients
				start := time.Now()
				b.RunParallel(func(pb *testing.PB) {
					call := op.rest
					if via == "mcp-raw" {
						call = op.raw
					}
					if via == "mcp" {
						cs := e.connect(b, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathCluster, HTTPClient: hc})
						defer cs.Close()
						call = tool(cs, op.tool, op.args)
					}
					var mine []time.Duration
					for pb.Next() {
						t0 := time.Now()
						if err := call(); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(t0))
					}
					mu.Lock()
					lats = append(lats, mine...)
					mu.Unlock()
				})
				elapsed := time.Since(start)
				if len(lats) == 0 {
					return
				}
				slices.Sort(lats)
				b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "ops/s")
				b.ReportMetric(float64(lats[len(lats)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1000, "p99-ms")
			})
		}
	}
}

// rawCall posts a JSON-RPC message as a minimal MCP client would: the
// stateless gateway needs no initialize first.
func rawCall(hc *http.Client, base, body string) func() error {
	return func() error {
		req, _ := http.NewRequest(http.MethodPost, base+mcpgw.PathCluster, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || strings.Contains(string(b), `"isError":true`) {
			return fmt.Errorf("tools/call: %d %s", res.StatusCode, b)
		}
		return nil
	}
}
