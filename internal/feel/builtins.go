package feel

import (
	"fmt"

	"github.com/cockroachdb/apd/v3"
	"sort"
	"strings"
	"sync"
)

type bfn = func(e *env, a []Value) (Value, error)

// sig declares one overload: parameter names, "..." suffix on the last one
// for variadic.
type sig struct {
	name   string
	params []string
	fn     bfn
}

func ps(p ...string) []string { return p }

// builtinsByName is the immutable table of builtin functions, built on
// first use (a program that evaluates no FEEL, as orca start until a
// process is deployed, does not build it).
var builtinsByName = sync.OnceValue(buildBuiltins)

// builtinMultiNames lists builtin names made of several tokens, for the parser.
var builtinMultiNames = sync.OnceValue(func() []string {
	var out []string
	for name := range builtinsByName() {
		if strings.ContainsAny(name, " ") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
})

func buildBuiltins() map[string]*builtin {
	var all []sig
	all = append(all, conversionBuiltins()...)
	all = append(all, stringBuiltins()...)
	all = append(all, listBuiltins()...)
	all = append(all, numericBuiltins()...)
	all = append(all, temporalBuiltins()...)
	all = append(all, miscBuiltins()...)
	all = append(all, rangeBuiltins()...)
	m := map[string]*builtin{}
	for _, s := range all {
		b := m[s.name]
		if b == nil {
			b = &builtin{name: s.name}
			m[s.name] = b
		}
		o := overload{params: append([]string(nil), s.params...), fn: s.fn}
		if n := len(o.params); n > 0 && strings.HasSuffix(o.params[n-1], "...") {
			o.params[n-1] = strings.TrimSuffix(o.params[n-1], "...")
			o.variadic = true
		}
		b.overloads = append(b.overloads, o)
	}
	for _, b := range m {
		b := b
		f := &Function{Name: b.name, Params: b.overloads[0].params, Variadic: b.overloads[0].variadic, builtin: b}
		f.call = func(e *env, args []Value) Value { return callValue(e, f, b.name, args, nil) }
		b.fn = f
	}
	return m
}

// argument helpers

type argErr struct {
	param string
	want  string
	got   Value
}

func (a argErr) Error() string {
	return fmt.Sprintf("expected %s for parameter '%s' but found %s", a.want, a.param, TypeName(a.got))
}

func str(a []Value, i int, p string) (string, error) {
	if s, ok := unwrap(a[i]).(String); ok {
		return string(s), nil
	}
	return "", argErr{p, "string", a[i]}
}

func num(a []Value, i int, p string) (*Number, error) {
	if n, ok := unwrap(a[i]).(*Number); ok {
		return n, nil
	}
	return nil, argErr{p, "number", a[i]}
}

func integer(a []Value, i int, p string) (int, error) {
	n, err := num(a, i, p)
	if err != nil {
		return 0, err
	}
	v, ok := toInt(truncNumber(n))
	if !ok {
		return 0, fmt.Errorf("expected an integer for parameter '%s' but found %s", p, n)
	}
	return v, nil
}

// list accepts a list, or a single non-null value as a singleton list
// (DMN's implicit conversion).
func list(a []Value, i int, p string) (List, error) {
	switch v := a[i].(type) {
	case List:
		return v, nil
	case Null, nil:
		return nil, argErr{p, "list", a[i]}
	default:
		return List{v}, nil
	}
}

// unwrap applies DMN's conversion from a singleton list to its element.
func unwrap(v Value) Value {
	if l, ok := v.(List); ok && len(l) == 1 {
		return l[0]
	}
	return v
}

func ctxArg(a []Value, i int, p string) (*Context, error) {
	if c, ok := a[i].(*Context); ok {
		return c, nil
	}
	return nil, argErr{p, "context", a[i]}
}

func function(a []Value, i int, p string) (*Function, error) {
	if f, ok := a[i].(*Function); ok {
		return f, nil
	}
	return nil, argErr{p, "function", a[i]}
}

// truncNumber drops the fractional part (toward zero).
func truncNumber(n *Number) *Number {
	if n.IsInteger() {
		return n
	}
	r := &Number{}
	ctx := dec
	ctx.Rounding = apd.RoundDown
	if _, err := ctx.RoundToIntegralValue(&r.d, &n.d); err != nil {
		return n
	}
	return r
}
