package engine

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkOneTaskProcess measures completed instances per second of
// "create instance -> one service task completed by an in-process worker ->
// end" (order.bpmn: FEEL input and output mappings, a header), with durable
// (synchronous=FULL) group commits. One op is one completed instance.
// user-us/instance and sys-us/instance are the process's CPU time per
// instance (engine and benchmark clients together), which the machine's
// load moves much less than instances/s.
func BenchmarkOneTaskProcess(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run(sync, func(b *testing.B) { benchOneTask(b, sync) })
	}
}

func benchOneTask(b *testing.B, synchronous string) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e, err := Open(ctx, Options{DataDir: b.TempDir(), Synchronous: synchronous})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	h := &harness{t: b, ctx: ctx, e: e}
	h.deploy("order.bpmn")

	const creators, workers, parallelJobs = 64, 4, 64
	var completed atomic.Int64
	allDone := make(chan struct{})
	n := int64(b.N)

	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem := make(chan struct{}, parallelJobs)
			for ctx.Err() == nil {
				jobs, err := e.ActivateJobs(ctx, ActivateJobsRequest{Type: "charge-card", Worker: "bench", Timeout: time.Minute, MaxJobs: parallelJobs, RequestTimeout: time.Second})
				if err != nil {
					continue
				}
				for _, j := range jobs {
					sem <- struct{}{}
					go func(key int64) {
						defer func() { <-sem }()
						if err := e.CompleteJob(ctx, key, map[string]any{"receipt": map[string]any{"id": "r"}}); err != nil {
							return
						}
						if completed.Add(1) == n {
							close(allDone)
						}
					}(j.Key)
				}
			}
		}()
	}

	b0, c0 := e.stats.Batches.Load(), e.stats.Commands.Load()
	b.ResetTimer()
	u0, s0 := processCPU()
	start := time.Now()
	var next atomic.Int64
	var cw sync.WaitGroup
	lat := make([][]time.Duration, creators) // each creator's create latencies
	for c := 0; c < creators; c++ {
		cw.Add(1)
		go func() {
			defer cw.Done()
			for next.Add(1) <= n {
				t := time.Now()
				if _, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 9.99}}}); err != nil {
					b.Error(err)
					return
				}
				lat[c] = append(lat[c], time.Since(t))
			}
		}()
	}
	cw.Wait()
	<-allDone
	elapsed := time.Since(start)
	u1, s1 := processCPU()
	b.StopTimer()
	cancel()
	wg.Wait()

	batches, cmds := e.stats.Batches.Load()-b0, e.stats.Commands.Load()-c0
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "instances/s")
	// The process's CPU time per instance (the engine's and the benchmark
	// clients'), user and system: what the machine's load moves least.
	if u1 > 0 {
		b.ReportMetric(float64((u1-u0).Microseconds())/float64(b.N), "user-us/instance")
		b.ReportMetric(float64((s1-s0).Microseconds())/float64(b.N), "sys-us/instance")
	}
	if batches > 0 {
		b.ReportMetric(float64(cmds)/float64(batches), "cmds/commit")
	}
	b.ReportMetric(float64(e.stats.MaxBatch.Load()), "max-cmds/commit")
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1e3, "create-p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1e3, "create-p99-ms")
		b.ReportMetric(float64(all[len(all)-1].Microseconds())/1e3, "create-max-ms")
	}
}
