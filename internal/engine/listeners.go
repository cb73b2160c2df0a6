package engine

import (
	"encoding/json"
	"strings"
)

// Execution listeners (zeebe:executionListeners), as Camunda runs them:
// start listeners after the input mappings and before the element does
// anything else, end listeners after the output mappings and before the
// element is left; each a job of its own type and retries, one after the
// other in document order, the element waiting (ACTIVATING or COMPLETING)
// for each. The number done is stored with the instance, the pending one's
// job is its JobKey: a restart resumes with the listener that was running.
const (
	JobKindExecutionListener = "EXECUTION_LISTENER"
	incListenerNoRetries     = "EXECUTION_LISTENER_NO_RETRIES"
)

// runListeners creates the job of the next execution listener of an event
// type; it reports whether all of them are done. A listener whose job type
// or retries cannot be evaluated raises an incident; resolving it runs all
// listeners of that event again, as Camunda does.
func (w *writer) runListeners(in *inst, eventType string) bool {
	if in.isBody() {
		return true // the inner instances run the activity's listeners
	}
	ls := in.el.Listeners(eventType)
	rt := in.rt()
	done := rt.ReadExtra().ListenersDone
	if done >= len(ls) {
		return true
	}
	if w.st.jobs[rt.JobKey] != nil {
		return false // its job is out already
	}
	if !w.createJobFor(in, &ls[done].TaskDefinition, JobKindExecutionListener, strings.ToUpper(eventType)) {
		if x := rt.ExtraIfSet(); x != nil {
			x.ListenersDone = 0
		}
		w.touch(in)
	}
	return false
}

// executionListenerDone goes on after a listener's job completed: a start
// listener's variables are local to the element, an end listener's go to
// its flow scope as output mappings' do; then the next listener, or the
// element's activation or completion, follows.
func (w *writer) executionListenerDone(in *inst, vars map[string]json.RawMessage) {
	in.rt().Extra().ListenersDone++
	w.touch(in)
	switch in.lifecycle() {
	case lcActivating:
		w.setAllLocal(in, vars)
		w.enqueue(stepActivate, in.key())
	case lcCompleting:
		if in.parent != nil {
			w.merge(in.parent, vars)
		} else {
			w.setAllLocal(in, vars)
		}
		w.enqueue(stepComplete, in.key())
	}
}

// waitsForListener reports an instance whose listener job is out: it owes
// no step until the job completes.
func waitsForListener(in *inst) bool {
	lc := in.lifecycle()
	return in.rt().JobKey != 0 && (lc == lcActivating || lc == lcCompleting)
}
