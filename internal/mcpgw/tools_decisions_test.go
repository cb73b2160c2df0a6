package mcpgw_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestDecisionTools evaluates decisions and searches their instances
// through the go-sdk client, with the errors as tool errors.
func TestDecisionTools(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, f := range []string{"dinner.dmn", "risk.dmn"} {
		d := e.ok("deployResource", map[string]any{"resourceName": f, "resource": readFile(t, "testdata/"+f)})
		if !strings.Contains(text(e.call("searchDecisionDefinitions", map[string]any{})), "decisionDefinitionId") {
			t.Fatalf("deployed %s: %v", f, d)
		}
	}
	defs := items(e.ok("searchDecisionDefinitions", map[string]any{"filter": map[string]any{"decisionRequirementsId": "dinnerDecisions"},
		"sort": []any{map[string]any{"field": "name"}}}))
	if len(defs) != 3 || defs[0]["decisionDefinitionId"] != "beverages" {
		t.Fatalf("definitions: %v", defs)
	}

	// By id, with variables: the graph's required decisions come first.
	res := e.ok("evaluateDecision", map[string]any{"decisionDefinitionId": "beverages",
		"variables": map[string]any{"month": 7, "guestCount": 6, "guestsWithChildren": false}})
	if res["output"] != `["Water"]` || len(res["evaluatedDecisions"].([]any)) != 3 {
		t.Fatalf("evaluation: %v", res)
	}
	// By key (a number is accepted as well as a string).
	byKey := e.ok("evaluateDecision", map[string]any{"decisionDefinitionKey": defs[1]["decisionDefinitionKey"], "variables": map[string]any{"month": 12, "guestCount": 2}})
	if byKey["output"] != `"Roastbeef"` {
		t.Fatalf("by key: %v", byKey)
	}

	// A failed evaluation is a tool error with the result naming it.
	failed := e.call("evaluateDecision", map[string]any{"decisionDefinitionId": "risk", "variables": map[string]any{"score": 1}})
	if !failed.IsError || !strings.Contains(text(failed), `"failedDecisionDefinitionId":"risk"`) || !strings.Contains(text(failed), "UNIQUE") {
		t.Fatalf("failed evaluation: isError %v %s", failed.IsError, text(failed))
	}
	e.problem("evaluateDecision", map[string]any{"decisionDefinitionId": "nope"}, http.StatusNotFound, "NOT_FOUND", "no decision found for id 'nope'")
	e.problem("evaluateDecision", map[string]any{}, http.StatusBadRequest, "INVALID_ARGUMENT", "At least one of")

	// Decision instances: the three of the first evaluation, one failure.
	inst := items(e.ok("searchDecisionInstances", map[string]any{"filter": map[string]any{"decisionEvaluationKey": res["decisionEvaluationKey"]},
		"sort": []any{map[string]any{"field": "decisionEvaluationInstanceKey"}}}))
	if len(inst) != 3 || inst[2]["decisionDefinitionId"] != "beverages" || inst[0]["decisionDefinitionType"] != "LITERAL_EXPRESSION" {
		t.Fatalf("instances: %v", inst)
	}
	fails := items(e.ok("searchDecisionInstances", map[string]any{"filter": map[string]any{"state": "FAILED"}}))
	if len(fails) != 1 || !strings.Contains(fails[0]["evaluationFailure"].(string), "UNIQUE") {
		t.Fatalf("failed instances: %v", fails)
	}
	one := e.ok("getDecisionInstance", map[string]any{"decisionEvaluationInstanceKey": inst[1]["decisionEvaluationInstanceKey"]})
	if one["decisionDefinitionId"] != "dish" || len(one["matchedRules"].([]any)) != 1 || len(one["evaluatedInputs"].([]any)) != 2 {
		t.Fatalf("instance: %v", one)
	}
	e.problem("getDecisionInstance", map[string]any{"decisionEvaluationInstanceKey": "1-1"}, http.StatusNotFound, "NOT_FOUND", "not found")
	e.invalid("searchDecisionInstances", map[string]any{"filter": map[string]any{"evaluationDate": map[string]any{"from": "yesterday"}}},
		"filter.evaluationDate.from: 'yesterday' is not an RFC 3339 date-time (e.g. '2024-12-17T10:30:00Z').")
	// Arguments outside the schema are rejected before the call.
	if r := e.call("searchDecisionInstances", map[string]any{"filter": map[string]any{"state": "DONE"}}); !r.IsError {
		t.Fatalf("state DONE accepted: %s", text(r))
	}
}
