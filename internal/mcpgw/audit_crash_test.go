package mcpgw_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/crashtest"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/loadgen"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/store"
)

// auditCrashDirEnv carries the data directory to the child process of
// TestAuditSurvivesSIGKILL.
const auditCrashDirEnv = "ORCA_AUDIT_CRASH_CHILD_DIR"

// auditServer is an engine on dir with the MCP gateway on loopback HTTP,
// without authentication, as orca start mounts it.
type auditServer struct {
	eng *engine.Engine
	gw  *mcpgw.Gateway
	hs  *httptest.Server
}

func openAuditServer(t testing.TB, dir string) *auditServer {
	return openAuditServerWith(t, engine.Options{DataDir: dir})
}

func openAuditServerWith(t testing.TB, opts engine.Options) *auditServer {
	t.Helper()
	eng, err := engine.Open(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := mcpgw.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), mcpgw.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	gw.Register(mux, func(h http.Handler) http.Handler { return h })
	return &auditServer{eng: eng, gw: gw, hs: httptest.NewServer(mux)}
}

// callTool posts one tools/call as a plain JSON-RPC client does and
// returns its structured result; an error or a tool error is an error.
func callTool(hc *http.Client, url, tool string, args any) (map[string]any, error) {
	out, err := loadgen.CallTool[map[string]any](context.Background(), hc, url+mcpgw.PathCluster, 1, tool, args)
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// storedAuditEntries reads every audit log entry of the store in dir, through a
// fresh engine (a restart).
func storedAuditEntries(t *testing.T, dir string) []*store.AuditLog {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	rows, err := store.Select(context.Background(), eng.Store(), func() *store.AuditLog { return new(store.AuditLog) }, "1=1")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestAuditCrashChild is the load TestAuditSurvivesSIGKILL kills: two
// clients, each starting an instance with createProcessInstance and
// reading it five times with getProcessInstance, over and over, and one
// evaluating a decision with evaluateDecision. It prints a line for every
// acknowledged call and runs until killed.
func TestAuditCrashChild(t *testing.T) {
	dir := crashtest.ChildDir(t, auditCrashDirEnv)
	s := openAuditServer(t, dir)
	hc := &http.Client{}
	if _, err := callTool(hc, s.hs.URL, "deployResource", map[string]any{"resourceName": "orders.bpmn", "resource": readFile(t, "testdata/orders.bpmn")}); err != nil {
		crashtest.Abort(err)
	}
	if _, err := callTool(hc, s.hs.URL, "deployResource", map[string]any{"resourceName": "dinner.dmn", "resource": readFile(t, "testdata/dinner.dmn")}); err != nil {
		crashtest.Abort(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			out, err := callTool(hc, s.hs.URL, "evaluateDecision", map[string]any{"decisionDefinitionId": "dish", "variables": map[string]any{"month": 12, "guestCount": 2}})
			if err == nil {
				fmt.Println("E", out["decisionEvaluationKey"])
			}
		}
	})
	for range 2 {
		wg.Go(func() {
			for {
				out, err := callTool(hc, s.hs.URL, "createProcessInstance", map[string]any{"processDefinitionId": "quick"})
				if err != nil {
					continue
				}
				pi := out["processInstanceKey"].(string)
				fmt.Println("W", pi)
				for range 5 {
					if _, err := callTool(hc, s.hs.URL, "getProcessInstance", map[string]any{"processInstanceKey": pi}); err == nil {
						fmt.Println("R", pi)
					}
				}
			}
		})
	}
	wg.Wait()
}

// SIGKILL while clients start instances and read them over MCP: after the
// restart every acknowledged write (createProcessInstance) has exactly one
// entry; reads' entries are committed in groups after their answer, so the
// last ones answered may be missing, never more than the queue and a group
// in flight hold, and none is recorded twice. Every read's entry carries
// the instance's tenant and root, taken from the result.
func TestAuditSurvivesSIGKILL(t *testing.T) {
	writes := map[int64]bool{}
	evals := map[int64]bool{}
	reads := map[int64]int{} // instance -> acknowledged reads
	nreads := 0
	dir := crashtest.Run(t, auditCrashDirEnv, "TestAuditCrashChild", func(f []string) bool {
		if len(f) == 2 && (f[0] == "W" || f[0] == "R" || f[0] == "E") {
			k, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil {
				t.Fatalf("child: %q", f)
			}
			switch f[0] {
			case "W":
				writes[k] = true
			case "E":
				evals[k] = true
			default:
				reads[k]++
				nreads++
			}
		}
		return len(writes) >= 60 && nreads >= 300 && len(evals) >= 20
	})

	created := map[int64]int{}
	evaluated := map[int64]int{}
	read := map[int64]int{}
	for _, r := range storedAuditEntries(t, dir) {
		switch r.InboundChannelTool {
		case "createProcessInstance":
			if r.Result != cluster.AuditSuccess || r.OperationType != "CREATE" {
				t.Errorf("write entry %+v", r)
			}
			created[r.ProcessInstanceKey]++
		case "getProcessInstance":
			if r.Result != cluster.AuditSuccess || r.TenantID != engine.DefaultTenant || r.RootProcessInstanceKey != r.ProcessInstanceKey {
				t.Errorf("read entry %+v", r)
			}
			read[r.ProcessInstanceKey]++
		case "evaluateDecision":
			k, err := strconv.ParseInt(r.EntityKey, 10, 64)
			if r.Result != cluster.AuditSuccess || r.OperationType != "EVALUATE" || err != nil {
				t.Errorf("evaluation entry %+v", r)
			}
			evaluated[k]++
		}
	}
	// An evaluation's entry is written with it, in its command's
	// transaction: an acknowledged one has exactly one, and none has two.
	for k := range evals {
		if evaluated[k] != 1 {
			t.Errorf("acknowledged evaluation %d has %d entries", k, evaluated[k])
		}
	}
	for k, n := range evaluated {
		if n > 1 {
			t.Errorf("evaluation %d has %d entries", k, n)
		}
	}
	for pi := range writes {
		if created[pi] != 1 {
			t.Errorf("acknowledged write of instance %d has %d entries", pi, created[pi])
		}
	}
	for pi, n := range created {
		if n > 1 {
			t.Errorf("instance %d has %d creation entries", pi, n)
		}
	}
	lost, extra := 0, 0
	for pi, n := range reads {
		if read[pi] < n {
			lost += n - read[pi]
		}
	}
	for pi, n := range read {
		if n > reads[pi] {
			extra += n - reads[pi]
		}
	}
	// A read answered but not yet acknowledged to the client when it died
	// (one per client at most) may have its entry.
	if extra > 2 {
		t.Errorf("%d read entries more than acknowledged reads", extra)
	}
	if bound := mcpgw.AuditLossBound; lost > bound {
		t.Errorf("%d acknowledged reads lost their entries, more than the bound %d", lost, bound)
	}
	t.Logf("%d acknowledged evaluations, all recorded", len(evals))
	t.Logf("%d acknowledged writes, all recorded; %d acknowledged reads, %d of their entries lost in the crash", len(writes), nreads, lost)
}

// A shutdown commits every read's entry: reads, then the server stops, the
// gateway closes and the engine closes; after the restart each read has
// its entry.
func TestAuditReadsCommittedOnClose(t *testing.T) {
	dir := t.TempDir()
	s := openAuditServer(t, dir)
	hc := &http.Client{}
	if _, err := callTool(hc, s.hs.URL, "deployResource", map[string]any{"resourceName": "orders.bpmn", "resource": readFile(t, "testdata/orders.bpmn")}); err != nil {
		t.Fatal(err)
	}
	out, err := callTool(hc, s.hs.URL, "createProcessInstance", map[string]any{"processDefinitionId": "quick"})
	if err != nil {
		t.Fatal(err)
	}
	pi, _ := strconv.ParseInt(out["processInstanceKey"].(string), 10, 64)
	const n = 100
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range n / 4 {
				if _, err := callTool(hc, s.hs.URL, "getProcessInstance", map[string]any{"processInstanceKey": fmt.Sprint(pi)}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	s.hs.Close()
	s.gw.Close()
	if err := s.eng.Close(); err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, r := range storedAuditEntries(t, dir) {
		if r.InboundChannelTool == "getProcessInstance" && r.ProcessInstanceKey == pi {
			got++
		}
	}
	if got != n {
		t.Fatalf("%d read entries after the shutdown, want %d", got, n)
	}
}

// The engine closes before the gateway (a shutdown in the wrong order, or
// the engine stopping on a storage failure): the reads' entries still
// waiting for their group are refused, counted and logged, never waited
// for (Close returns at once); each read is either recorded or counted as
// lost, and the writes (one per read here) are all recorded.
func TestAuditEngineClosesFirst(t *testing.T) {
	dir := t.TempDir()
	s := openAuditServer(t, dir)
	hc := &http.Client{}
	if _, err := callTool(hc, s.hs.URL, "deployResource", map[string]any{"resourceName": "orders.bpmn", "resource": readFile(t, "testdata/orders.bpmn")}); err != nil {
		t.Fatal(err)
	}
	const n = 40
	for range n {
		out, err := callTool(hc, s.hs.URL, "createProcessInstance", map[string]any{"processDefinitionId": "quick"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := callTool(hc, s.hs.URL, "getProcessInstance", map[string]any{"processInstanceKey": out["processInstanceKey"]}); err != nil {
			t.Fatal(err)
		}
	}
	s.hs.Close()
	if err := s.eng.Close(); err != nil {
		t.Fatal(err)
	}
	s.gw.Close() // commits what is queued: refused now
	reads, writes := 0, 0
	for _, r := range storedAuditEntries(t, dir) {
		switch r.InboundChannelTool {
		case "getProcessInstance":
			reads++
		case "createProcessInstance":
			writes++
		}
	}
	lost := int(mcpgw.AuditLost(s.gw))
	if writes != n || reads+lost != n {
		t.Fatalf("%d writes recorded, %d reads recorded and %d lost; want %d writes, and reads recorded and lost adding up to %d",
			writes, reads, lost, n, n)
	}
	t.Logf("%d reads' entries recorded, %d refused by the closed engine", reads, lost)
}
