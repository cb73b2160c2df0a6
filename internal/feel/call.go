package feel

import (
	"errors"
	"strings"
	"time"
)

// builtin is a named function with one or more signatures.
type builtin struct {
	name      string
	overloads []overload
	fn        *Function
}

type overload struct {
	params   []string
	variadic bool // the last parameter collects the remaining positional arguments
	fn       func(e *env, args []Value) (Value, error)
}

// fatalError aborts the evaluation instead of producing null.
type fatalError struct{ err error }

func (f fatalError) Error() string { return f.err.Error() }
func (f fatalError) Unwrap() error { return f.err }

func (b *builtin) value() *Function { return b.fn }

// selectPositional picks the overload for n positional arguments.
func (b *builtin) selectPositional(n int) (*overload, bool) {
	for i := range b.overloads {
		o := &b.overloads[i]
		if !o.variadic && len(o.params) == n {
			return o, true
		}
	}
	for i := range b.overloads {
		o := &b.overloads[i]
		if o.variadic && n >= len(o.params)-1 {
			return o, true
		}
	}
	return nil, false
}

// selectNamed picks the overload for the given argument names and returns
// the parameter index of each argument.
func (b *builtin) selectNamed(names []string) (*overload, []int, bool) {
	var best *overload
	var bestIdx []int
	for i := range b.overloads {
		o := &b.overloads[i]
		idx := make([]int, len(names))
		fits := true
		for j, n := range names {
			idx[j] = -1
			for k, p := range o.params {
				if p == n {
					idx[j] = k
				}
			}
			if idx[j] < 0 {
				fits = false
				break
			}
		}
		if !fits {
			continue
		}
		if len(o.params) == len(names) {
			return o, idx, true
		}
		if best == nil || len(o.params) < len(best.params) {
			best, bestIdx = o, idx
		}
	}
	return best, bestIdx, best != nil
}

// packArgs adapts positional args to an overload (variadic packing).
func packArgs(o *overload, args []Value) []Value {
	if !o.variadic {
		return args
	}
	fixed := len(o.params) - 1
	out := make([]Value, 0, len(o.params))
	out = append(out, args[:fixed]...)
	rest := make(List, len(args)-fixed)
	copy(rest, args[fixed:])
	return append(out, rest)
}

func invokeBuiltin(e *env, name string, o *overload, args []Value) Value {
	if e.err != nil {
		return Null{}
	}
	v, err := o.fn(e, args)
	if err != nil {
		var fe fatalError
		if errors.As(err, &fe) {
			e.fail(fe.err)
			return Null{}
		}
		e.warn(FunctionInvocationFailure, "failed to invoke function '%s': %v", name, err)
		return Null{}
	}
	if v == nil {
		return Null{}
	}
	return e.charge(v)
}

// callValue invokes a function value with positional or named arguments.
func callValue(e *env, fv Value, name string, args []Value, names []string) Value {
	f, ok := fv.(*Function)
	if !ok {
		if isNull(fv) {
			e.warn(NoFunctionFound, "no function found with name '%s'", name)
		} else {
			e.warn(InvalidType, "'%s' is not a function but %s", name, TypeName(fv))
		}
		return Null{}
	}
	if f.builtin != nil {
		b := f.builtin
		if names != nil {
			o, idx, ok := b.selectNamed(names)
			if !ok {
				e.warn(NoFunctionFound, "no function found with name '%s' and parameters %s", b.name, strings.Join(names, ", "))
				return Null{}
			}
			ordered := make([]Value, len(o.params))
			for i := range ordered {
				ordered[i] = Null{}
			}
			for j, k := range idx {
				ordered[k] = args[j]
			}
			return invokeBuiltin(e, b.name, o, ordered)
		}
		o, ok := b.selectPositional(len(args))
		if !ok {
			e.warn(NoFunctionFound, "no function found with name '%s' and %d parameters", b.name, len(args))
			return Null{}
		}
		return invokeBuiltin(e, b.name, o, packArgs(o, args))
	}
	if names != nil {
		ordered := make([]Value, len(f.Params))
		for i := range ordered {
			ordered[i] = Null{}
		}
		for j, n := range names {
			k := -1
			for i, p := range f.Params {
				if p == n {
					k = i
				}
			}
			if k < 0 {
				e.warn(NoFunctionFound, "function '%s' has no parameter '%s'", name, n)
				return Null{}
			}
			ordered[k] = args[j]
		}
		args = ordered
	} else if len(args) != len(f.Params) && !(f.lenient && len(args) < len(f.Params)) {
		e.warn(NoFunctionFound, "function '%s' expects %d arguments but got %d", name, len(f.Params), len(args))
		return Null{}
	}
	return f.call(e, args)
}

