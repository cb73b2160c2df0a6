package feel

import (
	"context"
	"encoding/json"
	"testing"
)

func BenchmarkEvaluateCondition(b *testing.B) {
	x, err := Compile("amount > 100 and x < 10")
	if err != nil {
		b.Fatal(err)
	}
	vars := MapVariables{"amount": json.Number("150"), "x": json.Number("7")}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := x.Evaluate(ctx, vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCompileAndEvaluateCondition(b *testing.B) {
	vars := MapVariables{"amount": json.Number("150"), "x": json.Number("7")}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		x, err := Compile("amount > 100 and x < 10")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := x.Evaluate(ctx, vars); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvaluateMapping(b *testing.B) {
	x, err := Compile(`{id: toolCall._meta.id, name: toolCall._meta.name, content: toolCallResult}`)
	if err != nil {
		b.Fatal(err)
	}
	vars := MapVariables{
		"toolCall": map[string]any{
			"_meta": map[string]any{"id": "call-1", "name": "search"},
			"query": "whales", "limit": json.Number("10"),
		},
		"toolCallResult": map[string]any{"hits": []any{"a", "b", "c"}, "total": json.Number("3")},
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		v, err := x.Evaluate(ctx, vars)
		if err != nil {
			b.Fatal(err)
		}
		_ = ToJSON(v)
	}
}
