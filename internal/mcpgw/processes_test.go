package mcpgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/mcpgw"
)

// toolBPMN is a process started by a message start event; props are the
// start event's zeebe:properties (name → value, in order), none for a
// plain message start event. The process waits in a receive task.
func toolBPMN(id, message string, props ...string) []byte {
	ext := ""
	if len(props) > 0 {
		var b strings.Builder
		for i := 0; i+1 < len(props); i += 2 {
			fmt.Fprintf(&b, `<zeebe:property name="%s" value="%s" />`, props[i], props[i+1])
		}
		ext = `<bpmn:extensionElements><zeebe:properties>` + b.String() + `</zeebe:properties></bpmn:extensionElements>`
	}
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:process id="%[1]s" name="%[1]s" isExecutable="true">
    <bpmn:startEvent id="start" zeebe:modelerTemplate="io.camunda.mcp.start-message">%[3]s<bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:receiveTask id="wait" messageRef="w" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:message id="m" name="%[2]s" />
  <bpmn:message id="w" name="%[2]s-done"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>`, id, message, ext)
}

// restDeploy deploys a BPMN file with POST /v2/deployments.
func (e *env) restDeploy(name string, xml []byte) {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("resources", name)
	fw.Write(xml)
	mw.Close()
	res, err := http.Post(e.url+"/v2/deployments", mw.FormDataContentType(), &buf)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if b, _ := io.ReadAll(res.Body); res.StatusCode != 200 {
		e.t.Fatalf("deploy %s: %d %s", name, res.StatusCode, b)
	}
}

// restPost posts JSON to the REST API and decodes the answer.
func (e *env) restPost(path string, body any) map[string]any {
	e.t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(e.url+path, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil || res.StatusCode != 200 {
		e.t.Fatalf("POST %s: %d %v %v", path, res.StatusCode, err, m)
	}
	return m
}

// openToolKeys are the keys of the open start event subscriptions with a
// tool name, as the REST API's search (Camunda 8.10) returns them.
func (e *env) openToolKeys() map[string]string {
	e.t.Helper()
	res := e.restPost("/v2/message-subscriptions/search", map[string]any{"filter": map[string]any{
		"messageSubscriptionType": "START_EVENT", "messageSubscriptionState": map[string]any{"$neq": "DELETED"},
		"toolName": map[string]any{"$exists": true}}})
	keys := map[string]string{}
	for _, it := range items(res) {
		keys[it["toolName"].(string)] = it["messageSubscriptionKey"].(string)
	}
	return keys
}

func listTools(t *testing.T, cs *mcp.ClientSession) map[string]*mcp.Tool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatalf("tools/list: %v", err)
	}
	out := map[string]*mcp.Tool{}
	for _, tl := range res.Tools {
		out[tl.Name] = tl
	}
	return out
}

func names(tools map[string]*mcp.Tool) []string {
	var out []string
	for n := range tools {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// callErr calls a tool that must fail with a JSON-RPC error.
func callErr(t *testing.T, cs *mcp.ClientSession, name string) *jsonrpc.Error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: map[string]any{}})
	var je *jsonrpc.Error
	if !errors.As(err, &je) {
		t.Fatalf("%s: want a JSON-RPC error, got %v %+v", name, err, res)
	}
	return je
}

func processesEnv(t *testing.T) (*env, *mcp.ClientSession) {
	e := newEnv(t, envOptions{processes: true})
	return e, e.connect(t, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathProcesses})
}

// Camunda 8.10's Processes MCP server, over real HTTP with the go-sdk client.
func TestProcessesServer(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	if got := cs.InitializeResult().ServerInfo.Name; got != mcpgw.ProcessesServerName {
		t.Errorf("server name %q", got)
	}

	// Static tools only, before anything is deployed. (Each process tool
	// also has its stable name, TestProcessesStableNames.)
	static := []string{"getProcessInstance", "searchIncidents", "searchVariables"}
	if got := names(listTools(t, cs)); !slices.Equal(got, static) {
		t.Fatalf("tools before deploying: %v", got)
	}

	// Two annotated processes and one plain message start event.
	e.restDeploy("order.bpmn", toolBPMN("order", "order-start",
		"io.camunda.tool:name", "place_order",
		"io.camunda.tool:purpose", "Places an order.",
		"io.camunda.tool:inputs", "orderId: the order's id.",
		"io.camunda.tool:when_to_use", "When the cart is complete.",
		"io.camunda.tool:when_not_to_use", "For cancellations.",
		"io.camunda.tool:results", "The order number."))
	e.restDeploy("refund.bpmn", toolBPMN("refund", "refund-start",
		"io.camunda.tool:name", "refund", "io.camunda.tool:purpose", "Refunds an order."))
	e.restDeploy("plain.bpmn", toolBPMN("plain", "plain-start"))

	keys := e.openToolKeys()
	if len(keys) != 2 {
		t.Fatalf("open tool subscriptions: %v", keys)
	}
	orderTool, refundTool := "place_order_"+keys["place_order"], "refund_"+keys["refund"]
	tools := listTools(t, cs)
	if want := append([]string{orderTool, refundTool, "place_order", "refund"}, static...); !sameSet(names(tools), want) {
		t.Fatalf("tools: %v, want %v", names(tools), want)
	}
	order := tools[orderTool]
	if order.Title != "place_order" {
		t.Errorf("title %q", order.Title)
	}
	wantDesc := "Places an order.\n\n## Inputs\norderId: the order's id.\n\n## When to use\nWhen the cart is complete.\n\n" +
		"## When not to use\nFor cancellations.\n\n## Results\nThe order number."
	if order.Description != wantDesc {
		t.Errorf("description %q, want %q", order.Description, wantDesc)
	}
	if d := tools[refundTool].Description; d != "Refunds an order." {
		t.Errorf("a tool with only a purpose: %q", d)
	}
	in, _ := json.Marshal(order.InputSchema)
	if want := `{"properties":{"businessId":{"description":"Optional business id that enforces uniqueness of the started process instance. ` +
		`While another instance of this process started with the same business id is active, starting another one is rejected. ` +
		`All other arguments are passed as process variables.","type":"string"}},"type":"object"}`; string(in) != want {
		t.Errorf("input schema %s", in)
	}
	out, _ := json.Marshal(order.OutputSchema)
	if want := `{"properties":{"processInstanceKey":{"description":"The key of the started process instance. Use this to investigate ` +
		`the state of the started instance.","format":"int64","type":"integer"}},"required":["processInstanceKey"],"type":"object"}`; string(out) != want {
		t.Errorf("output schema %s", out)
	}

	// A call starts an instance; the arguments but businessId are its variables.
	ctx := context.Background()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: orderTool, Arguments: map[string]any{
		"orderId": "o-1", "amount": 42, "items": []any{"a", "b"}, "businessId": "B-7"}})
	if err != nil || res.IsError {
		t.Fatalf("call: %v %s", err, text(res))
	}
	var started struct {
		ProcessInstanceKey json.Number `json:"processInstanceKey"`
	}
	b, _ := json.Marshal(res.StructuredContent)
	if err := json.Unmarshal(b, &started); err != nil || started.ProcessInstanceKey == "" || strings.Contains(string(b), `"processInstanceKey":"`) {
		t.Fatalf("structured content %s: want the key as a number", b)
	}
	if text(res) != string(b) {
		t.Errorf("text %q differs from the structured content %s", text(res), b)
	}
	pi := started.ProcessInstanceKey.String()

	// getProcessInstance and searchVariables on the same endpoint.
	e.cs = cs
	inst := e.ok("getProcessInstance", map[string]any{"processInstanceKey": pi})
	if inst["state"] != "ACTIVE" || inst["processDefinitionId"] != "order" || inst["businessId"] != "B-7" {
		t.Errorf("getProcessInstance: %v", inst)
	}
	vars := e.ok("searchVariables", map[string]any{"filter": map[string]any{"processInstanceKey": pi}, "sort": []any{map[string]any{"field": "name"}}})
	var got []string
	for _, v := range items(vars) {
		got = append(got, fmt.Sprintf("%v=%v", v["name"], v["value"]))
	}
	if want := []string{"amount=42", `items=["a","b"]`, `orderId="o-1"`}; !slices.Equal(got, want) {
		t.Errorf("variables %v, want %v", got, want)
	}
	if incs := e.ok("searchIncidents", map[string]any{"filter": map[string]any{"processInstanceKey": pi}}); len(items(incs)) != 0 {
		t.Errorf("incidents: %v", incs)
	}
	// A second call starts a second instance (a fresh correlation key each time).
	second := e.ok(orderTool, map[string]any{"orderId": "o-2"})
	if numKey(second["processInstanceKey"]) == pi {
		t.Errorf("the second call answered the first instance")
	}
	// A businessId that is no string starts nothing.
	e.invalid(orderTool, map[string]any{"businessId": 5}, "businessId: must be a string.")

	// Unknown tools.
	for _, name := range []string{"nothing", "place_order_12345", "place_order_x"} {
		je := callErr(t, cs, name)
		if je.Code != jsonrpc.CodeInvalidParams || je.Message != "Unknown tool: invalid_tool_name" || string(je.Data) != `"Tool not found: `+name+`"` {
			t.Errorf("%s: %d %q %s", name, je.Code, je.Message, je.Data)
		}
	}

	// A new version with the tool supersedes the old one: a new key, and
	// the old name answers that it was removed.
	e.restDeploy("order.bpmn", toolBPMN("order", "order-start", "io.camunda.tool:name", "place_order", "io.camunda.tool:purpose", "Places an order, v2."))
	keys2 := e.openToolKeys()
	orderTool2 := "place_order_" + keys2["place_order"]
	if orderTool2 == orderTool {
		t.Fatalf("the new version kept the key %s", orderTool)
	}
	tools = listTools(t, cs)
	if want := append([]string{orderTool2, refundTool, "place_order", "refund"}, static...); !sameSet(names(tools), want) {
		t.Fatalf("after redeploying: %v, want %v", names(tools), want)
	}
	if d := tools[orderTool2].Description; d != "Places an order, v2." {
		t.Errorf("the latest version's description: %q", d)
	}
	stale := callErr(t, cs, orderTool)
	if stale.Code != jsonrpc.CodeInvalidParams || string(stale.Data) != `"Tool `+orderTool+` has been removed. Please refresh the tool list."` {
		t.Errorf("stale tool: %d %q %s", stale.Code, stale.Message, stale.Data)
	}
	v2 := e.ok(orderTool2, map[string]any{"orderId": "o-3"})
	if inst := e.ok("getProcessInstance", map[string]any{"processInstanceKey": numKey(v2["processInstanceKey"])}); inst["processDefinitionVersion"] != 2.0 {
		t.Errorf("the new tool started %v", inst)
	}

	// A version without the annotation removes the tool.
	e.restDeploy("refund.bpmn", toolBPMN("refund", "refund-start"))
	if got := names(listTools(t, cs)); !sameSet(got, append([]string{orderTool2, "place_order"}, static...)) {
		t.Errorf("after removing the annotation: %v", got)
	}
	if je := callErr(t, cs, refundTool); !strings.Contains(string(je.Data), "has been removed. Please refresh the tool list.") {
		t.Errorf("removed tool: %s", je.Data)
	}
	// The Camunda tools are not on /mcp/processes.
	if je := callErr(t, cs, "createProcessInstance"); string(je.Data) != `"Tool not found: createProcessInstance"` {
		t.Errorf("createProcessInstance on /mcp/processes: %s", je.Data)
	}
}

// A call of a name a client cached before the process was redeployed must
// not start the new version, even when the server has not listed since.
func TestProcessesStaleCallBeforeList(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	e.restDeploy("a.bpmn", toolBPMN("a", "a-start", "io.camunda.tool:name", "a"))
	tool := "a_" + e.openToolKeys()["a"]
	listTools(t, cs)
	e.restDeploy("a.bpmn", toolBPMN("a", "a-start", "io.camunda.tool:name", "a", "io.camunda.tool:purpose", "v2"))
	if je := callErr(t, cs, tool); !strings.Contains(string(je.Data), "has been removed") {
		t.Fatalf("stale call: %s", je.Data)
	}
	res := e.restPost("/v2/process-instances/search", map[string]any{})
	if n := len(items(res)); n != 0 {
		t.Errorf("a stale call started %d instances", n)
	}
}

// /mcp/processes has the authentication of /v2 and /mcp/cluster; without
// the switch it is not served.
func TestProcessesAuthAndSwitch(t *testing.T) {
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodBasic, Users: []auth.User{{Username: "demo", Password: "demo"}}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{auth: a, noClient: true, processes: true})
	post := func(user string, body ...string) *http.Response {
		msg := `{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{}}`
		if len(body) > 0 {
			msg = body[0]
		}
		req := jsonRPCRequest(context.Background(), e.url+mcpgw.PathProcesses, msg, "2025-11-25")
		if user != "" {
			req.SetBasicAuth(user, "demo")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(b))
		return res
	}
	if res := post(""); res.StatusCode != 401 {
		t.Errorf("without credentials: %d", res.StatusCode)
	}
	if res := post("demo"); res.StatusCode != 200 {
		t.Errorf("with credentials: %d", res.StatusCode)
	}
	// A malformed request is a JSON-RPC error, as on /mcp/cluster.
	res := post("demo", `{"jsonrpc":"2.0","id":7,"method":"no/such/method"}`)
	if b, _ := io.ReadAll(res.Body); !strings.Contains(string(b), `"code":-32601`) || !strings.Contains(string(b), `"id":7`) {
		t.Errorf("unknown method: %d %s", res.StatusCode, b)
	}

	off := newEnv(t, envOptions{noClient: true})
	res, err = http.Post(off.url+mcpgw.PathProcesses, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("switched off: %d", res.StatusCode)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// numKey prints a key that JSON decoded as a number.
func numKey(v any) string {
	f, _ := v.(float64)
	return strconv.FormatFloat(f, 'f', 0, 64)
}

// A client that listens (2026-07-28 subscriptions/listen) hears
// notifications/tools/list_changed when a deployment adds a process tool
// and when one removes it.
func TestProcessesListChanged(t *testing.T) {
	e := newEnv(t, envOptions{processes: true, noClient: true})
	changed := make(chan struct{}, 16)
	client := mcp.NewClient(&mcp.Implementation{Name: "orca-test", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) { changed <- struct{}{} },
	})
	// The listen stream is open once the server acknowledges it.
	acked := make(chan struct{}, 1)
	client.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "notifications/subscriptions/acknowledged" {
				acked <- struct{}{}
			}
			return next(ctx, method, req)
		}
	})
	cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathProcesses}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	select {
	case <-acked:
	case <-time.After(20 * time.Second):
		t.Fatal("subscriptions/listen was not acknowledged")
	}
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Fatalf("protocol %s: the test needs subscriptions/listen", v)
	}
	if caps := cs.InitializeResult().Capabilities; caps.Tools == nil || !caps.Tools.ListChanged {
		t.Fatalf("capabilities %+v: tools.listChanged should be true", caps)
	}
	waitChange := func(what string) {
		t.Helper()
		select {
		case <-changed:
		case <-time.After(20 * time.Second):
			t.Fatalf("no notifications/tools/list_changed after %s", what)
		}
	}
	e.restDeploy("a.bpmn", toolBPMN("a", "a-start", "io.camunda.tool:name", "tool_a"))
	waitChange("deploying a process tool")
	tool := "tool_a_" + e.openToolKeys()["tool_a"]
	if _, ok := listTools(t, cs)[tool]; !ok {
		t.Fatalf("the announced tool %s is not listed", tool)
	}
	for len(changed) > 0 {
		<-changed
	}
	e.restDeploy("a.bpmn", toolBPMN("a", "a-start"))
	waitChange("removing the tool")
	if _, ok := listTools(t, cs)[tool]; ok {
		t.Fatalf("the removed tool %s is still listed", tool)
	}
}

