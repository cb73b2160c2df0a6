package mcpgw

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/store"
)

// Long calls as MCP tasks (the io.modelcontextprotocol/tasks extension of
// the 2026-07-28 revision, SEP-2663).
//
// A client that declares the extension in its per-request capabilities and
// calls a process tool on /mcp/processes, or createProcessInstance with
// awaitCompletion on /mcp/cluster, gets a task handle at once instead of a
// result: the instance is started (without waiting for it), and the call
// answers a CreateTaskResult (resultType "task"). tasks/get reports the
// instance's state: working while it runs, completed with the tool's
// result (the instance's variables, as awaitCompletion answers them) when
// it completes, cancelled when it was cancelled; tasks/cancel cancels the
// instance.
//
// A task is its process instance: the task id names the instance (and the
// tool and the variables to fetch), and every answer is read from the
// cluster, so tasks survive a restart of the gateway as long as the
// instance's history is kept, and work the same against a remote Camunda.
// With authentication on, a task id is bound to the principal that created
// it (a MAC keyed by a secret of the gateway, tasksecret.go): anyone else
// gets "unknown task", even where they may read the instance.
//
// go-sdk v1.8.0 knows neither the extension's methods nor its result
// type, so the gateway answers them in front of the SDK's handler; the
// tools/call that starts a task still goes through the SDK (and is
// audited like any other call).

const (
	tasksExtension   = "io.modelcontextprotocol/tasks"
	relatedTaskMeta  = "io.modelcontextprotocol/related-task"
	taskIDPrefix     = "orca-"
	taskPollInterval = 1000 // ms, suggested to clients
	maxTaskID        = 8 << 10
	// instanceVisible bounds the wait for a started instance to be
	// readable (a remote cluster's secondary storage lags).
	instanceVisible = 10 * time.Second
)

// taskRef is what a task id names.
type taskRef struct {
	Instance cluster.Key `json:"i"`
	Tool     string      `json:"t"`
	Fetch    []string    `json:"f,omitempty"`
	// M binds the task to the principal that created it (tasksecret.go);
	// empty for anonymous callers.
	M string `json:"m,omitempty"`
}

func (t taskRef) id() string {
	b, _ := json.Marshal(t)
	return taskIDPrefix + base64.RawURLEncoding.EncodeToString(b)
}

func parseTaskID(s string) (taskRef, bool) {
	var t taskRef
	if len(s) > maxTaskID || len(s) <= len(taskIDPrefix) || s[:len(taskIDPrefix)] != taskIDPrefix {
		return t, false
	}
	b, err := base64.RawURLEncoding.DecodeString(s[len(taskIDPrefix):])
	if err != nil || json.Unmarshal(b, &t) != nil || t.Instance <= 0 || t.Tool == "" {
		return t, false
	}
	return t, true
}

