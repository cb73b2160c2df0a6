package rest_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAgentInstancesOverHTTP drives /v2/agent-instances as an agent and a
// person watching it do: creation for the agent's element instance (a
// second one is a conflict), an update with status, metric deltas, tools
// and a history batch (a resent item is a duplicate), one appended item,
// the history while the job runs (pending, hidden by default) and after
// it completed (committed), searches by status and element instance, and
// the problems of bad input. Every field Camunda 8.10's AgentInstanceResult
// and AgentInstanceHistoryItemResult require is present.
func TestAgentInstancesOverHTTP(t *testing.T) {
	e := newEnv(t)
	e.deploy("agent.bpmn")
	pi := e.start("http-agent", map[string]any{"question": "lamps?"})
	job := e.activateOne("http-agent")
	jobKey, eik := job["jobKey"].(string), job["elementInstanceKey"].(string)

	e.problem(e.do("POST", "/v2/agent-instances", map[string]any{"elementInstanceKey": eik}), 400, "INVALID_ARGUMENT", "definition")
	e.problem(e.do("POST", "/v2/agent-instances", map[string]any{"elementInstanceKey": "2251799813999999",
		"definition": map[string]any{"model": "m", "provider": "openai", "systemPrompt": "s"}}), 404, "NOT_FOUND", "2251799813999999")
	created := e.ok(200, "POST", "/v2/agent-instances", map[string]any{"elementInstanceKey": eik,
		"definition": map[string]any{"model": "gpt-x", "provider": "openai", "systemPrompt": "Be brief."},
		"limits":     map[string]any{"maxModelCalls": 10, "maxToolCalls": -1, "maxTokens": 5000}}).obj(t)
	key := created["agentInstanceKey"].(string)
	if h, ok := created["createdHistory"].([]any); !ok || len(h) != 0 {
		t.Fatalf("creation: %v", created)
	}
	e.problem(e.do("POST", "/v2/agent-instances", map[string]any{"elementInstanceKey": eik,
		"definition": map[string]any{"model": "m", "provider": "openai", "systemPrompt": "s"}}), 409, "ALREADY_EXISTS", key)

	got := e.ok(200, "GET", "/v2/agent-instances/"+key, nil).obj(t)
	requireFields(t, got, "agentInstanceKey", "agentDefinitionKey", "status", "definition", "metrics", "limits", "tools",
		"elementId", "processInstanceKey", "rootProcessInstanceKey", "processDefinitionKey", "processDefinitionId",
		"processDefinitionVersion", "processDefinitionVersionTag", "tenantId", "creationDate", "lastUpdatedDate",
		"completionDate", "elementInstanceKeys")
	if got["status"] != "INITIALIZING" || got["elementId"] != "agent" || got["processInstanceKey"] != pi || got["completionDate"] != nil ||
		jsonText(t, got["limits"]) != `{"maxModelCalls":10,"maxTokens":5000,"maxToolCalls":-1}` || jsonText(t, got["elementInstanceKeys"]) != `["`+eik+`"]` {
		t.Fatalf("agent instance: %v", got)
	}

	batch := []map[string]any{
		{"historyItemId": "u1", "loopIteration": 1, "role": "USER", "producedAt": "2026-12-05T10:00:00Z",
			"content": []map[string]any{{"contentType": "TEXT", "text": "lamps?"}}},
		{"historyItemId": "a1", "loopIteration": 1, "role": "ASSISTANT", "producedAt": "2026-12-05T10:00:01Z",
			"content":   []map[string]any{},
			"toolCalls": []map[string]any{{"toolCallId": "c1", "toolName": "search", "elementId": "search", "arguments": map[string]any{"q": "lamps"}}},
			"metrics":   map[string]any{"inputTokens": 40, "outputTokens": 9, "durationMs": 120}},
	}
	patch := map[string]any{"elementInstanceKey": eik, "status": "TOOL_CALLING", "jobKey": jobKey, "jobLease": "L1",
		"metrics": map[string]any{"inputTokens": 40, "outputTokens": 9, "modelCalls": 1, "toolCalls": 1},
		"tools":   []map[string]any{{"name": "search", "description": "Search", "elementId": "search"}}, "history": batch}
	up := e.ok(200, "PATCH", "/v2/agent-instances/"+key, patch).obj(t)
	if s := jsonText(t, up["createdHistory"]); !strings.Contains(s, `"historyItemId":"u1","historyItemKey":"`) || strings.Contains(s, `"isDuplicate":true`) {
		t.Fatalf("update: %s", s)
	}
	// The same batch again (a retried request): duplicates, counters only add.
	again := e.ok(200, "PATCH", "/v2/agent-instances/"+key, map[string]any{"elementInstanceKey": eik, "jobKey": jobKey, "jobLease": "L1", "history": batch}).obj(t)
	if s := jsonText(t, again["createdHistory"]); strings.Count(s, `"isDuplicate":true`) != 2 {
		t.Fatalf("resent batch: %s", s)
	}
	one := e.ok(201, "POST", "/v2/agent-instances/"+key+"/history", map[string]any{"elementInstanceKey": eik, "jobKey": jobKey,
		"jobLease": "L1", "role": "TOOL_RESULT", "producedAt": "2026-12-05T10:00:02Z", "loopIteration": 2,
		"content":   []map[string]any{{"contentType": "OBJECT", "object": map[string]any{"lamps": 3}}},
		"toolCalls": []map[string]any{{"toolCallId": "c1", "toolName": "search", "elementId": "search", "arguments": nil}}}).obj(t)
	if one["historyItemKey"] == nil {
		t.Fatalf("appended item: %v", one)
	}

	// While the job runs its items are pending: hidden by default.
	if items, page := e.search("/v2/agent-instances/"+key+"/history/search", nil); len(items) != 0 || page["totalItems"] != float64(0) {
		t.Fatalf("history before the job completed: %v", items)
	}
	pending, _ := e.search("/v2/agent-instances/"+key+"/history/search", map[string]any{"filter": map[string]any{"commitStatus": "PENDING"}})
	if len(pending) != 3 {
		t.Fatalf("pending history: %v", pending)
	}
	e.ok(204, "POST", "/v2/jobs/"+jobKey+"/completion", map[string]any{"result": map[string]any{"type": "adHocSubProcess",
		"activateElements": []map[string]any{{"elementId": "search", "variables": map[string]any{"toolCall": map[string]any{"q": "lamps"}}}}}})
	items, _ := e.search("/v2/agent-instances/"+key+"/history/search", map[string]any{"sort": []map[string]any{{"field": "producedAt"}}})
	if got := strings.Join(keysOf(items, "role"), ","); got != "USER,ASSISTANT,TOOL_RESULT" {
		t.Fatalf("committed history roles: %s", got)
	}
	for _, it := range items {
		requireFields(t, it, "historyItemKey", "historyItemId", "agentInstanceKey", "elementInstanceKey", "jobKey", "jobLease",
			"loopIteration", "role", "content", "toolCalls", "metrics", "commitStatus", "producedAt", "tools", "model",
			"provider", "limits", "systemPrompt")
		if it["commitStatus"] != "COMMITTED" || it["jobKey"] != jobKey || it["jobLease"] != "L1" || it["agentInstanceKey"] != key {
			t.Fatalf("history item: %v", it)
		}
	}
	if a := items[1]; jsonText(t, a["metrics"]) != `{"durationMs":120,"inputTokens":40,"outputTokens":9}` ||
		jsonText(t, a["toolCalls"]) != `[{"arguments":{"q":"lamps"},"elementId":"search","toolCallId":"c1","toolName":"search"}]` {
		t.Fatalf("assistant item: %v", a)
	}
	if jsonText(t, items[2]["content"]) != `[{"contentType":"OBJECT","object":{"lamps":3}}]` {
		t.Fatalf("tool result item: %v", items[2])
	}

	got = e.ok(200, "GET", "/v2/agent-instances/"+key, nil).obj(t)
	if got["status"] != "TOOL_CALLING" || jsonText(t, got["metrics"]) != `{"inputTokens":40,"modelCalls":1,"outputTokens":9,"toolCalls":1}` ||
		jsonText(t, got["tools"]) != `[{"description":"Search","elementId":"search","name":"search"}]` {
		t.Fatalf("agent instance after the update: %v", got)
	}
	byStatus, _ := e.search("/v2/agent-instances/search", map[string]any{"filter": map[string]any{"status": "TOOL_CALLING", "elementInstanceKeys": []string{eik}}})
	none, _ := e.search("/v2/agent-instances/search", map[string]any{"filter": map[string]any{"status": map[string]any{"$in": []string{"IDLE", "COMPLETED"}}}})
	if len(byStatus) != 1 || len(none) != 0 {
		t.Fatalf("search by status: %v / %v", byStatus, none)
	}

	// Bad input.
	e.problem(e.do("GET", "/v2/agent-instances/2251799813999999", nil), 404, "NOT_FOUND", "2251799813999999")
	e.problem(e.do("PATCH", "/v2/agent-instances/"+key, map[string]any{"elementInstanceKey": eik, "status": "COMPLETED"}), 400, "INVALID_ARGUMENT", "status")
	e.problem(e.do("PATCH", "/v2/agent-instances/"+key, map[string]any{"elementInstanceKey": eik, "metrics": map[string]any{"modelCalls": -1}}), 400, "INVALID_ARGUMENT", "0 or more")
	e.problem(e.do("PATCH", "/v2/agent-instances/"+key, map[string]any{"elementInstanceKey": eik, "jobKey": jobKey,
		"history": []map[string]any{{"historyItemId": " ", "role": "USER", "content": []any{}, "producedAt": "2026-12-05T10:00:00Z", "loopIteration": 1}}}),
		400, "INVALID_ARGUMENT", "historyItemId")
	e.problem(e.do("PATCH", "/v2/agent-instances/"+key, map[string]any{"elementInstanceKey": eik, "jobKey": jobKey,
		"history": []map[string]any{{"historyItemId": "x", "role": "USER", "content": []map[string]any{{"contentType": "VIDEO"}}, "producedAt": "2026-12-05T10:00:00Z", "loopIteration": 1}}}),
		400, "INVALID_ARGUMENT", "contentType")
	e.problem(e.do("POST", "/v2/agent-instances/search", map[string]any{"filter": map[string]any{"status": "SLEEPING"}}), 400, "INVALID_ARGUMENT", "SLEEPING")
	e.problem(e.do("POST", "/v2/agent-instances/"+key+"/history/search", map[string]any{"filter": map[string]any{"commitStatus": "LOST"}}), 400, "INVALID_ARGUMENT", "LOST")
	if r := e.do("POST", "/v2/agent-instances/search", `{"filter":`); r.status != http.StatusBadRequest {
		t.Fatalf("malformed search: %d %s", r.status, r.body)
	}
}
