package feel

import (
	"context"
	"time"
)

// NewFunction makes a FEEL function implemented in Go, to bind as a
// variable (for example Camunda's connector functions bpmnError and
// jobError). Missing trailing arguments are null.
func NewFunction(name string, params []string, fn func(args []Value) Value) *Function {
	return &Function{
		Name:    name,
		Params:  params,
		lenient: true,
		call: func(_ *env, args []Value) Value {
			full := make([]Value, len(params))
			for i := range full {
				if i < len(args) && args[i] != nil {
					full[i] = args[i]
				} else {
					full[i] = Null{}
				}
			}
			return fn(full)
		},
	}
}

// NewFunctionContext is NewFunction for functions that need the
// evaluation's context or can fail: a returned error aborts the whole
// evaluation (Evaluate returns it wrapped) instead of producing null.
func NewFunctionContext(name string, params []string, fn func(ctx context.Context, args []Value) (Value, error)) *Function {
	return &Function{
		Name:    name,
		Params:  params,
		lenient: true,
		call: func(e *env, args []Value) Value {
			full := make([]Value, len(params))
			for i := range full {
				if i < len(args) && args[i] != nil {
					full[i] = args[i]
				} else {
					full[i] = Null{}
				}
			}
			v, err := fn(e.ctx, full)
			if err != nil {
				e.fail(err)
				return Null{}
			}
			if v == nil {
				return Null{}
			}
			return v
		},
	}
}

// Invoke invokes a function value with positional arguments, or with named
// arguments when names is not nil (names[i] names args[i]). A call that
// does not fit the function is null with a warning.
func Invoke(ctx context.Context, f *Function, args []Value, names []string) (Value, []Warning, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	e := &env{ctx: ctx, vars: noVariables{}, now: time.Now,
		limits: Limits{MaxSteps: 1_000_000, MaxDepth: 256, MaxValueBytes: DefaultMaxValueBytes, MaxTotalBytes: DefaultMaxTotalBytes}}
	v := callValue(e, f, f.Name, args, names)
	if e.err != nil {
		return nil, e.warnings, e.err
	}
	if v == nil {
		v = Null{}
	}
	return v, e.warnings, nil
}
