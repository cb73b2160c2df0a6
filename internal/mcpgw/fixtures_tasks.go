package mcpgw

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The fixtures of the MCP conformance suite's Tasks extension scenarios
// (tasks-*, 0.2.0-alpha.12): greet (never a task), slow_compute (a task
// that sleeps), failing_job (a task whose tool fails) and
// protocol_error_job (a task that fails with a protocol error); the last
// two need a client that declares the extension. They are no process
// instances, so they live in memory (at most fixtureTaskCap of them) and
// only with --mcp-conformance-fixtures: they let a third-party client
// check the gateway's task wire (CreateTaskResult, tasks/get, tasks/cancel)
// that the real tasks (tasks.go) share.

const (
	fixtureTaskPrefix = "orca-fixture-"
	fixtureTaskCap    = 1000
)

// fixtureTasks holds the fixture tasks.
type fixtureTasks struct {
	mu    sync.Mutex
	next  int
	tasks map[string]*fixtureTask
	order []string
}

type fixtureTask struct {
	created, updated time.Time
	status           string
	result           *mcp.CallToolResult
	err              *jsonrpc.Error
	cancel           context.CancelFunc
	// pending are the input requests the task waits for (key → request
	// on the wire), answered the answers so far; finish makes the
	// result once nothing is pending.
	pending  map[string]any
	answered map[string]json.RawMessage
	finish   func(map[string]json.RawMessage) *mcp.CallToolResult
}

// fixtureTools are the tools that run as fixture tasks; required ones
// cannot run without the extension.
var fixtureTools = map[string]bool{"slow_compute": false, "failing_job": true, "protocol_error_job": true,
	"confirm_delete": true, "multi_input": true, "test_tool_with_task": true}

// elicitOnWire is an elicitation input request as tasks/get carries it.
func elicitOnWire(message string, schema map[string]any) map[string]any {
	return map[string]any{"method": "elicitation/create", "params": map[string]any{"mode": "form", "message": message, "requestedSchema": schema}}
}

func fieldsSchema(fields map[string]string) map[string]any {
	props := map[string]any{}
	for k, t := range fields {
		props[k] = map[string]any{"type": t}
	}
	return map[string]any{"type": "object", "properties": props}
}

// elicitContent is the content of an accepted elicitation answer.
func elicitContent(raw json.RawMessage) map[string]any {
	var r struct {
		Action  string
		Content map[string]any
	}
	if json.Unmarshal(raw, &r) != nil || r.Action != "accept" {
		return nil
	}
	return r.Content
}

func (g *Gateway) addTaskFixtures() {
	g.fx = &fixtureTasks{tasks: map[string]*fixtureTask{}}
	obj := func(props map[string]any) map[string]any {
		return map[string]any{"type": "object", "properties": props}
	}
	g.addTool(&mcp.Tool{Name: "greet", Description: "Greets someone (never a task).",
		InputSchema: obj(map[string]any{"name": map[string]any{"type": "string"}})},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			var a struct{ Name string }
			json.Unmarshal(req.Params.Arguments, &a)
			return textOnly("Hello, " + a.Name + "!"), nil
		})
	g.addTool(&mcp.Tool{Name: "slow_compute", Description: "Sleeps for seconds, then answers (a task for clients that support tasks).",
		InputSchema: obj(map[string]any{"seconds": map[string]any{"type": "number"}, "label": map[string]any{"type": "string"}})},
		func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return slowCompute(ctx, req.Params.Arguments), nil
		})
	g.addTool(&mcp.Tool{Name: "test_tool_with_task", Description: "Asks for a name (input request), then runs as a task.", InputSchema: emptyObject},
		func(_ context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			if req.Params.InputResponses == nil {
				return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{"user_name": &mcp.ElicitParams{Message: "What is your name?",
					RequestedSchema: objectSchema("string", "name")}}}, nil
			}
			return nil, missingTasks()
		})
	for _, name := range []string{"failing_job", "protocol_error_job", "confirm_delete", "multi_input"} {
		g.addTool(&mcp.Tool{Name: name, Description: "Runs only as a task.", InputSchema: emptyObject},
			func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return nil, missingTasks()
			})
	}
}

func missingTasks() *jsonrpc.Error {
	return &jsonrpc.Error{Code: codeMissingCapability, Message: "Missing required client capability",
		Data: json.RawMessage(`{"requiredCapabilities":{"extensions":{"` + tasksExtension + `":{}}}}`)}
}

func slowCompute(ctx context.Context, raw json.RawMessage) *mcp.CallToolResult {
	var a struct {
		Seconds float64
		Label   string
	}
	json.Unmarshal(raw, &a)
	pause(ctx, time.Duration(min(a.Seconds, 120)*float64(time.Second)))
	return textOnly(fmt.Sprintf("computed %s after %gs", a.Label, a.Seconds))
}

