package mcpgw

import (
	"encoding/json"
	"testing"
)

func TestParseInputs(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       string // the schema's properties and required, or "" for free text
	}{
		{"one sentence each",
			"firstName: optional string, the first name. amount: required integer, the amount.",
			`{"amount":{"description":"the amount","type":"integer"},"businessId":` + bid + `,"firstName":{"description":"the first name","type":"string"}} ["amount"]`},
		{"lines with bullets",
			"- orderId: required string, the order's id\n- express: optional boolean\n* items: required array, what to ship",
			`{"businessId":` + bid + `,"express":{"type":"boolean"},"items":{"description":"what to ship","type":"array"},"orderId":{"description":"the order's id","type":"string"}} ["orderId","items"]`},
		{"number and object", "price: required number, in EUR; address: optional object",
			`{"address":{"type":"object"},"businessId":` + bid + `,"price":{"description":"in EUR","type":"number"}} ["price"]`},
		{"free text", "Provide the customer's name and the amount.", ""},
		{"text before the first entry", "Inputs: name: required string", ""},
		{"an unknown type", "when: required date, the day", ""},
		{"a repeated name", "a: required string. a: optional integer", ""},
		{"businessId is Camunda's", "businessId: required string", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fields, ok := parseInputs(tc.text)
			if tc.want == "" {
				if ok {
					t.Fatalf("free text read as typed inputs: %+v", fields)
				}
				return
			}
			if !ok {
				t.Fatalf("not read as typed inputs")
			}
			s := typedInput(fields)
			props, _ := json.Marshal(s["properties"])
			req, _ := json.Marshal(s["required"])
			if got := string(props) + " " + string(req); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

var bid = func() string {
	b, _ := json.Marshal(processToolInput()["properties"].(map[string]any)[businessIDArgument])
	return string(b)
}()
