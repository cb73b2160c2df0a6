package engine

import (
	"encoding/json"
	"fmt"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/store"
)

// Multi-instance bodies keep Zeebe's counters as local variables.
const (
	varLoopCounter        = "loopCounter"
	varNumberOfInstances  = "numberOfInstances"
	varNumberOfActive     = "numberOfActiveInstances"
	varNumberOfCompleted  = "numberOfCompletedInstances"
	varNumberOfTerminated = "numberOfTerminatedInstances"
)

// multiInstanceBody is the behaviour of a multi-instance activity's body:
// it creates an inner instance per item of the input collection (all at
// once, or one after the other), collects their output elements, and
// leaves by the activity's flows once they are done or its completion
// condition holds. The inner instances apply the activity's mappings.
type multiInstanceBody struct{ leaf }

func (multiInstanceBody) onActivate(w *writer, body *inst) { w.activateBody(body) }

func (multiInstanceBody) onComplete(w *writer, body *inst) ([]*bpmn.SequenceFlow, bool) {
	w.propagateOutputCollection(body)
	return body.el.Outgoing, true
}

// onChildCompleting puts the inner instance's output element into the
// output collection; the body, not the inner instance, takes the flows.
func (multiInstanceBody) onChildCompleting(w *writer, _, child *inst) (bool, error) {
	return false, w.collectOutput(child)
}

func (b multiInstanceBody) onChildCompleted(w *writer, body, _ *inst) { b.innerGone(w, body) }

func (b multiInstanceBody) onChildTerminated(w *writer, body, _ *inst) { b.innerGone(w, body) }

func (multiInstanceBody) innerGone(w *writer, body *inst) {
	w.childGone(body)
	if rt := body.rt(); rt.Lifecycle == lcActivated && !rt.ReadExtra().Terminate {
		w.innerDone(body)
		return
	}
	w.afterChild(body)
}

// activateBody evaluates the input collection and starts the inner
// instances: all at once, or the first of a sequence.
func (w *writer) activateBody(body *inst) {
	mi := body.el.MultiInstance
	view := scopeView{st: w.st, scope: body}
	v, warns, err := w.eval(mi.InputCollection.FEEL, view)
	if err != nil {
		w.raise(body, incExtractValue, err.Error(), 0)
		return
	}
	list, ok := v.(feel.List)
	if !ok {
		w.raise(body, incExtractValue, typeError(mi.InputCollection, "ARRAY", v, warns).Error(), 0)
		return
	}
	items := make([]json.RawMessage, len(list))
	for i, x := range list {
		b, err := marshalPlain(feel.ToJSON(x))
		if err != nil {
			w.raise(body, incExtractValue, fmt.Sprintf("item %d of the input collection cannot be stored: %v", i+1, err), 0)
			return
		}
		items[i] = b
	}
	if len(body.el.Boundaries) > 0 && !w.openBoundaries(body) {
		return
	}
	body.rt().Extra().MultiInstance = &store.MultiInstanceRuntime{Items: items}
	if mi.OutputCollection != "" {
		nulls := make([]any, len(items))
		b, _ := json.Marshal(nulls)
		w.setLocal(body, mi.OutputCollection, b)
	}
	w.setLocal(body, varNumberOfInstances, intJSON(len(items)))
	w.setLocal(body, varNumberOfCompleted, intJSON(0))
	w.setLocal(body, varNumberOfTerminated, intJSON(0))
	w.activated(body)
	if len(items) == 0 {
		w.setLocal(body, varNumberOfActive, intJSON(0))
		w.complete(body)
		return
	}
	if mi.Sequential {
		w.startInner(body)
	} else {
		for range items {
			w.startInner(body)
		}
	}
	w.setLocal(body, varNumberOfActive, intJSON(body.rt().ActiveChildren))
}

func intJSON(n int) json.RawMessage { return json.RawMessage(fmt.Sprint(n)) }

