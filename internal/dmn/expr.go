package dmn

import (
	"context"
	"fmt"
	"strings"

	"github.com/orcabpm/orca/internal/feel"
)

// expr is a compiled boxed expression.
type expr interface {
	eval(s *state, vars feel.Variables) (feel.Value, error)
}

// scope adds names to a parent scope; later names shadow earlier ones.
type scope struct {
	parent feel.Variables
	names  []string
	vals   []feel.Value
}

func (sc *scope) Lookup(name string) (any, bool) {
	for i := len(sc.names) - 1; i >= 0; i-- {
		if sc.names[i] == name {
			return sc.vals[i], true
		}
	}
	// parameters named with a path ("Person.Gender") make up a context
	var entries []feel.Entry
	for i, n := range sc.names {
		if len(n) > len(name) && n[len(name)] == '.' && n[:len(name)] == name {
			entries = append(entries, feel.Entry{Key: n[len(name)+1:], Value: sc.vals[i]})
		}
	}
	if entries != nil {
		return feel.NewContext(entries...), true
	}
	if sc.parent == nil {
		return nil, false
	}
	return sc.parent.Lookup(name)
}

func (sc *scope) add(name string, v feel.Value) {
	sc.names = append(sc.names, name)
	sc.vals = append(sc.vals, v)
}

type nullExpr struct{}

func (nullExpr) eval(*state, feel.Variables) (feel.Value, error) { return feel.Null{}, nil }

type literal struct {
	x *feel.Expression
}

func (l *literal) eval(s *state, vars feel.Variables) (feel.Value, error) {
	if l.x == nil {
		return feel.Null{}, nil
	}
	v, err := l.x.Evaluate(s.ctx, vars)
	if err != nil {
		return nil, err
	}
	return v, nil
}

// expression compiles the boxed expression e; owner is the id used in
// problems for elements without one.
func (c *compiler) expression(e *elem, owner string) expr {
	if e == nil {
		return nullExpr{}
	}
	if id := e.attr("id"); id != "" {
		owner = id
	}
	x := c.boxed(e, owner)
	if t := c.typeRef(e.attr("typeRef"), e); t != nil {
		return &typed{x: x, typ: t}
	}
	return x
}

// typed coerces the value of a boxed expression to its typeRef.
type typed struct {
	x   expr
	typ *typeInfo
}

func (t *typed) eval(s *state, vars feel.Variables) (feel.Value, error) {
	v, err := t.x.eval(s, vars)
	if err != nil {
		return nil, err
	}
	return coerce(s.ctx, v, t.typ), nil
}

func (c *compiler) boxed(e *elem, owner string) expr {
	switch e.Local {
	case "literalExpression":
		if !c.checkLanguage(e, owner) {
			return nullExpr{}
		}
		txt, ok := c.childText(e, "text")
		if !ok || strings.TrimSpace(txt) == "" {
			return nullExpr{}
		}
		return &literal{x: c.feelExpr(txt, e, owner)}
	case "decisionTable":
		return c.decisionTable(e, owner)
	case "context":
		return c.context(e, owner)
	case "list":
		l := &listExpr{}
		for _, k := range c.kids(e) {
			if _, ok := logicElements[k.Local]; ok {
				l.items = append(l.items, c.expression(k, owner))
			}
		}
		return l
	case "relation":
		r := &relationExpr{}
		for _, col := range c.all(e, "column") {
			r.cols = append(r.cols, col.attr("name"))
		}
		for _, row := range c.all(e, "row") {
			var cells []expr
			for _, k := range c.kids(row) {
				if _, ok := logicElements[k.Local]; ok {
					cells = append(cells, c.expression(k, owner))
				}
			}
			if len(cells) != len(r.cols) {
				c.problemIn(row, owner, "relation row has %d cells for %d columns", len(cells), len(r.cols))
			}
			r.rows = append(r.rows, cells)
		}
		return r
	case "invocation":
		inv := &invocation{fn: c.expression(c.logicOf(e), owner)}
		for _, b := range c.all(e, "binding") {
			p := c.child(b, "parameter")
			if p == nil {
				c.problemIn(b, owner, "invocation binding without a parameter")
				continue
			}
			inv.names = append(inv.names, p.attr("name"))
			inv.args = append(inv.args, c.expression(c.logicOf(b), owner))
		}
		return inv
	case "functionDefinition":
		return c.functionDefinition(e, owner, "")
	case "conditional":
		return &conditional{
			cond: c.expression(c.logicOf(c.child(e, "if")), owner),
			then: c.expression(c.logicOf(c.child(e, "then")), owner),
			els:  c.expression(c.logicOf(c.child(e, "else")), owner),
		}
	case "filter":
		return &filterExpr{
			in:    c.expression(c.logicOf(c.child(e, "in")), owner),
			match: c.expression(c.logicOf(c.child(e, "match")), owner),
		}
	case "for":
		return &iteration{
			variable: e.attr("iteratorVariable"),
			in:       c.expression(c.logicOf(c.child(e, "in")), owner),
			body:     c.expression(c.logicOf(c.child(e, "return")), owner),
		}
	case "some", "every":
		return &quantified{
			every:    e.Local == "every",
			variable: e.attr("iteratorVariable"),
			in:       c.expression(c.logicOf(c.child(e, "in")), owner),
			body:     c.expression(c.logicOf(c.child(e, "satisfies")), owner),
		}
	}
	c.problemIn(e, owner, "unsupported expression <%s>", e.Local)
	return nullExpr{}
}

