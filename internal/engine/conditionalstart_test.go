package engine

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// condStartModel is a process with the given conditional start events
// (id and condition), each followed by a service task of type work-ID.
func condStartModel(id string, starts ...[2]string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="%s" isExecutable="true">
    <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="work-%s" /></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="fw" sourceRef="work" targetRef="end" />
`, id, id)
	for _, s := range starts {
		fmt.Fprintf(&b, `    <bpmn:startEvent id="%s"><bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression">%s</bpmn:condition></bpmn:conditionalEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f-%s" sourceRef="%s" targetRef="work" />
`, s[0], xmlEscape(s[1]), s[0], s[0])
	}
	b.WriteString("  </bpmn:process>\n</bpmn:definitions>\n")
	return []byte(b.String())
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func (h *harness) deployTenant(tenant, name string, content []byte) DeployResult {
	h.t.Helper()
	res, err := h.e.Deploy(h.ctx, tenant, []Resource{{Name: name, Content: content}})
	if err != nil {
		h.t.Fatalf("deploy %s: %v", name, err)
	}
	return res
}

func (h *harness) evaluate(req EvaluateConditionalsRequest) EvaluateConditionalsResult {
	h.t.Helper()
	res, err := h.e.EvaluateConditionals(h.ctx, req)
	if err != nil {
		h.t.Fatalf("evaluate %+v: %v", req, err)
	}
	return res
}

// startedAt names the start event each started instance went through.
func (h *harness) startedAt(res EvaluateConditionalsResult) []string {
	h.t.Helper()
	var out []string
	for _, s := range res.ProcessInstances {
		p := h.instance(s.ProcessInstanceKey)
		if p.ProcessDefinitionKey != s.ProcessDefinitionKey {
			h.t.Fatalf("instance %d: definition %d, answered %d", s.ProcessInstanceKey, p.ProcessDefinitionKey, s.ProcessDefinitionKey)
		}
		for id, states := range h.elementStates(s.ProcessInstanceKey) {
			if id != p.ProcessID && id != "work" && id != "end" && len(states) == 1 && states[0] == store.StateCompleted {
				out = append(out, p.ProcessID+"/"+id)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestConditionalStartEvents(t *testing.T) {
	h := newHarness(t)
	orders := h.deployTenant("", "orders.bpmn", condStartModel("orders",
		[2]string{"big", "= amount > 100"},
		[2]string{"vip", "= vip = true"},
		[2]string{"unset", "= flag = null"},
		[2]string{"fails", "= assert(amount, amount > 0) > 1000"},
		[2]string{"text", `= if amount > 5000 then "yes" else null`}))
	h.deployTenant("", "always.bpmn", condStartModel("always", [2]string{"any", "= true"}))
	ordersKey := orders.Processes[0].ProcessDefinitionKey

	for _, c := range []struct {
		name string
		vars map[string]any
		want []string
	}{
		// A condition without variables is evaluated every time.
		{"one condition holds", map[string]any{"amount": 150}, []string{"always/any", "orders/big"}},
		{"two conditions hold: two instances", map[string]any{"amount": 150, "vip": true}, []string{"always/any", "orders/big", "orders/vip"}},
		{"none holds", map[string]any{"amount": 50}, []string{"always/any"}},
		// flag = null would hold, but the condition reads none of the
		// variables given: it is not evaluated.
		{"conditions reading none of the variables are skipped", map[string]any{"other": 1}, []string{"always/any"}},
		// assert fails for a negative amount; the others still start.
		{"a failing condition starts nothing", map[string]any{"amount": -5, "vip": true}, []string{"always/any", "orders/vip"}},
		// "yes" is not a boolean.
		{"a condition that is not a boolean starts nothing", map[string]any{"amount": 6000}, []string{"always/any", "orders/big", "orders/fails"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := h.evaluate(EvaluateConditionalsRequest{Variables: c.vars})
			if res.Key == 0 || res.TenantID != DefaultTenant {
				t.Fatalf("answer %+v", res)
			}
			if got := h.startedAt(res); !slices.Equal(got, c.want) {
				t.Fatalf("started at %v, want %v", got, c.want)
			}
		})
	}

	t.Run("started instances carry the variables and go on", func(t *testing.T) {
		res := h.evaluate(EvaluateConditionalsRequest{ProcessDefinitionKey: ordersKey, Variables: map[string]any{"amount": 200, "note": "n"}})
		if len(res.ProcessInstances) != 1 {
			t.Fatalf("started %+v", res.ProcessInstances)
		}
		pi := res.ProcessInstances[0].ProcessInstanceKey
		h.wantVars(pi, map[string]string{"amount": "200", "note": `"n"`})
		for _, j := range h.jobs("work-orders", 100) {
			if j.ProcessInstanceKey == pi {
				h.complete(j.Key, nil)
			}
		}
		h.wantState(pi, store.StateCompleted)
	})

	t.Run("one process definition", func(t *testing.T) {
		res := h.evaluate(EvaluateConditionalsRequest{ProcessDefinitionKey: ordersKey, Variables: map[string]any{"amount": 150}})
		if got := h.startedAt(res); !slices.Equal(got, []string{"orders/big"}) {
			t.Fatalf("started at %v", got)
		}
		_, err := h.e.EvaluateConditionals(h.ctx, EvaluateConditionalsRequest{ProcessDefinitionKey: 42, Variables: map[string]any{"amount": 150}})
		if code := CodeOf(err); code != CodeNotFound {
			t.Fatalf("unknown definition: %v, want NOT_FOUND", err)
		}
	})

	t.Run("a new version replaces the subscription", func(t *testing.T) {
		v2 := h.deployTenant("", "orders.bpmn", condStartModel("orders", [2]string{"huge", "= amount > 1000"}))
		res := h.evaluate(EvaluateConditionalsRequest{Variables: map[string]any{"amount": 150, "vip": true}})
		if got := h.startedAt(res); !slices.Equal(got, []string{"always/any"}) {
			t.Fatalf("after v2: started at %v", got)
		}
		// The old version's key is known, but it no longer subscribes.
		if res := h.evaluate(EvaluateConditionalsRequest{ProcessDefinitionKey: ordersKey, Variables: map[string]any{"amount": 5000}}); len(res.ProcessInstances) != 0 {
			t.Fatalf("the old version started %+v", res.ProcessInstances)
		}
		h.restart() // the subscriptions are derived from the deployed versions again
		res = h.evaluate(EvaluateConditionalsRequest{Variables: map[string]any{"amount": 5000}})
		if got := h.startedAt(res); !slices.Equal(got, []string{"always/any", "orders/huge"}) {
			t.Fatalf("after a restart: started at %v", got)
		}
		if res.ProcessInstances[1].ProcessDefinitionKey != v2.Processes[0].ProcessDefinitionKey {
			t.Fatalf("started %+v, want version 2", res.ProcessInstances)
		}
	})

	t.Run("tenants", func(t *testing.T) {
		h.deployTenant("t1", "orders.bpmn", condStartModel("orders", [2]string{"t1big", "= amount > 100"}))
		res := h.evaluate(EvaluateConditionalsRequest{TenantID: "t1", Variables: map[string]any{"amount": 5000}})
		if got := h.startedAt(res); !slices.Equal(got, []string{"orders/t1big"}) || res.TenantID != "t1" {
			t.Fatalf("tenant t1: started at %v (%+v)", got, res)
		}
		if h.instance(res.ProcessInstances[0].ProcessInstanceKey).TenantID != "t1" {
			t.Fatal("the instance is not t1's")
		}
		if res := h.evaluate(EvaluateConditionalsRequest{TenantID: "t2", Variables: map[string]any{"amount": 5000}}); len(res.ProcessInstances) != 0 {
			t.Fatalf("tenant t2 started %+v", res.ProcessInstances)
		}
		// Another tenant's definition is not found by key.
		_, err := h.e.EvaluateConditionals(h.ctx, EvaluateConditionalsRequest{TenantID: "t2", ProcessDefinitionKey: res.ProcessInstances[0].ProcessDefinitionKey})
		if CodeOf(err) != CodeNotFound {
			t.Fatalf("t1's definition from t2: %v, want NOT_FOUND", err)
		}
	})
}

// TestConditionalStartOfManyProcesses: one evaluation starting an instance
// of each of many processes runs their steps in bounded slices, and every
// instance reaches its task.
func TestConditionalStartOfManyProcesses(t *testing.T) {
	h := newHarnessWith(t, Options{StepsPerBatch: 20})
	const n = 150
	var rs []Resource
	for i := range n {
		id := fmt.Sprintf("p%03d", i)
		rs = append(rs, Resource{Name: id + ".bpmn", Content: condStartModel(id, [2]string{"s", "= go"})})
	}
	if _, err := h.e.Deploy(h.ctx, "", rs); err != nil {
		t.Fatal(err)
	}
	before := h.e.stats.CarriedSteps.Load()
	res := h.evaluate(EvaluateConditionalsRequest{Variables: map[string]any{"go": true}})
	if len(res.ProcessInstances) != n {
		t.Fatalf("started %d instances, want %d", len(res.ProcessInstances), n)
	}
	if h.e.stats.CarriedSteps.Load() == before {
		t.Fatal("no step was carried over: the evaluation ran all its instances' steps in its own batch")
	}
	for batches := 0; h.carried() > 0; batches++ {
		if batches > n {
			t.Fatalf("steps still carried after %d batches", batches)
		}
	}
	for i, s := range res.ProcessInstances {
		id := fmt.Sprintf("p%03d", i)
		if j := h.job("work-" + id); j.ProcessInstanceKey != s.ProcessInstanceKey {
			t.Fatalf("%s: job of %d, want %d", id, j.ProcessInstanceKey, s.ProcessInstanceKey)
		}
	}
}
