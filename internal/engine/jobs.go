package engine

import (
	"context"
	"encoding/json"
	"maps"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// Job kinds and listener event types, as Camunda names them.
const (
	JobKindBPMNElement = "BPMN_ELEMENT"
	listenerNone       = "UNSPECIFIED"
)

// DefaultRequestTimeout is how long job activation waits for jobs when the
// request does not say (long polling).
const DefaultRequestTimeout = 10 * time.Second

// createJob makes the job of a task. It reports false when an expression
// failed and an incident was raised instead.
func (w *writer) createJob(in *inst) bool {
	kind := JobKindBPMNElement
	if in.el.Type == bpmn.TypeAdHocSubProcess {
		kind = JobKindAdHocSubProcess
	}
	return w.createJobFor(in, in.el.TaskDefinition, kind, listenerNone)
}

// createJobFor makes a job of a kind for an element instance: the
// element's own, or one of its listeners'.
func (w *writer) createJobFor(in *inst, td *bpmn.TaskDefinition, kind, listenerEventType string) bool {
	view := scopeView{st: w.st, scope: in}
	typ, err := w.evalString(td.Type, view, false)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	retries, err := w.evalInt(td.Retries, view)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	shared := in.def.elementHeaders(in.el)
	var own map[string]string // headers of this job's own
	if ut := in.el.UserTask; ut != nil && !ut.Native {
		own = maps.Clone(shared.Map())
		if !w.jobUserTaskHeaders(in, ut, own) {
			return false
		}
	}
	root := in.root()
	j := &store.Job{
		Key:                    w.st.newKey(),
		Type:                   typ,
		State:                  store.JobCreated,
		Kind:                   kind,
		ListenerEventType:      listenerEventType,
		Retries:                int32(retries),
		CreationTime:           w.now,
		LastUpdateTime:         w.now,
		ElementID:              in.el.ID,
		ElementInstanceKey:     in.key(),
		ProcessInstanceKey:     root.key(),
		RootProcessInstanceKey: root.rec.RootProcessInstanceKey,
		ProcessDefinitionKey:   in.def.rec.Key,
		ProcessID:              in.def.rec.ProcessID,
		ProcessVersion:         in.def.rec.Version,
		TenantID:               in.rec.TenantID,
	}
	if own != nil {
		j.CustomHeaders = own
	} else {
		j.ShareHeaders(shared)
	}
	w.st.jobs[j.Key] = j
	w.st.touch(j)
	in.rt().JobKey = j.Key
	w.touch(in)
	// A job created without retries (retries="0") is activatable all the
	// same, as in Zeebe: the incident comes when a worker fails it.
	w.makeActivatable(j)
	return true
}

// elementHeaders are the custom headers of el's jobs, made and encoded
// once per deployed definition and shared by the jobs (a redeployment is
// another definition, with its own). Their map is read-only.
func (d *definition) elementHeaders(el *bpmn.Element) *store.Headers {
	if h := d.headers[el]; h != nil {
		return h
	}
	m := make(map[string]string, len(el.Headers))
	for _, h := range el.Headers {
		m[h.Key] = h.Value
	}
	h := store.NewHeaders(m)
	if d.headers == nil {
		d.headers = make(map[*bpmn.Element]*store.Headers)
	}
	d.headers[el] = h
	return h
}

// makeActivatable queues a job for activation and wakes waiting workers.
func (w *writer) makeActivatable(j *store.Job) {
	j.Activated = false
	j.Deadline = time.Time{}
	j.RetryAt = time.Time{}
	w.st.jobQueue(j.Type).push(j.Key)
	typ := j.Type
	w.afterCommit(func() { w.e.jobWaiters.notify(typ) })
}

func (w *writer) activatable(j *store.Job) bool {
	if j.Activated || (j.State == store.JobFailed && j.Retries <= 0) || !j.RetryAt.IsZero() || j.EndTime.After(time.Time{}) {
		return false
	}
	if j.State == store.JobErrorThrown {
		return false
	}
	in := w.st.insts[j.ElementInstanceKey]
	return in != nil && !in.rec.HasIncident
}

// ActivateJobsRequest asks for jobs of one type.
type ActivateJobsRequest struct {
	Type           string
	Worker         string
	Timeout        time.Duration // how long the worker holds the jobs
	MaxJobs        int
	FetchVariables []string
	// RequestTimeout bounds the wait for jobs (long polling): 0 means
	// DefaultRequestTimeout, a negative value means answer at once.
	RequestTimeout time.Duration
	TenantIDs      []string
}

// ActivatedJob is a job handed to a worker.
type ActivatedJob struct {
	Key                    int64
	Type                   string
	ProcessID              string
	ProcessVersion         int32
	ProcessDefinitionKey   int64
	ElementID              string
	ElementInstanceKey     int64
	ProcessInstanceKey     int64
	RootProcessInstanceKey int64
	CustomHeaders          map[string]string
	Worker                 string
	Retries                int32
	Deadline               time.Time
	Variables              map[string]json.RawMessage
	TenantID               string
	Kind                   string
	ListenerEventType      string
	Tags                   []string // the process instance's
}

// ActivateJobs hands out up to MaxJobs jobs of a type, waiting for some to
// be created when none is ready (long polling).
func (e *Engine) ActivateJobs(ctx context.Context, req ActivateJobsRequest) ([]ActivatedJob, error) {
	if req.Type == "" {
		return nil, errorf(CodeInvalidArgument, "Expected to activate jobs of a type, but the type is empty")
	}
	if req.MaxJobs < 1 {
		return nil, errorf(CodeInvalidArgument, "Expected to activate at least one job, but maxJobsToActivate was %d", req.MaxJobs)
	}
	if req.Timeout < time.Millisecond {
		return nil, errorf(CodeInvalidArgument, "Expected a job timeout of at least 1 ms, but it was %s", req.Timeout)
	}
	wait := req.RequestTimeout
	if wait == 0 {
		wait = DefaultRequestTimeout
	}
	var timer <-chan time.Time
	if wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		timer = t.C
	}
	for {
		ready := e.jobWaiters.wait(req.Type)
		jobs, err := do(ctx, e, func(w *writer) ([]ActivatedJob, error) { return w.activateJobs(req), nil })
		// The jobs of an element share their headers' map (elementHeaders),
		// and a job's map is the engine's: each caller gets a copy it may
		// change. Copied here, off the writer, which never changes a
		// job's map once made.
		for i := range jobs {
			jobs[i].CustomHeaders = maps.Clone(jobs[i].CustomHeaders)
		}
		if err != nil || len(jobs) > 0 || wait < 0 {
			return jobs, err
		}
		select {
		case <-ready:
		case <-timer:
			return nil, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-e.quit:
			return nil, ErrClosed
		}
	}
}