// Typed inputs: io.camunda.tool:inputs in the typed form becomes the input
// schema; a call that violates it is a tool error and starts nothing.
func TestProcessesTypedInputs(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	e.cs = cs
	e.restDeploy("pay.bpmn", toolBPMN("pay", "pay-start", "io.camunda.tool:name", "pay",
		"io.camunda.tool:purpose", "Pays an order.",
		"io.camunda.tool:inputs", "orderId: required string, the order's id. amount: required number, the amount in EUR. express: optional boolean, ship at once."))
	tool := "pay_" + e.openToolKeys()["pay"]
	tl := listTools(t, cs)[tool]
	in, _ := json.Marshal(tl.InputSchema)
	var schema struct {
		Properties map[string]struct{ Type, Description string }
		Required   []string
	}
	json.Unmarshal(in, &schema)
	if schema.Properties["amount"].Type != "number" || schema.Properties["orderId"].Description != "the order's id" ||
		schema.Properties["express"].Type != "boolean" || schema.Properties["businessId"].Type != "string" ||
		!slices.Equal(schema.Required, []string{"orderId", "amount"}) {
		t.Fatalf("input schema %s", in)
	}
	if !strings.Contains(tl.Description, "## Inputs\norderId: required string") {
		t.Errorf("the description keeps Camunda's layout: %q", tl.Description)
	}
	e.invalid(tool, map[string]any{"orderId": "o-1"}, "amount: must not be null.")
	e.invalid(tool, map[string]any{"orderId": 7, "amount": "ten"}, "amount: must be a number.; orderId: must be a string.")
	e.invalid(tool, map[string]any{"orderId": "o-1", "amount": 10, "express": "yes"}, "express: must be a boolean.")
	if n := len(items(e.restPost("/v2/process-instances/search", map[string]any{}))); n != 0 {
		t.Fatalf("rejected calls started %d instances", n)
	}
	started := e.ok(tool, map[string]any{"orderId": "o-1", "amount": 10.5, "note": "extra arguments are variables too"})
	vars := e.ok("searchVariables", map[string]any{"filter": map[string]any{"processInstanceKey": numKey(started["processInstanceKey"])}, "sort": []any{map[string]any{"field": "name"}}})
	var got []string
	for _, v := range items(vars) {
		got = append(got, fmt.Sprintf("%v=%v", v["name"], v["value"]))
	}
	if want := []string{"amount=10.5", `note="extra arguments are variables too"`, `orderId="o-1"`}; !slices.Equal(got, want) {
		t.Errorf("variables %v, want %v", got, want)
	}
}

