package dmn

import (
	"context"
	"testing"

	"github.com/orcabpm/orca/internal/feel"
)

// The literal fast path decides exactly what FEEL's unary tests decide.
func TestFastPathMatchesFEEL(t *testing.T) {
	entries := []string{
		`5`, `-5`, `5.0`, `< 5`, `<= 5`, `> 5`, `>=5`, `"a"`, `"a", "b"`, `"say \"hi\""`, `< "m"`,
		`[1..5]`, `(1..5)`, `]1..5[`, `[1..5)`, `(1..5]`, `["a".."m"]`, `1, [3..4], > 10`, `true`, `false`,
		`"x,y"`, `[1..5], "a"`,
	}
	notFast := []string{`not(5)`, `? > 5`, `x`, `date("2020-01-01")`, `[1..x]`, `< 5 + 1`, `null`, `>= true`}
	inputs := []feel.Value{
		feel.Null{}, feel.IntNumber(0), feel.IntNumber(1), feel.IntNumber(3), feel.IntNumber(5), feel.IntNumber(-5),
		feel.IntNumber(11), feel.String("a"), feel.String("b"), feel.String("m"), feel.String("z"), feel.String(`say "hi"`),
		feel.String("x,y"), feel.Boolean(true), feel.Boolean(false), feel.List{feel.IntNumber(5)},
	}
	n, _ := feel.ParseNumber("5.00")
	inputs = append(inputs, n)
	ctx := context.Background()
	for _, e := range entries {
		ft := compileFastTest(e)
		if ft == nil {
			t.Errorf("%s: not recognised as literal tests", e)
			continue
		}
		x, err := feel.CompileUnaryTests(e, feel.Options{})
		if err != nil {
			t.Fatalf("%s: %v", e, err)
		}
		for _, in := range inputs {
			r, _, err := x.EvaluateTest(ctx, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			if want, got := r == feel.Boolean(true), ft.match(in); got != want {
				t.Errorf("%s with input %s: fast path %v, FEEL %v", e, feel.Format(in), got, want)
			}
		}
	}
	for _, e := range notFast {
		if compileFastTest(e) != nil {
			t.Errorf("%s: taken for literal tests", e)
		}
	}
}

func TestFastInputPath(t *testing.T) {
	vars := feel.MapVariables{"customer": map[string]any{"age": 61, "tags": []any{"a"}}, "n": 3}
	for src, want := range map[string]string{"n": "3", "customer.age": "61", "customer": `{age:61, tags:["a"]}`} {
		fp := compileFastPath(src)
		if fp == nil {
			t.Fatalf("%s: no fast path", src)
		}
		v, ok := fp.eval(vars)
		if !ok || feel.Format(v) != want {
			t.Errorf("%s = %v %v, want %s", src, v, ok, want)
		}
	}
	// what the fast path does not resolve falls back to FEEL
	for _, src := range []string{"missing", "customer.tags.x", "customer.nope"} {
		if _, ok := compileFastPath(src).eval(vars); ok {
			t.Errorf("%s resolved by the fast path", src)
		}
	}
	for _, src := range []string{"a + b", "true", "x.not", "f(x)", `"s"`} {
		if compileFastPath(src) != nil {
			t.Errorf("%s taken for a path", src)
		}
	}
}
