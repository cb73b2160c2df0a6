package mcpgw_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/mcpgw"
)

// tasksClient is a go-sdk client that declares the tasks extension.
func (e *env) tasksClient(t *testing.T, path string) *mcp.ClientSession {
	t.Helper()
	caps := &mcp.ClientCapabilities{}
	caps.AddExtension("io.modelcontextprotocol/tasks", nil)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "orca-tasks-test", Version: "1"}, &mcp.ClientOptions{Capabilities: caps}).
		Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: e.url + path}, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// startTask calls a tool that must answer a task handle, and returns its id.
func startTask(t *testing.T, cs *mcp.ClientSession, name string, args any) string {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	rel, _ := res.Meta["io.modelcontextprotocol/related-task"].(map[string]any)
	id, _ := rel["taskId"].(string)
	if id == "" || len(res.Content) != 0 || res.IsError {
		b, _ := json.Marshal(res)
		t.Fatalf("%s: no task handle: %s", name, b)
	}
	return id
}

// taskRPC sends one of the extension's methods (go-sdk v1.8.0 has no
// client API for them) and returns the result or the error.
func taskRPC(t *testing.T, url, method, taskID string) (result, rpcErr map[string]any) {
	t.Helper()
	return taskRPCAs(t, url, method, taskID, "")
}

// taskRPCAs is taskRPC with an Authorization header (none when empty).
func taskRPCAs(t *testing.T, url, method, taskID, authorization string) (result, rpcErr map[string]any) {
	t.Helper()
	header := map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": method}
	if authorization != "" {
		header["Authorization"] = authorization
	}
	params, _ := json.Marshal(map[string]any{"taskId": taskID, "_meta": map[string]any{
		"io.modelcontextprotocol/protocolVersion":    "2026-07-28",
		"io.modelcontextprotocol/clientCapabilities": map[string]any{"extensions": map[string]any{"io.modelcontextprotocol/tasks": map[string]any{}}}}})
	res, body := rpc(t, url, `{"jsonrpc":"2.0","id":7,"method":"`+method+`","params":`+string(params)+`}`, header)
	if res.StatusCode != 200 {
		t.Fatalf("%s: HTTP %d %s", method, res.StatusCode, body)
	}
	var out struct {
		ID     json.RawMessage
		Result map[string]any
		Error  map[string]any
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || string(out.ID) != "7" {
		t.Fatalf("%s: %s", method, body)
	}
	return out.Result, out.Error
}

func taskGet(t *testing.T, url, id string) map[string]any {
	t.Helper()
	res, rerr := taskRPC(t, url, "tasks/get", id)
	if rerr != nil || res["taskId"] != id || res["resultType"] != "complete" {
		t.Fatalf("tasks/get: %v %v", res, rerr)
	}
	return res
}

// createProcessInstance with awaitCompletion runs as a task for a client
// that declares the extension: a handle at once, working while the
// instance waits, completed with its variables (fetchVariables) when it
// ends; the handle survives the client and the gateway.
func TestTasksAwaitCompletion(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deploy()
	cs := e.tasksClient(t, mcpgw.PathCluster)
	id := startTask(t, cs, "createProcessInstance", map[string]any{"processDefinitionId": "payment", "awaitCompletion": true,
		"requestTimeout": 1000, "variables": map[string]any{"orderId": "o-7", "secret": 1}, "fetchVariables": []string{"orderId", "amount"}})
	cs.Close() // the client goes away; the task does not

	url := e.url + mcpgw.PathCluster
	if got := taskGet(t, url, id); got["status"] != "working" || got["result"] != nil || got["pollIntervalMs"] == nil {
		t.Fatalf("running task: %v", got)
	}
	e.ok("publishMessage", map[string]any{"name": "payment-received", "correlationKey": "o-7", "variables": map[string]any{"amount": 12}})
	if got := taskGet(t, url, id); got["status"] != "working" {
		t.Fatalf("task after the message: %v", got)
	}
	e.ok("broadcastSignal", map[string]any{"signalName": "go"})

	// A second gateway on the same cluster (a restart) knows the task.
	gw2, err := mcpgw.New(e.api, mcpgw.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	gw2.Register(mux, nil)
	hs2 := httptest.NewServer(mux)
	defer hs2.Close()
	got := taskGet(t, hs2.URL+mcpgw.PathCluster, id)
	res, _ := got["result"].(map[string]any)
	sc, _ := res["structuredContent"].(map[string]any)
	vars, _ := sc["variables"].(map[string]any)
	if got["status"] != "completed" || sc["processDefinitionId"] != "payment" || len(vars) != 2 || vars["orderId"] != "o-7" || vars["amount"] != float64(12) {
		t.Fatalf("completed task: %v", got)
	}
	if c, _ := res["content"].([]any); len(c) != 1 {
		t.Fatalf("completed task's result has no text content: %v", res)
	}

	// A client without the extension waits as before.
	quick := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "quick", "awaitCompletion": true})
	if quick["variables"] == nil {
		t.Fatalf("awaitCompletion without tasks: %v", quick)
	}
	// Without awaitCompletion there is nothing to wait for: no task.
	res2, err := e.tasksClient(t, mcpgw.PathCluster).CallTool(context.Background(), &mcp.CallToolParams{Name: "createProcessInstance",
		Arguments: map[string]any{"processDefinitionId": "quick"}})
	if err != nil || res2.IsError || res2.StructuredContent == nil {
		t.Fatalf("createProcessInstance without awaitCompletion: %v %v", res2, err)
	}
}