// Stable names: {name} always starts the latest version, {name}_v{version}
// only that version; two processes with one tool name get no stable name.
func TestProcessesStableNames(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	e.cs = cs
	e.restDeploy("ship.bpmn", toolBPMN("ship", "ship-start", "io.camunda.tool:name", "ship", "io.camunda.tool:purpose", "Ships v1."))
	tools := listTools(t, cs)
	alias := tools["ship"]
	if alias == nil || alias.Title != "ship" || alias.Description != "Ships v1.\n\n"+
		"This name stays the same when the process is redeployed: it always starts the latest version." {
		t.Fatalf("stable name: %+v", alias)
	}
	if _, listed := tools["ship_v1"]; listed {
		t.Errorf("the pinned name is listed")
	}
	version := func(res map[string]any) any {
		t.Helper()
		return e.ok("getProcessInstance", map[string]any{"processInstanceKey": numKey(res["processInstanceKey"])})["processDefinitionVersion"]
	}
	if v := version(e.ok("ship", map[string]any{"orderId": "a"})); v != 1.0 {
		t.Errorf("ship started version %v", v)
	}
	if v := version(e.ok("ship_v1", map[string]any{"orderId": "b"})); v != 1.0 {
		t.Errorf("ship_v1 started version %v", v)
	}

	// Version 2: the stable name follows, the pinned one refuses.
	e.restDeploy("ship.bpmn", toolBPMN("ship", "ship-start", "io.camunda.tool:name", "ship", "io.camunda.tool:purpose", "Ships v2."))
	if d := listTools(t, cs)["ship"].Description; !strings.HasPrefix(d, "Ships v2.") {
		t.Errorf("the stable name's description after redeploying: %q", d)
	}
	if v := version(e.ok("ship", map[string]any{"orderId": "c"})); v != 2.0 {
		t.Errorf("ship started version %v after redeploying", v)
	}
	je := callErr(t, cs, "ship_v1")
	if je.Code != jsonrpc.CodeInvalidParams || !strings.Contains(string(je.Data), "pinned to version 1 of process ship, which version 2 replaced") {
		t.Errorf("ship_v1 after redeploying: %d %s", je.Code, je.Data)
	}
	if v := version(e.ok("ship_v2", map[string]any{"orderId": "d"})); v != 2.0 {
		t.Errorf("ship_v2 started version %v", v)
	}
	if je := callErr(t, cs, "ship_v9"); string(je.Data) != `"Tool not found: ship_v9"` {
		t.Errorf("a version never deployed: %s", je.Data)
	}

	// A second process with the same tool name: no stable name for either.
	e.restDeploy("ship2.bpmn", toolBPMN("ship2", "ship2-start", "io.camunda.tool:name", "ship"))
	tools = listTools(t, cs)
	if _, ok := tools["ship"]; ok {
		t.Errorf("an ambiguous stable name is listed: %v", names(tools))
	}
	if je := callErr(t, cs, "ship"); !strings.Contains(string(je.Data), "Please refresh the tool list") {
		t.Errorf("the ambiguous stable name: %s", je.Data)
	}
	if n := len(tools); n != 5 { // two Camunda names and three static tools
		t.Errorf("tools: %v", names(tools))
	}
}

