package engine

import (
	"context"
	"slices"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
)

// Conditional start events of a process (root level), as Zeebe 8.9 runs
// them: they are not evaluated when variables change (no instance exists
// yet) but when a client asks (POST /v2/conditionals/evaluation, Zeebe's
// ConditionalEvaluation command). The latest version of each process
// subscribes with its conditional start events; deploying a new version
// replaces the subscription, as for message and signal start events. An
// evaluation evaluates, against the variables it is given only, the
// conditions of the tenant's subscriptions (or of one process definition),
// skipping those that read none of the given variables, and starts one
// instance per start event whose condition is true, with the variables,
// in the command that records the evaluation. A condition that fails or is
// not a boolean does not start anything.

// EvaluateConditionalsRequest asks to evaluate the conditional start events
// of a tenant's processes, or of one process definition.
type EvaluateConditionalsRequest struct {
	TenantID string
	// ProcessDefinitionKey, when not 0, evaluates only this definition's
	// conditional start events (none when it is not the latest version).
	ProcessDefinitionKey int64
	Variables            map[string]any
}

// StartedInstance is a process instance a conditional start event started.
type StartedInstance struct {
	ProcessDefinitionKey int64
	ProcessInstanceKey   int64
}

// EvaluateConditionalsResult answers an evaluation.
type EvaluateConditionalsResult struct {
	// Key is the evaluation's key (Camunda's conditionalEvaluationKey).
	Key              int64
	TenantID         string
	ProcessInstances []StartedInstance
}

// EvaluateConditionals evaluates conditional start events and starts an
// instance at each one whose condition holds.
func (e *Engine) EvaluateConditionals(ctx context.Context, req EvaluateConditionalsRequest) (EvaluateConditionalsResult, error) {
	if req.TenantID == "" {
		req.TenantID = DefaultTenant
	}
	vars, err := encodeVariables(req.Variables)
	if err != nil {
		return EvaluateConditionalsResult{}, err
	}
	// The conditions read the given variables only, decoded once, off the
	// writer.
	decoded := make(map[string]any, len(vars))
	for name, v := range vars {
		decoded[name] = decodeJSON(string(v))
	}
	return do(ctx, e, func(w *writer) (EvaluateConditionalsResult, error) {
		var defs []*definition
		if req.ProcessDefinitionKey != 0 {
			def := w.st.defs[req.ProcessDefinitionKey]
			if def == nil || def.rec.TenantID != req.TenantID {
				return EvaluateConditionalsResult{}, errorf(CodeNotFound,
					"Expected to evaluate conditional for process definition key '%d', but no such process was found.", req.ProcessDefinitionKey)
			}
			if w.st.latest[latestKey(def.rec.TenantID, def.rec.ProcessID)] == def {
				defs = append(defs, def)
			}
		} else {
			defs = w.st.condStarts.of(req.TenantID)
		}
		type match struct {
			def   *definition
			start *bpmn.Element
		}
		var matches []match
		for _, def := range defs {
			for _, start := range def.proc.ConditionalStarts {
				if w.startConditionHolds(def, start, decoded) {
					matches = append(matches, match{def, start})
				}
			}
		}
		res := EvaluateConditionalsResult{TenantID: req.TenantID, ProcessInstances: []StartedInstance{}}
		for _, m := range matches {
			in := w.createInstance(m.def, m.start, vars, instanceOptions{})
			res.ProcessInstances = append(res.ProcessInstances, StartedInstance{ProcessDefinitionKey: m.def.rec.Key, ProcessInstanceKey: in.key()})
		}
		res.Key = w.st.newKey()
		return res, nil
	})
}

// startConditionHolds evaluates a conditional start event's condition
// against vars, when it reads one of them (or no variable at all).
func (w *writer) startConditionHolds(def *definition, start *bpmn.Element, vars map[string]any) bool {
	cd := start.Conditional
	if cd == nil || cd.Condition.FEEL == nil {
		return false
	}
	if len(cd.Names) > 0 && !slices.ContainsFunc(cd.Names, func(n string) bool { _, ok := vars[n]; return ok }) {
		return false
	}
	v, warns, err := w.eval(cd.Condition.FEEL, scopeView{st: w.st, extra: vars})
	if err != nil {
		w.e.log.Debug("conditional start event: the condition failed", "process", def.rec.ProcessID, "element", start.ID, "err", err)
		return false
	}
	b, ok := v.(feel.Boolean)
	if !ok && v != nil {
		w.e.log.Debug("conditional start event: the condition is not a boolean", "process", def.rec.ProcessID, "element", start.ID,
			"err", typeError(cd.Condition, "BOOLEAN", v, warns))
	}
	return ok && bool(b)
}

// condStartIndex holds, per tenant, the latest process definitions with
// conditional start events (their subscriptions), by key.
type condStartIndex map[string]map[int64]*definition

// replace makes def the subscribed version of its process instead of old
// (nil: a first version).
func (x condStartIndex) replace(old, def *definition) {
	if old != nil {
		if m := x[old.rec.TenantID]; m != nil {
			delete(m, old.rec.Key)
		}
	}
	if len(def.proc.ConditionalStarts) == 0 {
		return
	}
	m := x[def.rec.TenantID]
	if m == nil {
		m = map[int64]*definition{}
		x[def.rec.TenantID] = m
	}
	m[def.rec.Key] = def
}

// of lists a tenant's subscribed definitions in key order.
func (x condStartIndex) of(tenant string) []*definition {
	m := x[tenant]
	out := make([]*definition, 0, len(m))
	for _, d := range m {
		out = append(out, d)
	}
	slices.SortFunc(out, func(a, b *definition) int { return compareKeys(a.rec.Key, b.rec.Key) })
	return out
}
