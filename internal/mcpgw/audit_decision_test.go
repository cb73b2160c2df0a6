package mcpgw_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/loadgen"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/store"
)

// bombDMN is a decision whose rule builds a huge value: its evaluation
// spends FEEL's whole budget and fails (recorded as failed).
const bombDMN = `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bombGraph" name="G" namespace="x">
<decision id="bomb" name="Bomb"><decisionTable id="t">
<input id="i" label="x"><inputExpression id="ie" typeRef="number"><text>x</text></inputExpression></input>
<output id="o" name="y" />
<rule id="boom"><inputEntry id="bi"><text>-</text></inputEntry><outputEntry id="bo"><text>for i in 1..100000000 return string join(for j in 1..1000 return "xxxxxxxxxx")</text></outputEntry></rule>
</decisionTable></decision></definitions>`

// toolAnswer is a tools/call's result as the client reads it.
type toolAnswer struct {
	text    string
	isError bool
	evalKey string // decisionEvaluationKey, when the result names one
}

// evaluate calls evaluateDecision and returns its result, tool error or
// not; a JSON-RPC error or a failed request is an error.
func evaluate(ctx context.Context, hc *http.Client, url string, args map[string]any) (toolAnswer, error) {
	b, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": 1, "method": "tools/call",
		"params": map[string]any{"name": "evaluateDecision", "arguments": args}})
	if err != nil {
		return toolAnswer{}, err
	}
	res, err := hc.Do(jsonRPCRequest(ctx, url+mcpgw.PathCluster, string(b), loadgen.MCPProtocolVersion))
	if err != nil {
		return toolAnswer{}, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return toolAnswer{}, err
	}
	var out struct {
		Result *struct {
			Content []struct {
				Text string `json:"text"`
			} `json:"content"`
			StructuredContent struct {
				DecisionEvaluationKey string `json:"decisionEvaluationKey"`
			} `json:"structuredContent"`
			IsError bool `json:"isError"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Result == nil || len(out.Result.Content) == 0 {
		return toolAnswer{}, fmt.Errorf("evaluateDecision: %d %s (%v)", res.StatusCode, body, err)
	}
	return toolAnswer{text: out.Result.Content[0].Text, isError: out.Result.IsError, evalKey: out.Result.StructuredContent.DecisionEvaluationKey}, nil
}

// ownCommits is the embedded cluster without its cluster.AuditRider: the
// gateway commits every write's entry on its own, as it committed
// evaluateDecision's before its entry rode the evaluation's command.
type ownCommits struct {
	cluster.API
	cluster.AuditRecorder
}

// decisionCalls are evaluateDecision's outcomes: evaluations that succeed,
// one that fails on the table's hit policy (a FEEL error), one that
// spends FEEL's budget, an unknown decision, and no decision named.
var decisionCalls = []struct {
	name    string
	args    map[string]any
	isError bool
	want    string // in the answer's text
}{
	{"by id", map[string]any{"decisionDefinitionId": "beverages", "variables": map[string]any{"month": 7, "guestCount": 6, "guestsWithChildren": false}}, false, `"output":"[\"Water\"]"`},
	{"again", map[string]any{"decisionDefinitionId": "dish", "variables": map[string]any{"month": 12, "guestCount": 2}}, false, `"output":"\"Roastbeef\""`},
	{"hit policy", map[string]any{"decisionDefinitionId": "risk", "variables": map[string]any{"score": 1}}, true, `"failedDecisionDefinitionId":"risk"`},
	{"budget", map[string]any{"decisionDefinitionId": "bomb", "variables": map[string]any{"x": 1}}, true, `"failedDecisionDefinitionId":"bomb"`},
	{"unknown", map[string]any{"decisionDefinitionId": "nope"}, true, "no decision found for id 'nope'"},
	{"none named", map[string]any{}, true, "At least one of"},
}

// decisionServer is an engine with the MCP gateway in front of
// wrap(embedded cluster) on loopback HTTP, and the count of requests it
// took (whose handler ran).
func decisionServer(t *testing.T, obs engine.Observer, wrap func(*cluster.Embedded) cluster.API) (*engine.Engine, *cluster.Embedded, *httptest.Server, *atomic.Int64) {
	t.Helper()
	eng, err := engine.Open(t.Context(), engine.Options{DataDir: t.TempDir(), Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	emb := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	gw, err := mcpgw.New(wrap(emb), mcpgw.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	gw.Register(mux, func(h http.Handler) http.Handler { return h })
	var served atomic.Int64
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(func() { hs.Close(); gw.Close(); eng.Close() })
	return eng, emb, hs, &served
}

// runDecisionCalls deploys the decisions and makes decisionCalls on a
// fresh engine whose cluster is wrap(embedded); it returns the answers,
// the commits each call took and the audit log as /v2/audit-logs
// searches it (evaluateDecision's entries), with each answer's evaluation
// key and the entries' own keys and times written as names, so that two
// runs compare.
func runDecisionCalls(t *testing.T, wrap func(*cluster.Embedded) cluster.API) ([]toolAnswer, []int64, string) {
	t.Helper()
	var c commits
	eng, emb, hs, _ := decisionServer(t, &c, wrap)
	hc := &http.Client{}
	for _, f := range [][2]string{{"dinner.dmn", readFile(t, "testdata/dinner.dmn")}, {"risk.dmn", readFile(t, "testdata/risk.dmn")}, {"bomb.dmn", bombDMN}} {
		if _, err := callTool(hc, hs.URL, "deployResource", map[string]any{"resourceName": f[0], "resource": f[1]}); err != nil {
			t.Fatal(err)
		}
	}
	var answers []toolAnswer
	var took []int64
	for _, call := range decisionCalls {
		var a toolAnswer
		took = append(took, c.since(func() {
			var err error
			if a, err = evaluate(t.Context(), hc, hs.URL, call.args); err != nil {
				t.Fatalf("%s: %v", call.name, err)
			}
		}))
		if a.isError != call.isError || !strings.Contains(a.text, call.want) {
			t.Fatalf("%s: isError %v, %s", call.name, a.isError, a.text)
		}
		answers = append(answers, a)
	}
	// POST /v2/audit-logs/search's body, to the operation it calls.
	var q cluster.AuditLogSearchQuery
	if err := json.Unmarshal([]byte(`{"filter":{"entityType":{"$eq":"DECISION"}},"sort":[{"field":"auditLogKey"}]}`), &q); err != nil {
		t.Fatal(err)
	}
	res, err := emb.SearchAuditLogs(t.Context(), &q)
	if err != nil {
		t.Fatal(err)
	}
	for i := range res.Items {
		res.Items[i].AuditLogKey, res.Items[i].Timestamp = 0, time.Time{}
	}
	// The stored rows too: the search does not show the error message.
	rows, err := store.Select(t.Context(), eng.Store(), func() *store.AuditLog { return new(store.AuditLog) }, "entity_type = 'DECISION' ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		r.Key, r.Timestamp = 0, time.Time{}
	}
	b, err := json.MarshalIndent(map[string]any{"search": res.Items, "rows": rows}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	log := string(b)
	for i, a := range answers {
		if a.evalKey != "" {
			log = strings.ReplaceAll(log, a.evalKey, fmt.Sprintf("<evaluation of call %d>", i))
		}
	}
	return answers, took, log
}

// failText is the answer's text as the audit log search reads after
// runDecisionCalls named the evaluation of call i.
func failText(a toolAnswer, i int) string {
	if a.evalKey == "" {
		return a.text
	}
	return strings.ReplaceAll(a.text, a.evalKey, fmt.Sprintf("<evaluation of call %d>", i))
}

// evaluateDecision's entry rides the command that records the evaluation
// (or the lookup that fails): each call, whatever its outcome, costs one
// commit, where committing the entry on its own cost an evaluation two,
// and the audit log reads exactly as it did then: one entry per call,
// SUCCESS naming the evaluation, or FAIL with the tool error's text.
func TestAuditEvaluateDecisionRides(t *testing.T) {
	answers, took, got := runDecisionCalls(t, func(e *cluster.Embedded) cluster.API { return e })
	_, tookOwn, want := runDecisionCalls(t, func(e *cluster.Embedded) cluster.API { return ownCommits{e, e} })
	if got != want {
		t.Errorf("audit log with the entries riding:\n%s\nwith each committed on its own:\n%s", got, want)
	}
	var log struct {
		Search []cluster.AuditLog
		Rows   []store.AuditLog
	}
	if err := json.Unmarshal([]byte(got), &log); err != nil {
		t.Fatal(err)
	}
	entries := log.Rows
	if len(entries) != len(decisionCalls) {
		t.Fatalf("%d entries for %d calls:\n%s", len(entries), len(decisionCalls), got)
	}
	for i, call := range decisionCalls {
		e, a := entries[i], answers[i]
		switch {
		case e.InboundChannelTool != "evaluateDecision" || e.OperationType != "EVALUATE" || log.Search[i].Result != e.Result:
			t.Errorf("%s: entry %+v", call.name, e)
		case !call.isError && (e.Result != cluster.AuditSuccess || e.EntityKey != fmt.Sprintf("<evaluation of call %d>", i)):
			t.Errorf("%s: entry %s %s, want SUCCESS naming the evaluation", call.name, e.Result, e.EntityKey)
		case call.isError && (e.Result != cluster.AuditFail || e.ErrorMessage != failText(a, i)):
			t.Errorf("%s: entry %s %q, want FAIL with the answer's text %s", call.name, e.Result, e.ErrorMessage, a.text)
		}
		// An evaluation, failed or not, is named by its entry, as Camunda
		// names the DECISION_EVALUATION record (EVALUATED or FAILED).
		evaluated := strings.Contains(call.want, "output") || strings.Contains(call.want, "failedDecisionDefinitionId")
		switch {
		case evaluated && (a.evalKey == "" || e.EntityKey != fmt.Sprintf("<evaluation of call %d>", i)):
			t.Errorf("%s: entry names %q, want the evaluation %q", call.name, e.EntityKey, a.evalKey)
		case !evaluated && e.EntityKey != "":
			t.Errorf("%s: entry names %q, and there is no evaluation", call.name, e.EntityKey)
		}
		// With no decision named the call fails before it reaches the
		// engine: its entry is committed on its own, its only commit.
		if took[i] != 1 {
			t.Errorf("%s took %d commits, want 1 (committing its entry on its own: %d)", call.name, took[i], tookOwn[i])
		}
	}
}

// Callers that leave mid-call (their request canceled at a spread of
// moments, before, during or after the evaluation), beside callers that
// stay: every call has exactly one entry; a call answered has its own,
// naming its evaluation; no evaluation is named by two entries; and every
// entry naming an evaluation names one that was recorded.
func TestAuditEvaluateDecisionCallerLeaves(t *testing.T) {
	eng, _, hs, served := decisionServer(t, nil, func(e *cluster.Embedded) cluster.API { return e })
	hc := &http.Client{}
	for name, dmn := range map[string]string{"dinner.dmn": readFile(t, "testdata/dinner.dmn"), "bomb.dmn": bombDMN} {
		if _, err := callTool(hc, hs.URL, "deployResource", map[string]any{"resourceName": name, "resource": dmn}); err != nil {
			t.Fatal(err)
		}
	}
	before := served.Load()
	const n = 24
	var (
		mu       sync.Mutex
		answered = map[string]bool{} // evaluation keys answered
	)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			args := map[string]any{"decisionDefinitionId": "beverages", "variables": map[string]any{"month": 7, "guestCount": 6, "guestsWithChildren": false}}
			if i%2 == 1 {
				args = map[string]any{"decisionDefinitionId": "bomb", "variables": map[string]any{"x": 1}}
			}
			ctx := t.Context()
			if i%3 != 0 { // two calls in three leave, after 0 to 15 ms
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, time.Duration(i%16)*time.Millisecond)
				defer cancel()
			}
			a, err := evaluate(ctx, hc, hs.URL, args)
			if err != nil {
				return // left before the answer
			}
			mu.Lock()
			defer mu.Unlock()
			if a.evalKey != "" {
				answered[a.evalKey] = true
			}
		})
	}
	wg.Wait()
	hs.Close() // waits for the calls the server still serves: their entries are written
	calls := served.Load() - before
	rows, err := store.Select(t.Context(), eng.Store(), func() *store.AuditLog { return new(store.AuditLog) }, "inbound_channel_tool_name = 'evaluateDecision'")
	if err != nil {
		t.Fatal(err)
	}
	evals, err := store.Select(t.Context(), eng.Store(), func() *store.DecisionInstance { return new(store.DecisionInstance) }, "1=1")
	if err != nil {
		t.Fatal(err)
	}
	recorded := map[string]bool{}
	for _, d := range evals {
		recorded[fmt.Sprint(d.EvaluationKey)] = true
	}
	// An entry names its evaluation by its entity key (SUCCESS) or in
	// the text of the tool error it answered (a failed evaluation).
	var named []string
	for _, r := range rows {
		k := r.EntityKey
		if _, rest, ok := strings.Cut(r.ErrorMessage, `"decisionEvaluationKey":"`); ok && k == "" {
			k, _, _ = strings.Cut(rest, `"`)
		}
		if k == "" {
			continue
		}
		named = append(named, k)
		if !recorded[k] {
			t.Errorf("entry %+v names no recorded evaluation", r)
		}
	}
	for k := range answered {
		if !slices.Contains(named, k) {
			t.Errorf("answered evaluation %s has no entry naming it", k)
		}
	}
	slices.Sort(named)
	if len(slices.Compact(slices.Clone(named))) != len(named) {
		t.Errorf("an evaluation is named by two entries: %v", named)
	}
	if int64(len(rows)) != calls {
		t.Errorf("%d entries for the %d calls the server took", len(rows), calls)
	}
	t.Logf("%d calls made, %d taken by the server, %d answered with an evaluation, %d evaluations recorded, %d entries naming one",
		n, calls, len(answered), len(recorded), len(named))
}

