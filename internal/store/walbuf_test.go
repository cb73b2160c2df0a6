//go:build linux

package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/crashtest"
)

// theWALFile is the one WAL file open through the WAL write buffer (the
// tests of this package open one store at a time).
func theWALFile(t *testing.T) walFile {
	t.Helper()
	walBuf.mu.Lock()
	defer walBuf.mu.Unlock()
	if len(walBuf.open) != 1 {
		t.Fatalf("%d WAL files open through the write buffer, want 1", len(walBuf.open))
	}
	for _, f := range walBuf.open {
		return *f
	}
	panic("unreachable")
}

func countRows(t *testing.T, s *Store, q string) int64 {
	t.Helper()
	var n int64
	if err := s.read.QueryRowContext(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A commit's WAL frames reach the file in a write or two, not two per page,
// and are durable: a reopened store reads them.
func TestWALWritesAreGathered(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Close() }()
	const commits = 8
	before := theWALFile(t)
	next := int64(1)
	writeBatches(t, s, commits, &next)
	after := theWALFile(t)
	writes, sys := after.writes-before.writes, after.sysWrites-before.sysWrites
	if writes < 5*commits {
		t.Fatalf("SQLite wrote %d times to the WAL in %d commits; the test needs more to show them gathered", writes, commits)
	}
	// One write a commit, two where a commit's frames cross a 124 KiB
	// chunk of the buffer.
	if sys > 2*commits {
		t.Fatalf("SQLite's %d writes to the WAL in %d commits reached the file in %d writes", writes, commits, sys)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, s, "SELECT count(*) FROM variables"); n != commits*32 {
		t.Fatalf("%d variables after reopening, want %d", n, commits*32)
	}
}

// With synchronous=NORMAL a commit publishes its frames to readers before
// any sync, so the writer must not hold them back: it does not use the
// buffer.
func TestWALBufferOnlyWhereCommitsSync(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	next := int64(1)
	writeBatches(t, s, 1, &next)
	walBuf.mu.Lock()
	n := len(walBuf.open)
	walBuf.mu.Unlock()
	if n != 0 {
		t.Fatalf("%d WAL files open through the write buffer with synchronous=NORMAL, want none", n)
	}
}

// Readers on other connections, reading while the writer commits, see
// whole commits only: every count they read is a multiple of a commit's
// rows, never falls, and the database is sound at the end.
func TestWALBufferReadersSeeWholeCommits(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const commits = 120
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last int64
			for {
				select {
				case <-done:
					return
				default:
				}
				var n, sum int64
				err := s.read.QueryRowContext(ctx, "SELECT count(*), coalesce(sum(length(value)), 0) FROM variables").Scan(&n, &sum)
				if err != nil {
					errs <- err
					return
				}
				if n%32 != 0 || n < last {
					errs <- fmt.Errorf("a reader saw %d variables after %d: not whole commits", n, last)
					return
				}
				last = n
			}
		}()
	}
	next := int64(1)
	writeBatches(t, s, commits, &next)
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var check string
	if err := s.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q, %v", check, err)
	}
	if n := countRows(t, s, "SELECT count(*) FROM variables"); n != commits*32 {
		t.Fatalf("%d variables, want %d", n, commits*32)
	}
}

// A transaction larger than the writer's page cache spills pages into the
// WAL before its commit and writes some of them again, elsewhere in the
// file than the buffer's end, and reads them back: the buffer writes what
// it holds first, and the commit stores the last version of every row.
func TestWALBufferLargeTransactionRewritesFrames(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 20000
	pad := strings.Repeat("x", 400)
	var rows Rows
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for round := range 2 {
		rows.Reset()
		for k := int64(1); k <= n; k++ {
			v := &Variable{Key: k, Name: "v", Value: fmt.Sprintf(`"%d-%d-%s"`, round, k, pad), ScopeKey: k, ProcessInstanceKey: k, RootProcessInstanceKey: k, TenantID: "<default>"}
			if err := rows.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		if err := tx.Write(ctx, &rows); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	f := theWALFile(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if f.gaps == 0 {
		t.Fatalf("the transaction wrote its frames in order only (%d writes); the test needs pages written again", f.writes)
	}
	s, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var check string
	if err := s.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q, %v", check, err)
	}
	if got := countRows(t, s, "SELECT count(*) FROM variables WHERE value LIKE '\"1-%'"); got != n {
		t.Fatalf("%d of %d variables hold their last value", got, n)
	}
}

const walCrashEnv = "ORCA_WALBUF_CRASH_DIR"

// TestWALBufferCrashChild commits batches of rows as fast as it can and
// prints the number of each commit once Commit returned; its parent kills
// it.
func TestWALBufferCrashChild(t *testing.T) {
	dir := crashtest.ChildDir(t, walCrashEnv)
	s, err := Open(context.Background(), dir, Options{})
	if err != nil {
		crashtest.Abort(err)
	}
	next := int64(1)
	for i := 1; ; i++ {
		writeBatches(t, s, 1, &next)
		fmt.Printf("ACK %d\n", i) // unbuffered: one write per line
	}
}

// A process killed (SIGKILL) while it commits, its last frames perhaps
// still in the WAL buffer or written but not synced, loses no commit that
// returned: every acknowledged batch is there after a restart, whole, and
// the database is sound. Three kills, at different points.
func TestWALBufferSurvivesSIGKILL(t *testing.T) {
	ctx := context.Background()
	for round, after := range []int{5, 40, 120} {
		acked := 0
		dir := crashtest.Run(t, walCrashEnv, "TestWALBufferCrashChild", func(f []string) bool {
			if len(f) == 2 && f[0] == "ACK" {
				acked, _ = strconv.Atoi(f[1])
			}
			// Mid-commit, most likely: the child commits back to back.
			return acked == after
		})
		s, err := Open(ctx, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		var check string
		if err := s.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
			s.Close()
			t.Fatalf("round %d: integrity check after the kill: %q, %v", round, check, err)
		}
		n := countRows(t, s, "SELECT count(*) FROM variables")
		s.Close()
		// Every acknowledged commit, whole; at most the one under way
		// besides (its ACK not read before the kill).
		if n%32 != 0 || n < int64(acked*32) || n > int64((acked+1)*32) {
			t.Fatalf("round %d: %d variables after a kill with %d commits of 32 acknowledged", round, n, acked)
		}
	}
}