// rpcRequest is a JSON-RPC request as the task layer reads it.
type rpcRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// taskHandler answers the extension's methods and turns eligible tool
// calls into tasks; everything else goes to next unchanged.
func (g *Gateway) taskHandler(next http.Handler, processes bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(io.LimitReader(r.Body, g.opts.MaxBodyBytes+1))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		var msg rpcRequest
		if err != nil || int64(len(body)) > g.opts.MaxBodyBytes || json.Unmarshal(body, &msg) != nil || len(msg.ID) == 0 {
			next.ServeHTTP(w, r)
			return
		}
		switch msg.Method {
		case "tasks/get", "tasks/update", "tasks/cancel":
			g.serveTaskMethod(w, r, msg)
			return
		case "tools/call":
			if g.callAsTask(w, r, msg, processes, next) {
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// callParams are the parts of tools/call params the task layer reads.
type callParams struct {
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Meta      struct {
		ClientCapabilities struct {
			Extensions map[string]json.RawMessage `json:"extensions"`
		} `json:"io.modelcontextprotocol/clientCapabilities"`
	} `json:"_meta"`
}

// callAsTask runs an eligible call as a task and answers its handle; false
// when the call is no task (it is then served as usual).
func (g *Gateway) callAsTask(w http.ResponseWriter, r *http.Request, msg rpcRequest, processes bool, next http.Handler) bool {
	var p callParams
	if json.Unmarshal(msg.Params, &p) != nil {
		return false
	}
	declared := p.Meta.ClientCapabilities.Extensions[tasksExtension] != nil
	if !processes && g.fixtureCall(w, msg, p, declared) {
		return true
	}
	if !declared {
		return false
	}
	ref := taskRef{Tool: p.Name}
	switch {
	case processes && !slices.Contains(staticProcessTools, p.Name):
	case !processes && p.Name == "createProcessInstance":
		var args map[string]json.RawMessage
		if json.Unmarshal(p.Arguments, &args) != nil || string(args["awaitCompletion"]) != "true" {
			return false
		}
		// Started without waiting; the task waits instead.
		args["awaitCompletion"] = json.RawMessage("false")
		delete(args, "requestTimeout")
		if f, ok := args["fetchVariables"]; ok && json.Unmarshal(f, &ref.Fetch) != nil {
			return false // the SDK reports the bad argument
		}
		var params map[string]json.RawMessage
		if json.Unmarshal(msg.Params, &params) != nil {
			return false
		}
		params["arguments"], _ = json.Marshal(args)
		msg.Params, _ = json.Marshal(params)
	default:
		return false
	}
	body, _ := json.Marshal(msg)
	r2 := r.Clone(r.Context())
	r2.Body, r2.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	rec := &captured{header: http.Header{}, status: http.StatusOK}
	next.ServeHTTP(rec, r2)

	var res struct {
		Result *struct {
			IsError           bool                       `json:"isError"`
			StructuredContent map[string]json.RawMessage `json:"structuredContent"`
		} `json:"result"`
	}
	if rec.status == http.StatusOK && json.Unmarshal(rec.body.Bytes(), &res) == nil && res.Result != nil && !res.Result.IsError {
		var key cluster.Key
		if json.Unmarshal(res.Result.StructuredContent["processInstanceKey"], &key) == nil && key > 0 {
			ref.Instance = key
			ref.M = g.bindTask(r.Context(), ref)
			task, err := g.createdTask(r.Context(), ref)
			if err == nil {
				task["resultType"] = "task"
				task["_meta"] = map[string]any{relatedTaskMeta: map[string]any{"taskId": ref.id()}}
				writeRPC(w, msg.ID, task, nil)
				return true
			}
			g.log.Warn("a task's instance cannot be read; the call answers its plain result", "instance", key, "err", err)
		}
	}
	rec.replay(w)
	return true
}

// createdTask is the first state of a task, once tasks/get can read it.
func (g *Gateway) createdTask(ctx context.Context, ref taskRef) (map[string]any, error) {
	ctx, cancel := context.WithTimeout(ctx, instanceVisible)
	defer cancel()
	for wait := 10 * time.Millisecond; ; wait = min(2*wait, 500*time.Millisecond) {
		pi, err := g.api.GetProcessInstance(ctx, ref.Instance)
		if err == nil {
			return g.taskState(ctx, ref, pi, false)
		}
		if cluster.CodeOf(err) != cluster.CodeNotFound {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(wait):
		}
	}
}

// taskParams are the params of the extension's methods.
type taskParams struct {
	TaskID         string                     `json:"taskId"`
	InputResponses map[string]json.RawMessage `json:"inputResponses"`
	Meta           struct {
		ClientCapabilities struct {
			Extensions  map[string]json.RawMessage `json:"extensions"`
			Elicitation json.RawMessage            `json:"elicitation"`
		} `json:"io.modelcontextprotocol/clientCapabilities"`
	} `json:"_meta"`
}

// codeMissingCapability is the error of a request that needs a client
// capability the request did not declare (SEP-2575; what the conformance
// suite checks for the tasks methods).
const codeMissingCapability = -32021

// codeHeaderMismatch is the error of a request whose routing headers do
// not match its body (SEP-2243).
const codeHeaderMismatch = -32020

func unknownTask(id string) *jsonrpc.Error {
	return &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "Unknown task: " + clip(id)}
}

// serveTaskMethod answers tasks/get, tasks/update and tasks/cancel.
func (g *Gateway) serveTaskMethod(w http.ResponseWriter, r *http.Request, msg rpcRequest) {
	ctx := r.Context()
	var p taskParams
	if json.Unmarshal(msg.Params, &p) != nil || p.TaskID == "" {
		writeRPC(w, msg.ID, nil, &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: msg.Method + ": params.taskId is required"})
		return
	}
	if p.Meta.ClientCapabilities.Extensions[tasksExtension] == nil {
		writeRPC(w, msg.ID, nil, &jsonrpc.Error{Code: codeMissingCapability, Message: "Missing required client capability",
			Data: json.RawMessage(`{"requiredCapabilities":{"extensions":{"` + tasksExtension + `":{}}}}`)})
		return
	}
	// The routing headers of 2026-07-28 (SEP-2243) must name this request.
	if m, n := r.Header.Get("Mcp-Method"), r.Header.Get("Mcp-Name"); m != "" && m != msg.Method || n != "" && strings.TrimSpace(n) != p.TaskID {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		writeRPC(w, msg.ID, nil, &jsonrpc.Error{Code: codeHeaderMismatch, Message: "Header mismatch: Mcp-Method and Mcp-Name must match the request's method and taskId"})
		return
	}
	if g.fixtureMethod(w, msg, p.TaskID) {
		return
	}
	// Another principal's task is unknown, whatever it names.
	ref, ok := parseTaskID(p.TaskID)
	if !ok || !g.ownsTask(ctx, ref) {
		writeRPC(w, msg.ID, nil, unknownTask(p.TaskID))
		return
	}
	pi, err := g.api.GetProcessInstance(ctx, ref.Instance)
	if err != nil {
		if cluster.CodeOf(err) == cluster.CodeNotFound {
			writeRPC(w, msg.ID, nil, unknownTask(p.TaskID))
		} else {
			writeRPC(w, msg.ID, nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()})
		}
		return
	}
	switch msg.Method {
	case "tasks/get":
		task, err := g.taskState(ctx, ref, pi, true)
		if err == nil && task["status"] == "working" && len(p.Meta.ClientCapabilities.Elicitation) > 0 {
			err = g.askInTask(ctx, ref, task)
		}
		if err != nil {
			writeRPC(w, msg.ID, nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()})
			return
		}
		task["resultType"] = "complete"
		writeRPC(w, msg.ID, task, nil)
	case "tasks/update":
		// Answers to the forms of the instance's user tasks complete
		// them; responses to keys not asked for are ignored, as the
		// extension says.
		if rerr := g.answerInTask(ctx, ref, p.InputResponses, len(msg.Params)); rerr != nil {
			writeRPC(w, msg.ID, nil, rerr)
			return
		}
		writeRPC(w, msg.ID, map[string]any{"resultType": "complete"}, nil)
	case "tasks/cancel":
		if pi.State == "ACTIVE" {
			err := g.api.CancelProcessInstance(ctx, ref.Instance, nil)
			if aerr := g.auditTaskCancel(ctx, ref, pi, err, len(msg.Params)); aerr != nil {
				writeRPC(w, msg.ID, nil, aerr)
				return
			}
			// An instance that ended meanwhile: cancellation is cooperative.
			if err != nil && cluster.CodeOf(err) != cluster.CodeNotFound {
				writeRPC(w, msg.ID, nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()})
				return
			}
		}
		writeRPC(w, msg.ID, map[string]any{"resultType": "complete"}, nil)
	}
}

