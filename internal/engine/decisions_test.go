package engine

import (
	"fmt"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// dmnModel is a one-decision DMN model around a decision table body.
func dmnModel(id, table string) string {
	return `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="` + id + `Graph" name="G" namespace="x">
<decision id="` + id + `" name="D"><decisionTable id="t">
<input id="i" label="x"><inputExpression id="ie" typeRef="number"><text>x</text></inputExpression></input>
<output id="o" name="y" />` + table + `</decisionTable></decision></definitions>`
}

// TestDecisionHostileModels: huge, deeply nested and budget-breaking DMN
// models are rejected or fail their evaluation with a clear error; the
// engine goes on.
func TestDecisionHostileModels(t *testing.T) {
	h := newHarness(t)

	// Deeply nested XML.
	deep := `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="deep" name="D" namespace="x">` +
		strings.Repeat("<extensionElements>", 100000) + strings.Repeat("</extensionElements>", 100000) + `</definitions>`
	_, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "deep.dmn", Content: []byte(deep)}})
	wantCode(t, err, CodeInvalidArgument)
	t.Logf("deeply nested: %.200s", err)

	// Not XML at all, and an empty file.
	for _, content := range []string{"{not xml", ""} {
		_, err = h.e.Deploy(h.ctx, "", []Resource{{Name: "junk.dmn", Content: []byte(content)}})
		wantCode(t, err, CodeInvalidArgument)
	}

	// 10,000 rules deploy and evaluate.
	var rules strings.Builder
	for i := range 10000 {
		fmt.Fprintf(&rules, `<rule id="r%d"><inputEntry id="r%di"><text>%d</text></inputEntry><outputEntry id="r%do"><text>%d</text></outputEntry></rule>`, i, i, i, i, i*2)
	}
	if _, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "big.dmn", Content: []byte(dmnModel("big", rules.String()))}}); err != nil {
		t.Fatalf("10,000 rules: %v", err)
	}
	ev, err := h.e.EvaluateDecision(h.ctx, "", DecisionRef{ID: "big"}, map[string]any{"x": 9999})
	if err != nil || ev.Output != "19998" || len(ev.Instances[0].MatchedRules) != 1 || ev.Instances[0].MatchedRules[0].Index != 10000 {
		t.Fatalf("10,000 rules: %v %+v", err, ev)
	}

	// A rule whose output would build a huge value: the evaluation fails
	// within FEEL's budget and is recorded as failed.
	bomb := `<rule id="boom"><inputEntry id="bi"><text>-</text></inputEntry><outputEntry id="bo"><text>for i in 1..100000000 return string join(for j in 1..1000 return "xxxxxxxxxx")</text></outputEntry></rule>`
	if _, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "bomb.dmn", Content: []byte(dmnModel("bomb", bomb))}}); err != nil {
		t.Fatalf("deploy bomb: %v", err)
	}
	ev, err = h.e.EvaluateDecision(h.ctx, "", DecisionRef{ID: "bomb"}, map[string]any{"x": 1})
	if err != nil || ev.FailedDecisionID != "bomb" || !strings.HasPrefix(ev.FailureMessage, "Expected to evaluate decision 'bomb', but ") {
		t.Fatalf("bomb: %v %+v", err, ev)
	}
	t.Logf("bomb: %s", ev.FailureMessage)

	// The engine still works, and after a restart the big table evaluates.
	h.restart()
	ev, err = h.e.EvaluateDecision(h.ctx, "", DecisionRef{ID: "big"}, map[string]any{"x": 3})
	if err != nil || ev.Output != "6" {
		t.Fatalf("after restart: %v %+v", err, ev)
	}
}

// TestDecisionEvaluationsDuringRedeployments: evaluations running outside
// the writer while new versions are deployed each answer from the version
// they resolved and are each recorded once.
func TestDecisionEvaluationsDuringRedeployments(t *testing.T) {
	h := newHarness(t)
	model := func(v int) []byte {
		return []byte(dmnModel("d", fmt.Sprintf(`<rule id="r"><inputEntry id="ri"><text>-</text></inputEntry><outputEntry id="ro"><text>%d</text></outputEntry></rule>`, v)))
	}
	if _, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "d.dmn", Content: model(1)}}); err != nil {
		t.Fatal(err)
	}
	const workers, each = 4, 25
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for range each {
				ev, err := h.e.EvaluateDecision(h.ctx, "", DecisionRef{ID: "d"}, map[string]any{"x": 1})
				if err == nil && ev.Output != fmt.Sprint(ev.Decision.Version) {
					err = fmt.Errorf("version %d answered %s", ev.Decision.Version, ev.Output)
				}
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for v := 2; v <= 10; v++ {
		res, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "d.dmn", Content: model(v)}})
		if err != nil || res.Decisions[0].Version != int32(v) {
			t.Fatalf("deploy %d: %v %+v", v, err, res)
		}
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	n, err := store.Select(h.ctx, h.e.Store(), func() *store.DecisionInstance { return new(store.DecisionInstance) }, "decision_id = 'd'")
	if err != nil || len(n) != workers*each {
		t.Fatalf("%d decision instances recorded for %d evaluations: %v", len(n), workers*each, err)
	}
}
