package engine

import (
	"reflect"
	"strings"
	"testing"
)

var jsonValueCases = []string{
	`null`, `true`, `false`, `0`, `-0`, `12.5`, `-1.5e+10`, `1E2`, `123456789012345678901234567890`,
	`""`, `"plain"`, `"ünïcödé ✓"`, `"esc\"aped"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, "\"bad\xffutf8\"", "\"ctl\x01\"",
	`{}`, `[]`, `{"order":{"total":9.99,"items":[1,"a",null,true,{"x":[]}]}}`, `{"a":1,"a":2}`,
	` { "a" : [ 1 , 2 ] } `, "\t[\n1\r]\n", `[1,2,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `01`, `1.`, `.5`, `-`, `1e`, `+1`,
	`tru`, `nul`, `1 2`, `{} x`, `"open`, `[`, `{`, ``, `   `, strings.Repeat("[", 150) + strings.Repeat("]", 150),
	strings.Repeat("[", 20000) + strings.Repeat("]", 20000), `{"k\u0041":1}`,
}

// TestDecodeJSONAsEncodingJSON: the fast decoder gives what encoding/json's
// Decoder with UseNumber gives, for valid and malformed input alike.
func TestDecodeJSONAsEncodingJSON(t *testing.T) {
	for _, c := range jsonValueCases {
		if got, want := decodeJSON(c), decodeJSONSlow(c); !reflect.DeepEqual(got, want) {
			t.Errorf("decodeJSON(%.60q) = %#v, encoding/json gives %#v", c, got, want)
		}
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, c := range jsonValueCases {
		f.Add(c)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := decodeJSON(s), decodeJSONSlow(s); !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeJSON(%q) = %#v, encoding/json gives %#v", s, got, want)
		}
	})
}

func BenchmarkDecodeJSON(b *testing.B) {
	const v = `{"order":{"total":9.99,"id":"o-1","items":[1,2,3]}}`
	b.Run("fast", func(b *testing.B) {
		for b.Loop() {
			decodeJSON(v)
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		for b.Loop() {
			decodeJSONSlow(v)
		}
	})
}
