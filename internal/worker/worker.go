// Package worker is the job-worker runtime of Orca's built-in workers (the
// AI agent, the MCP clients): long-polling activation, bounded concurrency,
// completion, failure with retries and back-off, BPMN errors, and the
// connector-runtime conventions Camunda's blueprints rely on (secrets,
// result variable and expression, error expression).
//
// A worker reaches the cluster only through JobClient, which cluster.API
// satisfies, so the same worker runs beside the embedded engine or against
// a remote Camunda 8 REST API.
package worker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
)

// JobClient is what a worker needs of a cluster.
type JobClient interface {
	ActivateJobs(ctx context.Context, req *cluster.JobActivationRequest) (*cluster.JobActivationResult, error)
	CompleteJob(ctx context.Context, key cluster.Key, req *cluster.JobCompletionRequest) error
	FailJob(ctx context.Context, key cluster.Key, req *cluster.JobFailRequest) error
	ThrowJobError(ctx context.Context, key cluster.Key, req *cluster.JobErrorRequest) error
}

// Job is an activated job.
type Job struct {
	cluster.ActivatedJob
}

// Variables decodes the job's variables (numbers as json.Number).
func (j *Job) Variables() (map[string]any, error) {
	out := make(map[string]any, len(j.ActivatedJob.Variables))
	for name, raw := range j.ActivatedJob.Variables {
		v, err := decode(raw)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", name, err)
		}
		out[name] = v
	}
	return out, nil
}

