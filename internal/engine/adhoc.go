package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/store"
)

// Names Zeebe uses for ad-hoc sub-processes.
const (
	JobKindAdHocSubProcess = "AD_HOC_SUB_PROCESS"
	incAdHocNoRetries      = "AD_HOC_SUB_PROCESS_NO_RETRIES"
	varAdHocElements       = "adHocSubProcessElements"
)

// initAdHoc sets the local variables an ad-hoc sub-process starts with,
// before its input mappings: the description of its activities and an
// empty output collection.
func (w *writer) initAdHoc(in *inst) {
	ah := in.el.AdHoc
	w.setLocal(in, varAdHocElements, ah.Elements)
	if ah.OutputCollection != "" {
		if _, ok := in.vars.get(ah.OutputCollection); !ok {
			w.setLocal(in, ah.OutputCollection, json.RawMessage("[]"))
		}
	}
}

// activateAdHoc runs one activity of an ad-hoc sub-process in an inner
// instance of its own, which holds the activation's variables.
func (w *writer) activateAdHoc(ahsp *inst, el *bpmn.Element, vars map[string]json.RawMessage) {
	inner := w.newInst(ahsp, ahsp.el.AdHoc.Inner, bpmn.TypeAdHocInnerInstance)
	inner.rt().Extra().AdHocElement = el.ID
	w.setAllLocal(inner, vars)
}

// collectAdHocOutput appends an inner instance's outputElement to the
// ad-hoc sub-process's output collection.
func (w *writer) collectAdHocOutput(inner *inst) error {
	ahsp := inner.parent
	ah := ahsp.el.AdHoc
	if ah.OutputCollection == "" || ah.OutputElement == nil {
		return nil
	}
	v, err := w.evalJSON(*ah.OutputElement, scopeView{st: w.st, scope: inner})
	if err != nil {
		return err
	}
	var list []any
	if cur, ok := ahsp.vars.get(ah.OutputCollection); ok {
		l, isList := cur.value().([]any)
		if !isList && cur.value() != nil {
			return fmt.Errorf("Expected the output collection '%s' to be an array, but it is %s", ah.OutputCollection, cur.rec.Value)
		}
		list = append(list, l...)
	}
	list = append(list, v)
	b, err := marshalPlain(list)
	if err != nil {
		return fmt.Errorf("the output collection '%s' cannot be stored: %w", ah.OutputCollection, err)
	}
	w.setLocal(ahsp, ah.OutputCollection, b)
	return nil
}

// adHocInnerCompleted reacts to an inner instance that completed: in
// job-worker mode a new job replaces the current one; in BPMN mode the
// completion condition is checked.
func (w *writer) adHocInnerCompleted(ahsp *inst) {
	rt := ahsp.rt()
	rt.ActiveChildren--
	w.touch(ahsp)
	if !ahsp.el.JobWorker() {
		w.adHocCheck(ahsp)
		return
	}
	if rt.ReadExtra().AdHocFulfilled {
		if rt.ActiveChildren == 0 {
			w.complete(ahsp)
		}
		return
	}
	w.replaceAdHocJob(ahsp)
}

// replaceAdHocJob cancels the ad-hoc sub-process's job and creates the next.
func (w *writer) replaceAdHocJob(ahsp *inst) {
	rt := ahsp.rt()
	if j := w.st.jobs[rt.JobKey]; j != nil {
		w.endJob(j, store.JobCanceled)
	}
	rt.JobKey = 0
	w.touch(ahsp)
	w.createJob(ahsp)
}

// adHocCheck completes a BPMN-mode ad-hoc sub-process when its completion
// condition holds (cancelling or awaiting the rest), or, without a
// condition, when nothing runs in it any more.
func (w *writer) adHocCheck(ahsp *inst) {
	ah := ahsp.el.AdHoc
	rt := ahsp.rt()
	if ah.CompletionCondition == nil {
		if rt.ActiveChildren == 0 {
			w.complete(ahsp)
		}
		return
	}
	if !rt.ReadExtra().AdHocFulfilled {
		v, warns, err := w.eval(ah.CompletionCondition.FEEL, scopeView{st: w.st, scope: ahsp})
		if err != nil {
			w.e.log.Warn("ad-hoc completion condition failed", "element", ahsp.el.ID, "err", err)
			return
		}
		b, ok := v.(feel.Boolean)
		if !ok {
			w.e.log.Warn("ad-hoc completion condition is not a boolean", "element", ahsp.el.ID, "err", typeError(*ah.CompletionCondition, "BOOLEAN", v, warns))
			return
		}
		if !b {
			return
		}
		rt.Extra().AdHocFulfilled = true
		w.touch(ahsp)
	}
	w.finishAdHoc(ahsp, ah.CancelRemaining)
}

// finishAdHoc completes a fulfilled ad-hoc sub-process now, or once its
// inner instances are done (or terminated, with cancel).
func (w *writer) finishAdHoc(ahsp *inst, cancel bool) {
	rt := ahsp.rt()
	if rt.ActiveChildren == 0 {
		w.complete(ahsp)
		return
	}
	if cancel {
		rt.Extra().Terminate = true
		w.touch(ahsp)
		for _, c := range sortedChildren(ahsp) {
			w.terminate(c)
		}
	}
}