// auditTaskCancel records the cancellation of a task's instance.
func (g *Gateway) auditTaskCancel(ctx context.Context, ref taskRef, pi *cluster.ProcessInstance, err error, size int) *jsonrpc.Error {
	if g.audit == nil {
		return nil
	}
	e := &store.AuditLog{EntityType: "PROCESS_INSTANCE", OperationType: "CANCEL", Category: "DEPLOYED_RESOURCES",
		EntityKey: ref.Instance.String(), ProcessInstanceKey: int64(ref.Instance), ProcessDefinitionKey: int64(pi.ProcessDefinitionKey),
		ProcessDefinitionID: pi.ProcessDefinitionID, InboundChannelType: cluster.AuditChannelMCP, InboundChannelTool: "tasks/cancel",
		Endpoint: endpointOf(ctx), ArgumentsSize: int64(size), Result: cluster.AuditSuccess}
	e.ActorType, e.ActorID = actor(ctx)
	if err != nil {
		e.Result, e.ErrorMessage = cluster.AuditFail, clip(err.Error())
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if aerr := g.audit.rec.RecordAudit(rctx, e); aerr != nil {
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError,
			Message: "The cancellation could not be recorded in the audit log, so its answer is withheld: " + aerr.Error()}
	}
	return nil
}

