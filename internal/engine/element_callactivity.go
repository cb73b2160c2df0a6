package engine

import (
	"encoding/json"

	"github.com/orcabpm/orca/internal/bpmn"
)

const incCalledElement = "CALLED_ELEMENT_ERROR"

// callActivity is the behaviour of call activities: it starts an instance
// of the called process and completes when that instance completes
// (calledDone); terminating it terminates the called instance.
type callActivity struct{ leaf }

func (callActivity) onActivate(w *writer, in *inst) {
	if w.enter(in, true) && w.callProcess(in) {
		w.activated(in)
	}
}

func (callActivity) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}

// callProcess starts the process a call activity calls, with the caller's
// variables (all visible ones, or only the activity's input mappings).
func (w *writer) callProcess(in *inst) bool {
	ce := in.el.CalledElement
	view := scopeView{st: w.st, scope: in}
	pid, err := w.evalString(ce.ProcessID, view, false)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return false
	}
	var def *definition
	switch ce.BindingType {
	case "deployment":
		for _, d := range w.st.defs {
			if d.rec.ProcessID == pid && d.rec.DeploymentKey == in.def.rec.DeploymentKey && d.rec.TenantID == in.def.rec.TenantID {
				def = d
			}
		}
	default:
		def = w.st.latest[latestKey(in.def.rec.TenantID, pid)]
	}
	if def == nil {
		w.raise(in, incCalledElement, "Expected process with BPMN process id '"+pid+"' to be deployed, but not found.", 0)
		return false
	}
	if def.proc.NoneStart == nil {
		w.raise(in, incCalledElement, "Expected process with BPMN process id '"+pid+"' to have a none start event, but not found.", 0)
		return false
	}
	var vars map[string]json.RawMessage
	if ce.PropagateAllParentVariables {
		vars = w.st.visible(in, nil)
	} else {
		vars = map[string]json.RawMessage{}
		for _, v := range in.vars.list {
			vars[v.rec.Name] = json.RawMessage(v.rec.Value)
		}
	}
	root := in.root()
	child := w.createInstance(def, nil, vars, instanceOptions{
		parentInstance: root.key(),
		parentElement:  in.key(),
		rootInstance:   root.rec.RootProcessInstanceKey,
	})
	in.rt().Extra().CalledInstance = child.key()
	w.touch(in)
	return true
}

// calledDone completes the call activity whose process instance completed,
// with the child's variables as Zeebe hands them back.
func (w *writer) calledDone(child *inst) {
	caller := w.st.insts[child.pi.ParentElementInstanceKey]
	if caller == nil || caller.lifecycle() != lcActivated || caller.rt().ReadExtra().CalledInstance != child.key() {
		return
	}
	caller.rt().Extra().CalledInstance = 0
	w.touch(caller)
	vars := map[string]json.RawMessage{}
	for _, v := range child.vars.list {
		vars[v.rec.Name] = json.RawMessage(v.rec.Value)
	}
	switch {
	case len(caller.el.Outputs) > 0:
		w.setAllLocal(caller, vars) // the output mappings decide what propagates
	case caller.el.CalledElement.PropagateAllChildVariables:
		w.merge(caller, vars)
	}
	w.complete(caller)
}

// up is the scope an event travels to from in: the flow scope, or from a
// called process, the call activity that called it.
func (w *writer) up(in *inst) *inst {
	if in.parent != nil {
		return in.parent
	}
	if in.pi != nil && in.pi.ParentElementInstanceKey != 0 {
		return w.st.insts[in.pi.ParentElementInstanceKey]
	}
	return nil
}

func isInner(in *inst) bool {
	return in.parent != nil && in.parent.isBody()
}
