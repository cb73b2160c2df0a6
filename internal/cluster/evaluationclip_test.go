package cluster

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// echoDMN evaluates echo (the variable v as it is) and then pick, which
// requires it and fails: two of its rules match under UNIQUE. The failed
// evaluation's result carries echo's output, as large as v.
const echoDMN = `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="echoGraph" name="Echo" namespace="x">
<decision id="echo" name="Echo"><variable name="echo" /><literalExpression id="le"><text>v</text></literalExpression></decision>
<decision id="pick" name="Pick"><informationRequirement id="ir"><requiredDecision href="#echo" /></informationRequirement>
<decisionTable id="t" hitPolicy="UNIQUE">
<input id="i" label="length"><inputExpression id="ie" typeRef="number"><text>string length(echo)</text></inputExpression></input>
<output id="o" name="choice" typeRef="string" />
<rule id="one"><inputEntry id="e1"><text>-</text></inputEntry><outputEntry id="o1"><text>"one"</text></outputEntry></rule>
<rule id="two"><inputEntry id="e2"><text>-</text></inputEntry><outputEntry id="o2"><text>"two"</text></outputEntry></rule>
</decisionTable></decision></definitions>`

// encodeJSON encodes v as the MCP gateway answers it (no HTML escaping),
// without the encoder's newline.
func encodeJSON(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func prefix(b []byte, n int) string { return string(b[:min(n, len(b))]) }

// A failed evaluation whose result is large (an evaluated decision's
// output of about 1 MB) is recorded by its audit entry with the first 1,000
// bytes of the answer's JSON, as before, and what is encoded for it on the
// engine's writer is about that much, not the whole result: failText, the
// gateway's, is given a result whose JSON is a few hundred bytes past the
// part kept.
func TestRideAuditBoundsFailedEvaluation(t *testing.T) {
	ctx := t.Context()
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	m := NewEmbedded(eng, EmbeddedOptions{})
	if _, err := m.CreateDeployment(ctx, &DeploymentRequest{Resources: []Resource{{Name: "echo.dmn", Content: []byte(echoDMN)}}}); err != nil {
		t.Fatal(err)
	}
	v := strings.Repeat("große ✓ <&> ", 1<<16) // characters of every width, and what HTML escaping would change
	var encoded []int                          // the JSON failText encoded, bytes a call
	failText := func(err error) string {
		var df *DecisionEvaluationFailed
		if !errors.As(err, &df) {
			return err.Error()
		}
		b := encodeJSON(t, df.Result)
		encoded = append(encoded, len(b))
		return prefix(b, AuditErrorMessageMax)
	}
	entry := &store.AuditLog{EntityType: "DECISION", OperationType: "EVALUATE", InboundChannelTool: "evaluateDecision", Result: AuditSuccess}
	rctx, ride := m.RideAudit(ctx, entry, failText)
	res, err := m.EvaluateDecision(rctx, &DecisionEvaluationInstruction{DecisionDefinitionID: "pick", Variables: map[string]any{"v": v}})
	if err != nil {
		t.Fatal(err)
	}
	if rode, err := ride.Settle(ctx); !rode || err != nil {
		t.Fatalf("the entry did not ride the evaluation: %v %v", rode, err)
	}
	if res.FailureMessage == nil || len(res.EvaluatedDecisions) != 1 || len(res.EvaluatedDecisions[0].Output) < len(v) {
		t.Fatalf("the evaluation did not fail with echo's output evaluated: %.300s", encodeJSON(t, res))
	}
	answer := encodeJSON(t, res)
	e := ride.Entry()
	if e.Result != AuditFail || e.ErrorMessage != prefix(answer, AuditErrorMessageMax) {
		t.Errorf("entry %s %q, want FAIL with the answer's first %d bytes %q", e.Result, e.ErrorMessage, AuditErrorMessageMax, prefix(answer, AuditErrorMessageMax))
	}
	if e.EntityKey != res.DecisionEvaluationKey.String() {
		t.Errorf("entry names %q, want the evaluation %s", e.EntityKey, res.DecisionEvaluationKey)
	}
	t.Logf("failText encoded %v bytes of JSON for an answer of %d", encoded, len(answer))
	if len(encoded) != 1 || encoded[0] > 2*AuditErrorMessageMax {
		t.Errorf("failText encoded %v bytes of JSON for an answer of %d, want one encoding of at most %d", encoded, len(answer), 2*AuditErrorMessageMax)
	}
}

// The clipped result's JSON begins with the whole result's first n bytes
// (or is all of it), under encoding/json with and without HTML escaping,
// whatever the strings hold (multi-byte and invalid UTF-8, escapes, U+2028)
// and wherever the cut falls; and it is never longer than the whole's.
func FuzzClipEvaluationResult(f *testing.F) {
	f.Add("beverages", `"Water"`, "<default>", `{"a":"größe"}`, "failed: \u2028 <&>", uint16(1000), uint8(3))
	f.Add("d", "x\xff\xfe\"\\\n", "t", "\xe2\x82", "m", uint16(40), uint8(7))
	f.Add(strings.Repeat("é", 700), strings.Repeat("✓", 400), "", "", "", uint16(1000), uint8(1))
	f.Add("", "", "", "", "", uint16(0), uint8(0))
	f.Add("id", strings.Repeat("\x00", 300), "ten", strings.Repeat("\U0001F600", 100), "no", uint16(333), uint8(12))
	f.Fuzz(func(t *testing.T, id, output, tenant, value, message string, n uint16, count uint8) {
		build := func() *EvaluateDecisionResult {
			ruleID := id + "-rule"
			idx := int(count)
			r := &EvaluateDecisionResult{DecisionDefinitionID: id, DecisionDefinitionKey: 7, DecisionDefinitionName: value,
				DecisionEvaluationKey: 9, DecisionInstanceKey: 9, DecisionRequirementsID: tenant, EvaluatedDecisions: []EvaluatedDecisionResult{},
				FailedDecisionDefinitionID: &id, FailureMessage: &message, Output: "null", TenantID: tenant}
			for i := range int(count % 8) {
				d := EvaluatedDecisionResult{DecisionDefinitionID: id, DecisionDefinitionName: message, DecisionDefinitionType: "DECISION_TABLE",
					Output: output, TenantID: tenant, MatchedRules: []MatchedDecisionRule{}, EvaluatedInputs: []EvaluatedInput{},
					DecisionDefinitionKey: Key(i), DecisionEvaluationInstanceKey: "9-" + id}
				for range i % 3 {
					d.MatchedRules = append(d.MatchedRules, MatchedDecisionRule{RuleID: ruleID, RuleIndex: idx,
						EvaluatedOutputs: []EvaluatedOutput{{OutputID: "o", OutputName: tenant, OutputValue: value, RuleID: &ruleID, RuleIndex: &idx}}})
					d.EvaluatedInputs = append(d.EvaluatedInputs, EvaluatedInput{InputID: "i", InputName: message, InputValue: output})
				}
				r.EvaluatedDecisions = append(r.EvaluatedDecisions, d)
			}
			return r
		}
		max := int(n % 2048)
		whole, clipped := build(), build()
		clipEvaluationResult(clipped, max)
		for _, enc := range []struct {
			name   string
			encode func(any) []byte
		}{
			{"encoding/json without HTML escaping", func(v any) []byte { return encodeJSON(t, v) }},
			{"json.Marshal", func(v any) []byte {
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				return b
			}},
		} {
			w, c := enc.encode(whole), enc.encode(clipped)
			if prefix(c, max) != prefix(w, max) {
				t.Fatalf("%s: the first %d bytes of the clipped result's JSON\n%q\ndiffer from the whole's\n%q", enc.name, max, prefix(c, max), prefix(w, max))
			}
			if len(c) > len(w) {
				t.Fatalf("%s: clipped to %d bytes, longer than the whole's %d", enc.name, len(c), len(w))
			}
		}
		if *whole.FailureMessage != message || *whole.FailedDecisionDefinitionID != id {
			t.Fatal("clipping changed a string another result shares")
		}
	})
}

// BenchmarkFailedEvaluationText is the writer's work for a failed
// evaluation's audit text, the gateway's way (the result's JSON, its
// first 1,000 bytes kept), for a result carrying an evaluated decision's
// output of size bytes: the whole result encoded (before) or the result
// clipped first (clipEvaluationResult).
func BenchmarkFailedEvaluationText(b *testing.B) {
	for _, size := range []int{100, 10_000, 1_000_000} {
		ev := &engine.DecisionEvaluation{EvaluationKey: 9, Output: "null", FailedDecisionID: "pick", FailureMessage: "two rules matched",
			Decision: &store.DecisionDefinition{Key: 7, DecisionID: "pick", Name: "Pick", Version: 1, DecisionRequirementsID: "g", TenantID: "<default>"},
			Instances: []*store.DecisionInstance{{InstanceKey: "9-1", DecisionID: "echo", DecisionName: "Echo", DecisionType: "LITERAL_EXPRESSION",
				Result: `"` + strings.Repeat("x", size) + `"`, TenantID: "<default>", State: "EVALUATED"}}}
		for _, clip := range []bool{false, true} {
			name := "whole"
			if clip {
				name = "clipped"
			}
			b.Run(fmt.Sprintf("output=%d/%s", size, name), func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					r := evaluationResult(ev)
					if clip {
						clipEvaluationResult(r, AuditErrorMessageMax)
					}
					if len(prefix(encodeJSON(b, r), AuditErrorMessageMax)) == 0 {
						b.Fatal("no text")
					}
				}
			})
		}
	}
}
