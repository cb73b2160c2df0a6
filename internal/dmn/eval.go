package dmn

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/orcabpm/orca/internal/feel"
)

// EvaluatedInput is one input of a decision table as evaluated.
type EvaluatedInput struct {
	InputID   string
	InputName string // the input's label, else its expression
	Value     feel.Value
}

// EvaluatedOutput is one output of a matched rule.
type EvaluatedOutput struct {
	OutputID   string
	OutputName string
	Value      feel.Value
}

// MatchedRule is a rule of a decision table whose input entries all matched.
type MatchedRule struct {
	RuleID           string
	RuleIndex        int // 1-based position in the table, as Camunda records it
	EvaluatedOutputs []EvaluatedOutput
}

// DecisionResult is what one decision of an evaluation produced, as
// Camunda's decision instances record it.
type DecisionResult struct {
	DecisionID   string
	DecisionName string
	DecisionType string
	Value        feel.Value
	// EvaluatedInputs and MatchedRules are set for decision tables.
	EvaluatedInputs []EvaluatedInput
	MatchedRules    []MatchedRule
}

// Output returns the decision's value as JSON-shaped Go values.
func (r *DecisionResult) Output() any { return feel.ToJSON(r.Value) }

// Result is the outcome of evaluating a decision with its required
// decisions.
type Result struct {
	DecisionID string
	Value      feel.Value
	// Decisions lists every decision evaluated, required decisions first,
	// the requested decision last.
	Decisions []DecisionResult
}

// Output returns the requested decision's value as JSON-shaped Go values.
func (r *Result) Output() any { return feel.ToJSON(r.Value) }

// EvaluationError is a failed evaluation: the decision that failed and why.
// Zeebe raises it as a DECISION_EVALUATION_ERROR incident.
type EvaluationError struct {
	DecisionID string
	Err        error
	// Decisions lists the decisions evaluated before the failure.
	Decisions []DecisionResult
}

func (e *EvaluationError) Error() string {
	return fmt.Sprintf("failed to evaluate decision '%s': %v", e.DecisionID, e.Err)
}

func (e *EvaluationError) Unwrap() error { return e.Err }

// ErrNoDecision is returned for an unknown decision id.
var ErrNoDecision = errors.New("dmn: no such decision")

// state is one evaluation.
type state struct {
	ctx     context.Context
	m       *Model
	vars    feel.Variables
	depth   int
	done    map[*Decision]feel.Value
	active  map[*Decision]bool
	bkmFns  map[*bkm]*feel.Function
	results []DecisionResult
	record  bool
	calls   *int // function calls so far, shared with decision services' sub-evaluations
}

// Evaluate evaluates the decision with the given id and its required
// decisions against variables (JSON-shaped values by name, as the engine
// holds process variables).
func (m *Model) Evaluate(ctx context.Context, decisionID string, variables map[string]any) (*Result, error) {
	return m.EvaluateVars(ctx, decisionID, feel.MapVariables(variables))
}

// EvaluateVars is Evaluate with any variable source.
func (m *Model) EvaluateVars(ctx context.Context, decisionID string, vars feel.Variables) (*Result, error) {
	d, ok := m.byID[decisionID]
	if !ok {
		return nil, fmt.Errorf("%w: '%s'", ErrNoDecision, decisionID)
	}
	return m.evaluate(ctx, d, vars)
}

// EvaluateByName evaluates the decision with the given name.
func (m *Model) EvaluateByName(ctx context.Context, name string, vars feel.Variables) (*Result, error) {
	d, ok := m.byName[name]
	if !ok {
		return nil, fmt.Errorf("%w: named '%s'", ErrNoDecision, name)
	}
	return m.evaluate(ctx, d, vars)
}