// context is a boxed context: entries see the entries before them.
type contextExpr struct {
	entries []ctxEntry
	result  expr // the final entry without a variable, if any
}

type ctxEntry struct {
	name string
	x    expr
	typ  *typeInfo
}

func (c *compiler) context(e *elem, owner string) expr {
	cx := &contextExpr{}
	for _, en := range c.all(e, "contextEntry") {
		x := c.expression(c.logicOf(en), owner)
		v := c.child(en, "variable")
		if v == nil {
			cx.result = x
			continue
		}
		cx.entries = append(cx.entries, ctxEntry{name: v.attr("name"), x: x, typ: c.typeRef(v.attr("typeRef"), v)})
	}
	return cx
}

func (cx *contextExpr) eval(s *state, vars feel.Variables) (feel.Value, error) {
	sc := &scope{parent: vars}
	entries := make([]feel.Entry, 0, len(cx.entries))
	for _, en := range cx.entries {
		v, err := en.x.eval(s, sc)
		if err != nil {
			return nil, err
		}
		v = coerce(s.ctx, v, en.typ)
		sc.add(en.name, v)
		entries = append(entries, feel.Entry{Key: en.name, Value: v})
	}
	if cx.result != nil {
		return cx.result.eval(s, sc)
	}
	return feel.NewContext(entries...), nil
}

type listExpr struct{ items []expr }

