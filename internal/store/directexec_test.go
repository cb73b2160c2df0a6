package store

import (
	"context"
	"strings"
	"testing"
)

// TestWritesBindDirectly: rows written through SQLite's C API
// (directexec.go) read back as they were written, texts of every kind
// (empty, multi-byte, with a NUL byte, longer than the binding buffer
// started), NULLs and integers; a write SQLite refuses fails with SQLite's
// message and leaves the statements usable for the next transaction. When
// the direct path is not taken any more (after an upgrade of
// modernc.org/sqlite moved the statement's handle: stmtHandle), the rows
// still read back but the count of direct executions fails the test: read
// the driver's stmt.go before changing stmtHandle.
func TestWritesBindDirectly(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	long := strings.Repeat("ü-long value ", 1000) // past the buffer's first 4 KiB
	values := []string{"", `"plain"`, `"größe ✓"`, "a\x00b", long, `{"a":[1,2,3]}`}
	var vars []Record
	for i, v := range values {
		vars = append(vars, &Variable{Key: int64(100 + i), Name: "v" + string(rune('a'+i)), Value: v,
			ScopeKey: 7, ProcessInstanceKey: 7, RootProcessInstanceKey: 7, ProcessDefinitionKey: 3,
			ProcessID: "proc", TenantID: "<default>"})
	}
	if err := writeRecords(t, s, 1, vars...); err != nil {
		t.Fatal(err)
	}
	if s.binder.execs == 0 {
		t.Fatal("no write went through SQLite's C API: the driver's statement handle was not found (stmtHandle)")
	}
	check := func() {
		t.Helper()
		for i, v := range values {
			got, ok, err := Get(ctx, s, func() *Variable { return new(Variable) }, int64(100+i))
			if err != nil || !ok {
				t.Fatalf("variable %d: found %v, %v", 100+i, ok, err)
			}
			if got.Value != v || got.Name != "v"+string(rune('a'+i)) || got.ScopeKey != 7 || got.ProcessID != "proc" {
				t.Fatalf("variable %d read back as %+v, want value %q", 100+i, got, v)
			}
		}
	}
	check()

	// A text past what the buffer keeps between executions: written, and
	// the buffer given back after it.
	huge := &Variable{Key: 150, Name: "huge", Value: strings.Repeat("x", 3<<20), ScopeKey: 9, ProcessInstanceKey: 9,
		RootProcessInstanceKey: 9, ProcessDefinitionKey: 3, ProcessID: "proc", TenantID: "<default>"}
	if err := writeRecords(t, s, 1, huge); err != nil {
		t.Fatal(err)
	}
	got, ok, err := Get(ctx, s, func() *Variable { return new(Variable) }, 150)
	if err != nil || !ok {
		t.Fatalf("variable of 3 MiB: found %v, %v", ok, err)
	}
	if got.Value != huge.Value {
		t.Fatalf("variable of 3 MiB read back as %d bytes", len(got.Value))
	}
	if s.binder.size > keepTextBytes {
		t.Fatalf("the binding buffer kept %d bytes after a 3 MiB text, want at most %d", s.binder.size, keepTextBytes)
	}

	// The same scope and name under another key: the unique index refuses it.
	dup := &Variable{Key: 200, Name: "va", Value: `"dup"`, ScopeKey: 7, ProcessInstanceKey: 7,
		RootProcessInstanceKey: 7, ProcessDefinitionKey: 3, ProcessID: "proc", TenantID: "<default>"}
	err = writeRecords(t, s, 1, dup)
	if err == nil || !strings.Contains(err.Error(), "UNIQUE constraint failed") {
		t.Fatalf("duplicate variable: %v, want SQLite's UNIQUE constraint error", err)
	}
	check()

	// The statements still work: an update of a stored row (older than
	// newFrom) and a new row.
	vars[1].(*Variable).Value = `"changed"`
	values[1] = `"changed"`
	nv := &Variable{Key: 300, Name: "new", Value: `"n"`, ScopeKey: 8, ProcessInstanceKey: 8,
		RootProcessInstanceKey: 8, ProcessDefinitionKey: 3, ProcessID: "proc", TenantID: "<default>"}
	if err := writeRecords(t, s, 300, vars[1], nv); err != nil {
		t.Fatal(err)
	}
	check()
	if _, ok, err := Get(ctx, s, func() *Variable { return new(Variable) }, 300); err != nil || !ok {
		t.Fatalf("new variable after the failed write: found %v, %v", ok, err)
	}
}
