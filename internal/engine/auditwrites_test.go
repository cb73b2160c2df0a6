package engine

import (
	"database/sql/driver"
	"maps"
	"strconv"
	"testing"

	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// readEntry is the audit log entry of an MCP getProcessInstance read, as
// the gateway builds it (internal/mcpgw/audit.go): the instance's scope
// taken from the result, the timestamp left to the batch.
func readEntry(pi int64) *store.AuditLog {
	return &store.AuditLog{ActorType: "ANONYMOUS", TenantID: "<default>", Result: "SUCCESS",
		Category: "DEPLOYED_RESOURCES", EntityType: "PROCESS_INSTANCE", EntityKey: strconv.FormatInt(pi, 10), OperationType: "UNKNOWN",
		ProcessDefinitionID: "order", ProcessDefinitionKey: 2251799813685250, ProcessInstanceKey: pi,
		RootProcessInstanceKey: pi, InboundChannelType: "MCP", InboundChannelTool: "getProcessInstance",
		Endpoint: "/mcp/cluster", ArgumentsSize: 43}
}

// auditGroup is a group of n read entries as the MCP gateway commits them
// (internal/mcpgw/audit.go), of getProcessInstance calls on four
// instances in turn.
func auditGroup(n int) []*store.AuditLog {
	g := make([]*store.AuditLog, n)
	for i := range g {
		g[i] = readEntry(2251799813685251 + int64(i%4))
	}
	return g
}

// TestAuditEntryWrites pins what an audit log entry committed in a group
// (an MCP read's) costs SQLite: its row, the statements that insert it
// (sixteen rows to a statement), the parameters bound for it, and the
// B-tree entries written (the table's and those of its two indexes). The
// values the rows of a statement share (who called, which tool, where,
// with what result, the batch's time) are bound once for them all
// (store/sharedinsert.go), so that a row binds only what is its own: here
// its key, its entity key, its instance and that instance's root. A change
// that writes more (or fewer) per entry fails here: update the figures then.
func TestAuditEntryWrites(t *testing.T) {
	var w storetest.Writes
	var bt storetest.BTreeWrites
	h := newHarnessWith(t, Options{Store: store.Options{WrapWriter: func(c driver.Connector) driver.Connector { return w.Wrap(bt.Wrap(c)) }}})
	const group, groups = 64, 4
	// A first group makes the statements' shapes known (a shape is
	// prepared the second time it is seen).
	if _, err := h.e.RecordAudit(h.ctx, auditGroup(group)...); err != nil {
		t.Fatal(err)
	}
	rows, stmts, params, mark := w.Rows(), w.Counts(), w.Params(), bt.Mark()
	for range groups {
		if _, err := h.e.RecordAudit(h.ctx, auditGroup(group)...); err != nil {
			t.Fatal(err)
		}
	}
	n := group * groups
	gotRows, _ := perInstance(rows, w.Rows(), n)
	gotStmts, _ := perInstance(stmts, w.Counts(), n)
	gotParams, _ := perInstance(params, w.Params(), n)
	entries, err := bt.Entries(h.ctx, h.e.Store().Path(), mark)
	if err != nil {
		t.Fatal(err)
	}
	gotEntries, _ := perInstance(nil, entries, n)
	t.Logf("per entry: rows %s, statements %s, parameters %s, B-tree entries %s", fmtCounts(gotRows), fmtCounts(gotStmts), fmtCounts(gotParams), fmtCounts(gotEntries))
	for _, c := range []struct {
		what      string
		got, want map[string]float64
	}{
		// Each group's commit also stores the key counter.
		{"rows", gotRows, map[string]float64{"INSERT audit_logs": 1, "INSERT meta": 1.0 / group}},
		{"statements", gotStmts, map[string]float64{"INSERT audit_logs": 1.0 / 16, "INSERT meta": 1.0 / group}},
		// 22 columns: 18 bound once a statement, 4 a row (key, entity
		// key, instance, root).
		{"parameters", gotParams, map[string]float64{"INSERT audit_logs": 4 + 18.0/16, "INSERT meta": 2.0 / group}},
		{"B-tree entries", gotEntries, map[string]float64{"audit_logs": 1, "audit_logs_pi": 1, "audit_logs_timestamp": 1, "meta": 1.0 / group}},
	} {
		if !maps.Equal(c.got, c.want) {
			t.Errorf("%s per audit entry\n got %s\nwant %s", c.what, fmtCounts(c.got), fmtCounts(c.want))
		}
	}
}
