package engine

import (
	"sort"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

func TestMultiInstanceAndCallActivity(t *testing.T) {
	h := newHarness(t)
	h.deploy("callmi.bpmn")
	pi := h.start("order-lines", map[string]any{"lines": []map[string]any{{"sku": "a"}, {"sku": "b"}, {"sku": "c"}}})

	picks := h.jobs("pick", 10)
	if len(picks) != 3 {
		t.Fatalf("parallel multi-instance made %d jobs", len(picks))
	}
	sort.Slice(picks, func(i, j int) bool {
		return string(picks[i].Variables["loopCounter"]) < string(picks[j].Variables["loopCounter"])
	})
	for i, j := range picks {
		want := []string{`"a"`, `"b"`, `"c"`}[i]
		if string(j.Variables["sku"]) != want || string(j.Variables["loopCounter"]) != []string{"1", "2", "3"}[i] {
			t.Fatalf("inner job %d variables: %s", i, mustJSON(j.Variables))
		}
	}
	// Completed out of order; the output collection keeps the items' order.
	for _, i := range []int{2, 0, 1} {
		h.complete(picks[i].Key, map[string]any{"pickedQty": (i + 1) * 10})
	}
	h.wantVars(pi, map[string]string{"picked": "[10,20,30]"})

	eis, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) }, "process_instance_key = ? AND element_id = 'lines' ORDER BY key", pi)
	if err != nil || len(eis) != 4 || eis[0].Type != "MULTI_INSTANCE_BODY" || eis[1].Type != "SERVICE_TASK" || eis[1].FlowScopeKey != eis[0].Key {
		t.Fatalf("multi-instance element instances: %+v %v", eis, err)
	}

	// The call activity started a child instance that knows its parent.
	charge := h.job("charge")
	child := h.instance(charge.ProcessInstanceKey)
	if child.ProcessID != "payment-sub" || child.ParentProcessInstanceKey != pi || child.RootProcessInstanceKey != pi || child.ParentElementInstanceKey == 0 {
		t.Fatalf("child instance: %+v", child)
	}
	if string(charge.Variables["picked"]) != "[10,20,30]" {
		t.Fatalf("the child did not get the parent's variables: %s", mustJSON(charge.Variables))
	}
	wantCode(t, h.e.CancelProcessInstance(h.ctx, child.Key), CodeInvalidState)
	h.complete(charge.Key, map[string]any{"txn": "t-1"})
	h.wantState(child.Key, store.StateCompleted)

	// The sequential sub-process stopped after two of three items.
	h.wantState(pi, store.StateCompleted)
	h.wantVars(pi, map[string]string{"txn": `"t-1"`, "lastTens": "20"})
	states := h.elementStates(pi)
	if got := strings.Join(states["tens"], ","); got != "COMPLETED,COMPLETED,COMPLETED" {
		t.Fatalf("tens instances (body + 2 inner): %s", got)
	}
	if got := len(states["times"]); got != 2 {
		t.Fatalf("the script ran %d times, want 2", got)
	}
}

func TestCallActivityMappingsErrorAndCancel(t *testing.T) {
	h := newHarness(t)
	h.deploy("callmi.bpmn")
	pi := h.start("guarded-pay", map[string]any{"amount": 7, "secret": "x"})
	charge := h.job("charge")
	if len(charge.Variables) != 1 || string(charge.Variables["amount"]) != "7" {
		t.Fatalf("only input mappings should reach the child: %s", mustJSON(charge.Variables))
	}
	h.complete(charge.Key, map[string]any{"txn": "t-2", "noise": 1})
	h.wantState(pi, store.StateCompleted)
	vars := h.vars(pi)
	if vars["paymentRef"] != `"t-2"` {
		t.Fatalf("output mapping: %v", vars)
	}
	if _, ok := vars["noise"]; ok {
		t.Fatal("child variables bypassed the output mappings")
	}

	// An error in the child is caught on the call activity in the parent.
	pi2 := h.start("guarded-pay", map[string]any{"amount": 8})
	c2 := h.job("charge")
	if err := h.e.ThrowError(h.ctx, c2.Key, "DECLINED", "", nil); err != nil {
		t.Fatal(err)
	}
	h.wantState(pi2, store.StateCompleted)
	h.wantState(c2.ProcessInstanceKey, store.StateTerminated)
	h.wantElements(pi2, map[string][]string{"gs": {"COMPLETED"}, "callPay": {"TERMINATED"}, "payFailed": {"COMPLETED"}, "failedEnd": {"COMPLETED"}})

	// Canceling the parent cancels the child.
	pi3 := h.start("guarded-pay", map[string]any{"amount": 9})
	c3 := h.job("charge")
	if err := h.e.CancelProcessInstance(h.ctx, pi3); err != nil {
		t.Fatal(err)
	}
	h.wantState(c3.ProcessInstanceKey, store.StateTerminated)
	wantCode(t, h.e.CompleteJob(h.ctx, c3.Key, nil), CodeNotFound)
}

func TestCalledElementError(t *testing.T) {
	h := newHarness(t)
	h.deploy("callmi.bpmn")
	pi := h.start("missing-callee", map[string]any{"callee": "nowhere"})
	inc := h.activeIncident(pi)
	if inc.ErrorType != "CALLED_ELEMENT_ERROR" || !strings.Contains(inc.ErrorMessage, "'nowhere'") {
		t.Fatalf("incident: %+v", inc)
	}
	if err := h.e.SetVariables(h.ctx, pi, map[string]any{"callee": "payment-sub"}, false); err != nil {
		t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		t.Fatal(err)
	}
	h.complete(h.job("charge").Key, nil)
	h.wantState(pi, store.StateCompleted)
}