func (m *Model) evaluate(ctx context.Context, d *Decision, vars feel.Variables) (*Result, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if vars == nil {
		vars = feel.MapVariables(nil)
	}
	s := &state{ctx: ctx, m: m, vars: vars, record: true, calls: new(int)}
	v, err := s.decision(d)
	if err != nil {
		var ee *EvaluationError
		if errors.As(err, &ee) {
			ee.Decisions = s.results
			return nil, ee
		}
		return nil, &EvaluationError{DecisionID: d.ID, Err: err, Decisions: s.results}
	}
	return &Result{DecisionID: d.ID, Value: v, Decisions: s.results}, nil
}

func (s *state) decision(d *Decision) (feel.Value, error) {
	if v, ok := s.done[d]; ok {
		return v, nil
	}
	if s.active[d] {
		return nil, &EvaluationError{DecisionID: d.ID, Err: errors.New("cycle of required decisions")}
	}
	if err := s.ctx.Err(); err != nil {
		return nil, &EvaluationError{DecisionID: d.ID, Err: err}
	}
	if s.active == nil {
		s.active = map[*Decision]bool{}
	}
	s.active[d] = true
	defer delete(s.active, d)
	for _, r := range d.reqDec {
		if _, err := s.decision(r); err != nil {
			return nil, err
		}
	}
	var vars feel.Variables = s.vars
	if !d.noScope || s.m.dotted {
		vars = &drgScope{s: s, d: d, parent: s.vars}
	}
	rec := DecisionResult{DecisionID: d.ID, DecisionName: d.Name, DecisionType: d.Type}
	var v feel.Value
	var err error
	if dt, ok := d.logic.(*decisionTable); ok && s.record {
		v, err = dt.evaluate(s, vars, &rec)
	} else {
		v, err = d.logic.eval(s, vars)
	}
	if err != nil {
		var ee *EvaluationError
		if errors.As(err, &ee) {
			return nil, err
		}
		return nil, &EvaluationError{DecisionID: d.ID, Err: err}
	}
	v = coerce(s.ctx, v, d.typ)
	rec.Value = v
	if s.done == nil {
		s.done = map[*Decision]feel.Value{}
	}
	s.done[d] = v
	s.results = append(s.results, rec)
	return v, nil
}

// drgScope resolves a decision's requirements by name before the caller's
// variables: required decisions' results, business knowledge models as
// functions, and input data coerced to their types.
type drgScope struct {
	s      *state
	d      *Decision
	parent feel.Variables
}

func (sc *drgScope) Lookup(name string) (any, bool) {
	for _, r := range sc.d.reqDec {
		if r.resultName == name || r.Name == name {
			if v, ok := sc.s.done[r]; ok {
				return v, true
			}
		}
	}
	for _, b := range sc.d.reqBKM {
		if b.Name == name {
			return sc.s.bkmFunc(b), true
		}
	}
	for _, in := range sc.d.reqInput {
		if in.Name == name {
			raw, ok := sc.parent.Lookup(name)
			if !ok {
				return nil, false
			}
			return coerce(sc.s.ctx, feel.FromJSON(raw), in.typ), true
		}
	}
	if v, ok := sc.parent.Lookup(name); ok {
		return v, true
	}
	// a name the model spells with a path ("Person.Gender", a parameter
	// name) that FEEL read as one name: resolve it as a path
	if i := strings.LastIndexByte(name, '.'); i > 0 && sc.s.m.dotted {
		if base, ok := sc.Lookup(name[:i]); ok {
			if cx, ok := feel.FromJSON(base).(*feel.Context); ok {
				return cx.Get(name[i+1:])
			}
		}
	}
	return nil, false
}

// bkmFunc is the function value of a business knowledge model in this
// evaluation.
func (s *state) bkmFunc(b *bkm) *feel.Function {
	if f, ok := s.bkmFns[b]; ok {
		return f
	}
	if s.bkmFns == nil {
		s.bkmFns = map[*bkm]*feel.Function{}
	}
	if b.fn == nil && len(b.reqSvc) == 1 {
		f := s.serviceFunc(b.reqSvc[0])
		s.bkmFns[b] = f
		return f
	}
	f := b.fn.value(s, &bkmScope{s: s, b: b})
	s.bkmFns[b] = f
	return f
}

