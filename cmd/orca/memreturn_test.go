package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/loadgen"
)

// The returner gives memory back once after a burst followed by quiet
// ticks, never while the process keeps allocating, and not again until
// another burst.
func TestMemoryReturnerAfterABurstOnce(t *testing.T) {
	const MiB = 1 << 20
	var allocated uint64
	returns, releases := 0, 0
	m := &memoryReturner{burst: 64 * MiB, quiet: MiB, quietTicks: 3,
		allocated: func() uint64 { return allocated }, release: func() { releases++ }, free: func() { returns++ }}
	for _, step := range []struct {
		what     string
		allocate uint64 // during the tick
		returns  int    // so far, after the tick
	}{
		{"idle, no burst yet", 0, 0},
		{"idle, no burst yet", 512 << 10, 0},
		{"idle, no burst yet", 0, 0},
		{"idle, no burst yet", 0, 0},
		{"busy", 40 * MiB, 0},
		{"busy, a burst now", 40 * MiB, 0},
		{"quiet 1", 0, 0},
		{"quiet 2", 100 << 10, 0},
		{"busy again", 2 * MiB, 0},
		{"quiet 1", 0, 0},
		{"quiet 2", 0, 0},
		{"quiet 3: returned", 0, 1},
		{"quiet, no new burst", 0, 1},
		{"quiet, no new burst", 0, 1},
		{"quiet, no new burst", 0, 1},
		{"quiet, no new burst", MiB, 1},
		{"quiet, no new burst", 0, 1},
		{"busy", 70 * MiB, 1},
		{"quiet 1", 0, 1},
		{"quiet 2", 0, 1},
		{"quiet 3: returned", 0, 2},
	} {
		allocated += step.allocate
		m.tick()
		if returns != step.returns || releases != returns {
			t.Fatalf("%s: %d returns, %d releases of the store's idle memory; want %d of each", step.what, returns, releases, step.returns)
		}
	}
}

// A real return: garbage the collector would have kept until the heap
// reached its goal (twice what is live) is collected and its pages given
// back to the operating system.
func TestMemoryReturnerGivesTheHeapBack(t *testing.T) {
	const MiB = 1 << 20
	retained := func() uint64 { // heap memory the process holds: objects, live or not, and free pages not given back
		return readMetric("/memory/classes/heap/objects:bytes") + readMetric("/memory/classes/heap/unused:bytes") + readMetric("/memory/classes/heap/free:bytes")
	}
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	live := make([][]byte, 64)
	for i := range live {
		live[i] = make([]byte, MiB)
	}
	debug.FreeOSMemory() // the heap's goal is now about 128 MiB, and it holds what is live
	base := retained()
	m := newMemoryReturner(func() {})
	m.burst = 32 * MiB
	m.quiet = 1 << 62 // every tick is quiet: this test is about what a return gives back
	var garbage []byte
	for range 40 { // each MiB garbage once the next is made
		garbage = make([]byte, MiB)
		garbage[0] = 1
	}
	garbage = nil
	if got := retained(); got < base+32*MiB {
		t.Fatalf("after 40 MiB of garbage the heap holds %d MiB, want at least %d: the collector ran, the test proves nothing", got/MiB, (base+32*MiB)/MiB)
	}
	returned := false
	for range m.quietTicks {
		returned = m.tick()
	}
	if !returned {
		t.Fatal("no return after a 40 MiB burst and quiet ticks")
	}
	if got := retained(); got > base+8*MiB {
		t.Fatalf("after the return the heap holds %d MiB, want at most %d (what is live and what was free before)", got/MiB, (base+8*MiB)/MiB)
	}
	runtime.KeepAlive(live)
	runtime.KeepAlive(garbage)
}

// orca start, quiet after a burst of work (instances created until it
// allocated 96 MiB), gives memory back once, by itself.
func TestStartGivesMemoryBackAfterABurst(t *testing.T) {
	mgmt := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	p, base := startServer(t, t.TempDir(), "--log-level", "debug", "--management-addr", mgmt)
	defer p.stop()
	metric := func(name string) float64 {
		t.Helper()
		res, err := httpClient.Get("http://" + mgmt + "/actuator/prometheus")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
		}
		t.Fatalf("no %s in\n%s", name, b)
		return 0
	}
	allocated := func() float64 { return metric("go_memstats_alloc_bytes_total") }
	const returns = "orca_memory_returns_total"
	if n := metric(returns); n != 0 {
		t.Fatalf("%s is %v before any burst, want 0", returns, n)
	}
	deploy(t, base, "bench.bpmn", []byte(loadgen.Model))
	const given = "memory given back to the operating system"
	start := allocated()
	for allocated()-start < 96<<20 {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() {
				for range 25 {
					if _, err := loadgen.Post(context.Background(), httpClient, base+"/v2/process-instances", []byte(`{"processDefinitionId":"scale-order"}`)); err != nil {
						t.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
	}
	eventually(t, "orca start to give memory back", func() bool { return strings.Contains(p.out.String(), given) })
	if n := strings.Count(p.out.String(), given); n != 1 {
		t.Fatalf("memory given back %d times after one burst, want once:\n%s", n, p.out)
	}
	// Operators see it without debug logs: the metric counts the return.
	if n := metric(returns); n != 1 {
		t.Fatalf("%s is %v after one return, want 1", returns, n)
	}
}
