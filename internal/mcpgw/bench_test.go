package mcpgw_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/loadgen"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/store"
)

// The gateway's overhead: the same operations as MCP tools/call
// (Streamable HTTP, JSON responses) and over /v2 (plain HTTP), with
// concurrent clients, server and clients in this process. The clients:
//
//   - v2: REST, the answer read and discarded;
//   - v2-typed: REST, the answer decoded into the typed value a program
//     uses (loadgen.RESTCall, as orca bench's REST client);
//   - mcp-raw: one JSON-RPC tools/call POST, the answer read and checked
//     for an error, not decoded;
//   - mcp-typed: the minimal MCP client of orca bench (loadgen.MCPCall):
//     the request encoded from Go values, the whole result decoded, its
//     structured content into the same typed value as v2-typed: the
//     client of equal weight to v2-typed;
//   - mcp: the official Go MCP client (go-sdk), one session per client;
//   - v2-wire, mcp-wire: the same request as v2 and mcp-raw, its bytes
//     written as they are on a keep-alive connection of each client's
//     own and the answer read by its Content-Length, with no HTTP client
//     at all: cpu-us/op is then almost all the server's, and a profile
//     shows the server.
//
// Reported: ops/s, p50/p99 latency per call, the process's CPU time per
// call (cpu-us/op: clients and server) and, except for mcp, the server's
// handler CPU time per call (server-us/op): cpu-us/op less the CPU time
// per call of the same client against a server that replays the answer
// it recorded (same status, headers and bytes) without doing anything:
// what the REST API or the gateway costs beyond net/http's serving of the
// same bytes. Compare v2-typed with mcp-typed.
//
//	go test ./internal/mcpgw -run '^$' -bench Gateway -benchtime 3000x
func BenchmarkGateway(b *testing.B) {
	e := newEnv(b, envOptions{noClient: true})
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}}
	setup := e.connect(b, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathCluster, HTTPClient: hc})
	e.cs = setup
	e.t = b
	e.deploy()
	piKey := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "order"})["processInstanceKey"].(string)

	rest := func(method, path, body string) func(string) func(context.Context) error {
		return func(base string) func(context.Context) error {
			return func(ctx context.Context) error {
				req, _ := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
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
	}
	tool := func(cs *mcp.ClientSession, name string, args map[string]any) func(context.Context) error {
		return func(ctx context.Context) error {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
			if err == nil && res.IsError {
				err = fmt.Errorf("%s: %s", name, text(res))
			}
			return err
		}
	}
	type readArgs struct {
		ProcessInstanceKey string `json:"processInstanceKey"`
	}
	type createArgs struct {
		ProcessDefinitionID string `json:"processDefinitionId"`
	}
	for _, op := range []struct {
		name  string
		calls map[string]func(base string) func(context.Context) error
		tool  string
		args  map[string]any
		wire  map[string][2]string // method and path, and body (with its headers), of v2-wire and mcp-wire
	}{
		{"getProcessInstance", map[string]func(string) func(context.Context) error{
			"v2": rest(http.MethodGet, "/v2/process-instances/"+piKey, ""),
			"v2-typed": func(base string) func(context.Context) error {
				return loadgen.RESTCall[cluster.ProcessInstance](hc, http.MethodGet, base+"/v2/process-instances/"+piKey, nil)
			},
			"mcp-raw": rawCall(hc, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"`+piKey+`"}}}`),
			"mcp-typed": func(base string) func(context.Context) error {
				return loadgen.MCPCall[cluster.ProcessInstance](hc, base+mcpgw.PathCluster, "getProcessInstance", readArgs{piKey})
			},
		}, "getProcessInstance", map[string]any{"processInstanceKey": piKey}, map[string][2]string{
			"v2-wire":  {"GET /v2/process-instances/" + piKey, ""},
			"mcp-wire": {"POST " + mcpgw.PathCluster, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"` + piKey + `"}}}`},
		}},
		{"createProcessInstance", map[string]func(string) func(context.Context) error{
			"v2": rest(http.MethodPost, "/v2/process-instances", `{"processDefinitionId":"quick"}`),
			"v2-typed": func(base string) func(context.Context) error {
				return loadgen.RESTCall[cluster.CreateProcessInstanceResult](hc, http.MethodPost, base+"/v2/process-instances", createArgs{"quick"})
			},
			"mcp-raw": rawCall(hc, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"createProcessInstance","arguments":{"processDefinitionId":"quick"}}}`),
			"mcp-typed": func(base string) func(context.Context) error {
				return loadgen.MCPCall[cluster.CreateProcessInstanceResult](hc, base+mcpgw.PathCluster, "createProcessInstance", createArgs{"quick"})
			},
		}, "createProcessInstance", map[string]any{"processDefinitionId": "quick"}, map[string][2]string{
			"v2-wire":  {"POST /v2/process-instances", `{"processDefinitionId":"quick"}`},
			"mcp-wire": {"POST " + mcpgw.PathCluster, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"createProcessInstance","arguments":{"processDefinitionId":"quick"}}}`},
		}},
	} {
		for _, via := range []string{"v2", "v2-typed", "mcp-raw", "mcp-typed", "mcp", "v2-wire", "mcp-wire"} {
			b.Run(op.name+"/"+via, func(b *testing.B) {
				var newCall func() (func(context.Context) error, func())
				var replay *httptest.Server
				switch via {
				case "v2-wire", "mcp-wire":
					req := wireRequest(e.url, op.wire[via])
					newCall = func() (func(context.Context) error, func()) { return wireCall(b, e.url, req) }
				case "mcp":
					newCall = func() (func(context.Context) error, func()) {
						cs := e.connect(b, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathCluster, HTTPClient: hc})
						return tool(cs, op.tool, op.args), func() { cs.Close() }
					}
				default:
					call := op.calls[via](e.url)
					newCall = func() (func(context.Context) error, func()) { return call, func() {} }
					replay = replayServer(b, hc, e.url, op.calls[via])
				}
				lats, elapsed, cpu := runParallel(b, newCall)
				if len(lats) == 0 {
					return
				}
				b.ReportMetric(float64(len(lats))/elapsed.Seconds(), "ops/s")
				b.ReportMetric(float64(lats[len(lats)/2].Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(lats[len(lats)*99/100].Microseconds())/1000, "p99-ms")
				perOp := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(len(lats)) }
				b.ReportMetric(perOp(cpu), "cpu-us/op")
				if replay != nil {
					b.StopTimer()
					call := op.calls[via](replay.URL)
					ctx := context.Background()
					// The same calls, one client at a time as in runParallel's
					// share: only their CPU time counts.
					var wg sync.WaitGroup
					c0 := processCPU()
					for w := range 8 * clientsPerCPU() {
						wg.Add(1)
						go func() {
							defer wg.Done()
							for i := w; i < len(lats); i += 8 * clientsPerCPU() {
								if err := call(ctx); err != nil {
									b.Error(err)
									return
								}
							}
						}()
					}
					wg.Wait()
					b.ReportMetric(perOp(cpu-(processCPU()-c0)), "server-us/op")
				}
			})
		}
	}
}

