package engine

import (
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

func TestGatewaysBigAmountForksAndJoins(t *testing.T) {
	h := newHarness(t)
	h.deploy("gateways.bpmn")
	pi := h.start("routing", map[string]any{"amount": 5000, "channels": []string{"mail", "sms"}})
	risk, fraud := h.job("risk"), h.job("fraud")
	h.complete(risk.Key, nil)
	// The join waits for the second branch.
	h.wantElements(pi, map[string][]string{
		"start": {"COMPLETED"}, "decide": {"COMPLETED"}, "fork": {"COMPLETED"},
		"risk": {"COMPLETED"}, "fraud": {"ACTIVE"},
	})
	h.complete(fraud.Key, nil)
	mail, sms := h.job("mail"), h.job("sms")
	h.complete(sms.Key, nil)
	h.wantState(pi, store.StateActive) // the inclusive join waits for mail
	h.complete(mail.Key, nil)
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{
		"start": {"COMPLETED"}, "decide": {"COMPLETED"}, "fork": {"COMPLETED"},
		"risk": {"COMPLETED"}, "fraud": {"COMPLETED"}, "join": {"COMPLETED"}, "merge": {"COMPLETED"},
		"notify": {"COMPLETED"}, "sendMail": {"COMPLETED"}, "sendSms": {"COMPLETED"},
		"notified": {"COMPLETED"}, "end": {"COMPLETED"},
	})
}

func TestGatewaysDefaultFlowAndOneInclusiveBranch(t *testing.T) {
	h := newHarness(t)
	h.deploy("gateways.bpmn")
	pi := h.start("routing", map[string]any{"amount": 10, "channels": []string{"sms"}})
	h.complete(h.job("sms").Key, nil)
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{
		"start": {"COMPLETED"}, "decide": {"COMPLETED"}, "autoApprove": {"COMPLETED"}, "merge": {"COMPLETED"},
		"notify": {"COMPLETED"}, "sendSms": {"COMPLETED"}, "notified": {"COMPLETED"}, "end": {"COMPLETED"},
	})
	if n := len(h.jobs("mail", 5)); n != 0 {
		t.Fatalf("mail was sent although not chosen (%d jobs)", n)
	}
}

func TestConditionErrorIncidentAndResolution(t *testing.T) {
	h := newHarness(t)
	h.deploy("gateways.bpmn")
	// amount is missing: "amount > 1000" is null, not a boolean.
	pi := h.start("routing", map[string]any{"channels": []string{}})
	inc := h.activeIncident(pi)
	if inc.ErrorType != "CONDITION_ERROR" || inc.ElementID != "decide" || !strings.Contains(inc.ErrorMessage, "Expected result of the expression 'amount > 1000' to be 'BOOLEAN', but was 'NULL'.") ||
		!strings.Contains(inc.ErrorMessage, "[NO_VARIABLE_FOUND]") {
		t.Fatalf("incident: %+v", inc)
	}
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "decide": {"ACTIVE"}})
	if err := h.e.SetVariables(h.ctx, pi, map[string]any{"amount": 2000}, false); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
	// Now the big path runs; then the inclusive gateway has no condition
	// true and no default: another incident.
	h.complete(h.job("risk").Key, nil)
	h.complete(h.job("fraud").Key, nil)
	inc2 := h.activeIncident(pi)
	if inc2.ErrorType != "CONDITION_ERROR" || inc2.ElementID != "notify" {
		t.Fatalf("second incident: %+v", inc2)
	}
}

