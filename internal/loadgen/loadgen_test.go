package loadgen

import (
	"context"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// The loader's finished instances are whole (no row without its
// instance), keep their customers, never collide with keys the engine
// hands out afterwards, and go with the history cleanup as the engine's
// own do; the active instances and a one-task run are the engine's.
func TestLoader(t *testing.T) {
	ctx := context.Background()
	dir, tmpl, active := seedStore(t, 20)
	s, err := store.Open(ctx, dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := AddFinished(ctx, s, tmpl, 250, 100); err != nil {
		t.Fatal(err)
	}
	s.Close()

	var later atomic.Bool // the cleanup's clock is two hours ahead
	now := func() time.Time {
		if later.Load() {
			return time.Now().Add(2 * time.Hour)
		}
		return time.Now()
	}
	e, err := engine.Open(ctx, engine.Options{DataDir: dir, Synchronous: "NORMAL", Retention: engine.Retention{TTL: time.Hour, Now: now}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	count := func(where string) int {
		t.Helper()
		pis, err := store.Select(ctx, e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, where)
		if err != nil {
			t.Fatal(err)
		}
		return len(pis)
	}
	if got := count("state = 'COMPLETED'"); got != 251 {
		t.Fatalf("completed instances: %d, want 251", got)
	}
	vs, err := store.Select(ctx, e.Store(), func() *store.Variable { return new(store.Variable) }, "name = 'customer' AND value = '\"c-249\"'")
	if err != nil || len(vs) != 1 {
		t.Fatalf("customer c-249: %d variables, %v", len(vs), err)
	}
	if o, err := e.Store().OrphanRows(ctx); err != nil || len(o) > 0 {
		t.Fatalf("rows without their instance: %v %v", o, err)
	}
	res, err := Load{Instances: 30, Creators: 4, Workers: 2}.InProcess(ctx, e)
	if err != nil || res.Instances != 30 {
		t.Fatalf("one-task run after the load: %+v %v", res, err)
	}
	if got := count("state = 'COMPLETED'"); got != 281 {
		t.Fatalf("completed instances after the run: %d, want 281", got)
	}
	clean := func() {
		t.Helper()
		for {
			r, err := e.CleanHistory(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !r.Full {
				return
			}
		}
	}
	// The copies ended up to 250 s before the template: younger than an
	// hour, until the clock is two hours ahead.
	clean()
	if got := count("state = 'COMPLETED'"); got != 281 {
		t.Fatalf("the cleanup deleted instances younger than their time to live: %d left, want 281", got)
	}
	later.Store(true)
	clean()
	if got := count("state = 'COMPLETED'"); got != 0 {
		t.Fatalf("after their time to live: %d completed instances left", got)
	}
	if got := count("state = 'ACTIVE'"); got != len(active) {
		t.Fatalf("active instances: %d, want %d", got, len(active))
	}
	if o, err := e.Store().OrphanRows(ctx); err != nil || len(o) > 0 {
		t.Fatalf("rows without their instance after the cleanup: %v %v", o, err)
	}
}

// ProcessMemory reads this test's own resident memory: the anonymous and
// file-backed parts are within the total, and the peak is at least it.
func TestProcessMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's")
	}
	ballast := make([]byte, 8<<20)
	for i := range ballast {
		ballast[i] = 1
	}
	m, err := ProcessMemory(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.Anon < int64(len(ballast)) || m.File <= 0 || m.Anon+m.File > m.RSS || m.Peak < m.RSS {
		t.Errorf("memory %+v: want anonymous at least the 8 MiB written, file pages, anonymous+file within VmRSS, VmHWM at least VmRSS", m)
	}
	runtime.KeepAlive(ballast)
}

// seedStore makes a data directory for the loader: its processes deployed,
// its template instance run (tmpl) and nActive instances left active, with
// the engine closed again so that a store can open it.
func seedStore(tb testing.TB, nActive int) (dir string, tmpl int64, active []int64) {
	tb.Helper()
	ctx := context.Background()
	dir = tb.TempDir()
	e, err := engine.Open(ctx, engine.Options{DataDir: dir, Synchronous: "NORMAL"})
	if err != nil {
		tb.Fatal(err)
	}
	err = Deploy(ctx, e)
	if err == nil {
		tmpl, err = RunTemplate(ctx, e)
	}
	if err == nil && nActive > 0 {
		active, err = StartActive(ctx, e, nActive)
	}
	if cerr := e.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	return dir, tmpl, active
}

// instanceCounts reads flag -name's comma-separated numbers of instances,
// each at least least, or fails tb naming the entry that is not one.
func instanceCounts(tb testing.TB, name, list string, least int) []int {
	tb.Helper()
	var counts []int
	for f := range strings.SplitSeq(list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < least {
			tb.Fatalf("-%s %q: %q is not a number of instances (at least %d)", name, list, f, least)
		}
		counts = append(counts, n)
	}
	return counts
}
