package mcpgw_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/mcpgw"
)

// person is the human behind an MCP client: it answers elicitations and
// remembers what it was asked.
type person struct {
	mu     sync.Mutex
	asked  []*mcp.ElicitParams
	action string
	answer map[string]any
}

func (p *person) handle(_ context.Context, req *mcp.ElicitRequest) (*mcp.ElicitResult, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, req.Params)
	if p.action != "accept" {
		return &mcp.ElicitResult{Action: p.action}, nil
	}
	return &mcp.ElicitResult{Action: "accept", Content: p.answer}, nil
}

// reviewTask deploys testdata/review.{form,bpmn}, starts an instance and
// returns its user task's key and the instance's key.
func (e *env) reviewTask(cs *mcp.ClientSession) (task, instance string) {
	e.t.Helper()
	for _, f := range []string{"review.form", "review.bpmn"} {
		e.ok("deployResource", map[string]any{"resourceName": f, "resource": readFile(e.t, "testdata/"+f)})
	}
	pi := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "review"})["processInstanceKey"].(string)
	ts := items(e.ok("searchUserTasks", map[string]any{"filter": map[string]any{"processInstanceKey": pi}}))
	if len(ts) != 1 {
		e.t.Fatalf("user tasks: %v", ts)
	}
	return ts[0]["userTaskKey"].(string), pi
}

func (e *env) instanceVars(pi string) map[string]any {
	e.t.Helper()
	out := map[string]any{}
	for _, v := range items(e.ok("searchVariables", map[string]any{"filter": map[string]any{"processInstanceKey": pi}, "truncateValues": false})) {
		var x any
		json.Unmarshal([]byte(v["value"].(string)), &x)
		out[v["name"].(string)] = x
	}
	return out
}

func askingClient(t *testing.T, e *env, p *person, tr mcp.Transport) *mcp.ClientSession {
	t.Helper()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "orca-ask-test", Version: "1"}, &mcp.ClientOptions{ElicitationHandler: p.handle}).
		Connect(context.Background(), tr, nil)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// completeUserTask asks the person for the task's form fields (2026-07-28
// input requests, stateless): the model's values are the defaults, the
// person's answers complete the task.
func TestAskFormInputRequest(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := &person{action: "accept", answer: map[string]any{"approved": true, "comment": "looks fine", "amount": 5, "priority": "high", "reviewer": "ann@example.com"}}
	cs := askingClient(t, e, p, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathCluster})
	if v := cs.InitializeResult().ProtocolVersion; v != "2026-07-28" {
		t.Fatalf("protocol %s", v)
	}
	task, pi := e.reviewTask(cs)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "completeUserTask", Arguments: map[string]any{
		"userTaskKey": task, "completionOptions": map[string]any{"variables": map[string]any{"comment": "the model's guess", "extra": 1}}}})
	if err != nil || res.IsError {
		t.Fatalf("completeUserTask: %v %v", err, res)
	}
	if len(p.asked) != 1 {
		t.Fatalf("asked %d times", len(p.asked))
	}
	b, _ := json.Marshal(p.asked[0].RequestedSchema)
	var schema struct {
		Properties map[string]map[string]any
		Required   []string
	}
	json.Unmarshal(b, &schema)
	keys := make([]string, 0, len(schema.Properties))
	for k := range schema.Properties {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"amount", "approved", "comment", "priority", "reviewer"}) || !slices.Equal(schema.Required, []string{"comment"}) {
		t.Fatalf("asked for %v (required %v): %s", keys, schema.Required, b)
	}
	if c := schema.Properties["comment"]; c["default"] != "the model's guess" || c["title"] != "Comment" || c["maxLength"] != float64(200) {
		t.Errorf("comment: %v", c)
	}
	if a := schema.Properties["amount"]; a["type"] != "integer" || a["minimum"] != float64(1) {
		t.Errorf("amount: %v", a)
	}
	if pr := schema.Properties["priority"]; pr["default"] != "low" || len(pr["oneOf"].([]any)) != 2 {
		t.Errorf("priority: %v", pr)
	}
	if r := schema.Properties["reviewer"]; r["format"] != "email" {
		t.Errorf("reviewer: %v", r)
	}
	if !strings.Contains(p.asked[0].Message, "Check the order") {
		t.Errorf("message %q", p.asked[0].Message)
	}
	vars := e.instanceVars(pi)
	if vars["comment"] != "looks fine" || vars["approved"] != true || vars["amount"] != float64(5) || vars["reviewer"] != "ann@example.com" || vars["extra"] != float64(1) {
		t.Fatalf("variables: %v", vars)
	}
	if st := e.ok("getUserTask", map[string]any{"userTaskKey": task})["state"]; st != "COMPLETED" {
		t.Fatalf("task state %v", st)
	}
}

