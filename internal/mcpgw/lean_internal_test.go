package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// leanStrings are strings that JSON escapes in every way it can.
var leanStrings = []string{
	"", "plain", `<default>&"quoted"\back`, "a\u2028b\u2029c", "\x00\x01\x1f\x7f", "\b\f\n\r\t",
	"bad \xff\xfe utf-8 \xe2\x82", "é ü 😀 \ufffd", `\u003c written out`, "{\"json\":\"<in text>\"}",
	`""""""""""""\\\\\\\\"more quotes than room"`,
}

// The lean path writes a string as go-sdk's encoding and plainWire do.
func FuzzAppendJSONString(f *testing.F) {
	for _, s := range leanStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		want, rest := appendUnescaped(nil, b)
		if len(rest) > 0 {
			t.Fatalf("%q: a cut escape at the end of a whole string", s)
		}
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("%q:\nlean %s\nsdk  %s", s, got, want)
		}
		// After what a buffer holds, with room to spare or none.
		for _, room := range []int{0, len(s) + 8, 2*len(s) + 8} {
			prefix := append(make([]byte, 0, 3+room), `{"x`...)
			if got := appendJSONString(prefix, s); string(got) != `{"x`+string(want) {
				t.Fatalf("%q after a buffer with room for %d more:\nlean %s\nsdk  {\"x%s", s, room, got, want)
			}
		}
	})
}

// The lean path's results, encoded once, are byte for byte what go-sdk's
// encoding and plainWire write, for every shape the tools make, under
// both protocols; a shape it does not know is left to the generic
// encoding.
func TestAppendResultMatchesGoSDK(t *testing.T) {
	g := &Gateway{impl: &mcp.Implementation{Name: "A <&> server", Title: "Orca <test>", Version: "8.9.0"}}
	g.leanMeta = leanMetaOf(g.impl)
	var results []*mcp.CallToolResult
	for _, s := range leanStrings {
		results = append(results,
			jsonResult(map[string]any{"s": s, "n": 1, "k": []string{s}}),
			textResult(s),
			invalidResult([]string{s, "b: must not be null."}),
			problemResult(problem{Title: "NOT_FOUND", Status: 404, Detail: s}),
		)
	}
	results = append(results, &mcp.CallToolResult{Content: []mcp.Content{}}, &mcp.CallToolResult{
		Content: []mcp.Content{&mcp.TextContent{Text: "one"}, &mcp.TextContent{Text: "two"}}, IsError: true})
	for _, res := range results {
		for _, newProtocol := range []bool{false, true} {
			c := leanRequest{newProtocol: newProtocol}
			want := g.appendResultGeneric(nil, g.impl, c, res)
			got, ok := appendResult(nil, res, newProtocol, g.leanMeta)
			if !ok {
				t.Fatalf("%+v: the lean encoding refused a tool's result", res)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("new protocol %v:\nlean %s\nsdk  %s", newProtocol, got, want)
			}
		}
	}
	for _, odd := range []*mcp.CallToolResult{
		{Content: []mcp.Content{&mcp.ImageContent{Data: []byte("x"), MIMEType: "image/png"}}},
		{Content: []mcp.Content{&mcp.TextContent{Text: "x", Meta: mcp.Meta{"a": 1}}}},
		{Content: []mcp.Content{}, StructuredContent: map[string]any{"a": "<"}},
		{Content: []mcp.Content{}, StructuredContent: json.RawMessage(nil)},
		{Content: []mcp.Content{}, Meta: mcp.Meta{"x": "y"}},
	} {
		if got, ok := appendResult([]byte("prefix"), odd, false, g.leanMeta); ok || string(got) != "prefix" {
			t.Errorf("%+v: encoded %s, want it left to the generic encoding", odd, got)
		}
	}
}