func (w *writer) activateJobs(req ActivateJobsRequest) []ActivatedJob {
	q := w.st.jobQueues[req.Type]
	if q == nil {
		return nil
	}
	// Sized once for what it can hand out (the answer grew by doubling,
	// copying jobs of some 250 bytes each time).
	var out []ActivatedJob
	if n := min(req.MaxJobs, len(q.keys)-q.head); n > 0 {
		out = make([]ActivatedJob, 0, n)
	}
	var skipped []int64
	for len(out) < req.MaxJobs {
		k, ok := q.pop()
		if !ok {
			break
		}
		j := w.st.jobs[k]
		if j == nil || !w.activatable(j) {
			continue
		}
		if len(req.TenantIDs) > 0 && !containsString(req.TenantIDs, j.TenantID) {
			skipped = append(skipped, k)
			continue
		}
		j.Activated = true
		j.Worker = req.Worker
		j.Deadline = w.now.Add(req.Timeout)
		j.LastUpdateTime = w.now
		w.st.touch(j)
		w.st.due.push(j.Deadline, dueJobDeadline, j.Key)
		w.emit(Event{Kind: EventJobActivated, Key: j.Key, Type: j.Type})
		in := w.st.insts[j.ElementInstanceKey]
		out = append(out, ActivatedJob{
			Key:                    j.Key,
			Type:                   j.Type,
			ProcessID:              j.ProcessID,
			ProcessVersion:         j.ProcessVersion,
			ProcessDefinitionKey:   j.ProcessDefinitionKey,
			ElementID:              j.ElementID,
			ElementInstanceKey:     j.ElementInstanceKey,
			ProcessInstanceKey:     j.ProcessInstanceKey,
			RootProcessInstanceKey: j.RootProcessInstanceKey,
			CustomHeaders:          j.CustomHeaders,
			Worker:                 j.Worker,
			Retries:                j.Retries,
			Deadline:               j.Deadline,
			Variables:              w.st.visible(in, req.FetchVariables),
			TenantID:               j.TenantID,
			Kind:                   j.Kind,
			ListenerEventType:      j.ListenerEventType,
			Tags:                   in.root().pi.Tags,
		})
	}
	q.unpop(skipped)
	return out
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// timeOutJob makes an activated job whose deadline passed activatable again.
func (w *writer) timeOutJob(key int64) {
	j := w.st.jobs[key]
	if j == nil || !j.Activated || j.Deadline.After(w.now) {
		return
	}
	j.State = store.JobTimedOut
	j.LastUpdateTime = w.now
	w.st.touch(j)
	w.emit(Event{Kind: EventJobTimedOut, Key: j.Key, Type: j.Type, ProcessInstanceKey: j.ProcessInstanceKey})
	w.makeActivatable(j)
}

// retryJob ends a failed job's back-off.
func (w *writer) retryJob(key int64) {
	j := w.st.jobs[key]
	if j == nil || j.Activated || j.RetryAt.IsZero() || j.RetryAt.After(w.now) {
		return
	}
	w.st.touch(j)
	w.makeActivatable(j)
}

// liveJob finds a job that a worker may still act on.
func (w *writer) liveJob(key int64, verb string) (*store.Job, *inst, error) {
	j := w.st.jobs[key]
	if j == nil {
		return nil, nil, errorf(CodeNotFound, "Expected to %s job with key '%d', but no such job was found", verb, key)
	}
	in := w.st.insts[j.ElementInstanceKey]
	if in == nil {
		return nil, nil, errorf(CodeNotFound, "Expected to %s job with key '%d', but no such job was found", verb, key)
	}
	return j, in, nil
}

// CompleteJob completes a job: its variables are merged into the process
// (or set locally when the task has output mappings), and the task is left.
func (e *Engine) CompleteJob(ctx context.Context, key int64, variables map[string]any) error {
	return e.CompleteJobWithResult(ctx, key, variables, nil)
}

// CompleteJobWithResult completes a job with a result. An ad-hoc
// sub-process job's result says which activities to activate and whether
// the sub-process is done; its variables go to the sub-process's scope.
func (e *Engine) CompleteJobWithResult(ctx context.Context, key int64, variables map[string]any, result *JobResult) error {
	vars, err := encodeVariables(variables)
	if err != nil {
		return err
	}
	if result != nil && result.AdHoc != nil && result.AdHoc.CompletionConditionFulfilled && len(result.AdHoc.ActivateElements) > 0 {
		return errorf(CodeInvalidArgument, "Expected to complete job with key '%d' with activated elements or a fulfilled completion condition, but both were given", key)
	}
	_, err = do(ctx, e, func(w *writer) (struct{}, error) {
		j, in, err := w.liveJob(key, "complete")
		if err != nil {
			return struct{}{}, err
		}
		if j.State == store.JobErrorThrown || (j.State == store.JobFailed && j.Retries <= 0) || in.rec.HasIncident {
			return struct{}{}, errorf(CodeInvalidState, "Expected to complete job with key '%d', but it is in state '%s'", key, jobStateName(j))
		}
		var utr *UserTaskResult
		if result != nil {
			utr = result.UserTask
		}
		switch {
		case j.Kind == JobKindTaskListener:
			if err := checkTaskListenerResult(in, key, vars, utr); err != nil {
				return struct{}{}, err
			}
			if utr != nil && utr.Denied {
				j.Denied, j.DeniedReason = true, utr.DeniedReason
			}
		case utr != nil:
			return struct{}{}, errorf(CodeInvalidArgument, "Expected to complete job with key '%d' with a user task result (results of task listeners), but the job does not belong to a task listener", key)
		}
		var acts []adHocActivation
		if isAdHocJob(j) && result != nil && result.AdHoc != nil {
			if acts, err = checkAdHocActivations(in, result.AdHoc.ActivateElements, "complete"); err != nil {
				return struct{}{}, err
			}
		} else if result != nil && result.AdHoc != nil {
			return struct{}{}, errorf(CodeInvalidArgument, "Expected to complete job with key '%d' with an ad-hoc sub-process result, but the job does not belong to an ad-hoc sub-process", key)
		}
		w.endJob(j, store.JobCompleted)
		w.emit(Event{Kind: EventJobCompleted, Key: j.Key, Type: j.Type, ProcessInstanceKey: j.ProcessInstanceKey})
		in.rt().JobKey = 0
		switch j.Kind {
		case JobKindExecutionListener:
			w.executionListenerDone(in, vars)
			return struct{}{}, nil
		case JobKindTaskListener:
			w.taskListenerDone(in, utr)
			return struct{}{}, nil
		}
		if isAdHocJob(j) {
			var r *AdHocResult
			if result != nil {
				r = result.AdHoc
			}
			w.completeAdHocJob(in, acts, r, vars)
			return struct{}{}, nil
		}
		w.completeWithVariables(in, vars)
		return struct{}{}, nil
	})
	return err
}

func jobStateName(j *store.Job) string {
	switch {
	case j.State == store.JobErrorThrown:
		return "ERROR_THROWN"
	case j.State == store.JobFailed && j.Retries <= 0:
		return "FAILED"
	case j.Activated:
		return "ACTIVATED"
	}
	return "ACTIVATABLE"
}

// FailJobRequest reports that a worker could not do a job.
type FailJobRequest struct {
	Retries      int32
	ErrorMessage string
	RetryBackOff time.Duration
	Variables    map[string]any
}

// FailJob records a failure: with retries left the job comes back (after
// the back-off); without, a JOB_NO_RETRIES incident is raised.
func (e *Engine) FailJob(ctx context.Context, key int64, req FailJobRequest) error {
	vars, err := encodeVariables(req.Variables)
	if err != nil {
		return err
	}
	if req.Retries < 0 {
		return errorf(CodeInvalidArgument, "Expected retries to be zero or more, but it was %d", req.Retries)
	}
	if req.RetryBackOff < 0 {
		return errorf(CodeInvalidArgument, "Expected the retry back-off to be zero or more, but it was %s", req.RetryBackOff)
	}
	_, err = do(ctx, e, func(w *writer) (struct{}, error) {
		j, in, err := w.liveJob(key, "fail")
		if err != nil {
			return struct{}{}, err
		}
		if !j.Activated {
			return struct{}{}, errorf(CodeInvalidState, "Expected to fail job with key '%d', but it is in state '%s'", key, jobStateName(j))
		}
		w.setAllLocal(in, vars)
		j.Retries = req.Retries
		j.ErrorMessage = req.ErrorMessage
		j.State = store.JobFailed
		j.Activated = false
		j.Deadline = time.Time{}
		j.LastUpdateTime = w.now
		w.st.touch(j)
		w.emit(Event{Kind: EventJobFailed, Key: j.Key, Type: j.Type, ProcessInstanceKey: j.ProcessInstanceKey,
			ElementID: j.ElementID, Retries: int(j.Retries), Message: j.ErrorMessage})
		if j.Retries > 0 {
			j.HasFailedWithRetriesLeft = true
			if req.RetryBackOff > 0 {
				j.RetryAt = w.now.Add(req.RetryBackOff)
				w.st.due.push(j.RetryAt, dueJobBackoff, j.Key)
			} else {
				w.makeActivatable(j)
			}
			return struct{}{}, nil
		}
		msg := req.ErrorMessage
		if msg == "" {
			msg = "No more retries left."
		}
		incType := incJobNoRetries
		switch {
		case isAdHocJob(j):
			incType = incAdHocNoRetries
		case j.Kind == JobKindExecutionListener:
			incType = incListenerNoRetries
		case j.Kind == JobKindTaskListener:
			incType = incTaskListenerNoRetries
		}
		w.raise(in, incType, msg, j.Key)
		return struct{}{}, nil
	})
	return err
}

// ThrowError reports a business error for a job. It is caught by the
// nearest matching error catch event; uncaught, it raises an incident.
func (e *Engine) ThrowError(ctx context.Context, key int64, code, message string, variables map[string]any) error {
	if code == "" {
		return errorf(CodeInvalidArgument, "Expected an error code, but it is empty")
	}
	vars, err := encodeVariables(variables)
	if err != nil {
		return err
	}
	_, err = do(ctx, e, func(w *writer) (struct{}, error) {
		j, in, err := w.liveJob(key, "throw an error for")
		if err != nil {
			return struct{}{}, err
		}
		if j.State == store.JobErrorThrown || in.rec.HasIncident {
			return struct{}{}, errorf(CodeInvalidState, "Expected to throw an error for job with key '%d', but it is in state '%s'", key, jobStateName(j))
		}
		if j.Kind == JobKindExecutionListener || j.Kind == JobKindTaskListener {
			return struct{}{}, errorf(CodeInvalidState, "Expected to throw an error for job with key '%d', but it is a listener job: throwing a BPMN error is not supported for listeners", key)
		}
		j.State = store.JobErrorThrown
		j.ErrorCode = code
		j.ErrorMessage = message
		j.Activated = false
		j.Deadline = time.Time{}
		j.LastUpdateTime = w.now
		w.st.touch(j)
		w.emit(Event{Kind: EventJobErrorThrown, Key: j.Key, Type: j.Type, ProcessInstanceKey: j.ProcessInstanceKey, Message: code})
		w.throwError(in, code, message, j.Key, vars)
		return struct{}{}, nil
	})
	return err
}

// UpdateJobRequest changes a job's retries and/or timeout.
type UpdateJobRequest struct {
	Retries *int32
	Timeout *time.Duration
}

// UpdateJob changes a job's retries or, while it is activated, its timeout.
func (e *Engine) UpdateJob(ctx context.Context, key int64, req UpdateJobRequest) error {
	if req.Retries != nil && *req.Retries < 1 {
		return errorf(CodeInvalidArgument, "Expected to update retries for job with key '%d' with a positive amount of retries, but the amount given was '%d'", key, *req.Retries)
	}
	if req.Timeout != nil && *req.Timeout < 0 {
		return errorf(CodeInvalidArgument, "Expected to update the timeout of job with key '%d' to zero or more, but it was %s", key, *req.Timeout)
	}
	_, err := do(ctx, e, func(w *writer) (struct{}, error) {
		j, _, err := w.liveJob(key, "update")
		if err != nil {
			return struct{}{}, err
		}
		if req.Timeout != nil && !j.Activated {
			return struct{}{}, errorf(CodeInvalidState, "Expected to update the timeout of job with key '%d', but it is not activated", key)
		}
		if req.Retries != nil {
			j.Retries = *req.Retries
			j.State = store.JobRetriesUpdated
		}
		if req.Timeout != nil {
			j.Deadline = w.now.Add(*req.Timeout)
			w.st.due.push(j.Deadline, dueJobDeadline, j.Key)
		}
		j.LastUpdateTime = w.now
		w.st.touch(j)
		return struct{}{}, nil
	})
	return err
}

// jobNotifier wakes long-polling activations when jobs of their type appear.
type jobNotifier struct {
	mu    sync.Mutex
	chans map[string]chan struct{}
}

func (n *jobNotifier) init() { n.chans = map[string]chan struct{}{} }

// wait returns a channel closed at the next notify of typ.
func (n *jobNotifier) wait(typ string) <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	c := n.chans[typ]
	if c == nil {
		c = make(chan struct{})
		n.chans[typ] = c
	}
	return c
}

func (n *jobNotifier) notify(typ string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if c := n.chans[typ]; c != nil {
		close(c)
		delete(n.chans, typ)
	}
}
