package engine

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

func TestAdHocBPMNModeWithCancel(t *testing.T) {
	h := newHarness(t)
	h.deploy("adhoc.bpmn")
	pi := h.start("adhoc-bpmn", map[string]any{"initial": []string{"lookup", "compute", "approve"}, "a": 1, "b": 2})
	// compute ran at once (a script); lookup and approve wait.
	h.wantVars(pi, map[string]string{"initial": `["lookup","compute","approve"]`})
	lookup := h.job("lookup")
	uts := h.userTasks(pi)
	if len(uts) != 1 {
		t.Fatalf("user tasks: %d", len(uts))
	}
	h.complete(lookup.Key, map[string]any{"result": "found"})
	// Two results: the condition holds and the user task is cancelled.
	h.wantState(pi, store.StateCompleted)
	h.wantVars(pi, map[string]string{"results": `[3,"found"]`})
	if got := h.userTasks(pi)[0].State; got != store.UserTaskCanceled {
		t.Fatalf("remaining user task: %s", got)
	}
	eis, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) },
		"process_instance_key = ? AND type LIKE 'AD_HOC%' ORDER BY key", pi)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ei := range eis {
		got = append(got, ei.ElementID+":"+ei.Type+":"+ei.State)
	}
	want := "tools:AD_HOC_SUB_PROCESS:COMPLETED tools#innerInstance:AD_HOC_SUB_PROCESS_INNER_INSTANCE:COMPLETED " +
		"tools#innerInstance:AD_HOC_SUB_PROCESS_INNER_INSTANCE:COMPLETED tools#innerInstance:AD_HOC_SUB_PROCESS_INNER_INSTANCE:TERMINATED"
	if strings.Join(got, " ") != want {
		t.Fatalf("ad-hoc element instances:\n got  %s\n want %s", strings.Join(got, " "), want)
	}
}

func TestAdHocBPMNModeWaitsWithoutCancel(t *testing.T) {
	h := newHarness(t)
	h.deploy("adhoc.bpmn")
	pi := h.start("adhoc-wait", nil)
	h.complete(h.job("lookup").Key, map[string]any{"result": 1})
	h.wantState(pi, store.StateActive) // fulfilled, but the user task still runs
	if err := h.e.CompleteUserTask(h.ctx, h.userTasks(pi)[0].Key, map[string]any{"result": 2}); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantVars(pi, map[string]string{"results": "[1,2]"})
}

func TestAdHocActivationAPI(t *testing.T) {
	h := newHarness(t)
	h.deploy("adhoc.bpmn")
	pi := h.start("adhoc-bpmn", map[string]any{"initial": []string{"approve"}, "a": 1, "b": 1})
	ut := h.userTasks(pi)[0]
	eis, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) },
		"process_instance_key = ? AND element_id = 'tools' AND type = 'AD_HOC_SUB_PROCESS'", pi)
	if err != nil || len(eis) != 1 {
		t.Fatalf("ad-hoc sub-process instance: %v %v", eis, err)
	}
	ahsp := eis[0].Key
	wantCode(t, h.e.ActivateAdHocActivities(h.ctx, ahsp, []AdHocActivation{{ElementID: "nope"}}, false), CodeInvalidArgument)
	wantCode(t, h.e.ActivateAdHocActivities(h.ctx, ahsp, []AdHocActivation{{ElementID: "lookup"}, {ElementID: "lookup"}}, false), CodeInvalidArgument)
	wantCode(t, h.e.ActivateAdHocActivities(h.ctx, pi, []AdHocActivation{{ElementID: "lookup"}}, false), CodeNotFound)
	if err := h.e.ActivateAdHocActivities(h.ctx, ahsp, []AdHocActivation{{ElementID: "lookup", Variables: map[string]any{"hint": "x"}}}, true); err != nil {
		t.Fatal(err)
	}
	j := h.job("lookup")
	if string(j.Variables["hint"]) != `"x"` {
		t.Fatalf("activation variables: %s", mustJSON(j.Variables))
	}
	if got := h.userTasks(pi)[0]; got.Key != ut.Key || got.State != store.UserTaskCanceled {
		t.Fatalf("cancelRemainingInstances left the user task %s", got.State)
	}
	h.complete(j.Key, map[string]any{"result": 1})
	// One result: the condition (two results) does not hold; nothing runs.
	h.wantState(pi, store.StateActive)
}

