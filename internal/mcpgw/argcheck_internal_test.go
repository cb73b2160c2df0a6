package mcpgw

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// argCorpus are arguments, valid and invalid, for the tools' schemas.
var argCorpus = []string{
	`{}`, ` { } `, `{"zz":1}`, `{"processInstanceKey":"2251799813685249"}`, `{"processInstanceKey":2251799813685249}`,
	`{"processInstanceKey":"0"}`, `{"processInstanceKey":"-5"}`, `{"processInstanceKey":"+5"}`, `{"processInstanceKey":"1e3"}`,
	`{"processInstanceKey":1e3}`, `{"processInstanceKey":1.0}`, `{"processInstanceKey":"0000000000000000000000000005"}`,
	`{"processInstanceKey":"\u0031"}`, `{"processInstanceKey":null}`, `{"processInstanceKey":true}`, `{"processInstanceKey":{}}`,
	`{"processInstanceKey":"1","processInstanceKey":"2"}`, `{"ProcessInstanceKey":"1"}`,
	`{"processDefinitionId":"order","variables":{"a":1,"b":{"c":[1,2,{"d":null}]},"s":"<&>\u2028"}}`,
	`{"processDefinitionId":"order","variables":{"a":1,"a":2}}`, `{"processDefinitionId":"order","variables":[]}`,
	`{"processDefinitionId":5}`, `{"processDefinitionId":"order","processDefinitionVersion":2147483648}`,
	`{"processDefinitionId":"order","processDefinitionVersion":-2147483648}`, `{"processDefinitionId":"order","processDefinitionVersion":1.5}`,
	`{"processDefinitionId":"order","tags":["a","b",null]}`, `{"processDefinitionId":"order","tags":"a"}`, `{"processDefinitionId":"order","tags":[1]}`,
	`{"processDefinitionId":"order","awaitCompletion":true,"requestTimeout":5000,"fetchVariables":["x"]}`,
	`{"processDefinitionId":"order","awaitCompletion":"yes"}`, `{"processDefinitionKey":"x"}`, `{"processDefinitionKey":"7","businessId":"b-1"}`,
	`{"filter":{"state":"ACTIVE","processDefinitionId":"order"},"page":{"limit":5,"from":0},"sort":[{"field":"startDate","order":"DESC"}]}`,
	`{"filter":{"state":"ACTIVE"},"sort":[{"field":"nope"}]}`, `{"filter":{"state":"ACT\u0049VE"}}`, `{"sort":[{"order":"ASC"}]}`,
	`{"sort":[null]}`, `{"filter":null,"page":null}`, `{"filter":{"zz":1}}`, `{"filter":[]}`, `{"page":{"limit":"5"}}`,
	`{"filter":{"processInstanceKey":"2251799813685249","startDate":{"from":"2024-01-01T00:00:00Z"}}}`,
	`{"filter":{"variables":[{"name":"a","value":"1"}]}}`, `{"filter":{"variables":[{"name":"a"}]}}`,
	`{"userTaskKey":"5","completionOptions":{"variables":{"x":1},"action":"done"}}`, `{"userTaskKey":"5","assignee":"bob"}`,
	`{"resourceName":"a.bpmn","resource":"<xml/>"}`, `{"name":"m","correlationKey":"c-1","variables":{}}`,
	`{"name":"m","correlationKey":5}`, `{"decisionDefinitionId":"d","variables":{"x":"y"}}`,
	`{"variableKey":"9","truncateValues":false}`, `{"incidentKey":"9"}`, `{"processInstanceKey":"9","variables":{"k":"v"},"local":true}`,
}

