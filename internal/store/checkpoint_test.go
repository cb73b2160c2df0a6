package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"testing"
	"time"
)

// writeBatches commits n transactions of 32 new element instances and 32
// new variables each, from key *next on.
func writeBatches(t *testing.T, s *Store, n int, next *int64) {
	t.Helper()
	ctx := context.Background()
	var rows Rows
	for range n {
		rows.Reset()
		for i := 0; i < 32; i++ {
			k := *next
			*next += 2
			ei := &ElementInstance{Key: k, ProcessInstanceKey: k / 4, RootProcessInstanceKey: k / 4, ElementID: "task", ElementName: "Task", Type: "SERVICE_TASK", State: StateActive, TenantID: "<default>",
				Runtime: ScopeRuntime{Lifecycle: "ACTIVATED", JobKey: k}}
			v := &Variable{Key: k + 1, Name: fmt.Sprintf("v%d", i%4), Value: `{"total":9.99,"note":"a few bytes more to fill the pages"}`, ScopeKey: k, ProcessInstanceKey: k / 4, RootProcessInstanceKey: k / 4, TenantID: "<default>"}
			if err := rows.Add(ei); err != nil {
				t.Fatal(err)
			}
			if err := rows.Add(v); err != nil {
				t.Fatal(err)
			}
		}
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Write(ctx, &rows); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// waitFor waits until cond holds, failing after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting until %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// The writer's commits leave checkpointing to the checkpointer: with the
// writer's own checkpoints off, the pages committed still reach the
// database file, and survive a reopen.
func TestCheckpointerCopiesCommittedPages(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.backstopPages = math.MaxInt32
	before := fileSize(t, s.path)
	next := int64(1)
	writeBatches(t, s, 2*checkpointCommits, &next)
	waitFor(t, "the checkpointer ran twice", func() bool { return s.ckpt.runs.Load() >= 2 })
	// Each run copies what was committed before it started: at least the
	// first checkpointCommits transactions.
	if after := fileSize(t, s.path); after <= before {
		t.Fatalf("database file %d bytes after %d commits and %d checkpoints, as before (%d): nothing was copied from the WAL",
			after, 2*checkpointCommits, s.ckpt.runs.Load(), before)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var n int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM variables").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if want := 2 * checkpointCommits * 32; n != want {
		t.Fatalf("%d variables after reopening, want %d", n, want)
	}
}

// walFrames reads the number of frames in the WAL from the wal-index
// (the -shm file, in the machine's byte order): mxFrame, at offset 16 of
// its header (https://www.sqlite.org/walformat.html).
func walFrames(t *testing.T, s *Store) uint32 {
	t.Helper()
	b, err := os.ReadFile(s.path + "-shm")
	if err != nil {
		t.Fatal(err)
	}
	return binary.NativeEndian.Uint32(b[16:20])
}

// Under a steady load, with the checkpointer copying behind the writer,
// the WAL is still reused from its start (the writer's backstop checkpoint
// finds little left to copy): it does not grow with the work done.
func TestWALIsReusedUnderSteadyWrites(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// A small backstop, so that a short test crosses it many times.
	const backstop = 100
	s.backstopPages = backstop
	next := int64(1)
	var appended, restarts int
	prev := walFrames(t, s)
	for range 20 * checkpointCommits {
		writeBatches(t, s, 1, &next)
		n := walFrames(t, s)
		if n < prev {
			restarts++
			appended += int(n)
		} else {
			appended += int(n - prev)
		}
		prev = n
	}
	if appended < 10*backstop {
		t.Fatalf("the test appended only %d frames; it needs more than %d to show the WAL reused", appended, 10*backstop)
	}
	// Without restarts the WAL would hold every frame appended; the
	// checkpointer may delay a restart by the commits made during one of
	// its checkpoints, never for good.
	if restarts < 3 {
		t.Fatalf("the WAL started again from its beginning %d times in %d frames appended, with the writer's checkpoint due every %d: it is not reused", restarts, appended, backstop)
	}
	waitFor(t, "the checkpointer ran", func() bool { return s.ckpt.runs.Load() > 0 })
}

// Under a steady load with the checkpointer's passes overlapping the
// commits (it is kicked after every commit here), the writer's backstop
// waits for a pass under way instead of being skipped: after every commit
// the WAL holds fewer frames than the backstop plus that commit's, and is
// started again from its beginning each time it reached the backstop.
// Before, the skipped backstops let it grow past the backstop by whatever
// was committed during the checkpointer's passes (600 to 2,200 frames with
// a backstop of 100), without a bound.
func TestWALStaysBoundedUnderSteadyWrites(t *testing.T) {
	ctx := context.Background()
	for _, sync := range []string{"NORMAL", "FULL"} {
		t.Run(sync, func(t *testing.T) {
			s, err := Open(ctx, t.TempDir(), Options{Synchronous: sync})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			const backstop = 100
			s.backstopPages = backstop
			s.ckpt.every = 1
			next := int64(1)
			prev := walFrames(t, s)
			var most, commit uint32 // the WAL's most frames, and a commit's
			restarts := 0
			const commits = 400
			for range commits {
				writeBatches(t, s, 1, &next)
				n := walFrames(t, s)
				if n < prev {
					restarts++
				} else {
					commit = max(commit, n-prev)
				}
				most = max(most, n)
				prev = n
			}
			if commit == 0 || int(commit) >= backstop {
				t.Fatalf("commits of %d frames: the test needs several commits to reach the backstop (%d)", commit, backstop)
			}
			runs, backstops := s.ckpt.runs.Load(), s.backstops.Load()
			t.Logf("%s: at most %d frames (backstop %d, a commit up to %d), %d restarts of the WAL, %d backstop checkpoints, %d of the checkpointer",
				sync, most, backstop, commit, restarts, backstops, runs)
			if int(most) >= backstop+int(commit) {
				t.Errorf("the WAL held %d frames; its bound is %d (the backstop) plus a commit's %d", most, backstop, commit)
			}
			// Every time the backstop was reached, the WAL started again
			// (at the next write: the last one's may be due still).
			if int64(restarts) < backstops-1 || restarts < commits*int(commit)/(2*(backstop+int(commit))) {
				t.Errorf("the WAL started again %d times, after %d backstop checkpoints in %d commits of up to %d frames", restarts, backstops, commits, commit)
			}
			if runs == 0 {
				t.Error("the checkpointer never ran")
			}
		})
	}
}