// taskState is a task as tasks/get answers it, read from its instance;
// with detail, a completed task carries its result.
func (g *Gateway) taskState(ctx context.Context, ref taskRef, pi *cluster.ProcessInstance, detail bool) (map[string]any, error) {
	updated := pi.StartDate
	if pi.EndDate != nil {
		updated = *pi.EndDate
	}
	t := map[string]any{
		"taskId":         ref.id(),
		"createdAt":      pi.StartDate.UTC().Format(time.RFC3339Nano),
		"lastUpdatedAt":  updated.UTC().Format(time.RFC3339Nano),
		"ttlMs":          nil, // kept as long as the instance's history
		"pollIntervalMs": taskPollInterval,
	}
	switch pi.State {
	case "COMPLETED":
		t["status"] = "completed"
		t["statusMessage"] = "The process instance completed."
		if detail {
			res, err := g.taskResult(ctx, ref, pi)
			if err != nil {
				return nil, err
			}
			t["result"] = res
		}
	case "TERMINATED":
		t["status"] = "cancelled"
		t["statusMessage"] = "The process instance was cancelled."
	default:
		t["status"] = "working"
		t["statusMessage"] = "The process instance is running."
		if pi.HasIncident {
			t["statusMessage"] = "The process instance is stuck on an incident: resolve it (searchIncidents, resolveIncident) and it continues."
		}
	}
	return t, nil
}

// taskResult is the result of a completed task's call: as
// createProcessInstance answers with awaitCompletion (the instance's
// variables, those of fetchVariables if given), or for a process tool its
// instance key and variables.
func (g *Gateway) taskResult(ctx context.Context, ref taskRef, pi *cluster.ProcessInstance) (*mcp.CallToolResult, error) {
	vars := map[string]json.RawMessage{}
	limit := int32(cluster.MaxPageLimit)
	q := &cluster.VariableSearchQuery{Filter: &cluster.VariableFilter{ScopeKey: keyEq(&ref.Instance)}, Page: &cluster.PageRequest{Limit: &limit}}
	for {
		page, err := g.api.SearchVariables(ctx, q, false)
		if err != nil {
			return nil, err
		}
		for _, v := range page.Items {
			if len(ref.Fetch) == 0 || slices.Contains(ref.Fetch, v.Name) {
				vars[v.Name] = json.RawMessage(v.Value)
			}
		}
		if len(page.Items) < int(limit) || page.Page.EndCursor == nil {
			break
		}
		q.Page = &cluster.PageRequest{Limit: &limit, After: page.Page.EndCursor}
	}
	if ref.Tool == "createProcessInstance" {
		return jsonResult(cluster.CreateProcessInstanceResult{ProcessDefinitionID: pi.ProcessDefinitionID,
			ProcessDefinitionVersion: pi.ProcessDefinitionVersion, TenantID: pi.TenantID, Variables: vars,
			ProcessDefinitionKey: pi.ProcessDefinitionKey, ProcessInstanceKey: pi.ProcessInstanceKey,
			Tags: orEmptyList(pi.Tags), BusinessID: pi.BusinessID}), nil
	}
	return jsonResult(map[string]any{"processInstanceKey": int64(pi.ProcessInstanceKey), "variables": vars}), nil
}

