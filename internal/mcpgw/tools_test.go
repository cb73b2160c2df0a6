package mcpgw_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// failJob activates the job of an instance and fails it with no retries
// left, which raises a JOB_NO_RETRIES incident.
func failJob(t *testing.T, api cluster.API, typ string) cluster.Key {
	t.Helper()
	ctx := context.Background()
	res, err := api.ActivateJobs(ctx, &cluster.JobActivationRequest{Type: typ, Timeout: 60000, MaxJobsToActivate: 1, RequestTimeout: -1})
	if err != nil || len(res.Jobs) != 1 {
		t.Fatalf("activate %s: %v %v", typ, res, err)
	}
	if err := api.FailJob(ctx, res.Jobs[0].JobKey, &cluster.JobFailRequest{Retries: 0, ErrorMessage: "card declined"}); err != nil {
		t.Fatal(err)
	}
	return res.Jobs[0].JobKey
}

func completeJob(t *testing.T, api cluster.API, typ string) {
	t.Helper()
	ctx := context.Background()
	res, err := api.ActivateJobs(ctx, &cluster.JobActivationRequest{Type: typ, Timeout: 60000, MaxJobsToActivate: 1, RequestTimeout: -1})
	if err != nil || len(res.Jobs) != 1 {
		t.Fatalf("activate %s: %v %v", typ, res, err)
	}
	if err := api.CompleteJob(ctx, res.Jobs[0].JobKey, &cluster.JobCompletionRequest{}); err != nil {
		t.Fatal(err)
	}
}

