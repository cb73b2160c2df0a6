package engine

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// rideEntry is an audit entry as the MCP gateway hands it over, and the
// completion it gives with it.
func rideEntry(ctx context.Context) (context.Context, *AuditRide) {
	e := &store.AuditLog{ActorType: "ANONYMOUS", Result: "SUCCESS", Category: "DEPLOYED_RESOURCES",
		EntityType: "PROCESS_INSTANCE", OperationType: "CREATE", Endpoint: "/mcp/cluster", InboundChannelTool: "createProcessInstance"}
	return WithAuditRide(ctx, e, func(e *store.AuditLog, res any, err error) {
		if err != nil {
			e.Result, e.ErrorMessage = "FAIL", err.Error()
			return
		}
		if r, ok := res.(CreateInstanceResult); ok {
			e.ProcessInstanceKey = r.ProcessInstanceKey
		}
	})
}

func auditRows(t *testing.T, h *harness) []*store.AuditLog {
	t.Helper()
	rows, err := store.Select(h.ctx, h.e.Store(), func() *store.AuditLog { return new(store.AuditLog) }, "")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// A command run with an entry riding on its context writes the entry in
// its own transaction, completed with its outcome and the instance's
// scope: one commit for both. Only the first command takes the entry.
func TestAuditRideCommitsWithItsCommand(t *testing.T) {
	h := newHarness(t)
	h.deploy("order.bpmn")
	ctx, ride := rideEntry(h.ctx)
	batches := h.e.stats.Batches.Load()
	res, err := h.e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 1}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := h.e.stats.Batches.Load() - batches; n != 1 {
		t.Errorf("%d commits for the command and its entry, want 1", n)
	}
	// A second command on the same context carries nothing.
	if _, err := h.e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 2}}}); err != nil {
		t.Fatal(err)
	}
	ok, err := ride.Settle(h.ctx)
	if !ok || err != nil {
		t.Fatalf("settle: %v %v", ok, err)
	}
	rows := auditRows(t, h)
	if len(rows) != 1 {
		t.Fatalf("%d entries, want 1: %+v", len(rows), rows)
	}
	r := rows[0]
	if r.Key != ride.Entry().Key || r.Result != "SUCCESS" || r.ProcessInstanceKey != res.ProcessInstanceKey ||
		r.RootProcessInstanceKey != res.ProcessInstanceKey || r.TenantID != DefaultTenant || r.Timestamp.IsZero() {
		t.Fatalf("entry %+v, instance %d", r, res.ProcessInstanceKey)
	}
}

// A command that fails still writes its entry, as failed; a call that
// fails before any command leaves the entry to its caller.
func TestAuditRideOfFailedCommands(t *testing.T) {
	h := newHarness(t)
	ctx, ride := rideEntry(h.ctx)
	_, err := h.e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "nope"})
	wantCode(t, err, CodeNotFound)
	if ok, err := ride.Settle(h.ctx); !ok || err != nil {
		t.Fatalf("settle: %v %v", ok, err)
	}
	rows := auditRows(t, h)
	if len(rows) != 1 || rows[0].Result != "FAIL" || !strings.Contains(rows[0].ErrorMessage, "nope") {
		t.Fatalf("entries %+v", rows)
	}

	// Refused before reaching the writer: no process given.
	ctx, ride = rideEntry(h.ctx)
	_, err = h.e.CreateProcessInstance(ctx, CreateInstanceRequest{})
	wantCode(t, err, CodeInvalidArgument)
	if ok, err := ride.Settle(h.ctx); ok || err != nil {
		t.Fatalf("settle of a call that reached no command: %v %v", ok, err)
	}
	// Settled: a later command on the context takes nothing.
	h.deploy("order.bpmn")
	if _, err := h.e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 1}}}); err != nil {
		t.Fatal(err)
	}
	if rows := auditRows(t, h); len(rows) != 1 {
		t.Fatalf("entries %+v", rows)
	}
}

