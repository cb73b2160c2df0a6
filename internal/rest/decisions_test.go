package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// deployedOf lists the entries of one kind of a deployment answer.
func deployedOf(dep map[string]any, kind string) []map[string]any {
	var out []map[string]any
	for _, d := range dep["deployments"].([]any) {
		entry := d.(map[string]any)
		if x, ok := entry[kind].(map[string]any); ok {
			out = append(out, x)
		}
	}
	return out
}

func byID(items []map[string]any, field, id string) map[string]any {
	for _, it := range items {
		if it[field] == id {
			return it
		}
	}
	return nil
}

// TestDecisionDeployment deploys a DMN model beside BPMN, again unchanged,
// changed, and broken, across a restart.
func TestDecisionDeployment(t *testing.T) {
	dir := t.TempDir()
	e, stop := openEnvAt(t, dir)
	dinner := testdata(t, "dinner.dmn")

	dep := e.deployRaw([]string{"dinner.dmn", "service.bpmn"}, map[string][]byte{"dinner.dmn": []byte(dinner), "service.bpmn": []byte(testdata(t, "service.bpmn"))}, "")
	if dep.status != http.StatusOK {
		t.Fatalf("deploy: %d %s", dep.status, dep.body)
	}
	d1 := dep.obj(t)
	decs, drgs := deployedOf(d1, "decisionDefinition"), deployedOf(d1, "decisionRequirements")
	if len(decs) != 3 || len(drgs) != 1 || len(deployedOf(d1, "processDefinition")) != 1 {
		t.Fatalf("deployment lists %d decisions, %d graphs: %s", len(decs), len(drgs), dep.body)
	}
	for _, entry := range d1["deployments"].([]any) {
		requireFields(t, entry.(map[string]any), "processDefinition", "decisionDefinition", "decisionRequirements", "form", "resource")
	}
	dish := byID(decs, "decisionDefinitionId", "dish")
	if dish == nil || dish["name"] != "Dish" || dish["version"] != 1.0 || dish["decisionRequirementsId"] != "dinnerDecisions" ||
		dish["decisionRequirementsKey"] != drgs[0]["decisionRequirementsKey"] || dish["tenantId"] != "<default>" {
		t.Fatalf("dish: %v", dish)
	}
	if drgs[0]["decisionRequirementsName"] != "Dinner Decisions" || drgs[0]["resourceName"] != "dinner.dmn" || drgs[0]["version"] != 1.0 {
		t.Fatalf("graph: %v", drgs[0])
	}

	// Unchanged: no new version, the same keys.
	d2 := e.deployRaw([]string{"dinner.dmn"}, map[string][]byte{"dinner.dmn": []byte(dinner)}, "").obj(t)
	again := byID(deployedOf(d2, "decisionDefinition"), "decisionDefinitionId", "dish")
	if again["decisionDefinitionKey"] != dish["decisionDefinitionKey"] || again["version"] != 1.0 {
		t.Fatalf("unchanged redeployment made a new version: %v", again)
	}

	// Changed: version 2 of the graph and of every decision in it.
	changed := strings.Replace(dinner, `"Stew"`, `"Goulash"`, 1)
	d3 := e.deployRaw([]string{"dinner.dmn"}, map[string][]byte{"dinner.dmn": []byte(changed)}, "").obj(t)
	v2 := byID(deployedOf(d3, "decisionDefinition"), "decisionDefinitionId", "dish")
	if v2["version"] != 2.0 || v2["decisionDefinitionKey"] == dish["decisionDefinitionKey"] || deployedOf(d3, "decisionRequirements")[0]["version"] != 2.0 {
		t.Fatalf("changed model: %v", d3)
	}

	// Broken: the whole deployment is rejected, every problem named, nothing stored.
	r := e.deployRaw([]string{"broken.dmn", "service.bpmn"}, map[string][]byte{"broken.dmn": []byte(testdata(t, "broken.dmn")),
		"service.bpmn": []byte(strings.Replace(testdata(t, "service.bpmn"), "<bpmn:process ", "<bpmn:process name=\"x\" ", 1))}, "")
	e.problem(r, http.StatusBadRequest, "INVALID_ARGUMENT", "'broken.dmn'")
	for _, want := range []string{"1 +", "nowhere"} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("the rejection does not name %q: %s", want, r.body)
		}
	}
	// Two resources with the same decision id in one deployment.
	r = e.deployRaw([]string{"a.dmn", "b.dmn"}, map[string][]byte{"a.dmn": []byte(dinner), "b.dmn": []byte(strings.Replace(dinner, `id="dinnerDecisions"`, `id="other"`, 1))}, "")
	e.problem(r, http.StatusBadRequest, "INVALID_ARGUMENT", "Expected the decision ids to be unique within a deployment but found a duplicated id 'dish'")
	if items, _ := e.search("/v2/decision-requirements/search", map[string]any{}); len(items) != 2 {
		t.Fatalf("rejected deployments stored graphs: %v", items)
	}

	// Durable: after a restart the definitions are there and evaluate.
	stop()
	e, stop = openEnvAt(t, dir)
	defer stop()
	items, _ := e.search("/v2/decision-definitions/search", map[string]any{"filter": map[string]any{"decisionDefinitionId": "dish"}, "sort": []any{map[string]any{"field": "version"}}})
	if len(items) != 2 || items[0]["version"] != 1.0 || items[1]["version"] != 2.0 {
		t.Fatalf("dish versions after restart: %v", items)
	}
	res := e.ok(http.StatusOK, "POST", "/v2/decision-definitions/evaluation", map[string]any{
		"decisionDefinitionId": "dish", "variables": map[string]any{"month": 11, "guestCount": 3}}).obj(t)
	if res["output"] != `"Goulash"` || res["decisionDefinitionVersion"] != 2.0 {
		t.Fatalf("evaluation after restart: %v", res)
	}
	// And a redeployment of the unchanged latest keeps version 2.
	d4 := e.deployRaw([]string{"dinner.dmn"}, map[string][]byte{"dinner.dmn": []byte(changed)}, "").obj(t)
	if v := byID(deployedOf(d4, "decisionDefinition"), "decisionDefinitionId", "dish"); v["version"] != 2.0 || v["decisionDefinitionKey"] != v2["decisionDefinitionKey"] {
		t.Fatalf("unchanged redeployment after restart: %v", v)
	}
}

