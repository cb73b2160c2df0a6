package feel

import (
	"context"
	"testing"
)

func TestSmoke(t *testing.T) {
	for _, src := range []string{
		"1 + 2", "0.1 + 0.2", "amount > 100 and x < 10", `"a" + "b"`, "[1,2,3][item > 1]", "{a: 1, b: a + 1}.b",
		`date("2024-01-01") + duration("P1D")`, `string length("🐎")`, "for i in 1..3 return i * 2",
		"some x in [1,2] satisfies x > 1", "every x in [1,2] satisfies x > 1", "y.z", "missing.z", "x in [1..10]", "x in (1, 7)",
		`date and time("2024-01-01T10:00:00@Europe/Berlin")`, "sum([1,2,3]) / 0", "floor(1.5)", `matches("abc","^a")`,
		"3 ** 4 ** 5", "-3 ** 2", "function(a, b) a + b", "(function(a, b) a + b)(1, 2)", `substring(string: "foobar", start position: 3)`,
		"if x > 5 then \"a\" else \"b\"", "[{a:1},{a:2}].a", "[{a:1},{a:2}][a > 1]", "decimal(1/3, 2)", "@\"P1Y\"",
		"x between 1 and 10", "not(true)", "count([1,2])", "is defined(q)", `fromAi(toolCall.q, "desc")`, "date(\"2024-01-31\") + duration(\"P1M\")",
	} {
		x, err := Compile(src)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		v, w, err := x.EvaluateDetailed(context.Background(), MapVariables{"amount": 12.5, "x": 7, "y": nil, "toolCall": map[string]any{"q": "hi"}})
		t.Logf("%-50s => %s (%s) %v %v", src, Format(v), TypeName(v), w, err)
	}
}
