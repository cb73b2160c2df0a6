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
	"{\"\xff\":1,\"\xfe\":2}", "{\"a\":\"ord\xffer\",\"b\":\"caf\u00e9\",\"c\":\"caf\\u00e9\",\"d\":\"\xef\xbf\xbd\"}", `{"a":1,"b":[1,{"a":2}],"a":3} x`,
	`{"a":"\ud800","a\u0000b":"x\/y"}`, `{"a":[}`, `{"a":1}}`, "{\"a\":\"\xe2\x82\"}",
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

// stdEnd is where encoding/json's Decoder ends the first value in s; -1
// when it finds none.
func stdEnd(s string) int {
	dec := json.NewDecoder(strings.NewReader(s))
	var raw json.RawMessage
	if dec.Decode(&raw) != nil {
		return -1
	}
	return int(dec.InputOffset())
}

// members walks the object b begins with, valid text, with SkipName, Skip
// and Next, as the MCP gateway walks objects: its members' values by name
// (a name SkipName finds not plain decoded by encoding/json, the last
// member of a name counting). It holds SkipName's and SkipString's
// judgement (plain or not) to what encoding/json decodes. ok false when
// the walk finds no object.
func members(t *testing.T, b []byte) (m map[string]string, ok bool) {
	t.Helper()
	i := jsontext.Space(b, 0)
	if i >= len(b) || b[i] != '{' {
		return nil, false
	}
	m = map[string]string{}
	if j := jsontext.Space(b, i+1); j < len(b) && b[j] == '}' {
		return m, true
	}
	for i++; ; {
		start, end, after, plain := jsontext.SkipName(b, i)
		if after < 0 {
			return nil, false
		}
		name := decodedString(t, b[start-1:end+1], plain)
		vstart := jsontext.Space(b, after)
		vend := jsontext.Skip(b, vstart)
		if vend < 0 {
			return nil, false
		}
		m[name] = string(b[vstart:vend])
		if b[vstart] == '"' {
			end, plain := jsontext.SkipString(b, vstart)
			if end != vend {
				t.Fatalf("SkipString(%.80q, %d) ends at %d, Skip at %d", b, vstart, end, vend)
			}
			decodedString(t, b[vstart:vend], plain)
		}
		var closed bool
		if i, closed = jsontext.Next(b, vend, '}'); i < 0 {
			return nil, false
		} else if closed {
			return m, true
		}
	}
}

// decodedString is encoding/json's reading of the string q (with its
// quotes), which must be plain (its contents read as they stand) exactly
// when it says so.
func decodedString(t *testing.T, q []byte, plain bool) string {
	t.Helper()
	var v string
	if err := json.Unmarshal(q, &v); err != nil {
		t.Fatalf("%q, a string in valid text: encoding/json says %v", q, err)
	}
	if plain != (v == string(q[1:len(q)-1])) {
		t.Fatalf("%q: plain %v, yet it decodes to %q", q, plain, v)
	}
	return v
}

// check holds Valid, Decode, and the functions for valid text (Skip,
// SkipString, SkipName, with Next: a walk of an object's members) to
// encoding/json for one input.
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
	b := []byte(s)
	// On any text, from anywhere, the functions for valid text return
	// (their answers are checked below where the text is valid).
	if len(b) <= 4096 {
		for i := range b {
			jsontext.Skip(b, i)
			jsontext.SkipString(b, i)
			jsontext.SkipName(b, i)
		}
	}
	end := stdEnd(s)
	if end < 0 {
		return
	}
	// The first value is valid: Skip ends it where the Decoder does, and
	// an object's walk reads its members as encoding/json does.
	if got := jsontext.Skip(b, jsontext.Space(b, 0)); got != end {
		t.Fatalf("Skip(%.80q) = %d; encoding/json's Decoder ends the value at %d", s, got, end)
	}
	var want map[string]json.RawMessage
	if json.Unmarshal(b[:end], &want) != nil || want == nil {
		if m, ok := members(t, b[:end]); ok {
			t.Fatalf("%.80q begins with no object, yet the walk read %q", s, m)
		}
		return
	}
	got, ok := members(t, b[:end])
	if !ok || len(got) != len(want) {
		t.Fatalf("%.80q: the walk read %q (%v); encoding/json %q", s, got, ok, want)
	}
	for name, v := range want {
		if got[name] != string(v) {
			t.Fatalf("%.80q: member %q is %q; encoding/json reads %q", s, name, got[name], v)
		}
	}
}

func TestAsEncodingJSON(t *testing.T) {
	for _, c := range append(cases, deep...) {
		check(t, c)
	}
}

// FuzzAsEncodingJSON: Valid judges as json.Valid does (and bounds the
// depth), Decode decodes as encoding/json's Decoder with UseNumber does,
// and on valid text Skip ends a value where the Decoder does, and a walk
// with SkipName, Skip, SkipString and Next reads an object's members and
// judges which strings need decoding as encoding/json does.
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