// tasks/cancel cancels the instance; an instance cancelled through the
// REST API reads as a cancelled task; unknown ids are JSON-RPC errors.
func TestTasksCancel(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deploy()
	cs := e.tasksClient(t, mcpgw.PathCluster)
	url := e.url + mcpgw.PathCluster
	args := map[string]any{"processDefinitionId": "payment", "awaitCompletion": true, "variables": map[string]any{"orderId": "o-1"}}

	id := startTask(t, cs, "createProcessInstance", args)
	if res, rerr := taskRPC(t, url, "tasks/cancel", id); rerr != nil || res["resultType"] != "complete" {
		t.Fatalf("tasks/cancel: %v %v", res, rerr)
	}
	if got := taskGet(t, url, id); got["status"] != "cancelled" {
		t.Fatalf("cancelled task: %v", got)
	}
	if res, rerr := taskRPC(t, url, "tasks/cancel", id); rerr != nil || res["resultType"] != "complete" {
		t.Fatalf("tasks/cancel again: %v %v", res, rerr)
	}

	if *backend == "embedded" {
		got := items(e.restPost("/v2/audit-logs/search", map[string]any{"filter": map[string]any{"inboundChannelToolName": "tasks/cancel"}}))
		if len(got) != 1 || got[0]["operationType"] != "CANCEL" || got[0]["result"] != "SUCCESS" || got[0]["processInstanceKey"] == nil {
			t.Fatalf("audit of tasks/cancel: %v", got)
		}
	}

	id2 := startTask(t, cs, "createProcessInstance", args)
	pi := taskInstance(t, e, id2)
	res, err := http.Post(e.url+"/v2/process-instances/"+pi+"/cancellation", "application/json", strings.NewReader(`{}`))
	if err != nil || res.StatusCode != 204 {
		t.Fatalf("REST cancel: %v %v", res, err)
	}
	if got := taskGet(t, url, id2); got["status"] != "cancelled" {
		t.Fatalf("task of an instance cancelled by REST: %v", got)
	}

	// Without the extension declared, the methods are refused.
	_, body := rpc(t, url, `{"jsonrpc":"2.0","id":8,"method":"tasks/get","params":{"taskId":"`+id+`"}}`, map[string]string{"MCP-Protocol-Version": "2026-07-28"})
	if !strings.Contains(body, `"code":-32021`) || !strings.Contains(body, "io.modelcontextprotocol/tasks") {
		t.Errorf("tasks/get without the extension: %s", body)
	}
	// Routing headers that name another task are refused (SEP-2243).
	res2, body2 := rpc(t, url, `{"jsonrpc":"2.0","id":9,"method":"tasks/get","params":{"taskId":"`+id+`","_meta":{"io.modelcontextprotocol/clientCapabilities":{"extensions":{"io.modelcontextprotocol/tasks":{}}}}}}`,
		map[string]string{"MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tasks/get", "Mcp-Name": "orca-other"})
	if res2.StatusCode != 400 || !strings.Contains(body2, `"code":-32020`) {
		t.Errorf("mismatched Mcp-Name: %d %s", res2.StatusCode, body2)
	}
	for _, bad := range []string{"nonsense", "orca-" + strings.Repeat("A", 20), "orca-eyJpIjoiOTk5OTkiLCJ0IjoieCJ9"} {
		for _, m := range []string{"tasks/get", "tasks/cancel", "tasks/update"} {
			if res, rerr := taskRPC(t, url, m, bad); rerr == nil || rerr["code"] != float64(-32602) {
				t.Errorf("%s %q: %v %v", m, bad, res, rerr)
			}
		}
	}
}

