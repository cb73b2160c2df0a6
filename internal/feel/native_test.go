package feel

import (
	"context"
	"errors"
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

func TestNewFunctionContextAndInvoke(t *testing.T) {
	boom := errors.New("boom")
	f := NewFunctionContext("f", []string{"a", "b"}, func(ctx context.Context, args []Value) (Value, error) {
		if s, ok := args[0].(String); ok && s == "fail" {
			return nil, boom
		}
		return List{args[0], args[1]}, nil
	})
	x, err := Compile(`f("fail", 1)`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x.Evaluate(context.Background(), MapVariables{"f": f}); !errors.Is(err, boom) {
		t.Fatalf("error from a context function = %v, want it to abort with %v", err, boom)
	}
	v, _, err := Invoke(context.Background(), f, []Value{IntNumber(2), String("x")}, []string{"b", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if got := Format(v); got != `["x", 2]` {
		t.Errorf("named Invoke = %s", got)
	}
	sum := builtinsByName()["sum"].value()
	v, _, err = Invoke(context.Background(), sum, []Value{IntNumber(2), IntNumber(3)}, nil)
	if err != nil || Format(v) != "5" {
		t.Errorf("Invoke(sum, 2, 3) = %v, %v", v, err)
	}
	if _, _, err := Invoke(context.Background(), f, []Value{String("fail")}, nil); !errors.Is(err, boom) {
		t.Errorf("Invoke error = %v", err)
	}
}

// A function value closes over the variables of the evaluation that made it:
// called later from another evaluation, it still sees them.
func TestFunctionClosesOverVariables(t *testing.T) {
	mk, err := Compile(`function(b) a * b`)
	if err != nil {
		t.Fatal(err)
	}
	f, err := mk.Evaluate(context.Background(), MapVariables{"a": 10})
	if err != nil {
		t.Fatal(err)
	}
	call, err := Compile(`f(2)`)
	if err != nil {
		t.Fatal(err)
	}
	v, err := call.Evaluate(context.Background(), MapVariables{"f": f, "a": 100})
	if err != nil {
		t.Fatal(err)
	}
	if Format(v) != "20" {
		t.Errorf("closure called from another evaluation = %s, want 20", Format(v))
	}
}

func TestRangeFunction(t *testing.T) {
	for src, want := range map[string]string{
		`range("[1..3]")`:         "[1..3]",
		`range(" ( 18 .. 21 [ ")`: "(18..21)",
		`range(from: "]1..2]")`:   "(1..2]",
		`range("[\"a\"..\"c\"]")`: `["a".."c"]`,
		`range("[@\"2020-01-01\"..date(\"2020-12-31\")]") = [date("2020-01-01")..date("2020-12-31")]`: "true",
		`range("[@\"P1D\"..@\"P2D\"]") = [duration("P1D")..duration("P2D")]`:                          "true",
		`2 in range("[1..3]")`:                     "true",
		`range("[3..1]")`:                          "null",
		`range("[1..\"b\"]")`:                      "null",
		`range("[..2]")`:                           "null",
		`range(">= 10")`:                           "null",
		`range("[x..2]")`:                          "null",
		`range("[date(x)..date(\"2020-01-01\")]")`: "null",
		`range("")`:                                "null",
		`range(5)`:                                 "null",
	} {
		x, err := Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		v, err := x.Evaluate(context.Background(), nil)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if got := Format(v); got != want {
			t.Errorf("%s = %s, want %s", src, got, want)
		}
	}
}
