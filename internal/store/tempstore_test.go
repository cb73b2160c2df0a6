package store

import (
	"context"
	"testing"
)

// The write connection keeps statement journals in memory (temp_store=2):
// an INSERT of several rows then costs no write system calls to a
// temporary file (BenchmarkOneTaskProcess: about four per instance).
func TestWriterKeepsStatementJournalsInMemory(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var mode int
	if err := s.write.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&mode); err != nil {
		t.Fatal(err)
	}
	if mode != 2 {
		t.Fatalf("temp_store %d on the write connection, want 2 (memory)", mode)
	}
}