// A person who declines leaves the task open; the call is a tool error
// telling the model not to fill the form in itself.
func TestAskFormDeclined(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := &person{action: "decline"}
	cs := askingClient(t, e, p, &mcp.StreamableClientTransport{Endpoint: e.url + mcpgw.PathCluster})
	task, _ := e.reviewTask(cs)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "completeUserTask", Arguments: map[string]any{"userTaskKey": task}})
	if err != nil || !res.IsError || !strings.Contains(text(res), "not completed") {
		t.Fatalf("declined: %v %v", err, res)
	}
	if st := e.ok("getUserTask", map[string]any{"userTaskKey": task})["state"]; st != "CREATED" {
		t.Fatalf("task state %v", st)
	}
	// A client that cannot be asked completes with the model's values.
	task2, pi2 := e.reviewTask(e.cs)
	e.okText("completeUserTask", map[string]any{"userTaskKey": task2, "completionOptions": map[string]any{"variables": map[string]any{"comment": "by the model"}}})
	if v := e.instanceVars(pi2); v["comment"] != "by the model" {
		t.Fatalf("variables: %v", v)
	}
}

// oldProtocol makes a go-sdk client ask for protocol 2025-11-25, as a
// client from before input requests does.
type oldProtocol struct{ mcp.Transport }

func (o oldProtocol) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := o.Transport.Connect(ctx)
	return oldConn{c}, err
}

type oldConn struct{ mcp.Connection }

func (c oldConn) Write(ctx context.Context, m jsonrpc.Message) error {
	if r, ok := m.(*jsonrpc.Request); ok && r.Method == "initialize" {
		r.Params = json.RawMessage(strings.Replace(string(r.Params), `"2026-07-28"`, `"2025-11-25"`, 1))
	}
	return c.Connection.Write(ctx, m)
}

// A 2025-11-25 client with a session (the SSE endpoint) is asked with
// elicitation/create during the call.
func TestAskFormElicitationOverSession(t *testing.T) {
	e := newEnv(t, envOptions{})
	p := &person{action: "accept", answer: map[string]any{"comment": "from the session", "approved": false}}
	cs := askingClient(t, e, p, oldProtocol{&mcp.SSEClientTransport{Endpoint: e.url + mcpgw.PathSSE}})
	if v := cs.InitializeResult().ProtocolVersion; v != "2025-11-25" {
		t.Fatalf("protocol %s", v)
	}
	task, pi := e.reviewTask(cs)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "completeUserTask", Arguments: map[string]any{"userTaskKey": task}})
	if err != nil || res.IsError || len(p.asked) != 1 {
		t.Fatalf("completeUserTask: %v %v (asked %d)", err, res, len(p.asked))
	}
	if v := e.instanceVars(pi); v["comment"] != "from the session" || v["approved"] != false {
		t.Fatalf("variables: %v", v)
	}
	// A 2025-11-25 call on the stateless endpoint cannot be asked (there
	// is no session to ask on): the task is completed with the model's
	// values.
	task2, pi2 := e.reviewTask(cs)
	_, body := rpc(t, e.url+mcpgw.PathCluster, `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"completeUserTask","arguments":{"userTaskKey":"`+task2+
		`","completionOptions":{"variables":{"comment":"model"}}}}}`, map[string]string{"MCP-Protocol-Version": "2025-11-25"})
	if !strings.Contains(body, "completed") || strings.Contains(body, `"isError":true`) || len(p.asked) != 1 {
		t.Fatalf("stateless 2025-11-25: %s (asked %d)", body, len(p.asked))
	}
	if v := e.instanceVars(pi2); v["comment"] != "model" {
		t.Fatalf("variables: %v", v)
	}
}