// One order runs through Camunda's tools: deploy, start, incident, resolve
// (with the job retry), user task, variables, completion.
func TestCamundaToolsSucceed(t *testing.T) {
	e := newEnv(t, envOptions{})
	defs := e.deploy()

	if got := e.okText("getClusterStatus", nil); got != "HEALTHY" {
		t.Errorf("getClusterStatus = %q", got)
	}
	if topo := e.ok("getTopology", map[string]any{}); topo["gatewayVersion"] != cluster.Version || len(topo["brokers"].([]any)) != 1 {
		t.Errorf("getTopology = %v", topo)
	}

	// Process definitions: keys as numbers and as strings.
	pds := e.ok("searchProcessDefinitions", map[string]any{"filter": map[string]any{"processDefinitionId": "order", "isLatestVersion": true},
		"sort": []any{map[string]any{"field": "version", "order": "DESC"}}, "page": map[string]any{"limit": 5}})
	if list := items(pds); len(list) != 1 || list[0]["processDefinitionKey"] != defs["order"] {
		t.Fatalf("searchProcessDefinitions = %v", pds)
	}
	var orderKey int64
	fmt.Sscan(defs["order"], &orderKey)
	if pd := e.ok("getProcessDefinition", map[string]any{"processDefinitionKey": orderKey}); pd["name"] != "Order" || pd["version"] != 1.0 {
		t.Errorf("getProcessDefinition = %v", pd)
	}
	if xml := e.okText("getProcessDefinitionXml", map[string]any{"processDefinitionKey": defs["order"]}); !strings.Contains(xml, `<bpmn:process id="order"`) {
		t.Errorf("getProcessDefinitionXml = %.100s", xml)
	}

	// Process instances: flattened creation arguments.
	pi := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "order", "variables": map[string]any{"orderId": "o-1", "amount": 42},
		"tags": []any{"mcp-tool:test-1"}, "businessId": "B-1"})
	piKey := pi["processInstanceKey"].(string)
	if pi["processDefinitionKey"] != defs["order"] || pi["businessId"] != "B-1" {
		t.Errorf("createProcessInstance = %v", pi)
	}
	quick := e.ok("createProcessInstance", map[string]any{"processDefinitionKey": defs["quick"], "awaitCompletion": true, "requestTimeout": 10000})
	if quick["processDefinitionId"] != "quick" {
		t.Errorf("createProcessInstance awaitCompletion = %v", quick)
	}
	if got := e.ok("getProcessInstance", map[string]any{"processInstanceKey": piKey}); got["state"] != "ACTIVE" || got["processDefinitionId"] != "order" {
		t.Errorf("getProcessInstance = %v", got)
	}
	search := e.ok("searchProcessInstances", map[string]any{"filter": map[string]any{
		"processDefinitionId": "order", "state": "ACTIVE", "tags": []any{"mcp-tool:test-1"}, "businessId": "B-1",
		"variables": []any{map[string]any{"name": "orderId", "value": `"o-1"`}},
		"startDate": map[string]any{"from": "2000-01-01T00:00:00Z", "to": "2100-01-01T00:00:00+01:00"}},
		"sort": []any{map[string]any{"field": "startDate", "order": "DESC"}, map[string]any{"field": "suspendedDate"}}})
	if list := items(search); len(list) != 1 || list[0]["processInstanceKey"] != piKey {
		t.Errorf("searchProcessInstances = %v", search)
	}
	if s := e.ok("searchProcessInstances", map[string]any{"filter": map[string]any{"state": "SUSPENDED"}}); len(items(s)) != 0 {
		t.Errorf("Orca suspends nothing, yet %v", s)
	}

	// An incident of a job with no retries left: resolveIncident gives the
	// job a retry and resolves again.
	jobKey := failJob(t, e.api, "charge")
	incs := e.ok("searchIncidents", map[string]any{"filter": map[string]any{"processInstanceKey": piKey, "errorType": "JOB_NO_RETRIES", "state": "ACTIVE",
		"creationTime": map[string]any{"from": "2000-01-01T00:00:00Z"}}, "sort": []any{map[string]any{"field": "incidentKey", "order": "DESC"}}})
	list := items(incs)
	if len(list) != 1 || list[0]["jobKey"] != jobKey.String() {
		t.Fatalf("searchIncidents = %v", incs)
	}
	incKey := list[0]["incidentKey"].(string)
	if inc := e.ok("getIncident", map[string]any{"incidentKey": incKey}); inc["errorMessage"] != "card declined" {
		t.Errorf("getIncident = %v", inc)
	}
	if got := e.okText("resolveIncident", map[string]any{"incidentKey": incKey}); got != "Incident with key "+incKey+" resolved." {
		t.Errorf("resolveIncident = %q", got)
	}
	if inc := e.ok("getIncident", map[string]any{"incidentKey": incKey}); inc["state"] != "RESOLVED" {
		t.Errorf("after resolveIncident: %v", inc)
	}
	completeJob(t, e.api, "charge")

	// The user task.
	tasks := e.ok("searchUserTasks", map[string]any{"filter": map[string]any{"processInstanceKey": piKey, "state": "CREATED", "elementId": "approve",
		"processInstanceVariables": []any{map[string]any{"name": "amount", "value": "42"}}, "businessId": "B-1"},
		"sort": []any{map[string]any{"field": "creationDate"}}})
	if len(items(tasks)) != 1 {
		t.Fatalf("searchUserTasks = %v", tasks)
	}
	utKey := items(tasks)[0]["userTaskKey"].(string)
	if ut := e.ok("getUserTask", map[string]any{"userTaskKey": utKey}); ut["name"] != "Approve" {
		t.Errorf("getUserTask = %v", ut)
	}
	if got := e.okText("assignUserTask", map[string]any{"userTaskKey": utKey, "assignee": "alice", "assignmentOptions": map[string]any{"allowOverride": true, "action": "claim"}}); got != "User task with key "+utKey+" assigned to alice." {
		t.Errorf("assignUserTask = %q", got)
	}
	if got := e.okText("assignUserTask", map[string]any{"userTaskKey": utKey, "assignee": nil}); got != "User task with key "+utKey+" unassigned." {
		t.Errorf("unassign = %q", got)
	}
	if err := e.api.SetVariables(context.Background(), mustKey(t, items(tasks)[0]["elementInstanceKey"].(string)), &cluster.SetVariableRequest{Variables: map[string]any{"amount": 43, "note": "local"}, Local: true}); err != nil {
		t.Fatal(err)
	}
	vars := e.ok("searchUserTaskVariables", map[string]any{"userTaskKey": utKey, "sort": []any{map[string]any{"field": "name"}}, "page": map[string]any{"limit": 10}})
	byName := map[string]string{}
	for _, v := range items(vars) {
		byName[v["name"].(string)] = v["value"].(string)
	}
	if len(byName) != 3 || byName["amount"] != "43" || byName["orderId"] != `"o-1"` || byName["note"] != `"local"` {
		t.Errorf("searchUserTaskVariables (innermost scope wins) = %v", vars)
	}
	if got := e.okText("completeUserTask", map[string]any{"userTaskKey": utKey, "completionOptions": map[string]any{"variables": map[string]any{"approved": true}}}); got != "User task with key "+utKey+" completed." {
		t.Errorf("completeUserTask = %q", got)
	}
	if got := e.ok("getProcessInstance", map[string]any{"processInstanceKey": piKey}); got["state"] != "COMPLETED" {
		t.Errorf("after completeUserTask: %v", got)
	}

	// Variables.
	vs := e.ok("searchVariables", map[string]any{"filter": map[string]any{"processInstanceKey": piKey, "name": "approved"}, "truncateValues": false})
	if len(items(vs)) != 1 || items(vs)[0]["value"] != "true" {
		t.Fatalf("searchVariables = %v", vs)
	}
	if v := e.ok("getVariable", map[string]any{"variableKey": items(vs)[0]["variableKey"]}); v["name"] != "approved" {
		t.Errorf("getVariable = %v", v)
	}
}