// Deployments racing with lists and calls: every call either starts an
// instance of an open version or answers that its tool was removed, no
// instance is started twice, and in the end exactly the latest version is
// a tool.
func TestProcessesRedeployUnderLoad(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	const versions, callers = 15, 4
	e.restDeploy("r.bpmn", toolBPMN("r", "r-start", "io.camunda.tool:name", "race", "io.camunda.tool:purpose", "v0"))
	done := make(chan struct{})
	type outcome struct {
		started []string
		removed int
		err     error
	}
	results := make(chan outcome, callers)
	for c := range callers {
		go func() {
			var o outcome
			ctx := context.Background()
			for i := 0; ; i++ {
				select {
				case <-done:
					results <- o
					return
				default:
				}
				res, err := cs.ListTools(ctx, nil)
				if err != nil {
					o.err = err
					results <- o
					return
				}
				for _, tl := range res.Tools {
					if !strings.HasPrefix(tl.Name, "race_") {
						continue
					}
					r, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tl.Name, Arguments: map[string]any{"orderId": fmt.Sprintf("c%d-%d", c, i)}})
					var je *jsonrpc.Error
					switch {
					case errors.As(err, &je) && strings.Contains(string(je.Data), "has been removed"):
						o.removed++
					case err != nil || r.IsError:
						o.err = fmt.Errorf("call %s: %v %v", tl.Name, err, r)
						results <- o
						return
					default:
						b, _ := json.Marshal(r.StructuredContent)
						o.started = append(o.started, string(b))
					}
				}
			}
		}()
	}
	for v := 1; v <= versions; v++ {
		e.restDeploy("r.bpmn", toolBPMN("r", "r-start", "io.camunda.tool:name", "race", "io.camunda.tool:purpose", fmt.Sprintf("v%d", v)))
	}
	close(done)
	seen := map[string]bool{}
	total := 0
	for range callers {
		o := <-results
		if o.err != nil {
			t.Fatal(o.err)
		}
		for _, s := range o.started {
			if seen[s] {
				t.Errorf("two calls answered the same instance %s", s)
			}
			seen[s] = true
		}
		total += len(o.started)
	}
	inst := e.restPost("/v2/process-instances/search", map[string]any{"page": map[string]any{"limit": 1000}})
	if n := len(items(inst)); n != total {
		t.Errorf("%d calls answered an instance, %d instances exist", total, n)
	}
	tools := listTools(t, cs)
	var race []string
	for n := range tools {
		if strings.HasPrefix(n, "race") {
			race = append(race, n)
		}
	}
	want := "race_" + e.openToolKeys()["race"]
	if !sameSet(race, []string{want, "race"}) || tools[want].Description != fmt.Sprintf("v%d", versions) {
		t.Errorf("after the deployments: %v (want %s with v%d)", race, want, versions)
	}
}
