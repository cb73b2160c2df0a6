package bpmn

import (
	"errors"
	"strings"
	"testing"
)

func TestStraightThroughLoops(t *testing.T) {
	flows := func(pairs ...string) string {
		var b strings.Builder
		for i := 0; i+1 < len(pairs); i += 2 {
			b.WriteString(`<bpmn:sequenceFlow id="f` + pairs[i] + `_` + pairs[i+1] + `" sourceRef="` + pairs[i] + `" targetRef="` + pairs[i+1] + `" />`)
		}
		return b.String()
	}
	cases := []struct {
		name, body string
		want       string // the loop named in the problem; empty: deploys
	}{
		{"a throw event into itself",
			`<bpmn:startEvent id="s" /><bpmn:intermediateThrowEvent id="throw" /><bpmn:endEvent id="e" />` +
				flows("s", "throw", "throw", "throw"),
			"throw > throw"},
		{"two undefined tasks",
			`<bpmn:startEvent id="s" /><bpmn:task id="task1" /><bpmn:task id="task2" />` +
				flows("s", "task1", "task1", "task2", "task2", "task1"),
			"task1 > task2 > task1"},
		{"manual task through gateways",
			`<bpmn:startEvent id="s" /><bpmn:manualTask id="m" /><bpmn:exclusiveGateway id="x" default="fx_e" /><bpmn:parallelGateway id="p" /><bpmn:endEvent id="e" />` +
				flows("s", "p", "p", "m", "m", "x", "x", "p", "x", "e"),
			"m > x > p > m"},
		{"a FEEL script task loop",
			`<bpmn:startEvent id="s" /><bpmn:scriptTask id="inc"><bpmn:extensionElements><zeebe:script expression="=i + 1" resultVariable="i" /></bpmn:extensionElements></bpmn:scriptTask><bpmn:exclusiveGateway id="x" default="fx_inc" /><bpmn:endEvent id="e" />` +
				`<bpmn:sequenceFlow id="fs" sourceRef="s" targetRef="inc" /><bpmn:sequenceFlow id="f1" sourceRef="inc" targetRef="x" /><bpmn:sequenceFlow id="fx_inc" sourceRef="x" targetRef="inc" /><bpmn:sequenceFlow id="fdone" sourceRef="x" targetRef="e"><bpmn:conditionExpression>=i &gt; 3</bpmn:conditionExpression></bpmn:sequenceFlow>`,
			"inc > x > inc"},
		{"inside a sub-process",
			`<bpmn:startEvent id="s" /><bpmn:subProcess id="sub"><bpmn:startEvent id="ss" /><bpmn:task id="a" /><bpmn:task id="b" />` + flows("ss", "a", "a", "b", "b", "a") + `</bpmn:subProcess>` +
				flows("s", "sub"),
			"a > b > a"},
		{"a wait state in the loop",
			`<bpmn:startEvent id="s" /><bpmn:task id="a" /><bpmn:userTask id="u" />` +
				flows("s", "a", "a", "u", "u", "a"),
			""},
		{"gateways alone (Zeebe accepts them; the step budget stops them)",
			`<bpmn:startEvent id="s" /><bpmn:exclusiveGateway id="x1" /><bpmn:exclusiveGateway id="x2" />` +
				flows("s", "x1", "x1", "x2", "x2", "x1"),
			""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("loop.bpmn", doc(`<bpmn:process id="p" isExecutable="true">`+c.body+`</bpmn:process>`))
			if c.want == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("deployed, want the loop %s rejected (err %v)", c.want, err)
			}
			if !strings.Contains(err.Error(), "straight-through processing loop") || !strings.Contains(err.Error(), ": "+c.want) {
				t.Fatalf("error does not name the loop %q: %v", c.want, err)
			}
		})
	}
}