func mustKey(t *testing.T, s string) cluster.Key {
	k, err := cluster.ParseKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// Orca's own tools.
func TestOrcaToolsSucceed(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deploy()
	pi := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "payment", "variables": map[string]any{"orderId": "o-7"}})
	piKey := pi["processInstanceKey"].(string)

	els := e.ok("searchElementInstances", map[string]any{"filter": map[string]any{"processInstanceKey": piKey, "state": "ACTIVE", "type": "INTERMEDIATE_CATCH_EVENT"}})
	if list := items(els); len(list) != 1 || list[0]["elementId"] != "waitPaid" {
		t.Fatalf("searchElementInstances = %v", els)
	}
	if got := e.okText("setVariables", map[string]any{"elementInstanceKey": piKey, "variables": map[string]any{"paidBy": "card"}}); !strings.Contains(got, piKey) {
		t.Errorf("setVariables = %q", got)
	}
	if pub := e.ok("publishMessage", map[string]any{"name": "unrelated", "correlationKey": "x", "timeToLive": 1000}); pub["messageKey"] == nil {
		t.Errorf("publishMessage = %v", pub)
	}
	cor := e.ok("correlateMessage", map[string]any{"name": "payment-received", "correlationKey": "o-7", "variables": map[string]any{"paid": true}})
	if cor["processInstanceKey"] != piKey {
		t.Errorf("correlateMessage = %v", cor)
	}
	if sig := e.ok("broadcastSignal", map[string]any{"signalName": "go"}); sig["signalKey"] == nil {
		t.Errorf("broadcastSignal = %v", sig)
	}
	if got := e.ok("getProcessInstance", map[string]any{"processInstanceKey": piKey}); got["state"] != "COMPLETED" {
		t.Errorf("after message and signal: %v", got)
	}

	order := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "order"})
	orderKey := order["processInstanceKey"].(string)
	jobs := e.ok("searchJobs", map[string]any{"filter": map[string]any{"processInstanceKey": orderKey, "type": "charge", "state": "CREATED", "kind": "BPMN_ELEMENT"},
		"sort": []any{map[string]any{"field": "jobKey"}}})
	if len(items(jobs)) != 1 {
		t.Errorf("searchJobs = %v", jobs)
	}
	if got := e.okText("cancelProcessInstance", map[string]any{"processInstanceKey": orderKey}); got != "Process instance with key "+orderKey+" canceled." {
		t.Errorf("cancelProcessInstance = %q", got)
	}
	if got := e.ok("getProcessInstance", map[string]any{"processInstanceKey": orderKey}); got["state"] != "TERMINATED" {
		t.Errorf("after cancelProcessInstance: %v", got)
	}
}

