package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orcabpm/orca/internal/engine"
)

// Result is one load run.
type Result struct {
	Instances int           // completed
	Elapsed   time.Duration // from the first creation to the last completion
}

// PerSecond is the completed instances per second.
func (r Result) PerSecond() float64 { return float64(r.Instances) / r.Elapsed.Seconds() }

// Load shapes a one-task run: Creators goroutines create n instances of
// scale-order, Workers goroutines activate up to 64 jobs at a time and
// complete each (up to 64 at once per worker).
type Load struct {
	Instances, Creators, Workers int
}

func (l Load) orDefault() Load {
	if l.Creators <= 0 {
		l.Creators = 64
	}
	if l.Workers <= 0 {
		l.Workers = 4
	}
	return l
}

// ops are what a one-task run does, in process or over /v2.
type ops struct {
	create   func(ctx context.Context) error
	activate func(ctx context.Context, max int) ([]string, error)
	complete func(ctx context.Context, key string) error
}

func (l Load) run(ctx context.Context, o ops) (Result, error) {
	l = l.orDefault()
	n := int64(l.Instances)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		completed atomic.Int64
		failed    atomic.Pointer[error]
		wg        sync.WaitGroup
	)
	allDone := make(chan struct{})
	fail := func(err error) {
		if failed.CompareAndSwap(nil, &err) {
			cancel()
		}
	}
	for range l.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem := make(chan struct{}, 64)
			for ctx.Err() == nil {
				keys, err := o.activate(ctx, 64)
				if err != nil {
					if ctx.Err() == nil {
						fail(fmt.Errorf("activate jobs: %w", err))
					}
					return
				}
				for _, k := range keys {
					sem <- struct{}{}
					wg.Add(1)
					go func() {
						defer wg.Done()
						defer func() { <-sem }()
						if err := o.complete(ctx, k); err != nil {
							if ctx.Err() == nil {
								fail(fmt.Errorf("complete job %s: %w", k, err))
							}
							return
						}
						if completed.Add(1) == n {
							close(allDone)
						}
					}()
				}
			}
		}()
	}
	start := time.Now()
	var next atomic.Int64
	for range l.Creators {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= n && ctx.Err() == nil {
				if err := o.create(ctx); err != nil {
					if ctx.Err() == nil {
						fail(fmt.Errorf("create instance: %w", err))
					}
					return
				}
			}
		}()
	}
	select {
	case <-allDone:
	case <-ctx.Done():
	}
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	if p := failed.Load(); p != nil {
		return Result{}, *p
	}
	if err := ctx.Err(); completed.Load() < n && err != nil {
		return Result{}, err
	}
	return Result{Instances: int(n), Elapsed: elapsed}, nil
}

var orderVars = map[string]any{"order": map[string]any{"total": 9.99}, "customer": "c-1"}

// InProcess runs the load through the engine's API (Deploy first).
func (l Load) InProcess(ctx context.Context, e *engine.Engine) (Result, error) {
	return l.run(ctx, ops{
		create: func(ctx context.Context) error {
			_, err := e.CreateProcessInstance(ctx, engine.CreateInstanceRequest{ProcessID: "scale-order", Variables: orderVars})
			return err
		},
		activate: func(ctx context.Context, max int) ([]string, error) {
			jobs, err := e.ActivateJobs(ctx, engine.ActivateJobsRequest{Type: "scale-charge", Worker: "loadgen", Timeout: time.Minute, MaxJobs: max, RequestTimeout: time.Second})
			keys := make([]string, len(jobs))
			for i, j := range jobs {
				keys[i] = fmt.Sprint(j.Key)
			}
			return keys, err
		},
		complete: func(ctx context.Context, key string) error {
			var k int64
			fmt.Sscan(key, &k)
			return e.CompleteJob(ctx, k, map[string]any{"receipt": map[string]any{"id": "r"}})
		},
	})
}

// REST runs the load over /v2 at base (Model deployed), as REST job
// workers do: POST /v2/jobs/activation with a long poll, then
// POST /v2/jobs/{key}/completion per job.
func (l Load) REST(ctx context.Context, hc *http.Client, base string) (Result, error) {
	create, _ := json.Marshal(map[string]any{"processDefinitionId": "scale-order", "variables": orderVars})
	complete, _ := json.Marshal(map[string]any{"variables": map[string]any{"receipt": map[string]any{"id": "r"}}})
	return l.run(ctx, ops{
		create: func(ctx context.Context) error {
			_, err := Post(ctx, hc, base+"/v2/process-instances", create)
			return err
		},
		activate: func(ctx context.Context, max int) ([]string, error) {
			body, _ := json.Marshal(map[string]any{"type": "scale-charge", "worker": "loadgen", "timeout": 60000, "maxJobsToActivate": max, "requestTimeout": 1000})
			b, err := Post(ctx, hc, base+"/v2/jobs/activation", body)
			if err != nil {
				return nil, err
			}
			var res struct {
				Jobs []struct {
					JobKey string `json:"jobKey"`
				} `json:"jobs"`
			}
			if err := json.Unmarshal(b, &res); err != nil {
				return nil, err
			}
			keys := make([]string, len(res.Jobs))
			for i, j := range res.Jobs {
				keys[i] = j.JobKey
			}
			return keys, nil
		},
		complete: func(ctx context.Context, key string) error {
			_, err := Post(ctx, hc, base+"/v2/jobs/"+key+"/completion", complete)
			return err
		},
	})
}

// Post sends a JSON body and returns the answer's, or an error naming the
// status of an answer that is not 2xx.
func Post(ctx context.Context, hc *http.Client, url string, body []byte) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode/100 != 2 {
		return nil, fmt.Errorf("POST %s: %d %s", url, res.StatusCode, b)
	}
	return b, nil
}

// Latencies runs call n times from clients goroutines (each made by
// newCall, e.g. with its own MCP session) and returns each call's latency,
// sorted, and the calls per second.
func Latencies(ctx context.Context, n, clients int, newCall func() (func(context.Context) error, func(), error)) ([]time.Duration, float64, error) {
	var (
		mu    sync.Mutex
		lats  []time.Duration
		first error
		next  atomic.Int64
		wg    sync.WaitGroup
	)
	calls := make([]func(context.Context) error, clients)
	for i := range calls {
		call, done, err := newCall()
		if err != nil {
			return nil, 0, err
		}
		defer done()
		calls[i] = call
	}
	start := time.Now()
	for _, call := range calls {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				if err := call(ctx); err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if first != nil {
		return nil, 0, first
	}
	slices.Sort(lats)
	return lats, float64(len(lats)) / elapsed.Seconds(), nil
}

// Percentile is the p-th percentile of sorted latencies.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)) * p / 100)
	return sorted[min(i, len(sorted)-1)]
}