// taskInstance finds the instance of a task through the instances the
// tool started (the task id is opaque to clients).
func taskInstance(t *testing.T, e *env, id string) string {
	t.Helper()
	got := taskGet(t, e.url+mcpgw.PathCluster, id)
	if got["status"] != "working" {
		t.Fatalf("task %v", got)
	}
	items := items(e.ok("searchProcessInstances", map[string]any{"filter": map[string]any{"processDefinitionId": "payment", "state": "ACTIVE"}}))
	if len(items) != 1 {
		t.Fatalf("active payment instances: %v", items)
	}
	return items[0]["processInstanceKey"].(string)
}

// A process tool of /mcp/processes runs as a task: completed with the
// instance's variables once the process ends.
func TestTasksProcessTool(t *testing.T) {
	e := newEnv(t, envOptions{processes: true})
	e.restDeploy("order.bpmn", toolBPMN("order", "order-start", "io.camunda.tool:name", "place_order"))
	cs := e.tasksClient(t, mcpgw.PathProcesses)
	id := startTask(t, cs, "place_order", map[string]any{"orderId": "o-9"})
	url := e.url + mcpgw.PathProcesses
	if got := taskGet(t, url, id); got["status"] != "working" {
		t.Fatalf("running task: %v", got)
	}
	e.ok("publishMessage", map[string]any{"name": "order-start-done", "correlationKey": "o-9", "variables": map[string]any{"total": 30}})
	got := taskGet(t, url, id)
	sc, _ := got["result"].(map[string]any)["structuredContent"].(map[string]any)
	vars, _ := sc["variables"].(map[string]any)
	if got["status"] != "completed" || sc["processInstanceKey"] == nil || vars["orderId"] != "o-9" || vars["total"] != float64(30) {
		t.Fatalf("completed task: %v", got)
	}
	// A static tool is never a task.
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "searchIncidents", Arguments: map[string]any{}})
	if err != nil || res.IsError || res.StructuredContent == nil {
		t.Fatalf("searchIncidents: %v %v", res, err)
	}
}

// taskCall sends one of the extension's methods with more params, as a
// client that can elicit.
func taskCall(t *testing.T, url, method string, params map[string]any) (result, rpcErr map[string]any) {
	t.Helper()
	params["_meta"] = map[string]any{"io.modelcontextprotocol/protocolVersion": "2026-07-28",
		"io.modelcontextprotocol/clientCapabilities": map[string]any{"elicitation": map[string]any{},
			"extensions": map[string]any{"io.modelcontextprotocol/tasks": map[string]any{}}}}
	b, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 11, "method": method, "params": params})
	res, body := rpc(t, url, string(b), map[string]string{"MCP-Protocol-Version": "2026-07-28"})
	var out struct {
		Result map[string]any
		Error  map[string]any
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil || res.StatusCode != 200 {
		t.Fatalf("%s: %d %s", method, res.StatusCode, body)
	}
	return out.Result, out.Error
}

