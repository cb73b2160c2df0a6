package dmn

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// FuzzParseEvaluate feeds the parser arbitrary documents: it must answer
// with a model or a ValidationError, never panic, and every decision of a
// model it accepts must evaluate to a value or an EvaluationError.
func FuzzParseEvaluate(f *testing.F) {
	if b, err := os.ReadFile("testdata/dinner.dmn"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(bkmModel))
	f.Add(table("COLLECT", "SUM", []string{"a"}, `< 5=>1`, `[1..9]=>2`))
	f.Add(table("OUTPUT ORDER", "", []string{`a:"x","y"`, "b"}, `"q", 1=>"x"|x`, `-=>"y"|2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		if m == nil {
			t.Fatal("no model and no error")
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, d := range m.Decisions() {
			r, err := m.Evaluate(ctx, d.ID, map[string]any{"x": 3, "month": 1, "guestCount": 2, "k": 3})
			if err != nil {
				var ee *EvaluationError
				if !errors.As(err, &ee) {
					t.Fatalf("decision %s: error of type %T: %v", d.ID, err, err)
				}
				continue
			}
			if r == nil || r.Value == nil {
				t.Fatalf("decision %s: no result and no error", d.ID)
			}
		}
	})
}
