package feel

import (
	"context"
	"testing"
)

func TestNewFunction(t *testing.T) {
	greet := NewFunction("greet", []string{"name", "suffix"}, func(args []Value) Value {
		s, _ := args[0].(String)
		x, ok := args[1].(String)
		if !ok {
			x = "!"
		}
		return String("hi " + string(s) + string(x))
	})
	for src, want := range map[string]string{
		`greet("ada")`:                    "hi ada!",
		`greet("ada", "?")`:               "hi ada?",
		`greet(suffix: ".", name: "bob")`: "hi bob.",
		`{f: greet}.f("eve")`:             "hi eve!",
	} {
		x, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		v, err := x.Evaluate(context.Background(), MapVariables{"greet": greet})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got, _ := v.(String); string(got) != want {
			t.Errorf("%s = %v, want %q", src, v, want)
		}
	}
}