func orEmptyList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeRPC writes a JSON-RPC response.
func writeRPC(w http.ResponseWriter, id json.RawMessage, result any, rpcErr *jsonrpc.Error) {
	out := map[string]any{"jsonrpc": "2.0", "id": id}
	if rpcErr != nil {
		out["error"] = rpcErr
	} else {
		out["result"] = result
	}
	b, err := marshal(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// captured is a response held back to be read before it is sent.
type captured struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *captured) Header() http.Header         { return c.header }
func (c *captured) WriteHeader(s int)           { c.status = s }
func (c *captured) Write(b []byte) (int, error) { return c.body.Write(b) }

func (c *captured) replay(w http.ResponseWriter) {
	for k, v := range c.header {
		w.Header()[k] = v
	}
	w.Header().Del("Content-Length")
	w.WriteHeader(c.status)
	w.Write(c.body.Bytes())
}

// Input requests of a task: while its instance waits in user tasks that
// have a Camunda form, a client that can elicit sees the task as
// input_required, with one form per user task; its answers in tasks/update
// complete the user tasks (ask.go).
//
// The extension forbids a key to be asked again once it was answered, so a
// form the person declined is asked again under a new key: the key names
// the user task and how often its form was refused
// (userTask-<key>, then userTask-<key>-r<n>). The count is a local
// variable of the user task (refusalsVariable), so it survives a restart
// of the gateway and works against a remote cluster; an answer to a key
// that is no longer outstanding is ignored.

const (
	userTaskInputPrefix = "userTask-"
	maxAskedTasks       = 10
	// refusalsVariable counts the refusals of a user task's form (a local
	// variable of the user task; completing the task does not propagate it).
	refusalsVariable = "orcaMcpFormRefusals"
)

// inputKey is the key of the form request of a user task refused n times.
func inputKey(task cluster.Key, n int64) string {
	if n == 0 {
		return userTaskInputPrefix + task.String()
	}
	return userTaskInputPrefix + task.String() + "-r" + strconv.FormatInt(n, 10)
}

// parseInputKey reads an inputKey.
func parseInputKey(s string) (task cluster.Key, n int64, ok bool) {
	rest, found := strings.CutPrefix(s, userTaskInputPrefix)
	if !found {
		return 0, 0, false
	}
	k, count, refused := strings.Cut(rest, "-r")
	task, err := cluster.ParseKey(k)
	if err != nil {
		return 0, 0, false
	}
	if refused {
		if n, err = strconv.ParseInt(count, 10, 64); err != nil || n <= 0 || strconv.FormatInt(n, 10) != count {
			return 0, 0, false
		}
	}
	return task, n, true
}

// formRefusals is how often the form of the user task was refused.
func (g *Gateway) formRefusals(ctx context.Context, ut *cluster.UserTask) (int64, error) {
	name, limit := refusalsVariable, int32(1)
	page, err := g.api.SearchVariables(ctx, &cluster.VariableSearchQuery{
		Filter: &cluster.VariableFilter{ScopeKey: keyEq(&ut.ElementInstanceKey), Name: &cluster.StringFilter{Filter: cluster.Filter[string]{Eq: &name}}},
		Page:   &cluster.PageRequest{Limit: &limit}}, false)
	if err != nil || len(page.Items) == 0 {
		return 0, err
	}
	n, _ := strconv.ParseInt(page.Items[0].Value, 10, 64)
	return max(n, 0), nil
}

// askInTask turns a working task into input_required when its instance
// waits for a person.
func (g *Gateway) askInTask(ctx context.Context, ref taskRef, task map[string]any) error {
	created, limit := "CREATED", int32(maxAskedTasks)
	res, err := g.api.SearchUserTasks(ctx, &cluster.UserTaskSearchQuery{
		Filter: &cluster.UserTaskFilter{ProcessInstanceKey: &ref.Instance, State: &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: &created}}},
		Page:   &cluster.PageRequest{Limit: &limit}})
	if err != nil {
		return err
	}
	asks := map[string]any{}
	for i := range res.Items {
		ut := &res.Items[i]
		ask, err := g.askForm(ctx, ut.UserTaskKey, nil)
		if err != nil {
			return err
		}
		if ask == nil {
			continue
		}
		n, err := g.formRefusals(ctx, ut)
		if err != nil {
			return err
		}
		asks[inputKey(ut.UserTaskKey, n)] = map[string]any{"method": "elicitation/create", "params": ask}
	}
	if len(asks) > 0 {
		task["status"] = "input_required"
		task["statusMessage"] = "The process waits for a person: fill in the form."
		task["inputRequests"] = asks
	}
	return nil
}

