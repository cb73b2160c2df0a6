package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// writeAudit writes entries in one transaction.
func writeAudit(t *testing.T, s *Store, entries []*AuditLog) {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows Rows
	for _, e := range entries {
		if err := rows.Add(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Write(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// sharedStmtCount is the statements with shared values the writer keeps.
func sharedStmtCount(s *Store) int {
	n := 0
	for k := range s.upserts.stmts {
		if k.shared != 0 {
			n++
		}
	}
	return n
}

// checkAudit reads every audit log entry back and compares it with want.
func checkAudit(t *testing.T, s *Store, want []*AuditLog) {
	t.Helper()
	got, err := Select(context.Background(), s, func() *AuditLog { return new(AuditLog) }, "1 = 1 ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries stored, want %d", len(got), len(want))
	}
	for i, g := range got {
		w := *want[i]
		w.Timestamp = w.Timestamp.UTC()
		g.Timestamp = g.Timestamp.UTC()
		if !reflect.DeepEqual(*g, w) {
			t.Errorf("entry %d:\n got %+v\nwant %+v", w.Key, *g, w)
		}
	}
}

// TestSharedValuesStoreEachRowAsGiven: rows inserted by a statement that
// binds the values they share once are stored exactly as the rows of the
// statement that binds each row's own: texts, empty texts and NULLs (an
// empty tenant is NULL, an empty error message is not), keys and NULL
// keys, in statements of sixteen rows and of the rest; and those
// statements are bound through SQLite's C API (directexec.go), as the
// writer's others are.
func TestSharedValuesStoreEachRowAsGiven(t *testing.T) {
	s := openTest(t)
	at := time.UnixMilli(1_765_000_000_123)
	var all []*AuditLog
	key := int64(100)
	group := func(n int, vary func(i int, e *AuditLog)) []*AuditLog {
		g := make([]*AuditLog, n)
		for i := range g {
			e := &AuditLog{Key: key, Timestamp: at, ActorType: "ANONYMOUS", TenantID: "<default>", Result: "SUCCESS",
				Category: "DEPLOYED_RESOURCES", EntityType: "PROCESS_INSTANCE", EntityKey: "2251799813685251", OperationType: "UNKNOWN",
				ProcessDefinitionID: "order", ProcessDefinitionKey: 2251799813685250, ProcessInstanceKey: 2251799813685251,
				RootProcessInstanceKey: 2251799813685251, InboundChannelType: "MCP", InboundChannelTool: "getProcessInstance",
				Endpoint: "/mcp/cluster", ArgumentsSize: 43}
			key++
			vary(i, e)
			g[i] = e
		}
		all = append(all, g...)
		return g
	}
	same := func(int, *AuditLog) {}
	mixed := func(i int, e *AuditLog) {
		if i%2 == 1 {
			e.TenantID, e.ActorID, e.ActorType = "", "agent-7", "CLIENT"
			e.Result, e.ErrorMessage = "FAIL", "Expected a key"
			e.ProcessInstanceKey, e.RootProcessInstanceKey, e.EntityKey = 0, 0, ""
		}
		if i%3 == 0 {
			e.UserTaskKey, e.JobKey = 7, int64(i)
			e.Timestamp = at.Add(time.Duration(i) * time.Millisecond)
		}
	}
	// Each shape twice: the second time it is prepared and used.
	var direct int64
	for range 2 {
		before := s.binder.execs
		writeAudit(t, s, group(2*maxRowsPerInsert+5, same))
		writeAudit(t, s, group(maxRowsPerInsert+3, mixed))
		direct = s.binder.execs - before
	}
	if sharedStmtCount(s) == 0 {
		t.Fatal("no statement with shared values was used")
	}
	// The second round's five statements, all with shared values (an
	// audit group's), are bound through SQLite's C API (directexec.go),
	// not handed back to the driver: their numbered parameters are in
	// order, one argument each.
	if direct < 5 {
		t.Errorf("%d executions went through SQLite's C API for 5 statements with shared values: they went through the driver", direct)
	}
	checkAudit(t, s, all)
}

// TestSharedStatementsBounded: rows that share a different set of columns
// each time make new statements, but the writer keeps no more than
// maxSharedStmts of them (closing the oldest), and the rows are stored as
// given all the same.
func TestSharedStatementsBounded(t *testing.T) {
	s := openTest(t)
	at := time.UnixMilli(1_765_000_000_000)
	var all []*AuditLog
	key := int64(1)
	for shape := range 3 * maxSharedStmts {
		for range 2 {
			g := make([]*AuditLog, 3)
			for i := range g {
				e := &AuditLog{Key: key, Timestamp: at, ActorType: "USER", Result: "SUCCESS", Category: "ADMIN",
					EntityType: "RESOURCE", OperationType: "UNKNOWN", Endpoint: "/mcp/cluster"}
				key++
				// Bit b of shape: column b of these varies between the rows.
				for b, set := range []func(){
					func() { e.ActorID = fmt.Sprint("a", i) },
					func() { e.TenantID = fmt.Sprint("t", i) },
					func() { e.EntityKey = fmt.Sprint(i) },
					func() { e.ProcessInstanceKey = int64(i + 1) },
					func() { e.ArgumentsSize = int64(i) },
					func() { e.ErrorMessage = fmt.Sprint("e", i) },
					func() { e.InboundChannelTool = fmt.Sprint("tool", i) },
				} {
					if shape&(1<<b) != 0 {
						set()
					}
				}
				g[i] = e
			}
			all = append(all, g...)
			writeAudit(t, s, g)
		}
		if n := sharedStmtCount(s); n > maxSharedStmts || len(s.upserts.shared.prepared) != n {
			t.Fatalf("after %d shapes: %d statements with shared values kept (%d recorded), want at most %d",
				shape+1, n, len(s.upserts.shared.prepared), maxSharedStmts)
		}
	}
	if n := sharedStmtCount(s); n != maxSharedStmts {
		t.Errorf("%d statements with shared values kept, want %d", n, maxSharedStmts)
	}
	checkAudit(t, s, all)
}