func TestAdHocJobWorkerMode(t *testing.T) {
	h := newHarness(t)
	h.deploy("adhoc.bpmn")
	pi := h.start("agent", map[string]any{"goal": "find"})
	job := h.job("agent")
	if job.Kind != "AD_HOC_SUB_PROCESS" || job.Retries != 2 || job.CustomHeaders["model"] != "stub" || job.ElementID != "agentTools" {
		t.Fatalf("agent job: %+v", job)
	}
	if string(job.Variables["toolCallResults"]) != "[]" {
		t.Fatalf("output collection at start: %s", job.Variables["toolCallResults"])
	}
	var elements []map[string]any
	if err := json.Unmarshal(job.Variables["adHocSubProcessElements"], &elements); err != nil {
		t.Fatal(err)
	}
	if len(elements) != 2 || elements[0]["elementId"] != "search" || elements[0]["documentation"] != "Searches the catalogue." ||
		elements[1]["elementId"] != "review" || elements[1]["elementName"] != "Review" {
		t.Fatalf("adHocSubProcessElements: %s", job.Variables["adHocSubProcessElements"])
	}
	params := mustJSON(elements[0]["parameters"])
	wantParams := `[{"description":"The query","name":"toolCall.q"},{"name":"toolCall.limit","options":{"required":false},"type":"integer"},` +
		`{"description":"Sort order","name":"toolCall.sort","schema":{"enum":["asc","desc"]},"type":"string"}]`
	if params != wantParams || mustJSON(elements[0]["properties"]) != `{"category":"read"}` {
		t.Fatalf("search parameters:\n got  %s\n want %s\nproperties %v", params, wantParams, elements[0]["properties"])
	}

	// Turn 1: two tools, one a sub-flow (user task, then a service task).
	turn1 := &JobResult{AdHoc: &AdHocResult{ActivateElements: []AdHocActivation{
		{ElementID: "search", Variables: map[string]any{"toolCall": map[string]any{"id": "c1", "q": "lamps"}, "toolCallResult": ""}},
		{ElementID: "review", Variables: map[string]any{"toolCall": map[string]any{"id": "c2"}, "toolCallResult": ""}},
	}}}
	if err := h.e.CompleteJobWithResult(h.ctx, job.Key, map[string]any{"agentContext": map[string]any{"turn": 1}}, turn1); err != nil {
		t.Fatal(err)
	}
	if n := len(h.jobs("agent", 5)); n != 0 {
		t.Fatal("a new agent job appeared before a tool finished")
	}
	search := h.job("search")
	if string(search.Variables["q"]) != `"lamps"` {
		t.Fatalf("fromAi input mapping: %s", mustJSON(search.Variables))
	}
	h.complete(search.Key, map[string]any{"searchResult": "3 lamps"})
	job2 := h.job("agent")
	if string(job2.Variables["toolCallResults"]) != `[{"content":"3 lamps","id":"c1"}]` || string(job2.Variables["agentContext"]) != `{"turn":1}` {
		t.Fatalf("second job variables: %s", mustJSON(job2.Variables))
	}
	if _, ok := job2.Variables["toolCallResult"]; ok {
		t.Fatal("toolCallResult leaked out of its inner instance")
	}
	// The review sub-flow finishes: job2 is superseded by job3.
	if err := h.e.CompleteUserTask(h.ctx, h.userTasks(pi)[0].Key, nil); err != nil {
		t.Fatal(err)
	}
	h.complete(h.job("publish").Key, nil)
	wantCode(t, h.e.CompleteJob(h.ctx, job2.Key, nil), CodeNotFound)
	if jr := h.jobRecord(job2.Key); jr.State != store.JobCanceled {
		t.Fatalf("superseded job: %s", jr.State)
	}
	job3 := h.job("agent")
	if string(job3.Variables["toolCallResults"]) != `[{"content":"3 lamps","id":"c1"},{"content":"published","id":"c2"}]` {
		t.Fatalf("third job variables: %s", job3.Variables["toolCallResults"])
	}
	// Bad results are refused and change nothing.
	err := h.e.CompleteJobWithResult(h.ctx, job3.Key, nil, &JobResult{AdHoc: &AdHocResult{ActivateElements: []AdHocActivation{{ElementID: "ghost"}}}})
	wantCode(t, err, CodeNotFound)
	err = h.e.CompleteJobWithResult(h.ctx, job3.Key, nil, &JobResult{AdHoc: &AdHocResult{CompletionConditionFulfilled: true, ActivateElements: []AdHocActivation{{ElementID: "search"}}}})
	wantCode(t, err, CodeInvalidArgument)
	// Final answer.
	if err := h.e.CompleteJobWithResult(h.ctx, job3.Key, map[string]any{"agent": map[string]any{"answer": "done"}}, &JobResult{AdHoc: &AdHocResult{CompletionConditionFulfilled: true}}); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantVars(pi, map[string]string{"agent": `{"answer":"done"}`, "toolCallResults": `[{"content":"3 lamps","id":"c1"},{"content":"published","id":"c2"}]`})
}

func TestAdHocJobNoRetries(t *testing.T) {
	h := newHarness(t)
	h.deploy("adhoc.bpmn")
	pi := h.start("agent", nil)
	j := h.job("agent")
	if err := h.e.FailJob(h.ctx, j.Key, FailJobRequest{Retries: 0, ErrorMessage: "LLM down"}); err != nil {
		t.Fatal(err)
	}
	inc := h.activeIncident(pi)
	if inc.ErrorType != "AD_HOC_SUB_PROCESS_NO_RETRIES" || inc.ElementID != "agentTools" {
		t.Fatalf("incident: %+v", inc)
	}
	one := int32(1)
	if err := h.e.UpdateJob(h.ctx, j.Key, UpdateJobRequest{Retries: &one}); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
	if got := h.job("agent"); got.Key != j.Key {
		t.Fatalf("after resolution: job %d", got.Key)
	}
}
