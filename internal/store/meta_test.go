package store

import (
	"context"
	"testing"
)

// TestSetMetaPreparedOnce: the named counters a commit stores are written
// through one statement prepared on the write connection, and each commit's
// value is the one read back.
func TestSetMetaPreparedOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	for i := int64(1); i <= 3; i++ {
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.SetMeta(ctx, "key", 1000*i); err != nil {
			t.Fatal(err)
		}
		if err := tx.SetMeta(ctx, "clock", 7*i); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]int64{"key": 1000 * i, "clock": 7 * i} {
			if got, err := s.Meta(ctx, name); err != nil || got != want {
				t.Errorf("commit %d: meta %s = %d, %v; want %d", i, name, got, err, want)
			}
		}
		if st := s.upserts.stmts[metaStmtKey]; st == nil {
			t.Fatalf("commit %d: no prepared meta statement", i)
		}
	}
	// A rolled-back value is not stored.
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.SetMeta(ctx, "key", 1); err != nil {
		t.Fatal(err)
	}
	tx.Rollback()
	if got, err := s.Meta(ctx, "key"); err != nil || got != 3000 {
		t.Errorf("after a rollback: meta key = %d, %v; want 3000", got, err)
	}
}