// A task whose instance waits at a user task with a form is
// input_required for a client that can elicit: the form is the input
// request, and the answer in tasks/update completes the user task.
func TestTasksAskForm(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, f := range []string{"review.form", "review.bpmn"} {
		e.ok("deployResource", map[string]any{"resourceName": f, "resource": readFile(t, "testdata/"+f)})
	}
	cs := e.tasksClient(t, mcpgw.PathCluster)
	id := startTask(t, cs, "createProcessInstance", map[string]any{"processDefinitionId": "review", "awaitCompletion": true})
	url := e.url + mcpgw.PathCluster
	if got := taskGet(t, url, id); got["status"] != "working" {
		t.Fatalf("a client that cannot elicit sees %v", got)
	}
	got, rerr := taskCall(t, url, "tasks/get", map[string]any{"taskId": id})
	reqs, _ := got["inputRequests"].(map[string]any)
	if rerr != nil || got["status"] != "input_required" || len(reqs) != 1 {
		t.Fatalf("input_required task: %v %v", got, rerr)
	}
	var key string
	var ask map[string]any
	for k, v := range reqs {
		key, ask = k, v.(map[string]any)
	}
	props, _ := ask["params"].(map[string]any)["requestedSchema"].(map[string]any)["properties"].(map[string]any)
	if ask["method"] != "elicitation/create" || props["comment"] == nil || !strings.HasPrefix(key, "userTask-") {
		t.Fatalf("input request %s: %v", key, ask)
	}
	// A declined form leaves the user task open.
	if res, rerr := taskCall(t, url, "tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{key: map[string]any{"action": "decline"}}}); rerr != nil || res["resultType"] != "complete" {
		t.Fatalf("tasks/update decline: %v %v", res, rerr)
	}
	// It is asked again under a new key (the extension forbids reusing
	// one), and a restarted gateway asks under the same new key.
	askedKey := func(url string) string {
		t.Helper()
		got, rerr := taskCall(t, url, "tasks/get", map[string]any{"taskId": id})
		reqs, _ := got["inputRequests"].(map[string]any)
		if rerr != nil || got["status"] != "input_required" || len(reqs) != 1 {
			t.Fatalf("input_required task: %v %v", got, rerr)
		}
		for k := range reqs {
			return k
		}
		return ""
	}
	key2 := askedKey(url)
	if key2 == key || !strings.HasPrefix(key2, key) {
		t.Fatalf("after a refusal the form is asked under %q, first asked under %q", key2, key)
	}
	gw2, err := mcpgw.New(e.api, mcpgw.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	gw2.Register(mux, nil)
	hs2 := httptest.NewServer(mux)
	defer hs2.Close()
	url2 := hs2.URL + mcpgw.PathCluster
	if k := askedKey(url2); k != key2 {
		t.Fatalf("after a restart the form is asked under %q, before under %q", k, key2)
	}
	// An answer under the refused key is no longer outstanding: ignored.
	if res, rerr := taskCall(t, url2, "tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{
		key: map[string]any{"action": "accept", "content": map[string]any{"comment": "stale"}}}}); rerr != nil || res["resultType"] != "complete" {
		t.Fatalf("tasks/update under the old key: %v %v", res, rerr)
	}
	if k := askedKey(url2); k != key2 {
		t.Fatalf("after an answer under the old key: asked under %q", k)
	}
	// A second refusal: a third key.
	taskCall(t, url2, "tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{key2: map[string]any{"action": "cancel"}}})
	key3 := askedKey(url2)
	if key3 == key || key3 == key2 {
		t.Fatalf("after a second refusal the form is asked under %q (before %q, %q)", key3, key, key2)
	}
	res, rerr := taskCall(t, url, "tasks/update", map[string]any{"taskId": id, "inputResponses": map[string]any{
		key3: map[string]any{"action": "accept", "content": map[string]any{"comment": "all good", "approved": true}}}})
	if rerr != nil || res["resultType"] != "complete" {
		t.Fatalf("tasks/update: %v %v", res, rerr)
	}
	got, _ = taskCall(t, url, "tasks/get", map[string]any{"taskId": id})
	sc, _ := got["result"].(map[string]any)["structuredContent"].(map[string]any)
	vars, _ := sc["variables"].(map[string]any)
	if got["status"] != "completed" || vars["comment"] != "all good" || vars["approved"] != true || len(vars) != 2 {
		t.Fatalf("completed task: %v", got)
	}
}

