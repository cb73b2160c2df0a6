package mcpgw_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// fromAiBPMN is a process tool whose start event declares its inputs with
// fromAi calls in its output mappings; outputs are extra mappings.
func fromAiBPMN(id, message, outputs string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:process id="%[1]s" name="%[1]s" isExecutable="true">
    <bpmn:startEvent id="start" zeebe:modelerTemplate="io.camunda.mcp.start-message">
      <bpmn:extensionElements>
        <zeebe:properties>
          <zeebe:property name="io.camunda.tool:name" value="%[1]s" />
          <zeebe:property name="io.camunda.tool:purpose" value="Registers a customer." />
          <zeebe:property name="io.camunda.tool:inputs" value="The customer's name and the amount." />
        </zeebe:properties>
        <zeebe:ioMapping>%[3]s</zeebe:ioMapping>
      </bpmn:extensionElements>
      <bpmn:messageEventDefinition messageRef="m" />
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:receiveTask id="wait" messageRef="w" />
  </bpmn:process>
  <bpmn:message id="m" name="%[2]s" />
  <bpmn:message id="w" name="%[2]s-done"><bpmn:extensionElements><zeebe:subscription correlationKey="=firstName" /></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>`, id, message, outputs)
}

const customerOutputs = `
          <zeebe:output source="=fromAi(toolCall.firstName, &quot;The customer's first name&quot;, &quot;string&quot;)" target="firstName" />
          <zeebe:output source="=fromAi(toolCall.amount, &quot;The amount in EUR&quot;, &quot;number&quot;)" target="order.amount" />
          <zeebe:output source="=fromAi(value: toolCall.tier, description: &quot;The customer's tier&quot;, schema: {enum: [&quot;gold&quot;, &quot;silver&quot;]}, options: {required: false})" target="tier" />
          <zeebe:output source="=&quot;mcp&quot;" target="channel" />`

// fromAi inputs: the start event's output mappings are the tool's input
// schema (types, descriptions, required, no other arguments); a call that
// violates it is a tool error and starts nothing; a valid call's arguments
// reach the process through the mappings only.
func TestProcessesFromAiInputs(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	e.cs = cs
	e.restDeploy("customer.bpmn", fromAiBPMN("register_customer", "customer-start", customerOutputs))
	tool := "register_customer_" + e.openToolKeys()["register_customer"]
	tools := listTools(t, cs)
	tl := tools[tool]
	if tl == nil {
		t.Fatalf("no tool %s in %v", tool, names(tools))
	}
	in, _ := json.Marshal(tl.InputSchema)
	var schema struct {
		Type                 string
		Properties           map[string]map[string]any
		Required             []string
		AdditionalProperties *bool
	}
	if err := json.Unmarshal(in, &schema); err != nil {
		t.Fatal(err)
	}
	if schema.Type != "object" || schema.Properties["firstName"]["type"] != "string" ||
		schema.Properties["firstName"]["description"] != "The customer's first name" ||
		schema.Properties["amount"]["type"] != "number" || schema.Properties["tier"]["type"] != "string" ||
		fmt.Sprint(schema.Properties["tier"]["enum"]) != "[gold silver]" || schema.Properties["businessId"]["type"] != "string" ||
		!slices.Equal(schema.Required, []string{"firstName", "amount"}) ||
		schema.AdditionalProperties == nil || *schema.AdditionalProperties || len(schema.Properties) != 4 {
		t.Fatalf("input schema %s", in)
	}
	if alias := tools["register_customer"]; alias == nil || fmt.Sprint(alias.InputSchema) != fmt.Sprint(tl.InputSchema) {
		t.Errorf("the stable name has another schema: %v", alias)
	}

	e.invalid(tool, map[string]any{"firstName": "Ada"}, "amount: must not be null.")
	e.invalid(tool, map[string]any{"firstName": 7, "amount": "ten"}, "amount: must be a number.; firstName: must be a string.")
	e.invalid(tool, map[string]any{"firstName": "Ada", "amount": 3, "tier": "bronze"}, "tier: 'bronze' is not one of [gold, silver].")
	e.invalid(tool, map[string]any{"firstName": "Ada", "amount": 3, "lastName": "Lovelace"},
		"lastName: unknown argument; expected one of [amount, businessId, firstName, tier].")
	e.invalid("register_customer", map[string]any{"amount": 3}, "firstName: must not be null.")
	if n := len(items(e.restPost("/v2/process-instances/search", map[string]any{}))); n != 0 {
		t.Fatalf("rejected calls started %d instances", n)
	}

	started := e.ok(tool, map[string]any{"firstName": "Ada", "amount": 12.5, "tier": "gold", "businessId": "cust-1"})
	pi := numKey(started["processInstanceKey"])
	// The process scope holds the mapped variables only; the arguments
	// (as themselves and as toolCall) stay with the start event.
	vars := e.restPost("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	var process, startEvent []string
	for _, v := range items(vars) {
		s := fmt.Sprintf("%v=%v", v["name"], v["value"])
		if v["scopeKey"] == pi {
			process = append(process, s)
		} else {
			startEvent = append(startEvent, s)
		}
	}
	slices.Sort(process)
	slices.Sort(startEvent)
	if want := []string{`channel="mcp"`, `firstName="Ada"`, `order={"amount":12.5}`, `tier="gold"`}; !slices.Equal(process, want) {
		t.Errorf("process variables %v, want %v", process, want)
	}
	if want := []string{`amount=12.5`, `firstName="Ada"`, `tier="gold"`, `toolCall={"amount":12.5,"firstName":"Ada","tier":"gold"}`}; !slices.Equal(startEvent, want) {
		t.Errorf("start event variables %v, want %v", startEvent, want)
	}
	inst := e.restPost("/v2/process-instances/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if it := items(inst); len(it) != 1 || it[0]["businessId"] != "cust-1" {
		t.Errorf("instance %v: businessId marks it", it)
	}

	// Through the stable name, optional parameter left out: null.
	started = e.ok("register_customer", map[string]any{"firstName": "Grace", "amount": 1})
	pi = numKey(started["processInstanceKey"])
	vars = e.restPost("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "name": "tier"}})
	if it := items(vars); len(it) != 1 || it[0]["value"] != "null" || it[0]["scopeKey"] != pi {
		t.Errorf("tier of a call without it: %v", it)
	}
}

// A malformed fromAi call or a clash with businessId leaves the tool with
// the next schema (Camunda's here), and the process deploys: Zeebe does
// not check fromAi outside ad-hoc sub-processes.
func TestProcessesFromAiMalformed(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	e.cs = cs
	e.restDeploy("bad.bpmn", fromAiBPMN("bad_tool", "bad-start",
		`<zeebe:output source="=fromAi(&quot;not a reference&quot;)" target="x" />`))
	e.restDeploy("clash.bpmn", fromAiBPMN("clash_tool", "clash-start",
		`<zeebe:output source="=fromAi(toolCall.businessId, &quot;mine&quot;)" target="x" />`))
	keys := e.openToolKeys()
	tools := listTools(t, cs)
	for _, name := range []string{"bad_tool_" + keys["bad_tool"], "clash_tool_" + keys["clash_tool"]} {
		tl := tools[name]
		if tl == nil {
			t.Fatalf("no tool %s in %v", name, names(tools))
		}
		b, _ := json.Marshal(tl.InputSchema)
		if strings.Contains(string(b), `"required"`) || strings.Contains(string(b), `"x"`) {
			t.Errorf("%s: schema %s, want Camunda's", name, b)
		}
		e.ok(name, map[string]any{"anything": 1})
	}
}

// Arguments of process tools named like engine keys (customerKey, apiKey)
// are the process's own values: a string is not checked for digits, an
// integer not for a positive key.
func TestProcessesInputsNamedKey(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	e.cs = cs
	e.restDeploy("keys.bpmn", fromAiBPMN("keyed", "keyed-start", `
          <zeebe:output source="=fromAi(toolCall.customerKey, &quot;The customer's key in the CRM&quot;, &quot;string&quot;)" target="customerKey" />
          <zeebe:output source="=fromAi(toolCall.offsetKey, &quot;A signed offset&quot;, &quot;integer&quot;)" target="offsetKey" />`))
	e.restDeploy("typed.bpmn", toolBPMN("typed", "typed-start", "io.camunda.tool:name", "typed", "io.camunda.tool:purpose", "Typed.",
		"io.camunda.tool:inputs", "apiKey: required string, the key to use."))
	keys := e.openToolKeys()
	e.ok("keyed_"+keys["keyed"], map[string]any{"customerKey": "C-17", "offsetKey": -3})
	e.invalid("keyed_"+keys["keyed"], map[string]any{"customerKey": 17, "offsetKey": 1.5}, "customerKey: must be a string.; offsetKey: must be an integer, not 1.5.")
	e.ok("typed_"+keys["typed"], map[string]any{"apiKey": "k-abc"})
}

// specBPMN is a process tool whose start event declares tool inputs
// (Camunda 8.10's zeebe:externalParameters) in the namespace ns.
func specBPMN(id, message, ns string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:specext="http://camunda.org/schema/spec-extension/1.0" id="d">
  <bpmn:process id="%[1]s" isExecutable="true">
    <bpmn:startEvent id="start" zeebe:modelerTemplate="io.camunda.mcp.start-message">
      <bpmn:extensionElements>
        <zeebe:properties>
          <zeebe:property name="io.camunda.tool:name" value="%[1]s" />
          <zeebe:property name="io.camunda.tool:purpose" value="Withdraws money." />
        </zeebe:properties>
        <%[3]s:externalParameters>
          <%[3]s:inputSpecification name="firstName" description="The first name" type="string" required="false" />
          <%[3]s:inputSpecification name="amount" description="The amount to withdraw" type="integer" required="true" schema="{&quot;minimum&quot;: 1}" />
          <%[3]s:inputSpecification name="currency" schema="{&quot;enum&quot;: [&quot;EUR&quot;, &quot;USD&quot;]}" />
        </%[3]s:externalParameters>
      </bpmn:extensionElements>
      <bpmn:messageEventDefinition messageRef="m" />
    </bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:receiveTask id="wait" messageRef="w" />
  </bpmn:process>
  <bpmn:message id="m" name="%[2]s" />
  <bpmn:message id="w" name="%[2]s-done"><bpmn:extensionElements><zeebe:subscription correlationKey="=amount" /></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>`, id, message, ns)
}

