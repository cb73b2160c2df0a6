package feel

import "encoding/json"

// Call is one invocation of a named function found by static analysis.
type Call struct {
	Name   string // function name as resolved by the parser, e.g. "fromAi"
	Source string // source text of the whole invocation
	Pos    int    // byte offset of the invocation in the source
	End    int
	Named  bool // arguments are passed by name
	Args   []Arg
}

// Arg describes one argument of a Call.
type Arg struct {
	// Name is the argument name as written for named arguments; for
	// positional arguments of a builtin it is the parameter name of the
	// matching signature (e.g. "value", "description" for fromAi), else "".
	Name   string
	Source string // source text of the argument expression
	// IsPath reports whether the argument is a variable reference or a path
	// such as toolCall.x; Path then holds its segments, e.g. ["toolCall", "x"].
	IsPath bool
	Path   []string
	// IsLiteral reports whether the argument is a literal: a string, number,
	// boolean or null, or a list or context built only of literals. Literal
	// holds it as a JSON-shaped Go value (json.Number for numbers).
	IsLiteral bool
	Literal   any
}

// FunctionCalls returns every invocation of the named function in the
// expression, in source order, including nested ones.
func (x *Expression) FunctionCalls(name string) []Call {
	var out []Call
	walk(x.root, func(n node) bool {
		c, ok := n.(*callExpr)
		if !ok {
			return true
		}
		ref, ok := c.fn.(*nameRef)
		if !ok || ref.name != name {
			return true
		}
		pos, end := c.span()
		call := Call{Name: name, Source: x.src[pos:end], Pos: pos, End: end, Named: c.named}
		var params []string
		if !c.named {
			if b, ok := builtinsByName()[name]; ok {
				if o, ok := b.selectPositional(len(c.args)); ok {
					params = o.params
				}
			}
		}
		for i, a := range c.args {
			ap, ae := a.x.span()
			arg := Arg{Name: a.name, Source: x.src[ap:ae]}
			if arg.Name == "" && i < len(params) {
				arg.Name = params[i]
			}
			if segs, ok := pathOf(a.x); ok {
				arg.IsPath, arg.Path = true, segs
			}
			if lit, ok := literalOf(a.x); ok {
				arg.IsLiteral, arg.Literal = true, lit
			}
			call.Args = append(call.Args, arg)
		}
		out = append(out, call)
		return true
	})
	return out
}

func pathOf(n node) ([]string, bool) {
	switch p := n.(type) {
	case *nameRef:
		return []string{p.name}, true
	case *pathExpr:
		base, ok := pathOf(p.x)
		if !ok {
			return nil, false
		}
		return append(base, p.name), true
	}
	return nil, false
}

func literalOf(n node) (any, bool) {
	switch l := n.(type) {
	case *strLit:
		return l.val, true
	case *numLit:
		return json.Number(l.val.String()), true
	case *boolLit:
		return l.val, true
	case *nullLit:
		return nil, true
	case *listLit:
		out := make([]any, len(l.items))
		for i, it := range l.items {
			v, ok := literalOf(it)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case *ctxLit:
		out := make(map[string]any, len(l.entries))
		for _, en := range l.entries {
			v, ok := literalOf(en.x)
			if !ok {
				return nil, false
			}
			out[en.key] = v
		}
		return out, true
	}
	return nil, false
}
