package feel

import (
	"context"
	"testing"
	"time"
)

func FuzzCompileEvaluate(f *testing.F) {
	seeds := []string{
		"1 + 2", "amount > 100 and x < 10", `[1,2,3][item > 1]`, `{a: 1, b: a + 1}.b`, `for i in 1..3 return i`,
		`some x in [1,2] satisfies x > 1`, `date("2024-01-01") + duration("P1D")`, `x in (1..5]`, `substring("abc", 2)`,
		`function(a) a * 2`, `if x then 1 else 2`, `@"2024-01-01T10:00:00@Europe/Berlin"`, `"a\u00e9" + "b"`,
		`{f: function(n) if n < 1 then 0 else f(n - 1), r: f(20)}.r`, `replace("abc", "(b)", "$1$1")`, `[1..10] = [1..10]`,
		`sort([3,1,2], function(a,b) a < b)`, `toolCall._meta.id`, `fromAi(toolCall.q, "d", "string", {a: [1]})`,
		`< 5`, `not(1, 2)`, `x instance of list<context<a: number>>`, `before([1..5], 6)`, "// c\n1 /* d */",
	}
	for _, s := range seeds {
		f.Add(s)
	}
	vars := MapVariables{"amount": 150, "x": 3, "toolCall": map[string]any{"q": "w", "_meta": map[string]any{"id": "1"}}}
	f.Fuzz(func(t *testing.T, src string) {
		x, err := CompileWith(src, Options{Limits: Limits{MaxSteps: 20000, MaxDepth: 64}})
		if err != nil {
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("Compile(%q) returned %T, want *SyntaxError", src, err)
			}
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		v, _, err := x.EvaluateDetailed(ctx, vars)
		if err == nil {
			_ = ToJSON(v)
			_ = Format(v)
			_ = TypeName(v)
		}
		_ = x.FunctionCalls("fromAi")
	})
}
