package mcpgw

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
)

type fastKinds struct {
	S   string       `json:"s"`
	B   bool         `json:"b,omitempty"`
	I   int          `json:"i"`
	I8  int8         `json:"i8"`
	I32 int32        `json:"i32"`
	K   cluster.Key  `json:"k"`
	PK  *cluster.Key `json:"pk"`
	PI  *int32       `json:"pi"`
	PS  *string      `json:"ps"`
	PB  *bool        `json:"pb"`
	N   named        `json:"n"`
	Q   int64        `json:"q,string"`
	F   float64      `json:"f"`
	Any any          `json:"any"`
	L   []string     `json:"l"`
	Up  string       `json:"Up"`
	No  string       `json:"-"`
	X   string
}

type named string

// fastTargets are the structs the fast decoder is held to encoding/json on.
var fastTargets = []func() any{
	func() any { return new(fastKinds) },
	func() any { return new(processInstanceKeyArgs) },
	func() any { return new(createProcessInstanceArgs) },
	func() any { return new(assignUserTaskArgs) },
}

// The fast decoder reads the calls it takes as encoding/json does (for
// FuzzFastArgs to judge), and takes the plain calls the tools get most.
func TestFastArgs(t *testing.T) {
	for _, c := range []struct {
		raw  string
		into func() any
	}{
		{`{"processInstanceKey":"2251799813685249"}`, fastTargets[1]},
		{`{"processInstanceKey":2251799813685249}`, fastTargets[1]},
		{`{"processDefinitionId":"order","awaitCompletion":true,"requestTimeout":5000,"tenantId":"<default>"}`, fastTargets[2]},
		{`{"processDefinitionKey":"7","processDefinitionVersion":3}`, fastTargets[2]},
		{`{"s":"a","b":true,"i":-1,"i8":127,"i32":2147483647,"k":"5","pk":6,"pi":0,"ps":"","pb":false,"n":"x","Up":"u","X":"x"}`, fastTargets[0]},
	} {
		dst := c.into()
		if !newFastArgs(reflect.TypeOf(dst).Elem()).decode([]byte(c.raw), reflect.ValueOf(dst).Elem()) {
			t.Errorf("%s: the fast decoder did not take it", c.raw)
		}
		agreeFast(t, []byte(c.raw))
	}
	for _, raw := range []string{`{"processDefinitionId":"order","variables":{"a":1}}`, `{"processDefinitionId":"ord\u0065r"}`,
		`{"processDefinitionId":null}`, `{"ProcessDefinitionId":"order"}`, `{"processDefinitionVersion":1.0}`} {
		dst := new(createProcessInstanceArgs)
		if newFastArgs(reflect.TypeOf(dst).Elem()).decode([]byte(raw), reflect.ValueOf(dst).Elem()) {
			t.Errorf("%s: the fast decoder took what it leaves to encoding/json", raw)
		}
	}
	if newFastArgs(reflect.TypeFor[struct{ fastKinds }]()) != nil || newFastArgs(reflect.TypeFor[map[string]any]()) != nil {
		t.Error("a fast decoder for an embedding struct or a map")
	}
}

// FuzzFastArgs: whatever the fast decoder takes, encoding/json decodes
// without error to the same value.
func FuzzFastArgs(f *testing.F) {
	for _, s := range argCorpus {
		f.Add(s)
	}
	for _, s := range []string{`{"s":"a","b":true,"i":-1,"i8":128,"i32":-2147483649,"k":"+5","pk":"-0","pi":0,"ps":"é","pb":false}`,
		`{"n":"x","q":"5","f":1.5,"any":1,"l":["a"],"up":"u","Up":"v","-":"d","x":"1","X":"2"}`,
		`{"k":"00000000000000000000000001","i":1e2,"i":2,"s":"\ud800","b":"true","k":true}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if !json.Valid([]byte(raw)) {
			return
		}
		agreeFast(t, []byte(raw))
	})
}

func agreeFast(t *testing.T, raw []byte) {
	t.Helper()
	for _, into := range fastTargets {
		a, b := into(), into()
		if !newFastArgs(reflect.TypeOf(a).Elem()).decode(raw, reflect.ValueOf(a).Elem()) {
			continue
		}
		if err := json.Unmarshal(raw, b); err != nil {
			t.Fatalf("%s into %T: the fast decoder took it, encoding/json says %v", raw, a, err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s into %T:\nfast %+v\njson %+v", raw, a, a, b)
		}
	}
}
