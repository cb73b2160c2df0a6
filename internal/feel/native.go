package feel

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
