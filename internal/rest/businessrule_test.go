package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestBusinessRuleTasks runs business rule tasks over HTTP: a decision
// requirements graph (beverages requires dish requires season), a version
// tag binding with output mappings, a deployment binding whose evaluation
// fails (an incident, resolved after setting variables), a missing
// decision (an incident, resolved after deploying it), a business rule
// task worked by a job worker, and a restart between deployment and
// evaluation.
func TestBusinessRuleTasks(t *testing.T) {
	dir := t.TempDir()
	e, stop := openEnvAt(t, dir)
	dep := e.deploy("decisions.bpmn", "dinner.dmn", "risk.dmn")
	if n := len(deployedOf(dep, "decisionDefinition")); n != 4 {
		t.Fatalf("deployed %d decisions", n)
	}
	stop()
	e, stop = openEnvAt(t, dir)
	defer func() { stop() }()

	pi := e.start("dinner-order", map[string]any{"month": 1, "guestCount": 4, "guestsWithChildren": true, "score": 5, "riskDecision": "risk"})

	// The risk decision fails (two rules of a UNIQUE table match): an
	// incident with Zeebe's type and message, on the task.
	incs, _ := e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(incs) != 1 || incs[0]["errorType"] != "DECISION_EVALUATION_ERROR" || incs[0]["elementId"] != "assessRisk" ||
		incs[0]["errorMessage"] != "Expected to evaluate decision 'risk', but hit policy UNIQUE: 2 rules match (low, tiny)" {
		t.Fatalf("incidents: %v", incs)
	}
	vars := variablesOf(e, pi)
	if vars["drinks"] != `["Red Wine","Apple Juice","Water"]` || vars["dishName"] != `"ROASTBEEF"` {
		t.Fatalf("variables after two decisions: %v", vars)
	}
	// Decision instances: season, dish, beverages for chooseDrinks; season
	// and dish for pickDish; the failed risk.
	inst, _ := e.search("/v2/decision-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi},
		"sort": []any{map[string]any{"field": "decisionEvaluationInstanceKey"}}})
	var got []string
	for _, i := range inst {
		got = append(got, i["decisionDefinitionId"].(string)+":"+i["state"].(string))
		if i["processDefinitionKey"] == nil || i["elementInstanceKey"] == nil || i["rootProcessInstanceKey"] != pi {
			t.Fatalf("decision instance without its process: %v", i)
		}
	}
	if strings.Join(got, ",") != "season:EVALUATED,dish:EVALUATED,beverages:EVALUATED,season:EVALUATED,dish:EVALUATED,risk:FAILED" {
		t.Fatalf("decision instances: %v", got)
	}

	// Fixed by setting a variable and resolving: evaluated again.
	e.ok(http.StatusNoContent, "PUT", "/v2/element-instances/"+pi+"/variables", map[string]any{"variables": map[string]any{"score": 70}})
	e.ok(http.StatusNoContent, "POST", "/v2/incidents/"+incs[0]["incidentKey"].(string)+"/resolution", nil)
	if vars := variablesOf(e, pi); vars["risk"] != `"high"` {
		t.Fatalf("risk after resolution: %v", vars)
	}
	risks, _ := e.search("/v2/decision-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "decisionDefinitionId": "risk"}})
	if len(risks) != 2 {
		t.Fatalf("risk evaluations: %v", risks)
	}

	// A business rule task with a task definition is still a job.
	jobs := e.activate("legacy-rules", 1)
	if len(jobs) != 1 || jobs[0]["elementId"] != "legacyRules" {
		t.Fatalf("legacy rules job: %v", jobs)
	}
	e.ok(http.StatusNoContent, "POST", "/v2/jobs/"+jobs[0]["jobKey"].(string)+"/completion", map[string]any{})
	if st := e.ok(http.StatusOK, "GET", "/v2/process-instances/"+pi, nil).obj(t)["state"]; st != "COMPLETED" {
		t.Fatalf("instance %s", st)
	}

	// A missing decision: CALLED_DECISION_ERROR; deploying it and resolving
	// completes the task, across a restart.
	pi2 := e.start("missing-decision", map[string]any{"customer": "Ada"})
	incs, _ = e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi2}})
	if len(incs) != 1 || incs[0]["errorType"] != "CALLED_DECISION_ERROR" ||
		incs[0]["errorMessage"] != "Expected to evaluate decision 'later', but no decision found for id 'later'" {
		t.Fatalf("missing decision incident: %v", incs)
	}
	e.deploy("later.dmn")
	stop()
	e, stop = openEnvAt(t, dir)
	e.ok(http.StatusNoContent, "POST", "/v2/incidents/"+incs[0]["incidentKey"].(string)+"/resolution", nil)
	if vars := variablesOf(e, pi2); vars["verdict"] != `"approved for Ada"` {
		t.Fatalf("verdict: %v", vars)
	}
	if st := e.ok(http.StatusOK, "GET", "/v2/process-instances/"+pi2, nil).obj(t)["state"]; st != "COMPLETED" {
		t.Fatalf("instance %s", st)
	}
}

// variablesOf lists a process instance's variables (JSON values by name).
func variablesOf(e *env, pi string) map[string]string {
	items, _ := e.search("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}, "page": map[string]any{"limit": 100}})
	out := map[string]string{}
	for _, it := range items {
		out[it["name"].(string)] = it["value"].(string)
	}
	return out
}

// TestBusinessRuleTaskModels: what Zeebe's validation rejects.
func TestBusinessRuleTaskModels(t *testing.T) {
	e := newEnv(t)
	model := testdata(t, "decisions.bpmn")
	for _, tc := range []struct{ from, to, want string }{
		{`decisionId="beverages" resultVariable="drinks"`, `resultVariable="drinks"`, "Attribute 'decisionId' must be present and not empty"},
		{`decisionId="beverages" resultVariable="drinks"`, `decisionId="beverages"`, "Attribute 'resultVariable' must be present and not empty"},
		{`bindingType="versionTag" versionTag="v2"`, `bindingType="versionTag"`, "Attribute 'versionTag' must be present and not empty if 'bindingType=versionTag'"},
		{`bindingType="deployment"`, `bindingType="newest"`, "bindingType 'newest'"},
	} {
		r := e.deployRaw([]string{"d.bpmn"}, map[string][]byte{"d.bpmn": []byte(strings.Replace(model, tc.from, tc.to, 1))}, "")
		e.problem(r, http.StatusBadRequest, "INVALID_ARGUMENT", tc.want)
	}
}
