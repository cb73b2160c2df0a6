package engine

import (
	"context"
	"encoding/json"
	"time"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

type instanceOptions struct {
	tags       []string
	businessID string
	// Set for instances a call activity starts.
	parentInstance, parentElement, rootInstance int64
}

// createInstance starts a process instance at start (the none start event
// when nil), with vars in the process scope, or, for the event start event
// with output mappings that created it, as that event's variables
// (element_startevent.go).
func (w *writer) createInstance(def *definition, start *bpmn.Element, vars map[string]json.RawMessage, opts instanceOptions) *inst {
	trigger, vars := startTrigger(start, vars)
	in := w.newProcessInstance(def, vars, opts)
	if start == nil {
		start = def.proc.NoneStart
	}
	if w.processStartListeners(in, start) {
		in.rt().Extra().Trigger = trigger // processlisteners.go: it starts once they are done
		return in
	}
	w.processActivated(in)
	w.activateStart(in, start, trigger)
	w.conditionsOnActivation(in)
	return in
}

// newProcessInstance creates the process scope of a new instance, with its
// variables, ACTIVATING and nothing in it yet (processActivated goes on).
func (w *writer) newProcessInstance(def *definition, vars map[string]json.RawMessage, opts instanceOptions) *inst {
	key := w.st.newKey()
	pi := &store.ProcessInstance{
		Key:                    key,
		ProcessDefinitionKey:   def.rec.Key,
		ProcessID:              def.rec.ProcessID,
		ProcessName:            def.proc.Name,
		Version:                def.rec.Version,
		VersionTag:             def.rec.VersionTag,
		State:                  store.StateActive,
		StartDate:              w.now,
		TenantID:               def.rec.TenantID,
		RootProcessInstanceKey: key,
		Tags:                   opts.tags,
		BusinessID:             opts.businessID,
	}
	if opts.rootInstance != 0 {
		pi.RootProcessInstanceKey = opts.rootInstance
		pi.ParentProcessInstanceKey = opts.parentInstance
		pi.ParentElementInstanceKey = opts.parentElement
	}
	rec := &store.ElementInstance{
		Key:                    key,
		ProcessInstanceKey:     key,
		RootProcessInstanceKey: pi.RootProcessInstanceKey,
		ProcessDefinitionKey:   def.rec.Key,
		ProcessID:              def.rec.ProcessID,
		ElementID:              def.rec.ProcessID,
		ElementName:            def.proc.Name,
		Type:                   string(bpmn.TypeProcess),
		State:                  store.StateActive,
		StartDate:              w.now,
		TenantID:               def.rec.TenantID,
	}
	pi.Scope = rec
	in := &inst{rec: rec, pi: pi, el: def.proc.Element, def: def}
	w.st.insts[key] = in
	w.transition(in, lcActivating)
	w.setAllLocal(in, vars)
	return in
}

// processActivated makes a new process scope ACTIVATED and opens its event
// sub-processes' subscriptions.
func (w *writer) processActivated(in *inst) {
	w.transition(in, lcActivated)
	w.openScopeEvents(in)
}

// CreateInstanceRequest starts a process instance.
type CreateInstanceRequest struct {
	// Either ProcessDefinitionKey, or ProcessID with Version (<= 0: latest).
	ProcessDefinitionKey int64
	ProcessID            string
	Version              int32
	TenantID             string
	Variables            map[string]any
	// AwaitCompletion waits until the instance completes (or RequestTimeout
	// passes; the instance keeps running), and returns its variables.
	AwaitCompletion bool
	FetchVariables  []string
	RequestTimeout  time.Duration
	Tags            []string
	BusinessID      string
	// StartAt are the elements the instance starts before, instead of its
	// none start event (Camunda's startInstructions).
	StartAt []string
}

// CreateInstanceResult describes a new process instance.
type CreateInstanceResult struct {
	ProcessDefinitionKey int64
	ProcessID            string
	Version              int32
	ProcessInstanceKey   int64
	TenantID             string
	Tags                 []string
	BusinessID           string
	// Variables are set when the request awaited completion.
	Variables map[string]json.RawMessage
}

// DefaultAwaitTimeout bounds awaitCompletion when the request sets none.
const DefaultAwaitTimeout = 10 * time.Second

type awaiter struct {
	fetch []string
	done  chan awaitResult
}

type awaitResult struct {
	vars  map[string]json.RawMessage
	state string
}

// CreateProcessInstance starts an instance of a deployed process.
func (e *Engine) CreateProcessInstance(ctx context.Context, req CreateInstanceRequest) (CreateInstanceResult, error) {
	vars, err := encodeVariables(req.Variables)
	if err != nil {
		return CreateInstanceResult{}, err
	}
	if req.TenantID == "" {
		req.TenantID = DefaultTenant
	}
	if req.ProcessDefinitionKey == 0 && req.ProcessID == "" {
		return CreateInstanceResult{}, errorf(CodeInvalidArgument, "Expected either a process definition key or a process definition id, but none given")
	}
	var aw *awaiter
	if req.AwaitCompletion {
		aw = &awaiter{fetch: req.FetchVariables, done: make(chan awaitResult, 1)}
	}
	res, err := do(ctx, e, func(w *writer) (CreateInstanceResult, error) {
		var def *definition
		switch {
		case req.ProcessDefinitionKey != 0:
			def = w.st.defs[req.ProcessDefinitionKey]
			if def == nil {
				return CreateInstanceResult{}, errorf(CodeNotFound, "Expected to find process definition with key '%d', but none found", req.ProcessDefinitionKey)
			}
		case req.Version > 0:
			for _, d := range w.st.defs {
				if d.rec.ProcessID == req.ProcessID && d.rec.Version == req.Version && d.rec.TenantID == req.TenantID {
					def = d
				}
			}
			if def == nil {
				return CreateInstanceResult{}, errorf(CodeNotFound, "Expected to find process definition with process ID '%s' and version '%d', but none found", req.ProcessID, req.Version)
			}
		default:
			def = w.st.latest[latestKey(req.TenantID, req.ProcessID)]
			if def == nil {
				return CreateInstanceResult{}, errorf(CodeNotFound, "Expected to find process definition with process ID '%s', but none found", req.ProcessID)
			}
		}
		var in *inst
		if len(req.StartAt) > 0 {
			elements, err := checkStartElements(def, req.StartAt)
			if err != nil {
				return CreateInstanceResult{}, err
			}
			in = w.createInstanceAt(def, elements, vars, instanceOptions{tags: req.Tags, businessID: req.BusinessID})
		} else {
			if def.proc.NoneStart == nil {
				return CreateInstanceResult{}, errorf(CodeInvalidArgument, "Expected to create instance of process with none start event, but there is no such event")
			}
			in = w.createInstance(def, nil, vars, instanceOptions{tags: req.Tags, businessID: req.BusinessID})
		}
		if aw != nil {
			w.st.awaiters[in.key()] = append(w.st.awaiters[in.key()], aw)
		}
		return CreateInstanceResult{
			ProcessDefinitionKey: def.rec.Key,
			ProcessID:            def.rec.ProcessID,
			Version:              def.rec.Version,
			ProcessInstanceKey:   in.key(),
			TenantID:             def.rec.TenantID,
			Tags:                 req.Tags,
			BusinessID:           req.BusinessID,
		}, nil
	})
	if err != nil || aw == nil {
		return res, err
	}
	timeout := req.RequestTimeout
	if timeout <= 0 {
		timeout = DefaultAwaitTimeout
	}
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case r := <-aw.done:
		if r.state != store.StateCompleted {
			return res, errorf(CodeInvalidState, "Expected to await the completion of process instance '%d', but it was %s", res.ProcessInstanceKey, r.state)
		}
		res.Variables = r.vars
		return res, nil
	case <-t.C:
		e.dropAwaiter(res.ProcessInstanceKey, aw)
		return res, errorf(CodeDeadlineExceeded, "Expected to complete process instance '%d' within %s, but it is still running", res.ProcessInstanceKey, timeout)
	case <-ctx.Done():
		e.dropAwaiter(res.ProcessInstanceKey, aw)
		return res, ctx.Err()
	}
}