// fixtureCall answers the tools/call of a fixture task tool; false when
// the call is none.
func (g *Gateway) fixtureCall(w http.ResponseWriter, msg rpcRequest, p callParams, declared bool) bool {
	required, ok := fixtureTools[p.Name]
	if g.fx == nil || !ok {
		return false
	}
	var inputs struct {
		InputResponses map[string]json.RawMessage `json:"inputResponses"`
	}
	json.Unmarshal(msg.Params, &inputs)
	if p.Name == "test_tool_with_task" && inputs.InputResponses == nil {
		return false // the first round asks for input (the SDK answers it)
	}
	if !declared {
		if required {
			writeRPC(w, msg.ID, nil, missingTasks())
			return true
		}
		return false // slow_compute runs synchronously
	}
	ctx, cancel := context.WithCancel(context.Background())
	now := time.Now().UTC()
	t := &fixtureTask{created: now, updated: now, status: "working", cancel: cancel}
	f := g.fx
	f.mu.Lock()
	f.next++
	id := fixtureTaskPrefix + strconv.Itoa(f.next)
	f.tasks[id] = t
	f.order = append(f.order, id)
	if len(f.order) > fixtureTaskCap {
		old := f.order[0]
		f.order = f.order[1:]
		if o := f.tasks[old]; o != nil {
			o.cancel()
		}
		delete(f.tasks, old)
	}
	switch p.Name {
	case "confirm_delete":
		var a struct{ Filename string }
		json.Unmarshal(p.Arguments, &a)
		t.status = "input_required"
		t.pending = map[string]any{"confirm": elicitOnWire("Delete "+a.Filename+"?", fieldsSchema(map[string]string{"confirm": "boolean"}))}
		t.finish = func(ans map[string]json.RawMessage) *mcp.CallToolResult {
			if c := elicitContent(ans["confirm"]); c != nil && c["confirm"] == true {
				return textOnly("Deleted " + a.Filename + ".")
			}
			return textOnly("Kept " + a.Filename + ".")
		}
	case "multi_input":
		t.status = "input_required"
		t.pending = map[string]any{
			"name":    elicitOnWire("Your name?", fieldsSchema(map[string]string{"name": "string"})),
			"confirm": elicitOnWire("Go on?", fieldsSchema(map[string]string{"confirm": "boolean"}))}
		t.finish = func(ans map[string]json.RawMessage) *mcp.CallToolResult {
			return textOnly(fmt.Sprintf("Got %d answers.", len(ans)))
		}
	case "test_tool_with_task":
		name := "nobody"
		for _, raw := range inputs.InputResponses {
			if c := elicitContent(raw); c != nil {
				if n, ok := c["name"].(string); ok {
					name = n
				}
			}
		}
		t.status, t.result = "completed", textOnly("Hello, "+name+"!")
	}
	seed := f.state(id, t, false)
	f.mu.Unlock()
	if t.status != "working" {
		seed["resultType"] = "task"
		writeRPC(w, msg.ID, seed, nil)
		return true
	}
	go func() {
		var res *mcp.CallToolResult
		var rerr *jsonrpc.Error
		switch p.Name {
		case "slow_compute":
			res = slowCompute(ctx, p.Arguments)
		case "failing_job":
			pause(ctx, time.Second)
			res = &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "the job failed"}}}
		default:
			rerr = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the job crashed"}
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		if t.status != "working" {
			return
		}
		t.updated = time.Now().UTC()
		if rerr != nil {
			t.status, t.err = "failed", rerr
		} else {
			t.status, t.result = "completed", res
		}
	}()
	seed["resultType"] = "task"
	writeRPC(w, msg.ID, seed, nil)
	return true
}

// state is a fixture task as tasks/get answers it; f.mu is held.
func (f *fixtureTasks) state(id string, t *fixtureTask, detail bool) map[string]any {
	s := map[string]any{"taskId": id, "status": t.status, "createdAt": t.created.Format(time.RFC3339Nano),
		"lastUpdatedAt": t.updated.Format(time.RFC3339Nano), "ttlMs": nil, "pollIntervalMs": 200}
	if detail && t.result != nil {
		s["result"] = t.result
	}
	if detail && t.err != nil {
		s["error"] = t.err
	}
	if detail && len(t.pending) > 0 {
		s["inputRequests"] = t.pending
	}
	return s
}

// fixtureMethod answers tasks/get, tasks/update and tasks/cancel of a
// fixture task; false when the id is none.
func (g *Gateway) fixtureMethod(w http.ResponseWriter, msg rpcRequest, id string) bool {
	if g.fx == nil || len(id) <= len(fixtureTaskPrefix) || id[:len(fixtureTaskPrefix)] != fixtureTaskPrefix {
		return false
	}
	f := g.fx
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tasks[id]
	if t == nil {
		writeRPC(w, msg.ID, nil, unknownTask(id))
		return true
	}
	switch msg.Method {
	case "tasks/get":
		s := f.state(id, t, true)
		s["resultType"] = "complete"
		writeRPC(w, msg.ID, s, nil)
		return true
	case "tasks/update":
		var p taskParams
		json.Unmarshal(msg.Params, &p)
		for k, v := range p.InputResponses {
			if _, ok := t.pending[k]; ok {
				delete(t.pending, k)
				if t.answered == nil {
					t.answered = map[string]json.RawMessage{}
				}
				t.answered[k] = v
			}
		}
		if t.status == "input_required" && len(t.pending) == 0 {
			t.status, t.result, t.updated = "completed", t.finish(t.answered), time.Now().UTC()
		}
	case "tasks/cancel":
		if t.status == "working" || t.status == "input_required" {
			t.status, t.updated = "cancelled", time.Now().UTC()
			t.cancel()
		}
	}
	writeRPC(w, msg.ID, map[string]any{"resultType": "complete"}, nil)
	return true
}