func TestUserTaskLifecycle(t *testing.T) {
	h := newHarness(t)
	h.deploy("usertask.bpmn")
	t0 := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	h.pin(t0)
	pi := h.start("review", map[string]any{"reviewer": "kim", "urgent": true})
	uts := h.userTasks(pi)
	if len(uts) != 1 {
		t.Fatalf("user tasks: %d", len(uts))
	}
	ut := uts[0]
	if ut.Name != "Approve invoice" || ut.Assignee != "kim" || ut.Priority != 90 || ut.State != store.UserTaskCreated ||
		strings.Join(ut.CandidateGroups, ",") != "accounting,managers" || strings.Join(ut.CandidateUsers, ",") != "anna,ben" ||
		!ut.DueDate.Equal(time.Date(2026, 12, 24, 17, 0, 0, 0, time.UTC)) || !ut.FollowUpDate.Equal(t0.Add(24*time.Hour)) ||
		ut.CustomHeaders["kind"] != "invoice" || ut.ProcessID != "review" || ut.ElementID != "approve" {
		t.Fatalf("user task: %+v", ut)
	}
	wantCode(t, h.e.AssignUserTask(h.ctx, ut.Key, "lea", false), CodeInvalidState)
	if err := h.e.AssignUserTask(h.ctx, ut.Key, "lea", true); err != nil {
		t.Fatal(err)
	}
	if got := h.userTasks(pi)[0].Assignee; got != "lea" {
		t.Fatalf("assignee %q", got)
	}
	if err := h.e.UnassignUserTask(h.ctx, ut.Key); err != nil {
		t.Fatal(err)
	}
	p := int32(10)
	groups := []string{"auditors"}
	if err := h.e.UpdateUserTask(h.ctx, ut.Key, UserTaskChanges{Priority: &p, CandidateGroups: &groups}); err != nil {
		t.Fatal(err)
	}
	got := h.userTasks(pi)[0]
	if got.Assignee != "" || got.Priority != 10 || strings.Join(got.CandidateGroups, ",") != "auditors" {
		t.Fatalf("after unassign and update: %+v", got)
	}
	bad := int32(101)
	wantCode(t, h.e.UpdateUserTask(h.ctx, ut.Key, UserTaskChanges{Priority: &bad}), CodeInvalidArgument)
	wantCode(t, h.e.AssignUserTask(h.ctx, ut.Key, " ", true), CodeInvalidArgument)

	if err := h.e.CompleteUserTask(h.ctx, ut.Key, map[string]any{"approved": true}); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantVars(pi, map[string]string{"invoiceApproved": "true"})
	if got := h.userTasks(pi)[0]; got.State != store.UserTaskCompleted || !got.CompletionDate.Equal(t0) {
		t.Fatalf("completed task: %+v", got)
	}
	wantCode(t, h.e.CompleteUserTask(h.ctx, ut.Key, nil), CodeNotFound)
}

func TestUserTaskDefaultPriorityAndBadExpression(t *testing.T) {
	h := newHarness(t)
	h.deploy("usertask.bpmn")
	// The assignee must be a string (or a number), not a context.
	pi := h.start("review", map[string]any{"reviewer": map[string]any{"name": "kim"}, "urgent": "yes"})
	inc := h.activeIncident(pi)
	if inc.ErrorType != "EXTRACT_VALUE_ERROR" || inc.ElementID != "approve" {
		t.Fatalf("incident: %+v", inc)
	}
	if len(h.userTasks(pi)) != 0 {
		t.Fatal("a user task was created despite the failed expression")
	}
	if err := h.e.SetVariables(h.ctx, pi, map[string]any{"reviewer": "kim"}, false); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
	// FEEL's if takes the else branch for a non-boolean condition.
	if uts := h.userTasks(pi); len(uts) != 1 || uts[0].Priority != 40 || uts[0].Assignee != "kim" {
		t.Fatalf("user tasks after resolution: %+v", uts)
	}
}