// Every keyed tool answers an unknown key with a NOT_FOUND problem.
func TestToolsNotFound(t *testing.T) {
	e := newEnv(t, envOptions{})
	const missing = "2251799813685000"
	for _, tc := range []struct{ tool, arg string }{
		{"getIncident", "incidentKey"},
		{"resolveIncident", "incidentKey"},
		{"getProcessDefinition", "processDefinitionKey"},
		{"getProcessDefinitionXml", "processDefinitionKey"},
		{"getProcessInstance", "processInstanceKey"},
		{"getUserTask", "userTaskKey"},
		{"assignUserTask", "userTaskKey"},
		{"completeUserTask", "userTaskKey"},
		{"searchUserTaskVariables", "userTaskKey"},
		{"getVariable", "variableKey"},
		{"cancelProcessInstance", "processInstanceKey"},
		{"setVariables", "elementInstanceKey"},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			args := map[string]any{tc.arg: missing}
			switch tc.tool {
			case "assignUserTask":
				args["assignee"] = "bob"
			case "setVariables":
				args["variables"] = map[string]any{"a": 1}
			}
			e := *e
			e.t = t
			e.problem(tc.tool, args, 404, "NOT_FOUND", missing)
		})
	}
	e.problem("createProcessInstance", map[string]any{"processDefinitionId": "nope"}, 404, "NOT_FOUND", "nope")
	e.problem("correlateMessage", map[string]any{"name": "nobody-waits"}, 404, "NOT_FOUND", "")
	for _, tool := range []string{"searchIncidents", "searchProcessDefinitions", "searchProcessInstances", "searchUserTasks", "searchVariables", "searchElementInstances", "searchJobs"} {
		if got := e.ok(tool, map[string]any{"filter": map[string]any{}}); len(items(got)) != 0 || got["page"].(map[string]any)["totalItems"] != 0.0 {
			t.Errorf("%s on an empty cluster = %v", tool, got)
		}
	}
}

