package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/limits"
	"github.com/orcabpm/orca/internal/store"
)

// scopeView resolves variable names from an element instance outwards, as
// FEEL sees them: a local variable hides one of the same name further up.
type scopeView struct {
	st    *state
	scope *inst
	// extra are names bound before any scope variable (a job's or message's
	// payload while output mappings are evaluated).
	extra map[string]any
}

func (v scopeView) Lookup(name string) (any, bool) {
	if x, ok := v.extra[name]; ok {
		return x, true
	}
	for s := v.scope; s != nil; s = s.parent {
		if vv, ok := s.vars.get(name); ok {
			return vv.value(), true
		}
	}
	return nil, false
}

// visible returns every variable visible from scope as JSON texts, the
// innermost winning; only names in fetch when fetch is not empty.
func (st *state) visible(scope *inst, fetch []string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for s := scope; s != nil; s = s.parent {
		for _, v := range s.vars.list {
			name := v.rec.Name
			if _, seen := out[name]; seen {
				continue
			}
			if len(fetch) > 0 && !slices.Contains(fetch, name) {
				continue
			}
			out[name] = json.RawMessage(v.rec.Value)
		}
	}
	return out
}

// setLocal creates or updates a variable of scope.
func (w *writer) setLocal(scope *inst, name string, value json.RawMessage) {
	if v, ok := scope.vars.get(name); ok {
		if v.rec.Value == string(value) {
			return
		}
		v.rec.Value = string(value)
		v.ok = false
		w.st.touch(&v.rec)
		w.varChanged(scope, name, false)
		return
	}
	root := scope.root()
	v := &variable{rec: store.Variable{
		Key:                    w.st.newKey(),
		Name:                   name,
		Value:                  string(value),
		ScopeKey:               scope.key(),
		ProcessInstanceKey:     root.key(),
		RootProcessInstanceKey: root.rec.RootProcessInstanceKey,
		ProcessDefinitionKey:   scope.def.rec.Key,
		ProcessID:              scope.def.rec.ProcessID,
		TenantID:               scope.rec.TenantID,
	}}
	scope.vars.add(v)
	w.st.touch(&v.rec)
	w.varChanged(scope, name, true)
}

// merge propagates variables from scope outwards, as Zeebe does: each one
// updates the innermost scope (scope itself included) that already has a
// variable of that name, or is created in the process scope.
func (w *writer) merge(scope *inst, vars map[string]json.RawMessage) {
	for _, name := range sortedKeys(vars) {
		target := scope.root()
		for s := scope; s != nil; s = s.parent {
			if _, ok := s.vars.get(name); ok {
				target = s
				break
			}
		}
		w.setLocal(target, name, vars[name])
	}
}

// setAllLocal sets every variable on scope.
func (w *writer) setAllLocal(scope *inst, vars map[string]json.RawMessage) {
	for _, name := range sortedKeys(vars) {
		w.setLocal(scope, name, vars[name])
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// dropScopeVars forgets a finished scope's variables (they stay in the store).
func (w *writer) dropScopeVars(scope *inst) { scope.vars = varSet{} }

// eval evaluates an expression; the warnings say why parts became null.
func (w *writer) eval(x *feel.Expression, view scopeView) (feel.Value, []feel.Warning, error) {
	v, warns, err := x.EvaluateDetailed(context.Background(), view)
	if err != nil {
		return nil, warns, fmt.Errorf("failed to evaluate expression '%s': %w", x.Source(), err)
	}
	return v, warns, nil
}

// evalJSON evaluates an expression or returns the static text as a string.
func (w *writer) evalJSON(x bpmn.Expression, view scopeView) (any, error) {
	if !x.IsFEEL() {
		return x.Raw, nil
	}
	v, _, err := w.eval(x.FEEL, view)
	if err != nil {
		return nil, err
	}
	return feel.ToJSON(v), nil
}

// typeError is Zeebe's message for an expression of the wrong type, with the
// evaluation's warnings, which usually tell why.
func typeError(x bpmn.Expression, want string, v feel.Value, warns []feel.Warning) error {
	return fmt.Errorf("Expected result of the expression '%s' to be '%s', but was '%s'.%s", x.FEEL.Source(), want, feel.TypeName(v), warningText(warns))
}

func warningText(warns []feel.Warning) string {
	if len(warns) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" The evaluation reported the following warnings:")
	for _, w := range warns {
		fmt.Fprintf(&b, "\n[%s] %s", w.Kind, w.Message)
	}
	return b.String()
}

// evalString evaluates to a string (numbers are accepted as their text, as
// Zeebe does for job types and correlation keys).
func (w *writer) evalString(x bpmn.Expression, view scopeView, allowNumber bool) (string, error) {
	if !x.IsFEEL() {
		return x.Raw, nil
	}
	v, warns, err := w.eval(x.FEEL, view)
	if err != nil {
		return "", err
	}
	switch t := v.(type) {
	case feel.String:
		return string(t), nil
	case *feel.Number:
		if allowNumber {
			return t.String(), nil
		}
	}
	return "", typeError(x, "STRING", v, warns)
}

// evalInt evaluates to an integer.
func (w *writer) evalInt(x bpmn.Expression, view scopeView) (int64, error) {
	if !x.IsFEEL() {
		n, err := parseIntStrict(x.Raw)
		if err != nil {
			return 0, fmt.Errorf("expected a number, got '%s'", x.Raw)
		}
		return n, nil
	}
	v, warns, err := w.eval(x.FEEL, view)
	if err != nil {
		return 0, err
	}
	if n, ok := v.(*feel.Number); ok {
		if i, ok := n.Int64(); ok {
			return i, nil
		}
	}
	return 0, typeError(x, "NUMBER", v, warns)
}

// evalStringList evaluates a list of strings; a static value is a
// comma-separated list.
func (w *writer) evalStringList(x bpmn.Expression, view scopeView) ([]string, error) {
	if !x.IsFEEL() {
		var out []string
		for _, s := range strings.Split(x.Raw, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
		return out, nil
	}
	v, warns, err := w.eval(x.FEEL, view)
	if err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case feel.List:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(feel.String)
			if !ok {
				return nil, typeError(x, "ARRAY of STRING", v, warns)
			}
			out = append(out, string(s))
		}
		return out, nil
	case feel.String:
		return []string{string(t)}, nil
	}
	return nil, typeError(x, "ARRAY", v, warns)
}

