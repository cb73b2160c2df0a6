package engine

import (
	"context"

	"github.com/orcabpm/orca/internal/store"
)

// raise creates an incident on an element instance, which stays where it
// is in its lifecycle until the incident is resolved.
func (w *writer) raise(in *inst, errType, msg string, jobKey int64) *store.Incident {
	root := in.root()
	inc := &store.Incident{
		Key:                    w.st.newKey(),
		ProcessID:              in.def.rec.ProcessID,
		ProcessDefinitionKey:   in.def.rec.Key,
		ProcessInstanceKey:     root.key(),
		RootProcessInstanceKey: root.rec.RootProcessInstanceKey,
		ElementID:              in.el.ID,
		ElementInstanceKey:     in.key(),
		ErrorType:              errType,
		ErrorMessage:           msg,
		CreationTime:           w.now,
		State:                  store.IncidentActive,
		JobKey:                 jobKey,
		TenantID:               in.rec.TenantID,
	}
	w.st.incidents[inc.Key] = inc
	w.st.touch(inc)
	w.emit(Event{Kind: EventIncidentCreated, Key: inc.Key, ProcessInstanceKey: inc.ProcessInstanceKey,
		ProcessID: inc.ProcessID, ElementID: inc.ElementID, Type: errType, Message: msg})
	in.rec.HasIncident = true
	in.rec.IncidentKey = inc.Key
	w.touch(in)
	w.st.piIncidents[root.key()]++
	if root.pi != nil && !root.pi.HasIncident {
		root.pi.HasIncident = true
		w.st.touch(root.pi)
	}
	return inc
}

// markResolved closes an incident and clears the flags it set.
func (w *writer) markResolved(inc *store.Incident) {
	inc.State = store.IncidentResolved
	delete(w.st.incidents, inc.Key)
	w.st.touch(inc)
	w.emit(Event{Kind: EventIncidentResolved, Key: inc.Key, ProcessInstanceKey: inc.ProcessInstanceKey,
		ProcessID: inc.ProcessID, ElementID: inc.ElementID, Type: inc.ErrorType})
	if in := w.st.insts[inc.ElementInstanceKey]; in != nil && in.rec.IncidentKey == inc.Key {
		in.rec.HasIncident = false
		in.rec.IncidentKey = 0
		w.touch(in)
	}
	n := w.st.piIncidents[inc.ProcessInstanceKey] - 1
	if n > 0 {
		w.st.piIncidents[inc.ProcessInstanceKey] = n
		return
	}
	delete(w.st.piIncidents, inc.ProcessInstanceKey)
	if root := w.st.insts[inc.ProcessInstanceKey]; root != nil && root.pi != nil && root.pi.HasIncident {
		root.pi.HasIncident = false
		w.st.touch(root.pi)
	}
}

// ResolveIncident resolves an incident and retries what failed: a job
// becomes activatable again (it needs retries left), anything else repeats
// the step of the element lifecycle that raised it.
func (e *Engine) ResolveIncident(ctx context.Context, key int64) error {
	_, err := do(ctx, e, func(w *writer) (struct{}, error) {
		inc := w.st.incidents[key]
		if inc == nil {
			return struct{}{}, errorf(CodeNotFound, "Expected to resolve incident with key '%d', but no such incident was found", key)
		}
		if inc.JobKey != 0 {
			if j := w.st.jobs[inc.JobKey]; j != nil && j.Retries <= 0 && (inc.ErrorType == incJobNoRetries || inc.ErrorType == incAdHocNoRetries || inc.ErrorType == incListenerNoRetries || inc.ErrorType == incTaskListenerNoRetries) {
				return struct{}{}, errorf(CodeInvalidState, "Expected to resolve incident with key '%d', but job with key '%d' has no retries left", key, inc.JobKey)
			}
		}
		w.markResolved(inc)
		if inc.JobKey != 0 {
			if j := w.st.jobs[inc.JobKey]; j != nil {
				j.State = store.JobFailed
				if j.Retries <= 0 {
					j.Retries = 1
				}
				j.LastUpdateTime = w.now
				w.st.touch(j)
				w.makeActivatable(j)
				return struct{}{}, nil
			}
		}
		in := w.st.insts[inc.ElementInstanceKey]
		if in == nil {
			return struct{}{}, nil
		}
		if in.rt().ReadExtra().Task != nil {
			// A task listener could not be created: the transition's
			// listeners run again.
			if ut := w.st.userTasks[in.rt().UserTaskKey]; ut != nil {
				w.nextTaskListener(in, ut)
			}
			return struct{}{}, nil
		}
		switch in.lifecycle() {
		case lcActivating:
			w.enqueue(stepActivate, in.key())
		case lcCompleting:
			w.enqueue(stepComplete, in.key())
		case lcActivated:
			// An error end event: throw again.
			w.transition(in, lcActivating)
			w.enqueue(stepActivate, in.key())
		}
		return struct{}{}, nil
	})
	return err
}
