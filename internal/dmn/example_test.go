package dmn_test

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/orcabpm/orca/internal/dmn"
)

// Parse a model once at deployment, then evaluate its decisions as often as
// needed; required decisions are evaluated first and reported too.
func Example() {
	src, err := os.ReadFile("testdata/dinner.dmn")
	if err != nil {
		panic(err)
	}
	model, err := dmn.Parse(src)
	if err != nil {
		panic(err)
	}
	drg := model.Requirements()
	fmt.Printf("DRG %s (%s), DMN %s\n", drg.ID, drg.Name, drg.DMNVersion)
	for _, d := range drg.Decisions {
		fmt.Printf("  decision %s %q %s versionTag=%q requires %v\n", d.ID, d.Name, d.Type, d.VersionTag, d.RequiredDecisions)
	}

	result, err := model.Evaluate(context.Background(), "dish", map[string]any{"month": 4, "guestCount": 6})
	if err != nil {
		panic(err)
	}
	fmt.Println("output:", dmn.JSON(result.Value))
	for _, d := range result.Decisions {
		e := d.Evaluated()
		fmt.Printf("  %s = %s", e.DecisionID, e.Output)
		for _, r := range e.MatchedRules {
			fmt.Printf(" [rule %s #%d]", r.RuleID, r.RuleIndex)
		}
		fmt.Println()
	}
	// Output:
	// DRG dinnerDecisions (Dinner Decisions), DMN 1.3
	//   decision dish "Dish" DECISION_TABLE versionTag="v2" requires [season]
	//   decision season "Season" LITERAL_EXPRESSION versionTag="" requires []
	//   decision beverages "Beverages" DECISION_TABLE versionTag="" requires [dish]
	// output: "Steak"
	//   season = "Spring"
	//   dish = "Steak" [rule r3 #3]
}

// An invalid model is rejected whole, with every problem named.
func ExampleParse_invalid() {
	_, err := dmn.Parse([]byte(`<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">
  <decision id="a" name="A">
    <decisionTable id="t" hitPolicy="SOMETIMES">
      <input id="i"><inputExpression><text>x +</text></inputExpression></input>
      <output id="o"/>
    </decisionTable>
  </decision>
</definitions>`))
	var invalid *dmn.ValidationError
	if errors.As(err, &invalid) {
		for _, p := range invalid.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// line 3: element 't': unknown hit policy "SOMETIMES"
	// line 4: element 't': invalid FEEL expression "x +": syntax error at line 1, column 4: unexpected end of expression
}

// A failed evaluation names the decision that failed (Zeebe raises it as a
// DECISION_EVALUATION_ERROR incident) and keeps what was evaluated before.
func ExampleEvaluationError() {
	model, err := dmn.Parse([]byte(`<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="D" namespace="x">
  <decision id="risk" name="Risk">
    <decisionTable id="t">
      <input id="i" label="Score"><inputExpression><text>score</text></inputExpression></input>
      <output id="o" name="risk"/>
      <rule id="low"><inputEntry><text>&lt; 50</text></inputEntry><outputEntry><text>"low"</text></outputEntry></rule>
      <rule id="small"><inputEntry><text>&lt; 10</text></inputEntry><outputEntry><text>"very low"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`))
	if err != nil {
		panic(err)
	}
	_, err = model.Evaluate(context.Background(), "risk", map[string]any{"score": 5})
	var failed *dmn.EvaluationError
	if errors.As(err, &failed) {
		fmt.Println(failed.DecisionID)
		fmt.Println(err)
	}
	// Output:
	// risk
	// failed to evaluate decision 'risk': hit policy UNIQUE: 2 rules match (low, small)
}