// The compiled schemas accept only arguments checkArgs finds valid, for
// every tool, and the arguments they accept decode to the same values
// as checkArgs and decodeArgs make of them.
func TestCompiledSchemaAgrees(t *testing.T) {
	accepted := 0
	for _, file := range []string{"camunda_tools.json", "orca_tools.json", "decision_tools.json"} {
		tools, err := loadTools(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, tool := range tools {
			schema := tool.InputSchema.(map[string]any)
			c := compileSchema(schema)
			for _, raw := range argCorpus {
				if agreeOn(t, tool.Name, c, schema, []byte(raw)) {
					accepted++
				}
			}
		}
	}
	t.Logf("the compiled schemas accepted %d calls of the corpus", accepted)
	if accepted < 50 {
		t.Errorf("the compiled schemas accepted %d calls of the corpus: they are hardly used", accepted)
	}
}

// agreeOn checks one call: true when the compiled schema accepted it.
func agreeOn(t *testing.T, tool string, c *argSchema, schema map[string]any, raw []byte) bool {
	t.Helper()
	if !json.Valid(raw) || len(raw) == 0 {
		return false
	}
	args, errs := checkToolArgs(c, schema, raw)
	m, wantErrs := checkArgs(schema, raw)
	if !reflect.DeepEqual(errs, wantErrs) {
		t.Fatalf("%s(%s): violations %q, checkArgs %q", tool, raw, errs, wantErrs)
	}
	if args.raw == nil {
		return false
	}
	if len(wantErrs) > 0 {
		t.Fatalf("%s(%s): the compiled schema accepted arguments checkArgs refuses: %q", tool, raw, wantErrs)
	}
	for _, dst := range []func() any{
		func() any { return new(createProcessInstanceArgs) },
		func() any { return new(processInstanceSearchArgs) },
		func() any { return new(userTaskSearchArgs) },
		func() any { return new(completeUserTaskArgs) },
		func() any { return new(processInstanceKeyArgs) },
		func() any { return new(incidentSearchArgs) },
		func() any { return new(assignUserTaskArgs) },
		func() any { return new(map[string]any) },
	} {
		for _, withFast := range []bool{false, true} {
			a, b := dst(), dst()
			plain := !holdsInterface(reflect.TypeOf(a).Elem(), map[reflect.Type]bool{})
			var fast *fastArgs
			if withFast {
				fast = newFastArgs(reflect.TypeOf(a).Elem())
			}
			errA := args.decode(a, plain, fast)
			errB := decodeArgs(m, b)
			if (errA == nil) != (errB == nil) || errA == nil && !reflect.DeepEqual(a, b) {
				t.Fatalf("%s(%s) into %T (fast %v): raw %+v (%v), generic %+v (%v)", tool, raw, a, withFast, a, errA, b, errB)
			}
		}
	}
	return true
}

// FuzzCompiledSchema holds the compiled schemas of a few tools to
// checkArgs on arbitrary arguments.
func FuzzCompiledSchema(f *testing.F) {
	for _, s := range argCorpus {
		f.Add(s)
	}
	var schemas []map[string]any
	var names []string
	for _, file := range []string{"camunda_tools.json", "orca_tools.json"} {
		tools, err := loadTools(file)
		if err != nil {
			f.Fatal(err)
		}
		for _, tool := range tools {
			switch tool.Name {
			case "getProcessInstance", "createProcessInstance", "searchProcessInstances", "searchUserTasks", "completeUserTask", "setVariables":
				schemas = append(schemas, tool.InputSchema.(map[string]any))
				names = append(names, tool.Name)
			}
		}
	}
	compiled := make([]*argSchema, len(schemas))
	for i, s := range schemas {
		compiled[i] = compileSchema(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !strings.HasPrefix(strings.TrimSpace(raw), "{") {
			return
		}
		for i := range schemas {
			agreeOn(t, names[i], compiled[i], schemas[i], []byte(raw))
		}
	})
}

type nested struct {
	A []*struct{ B map[string][]any }
}

// The argument structs of the tools without interface values decode
// without a decoder; those with one (variables) keep json.Number.
func TestHoldsInterface(t *testing.T) {
	for _, c := range []struct {
		v    any
		want bool
	}{
		{processInstanceKeyArgs{}, false}, {processInstanceSearchArgs{}, false}, {incidentSearchArgs{}, false},
		{createProcessInstanceArgs{}, true}, {completeUserTaskArgs{}, true}, {map[string]any{}, true},
		{nested{}, true}, {noArgs{}, false},
	} {
		if got := holdsInterface(reflect.TypeOf(c.v), map[reflect.Type]bool{}); got != c.want {
			t.Errorf("%T: %v, want %v", c.v, got, c.want)
		}
	}
}
