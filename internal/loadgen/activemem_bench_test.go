package loadgen

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/engine"
)

var (
	activeSizes = flag.String("active", "10000,100000", "BenchmarkActiveState: comma-separated numbers of active instances to measure at (1000000 takes minutes)")
	activeHeap  = flag.String("active-heap", "", "BenchmarkActiveState: write the heap profile after the last restart to FILE-N (N the active instances)")
	activeDir   = flag.String("active-dir", "", "BenchmarkActiveState: a directory to keep the stores in (active-N under it; a later run restarts the kept store instead of starting its instances again); default temporary ones")
)

// BenchmarkActiveState measures what active instances cost the engine,
// which keeps their state in memory: N instances of scale-review, each
// waiting at its user task, and then the engine's restart (engine.Open to
// ready, the time per op, and the process's CPU time during it,
// ms-cpu/op) with them all active. It reports the live Go heap
// per active instance after their creation (B/active) and after the
// restart (B/active-restart), each after a collection, measured from the
// heap of the same engine with no instance (B/active-restart: of an engine
// opened on an empty store). Run it with
//
//	go test ./internal/loadgen -run '^$' -bench BenchmarkActiveState -benchtime 3x -active 10000,100000
func BenchmarkActiveState(b *testing.B) {
	sizes := instanceCounts(b, "active", *activeSizes, 1)
	ctx := context.Background()
	empty := openHeap(ctx, b, b.TempDir())
	for _, n := range sizes {
		b.Run(fmt.Sprintf("active=%d", n), func(b *testing.B) {
			dir := b.TempDir()
			if *activeDir != "" {
				dir = fmt.Sprintf("%s/active-%d", *activeDir, n)
			}
			e, err := engine.Open(ctx, engine.Options{DataDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			created := 0.0 // B/active: not measured on a kept store
			have, err := countActive(ctx, e)
			if err != nil {
				b.Fatal(err)
			}
			if have == 0 {
				if err := Deploy(ctx, e); err != nil {
					b.Fatal(err)
				}
				base := liveHeap()
				if _, err := StartActive(ctx, e, n); err != nil {
					b.Fatal(err)
				}
				created = (float64(liveHeap()) - float64(base)) / float64(n)
			} else if have != n {
				b.Fatalf("%s holds %d active instances, not %d", dir, have, n)
			}
			if err := e.Close(); err != nil {
				b.Fatal(err)
			}
			e = nil
			if *activeHeap != "" {
				// Every allocation of the restarts, not a sample.
				defer func(rate int) { runtime.MemProfileRate = rate }(runtime.MemProfileRate)
				runtime.MemProfileRate = 1
			}
			var heap uint64
			var cpu time.Duration // the restarts' (the process's, collector included)
			for b.Loop() {
				if e != nil {
					b.StopTimer()
					if err := e.Close(); err != nil {
						b.Fatal(err)
					}
					e = nil
					runtime.GC()
					b.StartTimer()
				}
				cpu0, _ := ProcessCPU(os.Getpid())
				e, err = engine.Open(ctx, engine.Options{DataDir: dir})
				if err != nil {
					b.Fatal(err)
				}
				cpu1, _ := ProcessCPU(os.Getpid())
				b.StopTimer()
				cpu += cpu1 - cpu0
				heap = liveHeap()
				b.StartTimer()
			}
			if *activeHeap != "" {
				writeHeap(b, fmt.Sprintf("%s-%d", *activeHeap, n))
			}
			if created != 0 {
				b.ReportMetric(created, "B/active")
			}
			b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "ms-cpu/op")
			b.ReportMetric((float64(heap)-float64(empty))/float64(n), "B/active-restart")
			if err := e.Close(); err != nil {
				b.Fatal(err)
			}
		})
	}
}

// openHeap is the live heap with an engine open on dir.
func openHeap(ctx context.Context, b *testing.B, dir string) uint64 {
	e, err := engine.Open(ctx, engine.Options{DataDir: dir})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	if err := Deploy(ctx, e); err != nil {
		b.Fatal(err)
	}
	return liveHeap()
}

// writeHeap writes the heap profile to path.
func writeHeap(b *testing.B, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}

// countActive counts the active process instances in e's store.
func countActive(ctx context.Context, e *engine.Engine) (int, error) {
	counts, err := e.Store().ActiveElementInstanceCounts(ctx)
	for _, c := range counts {
		if c.Labels[0] == "PROCESS" {
			return int(c.N), err
		}
	}
	return 0, err
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
