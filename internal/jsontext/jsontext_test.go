package jsontext_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/jsontext"
)

// cases are seeds: valid and malformed JSON of every kind the grammar has.
var cases = []string{
	`null`, `true`, `false`, `0`, `-0`, `12.5`, `-1.5e+10`, `1E2`, `1.5e-07`, `0.0E+0`, `123456789012345678901234567890`,
	`""`, `"plain"`, `"ünïcödé ✓"`, `"esc\"aped"`, `"\u00e9\ud83d\ude00"`, `"\ud800"`, "\"bad\xffutf8\"", "\"ctl\x01\"",
	`"\/\b\f\n\r\t\\"`, `"\x"`, `"\u12"`, `"\u12G4"`, `"abc`, `"\`, "\u2028",
	`{}`, `[]`, `{"order":{"total":9.99,"items":[1,"a",null,true,{"x":[]}]}}`, `{"a":1,"a":2}`, `{"k\u0041":1}`,
	` { "a" : [ 1 , 2 ] } `, "\t[\n1\r]\n", `[1,2,]`, `{"a":1,}`, `{"a" 1}`, `{a:1}`, `[1 2]`, `{"a"}`, `{"a":}`, `{,}`, `[,1]`,
	`{"a":1 "b":2}`, `01`, `-01`, `1.`, `.5`, `-`, `1e`, `1e+`, `+1`, `[-]`, `[1e5.5]`, `tru`, `nul`, `nulll`, `1 2`, `{} x`,
	`{"a":1}{}`, `[`, `{`, ``, `   `, "{\"\xff\":1}", `[[[[1]]]]`, `{"a":{"b":{"c":{"d":{}}}}}`,
	`[[[[[[1]]]]]`, ` {"a" : [1, {"b":null}], "c":"\u0041\"\/\b\f\n\r\t\\", "d":-1.5e3, "e":0.0E+0, "f":[true,false]} `,
	`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"k":"2251799813685251"}}}`,
}

// deep are the nestings at the bounds: Decode's own (it leaves deeper ones
// to encoding/json), the MCP gateway's and encoding/json's. Too big to make good fuzz seeds.
var deep = []string{
	strings.Repeat("[", 100) + strings.Repeat("]", 100),
	strings.Repeat("[", 101) + strings.Repeat("]", 101),
	strings.Repeat(`{"a":`, 150) + "1" + strings.Repeat("}", 150),
	strings.Repeat(`{"a":`, 1001) + "1" + strings.Repeat("}", 1001),
	strings.Repeat("[", jsontext.StdMaxDepth) + strings.Repeat("]", jsontext.StdMaxDepth),
	strings.Repeat("[", jsontext.StdMaxDepth+1) + strings.Repeat("]", jsontext.StdMaxDepth+1),
}

// stdDecode is encoding/json's reading of the first value in s, as Decode
// promises it.
func stdDecode(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return nil
	}
	return v
}

// deeper tells whether valid JSON nests objects and arrays deeper than max.
func deeper(s string, max int) bool {
	depth := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			for i++; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			if depth++; depth > max {
				return true
			}
		case '}', ']':
			depth--
		}
	}
	return false
}

// check holds Valid and Decode to encoding/json for one input.
func check(t *testing.T, s string) {
	t.Helper()
	std := json.Valid([]byte(s))
	if got := jsontext.Valid([]byte(s), jsontext.StdMaxDepth); got != std {
		t.Fatalf("Valid(%.80q) = %v; json.Valid says %v", s, got, std)
	}
	// 1000: the bound the MCP gateway checks messages with (go-sdk's).
	for _, max := range []int{0, 3, 1000} {
		want := std && !deeper(s, max)
		if got := jsontext.Valid([]byte(s), max); got != want {
			t.Fatalf("Valid(%.80q, %d) = %v; want %v", s, max, got, want)
		}
	}
	if got, want := jsontext.Decode(s), stdDecode(s); !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode(%.80q) = %#v; encoding/json gives %#v", s, got, want)
	}
}

func TestAsEncodingJSON(t *testing.T) {
	for _, c := range append(cases, deep...) {
		check(t, c)
	}
}

// FuzzAsEncodingJSON: Valid judges as json.Valid does (and bounds the
// depth), Decode decodes as encoding/json's Decoder with UseNumber does.
func FuzzAsEncodingJSON(f *testing.F) {
	for _, c := range cases {
		f.Add(c)
	}
	f.Fuzz(check)
}

func BenchmarkValid(b *testing.B) {
	msg := []byte(`{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"2251799813685301"}}}`)
	for b.Loop() {
		jsontext.Valid(msg, 1000)
	}
}

func BenchmarkDecode(b *testing.B) {
	const v = `{"order":{"total":9.99,"id":"o-1","items":[1,2,3]}}`
	b.ReportAllocs()
	for b.Loop() {
		jsontext.Decode(v)
	}
}
