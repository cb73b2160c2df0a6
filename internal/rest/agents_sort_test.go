package rest_test

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestAgentInstancesSortByDerivedStatusAndCompletionDate sorts agent
// instances by status and completion date, which Orca derives at read time
// (COMPLETED once the element instance the agent worked ended with it idle
// or was terminated): sorting, filtering and the results agree, page
// cursors included. Two agents are left THINKING in processes that are
// then cancelled (COMPLETED, the later created one first), a third is
// IDLE in a running process.
func TestAgentInstancesSortByDerivedStatusAndCompletionDate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	t0 := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	if err := e.eng.PinClock(ctx, t0); err != nil {
		t.Fatal(err)
	}
	e.deploy("agent.bpmn")
	var agents, pis []string // in creation (key) order: A1, A2, A3
	for _, status := range []string{"THINKING", "THINKING", "IDLE"} {
		pi := e.start("http-agent", map[string]any{"question": "lamps?"})
		job := e.activateOne("http-agent")
		eik := job["elementInstanceKey"].(string)
		key := e.ok(200, "POST", "/v2/agent-instances", map[string]any{"elementInstanceKey": eik,
			"definition": map[string]any{"model": "m", "provider": "openai", "systemPrompt": "s"}}).obj(t)["agentInstanceKey"].(string)
		e.ok(200, "PATCH", "/v2/agent-instances/"+key, map[string]any{"elementInstanceKey": eik, "status": status})
		agents, pis = append(agents, key), append(pis, pi)
	}
	name := map[string]string{agents[0]: "A1", agents[1]: "A2", agents[2]: "A3"}
	// A2's process ends first, then A1's.
	for i, pi := range []string{pis[1], pis[0]} {
		if err := e.eng.PinClock(ctx, t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		e.ok(204, "POST", "/v2/process-instances/"+pi+"/cancellation", nil)
	}

	order := func(items []map[string]any) string {
		var out []string
		for _, it := range items {
			out = append(out, name[it["agentInstanceKey"].(string)]+":"+it["status"].(string))
		}
		return strings.Join(out, " ")
	}
	sorted := func(field, dir string) map[string]any {
		return map[string]any{"sort": []map[string]any{{"field": field, "order": dir}}}
	}
	for _, c := range []struct{ field, dir, want string }{
		{"status", "ASC", "A1:COMPLETED A2:COMPLETED A3:IDLE"},
		{"status", "DESC", "A3:IDLE A1:COMPLETED A2:COMPLETED"},
		{"completionDate", "ASC", "A3:IDLE A2:COMPLETED A1:COMPLETED"},
		{"completionDate", "DESC", "A1:COMPLETED A2:COMPLETED A3:IDLE"},
	} {
		items, _ := e.search("/v2/agent-instances/search", sorted(c.field, c.dir))
		if got := order(items); got != c.want {
			t.Errorf("sorted by %s %s: %s, want %s", c.field, c.dir, got, c.want)
		}
		// One item a page, following the cursors: the same order.
		var pages []map[string]any
		body := sorted(c.field, c.dir)
		body["page"] = map[string]any{"limit": 1}
		for n := 0; n < 4; n++ {
			items, page := e.search("/v2/agent-instances/search", body)
			if len(items) == 0 {
				break
			}
			pages = append(pages, items...)
			body["page"] = map[string]any{"limit": 1, "after": page["endCursor"]}
		}
		if got := order(pages); got != c.want {
			t.Errorf("paged by %s %s: %s, want %s", c.field, c.dir, got, c.want)
		}
	}
	// Backwards from the last item: the two before it.
	_, last := e.search("/v2/agent-instances/search", map[string]any{"sort": []map[string]any{{"field": "completionDate"}},
		"page": map[string]any{"limit": 1, "from": 2}})
	before, _ := e.search("/v2/agent-instances/search", map[string]any{"sort": []map[string]any{{"field": "completionDate"}},
		"page": map[string]any{"limit": 2, "before": last["startCursor"]}})
	if got := order(before); got != "A3:IDLE A2:COMPLETED" {
		t.Errorf("page before the last by completionDate: %s", got)
	}

	// The filter agrees with the sort and the results.
	done, _ := e.search("/v2/agent-instances/search", map[string]any{"filter": map[string]any{"status": "COMPLETED"},
		"sort": []map[string]any{{"field": "completionDate", "order": "ASC"}}})
	if got := order(done); got != "A2:COMPLETED A1:COMPLETED" {
		t.Errorf("completed agents by completion date: %s", got)
	}
	for _, it := range done {
		if it["completionDate"] == nil {
			t.Errorf("completed agent without completionDate: %v", it)
		}
	}
	late, _ := e.search("/v2/agent-instances/search", map[string]any{"filter": map[string]any{
		"completionDate": map[string]any{"$gt": t0.Add(90 * time.Second).Format(time.RFC3339)}}})
	if got := order(late); got != "A1:COMPLETED" {
		t.Errorf("agents completed after the first cancellation: %s", got)
	}
}
