package dmn

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/feel"
)

func mustParse(t testing.TB, src []byte) *Model {
	t.Helper()
	m, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDinnerDRG(t *testing.T) {
	src, err := os.ReadFile("testdata/dinner.dmn")
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, src)
	if m.ID != "dinnerDecisions" || m.Name != "Dinner Decisions" || m.Version != "1.3" {
		t.Errorf("model = %q %q %q", m.ID, m.Name, m.Version)
	}
	var ids []string
	for _, d := range m.Decisions() {
		ids = append(ids, d.ID+":"+d.Type)
	}
	if got := strings.Join(ids, " "); got != "dish:DECISION_TABLE season:LITERAL_EXPRESSION beverages:DECISION_TABLE" {
		t.Errorf("decisions = %s", got)
	}
	dish, _ := m.Decision("dish")
	if dish.VersionTag != "v2" || strings.Join(dish.RequiredDecisions, ",") != "season" {
		t.Errorf("dish: versionTag %q, requires %v", dish.VersionTag, dish.RequiredDecisions)
	}

	r, err := m.Evaluate(context.Background(), "beverages", map[string]any{"month": 1, "guestCount": 4, "guestsWithChildren": true})
	if err != nil {
		t.Fatal(err)
	}
	if got := feel.Format(r.Value); got != `["Red Wine", "Apple Juice", "Water"]` {
		t.Errorf("beverages = %s", got)
	}
	if out, ok := r.Output().([]any); !ok || len(out) != 3 || out[0] != "Red Wine" {
		t.Errorf("JSON output = %#v", r.Output())
	}
	var order []string
	for _, d := range r.Decisions {
		order = append(order, d.DecisionID+"="+feel.Format(d.Value))
	}
	if got := strings.Join(order, " "); got != `season=Winter dish=Roastbeef beverages=["Red Wine", "Apple Juice", "Water"]` {
		t.Errorf("evaluated decisions = %s", got)
	}
	d := r.Decisions[1]
	if len(d.EvaluatedInputs) != 2 || d.EvaluatedInputs[0].InputID != "inSeason" || d.EvaluatedInputs[0].InputName != "Season" ||
		feel.Format(d.EvaluatedInputs[0].Value) != "Winter" || feel.Format(d.EvaluatedInputs[1].Value) != "4" {
		t.Errorf("dish inputs = %+v", d.EvaluatedInputs)
	}
	// FIRST: only the first matching rule is recorded, though r2 and r4 match too
	if len(d.MatchedRules) != 1 || d.MatchedRules[0].RuleID != "r1" || d.MatchedRules[0].RuleIndex != 1 ||
		d.MatchedRules[0].EvaluatedOutputs[0].OutputID != "outDish" || d.MatchedRules[0].EvaluatedOutputs[0].OutputName != "dish" {
		t.Errorf("dish matched rules = %+v", d.MatchedRules)
	}
	bev := r.Decisions[2]
	var rules []string
	for _, mr := range bev.MatchedRules {
		rules = append(rules, fmt.Sprintf("%s#%d", mr.RuleID, mr.RuleIndex))
	}
	if got := strings.Join(rules, " "); got != "b1#1 b3#3 b4#4" {
		t.Errorf("beverages matched rules = %s", got)
	}

	// the last rule computes its output from the variables
	r, err = m.Evaluate(context.Background(), "dish", map[string]any{"month": 7, "guestCount": 12})
	if err != nil {
		t.Fatal(err)
	}
	if got := feel.Format(r.Value); got != "Salad for 12" {
		t.Errorf("summer dish = %s", got)
	}
	if _, err := m.Evaluate(context.Background(), "nope", nil); !errors.Is(err, ErrNoDecision) {
		t.Errorf("unknown decision: %v", err)
	}
}

