package mcpgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/mcpgw"
)

// auditEnv is a gateway with Basic authentication (alice, bob) and the
// processes endpoint; alice's client is connected to /mcp/cluster.
func auditEnv(t *testing.T) *env {
	t.Helper()
	if *backend == "remote" {
		t.Skip("a remote Camunda keeps its own audit log: Orca records tool calls only in front of its embedded engine")
	}
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodBasic,
		Users: []auth.User{{Username: "alice", Password: "pw-a"}, {Username: "bob", Password: "pw-b"}}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{auth: a, noClient: true, processes: true})
	e.cs = e.connectAs(t, "alice", "pw-a", mcpgw.PathCluster)
	return e
}

func (e *env) connectAs(t *testing.T, user, pw, path string) *mcp.ClientSession {
	t.Helper()
	hc := &http.Client{Transport: basicTransport{user, pw}}
	return e.connect(t, &mcp.StreamableClientTransport{Endpoint: e.url + path, HTTPClient: hc})
}

// basicTransport sends HTTP Basic credentials.
type basicTransport struct{ user, pw string }

func (b basicTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.SetBasicAuth(b.user, b.pw)
	return http.DefaultTransport.RoundTrip(r)
}

// rest calls the REST API as alice and decodes the answer.
func (e *env) rest(method, path string, body any) (int, map[string]any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, rd)
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("alice", "pw-a")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return res.StatusCode, m
}

// audit searches the audit log.
func (e *env) audit(q map[string]any) []map[string]any {
	e.t.Helper()
	status, m := e.rest("POST", "/v2/audit-logs/search", q)
	if status != 200 {
		e.t.Fatalf("audit search %v: %d %v", q, status, m)
	}
	return items(m)
}

// auditN waits until the search finds n entries (reads' entries are
// committed after their answer) and returns them; more than n fails.
func (e *env) auditN(q map[string]any, n int) []map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		got := e.audit(q)
		if len(got) == n {
			return got
		}
		if len(got) > n || time.Now().After(deadline) {
			e.t.Fatalf("audit search %v: %d entries, want %d: %v", q, len(got), n, got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func toolFilter(tool string) map[string]any {
	return map[string]any{"filter": map[string]any{"inboundChannelType": "MCP", "inboundChannelToolName": tool}}
}

// Every tool call is an audit log entry in Camunda 8.10's shape: who, which
// tool on which endpoint, the outcome, and the instance it started or read;
// searchable with Camunda's filters, sorting and paging, and readable by key.
func TestAuditToolCalls(t *testing.T) {
	e := auditEnv(t)
	e.deploy()
	created := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "quick"})
	pi := created["processInstanceKey"].(string)
	e.ok("getProcessInstance", map[string]any{"processInstanceKey": pi})
	e.problem("getProcessInstance", map[string]any{"processInstanceKey": "2251799813999999"}, 404, "NOT_FOUND", "not found")

	// bob calls a process tool on /mcp/processes.
	e.ok("deployResource", map[string]any{"resourceName": "order.bpmn", "resource": string(toolBPMN("order", "order-start", "io.camunda.tool:name", "place_order"))})
	bob := e.connectAs(t, "bob", "pw-b", mcpgw.PathProcesses)
	defer bob.Close()
	res, err := bob.CallTool(context.Background(), &mcp.CallToolParams{Name: "place_order", Arguments: map[string]any{"orderId": "o-1"}})
	if err != nil || res.IsError {
		t.Fatalf("place_order: %v %v", err, res)
	}
	started := fmt.Sprintf("%d", int64(res.StructuredContent.(map[string]any)["processInstanceKey"].(float64)))

	got := e.audit(toolFilter("createProcessInstance"))
	if len(got) != 1 {
		t.Fatalf("createProcessInstance entries: %v", got)
	}
	c := got[0]
	for k, want := range map[string]any{"actorId": "alice", "actorType": "USER", "result": "SUCCESS", "entityType": "PROCESS_INSTANCE",
		"operationType": "CREATE", "category": "DEPLOYED_RESOURCES", "processInstanceKey": pi, "entityKey": pi,
		"processDefinitionId": "quick", "inboundChannelType": "MCP", "inboundChannelToolName": "createProcessInstance"} {
		if c[k] != want {
			t.Errorf("createProcessInstance entry %s = %v, want %v", k, c[k], want)
		}
	}
	if d, _ := c["entityDescription"].(string); !strings.HasPrefix(d, "/mcp/cluster: ") {
		t.Errorf("entityDescription %q", d)
	}

	// The failed read, the process tool.
	reads := e.auditN(map[string]any{"filter": map[string]any{"inboundChannelToolName": "getProcessInstance"}, "sort": []any{map[string]any{"field": "auditLogKey"}}}, 2)
	if reads[0]["result"] != "SUCCESS" || reads[1]["result"] != "FAIL" || reads[0]["processInstanceKey"] != pi {
		t.Fatalf("getProcessInstance entries: %v", reads)
	}
	proc := e.audit(map[string]any{"filter": map[string]any{"actorId": "bob"}})
	if len(proc) != 1 || proc[0]["inboundChannelToolName"] != "place_order" || proc[0]["processInstanceKey"] != started ||
		proc[0]["operationType"] != "CREATE" || !strings.HasPrefix(proc[0]["entityDescription"].(string), "/mcp/processes: ") ||
		proc[0]["rootProcessInstanceKey"] != started || proc[0]["tenantId"] != "<default>" {
		t.Fatalf("process tool entries: %v", proc)
	}

	// Filters on outcome and instance; sorting and paging; get by key.
	if f := e.audit(map[string]any{"filter": map[string]any{"result": "FAIL"}}); len(f) != 1 {
		t.Errorf("failed entries: %v", f)
	}
	if f := e.audit(map[string]any{"filter": map[string]any{"processInstanceKey": pi}}); len(f) != 2 {
		t.Errorf("entries of instance %s: %v", pi, f)
	}
	status, page := e.rest("POST", "/v2/audit-logs/search", map[string]any{"sort": []any{map[string]any{"field": "timestamp", "order": "DESC"},
		map[string]any{"field": "auditLogKey", "order": "DESC"}}, "page": map[string]any{"limit": 2}})
	all := e.audit(map[string]any{"sort": []any{map[string]any{"field": "auditLogKey"}}})
	if status != 200 || len(items(page)) != 2 || page["page"].(map[string]any)["totalItems"].(float64) != float64(len(all)) ||
		items(page)[0]["auditLogKey"] != all[len(all)-1]["auditLogKey"] {
		t.Errorf("page: %d %v (all %d)", status, page, len(all))
	}
	if len(all) != 6 { // 2 × deployResource, createProcessInstance, 2 × getProcessInstance, place_order
		t.Errorf("%d entries: %v", len(all), all)
	}
	status, one := e.rest("GET", "/v2/audit-logs/"+c["auditLogKey"].(string), nil)
	if status != 200 || one["auditLogKey"] != c["auditLogKey"] || one["inboundChannelToolName"] != "createProcessInstance" {
		t.Errorf("get by key: %d %v", status, one)
	}
	if status, p := e.rest("GET", "/v2/audit-logs/1", nil); status != 404 || p["title"] != "NOT_FOUND" {
		t.Errorf("unknown key: %d %v", status, p)
	}
	if status, p := e.rest("POST", "/v2/audit-logs/search", map[string]any{"filter": map[string]any{"inboundChannelType": "PIGEON"}}); status != 400 {
		t.Errorf("unknown channel: %d %v", status, p)
	}
}