// The envelope reader agrees with a generic decoder on any body: the
// same members, and false for what is no object, or names a member twice.
func FuzzObjectMembers(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{}}}`,
		` {"a" : [1, {"b":null}], "c":"\u0041\"", "d":-1.5e3 } `, `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`,
		`{}`, `[]`, `"x"`, `{"a":{"b":1,"b":2}}`, `{"a":1}{}`, `{"a":1} x`, `{"a":[]}`, `{"":true,"\ud800":false}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		want, wantOK := members(data)
		got, ok := objectMembers(data, nil, 1<<20)
		if ok != wantOK {
			t.Fatalf("%s: ok %v, decoder %v", data, ok, wantOK)
		}
		if !ok {
			return
		}
		m := map[string]json.RawMessage{}
		for _, x := range got {
			m[string(x.name)] = x.value
		}
		if len(m) != len(got) || !maps.EqualFunc(m, want, func(a, b json.RawMessage) bool { return bytes.Equal(a, b) }) {
			t.Fatalf("%s:\nlean    %q\ndecoder %q", data, m, want)
		}
	})
}

// loopback's judgement of a Host: loopback names and addresses, with or
// without a port, and nothing else (go-sdk then leaves DNS rebinding to
// the lean path's caller's checks).
func TestLoopback(t *testing.T) {
	for host, want := range map[string]bool{
		"127.0.0.1": true, "127.0.0.1:8080": true, "127.0.0.1:": true, "localhost": true, "localhost:8080": true,
		"LocalHost:8080": true, "[::1]:8080": true, "::1": true, "127.0.0.2:80": true, "[::ffff:127.0.0.1]:80": true,
		"localhost:80:90": false, "127.0.0.1:80:90": false, "localhost.example:80": false, "example.com:80": false,
		"10.0.0.1:80": false, "": false, "127.0.0.1.example:80": false, "[::2]:80": false,
	} {
		if got := loopback(host); got != want {
			t.Errorf("loopback(%q) = %v, want %v", host, got, want)
		}
	}
}

// The lean path checks a message as go-sdk does: json.Valid's grammar
// (jsontext.Valid, fuzzed against encoding/json in its package) within
// go-sdk's depth, sdkMaxDepth, for objects and arrays alike.
func TestValidJSONDepth(t *testing.T) {
	nest := func(open, close string, n int) []byte {
		return []byte(strings.Repeat(open, n) + "1" + strings.Repeat(close, n))
	}
	for _, c := range []struct {
		data []byte
		want bool
	}{
		{nest(`{"a":`, "}", sdkMaxDepth), true},
		{nest(`{"a":`, "}", sdkMaxDepth+1), false},
		{nest("[", "]", sdkMaxDepth), true},
		{nest("[", "]", sdkMaxDepth+1), false},
		{nest("[", "]", sdkMaxDepth)[1:], false},
	} {
		if got := validJSON(c.data, sdkMaxDepth); got != c.want {
			t.Errorf("validJSON(%.20q... %d bytes, sdkMaxDepth) = %v, want %v", c.data, len(c.data), got, c.want)
		}
	}
	if got := validJSON(nest("[", "]", stdMaxDepth+1), stdMaxDepth); got != json.Valid(nest("[", "]", stdMaxDepth+1)) {
		t.Errorf("validJSON at stdMaxDepth = %v, json.Valid disagrees", got)
	}
}

// A lean call runs on as context.WithoutCancel's context would when its
// client hangs up: not done, no error, no cause, no deadline, and what
// it starts is not canceled; the request's values, the endpoint and the
// call are seen through it.
func TestLeanContextOutlivesItsRequest(t *testing.T) {
	type reqKey struct{}
	parent, cancel := context.WithTimeout(context.WithValue(context.Background(), reqKey{}, "alice"), time.Hour)
	cancel()
	req := &mcp.CallToolRequest{}
	ctx := context.Context(&leanContext{parent: parent, path: PathCluster, req: req})
	if ctx.Err() != nil || ctx.Done() != nil || context.Cause(ctx) != nil {
		t.Errorf("canceled with its request: %v %v", ctx.Err(), context.Cause(ctx))
	}
	if _, ok := ctx.Deadline(); ok {
		t.Error("a deadline from its request")
	}
	child, stop := context.WithCancel(ctx)
	defer stop()
	if child.Err() != nil || context.Cause(child) != nil {
		t.Errorf("a context made from it is canceled: %v", child.Err())
	}
	if ctx.Value(reqKey{}) != "alice" || endpointOf(child) != PathCluster || child.Value(callKey{}) != req {
		t.Errorf("values: %v %q %v", ctx.Value(reqKey{}), endpointOf(child), child.Value(callKey{}))
	}
}
