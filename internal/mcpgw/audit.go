package mcpgw

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/store"
)

// The audit log of tool calls. Every tools/call on every endpoint is
// recorded as an entry of the cluster's audit log (Camunda 8.10's shape:
// inboundChannelType MCP, inboundChannelToolName): who called, which tool
// on which endpoint, the size of the arguments (never their content), the
// outcome, and the entity (process instance, user task, incident, ...) the
// call started or touched.
//
// A call that changes something (operation type CREATE, CANCEL, RESOLVE,
// ASSIGN, COMPLETE, UPDATE, EVALUATE, a process tool, and the message and
// signal tools) is answered only once its entry is durable. Its entry, as
// far as the call names it, rides the call's first engine command
// (cluster.AuditRider; evaluateDecision's, the command that records the
// evaluation, or the lookup of the decision if that fails): the command's
// transaction writes it, completed with the command's outcome (the
// instance it started, the evaluation recorded, or FAIL and why),
// so the call costs no commit of its own, and an acknowledged command
// always has its entry, once. If the answer then says more than the
// command did (awaitCompletion ran out, a later command failed), the
// entry is rewritten in place; if no command carried it (the call failed
// before reaching the engine, or the batch was never committed), it is
// written on its own. When the entry cannot be written, the call answers
// an internal error instead of its result.
//
// A read (operation type UNKNOWN) is answered at once: its entry is handed
// to a queue, and the queue is committed in groups: the first entry of a
// group waits up to auditWindow for others (or until auditFlushMax have
// queued), and the group is then committed with one RecordAudit, which
// rides the engine's next batch. So a read costs no wait for a commit, and
// a commit carries the entries of many reads. The price: a crash (not a
// shutdown: Close commits what is queued) loses the entries of the reads
// answered in the last auditWindow before it plus those of the commit in
// flight, at most auditQueueSize+auditFlushMax entries, never a write's;
// and an entry becomes searchable up to auditWindow plus a commit after
// its answer. The queue is bounded (auditQueueSize entries): when reads
// come faster than the engine commits their entries, the next read waits
// for room instead of growing memory or dropping an entry, so a flood of
// reads slows down to the pace of the engine's commits rather than leaving
// calls unrecorded.
//
// Against a remote Camunda the cluster keeps its own audit log (it records
// the operations the gateway's REST calls make) and Orca records nothing.

const (
	// auditTimeout bounds the wait for an audit entry to be committed.
	auditTimeout = 30 * time.Second
	// auditQueueSize bounds the reads' entries waiting to be committed.
	auditQueueSize = 4096
	// auditFlushMax is the most entries one commit takes from the queue;
	// a group is committed as soon as that many are queued.
	auditFlushMax = 512
	// auditWindow is how long the first read's entry of a group waits for
	// others before the group is committed. A commit of its own costs
	// about as much CPU time as 60 entries' inserts (the WAL's frames and
	// its fsync; BenchmarkAuditGroups): with 10 ms, reads at 3,000 to
	// 7,000/s (30 to 70 to a group) paid once or twice their entry's
	// insert again in commits; with 50 ms, a fifth to a half.
	auditWindow = 50 * time.Millisecond
	// auditSpareIdle is how long the queue stays empty before the spare
	// entries of the reads committed last are given back (auditor.spare).
	auditSpareIdle = time.Second
)

// endpointKey carries the MCP endpoint a request came in on.
type endpointKey struct{}

// atEndpoint tells the handlers of h which endpoint they serve.
func atEndpoint(path string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), endpointKey{}, path)))
	})
}

func endpointOf(ctx context.Context) string {
	s, _ := ctx.Value(endpointKey{}).(string)
	return s
}

// auditKind is what a tool does, in the audit log's terms.
type auditKind struct{ entity, operation, category string }

var (
	readInstances = auditKind{"PROCESS_INSTANCE", "UNKNOWN", "DEPLOYED_RESOURCES"}
	startInstance = auditKind{"PROCESS_INSTANCE", "CREATE", "DEPLOYED_RESOURCES"}
	// unknownTool is a call of a tool the endpoint does not have (on
	// /mcp/processes, a process tool that was removed or never was).
	unknownTool = auditKind{"PROCESS_INSTANCE", "UNKNOWN", "DEPLOYED_RESOURCES"}
)