// answerInTask completes the user tasks whose forms were answered, and
// counts the refusals (their forms are asked again under new keys).
func (g *Gateway) answerInTask(ctx context.Context, ref taskRef, responses map[string]json.RawMessage, size int) *jsonrpc.Error {
	for k, raw := range responses {
		key, n, ok := parseInputKey(k)
		if !ok {
			continue
		}
		var answer mcp.ElicitResult
		if json.Unmarshal(raw, &answer) != nil || answer.Action == "" {
			continue
		}
		ut, err := g.api.GetUserTask(ctx, key)
		if err != nil || ut.ProcessInstanceKey != ref.Instance || ut.State != "CREATED" {
			continue // not this task's, or done meanwhile
		}
		current, err := g.formRefusals(ctx, ut)
		if err != nil {
			return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
		}
		if n != current {
			continue // answered already: not outstanding
		}
		if answer.Action != "accept" {
			// Declined or cancelled: the form is asked again, under a new key.
			err := g.api.SetVariables(ctx, ut.ElementInstanceKey, &cluster.SetVariableRequest{
				Variables: map[string]any{refusalsVariable: current + 1}, Local: true})
			if err != nil && cluster.CodeOf(err) != cluster.CodeNotFound && cluster.CodeOf(err) != cluster.CodeInvalidState {
				return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
			}
			continue
		}
		err = g.api.CompleteUserTask(ctx, key, &cluster.UserTaskCompletionRequest{Variables: answer.Content})
		if g.audit != nil {
			e := &store.AuditLog{EntityType: "USER_TASK", OperationType: "COMPLETE", Category: "USER_TASKS", EntityKey: key.String(),
				UserTaskKey: int64(key), ProcessInstanceKey: int64(ref.Instance), ProcessDefinitionKey: int64(ut.ProcessDefinitionKey),
				ProcessDefinitionID: ut.ProcessDefinitionID, InboundChannelType: cluster.AuditChannelMCP, InboundChannelTool: "tasks/update",
				Endpoint: endpointOf(ctx), ArgumentsSize: int64(size), Result: cluster.AuditSuccess}
			e.ActorType, e.ActorID = actor(ctx)
			if err != nil {
				e.Result, e.ErrorMessage = cluster.AuditFail, clip(err.Error())
			}
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
			aerr := g.audit.rec.RecordAudit(rctx, e)
			cancel()
			if aerr != nil {
				return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "The answer could not be recorded in the audit log: " + aerr.Error()}
			}
		}
		if err != nil && cluster.CodeOf(err) != cluster.CodeNotFound && cluster.CodeOf(err) != cluster.CodeInvalidState {
			return &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
		}
	}
	return nil
}
