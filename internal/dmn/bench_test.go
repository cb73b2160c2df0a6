package dmn

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// table100 is a 100-rule decision table with three inputs (a number
// range, a string list and a boolean) and two outputs.
func table100(hit string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="bench" name="Bench" namespace="b">
<decision id="price" name="Price"><decisionTable id="t" hitPolicy="%s">
<input id="i1" label="Age"><inputExpression typeRef="number"><text>customer.age</text></inputExpression></input>
<input id="i2" label="Category"><inputExpression typeRef="string"><text>category</text></inputExpression></input>
<input id="i3" label="Member"><inputExpression typeRef="boolean"><text>member</text></inputExpression></input>
<output id="o1" name="discount" typeRef="number"/>
<output id="o2" name="reason" typeRef="string"/>
`, hit)
	cats := []string{`"books"`, `"music"`, `"games"`, `"food"`, `"tools"`}
	for i := 0; i < 100; i++ {
		member := "-"
		if i%3 == 0 {
			member = "true"
		}
		fmt.Fprintf(&b, `<rule id="r%d"><inputEntry><text>[%d..%d]</text></inputEntry><inputEntry><text>%s, %s</text></inputEntry><inputEntry><text>%s</text></inputEntry><outputEntry><text>%d</text></outputEntry><outputEntry><text>"rule %d"</text></outputEntry></rule>
`, i, i, i+20, cats[i%5], cats[(i+1)%5], member, i%10, i)
	}
	b.WriteString(`</decisionTable></decision></definitions>`)
	return []byte(b.String())
}

func BenchmarkDecisionTable100(b *testing.B) {
	vars := map[string]any{
		"customer": map[string]any{"age": 61, "name": "Ada"},
		"category": "games",
		"member":   true,
	}
	for _, hit := range []string{HitFirst, HitCollect} {
		b.Run(strings.ReplaceAll(hit, " ", "_"), func(b *testing.B) {
			m, err := Parse(table100(hit))
			if err != nil {
				b.Fatal(err)
			}
			r, err := m.Evaluate(context.Background(), "price", vars)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("%s matched %d rule(s), first %s", hit, len(r.Decisions[0].MatchedRules), r.Decisions[0].MatchedRules[0].RuleID)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := m.Evaluate(context.Background(), "price", vars); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
