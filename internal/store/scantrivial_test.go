package store

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestScanTrivialAsEncodingJSON holds jsonCol's shortcut for null, [] and
// {} to what encoding/json makes of them, into empty and filled lists and
// maps: nil stays nil or becomes empty as it would, and a column read into
// a record that held a value replaces it as it would.
func TestScanTrivialAsEncodingJSON(t *testing.T) {
	for _, text := range []string{"null", "[]", "{}", `["a"]`, `{"a":"b"}`, " null", "[ ]"} {
		for _, name := range []string{"nil", "filled"} {
			lists := func() *[]string {
				if name == "nil" {
					return new([]string)
				}
				return &[]string{"x", "y"}
			}
			maps := func() *map[string]string {
				if name == "nil" {
					return new(map[string]string)
				}
				return &map[string]string{"x": "y"}
			}
			for _, mk := range []func() any{func() any { return lists() }, func() any { return maps() }} {
				want, got := mk(), mk()
				wantErr := json.Unmarshal([]byte(text), want)
				gotErr := jsonCol{got}.Scan(text)
				if (wantErr == nil) != (gotErr == nil) || !reflect.DeepEqual(want, got) ||
					(reflect.ValueOf(want).Elem().IsNil() != reflect.ValueOf(got).Elem().IsNil()) {
					t.Errorf("%s into %s %T: got %#v (%v), encoding/json %#v (%v)", text, name, want, got, gotErr, want, wantErr)
				}
			}
		}
	}
}