func decode(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// Completion is how a handler finishes a job: variables, and for an ad-hoc
// sub-process job, its result.
type Completion struct {
	Variables map[string]any
	Result    *cluster.JobResult
}

// Handler does jobs.
type Handler interface {
	Handle(ctx context.Context, job *Job) (*Completion, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, job *Job) (*Completion, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, job *Job) (*Completion, error) { return f(ctx, job) }

// BPMNError is a business error a handler reports: it is thrown as a BPMN
// error that an error catch event can catch.
type BPMNError struct {
	Code      string
	Message   string
	Variables map[string]any
}

func (e *BPMNError) Error() string {
	if e.Message == "" {
		return "BPMN error " + e.Code
	}
	return "BPMN error " + e.Code + ": " + e.Message
}

// JobError is a technical failure with explicit retry instructions; any
// other error fails the job with one retry less and the configured back-off.
type JobError struct {
	Message      string
	Retries      *int32
	RetryBackoff *time.Duration
	Variables    map[string]any
}

func (e *JobError) Error() string { return e.Message }

// Config describes one worker.
type Config struct {
	Type        string
	Name        string        // reported as the job's worker
	Timeout     time.Duration // how long a job is held (default 5m)
	PollTimeout time.Duration // long-polling request timeout (default 20s)
	Concurrency int           // jobs handled at once (default 8)
	// FetchVariables limits the variables activation returns (empty: all).
	FetchVariables []string
	// RetryBackoff is the back-off of failed jobs unless the job's
	// retryBackoff header or a JobError says otherwise.
	RetryBackoff time.Duration
	Handler      Handler
	Logger       *slog.Logger
}

// activationBackoff is how long a worker waits after its n-th failed job
// activation in a row (n ≥ 1): exponential from 100 ms, capped at 10 s,
// with equal jitter (half fixed, half random), so that many workers of a
// cluster that went away do not come back in step. rnd returns [0, 1).
func activationBackoff(n int, rnd func() float64) time.Duration {
	const base, ceiling = 100 * time.Millisecond, 10 * time.Second
	d := ceiling
	if n < 8 { // 100 ms · 2^7 > 10 s
		d = min(base<<(n-1), ceiling)
	}
	return d/2 + time.Duration(rnd()*float64(d/2))
}

// Run activates and handles jobs until ctx ends, then waits for the jobs
// in hand to finish.
func Run(ctx context.Context, c JobClient, cfg Config) error {
	if cfg.Type == "" || cfg.Handler == nil {
		return errors.New("worker: a job type and a handler are needed")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Minute
	}
	if cfg.PollTimeout <= 0 {
		cfg.PollTimeout = 20 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.Name == "" {
		cfg.Name = "orca"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	log := cfg.Logger.With("jobType", cfg.Type)
	slots := make(chan struct{}, cfg.Concurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	failures := 0 // activations failed in a row
	for {
		// Hold one slot before asking, so no job waits for a free hand.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return nil
		}
		free := 1
	more:
		for free < cfg.Concurrency {
			select {
			case slots <- struct{}{}:
				free++
			default:
				break more
			}
		}
		res, err := c.ActivateJobs(ctx, &cluster.JobActivationRequest{
			Type: cfg.Type, Worker: cfg.Name, Timeout: cfg.Timeout.Milliseconds(), MaxJobsToActivate: int32(free),
			RequestTimeout: cfg.PollTimeout.Milliseconds(), FetchVariable: cfg.FetchVariables,
		})
		var jobs []cluster.ActivatedJob
		if res != nil {
			jobs = res.Jobs
		}
		for i := len(jobs); i < free; i++ {
			<-slots
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			failures++
			wait := activationBackoff(failures, rand.Float64)
			log.Warn("job activation failed; retrying", "err", err, "in", wait.Round(time.Millisecond), "failures", failures)
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil
			}
			continue
		}
		failures = 0
		for i := range jobs {
			job := &Job{ActivatedJob: jobs[i]}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer func() { <-slots }()
				handle(context.WithoutCancel(ctx), c, cfg, log, job)
			}()
		}
	}
}

// handle runs one job and reports its outcome to the cluster. The context
// outlives the worker's, so that a job in hand at shutdown is finished.
func handle(ctx context.Context, c JobClient, cfg Config, log *slog.Logger, job *Job) {
	log = log.With("jobKey", job.JobKey, "processInstanceKey", job.ProcessInstanceKey, "elementId", job.ElementID)
	deadline := time.UnixMilli(job.Deadline)
	hctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	comp, err := safeHandle(hctx, log, cfg.Handler, job)
	var report error
	var be *BPMNError
	var je *JobError
	switch {
	case errors.As(err, &be):
		msg := be.Message
		report = c.ThrowJobError(ctx, job.JobKey, &cluster.JobErrorRequest{ErrorCode: be.Code, ErrorMessage: &msg, Variables: be.Variables})
		log.Info("job threw a BPMN error", "code", be.Code)
	case err != nil:
		fail := &cluster.JobFailRequest{Retries: max(job.Retries-1, 0), ErrorMessage: err.Error()}
		backoff := cfg.RetryBackoff
		if h, ok := job.CustomHeaders["retryBackoff"]; ok {
			if d, perr := parseBackoff(h); perr == nil {
				backoff = d
			}
		}
		if errors.As(err, &je) {
			if je.Retries != nil {
				fail.Retries = *je.Retries
			}
			if je.RetryBackoff != nil {
				backoff = *je.RetryBackoff
			}
			fail.Variables = je.Variables
		}
		fail.RetryBackOff = backoff.Milliseconds()
		report = c.FailJob(ctx, job.JobKey, fail)
		log.Warn("job failed", "err", err, "retriesLeft", fail.Retries)
	default:
		req := &cluster.JobCompletionRequest{}
		if comp != nil {
			req.Variables = comp.Variables
			if comp.Result != nil {
				b, merr := json.Marshal(comp.Result)
				if merr != nil {
					log.Error("job result cannot be encoded", "err", merr)
					return
				}
				req.Result = b
			}
		}
		report = c.CompleteJob(ctx, job.JobKey, req)
	}
	if report != nil {
		// A superseded or timed-out job is gone: nothing to do but say so.
		log.Warn("could not report the job's outcome", "err", report)
	}
}

func safeHandle(ctx context.Context, log *slog.Logger, h Handler, job *Job) (comp *Completion, err error) {
	defer func() {
		if r := recover(); r != nil {
			log.Error("worker panicked", "panic", r, "stack", string(debug.Stack()))
			err = fmt.Errorf("the worker failed on this job: %v", r)
		}
	}()
	return h.Handle(ctx, job)
}
