package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// A history cleanup that fails in a statement SQLite answers by rolling
// back the whole transaction cannot undo only itself: the batch it rode in
// is gone. That is what a full disk or an I/O error does to the cleanup's
// DELETEs (a statement of many rows without a statement journal: SQLite's
// vdbe rolls back the transaction on SQLITE_FULL, SQLITE_IOERR,
// SQLITE_NOMEM); here a trigger's RAISE(ROLLBACK) does it, on cue. The
// batch then fails as a whole, with the cleanup's error: its rows are not
// stored, the steps after the cleanup do not commit on their own (the
// engine's key counter, written after the cleanups, stays where it was),
// the commit fails naming the cleanup's failure, and nothing was deleted.
// The store takes the next transaction as usual.
func TestHistoryCleanupLostTransactionFailsTheBatch(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	ended := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	instance := func(key int64, state string) *ProcessInstance {
		pi := &ProcessInstance{Key: key, ProcessDefinitionKey: 9, ProcessID: "p", State: state, StartDate: ended,
			TenantID: "<default>", RootProcessInstanceKey: key}
		if state != StateActive {
			pi.EndDate = ended
		}
		return pi
	}
	recs := []Record{instance(1, StateCompleted)}
	for i, name := range []string{"a", "b", "c"} {
		recs = append(recs, &Variable{Key: int64(10 + i), Name: name, Value: `"v"`, ScopeKey: 1, ProcessInstanceKey: 1,
			RootProcessInstanceKey: 1, ProcessDefinitionKey: 9, ProcessID: "p", TenantID: "<default>"})
	}
	if err := writeRecords(t, s, 1, recs...); err != nil {
		t.Fatal(err)
	}
	setKey := func(v int64) {
		t.Helper()
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.SetMeta(ctx, "key", v); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	setKey(100)
	if _, err := s.write.ExecContext(ctx, `CREATE TRIGGER lose_the_transaction BEFORE DELETE ON variables
BEGIN SELECT RAISE(ROLLBACK, 'the disk failed (test)'); END`); err != nil {
		t.Fatal(err)
	}

	// The engine's batch: its commands' rows, the cleanup, the key counter.
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows Rows
	if err := rows.AddNewFrom(instance(2, StateActive), 2); err != nil {
		t.Fatal(err)
	}
	if err := tx.Write(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	now := ended.Add(365 * 24 * time.Hour)
	_, cleanupErr := tx.DeleteHistory(ctx, []int64{1}, now, now, 1000)
	if cleanupErr == nil || !strings.Contains(cleanupErr.Error(), "the disk failed (test)") {
		tx.Rollback()
		t.Fatalf("the cleanup returned %v, want the trigger's failure", cleanupErr)
	}
	metaErr := tx.SetMeta(ctx, "key", 200)
	commitErr := tx.Commit()
	if metaErr == nil {
		t.Error("the key counter was written after the cleanup's transaction was lost")
	}
	if commitErr == nil || !errors.Is(commitErr, cleanupErr) {
		t.Errorf("commit: %v, want the batch failed with the cleanup's error (%v)", commitErr, cleanupErr)
	}
	if k, err := s.Meta(ctx, "key"); err != nil || k != 100 {
		t.Errorf("key counter %d (%v) after the failed batch, want 100: a step of it committed on its own", k, err)
	}
	if _, ok, err := Get(ctx, s, func() *ProcessInstance { return new(ProcessInstance) }, 2); ok || err != nil {
		t.Errorf("the failed batch's instance is stored (%v)", err)
	}
	if c, err := s.CountRows(ctx, "variables"); err != nil || c != 3 {
		t.Errorf("%d variables (%v) after the failed batch, want 3", c, err)
	}

	// The batch retried, the failure gone: it commits.
	if _, err := s.write.ExecContext(ctx, "DROP TRIGGER lose_the_transaction"); err != nil {
		t.Fatal(err)
	}
	if err := writeRecords(t, s, 2, instance(2, StateActive)); err != nil {
		t.Fatal(err)
	}
	setKey(200)
	if k, err := s.Meta(ctx, "key"); err != nil || k != 200 {
		t.Errorf("key counter %d (%v), want 200", k, err)
	}
	if _, ok, err := Get(ctx, s, func() *ProcessInstance { return new(ProcessInstance) }, 2); !ok || err != nil {
		t.Errorf("the retried batch's instance is not stored (%v)", err)
	}
}