func (l *listExpr) eval(s *state, vars feel.Variables) (feel.Value, error) {
	out := make(feel.List, len(l.items))
	for i, it := range l.items {
		v, err := it.eval(s, vars)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

type relationExpr struct {
	cols []string
	rows [][]expr
}

func (r *relationExpr) eval(s *state, vars feel.Variables) (feel.Value, error) {
	out := make(feel.List, len(r.rows))
	for i, row := range r.rows {
		entries := make([]feel.Entry, 0, len(r.cols))
		for j, col := range r.cols {
			var v feel.Value = feel.Null{}
			if j < len(row) {
				x, err := row[j].eval(s, vars)
				if err != nil {
					return nil, err
				}
				v = x
			}
			entries = append(entries, feel.Entry{Key: col, Value: v})
		}
		out[i] = feel.NewContext(entries...)
	}
	return out, nil
}

type invocation struct {
	fn    expr
	names []string
	args  []expr
}

func (inv *invocation) eval(s *state, vars feel.Variables) (feel.Value, error) {
	fv, err := inv.fn.eval(s, vars)
	if err != nil {
		return nil, err
	}
	f, ok := fv.(*feel.Function)
	if !ok {
		return feel.Null{}, nil
	}
	args := make([]feel.Value, len(inv.args))
	for i, a := range inv.args {
		v, err := a.eval(s, vars)
		if err != nil {
			return nil, err
		}
		args[i] = v
	}
	names := inv.names
	if names == nil {
		names = []string{}
	}
	v, _, err := feel.Invoke(s.ctx, f, args, names)
	return v, err
}

// funcDef is a boxed function definition or a business knowledge model's
// encapsulated logic.
type funcDef struct {
	name       string
	paramNames []string
	paramTypes []*typeInfo
	body       expr
	out        *typeInfo
}

func (c *compiler) functionDefinition(e *elem, owner, name string) *funcDef {
	f := &funcDef{name: name}
	if k := e.attr("kind"); k != "" && k != "FEEL" {
		c.problemIn(e, owner, "function kind %q is not supported (only FEEL)", k)
	}
	for _, p := range c.all(e, "formalParameter") {
		f.paramNames = append(f.paramNames, p.attr("name"))
		f.paramTypes = append(f.paramTypes, c.typeRef(p.attr("typeRef"), p))
	}
	f.body = c.expression(c.logicOf(e), owner)
	return f
}

func (f *funcDef) eval(s *state, vars feel.Variables) (feel.Value, error) {
	return f.value(s, vars), nil
}

// value makes the function value, closing over vars.
func (f *funcDef) value(s *state, vars feel.Variables) *feel.Function {
	return feel.NewFunctionContext(f.name, f.paramNames, func(_ context.Context, args []feel.Value) (feel.Value, error) {
		if err := s.call(); err != nil {
			return nil, err
		}
		s.depth++
		defer func() { s.depth-- }()
		sc := &scope{parent: vars, names: f.paramNames, vals: make([]feel.Value, len(f.paramNames))}
		for i := range f.paramNames {
			var a feel.Value = feel.Null{}
			if i < len(args) {
				a = args[i]
			}
			if t := f.paramTypes[i]; t != nil && !conforms(s.ctx, a, t) {
				// singleton lists convert; other arguments that do not
				// conform make the invocation null
				a = coerce(s.ctx, a, t)
				if _, isNull := a.(feel.Null); isNull {
					return feel.Null{}, nil
				}
			}
			sc.vals[i] = a
		}
		v, err := f.body.eval(s, sc)
		if err != nil {
			return nil, err
		}
		return coerce(s.ctx, v, f.out), nil
	})
}

// Calls of business knowledge models, boxed functions and decision
// services are bounded in depth (recursion) and in number per evaluation
// (each call's FEEL has its own step budget, so a model that calls itself
// twice per level would otherwise run for ages).
const (
	maxCallDepth = 200
	maxCalls     = 100_000
)

// call accounts for one function call of the evaluation.
func (s *state) call() error {
	if s.depth >= maxCallDepth {
		return fmt.Errorf("%w: function calls nested deeper than %d", feel.ErrLimitExceeded, maxCallDepth)
	}
	*s.calls++
	if *s.calls > maxCalls {
		return fmt.Errorf("%w: more than %d function calls", feel.ErrLimitExceeded, maxCalls)
	}
	if err := s.ctx.Err(); err != nil {
		return fmt.Errorf("evaluation cancelled: %w", err)
	}
	return nil
}

type conditional struct{ cond, then, els expr }

func (x *conditional) eval(s *state, vars feel.Variables) (feel.Value, error) {
	c, err := x.cond.eval(s, vars)
	if err != nil {
		return nil, err
	}
	b, ok := c.(feel.Boolean)
	if !ok {
		if _, isNull := c.(feel.Null); !isNull {
			return feel.Null{}, nil // a condition that is not a boolean
		}
	}
	if b {
		return x.then.eval(s, vars)
	}
	return x.els.eval(s, vars)
}

type filterExpr struct{ in, match expr }

func (x *filterExpr) eval(s *state, vars feel.Variables) (feel.Value, error) {
	in, err := x.in.eval(s, vars)
	if err != nil {
		return nil, err
	}
	l, ok := in.(feel.List)
	if !ok {
		if _, isNull := in.(feel.Null); isNull {
			return feel.Null{}, nil
		}
		l = feel.List{in}
	}
	out := feel.List{}
	for _, it := range l {
		sc := &scope{parent: vars}
		if cx, ok := it.(*feel.Context); ok {
			for _, en := range cx.Entries() {
				sc.add(en.Key, en.Value)
			}
		}
		sc.add("item", it)
		m, err := x.match.eval(s, sc)
		if err != nil {
			return nil, err
		}
		switch m {
		case feel.Boolean(true):
			out = append(out, it)
		case feel.Boolean(false), feel.Null{}:
		default:
			return feel.Null{}, nil // a match that is not a boolean
		}
	}
	return out, nil
}

type iteration struct {
	variable string
	in, body expr
}

func (x *iteration) eval(s *state, vars feel.Variables) (feel.Value, error) {
	in, err := x.in.eval(s, vars)
	if err != nil {
		return nil, err
	}
	l, ok := in.(feel.List)
	if !ok {
		if _, isNull := in.(feel.Null); isNull {
			return feel.Null{}, nil
		}
		l = feel.List{in}
	}
	out := make(feel.List, 0, len(l))
	for _, it := range l {
		sc := &scope{parent: vars, names: []string{x.variable}, vals: []feel.Value{it}}
		v, err := x.body.eval(s, sc)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

type quantified struct {
	every    bool
	variable string
	in, body expr
}

func (x *quantified) eval(s *state, vars feel.Variables) (feel.Value, error) {
	in, err := x.in.eval(s, vars)
	if err != nil {
		return nil, err
	}
	l, ok := in.(feel.List)
	if !ok {
		if _, isNull := in.(feel.Null); isNull {
			return feel.Null{}, nil
		}
		l = feel.List{in}
	}
	sawNull := false
	for _, it := range l {
		sc := &scope{parent: vars, names: []string{x.variable}, vals: []feel.Value{it}}
		v, err := x.body.eval(s, sc)
		if err != nil {
			return nil, err
		}
		b, isBool := v.(feel.Boolean)
		if _, isNull := v.(feel.Null); !isBool && !isNull {
			return feel.Null{}, nil // a condition that is not a boolean
		}
		switch {
		case !isBool:
			sawNull = true
		case x.every && !bool(b):
			return feel.Boolean(false), nil
		case !x.every && bool(b):
			return feel.Boolean(true), nil
		}
	}
	if sawNull {
		return feel.Null{}, nil
	}
	return feel.Boolean(x.every), nil
}