// bkmScope is what a business knowledge model's logic sees besides its
// parameters: the knowledge it requires (and itself, for recursion).
type bkmScope struct {
	s *state
	b *bkm
}

func (sc *bkmScope) Lookup(name string) (any, bool) {
	if sc.b.Name == name {
		return sc.s.bkmFunc(sc.b), true
	}
	for _, r := range sc.b.reqBKM {
		if r.Name == name {
			return sc.s.bkmFunc(r), true
		}
	}
	for _, svc := range sc.b.reqSvc {
		if svc.name == name {
			return sc.s.serviceFunc(svc), true
		}
	}
	return nil, false
}

// serviceFunc is a decision service as a function: its parameters are its
// input data, then its input decisions; its result is the single output
// decision's value, or a context of the output decisions by name.
func (s *state) serviceFunc(svc *decisionService) *feel.Function {
	return feel.NewFunctionContext(svc.name, svc.params, func(ctx context.Context, args []feel.Value) (feel.Value, error) {
		if err := s.call(); err != nil {
			return nil, err
		}
		vars := &scope{}
		sub := &state{ctx: s.ctx, m: s.m, vars: vars, depth: s.depth + 1, done: map[*Decision]feel.Value{}, calls: s.calls}
		for i, in := range svc.inputData {
			v, ok := conformArg(s.ctx, args[i], in.typ)
			if !ok {
				return feel.Null{}, nil
			}
			vars.add(in.Name, v)
		}
		for i, d := range svc.inputDecisions {
			v, ok := conformArg(s.ctx, args[len(svc.inputData)+i], d.typ)
			if !ok {
				return feel.Null{}, nil
			}
			sub.done[d] = v
		}
		return sub.service(svc)
	})
}

func (s *state) service(svc *decisionService) (feel.Value, error) {
	vals := make([]feel.Value, len(svc.outputs))
	for i, d := range svc.outputs {
		v, err := s.decision(d)
		if err != nil {
			return nil, err
		}
		vals[i] = v
	}
	if len(vals) == 1 {
		return coerce(s.ctx, vals[0], svc.typ), nil
	}
	entries := make([]feel.Entry, len(vals))
	for i, d := range svc.outputs {
		entries[i] = feel.Entry{Key: d.Name, Value: vals[i]}
	}
	return coerce(s.ctx, feel.NewContext(entries...), svc.typ), nil
}

// EvaluateService evaluates a decision service (by id or name) with its
// inputs taken from vars by name.
func (m *Model) EvaluateService(ctx context.Context, service string, vars feel.Variables) (feel.Value, error) {
	svc, ok := m.services[service]
	if !ok {
		return nil, fmt.Errorf("%w: no decision service '%s'", ErrNoDecision, service)
	}
	if ctx == nil {
		ctx = context.Background()
	}
	sc := &scope{}
	s := &state{ctx: ctx, m: m, vars: sc, done: map[*Decision]feel.Value{}, calls: new(int)}
	for _, in := range svc.inputData {
		if raw, ok := vars.Lookup(in.Name); ok {
			sc.add(in.Name, coerce(ctx, feel.FromJSON(raw), in.typ))
		}
	}
	for _, d := range svc.inputDecisions {
		// an input decision not supplied is null: the service does not
		// evaluate it
		var v feel.Value = feel.Null{}
		if raw, ok := vars.Lookup(d.Name); ok {
			v = coerce(ctx, feel.FromJSON(raw), d.typ)
		}
		s.done[d] = v
	}
	return s.service(svc)
}

// conformArg converts an argument to a parameter type; ok is false when it
// does not conform (the invocation is then null).
func conformArg(ctx context.Context, v feel.Value, t *typeInfo) (feel.Value, bool) {
	c := coerce(ctx, v, t)
	if _, isNull := c.(feel.Null); isNull {
		if _, wasNull := v.(feel.Null); !wasNull && v != nil {
			return nil, false
		}
	}
	return c, true
}