// The server's own work on one call, without a network or a client: the
// request as net/http hands it to the handler (parsed, its body a
// reader), served by the same mux as BenchmarkGateway's server, one call
// at a time. ns/op is the handler's time, allocs/op and B/op its
// allocations (and those of the commits of MCP reads' audit entries, which
// run meanwhile), cpu-us/op the process's CPU time per call, those commits
// included.
//
//	go test ./internal/mcpgw -run '^$' -bench Serve -benchtime 20000x
func BenchmarkServe(b *testing.B) {
	e := newEnv(b, envOptions{noClient: true})
	e.cs = e.connect(b, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathCluster})
	e.t = b
	e.deploy()
	piKey := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "order"})["processInstanceKey"].(string)
	// For information: the same gateway in front of the same cluster, but
	// one that records no audit log (it is no cluster.AuditRecorder), so
	// that what the gateway's read costs beside the audit entry shows.
	unaudited, err := mcpgw.New(struct{ cluster.API }{e.api}, mcpgw.Options{Version: "test"})
	if err != nil {
		b.Fatal(err)
	}
	unauditedMux := http.NewServeMux()
	unaudited.Register(unauditedMux, nil)
	// And the same call on go-sdk's path (sessions and SSE take it; here
	// a stateless POST, with the lean path off): its results are not
	// given back to the pools as the lean path's are.
	sdk, err := mcpgw.New(e.api, mcpgw.Options{Version: "test", DisableLeanPath: true})
	if err != nil {
		b.Fatal(err)
	}
	sdkMux := http.NewServeMux()
	sdk.Register(sdkMux, nil)
	mcpRead := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"` + piKey + `"}}}`
	for _, c := range []struct {
		name string
		line [2]string
		mux  http.Handler
	}{
		{"getProcessInstance/v2", [2]string{"GET /v2/process-instances/" + piKey, ""}, e.mux},
		{"getProcessInstance/mcp", [2]string{"POST " + mcpgw.PathCluster, mcpRead}, e.mux},
		{"getProcessInstance/mcp-unaudited", [2]string{"POST " + mcpgw.PathCluster, mcpRead}, unauditedMux},
		{"getProcessInstance/mcp-sdk", [2]string{"POST " + mcpgw.PathCluster, mcpRead}, sdkMux},
	} {
		b.Run(c.name, func(b *testing.B) {
			raw := wireRequest(e.url, c.line)
			w := &discardWriter{h: http.Header{}}
			serve := func() {
				req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
				if err != nil {
					b.Fatal(err)
				}
				req.RemoteAddr = "127.0.0.1:40000"
				clear(w.h)
				w.status = 0
				c.mux.ServeHTTP(w, req)
				if w.status != http.StatusOK && w.status != 0 {
					b.Fatalf("%s: %d", c.name, w.status)
				}
			}
			serve()
			b.ReportAllocs()
			b.ResetTimer()
			c0 := processCPU()
			for range b.N {
				serve()
			}
			b.ReportMetric(float64((processCPU()-c0).Microseconds())/float64(b.N), "cpu-us/op")
		})
	}
}

// discardWriter is a ResponseWriter that keeps the status and drops the
// body.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(p []byte) (int, error) { return len(p), nil }

// clientsPerCPU is GOMAXPROCS, which b.SetParallelism multiplies.
func clientsPerCPU() int { return max(1, runtime.GOMAXPROCS(0)) }

// processCPU is the user and system CPU time this process has used.
func processCPU() time.Duration {
	user, sys := mcpgw.ProcessTimes()
	return user + sys
}

// runParallel makes b.N calls from 8 × GOMAXPROCS concurrent clients (each
// made by newCall) and returns their latencies, sorted, the time they took
// and the process's CPU time meanwhile.
func runParallel(b *testing.B, newCall func() (func(context.Context) error, func())) ([]time.Duration, time.Duration, time.Duration) {
	var (
		mu   sync.Mutex
		lats []time.Duration
	)
	b.SetParallelism(8)
	start, c0 := time.Now(), processCPU()
	b.RunParallel(func(pb *testing.PB) {
		call, done := newCall()
		defer done()
		ctx := context.Background()
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			if err := call(ctx); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lats = append(lats, mine...)
		mu.Unlock()
	})
	elapsed, cpu := time.Since(start), processCPU()-c0
	slices.Sort(lats)
	return lats, elapsed, cpu
}

// replayServer is a server that answers every request with the answer
// the real server (at base) gave to the client's first call: the same
// status, headers and bytes, without doing anything else.
func replayServer(b *testing.B, hc *http.Client, base string, client func(string) func(context.Context) error) *httptest.Server {
	var (
		status int
		header http.Header
		body   []byte
	)
	recorder := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := http.NewRequest(r.Method, base+r.URL.Path, r.Body)
		req.Header = r.Header.Clone()
		res, err := hc.Do(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer res.Body.Close()
		body, _ = io.ReadAll(res.Body)
		status, header = res.StatusCode, res.Header.Clone()
		for k, v := range header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		w.Write(body)
	}))
	defer recorder.Close()
	if err := client(recorder.URL)(context.Background()); err != nil {
		b.Fatalf("recording an answer: %v", err)
	}
	header.Del("Date")
	// A JSON-RPC answer carries the id of its request.
	recordedID := jsonRPCID(body)
	replay := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, _ := io.ReadAll(r.Body)
		answer := body
		if id := jsonRPCID(req); id != nil && recordedID != nil {
			i := bytes.Index(body, recordedID)
			answer = slices.Concat(body[:i], id, body[i+len(recordedID):])
		}
		for k, v := range header {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(answer)))
		w.WriteHeader(status)
		w.Write(answer)
	}))
	b.Cleanup(replay.Close)
	return replay
}

// jsonRPCID is `"id":N,` of a JSON-RPC message as the clients here and
// the gateway write it; nil if there is none.
func jsonRPCID(msg []byte) []byte {
	i := bytes.Index(msg, []byte(`"id":`))
	if i < 0 {
		return nil
	}
	j := bytes.IndexByte(msg[i:], ',')
	if j < 0 {
		return nil
	}
	return msg[i : i+j+1]
}

// wireRequest is the bytes of an HTTP/1.1 request as Go's HTTP client
// writes it: line[0] is the method and path, line[1] the JSON body (none
// when empty). A POST to an MCP endpoint carries the headers of a
// Streamable HTTP client.
func wireRequest(base string, line [2]string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "%s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Go-http-client/1.1\r\n", line[0], strings.TrimPrefix(base, "http://"))
	if strings.Contains(line[0], "/mcp") {
		b.WriteString("Accept: application/json, text/event-stream\r\nMcp-Protocol-Version: 2025-11-25\r\n")
	} else {
		b.WriteString("Accept: application/json\r\n")
	}
	if line[1] != "" {
		fmt.Fprintf(&b, "Content-Length: %d\r\nContent-Type: application/json\r\n", len(line[1]))
	}
	b.WriteString("Accept-Encoding: gzip\r\n\r\n")
	b.WriteString(line[1])
	return []byte(b.String())
}

// wireCall is a client of its own keep-alive connection to base that
// writes req and reads the answer: its status must be 200, its length
// given (Content-Length) and it must carry no tool error.
func wireCall(b *testing.B, base string, req []byte) (func(context.Context) error, func()) {
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		b.Fatal(err)
	}
	br := bufio.NewReader(conn)
	var body []byte
	return func(context.Context) error {
		if _, err := conn.Write(req); err != nil {
			return err
		}
		status, err := br.ReadSlice('\n')
		if err != nil {
			return err
		}
		ok := bytes.HasPrefix(status, []byte("HTTP/1.1 200 "))
		n := -1
		for {
			line, err := br.ReadSlice('\n')
			if err != nil {
				return err
			}
			if len(line) <= 2 {
				break
			}
			if v, found := bytes.CutPrefix(line, []byte("Content-Length: ")); found {
				n, _ = strconv.Atoi(string(bytes.TrimSpace(v)))
			}
		}
		if n < 0 {
			return fmt.Errorf("an answer without Content-Length to %q", req)
		}
		if cap(body) < n {
			body = make([]byte, n)
		}
		body = body[:n]
		if _, err := io.ReadFull(br, body); err != nil {
			return err
		}
		if !ok || bytes.Contains(body, []byte(`"isError":true`)) {
			return fmt.Errorf("%s: %s", bytes.TrimSpace(status), body)
		}
		return nil
	}, func() { conn.Close() }
}

// rawCall posts a JSON-RPC message as a minimal MCP client would: the
// stateless gateway needs no initialize first. The answer is read and
// checked, not decoded.
func rawCall(hc *http.Client, body string) func(string) func(context.Context) error {
	return func(base string) func(context.Context) error {
		return func(ctx context.Context) error {
			res, err := hc.Do(jsonRPCRequest(ctx, base+mcpgw.PathCluster, body, "2025-11-25"))
			if err != nil {
				return err
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			if res.StatusCode != 200 || bytes.Contains(b, []byte(`"isError":true`)) {
				return fmt.Errorf("tools/call: %d %s", res.StatusCode, b)
			}
			return nil
		}
	}
}

// What a read's audit entry costs the engine by the size of the group it
// is committed in (audit.go's auditWindow): the CPU time per entry of
// RecordAudit with groups of n entries of a getProcessInstance read,
// synchronous=FULL. A commit's own cost (the WAL's frames, its fsync) is
// shared by the group; the insert is each entry's.
//
//	go test ./internal/mcpgw -run '^$' -bench AuditGroups -benchtime 20000x
func BenchmarkAuditGroups(b *testing.B) {
	for _, n := range []int{16, 32, 64, 128, 512} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			eng, err := engine.Open(context.Background(), engine.Options{DataDir: b.TempDir(), Synchronous: "FULL"})
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close()
			ctx := context.Background()
			group := make([]*store.AuditLog, 0, n)
			b.ReportAllocs()
			b.ResetTimer()
			c0 := processCPU()
			for done := 0; done < b.N; {
				group = group[:0]
				for ; len(group) < n && done < b.N; done++ {
					group = append(group, &store.AuditLog{ActorType: cluster.AuditActorAnonymous, TenantID: "<default>", Result: cluster.AuditSuccess,
						Category: "DEPLOYED_RESOURCES", EntityType: "PROCESS_INSTANCE", EntityKey: "2251799813685251", OperationType: "UNKNOWN",
						ProcessDefinitionID: "order", ProcessDefinitionKey: 2251799813685250, ProcessInstanceKey: 2251799813685251,
						RootProcessInstanceKey: 2251799813685251, InboundChannelType: cluster.AuditChannelMCP, InboundChannelTool: "getProcessInstance",
						Endpoint: mcpgw.PathCluster, ArgumentsSize: 43})
				}
				if _, err := eng.RecordAudit(ctx, group...); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((processCPU()-c0).Microseconds())/float64(b.N), "cpu-us/entry")
		})
	}
}