// A task survives a restart of Orca (engine and gateway) with its
// instance: the id read before the restart reads after it, and the
// instance completes into the task's result.
func TestTasksSurviveRestart(t *testing.T) {
	if *backend == "remote" {
		t.Skip("restarts the embedded engine")
	}
	dir := t.TempDir()
	start := func() (string, cluster.API, func()) {
		eng, err := engine.Open(context.Background(), engine.Options{DataDir: dir, Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
		gw, err := mcpgw.New(api, mcpgw.Options{Version: "test"})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		gw.Register(mux, nil)
		hs := httptest.NewServer(mux)
		return hs.URL, api, func() { hs.Close(); eng.Close() }
	}
	url, _, stop := start()
	e := &env{t: t, url: url}
	e.cs = e.connect(t, &mcp.StreamableClientTransport{Endpoint: url + mcpgw.PathCluster})
	e.deploy()
	id := startTask(t, e.tasksClient(t, mcpgw.PathCluster), "createProcessInstance", map[string]any{"processDefinitionId": "payment",
		"awaitCompletion": true, "variables": map[string]any{"orderId": "r-1"}})
	e.cs.Close()
	stop()

	url, _, stop = start()
	defer stop()
	if got := taskGet(t, url+mcpgw.PathCluster, id); got["status"] != "working" {
		t.Fatalf("after the restart: %v", got)
	}
	e = &env{t: t, url: url}
	e.cs = e.connect(t, &mcp.StreamableClientTransport{Endpoint: url + mcpgw.PathCluster})
	defer e.cs.Close()
	e.ok("publishMessage", map[string]any{"name": "payment-received", "correlationKey": "r-1"})
	e.ok("broadcastSignal", map[string]any{"signalName": "go"})
	if got := taskGet(t, url+mcpgw.PathCluster, id); got["status"] != "completed" {
		t.Fatalf("completed after the restart: %v", got)
	}
}

// With authentication, a task is its creator's: another user who may read
// the instance gets "unknown task" from tasks/get, tasks/update and
// tasks/cancel (and the instance is not cancelled), before and after a
// restart of Orca; the creator keeps the task across the restart.
func TestTasksBoundToPrincipal(t *testing.T) {
	if *backend == "remote" {
		t.Skip("restarts the embedded engine")
	}
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodBasic,
		Users: []auth.User{{Username: "alice", Password: "a-pw"}, {Username: "bob", Password: "b-pw"}}})
	if err != nil {
		t.Fatal(err)
	}
	alice := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:a-pw"))
	bob := "Basic " + base64.StdEncoding.EncodeToString([]byte("bob:b-pw"))
	dir := t.TempDir()
	start := func() (string, func()) {
		eng, err := engine.Open(context.Background(), engine.Options{DataDir: dir, Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		secret, err := mcpgw.TaskSecret(dir)
		if err != nil {
			t.Fatal(err)
		}
		gw, err := mcpgw.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), mcpgw.Options{Version: "test", TaskSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		gw.Register(mux, a.Wrap)
		hs := httptest.NewServer(mux)
		return hs.URL, func() { hs.Close(); eng.Close() }
	}
	url, stop := start()
	connect := func(authorization string, caps *mcp.ClientCapabilities) *mcp.ClientSession {
		t.Helper()
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "orca-test", Version: "1"}, &mcp.ClientOptions{Capabilities: caps}).Connect(context.Background(),
			&mcp.StreamableClientTransport{Endpoint: url + mcpgw.PathCluster, HTTPClient: &http.Client{Transport: headerTransport{"Authorization", authorization}}}, nil)
		if err != nil {
			t.Fatalf("connect: %v", err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	e := &env{t: t, url: url, cs: connect(alice, nil)}
	e.deploy()
	caps := &mcp.ClientCapabilities{}
	caps.AddExtension("io.modelcontextprotocol/tasks", nil)
	args := map[string]any{"processDefinitionId": "payment", "awaitCompletion": true, "variables": map[string]any{"orderId": "b-1"}}
	id := startTask(t, connect(alice, caps), "createProcessInstance", args)
	bobs := startTask(t, connect(bob, caps), "createProcessInstance", args)

	refused := func(url, id, who string) {
		t.Helper()
		for _, m := range []string{"tasks/get", "tasks/update", "tasks/cancel"} {
			res, rerr := taskRPCAs(t, url, m, id, who)
			if rerr == nil || rerr["code"] != float64(-32602) || !strings.HasPrefix(rerr["message"].(string), "Unknown task") {
				t.Fatalf("%s of another's task: %v %v", m, res, rerr)
			}
		}
	}
	owned := func(url, id, who, status string) {
		t.Helper()
		res, rerr := taskRPCAs(t, url, "tasks/get", id, who)
		if rerr != nil || res["taskId"] != id || res["status"] != status {
			t.Fatalf("tasks/get of one's own task: %v %v", res, rerr)
		}
	}
	refused(url+mcpgw.PathCluster, id, bob)
	refused(url+mcpgw.PathCluster, bobs, alice)
	owned(url+mcpgw.PathCluster, id, alice, "working") // bob's cancel did nothing
	owned(url+mcpgw.PathCluster, bobs, bob, "working")
	// Both may read the instances: the refusal is the task's, not the instance's.
	if got := items(e.ok("searchProcessInstances", map[string]any{"filter": map[string]any{"state": "ACTIVE"}})); len(got) != 2 {
		t.Fatalf("active instances: %v", got)
	}
	// A forged id naming alice's instance without her binding is unknown.
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(id, "orca-"))
	var ref map[string]any
	json.Unmarshal(raw, &ref)
	delete(ref, "m")
	forged, _ := json.Marshal(ref)
	refused(url+mcpgw.PathCluster, "orca-"+base64.RawURLEncoding.EncodeToString(forged), bob)
	refused(url+mcpgw.PathCluster, "orca-"+base64.RawURLEncoding.EncodeToString(forged), alice)
	stop()

	url, stop = start()
	defer stop()
	refused(url+mcpgw.PathCluster, id, bob)
	owned(url+mcpgw.PathCluster, id, alice, "working")
	if res, rerr := taskRPCAs(t, url+mcpgw.PathCluster, "tasks/cancel", id, alice); rerr != nil || res["resultType"] != "complete" {
		t.Fatalf("tasks/cancel of one's own task after the restart: %v %v", res, rerr)
	}
	owned(url+mcpgw.PathCluster, id, alice, "cancelled")
	owned(url+mcpgw.PathCluster, bobs, bob, "working")
}

// The task secret is made once and read back the same; a short file is
// refused rather than trusted.
func TestTaskSecret(t *testing.T) {
	dir := t.TempDir()
	s1, err := mcpgw.TaskSecret(dir)
	if err != nil || len(s1) != 32 {
		t.Fatalf("first: %d bytes, %v", len(s1), err)
	}
	s2, err := mcpgw.TaskSecret(dir)
	if err != nil || string(s1) != string(s2) {
		t.Fatalf("read back: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, mcpgw.TaskSecretFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", fi, err)
	}
	os.WriteFile(filepath.Join(dir, mcpgw.TaskSecretFile), []byte("short"), 0o600)
	if _, err := mcpgw.TaskSecret(dir); err == nil {
		t.Fatal("a short secret was accepted")
	}
}
