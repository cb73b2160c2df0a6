package engine

import (
	"fmt"
	"strings"
	"testing"
)

// BenchmarkEvaluateDecision evaluates a 100-rule table through the engine,
// each evaluation recorded as a decision instance and committed.
func BenchmarkEvaluateDecision(b *testing.B) {
	h := newHarnessWith(b, Options{Synchronous: "NORMAL"})
	var rules strings.Builder
	for i := range 100 {
		fmt.Fprintf(&rules, `<rule id="r%d"><inputEntry id="r%di"><text>[%d..%d]</text></inputEntry><outputEntry id="r%do"><text>%d</text></outputEntry></rule>`, i, i, i*10, i*10+9, i, i)
	}
	if _, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "t.dmn", Content: []byte(dmnModel("price", rules.String()))}}); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ev, err := h.e.EvaluateDecision(h.ctx, "", DecisionRef{ID: "price"}, map[string]any{"x": 995})
		if err != nil || ev.Output != "99" {
			b.Fatalf("%v %+v", err, ev)
		}
	}
}
