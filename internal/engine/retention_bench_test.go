package engine

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// BenchmarkOneTaskProcessDuringCleanup measures BenchmarkOneTaskProcess's
// load (durable commits) on a store holding a backlog of finished
// instances past their time to live: "baseline" keeps them, "cleaning"
// runs the janitor (default settings, intervals shortened) while the load
// runs. One op is one completed instance; p99-create-ms is the 99th
// percentile of CreateProcessInstance, cleaned-instances what the janitor
// deleted meanwhile. Set ORCA_BENCH_BACKLOG to change the backlog (default
// 20,000 instances).
func BenchmarkOneTaskProcessDuringCleanup(b *testing.B) {
	backlog := 20_000
	if v := os.Getenv("ORCA_BENCH_BACKLOG"); v != "" {
		if _, err := fmt.Sscan(v, &backlog); err != nil {
			b.Fatal(err)
		}
	}
	seed := b.TempDir()
	func() {
		ctx := context.Background()
		e, err := Open(ctx, Options{DataDir: seed, Synchronous: "NORMAL"})
		if err != nil {
			b.Fatal(err)
		}
		defer e.Close()
		h := &harness{t: b, ctx: ctx, e: e}
		h.deploy("order.bpmn")
		h.pin(time.Now().Add(-48 * time.Hour))
		runOneTaskLoad(b, e, backlog)
		if err := e.ResetClock(ctx); err != nil {
			b.Fatal(err)
		}
	}()
	for _, mode := range []string{"baseline", "cleaning"} {
		b.Run(mode, func(b *testing.B) {
			dir := b.TempDir()
			copyFile(b, filepath.Join(seed, store.FileName), filepath.Join(dir, store.FileName))
			r := DefaultRetention()
			r.TTL, r.MinInterval, r.MaxInterval = 24*time.Hour, time.Millisecond, 10*time.Millisecond
			r.Enabled = mode == "cleaning"
			e, err := Open(context.Background(), Options{DataDir: dir, Retention: r})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			before, _ := e.Store().CountRows(context.Background(), "process_instances")
			b.ResetTimer()
			elapsed, lat := runOneTaskLoad(b, e, b.N)
			b.StopTimer()
			after, _ := e.Store().CountRows(context.Background(), "process_instances")
			b.ReportMetric(float64(b.N)/elapsed.Seconds(), "instances/s")
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-create-ms")
			b.ReportMetric(float64(before+int64(b.N)-after), "cleaned-instances")
		})
	}
}

// runOneTaskLoad creates n instances of order.bpmn from 64 goroutines and
// completes their jobs with 4 workers, returning the time until all
// completed and each creation's latency.
func runOneTaskLoad(b *testing.B, e *Engine, n int) (time.Duration, []time.Duration) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var completed atomic.Int64
	allDone := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem := make(chan struct{}, 64)
			for ctx.Err() == nil {
				jobs, err := e.ActivateJobs(ctx, ActivateJobsRequest{Type: "charge-card", Worker: "bench", Timeout: time.Minute, MaxJobs: 64, RequestTimeout: time.Second})
				if err != nil {
					continue
				}
				for _, j := range jobs {
					sem <- struct{}{}
					go func(key int64) {
						defer func() { <-sem }()
						if e.CompleteJob(ctx, key, map[string]any{"receipt": map[string]any{"id": "r"}}) == nil && completed.Add(1) == int64(n) {
							close(allDone)
						}
					}(j.Key)
				}
			}
		}()
	}
	start := time.Now()
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var cw sync.WaitGroup
	for range 64 {
		cw.Add(1)
		go func() {
			defer cw.Done()
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				t0 := time.Now()
				if _, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 9.99}}}); err != nil {
					b.Error(err)
					return
				}
				lat[i-1] = time.Since(t0)
			}
		}()
	}
	cw.Wait()
	<-allDone
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	return elapsed, lat
}

func copyFile(b *testing.B, from, to string) {
	src, err := os.Open(from)
	if err != nil {
		b.Fatal(err)
	}
	defer src.Close()
	dst, err := os.Create(to)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		b.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		b.Fatal(err)
	}
}