func TestSubProcessMappingsTerminateAndError(t *testing.T) {
	h := newHarness(t)
	h.deploy("subprocess.bpmn")
	pi := h.start("shipping", map[string]any{"items": []string{"a", "b"}, "warehouse": "w1"})
	j := h.job("pack-w1")
	if j.Retries != 2 {
		t.Fatalf("retries from expression: %d", j.Retries)
	}
	if string(j.Variables["toPack"]) != `["a","b"]` || string(j.Variables["box"]) != `{"label":"box-2"}` {
		t.Fatalf("sub-process inputs seen by the job: %s", mustJSON(j.Variables))
	}
	h.complete(j.Key, map[string]any{"packed": []string{"a", "b"}})
	// The user task and the check ran in parallel; the terminate end event
	// ended the user task and completed the instance.
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{
		"start": {"COMPLETED"}, "pack": {"COMPLETED"}, "packStart": {"COMPLETED"}, "packItems": {"COMPLETED"},
		"packEnd": {"COMPLETED"}, "fork": {"COMPLETED"}, "label": {"TERMINATED"}, "check": {"COMPLETED"},
		"stop": {"COMPLETED"},
	})
	vars := h.vars(pi)
	if vars["packedItems"] != `["a","b"]` || vars["shipment"] != `{"box":{"label":"box-2"}}` {
		t.Fatalf("outputs: %v", vars)
	}
	if _, ok := vars["toPack"]; ok {
		t.Fatal("a sub-process input leaked into the process scope")
	}
	if uts := h.userTasks(pi); len(uts) != 1 || uts[0].State != store.UserTaskCanceled {
		t.Fatalf("user task: %+v", uts)
	}

	pi2 := h.start("shipping", map[string]any{"items": []string{}, "warehouse": "w1"})
	h.complete(h.job("pack-w1").Key, map[string]any{"packed": []string{}})
	inc := h.activeIncident(pi2)
	if inc.ErrorType != "UNHANDLED_ERROR_EVENT" || inc.ElementID != "reject" || !strings.Contains(inc.ErrorMessage, "'REJECTED'") {
		t.Fatalf("incident: %+v", inc)
	}
	h.wantState(pi2, store.StateActive)
	if err := h.e.CancelProcessInstance(h.ctx, pi2); err != nil {
		t.Fatal(err)
	}
	if got := h.incidents(pi2); len(got) != 1 || got[0].State != store.IncidentResolved {
		t.Fatalf("incident after cancel: %+v", got)
	}
	if h.instance(pi2).HasIncident {
		t.Fatal("a terminated instance still shows an incident")
	}
}

func TestIOMappingErrorIncident(t *testing.T) {
	h := newHarness(t)
	h.deploy("mapping-error.bpmn")
	pi := h.start("checked", map[string]any{"limit": 10})
	// The input mapping fails: the task never gets a job.
	inc := h.activeIncident(pi)
	if inc.ErrorType != "IO_MAPPING_ERROR" || inc.ElementID != "work" || !strings.Contains(inc.ErrorMessage, "limit needs a value") {
		t.Fatalf("input incident: %+v", inc)
	}
	if n := len(h.jobs("work", 5)); n != 0 {
		t.Fatal("a job was created despite the failed input mapping")
	}
	if err := h.e.SetVariables(h.ctx, pi, map[string]any{"value": 3}, false); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
	j := h.job("work")
	if string(j.Variables["checked"]) != "3" {
		t.Fatalf("input after resolution: %s", mustJSON(j.Variables))
	}
	// The output mapping fails: the task stays until fixed.
	h.complete(j.Key, map[string]any{"result": 50})
	inc = h.activeIncident(pi)
	if inc.ErrorType != "IO_MAPPING_ERROR" || !strings.Contains(inc.ErrorMessage, "result over limit") {
		t.Fatalf("output incident: %+v", inc)
	}
	h.wantElements(pi, map[string][]string{"start": {"COMPLETED"}, "work": {"ACTIVE"}})
	if err := h.e.SetVariables(h.ctx, j.ElementInstanceKey, map[string]any{"result": 5}, true); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi, store.StateCompleted)
	h.wantVars(pi, map[string]string{"final": "5"})
}