// TestDecisionREST covers the decision endpoints: searches, gets, XML,
// evaluation by id and by key, and decision instances.
func TestDecisionREST(t *testing.T) {
	e := newEnv(t)
	dep := e.deploy("dinner.dmn")
	decs := deployedOf(dep, "decisionDefinition")
	drg := deployedOf(dep, "decisionRequirements")[0]
	bev := byID(decs, "decisionDefinitionId", "beverages")
	bevKey := bev["decisionDefinitionKey"].(string)
	drgKey := drg["decisionRequirementsKey"].(string)

	// Definitions and requirements.
	got := e.ok(http.StatusOK, "GET", "/v2/decision-definitions/"+bevKey, nil).obj(t)
	requireFields(t, got, "decisionDefinitionId", "decisionDefinitionKey", "decisionRequirementsId", "decisionRequirementsKey",
		"decisionRequirementsName", "decisionRequirementsVersion", "name", "tenantId", "version")
	if len(got) != 9 || got["name"] != "Beverages" || got["decisionRequirementsName"] != "Dinner Decisions" {
		t.Fatalf("decision definition: %v", got)
	}
	xml := e.ok(http.StatusOK, "GET", "/v2/decision-definitions/"+bevKey+"/xml", nil)
	if !strings.Contains(string(xml.body), `id="dinnerDecisions"`) || !strings.HasPrefix(xml.header.Get("Content-Type"), "text/xml") {
		t.Fatalf("decision XML: %s", xml.body)
	}
	e.ok(http.StatusOK, "GET", "/v2/decision-requirements/"+drgKey+"/xml", nil)
	gotDRG := e.ok(http.StatusOK, "GET", "/v2/decision-requirements/"+drgKey, nil).obj(t)
	if len(gotDRG) != 6 || gotDRG["decisionRequirementsId"] != "dinnerDecisions" || gotDRG["resourceName"] != "dinner.dmn" {
		t.Fatalf("decision requirements: %v", gotDRG)
	}
	e.problem(e.do("GET", "/v2/decision-definitions/1", nil), http.StatusNotFound, "NOT_FOUND", "Decision definition with key '1' not found")
	e.problem(e.do("GET", "/v2/decision-requirements/1/xml", nil), http.StatusNotFound, "NOT_FOUND", "not found")
	items, page := e.search("/v2/decision-definitions/search", map[string]any{
		"filter": map[string]any{"decisionRequirementsKey": drgKey, "isLatestVersion": true},
		"sort":   []any{map[string]any{"field": "name", "order": "DESC"}}, "page": map[string]any{"limit": 2}})
	if strings.Join(keysOf(items, "decisionDefinitionId"), ",") != "season,dish" || page["totalItems"] != 3.0 {
		t.Fatalf("search: %v %v", keysOf(items, "decisionDefinitionId"), page)
	}
	next, _ := e.search("/v2/decision-definitions/search", map[string]any{
		"filter": map[string]any{"decisionRequirementsKey": drgKey},
		"sort":   []any{map[string]any{"field": "name", "order": "DESC"}}, "page": map[string]any{"limit": 2, "after": page["endCursor"]}})
	if strings.Join(keysOf(next, "decisionDefinitionId"), ",") != "beverages" {
		t.Fatalf("next page: %v", keysOf(next, "decisionDefinitionId"))
	}
	e.problem(e.do("POST", "/v2/decision-definitions/search", map[string]any{"sort": []any{map[string]any{"field": "nope"}}}),
		http.StatusBadRequest, "INVALID_ARGUMENT", "nope")
	if items, _ := e.search("/v2/decision-requirements/search", map[string]any{"filter": map[string]any{"resourceName": "dinner.dmn"}}); len(items) != 1 {
		t.Fatalf("requirements search: %v", items)
	}

	// Evaluation of a decision with two required decisions, by key.
	res := e.ok(http.StatusOK, "POST", "/v2/decision-definitions/evaluation", map[string]any{
		"decisionDefinitionKey": bevKey, "variables": map[string]any{"month": 1, "guestCount": 4, "guestsWithChildren": true}}).obj(t)
	requireFields(t, res, "decisionDefinitionId", "decisionDefinitionKey", "decisionDefinitionName", "decisionDefinitionVersion",
		"decisionEvaluationKey", "decisionInstanceKey", "decisionRequirementsId", "decisionRequirementsKey", "evaluatedDecisions",
		"failedDecisionDefinitionId", "failureMessage", "output", "tenantId")
	if res["output"] != `["Red Wine","Apple Juice","Water"]` || res["failureMessage"] != nil || res["decisionDefinitionKey"] != bevKey {
		t.Fatalf("evaluation: %v", res)
	}
	evaluated := res["evaluatedDecisions"].([]any)
	if len(evaluated) != 3 {
		t.Fatalf("evaluated decisions: %v", evaluated)
	}
	var order []string
	for _, x := range evaluated {
		order = append(order, x.(map[string]any)["decisionDefinitionId"].(string))
	}
	if strings.Join(order, ",") != "season,dish,beverages" {
		t.Fatalf("evaluation order %v", order)
	}
	dishEval := evaluated[1].(map[string]any)
	evalKey := res["decisionEvaluationKey"].(string)
	if dishEval["decisionEvaluationInstanceKey"] != evalKey+"-2" || dishEval["output"] != `"Roastbeef"` || dishEval["decisionDefinitionType"] != "DECISION_TABLE" {
		t.Fatalf("dish evaluated: %v", dishEval)
	}
	inputs := dishEval["evaluatedInputs"].([]any)
	if len(inputs) != 2 || inputs[0].(map[string]any)["inputValue"] != `"Winter"` || inputs[1].(map[string]any)["inputName"] != "How many guests" {
		t.Fatalf("dish inputs: %v", inputs)
	}
	rules := dishEval["matchedRules"].([]any)
	rule := rules[0].(map[string]any)
	out := rule["evaluatedOutputs"].([]any)[0].(map[string]any)
	if len(rules) != 1 || rule["ruleId"] != "r1" || rule["ruleIndex"] != 1.0 || out["outputValue"] != `"Roastbeef"` || out["ruleId"] != "r1" {
		t.Fatalf("dish rules: %v", rules)
	}

	// By id, a decision that fails: a result naming the failure, recorded.
	e.deploy("risk.dmn")
	bad := e.ok(http.StatusOK, "POST", "/v2/decision-definitions/evaluation", map[string]any{
		"decisionDefinitionId": "risk", "variables": map[string]any{"score": 5}}).obj(t)
	if bad["failedDecisionDefinitionId"] != "risk" || bad["failureMessage"] != "Expected to evaluate decision 'risk', but hit policy UNIQUE: 2 rules match (low, tiny)" ||
		len(bad["evaluatedDecisions"].([]any)) != 0 || bad["output"] != "null" {
		t.Fatalf("failed evaluation: %v", bad)
	}
	failed, _ := e.search("/v2/decision-instances/search", map[string]any{"filter": map[string]any{"state": "FAILED"}})
	if len(failed) != 1 || failed[0]["decisionDefinitionId"] != "risk" || failed[0]["evaluationFailure"] != bad["failureMessage"] ||
		failed[0]["decisionEvaluationKey"] != bad["decisionEvaluationKey"] {
		t.Fatalf("failed decision instance: %v", failed)
	}
	// Unknown decision, neither or both of id and key.
	e.problem(e.do("POST", "/v2/decision-definitions/evaluation", map[string]any{"decisionDefinitionId": "nope"}),
		http.StatusNotFound, "NOT_FOUND", "Expected to evaluate decision 'nope', but no decision found for id 'nope'")
	e.problem(e.do("POST", "/v2/decision-definitions/evaluation", map[string]any{"variables": map[string]any{}}),
		http.StatusBadRequest, "INVALID_ARGUMENT", "decisionDefinitionId")
	e.problem(e.do("POST", "/v2/decision-definitions/evaluation", map[string]any{"decisionDefinitionId": "dish", "decisionDefinitionKey": bevKey}),
		http.StatusBadRequest, "INVALID_ARGUMENT", "Only one of")

	// Decision instances: the three of the first evaluation, with details.
	inst, ipage := e.search("/v2/decision-instances/search", map[string]any{
		"filter": map[string]any{"decisionEvaluationKey": evalKey}, "sort": []any{map[string]any{"field": "decisionEvaluationInstanceKey"}}})
	if len(inst) != 3 || ipage["totalItems"] != 3.0 || inst[2]["decisionDefinitionId"] != "beverages" {
		t.Fatalf("decision instances: %v", inst)
	}
	requireFields(t, inst[0], "decisionDefinitionId", "decisionDefinitionKey", "decisionDefinitionName", "decisionDefinitionType",
		"decisionDefinitionVersion", "decisionEvaluationInstanceKey", "decisionEvaluationKey", "elementInstanceKey", "evaluationDate",
		"evaluationFailure", "processDefinitionKey", "processInstanceKey", "result", "rootDecisionDefinitionKey",
		"rootProcessInstanceKey", "state", "tenantId")
	if len(inst[0]) != 17 || inst[0]["rootDecisionDefinitionKey"] != bevKey || inst[0]["state"] != "EVALUATED" || inst[0]["processInstanceKey"] != nil {
		t.Fatalf("decision instance: %v", inst[0])
	}
	detail := e.ok(http.StatusOK, "GET", "/v2/decision-instances/"+evalKey+"-2", nil).obj(t)
	if len(detail) != 19 || detail["decisionDefinitionId"] != "dish" || len(detail["evaluatedInputs"].([]any)) != 2 || len(detail["matchedRules"].([]any)) != 1 {
		t.Fatalf("decision instance detail: %v", detail)
	}
	e.problem(e.do("GET", "/v2/decision-instances/"+evalKey+"-9", nil), http.StatusNotFound, "NOT_FOUND", "not found")
	e.problem(e.do("GET", "/v2/decision-instances/x", nil), http.StatusBadRequest, "INVALID_ARGUMENT", "decisionEvaluationInstanceKey")
	lits, _ := e.search("/v2/decision-instances/search", map[string]any{"filter": map[string]any{
		"decisionDefinitionType": "LITERAL_EXPRESSION", "state": map[string]any{"$in": []string{"EVALUATED"}}}})
	if len(lits) < 1 {
		t.Fatalf("literal expression instances: %v", lits)
	}
	e.problem(e.do("POST", "/v2/decision-instances/search", map[string]any{"filter": map[string]any{"state": "DONE"}}),
		http.StatusBadRequest, "INVALID_ARGUMENT", "DONE")
}