func (e *Engine) dropAwaiter(piKey int64, aw *awaiter) {
	// Best effort: if the engine is closing, the awaiter goes with it.
	_, _ = e.exec(context.Background(), func(w *writer) (any, error) {
		list := w.st.awaiters[piKey]
		for i, a := range list {
			if a == aw {
				list = append(list[:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(w.st.awaiters, piKey)
		} else {
			w.st.awaiters[piKey] = list
		}
		return nil, nil
	})
}

// notifyAwaiters answers creators waiting for the instance, once the batch
// that finished it is committed.
func (w *writer) notifyAwaiters(in *inst, state string) {
	list := w.st.awaiters[in.key()]
	if len(list) == 0 {
		return
	}
	delete(w.st.awaiters, in.key())
	for _, aw := range list {
		r := awaitResult{state: state}
		if state == store.StateCompleted {
			r.vars = w.st.visible(in, aw.fetch)
		}
		w.afterCommit(func() { aw.done <- r })
	}
}

// CancelProcessInstance terminates a running process instance.
func (e *Engine) CancelProcessInstance(ctx context.Context, key int64) error {
	_, err := do(ctx, e, func(w *writer) (struct{}, error) {
		in := w.st.insts[key]
		if in == nil || in.pi == nil {
			return struct{}{}, errorf(CodeNotFound, "Expected to cancel a process instance with key '%d', but no such process was found", key)
		}
		if in.pi.ParentProcessInstanceKey != 0 {
			return struct{}{}, errorf(CodeInvalidState, "Expected to cancel a process instance with key '%d', but it is created by a parent process instance. Cancel the root process instance '%d' instead.", key, in.pi.RootProcessInstanceKey)
		}
		w.terminate(in)
		return struct{}{}, nil
	})
	if err == nil {
		e.emitCommitted(Event{Kind: EventInstanceCanceled, Key: key, ProcessInstanceKey: key})
	}
	return err
}

// SetVariables sets variables on an element instance or process instance:
// local ones on that scope, otherwise merged outwards as Zeebe does.
func (e *Engine) SetVariables(ctx context.Context, scopeKey int64, variables map[string]any, local bool) error {
	vars, err := encodeVariables(variables)
	if err != nil {
		return err
	}
	_, err = do(ctx, e, func(w *writer) (struct{}, error) {
		in := w.st.insts[scopeKey]
		if in == nil {
			return struct{}{}, errorf(CodeNotFound, "Expected to update variables for element with key '%d', but no such element was found", scopeKey)
		}
		if handled, err := w.taskScopeVariables(in, vars, local); handled || err != nil {
			return struct{}{}, err // taskvariables.go
		}
		if local {
			w.setAllLocal(in, vars)
		} else {
			w.merge(in, vars)
		}
		return struct{}{}, nil
	})
	return err
}
