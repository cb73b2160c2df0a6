package store

import (
	"context"
	"fmt"
	"math"
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

// TestDirectWriteDiskFull: a batch whose rows no longer fit in the
// database file (SQLite's max_page_count: the file's size limit, as a full
// disk would be) fails in a statement executed through SQLite's C API, and
// fails whole: none of its rows is stored, while every row committed before
// it still is. The failing statement is reset, so that the same batch,
// written again on the same connection through the same statements once
// there is room, goes through; and both survive a restart.
func TestDirectWriteDiskFull(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	variable := func(k int64, value string) *Variable {
		return &Variable{Key: k, Name: fmt.Sprintf("v%d", k), Value: value, ScopeKey: k / 100, ProcessInstanceKey: k / 100,
			RootProcessInstanceKey: k / 100, ProcessDefinitionKey: 3, ProcessID: "proc", TenantID: "<default>"}
	}
	var acked, batch []Record
	for k := int64(100); k < 110; k++ {
		acked = append(acked, variable(k, `"acknowledged"`))
	}
	if err := writeRecords(t, s, 1, acked...); err != nil {
		t.Fatal(err)
	}
	// Rows enough for several statements (maxRowsPerInsert) and several
	// new pages, so that the statements before the one that fails have
	// written some of the batch.
	value := `"` + strings.Repeat("x", 900) + `"`
	for k := int64(1000); k < 1000+8*maxRowsPerInsert; k++ {
		batch = append(batch, variable(k, value))
	}
	var pages int64
	if err := s.write.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	// The limit holds on the write connection (the only one), whose
	// statements the batch runs through.
	if _, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+8)); err != nil {
		t.Fatal(err)
	}
	direct := s.binder.execs
	err = writeRecords(t, s, 1, batch...)
	if err == nil || !strings.Contains(err.Error(), "database or disk is full") {
		t.Fatalf("writing %d rows into a full file: %v, want SQLite's SQLITE_FULL", len(batch), err)
	}
	if s.binder.execs-direct < 2 {
		t.Fatalf("%d statements of the batch went through SQLite's C API, want the failing one and at least one before it", s.binder.execs-direct)
	}
	check := func(s *Store, recs []Record, stored bool) {
		t.Helper()
		for _, r := range recs {
			v := r.(*Variable)
			got, ok, err := Get(ctx, s, func() *Variable { return new(Variable) }, v.Key)
			if err != nil {
				t.Fatal(err)
			}
			if ok != stored || ok && got.Value != v.Value {
				t.Fatalf("variable %d: found %v (value %.20q), want found %v (value %.20q)", v.Key, ok, got.Value, stored, v.Value)
			}
		}
	}
	check(s, acked, true)
	check(s, batch, false)

	// Room again: the same batch through the same statements.
	if _, err := s.write.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	direct = s.binder.execs
	if err := writeRecords(t, s, 1, batch...); err != nil {
		t.Fatalf("the batch again once there is room: %v", err)
	}
	if s.binder.execs == direct {
		t.Fatal("the batch written again did not go through SQLite's C API")
	}
	check(s, acked, true)
	check(s, batch, true)

	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s, err = Open(ctx, dir, Options{}); err != nil {
		t.Fatal(err)
	}
	check(s, acked, true)
	check(s, batch, true)
}

// fitText lets through what SQLite binds whole and refuses the rest: past
// the connection's length limit, and past what the bind's 32-bit length
// holds whatever the limit (2 GiB would turn negative, 4 GiB + 5 bytes
// would be cut to 5).
func TestFitText(t *testing.T) {
	const billion = 1_000_000_000 // SQLite's default SQLITE_LIMIT_LENGTH
	for _, c := range []struct {
		n, max int
		ok     bool
	}{
		{0, billion, true},
		{billion, billion, true},
		{billion + 1, billion, false},
		{math.MaxInt32, math.MaxInt32, true},
		{math.MaxInt32 + 1, math.MaxInt, false},
		{1<<32 + 5, math.MaxInt, false},
	} {
		if err := fitText(c.n, c.max); (err == nil) != c.ok {
			t.Errorf("fitText(%d, %d) = %v, want ok %v", c.n, c.max, err, c.ok)
		}
	}
}
