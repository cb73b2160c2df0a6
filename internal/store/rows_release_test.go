package store

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"unsafe"
	"weak"
)

// TestRowsResetReleasesValues: rows kept for reuse (the engine keeps a
// batch's Rows, with the memory they grew to, for a later batch) hold none
// of the values they wrote once Reset, updates' included: a variable of a
// MiB written by the last batch before a quiet spell is not kept alive by
// the writer until the next batch that writes as many values.
func TestRowsResetReleasesValues(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	v := &Variable{Key: 10, Name: "big", Value: `"` + strings.Repeat("x", 1<<20) + `"`, ScopeKey: 7,
		ProcessInstanceKey: 7, RootProcessInstanceKey: 7, ProcessDefinitionKey: 3, ProcessID: "proc", TenantID: "<default>"}
	value := weak.Make(unsafe.StringData(v.Value))
	var rows Rows
	// newFrom 1: a new row, inserted; newFrom 11: a stored one, updated.
	for _, newFrom := range []int64{1, 11} {
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := rows.AddNewFrom(v, newFrom); err != nil {
			t.Fatal(err)
		}
		if err := tx.Write(ctx, &rows); err != nil {
			tx.Rollback()
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		rows.Reset()
	}
	v = nil
	runtime.GC()
	runtime.GC()
	if value.Value() != nil {
		t.Error("the value written is still reachable from the rows after Reset")
	}
	runtime.KeepAlive(&rows)
}