// AdHocActivation is an activity to activate, with variables for its inner instance.
type AdHocActivation struct {
	ElementID string
	Variables map[string]any
}

// AdHocResult is the result of an ad-hoc sub-process job: what to run next
// and whether the sub-process is done.
type AdHocResult struct {
	ActivateElements             []AdHocActivation
	CompletionConditionFulfilled bool
	CancelRemainingInstances     bool
}

// JobResult is the optional result of a job completion.
type JobResult struct {
	AdHoc *AdHocResult
	// UserTask is a task listener's denial or corrections.
	UserTask *UserTaskResult
}

type adHocActivation struct {
	el   *bpmn.Element
	vars map[string]json.RawMessage
}

// checkAdHocActivations validates activations against an ad-hoc sub-process.
func checkAdHocActivations(ahsp *inst, acts []AdHocActivation, verb string) ([]adHocActivation, error) {
	var out []adHocActivation
	var unknown []string
	seen := map[string]bool{}
	for _, a := range acts {
		el := ahsp.el.AdHoc.Activities[a.ElementID]
		if el == nil {
			unknown = append(unknown, a.ElementID)
			continue
		}
		if verb == "activate" && seen[a.ElementID] {
			return nil, errorf(CodeInvalidArgument, "Expected to activate activities for ad-hoc sub-process with key '%d', but duplicate activities were given: '%s'", ahsp.key(), a.ElementID)
		}
		seen[a.ElementID] = true
		vars, err := encodeVariables(a.Variables)
		if err != nil {
			return nil, err
		}
		out = append(out, adHocActivation{el: el, vars: vars})
	}
	if len(unknown) > 0 {
		// Zeebe rejects a job result naming unknown elements as NOT_FOUND,
		// and the activation API's request as invalid.
		code := CodeNotFound
		if verb == "activate" {
			code = CodeInvalidArgument
		}
		return nil, errorf(code, "Expected to activate ad-hoc elements for ad-hoc sub-process with key '%d', but the given elements [%s] do not exist.", ahsp.key(), strings.Join(unknown, ", "))
	}
	return out, nil
}

// completeAdHocJob applies an ad-hoc sub-process job's completion in
// Zeebe's order: activate, then complete, then merge the variables into the
// sub-process's scope.
func (w *writer) completeAdHocJob(ahsp *inst, acts []adHocActivation, r *AdHocResult, vars map[string]json.RawMessage) {
	rt := ahsp.rt()
	rt.JobKey = 0
	w.touch(ahsp)
	before := sortedChildren(ahsp)
	for _, a := range acts {
		w.activateAdHoc(ahsp, a.el, a.vars)
	}
	if r != nil && r.CancelRemainingInstances {
		for _, c := range before {
			w.terminate(c)
		}
	}
	if r != nil && r.CompletionConditionFulfilled {
		rt.Extra().AdHocFulfilled = true
		w.finishAdHoc(ahsp, r.CancelRemainingInstances)
	}
	w.merge(ahsp, vars)
}

// ActivateAdHocActivities activates activities of a running ad-hoc
// sub-process (Camunda's ad-hoc activities activation).
func (e *Engine) ActivateAdHocActivities(ctx context.Context, key int64, elements []AdHocActivation, cancelRemaining bool) error {
	if len(elements) == 0 {
		return errorf(CodeInvalidArgument, "Expected at least one element to activate, but none given")
	}
	_, err := do(ctx, e, func(w *writer) (struct{}, error) {
		ahsp := w.st.insts[key]
		if ahsp == nil || ahsp.el.Type != bpmn.TypeAdHocSubProcess || ahsp.isBody() {
			return struct{}{}, errorf(CodeNotFound, "Expected to activate activities for ad-hoc sub-process with key '%d', but no such ad-hoc sub-process was found", key)
		}
		if ahsp.lifecycle() != lcActivated {
			return struct{}{}, errorf(CodeInvalidState, "Expected to activate activities for ad-hoc sub-process with key '%d', but it is not active", key)
		}
		acts, err := checkAdHocActivations(ahsp, elements, "activate")
		if err != nil {
			return struct{}{}, err
		}
		before := sortedChildren(ahsp)
		for _, a := range acts {
			w.activateAdHoc(ahsp, a.el, a.vars)
		}
		if cancelRemaining {
			for _, c := range before {
				w.terminate(c)
			}
		}
		return struct{}{}, nil
	})
	return err
}

func isAdHocJob(j *store.Job) bool { return j.Kind == JobKindAdHocSubProcess }

// propagateAdHocOutput hands the output collection to the enclosing scope
// when the ad-hoc sub-process completes.
func (w *writer) propagateAdHocOutput(ahsp *inst) {
	name := ahsp.el.AdHoc.OutputCollection
	if name == "" || ahsp.parent == nil {
		return
	}
	if v, ok := ahsp.vars.get(name); ok {
		w.merge(ahsp.parent, map[string]json.RawMessage{name: json.RawMessage(v.rec.Value)})
	}
}