// Invalid arguments: "<argument>: <message>" texts, Camunda's for keys,
// and problem details for requests the cluster rejects.
func TestToolsInvalidArguments(t *testing.T) {
	e := newEnv(t, envOptions{})
	for _, tc := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"getIncident", map[string]any{}, "incidentKey: Incident key must not be null."},
		{"getIncident", map[string]any{"incidentKey": nil}, "incidentKey: Incident key must not be null."},
		{"getIncident", map[string]any{"incidentKey": -5}, "incidentKey: Incident key must be a positive number."},
		{"resolveIncident", map[string]any{"incidentKey": "abc"}, "incidentKey: Incident key must be a positive number."},
		{"getProcessDefinition", map[string]any{"processDefinitionKey": 0}, "processDefinitionKey: Process definition key must be a positive number."},
		{"getProcessDefinitionXml", map[string]any{}, "processDefinitionKey: Process definition key must not be null."},
		{"getProcessInstance", map[string]any{"processInstanceKey": 1.5}, "processInstanceKey: Process instance key must be a positive number."},
		{"getUserTask", map[string]any{}, "userTaskKey: User task key must not be null."},
		{"assignUserTask", map[string]any{"assignee": "x"}, "userTaskKey: User task key must not be null."},
		{"completeUserTask", map[string]any{"userTaskKey": 1, "completionOptions": map[string]any{"variables": "x"}}, "completionOptions.variables: must be an object."},
		{"searchUserTaskVariables", map[string]any{"userTaskKey": 1, "page": map[string]any{"after": "c"}}, "page.after: unknown argument; expected one of [from, limit]."},
		{"getVariable", map[string]any{"variableKey": -1}, "variableKey: Variable key must be a positive number."},
		{"getClusterStatus", map[string]any{"verbose": true}, "verbose: unknown argument; expected one of []."},
		{"getTopology", map[string]any{"x": 1}, "x: unknown argument; expected one of []."},
		{"searchIncidents", map[string]any{"filter": map[string]any{"state": "OPEN"}}, "filter.state: 'OPEN' is not one of [ACTIVE, MIGRATED, PENDING, RESOLVED, UNKNOWN]."},
		{"searchIncidents", map[string]any{"filter": map[string]any{"creationTime": map[string]any{"from": "yesterday"}}}, "filter.creationTime.from: 'yesterday' is not an RFC 3339 date-time (e.g. '2024-12-17T10:30:00Z')."},
		{"searchProcessDefinitions", map[string]any{"sort": []any{map[string]any{"field": "bogus"}}}, "sort[0].field: 'bogus' is not one of [processDefinitionKey, name, resourceName, version, versionTag, processDefinitionId, tenantId]."},
		{"searchProcessInstances", map[string]any{"filter": map[string]any{"processInstanceKey": "12x"}}, `filter.processInstanceKey: "12x" is not a valid key: expected a string of digits.`},
		{"searchProcessInstances", map[string]any{"filter": map[string]any{"variables": []any{map[string]any{"name": "a"}}}}, "filter.variables[0].value: must not be null."},
		{"searchUserTasks", map[string]any{"filter": map[string]any{"priority": "high"}, "page": map[string]any{"limit": "ten"}}, "filter.priority: must be an integer.; page.limit: must be an integer."},
		{"searchVariables", map[string]any{"truncateValues": "yes"}, "truncateValues: must be a boolean."},
		{"createProcessInstance", map[string]any{"processDefinitionVersion": 1 << 40}, "processDefinitionVersion: must be a 32-bit integer."},
		{"deployResource", map[string]any{"resource": "<x/>"}, "resourceName: must not be null."},
		{"cancelProcessInstance", map[string]any{}, "processInstanceKey: Process instance key must not be null."},
		{"publishMessage", map[string]any{"name": 5}, "name: must be a string."},
		{"correlateMessage", map[string]any{}, "name: must not be null."},
		{"broadcastSignal", map[string]any{"signalName": "s", "variables": []any{}}, "variables: must be an object."},
		{"setVariables", map[string]any{"elementInstanceKey": 1}, "variables: must not be null."},
		{"searchElementInstances", map[string]any{"filter": map[string]any{"type": "TASKY"}}, "filter.type: 'TASKY' is not one of [UNSPECIFIED, PROCESS, SUB_PROCESS, EVENT_SUB_PROCESS, AD_HOC_SUB_PROCESS, AD_HOC_SUB_PROCESS_INNER_INSTANCE, START_EVENT, INTERMEDIATE_CATCH_EVENT, INTERMEDIATE_THROW_EVENT, BOUNDARY_EVENT, END_EVENT, SERVICE_TASK, RECEIVE_TASK, USER_TASK, MANUAL_TASK, TASK, EXCLUSIVE_GATEWAY, INCLUSIVE_GATEWAY, PARALLEL_GATEWAY, EVENT_BASED_GATEWAY, SEQUENCE_FLOW, MULTI_INSTANCE_BODY, CALL_ACTIVITY, BUSINESS_RULE_TASK, SCRIPT_TASK, SEND_TASK, UNKNOWN]."},
		{"searchJobs", map[string]any{"filter": map[string]any{"retries": 1 << 33}}, "filter.retries: must be a 32-bit integer."},
	} {
		t.Run(tc.tool, func(t *testing.T) {
			e := *e
			e.t = t
			e.invalid(tc.tool, tc.args, tc.want)
		})
	}
	// Requests the cluster rejects are problem details, as in Camunda.
	e.problem("createProcessInstance", map[string]any{}, 400, "INVALID_ARGUMENT", "At least one of [processDefinitionId, processDefinitionKey] is required")
	e.problem("createProcessInstance", map[string]any{"processDefinitionId": "a", "processDefinitionKey": "1"}, 400, "INVALID_ARGUMENT", "Only one of [processDefinitionId, processDefinitionKey] is allowed")
	e.problem("createProcessInstance", map[string]any{"processDefinitionId": "a", "tags": []any{"1bad"}}, 400, "INVALID_ARGUMENT", "1bad")
	e.problem("searchUserTasks", map[string]any{"sort": []any{map[string]any{"field": "businessId"}}}, 400, "INVALID_ARGUMENT", "businessId")
	e.problem("deployResource", map[string]any{"resourceName": "x.bpmn", "resource": "not xml"}, 400, "INVALID_ARGUMENT", "")
	e.problem("searchProcessDefinitions", map[string]any{"page": map[string]any{"after": "bogus-cursor"}}, 400, "INVALID_ARGUMENT", "")

	// An unknown tool is a JSON-RPC error, -32602, as in Camunda.
	_, err := e.cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "invalid_tool_name", Arguments: map[string]any{}})
	var je *jsonrpc.Error
	if !errors.As(err, &je) || je.Code != jsonrpc.CodeInvalidParams || je.Message != "Unknown tool: invalid_tool_name" {
		t.Errorf("unknown tool: %v", err)
	}
}

// awaitCompletion that times out is a 504 DEADLINE_EXCEEDED problem, and
// the instance keeps running.
func TestCreateProcessInstanceAwaitTimeout(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deploy()
	start := time.Now()
	e.problem("createProcessInstance", map[string]any{"processDefinitionId": "order", "awaitCompletion": true, "requestTimeout": 200,
		"tags": []any{"mcp-tool:await-1"}}, 504, "DEADLINE_EXCEEDED", "")
	if time.Since(start) > 10*time.Second {
		t.Errorf("the timeout took %v", time.Since(start))
	}
	s := e.ok("searchProcessInstances", map[string]any{"filter": map[string]any{"tags": []any{"mcp-tool:await-1"}, "state": "ACTIVE"}})
	if len(items(s)) != 1 {
		t.Errorf("the instance should run on: %v", s)
	}
}
