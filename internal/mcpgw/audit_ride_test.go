package mcpgw_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/store"
)

// commits counts the engine's transactions: its batches that wrote
// something (one that wrote nothing took none).
type commits struct{ n atomic.Int64 }

func (c *commits) Committed(cm engine.Commit) {
	if cm.Records > 0 {
		c.n.Add(1)
	}
}
func (c *commits) StorageFailed(error, int)       {}
func (c *commits) StorageRecovered(time.Duration) {}
func (c *commits) since(f func()) int64           { n := c.n.Load(); f(); return c.n.Load() - n }
func (s *auditServer) entries(t *testing.T) []*store.AuditLog {
	t.Helper()
	rows, err := store.Select(t.Context(), s.eng.Store(), func() *store.AuditLog { return new(store.AuditLog) }, "inbound_channel_tool_name = 'createProcessInstance' ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// A write's entry is written in the transaction of the command the call
// makes: one commit per createProcessInstance, its entry there when the
// call is answered, naming the instance it started with its tenant and
// root. A failed command's entry is written the same way. When the answer
// says more than the command (awaitCompletion ran out after the instance
// started), the entry is rewritten: still one entry, FAIL, naming the
// instance.
func TestAuditWriteRidesItsCommand(t *testing.T) {
	var c commits
	s := openAuditServerWith(t, engine.Options{DataDir: t.TempDir(), Observer: &c})
	t.Cleanup(func() { s.hs.Close(); s.gw.Close(); s.eng.Close() })
	hc := &http.Client{}
	if _, err := callTool(hc, s.hs.URL, "deployResource", map[string]any{"resourceName": "orders.bpmn", "resource": readFile(t, "testdata/orders.bpmn")}); err != nil {
		t.Fatal(err)
	}
	var pis []string
	for range 3 {
		if n := c.since(func() {
			out, err := callTool(hc, s.hs.URL, "createProcessInstance", map[string]any{"processDefinitionId": "quick"})
			if err != nil {
				t.Fatal(err)
			}
			pis = append(pis, out["processInstanceKey"].(string))
		}); n != 1 {
			t.Errorf("createProcessInstance took %d commits, want 1", n)
		}
	}
	if n := c.since(func() {
		if _, err := callTool(hc, s.hs.URL, "createProcessInstance", map[string]any{"processDefinitionId": "nope"}); err == nil || !strings.Contains(err.Error(), "NOT_FOUND") {
			t.Fatalf("create of an unknown process: %v", err)
		}
	}); n != 1 {
		t.Errorf("a failed createProcessInstance took %d commits, want 1", n)
	}
	if _, err := callTool(hc, s.hs.URL, "createProcessInstance", map[string]any{"processDefinitionId": "payment", "awaitCompletion": true, "requestTimeout": 100}); err == nil || !strings.Contains(err.Error(), "DEADLINE_EXCEEDED") {
		t.Fatalf("awaitCompletion of a waiting instance: %v", err)
	}
	got := s.entries(t)
	if len(got) != 5 {
		t.Fatalf("%d entries for 5 calls: %+v", len(got), got)
	}
	for i, pi := range pis {
		e := got[i]
		if fmt.Sprint(e.ProcessInstanceKey) != pi || e.EntityKey != pi || e.Result != "SUCCESS" || e.TenantID != engine.DefaultTenant ||
			e.RootProcessInstanceKey != e.ProcessInstanceKey || e.ProcessDefinitionID != "quick" || e.ProcessDefinitionKey == 0 {
			t.Errorf("entry %d: %+v, want instance %s", i, e, pi)
		}
	}
	if e := got[3]; e.Result != "FAIL" || !strings.Contains(e.ErrorMessage, `"title":"NOT_FOUND"`) || e.ProcessInstanceKey != 0 {
		t.Errorf("failed call's entry: %+v", e)
	}
	if e := got[4]; e.Result != "FAIL" || !strings.Contains(e.ErrorMessage, "DEADLINE_EXCEEDED") || e.ProcessInstanceKey == 0 ||
		e.RootProcessInstanceKey != e.ProcessInstanceKey || e.ProcessDefinitionID != "payment" {
		t.Errorf("timed-out call's entry: %+v", e)
	}
	if n := mcpgw.AuditCorrected(s.gw); n != 1 {
		t.Errorf("%d entries rewritten, want 1 (the timed-out call's)", n)
	}
}