// A command whose batch is never committed (the storage fails and the
// engine closes) has no entry: Settle says so, and after a restart the
// store holds neither the command's changes nor the entry.
func TestAuditRideOfUncommittedCommand(t *testing.T) {
	faults := &storetest.Faults{}
	h := newHarnessWith(t, Options{Store: store.Options{WrapWriter: faults.Wrap}})
	h.deploy("order.bpmn")
	ctx, ride := rideEntry(h.ctx)
	faults.Fail()
	errc := make(chan error, 1)
	go func() {
		_, err := h.e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 1}}})
		errc <- err
	}()
	waitFor(t, "the failing commit", func() bool { return faults.Failed() >= 1 })
	if err := h.e.Close(); err != nil {
		t.Logf("close: %v", err)
	}
	h.e = nil
	wantCode(t, <-errc, CodeUnavailable)
	if ok, err := ride.Settle(context.Background()); ok || err != nil {
		t.Fatalf("settle of an uncommitted command: %v %v", ok, err)
	}
	faults.Heal()
	h.open()
	if rows := auditRows(t, h); len(rows) != 0 {
		t.Fatalf("entries of an uncommitted command: %+v", rows)
	}
}

// A command sent to a closed engine is refused at once and takes no entry.
func TestAuditRideOnClosedEngine(t *testing.T) {
	h := newHarness(t)
	h.deploy("order.bpmn")
	if err := h.e.Close(); err != nil {
		t.Fatal(err)
	}
	ctx, ride := rideEntry(h.ctx)
	_, err := h.e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order"})
	if err != ErrClosed {
		t.Fatalf("create on a closed engine: %v", err)
	}
	if ok, err := ride.Settle(h.ctx); ok || err != nil {
		t.Fatalf("settle: %v %v", ok, err)
	}
	h.e = nil
}

// abandonCalls makes n calls whose caller gave up before they ran (their
// context is cancelled), each with the entry ride gives it; an entry that
// no command wrote is recorded as failed, as the caller (the gateway)
// records it.
func abandonCalls(t *testing.T, h *harness, n int, ride func(context.Context) (context.Context, *AuditRide), call func(context.Context)) {
	t.Helper()
	for range n {
		ctx, cancel := context.WithCancel(h.ctx)
		cancel()
		ctx, r := ride(ctx)
		call(ctx)
		ok, err := r.Settle(h.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			e := r.Entry()
			e.Result = "FAIL"
			if _, err := h.e.RecordAudit(h.ctx, e); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// Calls whose caller gave up before or while their command ran (the
// context is cancelled): whether the command was sent or not, each call
// ends with exactly one entry, written with its command when the command
// ran, else by the caller; every instance that was started is named by
// one entry.
func TestAuditRideOfAbandonedCalls(t *testing.T) {
	h := newHarness(t)
	h.deploy("order.bpmn")
	const n = 50
	abandonCalls(t, h, n, rideEntry, func(ctx context.Context) {
		_, _ = h.e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 1}}})
	})
	pis, err := store.Select(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "")
	if err != nil {
		t.Fatal(err)
	}
	rows := auditRows(t, h)
	if len(rows) != n {
		t.Fatalf("%d entries for %d calls", len(rows), n)
	}
	named := map[int64]int{}
	for _, r := range rows {
		if r.ProcessInstanceKey != 0 {
			named[r.ProcessInstanceKey]++
		}
	}
	for _, pi := range pis {
		if named[pi.Key] != 1 {
			t.Errorf("instance %d is named by %d entries", pi.Key, named[pi.Key])
		}
	}
	if len(named) != len(pis) {
		t.Errorf("%d instances named, %d started", len(named), len(pis))
	}
	t.Logf("%d of %d abandoned calls started their instance", len(pis), n)
}