// BenchmarkAuditEvaluateDecision makes evaluateDecision calls over MCP
// (stateless JSON-RPC POSTs on loopback HTTP, the lean path) against the
// embedded engine on a data directory: serially, and from 8 clients at
// once. ns/op is the wall time per call, cpu-us/op the process's CPU time
// per call (server and client, the engine's commits included), commits/op
// the engine's transactions per call (several calls' commands share one
// when they come at once): what an
// evaluation's audit entry committed on its own costs shows in both.
//
//	go test ./internal/mcpgw -run '^$' -bench AuditEvaluateDecision -benchtime 2000x
func BenchmarkAuditEvaluateDecision(b *testing.B) {
	var tx commits
	eng, err := engine.Open(b.Context(), engine.Options{DataDir: b.TempDir(), Observer: &tx})
	if err != nil {
		b.Fatal(err)
	}
	gw, err := mcpgw.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), mcpgw.Options{Version: "test"})
	if err != nil {
		b.Fatal(err)
	}
	mux := http.NewServeMux()
	gw.Register(mux, func(h http.Handler) http.Handler { return h })
	hs := httptest.NewServer(mux)
	b.Cleanup(func() { hs.Close(); gw.Close(); eng.Close() })
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	if _, err := callTool(hc, hs.URL, "deployResource", map[string]any{"resourceName": "dinner.dmn", "resource": readFile(b, "testdata/dinner.dmn")}); err != nil {
		b.Fatal(err)
	}
	args := map[string]any{"decisionDefinitionId": "dish", "variables": map[string]any{"month": 12, "guestCount": 2}}
	call := func() error {
		a, err := evaluate(b.Context(), hc, hs.URL, args)
		if err == nil && (a.isError || a.evalKey == "") {
			err = fmt.Errorf("evaluateDecision: %s", a.text)
		}
		return err
	}
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
			if err := call(); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			c0, tx0 := processCPU(), tx.n.Load()
			var next atomic.Int64
			var wg sync.WaitGroup
			for range clients {
				wg.Go(func() {
					for next.Add(1) <= int64(b.N) {
						if err := call(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			b.ReportMetric(float64((processCPU()-c0).Microseconds())/float64(b.N), "cpu-us/op")
			b.ReportMetric(float64(tx.n.Load()-tx0)/float64(b.N), "commits/op")
		})
	}
}