// isUnknownTool tells whether err answers a call of a tool the endpoint
// does not have: JSON-RPC -32602 "Unknown tool: …", as Camunda answers.
func isUnknownTool(err error) bool {
	if err == nil {
		// errors.As moves je to the heap: every call of a tool not in
		// toolKinds (each process tool) would allocate it.
		return false
	}
	var je *jsonrpc.Error
	return errors.As(err, &je) && je.Code == jsonrpc.CodeInvalidParams && strings.HasPrefix(je.Message, "Unknown tool: ")
}

// changesState names the tools whose operation type is UNKNOWN but which
// change the cluster: their entries are waited for, as writes' are.
var changesState = map[string]bool{"publishMessage": true, "correlateMessage": true, "broadcastSignal": true}

// isRead tells whether a call of the tool only reads: its entry is not
// waited for. A tool not in toolKinds (a process tool) starts an instance.
func isRead(tool string) bool {
	k, ok := toolKinds[tool]
	return ok && k.operation == "UNKNOWN" && !changesState[tool]
}

// toolKinds maps the gateway's tools to audit log kinds. Reads have no
// operation type of their own in Camunda's enumeration: they are UNKNOWN.
// A tool not listed (a process tool of /mcp/processes) starts an instance.
var toolKinds = map[string]auditKind{
	"getClusterStatus":          {"RESOURCE", "UNKNOWN", "ADMIN"},
	"getTopology":               {"RESOURCE", "UNKNOWN", "ADMIN"},
	"getIncident":               {"INCIDENT", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"searchIncidents":           {"INCIDENT", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"resolveIncident":           {"INCIDENT", "RESOLVE", "DEPLOYED_RESOURCES"},
	"getProcessDefinition":      {"RESOURCE", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"getProcessDefinitionXml":   {"RESOURCE", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"searchProcessDefinitions":  {"RESOURCE", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"createProcessInstance":     startInstance,
	"getProcessInstance":        readInstances,
	"searchProcessInstances":    readInstances,
	"cancelProcessInstance":     {"PROCESS_INSTANCE", "CANCEL", "DEPLOYED_RESOURCES"},
	"searchElementInstances":    readInstances,
	"assignUserTask":            {"USER_TASK", "ASSIGN", "USER_TASKS"},
	"completeUserTask":          {"USER_TASK", "COMPLETE", "USER_TASKS"},
	"getUserTask":               {"USER_TASK", "UNKNOWN", "USER_TASKS"},
	"searchUserTasks":           {"USER_TASK", "UNKNOWN", "USER_TASKS"},
	"searchUserTaskVariables":   {"USER_TASK", "UNKNOWN", "USER_TASKS"},
	"getVariable":               {"VARIABLE", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"searchVariables":           {"VARIABLE", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"setVariables":              {"VARIABLE", "UPDATE", "DEPLOYED_RESOURCES"},
	"deployResource":            {"RESOURCE", "CREATE", "DEPLOYED_RESOURCES"},
	"publishMessage":            {"PROCESS_INSTANCE", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"correlateMessage":          {"PROCESS_INSTANCE", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"broadcastSignal":           {"PROCESS_INSTANCE", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"searchJobs":                {"JOB", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"evaluateDecision":          {"DECISION", "EVALUATE", "DEPLOYED_RESOURCES"},
	"searchDecisionDefinitions": {"DECISION", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"searchDecisionInstances":   {"DECISION", "UNKNOWN", "DEPLOYED_RESOURCES"},
	"getDecisionInstance":       {"DECISION", "UNKNOWN", "DEPLOYED_RESOURCES"},
}

// auditor records tool calls; nil when the cluster keeps no audit log
// Orca writes.
type auditor struct {
	rec   cluster.AuditRecorder
	rider cluster.AuditRider // nil: writes' entries are committed on their own
	g     *Gateway
	// queue holds reads' entries until they are committed; flushing tells
	// whether a goroutine is committing them.
	queue    chan *store.AuditLog
	flushing atomic.Bool
	full     chan struct{} // a group's worth is queued: commit without waiting out the window
	closing  atomic.Bool   // Close: commit what is queued at once
	// commitMu is held while a group is taken from the queue and
	// committed: Close waits for the commit in flight.
	commitMu sync.Mutex
	lost     atomic.Int64 // entries the engine refused (it failed or closed)
	// corrected counts writes' entries that rode a command and were then
	// rewritten: the call's answer said more than the command did.
	corrected atomic.Int64
	// spare holds up to auditFlushMax reads' entries whose group was
	// committed, for the next calls' entries: an entry is 320 bytes, most
	// of what a read's audit allocates, and the garbage collector's work
	// grows with what is allocated (BenchmarkAuditRead). (A sync.Pool is
	// emptied by every other collection, which under a flood of reads
	// comes sooner than the next group's commit.) The recorder keeps none
	// of the entries it was given once it returned (cluster.AuditRecorder).
	// Once the queue has stayed empty for spareIdle (auditSpareIdle), idle
	// fires and the spares are dropped (dropSpares): a burst of reads
	// leaves up to auditFlushMax of them, 160 KiB, which reads that may not
	// come again would keep alive.
	spare     chan *store.AuditLog
	idle      *time.Timer
	spareIdle time.Duration
}

func (g *Gateway) newAuditor() *auditor {
	rec, ok := g.api.(cluster.AuditRecorder)
	if !ok {
		return nil
	}
	return newAuditor(rec, g)
}

func newAuditor(rec cluster.AuditRecorder, g *Gateway) *auditor {
	a := &auditor{rec: rec, g: g, queue: make(chan *store.AuditLog, auditQueueSize), full: make(chan struct{}, 1),
		spare: make(chan *store.AuditLog, auditFlushMax), spareIdle: auditSpareIdle}
	a.rider, _ = rec.(cluster.AuditRider)
	a.idle = time.AfterFunc(time.Hour, a.dropSpares)
	a.idle.Stop()
	return a
}

// dropSpares gives the spare entries to the garbage collector: reads have
// not come for a while (auditor.idle). One that comes meanwhile allocates
// its entry, as without spares.
func (a *auditor) dropSpares() {
	if a.flushing.Load() {
		return // reads came: the flush that commits them re-arms idle
	}
	for {
		select {
		case <-a.spare:
		default:
			return
		}
	}
}

// Close commits the audit entries of the reads answered so far, which wait
// for a group to fill otherwise (audit.go); call it once the server has
// stopped answering calls and before the cluster closes. A gateway keeps
// serving after Close, committing each read's entry without the wait.
func (g *Gateway) Close() {
	if g.audit != nil {
		g.audit.close()
	}
}

// middleware records each tools/call once it is answered; a write's answer
// is held back until its entry is durable.
func (a *auditor) middleware(next mcp.MethodHandler) mcp.MethodHandler {
	return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
		ctr, ok := req.(*mcp.CallToolRequest)
		if !ok || method != "tools/call" {
			return next(ctx, method, req)
		}
		ctx = a.board(ctx, ctr)
		res, err := next(ctx, method, req)
		if aerr := a.record(ctx, ctr, res, err); aerr != nil {
			return nil, aerr
		}
		return res, err
	}
}

// board hands the entry of a write, as far as it is known before the call
// runs, to the cluster: the first command the call makes writes it in its
// own transaction, completed with the command's outcome (record then has
// nothing to write). Reads' entries are queued instead.
func (a *auditor) board(ctx context.Context, req *mcp.CallToolRequest) context.Context {
	if a.rider == nil || isRead(req.Params.Name) {
		return ctx
	}
	ctx, ride := a.rider.RideAudit(ctx, a.entry(ctx, req, &mcp.CallToolResult{}, nil), failText)
	return context.WithValue(ctx, rideKey{}, ride)
}

// rideKey carries a call's cluster.AuditRide from board to record.
type rideKey struct{}

// failText is the error message an entry keeps of a call that failed
// with err: the text of the tool error it answers (errorResult; for a
// decision evaluation that failed, evaluateDecision's result).
func failText(err error) string {
	var df *cluster.DecisionEvaluationFailed
	if errors.As(err, &df) {
		b, merr := marshal(df.Result) // the text jsonResult gives the answer
		if merr != nil {
			return errorText(errorResult(merr))
		}
		return clip(string(b))
	}
	return errorText(errorResult(err))
}

// errorText is the error message an entry keeps of a tool error.
func errorText(r *mcp.CallToolResult) string {
	if len(r.Content) > 0 {
		if t, ok := r.Content[0].(*mcp.TextContent); ok {
			return clip(t.Text)
		}
	}
	return ""
}

// record records a call and its outcome: a read's entry is queued; a
// write's entry, unless it rode the call's command already (board), is
// written and waited for. A non-nil answer replaces the call's: its entry
// could not be written.
func (a *auditor) record(ctx context.Context, req *mcp.CallToolRequest, res mcp.Result, err error) *jsonrpc.Error {
	entry := a.entry(ctx, req, res, err)
	if isRead(req.Params.Name) {
		a.later(entry)
		return nil
	}
	// The caller may have gone: the entry is written all the same.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditTimeout)
	defer cancel()
	if ride, _ := ctx.Value(rideKey{}).(cluster.AuditRide); ride != nil {
		rode, serr := ride.Settle(rctx)
		if serr != nil {
			// The command may still commit with its entry: writing
			// another could record the call twice.
			a.g.log.Error("a tool call's audit entry was not committed in time; its answer is withheld",
				"tool", req.Params.Name, "err", serr)
			return &jsonrpc.Error{Code: jsonrpc.CodeInternalError,
				Message: "The call could not be recorded in the audit log in time, so its answer is withheld: " + serr.Error()}
		}
		if rode {
			written := ride.Entry()
			fillFrom(entry, written)
			if sameEntry(written, entry) {
				return nil
			}
			// The answer says more than the command did (a later command
			// failed, awaitCompletion ran out): the entry is rewritten.
			entry.Key, entry.Timestamp = written.Key, written.Timestamp
			if entry.ProcessInstanceKey == written.ProcessInstanceKey && entry.RootProcessInstanceKey == 0 {
				entry.TenantID, entry.RootProcessInstanceKey = written.TenantID, written.RootProcessInstanceKey
			}
			a.corrected.Add(1)
			if aerr := a.rider.RewriteAudit(rctx, entry); aerr != nil {
				a.g.log.Error("a tool call's audit entry could not be corrected; its answer is withheld",
					"tool", req.Params.Name, "err", aerr)
				return &jsonrpc.Error{Code: jsonrpc.CodeInternalError,
					Message: "The call could not be recorded in the audit log, so its answer is withheld: " + aerr.Error()}
			}
			return nil
		}
	}
	if aerr := a.rec.RecordAudit(rctx, entry); aerr != nil {
		a.g.log.Error("a tool call could not be recorded in the audit log; its answer is withheld",
			"tool", req.Params.Name, "err", aerr)
		return &jsonrpc.Error{Code: jsonrpc.CodeInternalError,
			Message: "The call could not be recorded in the audit log, so its answer is withheld: " + aerr.Error()}
	}
	return nil
}

// later queues a read's entry for the engine's next batch. It waits only
// while the queue is full, whatever the caller does: the call was made, so
// its entry is due.
func (a *auditor) later(e *store.AuditLog) {
	a.queue <- e
	if len(a.queue) >= auditFlushMax {
		select {
		case a.full <- struct{}{}:
		default:
		}
	}
	if a.flushing.CompareAndSwap(false, true) {
		go a.flush()
	}
}

// flush commits queued entries, a group at a time, until the queue is
// empty. A group is what queued during auditWindow from the start of the
// previous commit (or of the flush), or auditFlushMax entries, whichever
// comes first; on Close, what is queued.
func (a *auditor) flush() {
	a.idle.Stop()
	batch := make([]*store.AuditLog, 0, auditFlushMax)
	window := time.NewTimer(auditWindow)
	defer window.Stop()
	for {
		if len(a.queue) == 0 {
			// The queue is empty: the spares go unless reads come again
			// within spareIdle (armed before the flag drops, so that whoever
			// sees it dropped sees idle armed).
			a.idle.Reset(a.spareIdle)
			a.flushing.Store(false)
			// An entry queued after the check but before the flag dropped
			// found it set and started nobody: take it now.
			if len(a.queue) == 0 || !a.flushing.CompareAndSwap(false, true) {
				return
			}
			a.idle.Stop()
		}
		if len(a.queue) < auditFlushMax && !a.closing.Load() {
			select {
			case <-window.C:
			case <-a.full:
			}
		}
		window.Reset(auditWindow)
		a.commitMu.Lock()
		batch = a.commitGroup(batch)
		a.commitMu.Unlock()
	}
}

// commitGroup takes up to auditFlushMax queued entries and commits them;
// with commitMu held. It returns batch, emptied, for reuse.
func (a *auditor) commitGroup(batch []*store.AuditLog) []*store.AuditLog {
	batch = batch[:0]
take:
	for len(batch) < auditFlushMax {
		select {
		case e := <-a.queue:
			batch = append(batch, e)
		default:
			break take
		}
	}
	if len(batch) == 0 {
		return batch
	}
	ctx, cancel := context.WithTimeout(context.Background(), auditTimeout)
	err := a.rec.RecordAudit(ctx, batch...)
	cancel()
	if err != nil {
		// The engine may hold them still (a command that timed out may
		// yet run): they are not reused.
		n := a.lost.Add(int64(len(batch)))
		a.g.log.Error("read tool calls could not be recorded in the audit log",
			"entries", len(batch), "lostSinceStart", n, "err", err)
	} else {
	spare:
		for _, e := range batch {
			*e = store.AuditLog{}
			select {
			case a.spare <- e:
			default:
				break spare
			}
		}
	}
	clear(batch)
	return batch[:0]
}

// close commits the entries queued so far, and those of reads answered
// meanwhile, without waiting out the window; it returns once they are
// committed (or refused: then they are counted as lost and logged).
func (a *auditor) close() {
	a.closing.Store(true)
	select {
	case a.full <- struct{}{}:
	default:
	}
	batch := make([]*store.AuditLog, 0, auditFlushMax)
	for {
		a.commitMu.Lock()
		empty := len(a.queue) == 0
		if !empty {
			batch = a.commitGroup(batch)
		}
		a.commitMu.Unlock()
		if empty {
			return
		}
	}
}

// entry describes a call and its outcome.
func (a *auditor) entry(ctx context.Context, req *mcp.CallToolRequest, res mcp.Result, err error) *store.AuditLog {
	name := req.Params.Name
	kind, ok := toolKinds[name]
	switch {
	case ok:
	case isUnknownTool(err):
		kind = unknownTool // it started nothing: not a CREATE
	default:
		kind = startInstance
	}
	var e *store.AuditLog
	select {
	case e = <-a.spare:
	default:
		e = new(store.AuditLog)
	}
	*e = store.AuditLog{
		EntityType: kind.entity, OperationType: kind.operation, Category: kind.category,
		InboundChannelType: cluster.AuditChannelMCP, InboundChannelTool: name,
		Endpoint: endpointOf(ctx), ArgumentsSize: int64(len(req.Params.Arguments)),
		Result: cluster.AuditSuccess,
	}
	e.ActorType, e.ActorID = actor(ctx)
	args := topLevel(req.Params.Arguments)
	var out auditFields
	ctr, _ := res.(*mcp.CallToolResult)
	switch {
	case err != nil:
		e.Result, e.ErrorMessage = cluster.AuditFail, clip(err.Error())
	case ctr == nil:
		e.Result = cluster.AuditFail
	case ctr.IsError:
		e.Result, e.ErrorMessage = cluster.AuditFail, errorText(ctr)
		if name == "evaluateDecision" {
			// A failed evaluation's answer is its result: the entry
			// names the evaluation, as the one riding its command does.
			if raw, ok := ctr.StructuredContent.(json.RawMessage); ok {
				out = topLevel(raw)
			}
		}
	case ctr.InputRequests != nil:
		e.OperationType = "UNKNOWN" // it asked the client; the retry carries the answers
	default:
		if raw, ok := ctr.StructuredContent.(json.RawMessage); ok {
			out = topLevel(raw)
		}
	}
	// What the call named, else what it answered.
	for _, m := range []*auditFields{&args, &out} {
		keyIn(m, mProcessInstanceKey, &e.ProcessInstanceKey)
		keyIn(m, mProcessDefinitionKey, &e.ProcessDefinitionKey)
		keyIn(m, mUserTaskKey, &e.UserTaskKey)
		keyIn(m, mElementInstanceKey, &e.ElementInstanceKey)
		keyIn(m, mJobKey, &e.JobKey)
		stringIn(m, mProcessDefinitionID, &e.ProcessDefinitionID)
	}
	scopeFrom(&out, e)
	var entity int64
	switch kind.entity {
	case "PROCESS_INSTANCE":
		entity = e.ProcessInstanceKey
	case "USER_TASK":
		entity = e.UserTaskKey
	case "JOB":
		entity = e.JobKey
	case "INCIDENT":
		keyIn(&args, mIncidentKey, &entity)
	case "VARIABLE":
		keyIn(&args, mVariableKey, &entity)
	case "DECISION":
		keyIn(&args, mDecisionEvaluationInstanceKey, &entity)
		keyIn(&out, mDecisionEvaluationKey, &entity)
	case "RESOURCE":
		keyIn(&args, mProcessDefinitionKey, &entity)
		keyIn(&out, mDeploymentKey, &entity)
	}
	if entity != 0 {
		e.EntityKey = cluster.Key(entity).String()
	}
	return e
}

// scopeFrom takes the tenant and root process instance of the entry's
// instance from the call's result when the result is that instance's (a
// process instance, a user task, a job, a variable of it): the engine then
// need not read them from the store (engine.fillAuditScopes).
func scopeFrom(out *auditFields, e *store.AuditLog) {
	if e.ProcessInstanceKey == 0 || e.RootProcessInstanceKey != 0 {
		return
	}
	var pi, root int64
	keyIn(out, mProcessInstanceKey, &pi)
	keyIn(out, mRootProcessInstanceKey, &root)
	var tenant string
	stringIn(out, mTenantID, &tenant)
	if pi != e.ProcessInstanceKey || root == 0 || tenant == "" {
		return
	}
	e.RootProcessInstanceKey = root
	if e.TenantID == "" {
		e.TenantID = tenant
	}
}

// fillFrom gives the entry of a call's answer what the entry written with
// its command named and the answer does not: the instance a
// createProcessInstance started, when its awaitCompletion ran out.
func fillFrom(answered, written *store.AuditLog) {
	for _, k := range []struct{ dst, src *int64 }{
		{&answered.ProcessInstanceKey, &written.ProcessInstanceKey},
		{&answered.ProcessDefinitionKey, &written.ProcessDefinitionKey},
		{&answered.ElementInstanceKey, &written.ElementInstanceKey},
		{&answered.UserTaskKey, &written.UserTaskKey},
		{&answered.JobKey, &written.JobKey},
	} {
		if *k.dst == 0 {
			*k.dst = *k.src
		}
	}
	if answered.ProcessDefinitionID == "" {
		answered.ProcessDefinitionID = written.ProcessDefinitionID
	}
	if answered.EntityKey == "" {
		answered.EntityKey = written.EntityKey
	}
}

// sameEntry tells whether the entry written with a command says what the
// call's answer says (the scope the engine filled and the key and time it
// gave aside).
func sameEntry(written, answered *store.AuditLog) bool {
	w := *written
	w.Key, w.Timestamp = answered.Key, answered.Timestamp
	w.TenantID, w.RootProcessInstanceKey = answered.TenantID, answered.RootProcessInstanceKey
	return w == *answered
}

// clip shortens an error message for the audit log to at most
// cluster.AuditErrorMessageMax bytes, cut before the character that
// crosses the bound rather than in its middle, so that an entry's text is
// valid UTF-8 wherever the message was.
func clip(s string) string {
	n := cluster.AuditErrorMessageMax
	if len(s) <= n {
		return s
	}
	for i := 1; i < utf8.UTFMax && !utf8.RuneStart(s[n]); i++ {
		n--
	}
	return s[:n]
}

// actor is who made the call, as the audit log types it.
func actor(ctx context.Context) (typ, id string) {
	p, ok := auth.PrincipalFrom(ctx)
	if !ok || p.Name == "" || p.Method == auth.MethodNone {
		return cluster.AuditActorAnonymous, ""
	}
	if p.Method == auth.MethodOIDC {
		for _, c := range []string{"client_id", "azp"} {
			if v, _ := p.Claims[c].(string); v != "" && v == p.Name {
				return cluster.AuditActorClient, p.Name
			}
		}
	}
	return cluster.AuditActorUser, p.Name
}