// evalRideEntry is evaluateDecision's audit entry as the MCP gateway hands
// it over, with a completion naming the evaluation recorded, or FAIL.
func evalRideEntry(ctx context.Context) (context.Context, *AuditRide) {
	e := &store.AuditLog{ActorType: "ANONYMOUS", Result: "SUCCESS", Category: "DEPLOYED_RESOURCES",
		EntityType: "DECISION", OperationType: "EVALUATE", Endpoint: "/mcp/cluster", InboundChannelTool: "evaluateDecision"}
	return WithAuditRide(ctx, e, func(e *store.AuditLog, res any, err error) {
		switch ev, _ := res.(*DecisionEvaluation); {
		case err != nil:
			e.Result, e.ErrorMessage = "FAIL", err.Error()
		case ev == nil:
			e.Result, e.ErrorMessage = "FAIL", "not an evaluation"
		case ev.FailureMessage != "":
			e.Result, e.ErrorMessage = "FAIL", ev.FailureMessage
		default:
			e.EntityKey = fmt.Sprint(ev.EvaluationKey)
		}
	})
}

// EvaluateDecision looks the decision up, evaluates it outside the writer
// and records the evaluation: an entry riding its context is written by
// the command that records the evaluation (naming it, or FAIL when the
// evaluation failed), or by the lookup when that fails; never by a lookup
// that succeeds. Each call has exactly one entry.
func TestAuditRideOfDecisionEvaluations(t *testing.T) {
	h := newHarness(t)
	rule := func(id, out string) string {
		return `<rule id="` + id + `"><inputEntry id="` + id + `i"><text>-</text></inputEntry><outputEntry id="` + id + `o"><text>` + out + `</text></outputEntry></rule>`
	}
	if _, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "d.dmn", Content: []byte(dmnModel("d", rule("r", "1")))},
		{Name: "u.dmn", Content: []byte(strings.Replace(dmnModel("u", rule("a", "1")+rule("b", "2")), `<decisionTable id="t">`, `<decisionTable id="t" hitPolicy="UNIQUE">`, 1))}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, decision string
		result, why    string // the entry's
	}{
		{"evaluated", "d", "SUCCESS", ""},
		{"evaluation failed", "u", "FAIL", "Expected to evaluate decision 'u'"},
		{"no such decision", "nope", "FAIL", "no decision found for id 'nope'"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, ride := evalRideEntry(h.ctx)
			ev, err := h.e.EvaluateDecision(ctx, "", DecisionRef{ID: c.decision}, map[string]any{"x": 1})
			if ok, serr := ride.Settle(h.ctx); !ok || serr != nil {
				t.Fatalf("settle: %v %v (evaluation: %v)", ok, serr, err)
			}
			e := ride.Entry()
			if e.Result != c.result || !strings.Contains(e.ErrorMessage, c.why) {
				t.Errorf("entry %s %q, want %s %q", e.Result, e.ErrorMessage, c.result, c.why)
			}
			if c.result == "SUCCESS" && (err != nil || e.EntityKey != fmt.Sprint(ev.EvaluationKey)) {
				t.Errorf("entry names %s, evaluation %+v %v", e.EntityKey, ev, err)
			}
			rows, err := store.Select(h.ctx, h.e.Store(), func() *store.AuditLog { return new(store.AuditLog) }, "key = ?", e.Key)
			if err != nil || len(rows) != 1 || rows[0].Result != c.result {
				t.Fatalf("stored entry %+v %v", rows, err)
			}
		})
	}
	// Abandoned calls: each ends with one entry, written with a command or
	// by the caller, and no evaluation recorded is named twice.
	before := len(auditRows(t, h))
	const n = 50
	abandonCalls(t, h, n, evalRideEntry, func(ctx context.Context) {
		_, _ = h.e.EvaluateDecision(ctx, "", DecisionRef{ID: "d"}, map[string]any{"x": 1})
	})
	rows := auditRows(t, h)
	if len(rows)-before != n {
		t.Fatalf("%d entries for %d calls", len(rows)-before, n)
	}
	named := map[string]int{}
	for _, r := range rows {
		if r.EntityKey != "" {
			named[r.EntityKey]++
		}
	}
	for k, c := range named {
		if c != 1 {
			t.Errorf("evaluation %s named by %d entries", k, c)
		}
	}
}