// table builds a one-decision model around a decision table with inputs
// x (and y) and the given outputs and rules ("<in>|<in>=><out>|<out>").
func table(hit, agg string, outputs []string, rules ...string) []byte {
	var b strings.Builder
	b.WriteString(`<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="T" namespace="t">
<decision id="d" name="D"><decisionTable id="dt"`)
	if hit != "" {
		fmt.Fprintf(&b, ` hitPolicy="%s"`, hit)
	}
	if agg != "" {
		fmt.Fprintf(&b, ` aggregation="%s"`, agg)
	}
	b.WriteString(">\n<input id=\"ix\" label=\"X\"><inputExpression><text>x</text></inputExpression></input>\n")
	for i, o := range outputs {
		// name[:values][=default]
		name, def, _ := strings.Cut(o, "=")
		name, values, _ := strings.Cut(name, ":")
		fmt.Fprintf(&b, `<output id="o%d" name="%s">`, i, name)
		if values != "" {
			fmt.Fprintf(&b, `<outputValues><text>%s</text></outputValues>`, values)
		}
		if def != "" {
			fmt.Fprintf(&b, `<defaultOutputEntry><text>%s</text></defaultOutputEntry>`, def)
		}
		b.WriteString("</output>\n")
	}
	for i, r := range rules {
		in, out, _ := strings.Cut(r, "=>")
		fmt.Fprintf(&b, `<rule id="r%d"><inputEntry><text>%s</text></inputEntry>`, i+1, xmlEscape(in))
		for _, o := range strings.Split(out, "|") {
			fmt.Fprintf(&b, `<outputEntry><text>%s</text></outputEntry>`, xmlEscape(o))
		}
		b.WriteString("</rule>\n")
	}
	b.WriteString("</decisionTable></decision></definitions>")
	return []byte(b.String())
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func TestHitPolicies(t *testing.T) {
	tests := []struct {
		name    string
		hit     string
		agg     string
		outputs []string
		rules   []string
		x       any
		want    string // formatted result, or "error: <substring>"
		matched string // matched rule ids
	}{
		{"unique one match", "", "", []string{"a"}, []string{`< 5=>"low"`, `>= 5=>"high"`}, 3, "low", "r1"},
		{"unique no match is null", "UNIQUE", "", []string{"a"}, []string{`< 5=>"low"`}, 7, "null", ""},
		{"unique violated", "UNIQUE", "", []string{"a"}, []string{`< 5=>"low"`, `< 9=>"mid"`}, 3, "error: UNIQUE", ""},
		{"first", "FIRST", "", []string{"a"}, []string{`> 9=>"big"`, `< 5=>"low"`, `< 9=>"mid"`}, 3, "low", "r2"},
		{"any equal outputs", "ANY", "", []string{"a"}, []string{`< 5=>"ok"`, `< 9=>"ok"`}, 3, "ok", "r1 r2"},
		{"any different outputs", "ANY", "", []string{"a"}, []string{`< 5=>"ok"`, `< 9=>"no"`}, 3, "error: ANY", ""},
		{"priority", "PRIORITY", "", []string{`a:"high","mid","low"`}, []string{`< 5=>"low"`, `< 9=>"mid"`, `> 9=>"high"`}, 3, "mid", "r1 r2"},
		{"output order", "OUTPUT ORDER", "", []string{`a:"high","mid","low"`}, []string{`< 5=>"low"`, `-=>"high"`, `< 9=>"mid"`}, 3, `["high", "mid", "low"]`, "r1 r2 r3"},
		{"rule order", "RULE ORDER", "", []string{"a"}, []string{`< 5=>"low"`, `-=>"any"`, `> 9=>"big"`}, 3, `["low", "any"]`, "r1 r2"},
		{"collect", "COLLECT", "", []string{"a"}, []string{`< 5=>1`, `-=>2`, `< 9=>3`}, 3, `[1, 2, 3]`, "r1 r2 r3"},
		{"collect none is null (as Camunda)", "COLLECT", "", []string{"a"}, []string{`< 0=>1`}, 3, `null`, ""},
		{"rule order none is null", "RULE ORDER", "", []string{"a"}, []string{`< 0=>1`}, 3, `null`, ""},
		{"collect sum of a non-number fails", "COLLECT", "SUM", []string{"a"}, []string{`-=>1`, `-=>"x"`}, 3, "error: not a number", ""},
		{"collect max of null fails", "COLLECT", "MAX", []string{"a"}, []string{`-=>1`, `-=>null`}, 3, "error: not a number", ""},
		{"collect sum", "COLLECT", "SUM", []string{"a"}, []string{`< 5=>1.5`, `-=>2`, `> 9=>3`}, 3, "3.5", "r1 r2"},
		{"collect min", "COLLECT", "MIN", []string{"a"}, []string{`< 5=>7`, `-=>2`, `< 9=>3`}, 3, "2", "r1 r2 r3"},
		{"collect max", "COLLECT", "MAX", []string{"a"}, []string{`< 5=>7`, `-=>2`, `< 9=>3`}, 3, "7", "r1 r2 r3"},
		{"collect count", "COLLECT", "COUNT", []string{"a"}, []string{`< 5=>7`, `-=>2`, `> 9=>3`}, 3, "2", "r1 r2"},
		{"collect count none is null", "COLLECT", "COUNT", []string{"a"}, []string{`< 0=>7`}, 3, "null", ""},
		{"collect count counts nulls", "COLLECT", "COUNT", []string{"a"}, []string{`-=>null`, `-=>1`}, 3, "2", "r1 r2"},
		{"collect sum none is null", "COLLECT", "SUM", []string{"a"}, []string{`< 0=>7`}, 3, "null", ""},
		{"default output", "UNIQUE", "", []string{`a="none"`}, []string{`< 0=>"neg"`}, 3, "none", ""},
		{"several outputs make a context", "FIRST", "", []string{"a", "b"}, []string{`< 5=>"low"|x * 2`}, 3, `{a:"low", b:6}`, "r1"},
		{"one default of several outputs is the value (as Camunda)", "FIRST", "", []string{`a="d"`, "b"}, []string{`< 0=>"neg"|1`}, 3, `d`, ""},
		{"several defaults make a context", "COLLECT", "", []string{`a="d"`, "b", `c=1`}, []string{`< 0=>"neg"|1|2`}, 3, `{a:"d", c:1}`, ""},
		{"output values only order outputs (as Camunda)", "UNIQUE", "", []string{`a:"yes","no"`}, []string{`-=>"maybe"`}, 3, "maybe", "r1"},
		{"unary test forms", "RULE ORDER", "", []string{"a"}, []string{`[1..5]=>"range"`, `1, 3=>"list"`, `not(3)=>"not"`, `? > 2=>"q"`, `null=>"null"`}, 3, `["range", "list", "q"]`, "r1 r2 r4"},
		{"null input", "FIRST", "", []string{"a"}, []string{`null=>"null"`, `-=>"any"`}, nil, "null", "r1"},
		{"strings", "FIRST", "", []string{"a"}, []string{`"b"=>1`, `"a","c"=>2`}, "c", "2", "r2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := mustParse(t, table(tt.hit, tt.agg, tt.outputs, tt.rules...))
			r, err := m.Evaluate(context.Background(), "d", map[string]any{"x": tt.x})
			if want, isErr := strings.CutPrefix(tt.want, "error: "); isErr {
				var ee *EvaluationError
				if !errors.As(err, &ee) || ee.DecisionID != "d" || !strings.Contains(err.Error(), want) {
					t.Fatalf("err = %v, want an evaluation error of 'd' with %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := feel.Format(r.Value); got != tt.want {
				t.Errorf("result = %s, want %s", got, tt.want)
			}
			var ids []string
			for _, mr := range r.Decisions[0].MatchedRules {
				ids = append(ids, mr.RuleID)
			}
			if got := strings.Join(ids, " "); got != tt.matched {
				t.Errorf("matched = %q, want %q", got, tt.matched)
			}
		})
	}
}

func TestInputValues(t *testing.T) {
	src := `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="T" namespace="t">
<decision id="d" name="D"><decisionTable id="dt">
<input id="i"><inputExpression><text>color</text></inputExpression><inputValues><text>"red","green"</text></inputValues></input>
<output id="o" name="out"/>
<rule id="r1"><inputEntry><text>"red"</text></inputEntry><outputEntry><text>"stop"</text></outputEntry></rule>
<rule id="r2"><inputEntry><text>"green"</text></inputEntry><outputEntry><text>"go"</text></outputEntry></rule>
</decisionTable></decision></definitions>`
	m := mustParse(t, []byte(src))
	if r, err := m.Evaluate(context.Background(), "d", map[string]any{"color": "green"}); err != nil || feel.Format(r.Value) != "go" {
		t.Fatalf("green: %v %v", r, err)
	}
	// as in Camunda (dmn-scala), input values are a modelling aid: a value
	// outside them matches no rule instead of failing the evaluation
	r, err := m.Evaluate(context.Background(), "d", map[string]any{"color": "blue"})
	if err != nil || feel.Format(r.Value) != "null" || len(r.Decisions[0].MatchedRules) != 0 {
		t.Fatalf("blue: %v %v", r, err)
	}
}

func TestValidationNamesEveryProblem(t *testing.T) {
	src := `<?xml version="1.0"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="Bad" namespace="t">
  <decision id="a" name="A">
    <informationRequirement id="ir1"><requiredDecision href="#missing"/></informationRequirement>
    <decisionTable id="dtA" hitPolicy="SOMETIMES">
      <input id="in1"><inputExpression><text>x</text></inputExpression></input>
      <output id="out1"/>
      <rule id="rule1">
        <inputEntry id="ie1"><text>[1..</text></inputEntry>
        <outputEntry id="oe1"><text>1</text></outputEntry>
      </rule>
      <rule id="rule2">
        <inputEntry id="ie2"><text>-</text></inputEntry>
        <inputEntry id="ie3"><text>-</text></inputEntry>
        <outputEntry id="oe2"><text>2</text></outputEntry>
      </rule>
    </decisionTable>
  </decision>
  <decision id="b" name="B">
    <informationRequirement id="ir2"><requiredDecision href="#c"/></informationRequirement>
    <literalExpression id="leB"><text>1 +</text></literalExpression>
  </decision>
  <decision id="c" name="C">
    <informationRequirement id="ir3"><requiredDecision href="#b"/></informationRequirement>
    <literalExpression id="leC" expressionLanguage="juel"><text>${x}</text></literalExpression>
  </decision>
  <inputData id="a" name="dup"/>
</definitions>`
	_, err := Parse([]byte(src))
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a ValidationError", err)
	}
	want := []struct {
		id   string
		line int
		msg  string
	}{
		{"a", 27, "id 'a' is also used by the element on line 3"},
		{"ir1", 4, "unknown decision '#missing'"},
		{"dtA", 5, `unknown hit policy "SOMETIMES"`},
		{"ie1", 9, "invalid FEEL unary tests"},
		{"rule2", 12, "rule 2 has 2 input entries for 1 inputs"},
		{"leB", 21, "invalid FEEL expression"},
		{"leC", 25, `expression language "juel"`},
		{"c", 23, "cycle"},
	}
	for _, w := range want {
		found := false
		for _, p := range ve.Problems {
			if p.ElementID == w.id && p.Line == w.line && strings.Contains(p.Message, w.msg) {
				found = true
			}
		}
		if !found {
			t.Errorf("no problem for %s (line %d) with %q in:\n%s", w.id, w.line, w.msg, strings.ReplaceAll(err.Error(), "; ", "\n"))
		}
	}
	if strings.Contains(err.Error(), "line 1:") {
		t.Errorf("problem placed on line 1: %v", err)
	}
}

func TestParseRejects(t *testing.T) {
	deep := strings.Repeat("<context><contextEntry>", 150) + strings.Repeat("</contextEntry></context>", 150)
	for name, src := range map[string]string{
		"malformed XML":                  `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"><decision`,
		"not DMN":                        `<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="x"/>`,
		"wrong root":                     `<decision xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x"/>`,
		"empty":                          ``,
		"nested too deeply":              `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x"><decision id="d" name="d">` + deep + `</decision></definitions>`,
		"decision without id":            `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x"><decision name="d"/></definitions>`,
		"aggregation without collect":    string(table("FIRST", "SUM", []string{"a"}, `-=>1`)),
		"priority without output values": string(table("PRIORITY", "", []string{"a"}, `-=>1`)),
	} {
		if _, err := Parse([]byte(src)); err == nil {
			t.Errorf("%s: parsed", name)
		} else if !strings.HasPrefix(err.Error(), "invalid DMN model") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDMNVersions(t *testing.T) {
	for ns, version := range map[string]string{
		"http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
		"http://www.omg.org/spec/DMN/20180521/MODEL/":  "1.2",
		"https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
		"https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
		"https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
		"http://www.omg.org/spec/DMN/20191111/MODEL/":  "1.3",
	} {
		src := strings.Replace(string(table("FIRST", "", []string{"a"}, `< 5=>"low"`, `-=>"high"`)), "https://www.omg.org/spec/DMN/20191111/MODEL/", ns, 1)
		m, err := Parse([]byte(src))
		if err != nil {
			t.Errorf("%s: %v", ns, err)
			continue
		}
		if m.Version != version {
			t.Errorf("%s: version %s, want %s", ns, m.Version, version)
		}
		r, err := m.Evaluate(context.Background(), "d", map[string]any{"x": 9})
		if err != nil || feel.Format(r.Value) != "high" {
			t.Errorf("%s: %v %v", ns, r, err)
		}
	}
}

const bkmModel = `<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="defs" name="BKM" namespace="t">
  <businessKnowledgeModel id="fact" name="factorial">
    <encapsulatedLogic>
      <formalParameter name="n" typeRef="number"/>
      <literalExpression><text>if n &lt;= 1 then 1 else n * factorial(n - 1)</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <businessKnowledgeModel id="loop" name="forever">
    <encapsulatedLogic>
      <formalParameter name="n"/>
      <literalExpression><text>forever(n + 1)</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <businessKnowledgeModel id="twice" name="twice">
    <encapsulatedLogic>
      <formalParameter name="n"/>
      <literalExpression><text>if n &gt; 60 then 1 else twice(n + 1) + twice(n + 1)</text></literalExpression>
    </encapsulatedLogic>
  </businessKnowledgeModel>
  <decision id="exp" name="Exp">
    <knowledgeRequirement><requiredKnowledge href="#twice"/></knowledgeRequirement>
    <literalExpression><text>twice(0)</text></literalExpression>
  </decision>
  <decision id="f" name="F">
    <knowledgeRequirement><requiredKnowledge href="#fact"/></knowledgeRequirement>
    <invocation>
      <literalExpression><text>factorial</text></literalExpression>
      <binding><parameter name="n"/><literalExpression><text>k</text></literalExpression></binding>
    </invocation>
  </decision>
  <decision id="ctx" name="Ctx">
    <knowledgeRequirement><requiredKnowledge href="#fact"/></knowledgeRequirement>
    <context>
      <contextEntry><variable name="a"/><literalExpression><text>k + 1</text></literalExpression></contextEntry>
      <contextEntry><variable name="double"/><functionDefinition><formalParameter name="v"/><literalExpression><text>v * 2</text></literalExpression></functionDefinition></contextEntry>
      <contextEntry><variable name="rows"/><relation>
        <column name="n"/><column name="fact"/>
        <row><literalExpression><text>a</text></literalExpression><literalExpression><text>factorial(a)</text></literalExpression></row>
        <row><literalExpression><text>double(a)</text></literalExpression><literalExpression><text>factorial(double(a))</text></literalExpression></row>
      </relation></contextEntry>
      <contextEntry><variable name="list"/><list>
        <literalExpression><text>1</text></literalExpression>
        <literalExpression><text>a</text></literalExpression>
      </list></contextEntry>
    </context>
  </decision>
  <decision id="inf" name="Inf">
    <knowledgeRequirement><requiredKnowledge href="#loop"/></knowledgeRequirement>
    <literalExpression><text>forever(0)</text></literalExpression>
  </decision>
</definitions>`

func TestBoxedExpressionsAndKnowledge(t *testing.T) {
	m := mustParse(t, []byte(bkmModel))
	r, err := m.Evaluate(context.Background(), "f", map[string]any{"k": 5})
	if err != nil || feel.Format(r.Value) != "120" {
		t.Fatalf("factorial(5) = %v, %v", r, err)
	}
	r, err = m.Evaluate(context.Background(), "ctx", map[string]any{"k": 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := feel.Format(r.Value); got != `{a:3, double:function(v), rows:[{n:3, fact:6}, {n:6, fact:720}], list:[1, 3]}` {
		t.Errorf("context = %s", got)
	}
	// unbounded recursion fails the evaluation instead of the process
	_, err = m.Evaluate(context.Background(), "inf", nil)
	if !errors.Is(err, feel.ErrLimitExceeded) {
		t.Errorf("endless recursion: %v", err)
	}
	// 2^60 calls are cut off by the call budget
	_, err = m.Evaluate(context.Background(), "exp", nil)
	if !errors.Is(err, feel.ErrLimitExceeded) || !strings.Contains(err.Error(), "function calls") {
		t.Errorf("exponential recursion: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err = m.Evaluate(ctx, "exp", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled recursion: %v", err)
	}
}

func TestCancelled(t *testing.T) {
	m := mustParse(t, table("FIRST", "", []string{"a"}, `-=>1`))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := m.Evaluate(ctx, "d", nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled evaluation: %v", err)
	}
}

func TestConcurrentEvaluate(t *testing.T) {
	src, err := os.ReadFile("testdata/dinner.dmn")
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, src)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				r, err := m.Evaluate(context.Background(), "dish", map[string]any{"month": 3, "guestCount": 5 + g%4})
				if err != nil {
					errs <- err
					return
				}
				if feel.Format(r.Value) != "Steak" {
					errs <- fmt.Errorf("got %s", feel.Format(r.Value))
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestEvaluatedJSON(t *testing.T) {
	src, err := os.ReadFile("testdata/dinner.dmn")
	if err != nil {
		t.Fatal(err)
	}
	m := mustParse(t, src)
	r, err := m.Evaluate(context.Background(), "dish", map[string]any{"month": 10, "guestCount": 2.5})
	if err != nil {
		t.Fatal(err)
	}
	e := r.Decisions[1].Evaluated()
	if len(e.EvaluatedInputs) != 2 || e.EvaluatedInputs[0].InputValue != `"Fall"` || e.EvaluatedInputs[1].InputValue != "2.5" {
		t.Errorf("evaluated inputs = %+v", e.EvaluatedInputs)
	}
	if len(e.MatchedRules) != 1 || e.MatchedRules[0].EvaluatedOutputs[0].OutputValue != `"Stew"` || e.Output != `"Stew"` {
		t.Errorf("evaluated = %+v", e)
	}
	if lit := r.Decisions[0].Evaluated(); lit.DecisionType != "LITERAL_EXPRESSION" || lit.EvaluatedInputs == nil || lit.MatchedRules == nil {
		t.Errorf("literal decision = %+v (lists must be empty, not null)", lit)
	}
	if got := JSON(feel.String("<a&b>")); got != `"<a&b>"` {
		t.Errorf("JSON escapes HTML: %s", got)
	}
	cx := feel.NewContext(feel.Entry{Key: "n", Value: feel.IntNumber(1)}, feel.Entry{Key: "l", Value: feel.List{feel.Null{}}})
	if got := JSON(cx); got != `{"l":[null],"n":1}` {
		t.Errorf("JSON(context) = %s", got)
	}
}