// applyMappings evaluates mappings into a set of variables. For a target
// path a.b.c the result is merged into the value of a visible from view, as
// Zeebe builds nested contexts.
func (w *writer) applyMappings(ms []bpmn.Mapping, view scopeView) (map[string]json.RawMessage, error) {
	out := map[string]any{}
	for _, m := range ms {
		v, err := w.evalJSON(m.Source, view)
		if err != nil {
			return nil, err
		}
		path := strings.Split(m.Target, ".")
		if len(path) == 1 {
			out[path[0]] = v
			continue
		}
		base, ok := out[path[0]]
		if !ok {
			base, _ = view.Lookup(path[0])
		}
		out[path[0]] = putPath(base, path[1:], v)
	}
	res := make(map[string]json.RawMessage, len(out))
	for k, v := range out {
		b, err := marshalPlain(v)
		if err != nil {
			return nil, fmt.Errorf("variable '%s': %w", k, err)
		}
		res[k] = b
	}
	if err := limits.Variables(res); err != nil {
		return nil, err
	}
	return res, nil
}

// putPath returns a copy of base (a context, else a new one) with v at path.
func putPath(base any, path []string, v any) any {
	m := map[string]any{}
	if bm, ok := base.(map[string]any); ok {
		for k, x := range bm {
			m[k] = x
		}
	}
	if len(path) == 1 {
		m[path[0]] = v
	} else {
		m[path[0]] = putPath(m[path[0]], path[1:], v)
	}
	return m
}

// encodeVariables turns API variables into JSON texts.
func encodeVariables(vars map[string]any) (map[string]json.RawMessage, error) {
	if err := limits.VariableCount(len(vars)); err != nil {
		return nil, errorf(CodeInvalidArgument, "%v", err)
	}
	out := make(map[string]json.RawMessage, len(vars))
	for k, v := range vars {
		if k == "" {
			return nil, errorf(CodeInvalidArgument, "a variable name must not be empty")
		}
		var b []byte
		var err error
		switch t := v.(type) {
		case json.RawMessage:
			if !json.Valid(t) {
				return nil, errorf(CodeInvalidArgument, "the value of variable '%s' is not valid JSON", k)
			}
			b, err = compactJSON(t)
		default:
			b, err = marshalPlain(v)
		}
		if err != nil {
			return nil, errorf(CodeInvalidArgument, "the value of variable '%s' cannot be stored: %v", k, err)
		}
		out[k] = b
	}
	if err := limits.Variables(out); err != nil {
		return nil, errorf(CodeInvalidArgument, "%v", err)
	}
	return out, nil
}

// marshalPlain is json.Marshal without HTML escaping: a variable holds
// '<', '>' and '&' as they were given.
func marshalPlain(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func compactJSON(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func parseIntStrict(s string) (int64, error) {
	return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
}