// Tool inputs (zeebe:inputSpecification, in Zeebe's namespace or the
// Modeler plugin's) deploy and are the tool's input schema; a call that
// violates it starts nothing; other arguments are variables, as Camunda
// passes every argument.
func TestProcessesToolInputSpecification(t *testing.T) {
	e, cs := processesEnv(t)
	defer cs.Close()
	e.cs = cs
	e.restDeploy("withdraw.bpmn", specBPMN("withdraw", "withdraw-start", "zeebe"))
	e.restDeploy("withdraw2.bpmn", specBPMN("withdraw_plugin", "withdraw2-start", "specext"))
	keys := e.openToolKeys()
	tools := listTools(t, cs)
	for _, name := range []string{"withdraw_" + keys["withdraw"], "withdraw_plugin_" + keys["withdraw_plugin"]} {
		tl := tools[name]
		if tl == nil {
			t.Fatalf("no tool %s in %v", name, names(tools))
		}
		in, _ := json.Marshal(tl.InputSchema)
		var schema struct {
			Properties map[string]map[string]any
			Required   []string
		}
		json.Unmarshal(in, &schema)
		if schema.Properties["amount"]["type"] != "integer" || schema.Properties["amount"]["minimum"] != float64(1) ||
			schema.Properties["amount"]["description"] != "The amount to withdraw" || schema.Properties["firstName"]["type"] != "string" ||
			schema.Properties["currency"]["type"] != "string" || fmt.Sprint(schema.Properties["currency"]["enum"]) != "[EUR USD]" ||
			schema.Properties["businessId"] == nil || !slices.Equal(schema.Required, []string{"amount"}) {
			t.Fatalf("%s: input schema %s", name, in)
		}
		e.invalid(name, map[string]any{"firstName": "Ada"}, "amount: must not be null.")
		e.invalid(name, map[string]any{"amount": 5, "currency": "CHF"}, "currency: 'CHF' is not one of [EUR, USD].")
	}
	if n := len(items(e.restPost("/v2/process-instances/search", map[string]any{}))); n != 0 {
		t.Fatalf("rejected calls started %d instances", n)
	}
	started := e.ok("withdraw_"+keys["withdraw"], map[string]any{"amount": 20, "currency": "EUR", "note": "extra"})
	pi := numKey(started["processInstanceKey"])
	vars := e.restPost("/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	var got []string
	for _, v := range items(vars) {
		got = append(got, fmt.Sprintf("%v=%v", v["name"], v["value"]))
	}
	slices.Sort(got)
	if want := []string{"amount=20", `currency="EUR"`, `note="extra"`}; !slices.Equal(got, want) {
		t.Errorf("variables %v, want %v", got, want)
	}
}