// startInner starts the next inner instance with its item and loop counter.
func (w *writer) startInner(body *inst) {
	mrt := body.rt().ReadExtra().MultiInstance
	i := mrt.Started
	mrt.Started++
	w.touch(body)
	c := w.newInst(body, body.el, body.el.Type)
	if name := body.el.MultiInstance.InputElement; name != "" {
		w.setLocal(c, name, mrt.Items[i])
	}
	w.setLocal(c, varLoopCounter, intJSON(i+1))
}

// collectOutput puts an inner instance's outputElement into the body's
// output collection, at the inner instance's place.
func (w *writer) collectOutput(in *inst) error {
	body := in.parent
	mi := body.el.MultiInstance
	if mi.OutputCollection == "" || mi.OutputElement == nil {
		return nil
	}
	v, err := w.evalJSON(*mi.OutputElement, scopeView{st: w.st, scope: in})
	if err != nil {
		return err
	}
	counter, _ := in.vars.get(varLoopCounter)
	var idx int
	if counter != nil {
		fmt.Sscan(counter.rec.Value, &idx)
	}
	cur, ok := body.vars.get(mi.OutputCollection)
	var list []any
	if ok {
		if l, isList := cur.value().([]any); isList {
			list = append([]any(nil), l...)
		}
	}
	for len(list) < idx {
		list = append(list, nil)
	}
	if idx >= 1 {
		list[idx-1] = v
	}
	b, err := marshalPlain(list)
	if err != nil {
		return fmt.Errorf("the output collection '%s' cannot be stored: %w", mi.OutputCollection, err)
	}
	w.setLocal(body, mi.OutputCollection, b)
	return nil
}

// innerDone runs when an inner instance of an active body completed: the
// counters move, the completion condition is checked, the next item of a
// sequence starts, and the body completes after the last one.
func (w *writer) innerDone(body *inst) {
	mi := body.el.MultiInstance
	mrt := body.rt().ReadExtra().MultiInstance
	mrt.Completed++
	w.touch(body)
	w.setLocal(body, varNumberOfCompleted, intJSON(mrt.Completed))
	if mi.CompletionCondition != nil && w.completionConditionHolds(body) {
		terminated := body.rt().ActiveChildren
		w.setLocal(body, varNumberOfTerminated, intJSON(terminated))
		w.setLocal(body, varNumberOfActive, intJSON(0))
		if terminated == 0 {
			w.complete(body)
			return
		}
		body.rt().Extra().Terminate = true
		for _, c := range sortedChildren(body) {
			w.terminate(c)
		}
		return
	}
	if mi.Sequential && mrt.Started < len(mrt.Items) {
		w.startInner(body)
	}
	w.setLocal(body, varNumberOfActive, intJSON(body.rt().ActiveChildren))
	if body.rt().ActiveChildren == 0 {
		w.complete(body)
	}
}

// completionConditionHolds evaluates the completion condition in the body's
// scope. Anything but true lets the instances go on (a non-boolean result is
// logged, not raised: the body has no step an incident could retry).
func (w *writer) completionConditionHolds(body *inst) bool {
	x := *body.el.MultiInstance.CompletionCondition
	v, warns, err := w.eval(x.FEEL, scopeView{st: w.st, scope: body})
	if err != nil {
		w.e.log.Warn("completion condition failed", "element", body.el.ID, "err", err)
		return false
	}
	b, ok := v.(feel.Boolean)
	if !ok {
		w.e.log.Warn("completion condition is not a boolean", "element", body.el.ID, "err", typeError(x, "BOOLEAN", v, warns))
		return false
	}
	return bool(b)
}

// propagateOutputCollection hands the body's output collection to the
// enclosing scope when the body completes.
func (w *writer) propagateOutputCollection(body *inst) {
	name := body.el.MultiInstance.OutputCollection
	if name == "" {
		return
	}
	if v, ok := body.vars.get(name); ok {
		w.merge(body.parent, map[string]json.RawMessage{name: json.RawMessage(v.rec.Value)})
	}
}