// apply calls a function value from within a builtin (e.g. sort's precedes).
func apply(e *env, f *Function, args ...Value) Value {
	if f.builtin != nil {
		return callValue(e, f, f.Name, args, nil)
	}
	if len(args) != len(f.Params) && !(f.lenient && len(args) < len(f.Params)) {
		e.warn(NoFunctionFound, "function expects %d arguments but got %d", len(f.Params), len(args))
		return Null{}
	}
	return f.call(e, args)
}

func (c *compiler) compileCall(n *callExpr) evalFn {
	argFns := make([]evalFn, len(n.args))
	var names []string
	for i, a := range n.args {
		argFns[i] = c.compile(a.x)
		if n.named {
			names = append(names, a.name)
		}
	}
	evalArgs := func(e *env) []Value {
		args := make([]Value, len(argFns))
		for i, f := range argFns {
			args[i] = f(e)
		}
		return args
	}
	if ref, ok := n.fn.(*nameRef); ok {
		name := ref.name
		if name == "is defined" || name == "get or else" {
			// a missing value is the expected case here, not a failure to report
			inner := evalArgs
			evalArgs = func(e *env) []Value {
				mark := len(e.warnings)
				args := inner(e)
				e.warnings = e.warnings[:mark]
				return args
			}
		}
		r := c.resolve(name)
		if !r.found && len(r.dynHops) == 0 {
			if b, ok := builtinsByName()[name]; ok {
				if !n.named {
					o, ok := b.selectPositional(len(argFns))
					if !ok {
						cnt := len(argFns)
						return func(e *env) Value {
							e.warn(NoFunctionFound, "no function found with name '%s' and %d parameters", name, cnt)
							return Null{}
						}
					}
					return func(e *env) Value {
						return invokeBuiltin(e, name, o, packArgs(o, evalArgs(e)))
					}
				}
				fv := b.value()
				return func(e *env) Value { return callValue(e, fv, name, evalArgs(e), names) }
			}
			return func(e *env) Value {
				raw, ok := e.vars.Lookup(name)
				if !ok {
					e.warn(NoFunctionFound, "no function found with name '%s'", name)
					return Null{}
				}
				return callValue(e, FromJSON(raw), name, evalArgs(e), names)
			}
		}
		fn := c.compileName(name)
		return func(e *env) Value {
			fv := fn(e)
			if isNull(fv) {
				if b, ok := builtinsByName()[name]; ok {
					fv = b.value()
				}
			}
			return callValue(e, fv, name, evalArgs(e), names)
		}
	}
	fn := c.compile(n.fn)
	label := c.text(n.fn)
	return func(e *env) Value { return callValue(e, fn(e), label, evalArgs(e), names) }
}