// An unknown tool and a call without credentials: the first is recorded
// as a failure, the second never reaches a tool and leaves no entry.
func TestAuditRejectedCalls(t *testing.T) {
	e := auditEnv(t)
	if _, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "noSuchTool"}); err == nil {
		t.Fatal("unknown tool: no error")
	}
	// It started nothing: its operation is UNKNOWN, not a process tool's CREATE.
	if got := e.audit(toolFilter("noSuchTool")); len(got) != 1 || got[0]["result"] != "FAIL" || got[0]["operationType"] != "UNKNOWN" {
		t.Fatalf("unknown tool entries: %v", got)
	}
	res, body := rpc(t, e.url+mcpgw.PathCluster, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getTopology","arguments":{}}}`,
		map[string]string{"MCP-Protocol-Version": "2025-11-25"})
	if res.StatusCode != 401 {
		t.Fatalf("unauthenticated call: %d %s", res.StatusCode, body)
	}
	// A later read's entry is committed after any earlier one's.
	e.okText("getClusterStatus", nil)
	e.auditN(toolFilter("getClusterStatus"), 1)
	if got := e.audit(toolFilter("getTopology")); len(got) != 0 {
		t.Fatalf("an unauthenticated call was recorded: %v", got)
	}
}

// A huge argument: its size is recorded, its content is not.
func TestAuditHugeArgument(t *testing.T) {
	e := auditEnv(t)
	huge := strings.Repeat("x", 3<<20)
	res := e.call("getProcessInstance", map[string]any{"processInstanceKey": "1", "junk": huge})
	if !res.IsError {
		t.Fatal("an unknown argument was accepted")
	}
	got := e.auditN(toolFilter("getProcessInstance"), 1)
	b, _ := json.Marshal(got[0])
	d, _ := got[0]["entityDescription"].(string)
	var size int
	fmt.Sscanf(strings.TrimPrefix(d, "/mcp/cluster: "), "%d", &size)
	if size < 3<<20 || len(b) > 4096 || got[0]["result"] != "FAIL" {
		t.Fatalf("entry (%d bytes): %s", len(b), b[:min(len(b), 600)])
	}
}

// 50 concurrent calls, two of them by clients that hang up mid-call: every
// call has exactly one entry. The two hang up once their call is running
// (their instance exists): a client that gives up before its request
// arrives made no call, and has no entry.
func TestAuditConcurrentCalls(t *testing.T) {
	e := auditEnv(t)
	e.deploy()
	const n = 50
	var wg sync.WaitGroup
	errs := make(chan error, n)
	hangUp, cancelAbandoned := context.WithCancel(context.Background())
	defer cancelAbandoned()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs := e.cs
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if i < 2 {
				// Waits for a signal that never comes; the client gives up.
				cs.CallTool(hangUp, &mcp.CallToolParams{Name: "createProcessInstance", Arguments: map[string]any{
					"processDefinitionId": "payment", "awaitCompletion": true, "requestTimeout": 3000}})
				return
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "createProcessInstance", Arguments: map[string]any{"processDefinitionId": "quick"}})
			if err != nil || res.IsError {
				errs <- fmt.Errorf("call %d: %v %v", i, err, res)
			}
		}()
	}
	waiting := map[string]any{"filter": map[string]any{"processDefinitionId": "payment"}}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if status, m := e.rest("POST", "/v2/process-instances/search", waiting); status == 200 && len(items(m)) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the two abandoned calls never started their instances")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancelAbandoned()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The two abandoned calls end when their request does; their entries
	// follow.
	got := e.auditN(map[string]any{"filter": map[string]any{"inboundChannelToolName": "createProcessInstance"}, "page": map[string]any{"limit": 1000}}, n)
	keys := map[any]bool{}
	for _, it := range got {
		keys[it["auditLogKey"]] = true
	}
	if len(keys) != n {
		t.Fatalf("%d distinct entries for %d calls", len(keys), n)
	}
}