// property implements temporal, duration and range properties.
func property(v Value, name string) (Value, bool) {
	switch x := v.(type) {
	case Date:
		return dateProperty(x.T, name)
	case DateTime:
		if r, ok := dateProperty(x.T, name); ok {
			return r, true
		}
		return timeProperty(x.Time(), name)
	case Time:
		return timeProperty(x, name)
	case YearsMonthsDuration:
		switch name {
		case "years":
			return IntNumber(int64(x) / 12), true
		case "months":
			return IntNumber(int64(x) % 12), true
		}
	case DaysTimeDuration:
		d := time.Duration(x)
		switch name {
		case "days":
			return IntNumber(int64(d / day)), true
		case "hours":
			return IntNumber(int64(d % day / time.Hour)), true
		case "minutes":
			return IntNumber(int64(d % time.Hour / time.Minute)), true
		case "seconds":
			return IntNumber(int64(d % time.Minute / time.Second)), true
		}
	case *Range:
		switch name {
		case "start":
			if x.Low == nil {
				return Null{}, true
			}
			return x.Low, true
		case "end":
			if x.High == nil {
				return Null{}, true
			}
			return x.High, true
		case "start included":
			return Boolean(x.LowClosed), true
		case "end included":
			return Boolean(x.HighClosed), true
		}
	}
	return nil, false
}

// propertyNames are multi-word property names known to the parser.
var propertyNames = []string{"time offset", "start included", "end included"}

func dateProperty(t time.Time, name string) (Value, bool) {
	switch name {
	case "year":
		return numFromInt(t.Year()), true
	case "month":
		return numFromInt(int(t.Month())), true
	case "day":
		return numFromInt(t.Day()), true
	case "weekday":
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return numFromInt(wd), true
	}
	return nil, false
}

func timeProperty(t Time, name string) (Value, bool) {
	switch name {
	case "hour":
		return numFromInt(int(t.Clock / time.Hour)), true
	case "minute":
		return numFromInt(int(t.Clock % time.Hour / time.Minute)), true
	case "second":
		return numFromInt(int(t.Clock % time.Minute / time.Second)), true
	case "time offset":
		if t.Kind == Local {
			return Null{}, true
		}
		return DaysTimeDuration(time.Duration(t.Offset) * time.Second), true
	case "timezone":
		if t.Kind != Zoned {
			if t.Kind == Offset && t.Offset == 0 {
				return String("Z"), true
			}
			return Null{}, true
		}
		return String(t.Zone), true
	}
	return nil, false
}

// instanceOfType implements "x instance of T".
func instanceOfType(v Value, t *typeSpec) bool {
	switch t.name {
	case "Any", "any":
		return !isNull(v)
	case "Null", "null":
		return isNull(v)
	}
	switch x := v.(type) {
	case Null, nil:
		return false
	case Boolean:
		return t.name == "boolean"
	case *Number:
		return t.name == "number"
	case String:
		return t.name == "string"
	case Date:
		return t.name == "date"
	case Time:
		return t.name == "time"
	case DateTime:
		return t.name == "date and time" || t.name == "dateTime"
	case YearsMonthsDuration:
		return t.name == "years and months duration" || t.name == "yearMonthDuration"
	case DaysTimeDuration:
		return t.name == "days and time duration" || t.name == "dayTimeDuration"
	case List:
		if t.name != "list" {
			return false
		}
		if t.elem != nil {
			for _, it := range x {
				if !isNull(it) && !instanceOfType(it, t.elem) {
					return false
				}
			}
		}
		return true
	case *Context:
		if t.name != "context" {
			return false
		}
		for _, f := range t.fields {
			fv, ok := x.Get(f.name)
			if !ok || !instanceOfType(fv, f.typ) {
				return false
			}
		}
		return true
	case *Range:
		if t.name != "range" {
			return false
		}
		if t.elem != nil {
			for _, b := range []Value{x.Low, x.High} {
				if b != nil && !isNull(b) && !instanceOfType(b, t.elem) {
					return false
				}
			}
		}
		return true
	case *Function:
		if t.name != "function" {
			return false
		}
		if t.params != nil && len(t.params) != len(x.Params) && x.builtin == nil {
			return false
		}
		return true
	}
	return false
}

// knownType reports whether name is a built-in FEEL type (as opposed to a
// DMN item definition this package cannot resolve).
func knownType(name string) bool {
	switch name {
	case "Any", "Null", "boolean", "number", "string", "date", "time", "date and time", "dateTime",
		"days and time duration", "dayTimeDuration", "years and months duration", "yearMonthDuration",
		"list", "context", "range", "function":
		return true
	}
	return false
}
