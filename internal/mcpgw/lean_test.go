package mcpgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/rest"
)

// twins are two gateways in front of one engine, with Basic
// authentication (alice) and /mcp/processes: one answers plain tool calls
// on the lean path, the other sends every request through go-sdk.
type twins struct {
	t         testing.TB
	lean, sdk string // base URLs
	leanGW    *mcpgw.Gateway
}

func newTwins(t testing.TB) *twins {
	t.Helper()
	ctx := context.Background()
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	a, err := auth.New(ctx, auth.Config{Method: auth.MethodBasic, Users: []auth.User{{Username: "alice", Password: "pw-a"}}})
	if err != nil {
		t.Fatal(err)
	}
	tw := &twins{t: t}
	var closers []func()
	for _, disable := range []bool{false, true} {
		gw, err := mcpgw.New(api, mcpgw.Options{Version: "test", Processes: true, DisableLeanPath: disable})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		restSrv := rest.New(api, rest.Options{})
		mux.Handle("/v2/", a.Wrap(restSrv))
		gw.Register(mux, a.Wrap)
		hs := httptest.NewServer(mux)
		closers = append(closers, restSrv.Drain, hs.Close)
		if disable {
			tw.sdk = hs.URL
		} else {
			tw.lean, tw.leanGW = hs.URL, gw
		}
	}
	t.Cleanup(func() {
		for _, c := range closers {
			c()
		}
		eng.Close()
	})
	return tw
}

// twinRequest is one request of the corpus.
type twinRequest struct {
	name   string
	method string
	path   string
	header map[string]string // "" deletes a default header
	body   string
	host   string
}

// answer is what a client sees of a response, normalised.
type answer struct {
	Status int
	Header map[string]string
	Body   any
}

var (
	keyPattern  = regexp.MustCompile(`\b\d{13,}\b`)
	timePattern = regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`)
)

// normalise masks what differs between two calls of the same request
// (keys, times) and decodes JSON.
func normalise(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalise(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = normalise(e)
		}
		return x
	case string:
		var inner any
		if strings.HasPrefix(x, "{") && json.Unmarshal([]byte(x), &inner) == nil {
			return map[string]any{"json-text": normalise(inner)}
		}
		if strings.HasPrefix(x, "orca-") {
			return "<task id>" // names the instance
		}
		return timePattern.ReplaceAllString(keyPattern.ReplaceAllString(x, "<key>"), "<time>")
	case float64:
		if x >= 1e13 {
			return "<key>"
		}
	}
	return v
}

func (tw *twins) do(base string, r twinRequest) answer {
	tw.t.Helper()
	method := r.method
	if method == "" {
		method = http.MethodPost
	}
	req, _ := http.NewRequest(method, base+r.path, strings.NewReader(r.body))
	h := map[string]string{"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
		"Authorization": "Basic YWxpY2U6cHctYQ=="} // alice:pw-a
	for k, v := range r.header {
		h[k] = v
	}
	for k, v := range h {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	if r.host != "" {
		req.Host = r.host
	}
	res, err := (&http.Client{Timeout: 15 * time.Second}).Do(req)
	if err != nil {
		tw.t.Fatalf("%s (%s): %v", r.name, base, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	a := answer{Status: res.StatusCode, Header: map[string]string{}}
	for _, k := range []string{"Content-Type", "Cache-Control", "Allow", "Www-Authenticate", "Mcp-Session-Id", "X-Content-Type-Options"} {
		if v := res.Header.Get(k); v != "" {
			a.Header[k] = v
		}
	}
	var body any
	if json.Unmarshal(b, &body) == nil {
		a.Body = normalise(body)
	} else {
		a.Body = normalise(strings.TrimSpace(string(b)))
	}
	return a
}

// call is a tools/call body; proto 2026-07-28 adds the _meta go-sdk's
// client sends.
func call(id, tool, args, proto string) string {
	params := `"name":` + quote(tool)
	if args != "" {
		params += `,"arguments":` + args
	}
	if proto == "2026-07-28" {
		params = `"_meta":{"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},` +
			`"io.modelcontextprotocol/clientInfo":{"name":"twin","version":"1"},"io.modelcontextprotocol/protocolVersion":"2026-07-28"},` + params
	}
	return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{` + params + `}}`
}

func quote(s string) string { b, _ := json.Marshal(s); return string(b) }

// protoHeader are the headers of a call under a protocol version.
func protoHeader(proto, tool string) map[string]string {
	switch proto {
	case "":
		return nil
	case "2026-07-28":
		return map[string]string{"Mcp-Protocol-Version": proto, "Mcp-Method": "tools/call", "Mcp-Name": tool}
	}
	return map[string]string{"Mcp-Protocol-Version": proto}
}

// The lean path answers exactly as go-sdk does: for every tool of every
// endpoint (valid, invalid and missing arguments), unknown tools, every
// protocol version, and for requests it must leave to go-sdk (bad JSON,
// batches, notifications, odd ids, other methods, wrong headers, no or
// wrong credentials, task and input metadata), both gateways answer the
// same status, headers and JSON (keys and times masked). Their audit
// entries have the same shape.
func TestLeanDifferential(t *testing.T) {
	if *backend == "remote" {
		t.Skip("the twins front the embedded engine")
	}
	tw := newTwins(t)
	must := func(r twinRequest) map[string]any {
		a := tw.do(tw.sdk, r)
		m, _ := a.Body.(map[string]any)
		if a.Status != 200 || m["result"] == nil {
			t.Fatalf("%s: %+v", r.name, a)
		}
		return m
	}
	must(twinRequest{name: "deploy", path: mcpgw.PathCluster, body: call("1", "deployResource",
		`{"resourceName":"orders.bpmn","resource":`+quote(readFile(t, "testdata/orders.bpmn"))+`}`, "")})
	must(twinRequest{name: "deploy tool", path: mcpgw.PathCluster, body: call("1", "deployResource",
		`{"resourceName":"order.bpmn","resource":`+quote(string(toolBPMN("placing", "order-start", "io.camunda.tool:name", "place_order")))+`}`, "")})
	must(twinRequest{name: "create", path: mcpgw.PathCluster, body: call("1", "createProcessInstance", `{"processDefinitionId":"payment"}`, "")})
	piKey := firstInstance(t, tw.sdk, "payment")

	valid := map[string]string{
		"getProcessInstance":     `{"processInstanceKey":"` + piKey + `"}`,
		"createProcessInstance":  `{"processDefinitionId":"payment","variables":{"orderId":"<o&1>"}}`,
		"searchProcessInstances": `{"filter":{"processDefinitionId":"payment"},"page":{"limit":1}}`,
		"searchVariables":        `{"filter":{"processInstanceKey":"` + piKey + `"}}`,
		"searchElementInstances": `{"filter":{"processInstanceKey":"` + piKey + `"}}`,
		"cancelProcessInstance":  `{"processInstanceKey":"2251799813999999"}`,
		"getVariable":            `{"variableKey":"2251799813999999"}`,
		"getIncident":            `{"incidentKey":"2251799813999999"}`,
		"getUserTask":            `{"userTaskKey":"2251799813999999"}`,
		"publishMessage":         `{"name":"nobody-listens","correlationKey":"x"}`,
		"evaluateDecision":       `{"decisionDefinitionId":"none"}`,
	}
	// The audit entries of the same call on both paths (before the
	// corpus, so that their number is known).
	for _, c := range []struct {
		tool  string
		prior int
	}{
		{"getProcessInstance", 0}, {"createProcessInstance", 1}, {"noSuchTool", 0},
		// A read that fails, a search, a write that fails, a message.
		{"getVariable", 0}, {"searchProcessInstances", 0}, {"cancelProcessInstance", 0}, {"publishMessage", 0},
	} {
		args := valid[c.tool]
		if args == "" {
			args = "{}"
		}
		for _, base := range []string{tw.lean, tw.sdk} {
			tw.do(base, twinRequest{name: c.tool, path: mcpgw.PathCluster, header: protoHeader("2026-07-28", c.tool), body: call("1", c.tool, args, "2026-07-28")})
		}
		entries := auditEntries(t, tw.sdk, c.tool, c.prior+2)
		a, b := entries[c.prior], entries[c.prior+1]
		for _, e := range []map[string]any{a, b} {
			delete(e, "auditLogKey")
			delete(e, "timestamp")
		}
		if !reflect.DeepEqual(normalise(a), normalise(b)) {
			t.Errorf("%s audit entries differ:\n%v\n%v", c.tool, a, b)
		}
		if a["operationType"] == nil || a["result"] == nil {
			t.Errorf("%s audit entry lacks its operation or result: %v", c.tool, a)
		}
	}

	var corpus []twinRequest
	protos := []string{"", "2025-06-18", "2025-11-25", "2026-07-28"}
	for _, path := range []string{mcpgw.PathMCP, mcpgw.PathCluster, mcpgw.PathProcesses} {
		for _, tool := range toolNames(t, tw.sdk+path) {
			argSets := []string{"", `{}`, `{"zz":1}`}
			if v, ok := valid[tool]; ok {
				argSets = append(argSets, v)
			}
			if tool == "place_order" {
				argSets = append(argSets, `{"orderId":"o-1"}`)
			}
			for _, args := range argSets {
				for _, proto := range protos {
					corpus = append(corpus, twinRequest{name: fmt.Sprintf("%s %s(%s) %q", path, tool, args, proto), path: path,
						header: protoHeader(proto, tool), body: call("7", tool, args, proto)})
				}
			}
		}
		for _, proto := range protos {
			corpus = append(corpus, twinRequest{name: path + " unknown tool " + proto, path: path,
				header: protoHeader(proto, "noSuchTool"), body: call(`"s-1"`, "noSuchTool", `{}`, proto)})
		}
	}
	get := call("1", "getProcessInstance", valid["getProcessInstance"], "2025-11-25")
	getNew := call("1", "getProcessInstance", valid["getProcessInstance"], "2026-07-28")
	old := protoHeader("2025-11-25", "")
	newH := protoHeader("2026-07-28", "getProcessInstance")
	listNew := `{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`
	listNewH := map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"}
	with := func(h map[string]string, k, v string) map[string]string {
		m := map[string]string{}
		for a, b := range h {
			m[a] = b
		}
		m[k] = v
		return m
	}
	for _, r := range []twinRequest{
		{name: "bad JSON", body: `{"jsonrpc":`, header: old},
		{name: "not JSON", body: `hello`, header: old},
		{name: "empty body", body: ``, header: old},
		{name: "batch", body: `[` + get + `]`, header: protoHeader("2025-03-26", "")},
		{name: "notification", body: `{"jsonrpc":"2.0","method":"tools/call","params":{"name":"getTopology","arguments":{}}}`, header: old},
		{name: "id null", body: strings.Replace(get, `"id":1`, `"id":null`, 1), header: old},
		{name: "id float", body: strings.Replace(get, `"id":1`, `"id":1.5`, 1), header: old},
		{name: "id exponent", body: strings.Replace(get, `"id":1`, `"id":1e3`, 1), header: old},
		{name: "id huge", body: strings.Replace(get, `"id":1`, `"id":9007199254740993`, 1), header: old},
		{name: "id object", body: strings.Replace(get, `"id":1`, `"id":{}`, 1), header: old},
		{name: "id escaped string", body: strings.Replace(get, `"id":1`, `"id":"a\u0041<"`, 1), header: old},
		{name: "duplicate member", body: strings.Replace(get, `"id":1`, `"id":1,"id":2`, 1), header: old},
		{name: "extra member", body: strings.Replace(get, `"id":1`, `"id":1,"x":2`, 1), header: old},
		{name: "jsonrpc 1.0", body: strings.Replace(get, `"2.0"`, `"1.0"`, 1), header: old},
		{name: "tools/list", body: `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, header: old},
		{name: "tools/list again", body: `{"jsonrpc":"2.0","id":2,"method":"tools/list"}`, header: old},
		{name: "tools/list empty params", body: ` {"params":{ },"method":"tools/list","id":"l-<1>","jsonrpc":"2.0"} `, header: old},
		{name: "tools/list string id", body: `{"jsonrpc":"2.0","id":"\u003c\u00e9>","method":"tools/list"}`, header: old},
		{name: "tools/list cursor", body: `{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"cursor":"x"}}`, header: old},
		{name: "tools/list params null", body: `{"jsonrpc":"2.0","id":3,"method":"tools/list","params":null}`, header: old},
		{name: "tools/list _meta", body: `{"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"progressToken":1}}}`, header: old},
		{name: "tools/list notification", body: `{"jsonrpc":"2.0","method":"tools/list"}`, header: old},
		{name: "tools/list id float", body: `{"jsonrpc":"2.0","id":1.5,"method":"tools/list"}`, header: old},
		{name: "tools/list 2024-11-05", body: `{"jsonrpc":"2.0","id":4,"method":"tools/list"}`, header: protoHeader("2024-11-05", "")},
		{name: "tools/list 2024-11-05 again", body: `{"jsonrpc":"2.0","id":5,"method":"tools/list"}`, header: protoHeader("2024-11-05", "")},
		{name: "tools/list no version", body: `{"jsonrpc":"2.0","id":6,"method":"tools/list"}`},
		{name: "tools/list no version again", body: `{"jsonrpc":"2.0","id":-7,"method":"tools/list"}`},
		{name: "tools/list 2026-07-28", body: listNew, header: listNewH},
		{name: "tools/list 2026-07-28 again", body: strings.Replace(listNew, `"id":8`, `"id":"n-<9>"`, 1), header: listNewH},
		{name: "tools/list 2026-07-28 client info", body: strings.Replace(listNew, `"io.modelcontextprotocol/clientCapabilities":{}`,
			`"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":false}},"io.modelcontextprotocol/clientInfo":{"name":"other","title":"O","version":"2"}`, 1), header: listNewH},
		{name: "tools/list 2026-07-28 sampling", body: strings.Replace(listNew, `"io.modelcontextprotocol/clientCapabilities":{}`,
			`"io.modelcontextprotocol/clientCapabilities":{"sampling":{}}`, 1), header: listNewH},
		{name: "tools/list 2026-07-28 no _meta", body: `{"jsonrpc":"2.0","id":8,"method":"tools/list"}`, header: listNewH},
		{name: "tools/list 2026-07-28 _meta version differs", body: strings.Replace(listNew, `"protocolVersion":"2026-07-28"`, `"protocolVersion":"2025-11-25"`, 1), header: listNewH},
		{name: "tools/list 2026-07-28 cursor", body: strings.Replace(listNew, `"params":{`, `"params":{"cursor":"x",`, 1), header: listNewH},
		{name: "tools/list 2026-07-28 Mcp-Method call", body: listNew, header: with(listNewH, "Mcp-Method", "tools/call")},
		{name: "tools/list 2026-07-28 no Mcp-Method", body: listNew, header: with(listNewH, "Mcp-Method", "")},
		{name: "tools/list 2026-07-28 Mcp-Name", body: listNew, header: with(listNewH, "Mcp-Name", "getTopology")},
		{name: "tools/list 2026-07-28 old header", body: listNew, header: old},
		{name: "ping", body: `{"jsonrpc":"2.0","id":1,"method":"ping"}`, header: old},
		{name: "no params", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call"}`, header: old},
		{name: "params array", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":[]}`, header: old},
		{name: "name number", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":5}}`, header: old},
		{name: "arguments array", body: call("1", "getTopology", `[]`, ""), header: old},
		{name: "arguments null", body: call("1", "getTopology", `null`, ""), header: old},
		{name: "arguments string", body: call("1", "getTopology", `"x"`, ""), header: old},
		{name: "progress token", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getTopology","_meta":{"progressToken":"p"}}}`, header: old},
		{name: "trailing data", body: get + ` {}`, header: old},
		{name: "unsupported version", body: get, header: protoHeader("1999-01-01", "")},
		{name: "new: no _meta", body: get, header: newH},
		{name: "new: Mcp-Name differs", body: getNew, header: with(newH, "Mcp-Name", "getTopology")},
		{name: "new: no Mcp-Method", body: getNew, header: with(newH, "Mcp-Method", "")},
		{name: "new: Mcp-Method differs", body: getNew, header: with(newH, "Mcp-Method", "tools/list")},
		{name: "new: _meta version differs", body: strings.Replace(getNew, `"protocolVersion":"2026-07-28"`, `"protocolVersion":"2025-11-25"`, 1), header: newH},
		{name: "new: elicitation declared", body: strings.Replace(getNew, `{"roots":{"listChanged":true}}`, `{"elicitation":{}}`, 1), header: newH},
		{name: "new: no capabilities", body: strings.Replace(getNew, `"io.modelcontextprotocol/clientCapabilities":{"roots":{"listChanged":true}},`, ``, 1), header: newH},
		{name: "new: bad client info", body: strings.Replace(getNew, `{"name":"twin","version":"1"}`, `{"name":5}`, 1), header: newH},
		{name: "new: tasks extension", body: strings.Replace(call("1", "createProcessInstance", `{"processDefinitionId":"payment","awaitCompletion":true}`, "2026-07-28"),
			`{"roots":{"listChanged":true}}`, `{"extensions":{"io.modelcontextprotocol/tasks":{}}}`, 1), header: with(newH, "Mcp-Name", "createProcessInstance")},
		{name: "new: param header", body: getNew, header: with(newH, "Mcp-Param-Key", "x")},
		{name: "session id", body: get, header: with(old, "Mcp-Session-Id", "abc")},
		{name: "Last-Event-ID", body: get, header: with(old, "Last-Event-ID", "1")},
		{name: "Accept JSON only", body: get, header: with(old, "Accept", "application/json")},
		{name: "Accept any", body: get, header: with(old, "Accept", "*/*")},
		{name: "Accept wildcards", body: get, header: with(old, "Accept", "application/*, text/*;q=0.5")},
		{name: "no Accept", body: get, header: with(old, "Accept", "")},
		{name: "Content-Type text", body: get, header: with(old, "Content-Type", "text/plain")},
		{name: "Content-Type charset", body: get, header: with(old, "Content-Type", "application/json; charset=utf-8")},
		{name: "GET", method: http.MethodGet, header: old},
		{name: "DELETE", method: http.MethodDelete, header: old},
		{name: "no credentials", body: get, header: with(old, "Authorization", "")},
		{name: "wrong password", body: get, header: with(old, "Authorization", "Basic YWxpY2U6bm8=")},
		{name: "foreign Host", body: get, header: old, host: "evil.example"},
		{name: "huge body", body: call("1", "getTopology", `{"x":"`+strings.Repeat("y", 5<<20)+`"}`, ""), header: old},
		{name: "huge arguments", body: call("1", "createProcessInstance", `{"processDefinitionId":"payment","variables":{"blob":"`+strings.Repeat("<&>", 1<<20)+`"}}`, ""), header: old},
		{name: "many arguments", body: call("1", "searchProcessInstances", `{"filter":{"processDefinitionId":"payment"}`+strings.Repeat(`,"zz":1`, 10000)+`}`, ""), header: old},
		{name: "deep arguments", body: call("1", "createProcessInstance", `{"processDefinitionId":"payment","variables":{"d":`+strings.Repeat("[", 5000)+strings.Repeat("]", 5000)+`}}`, ""), header: old},
		{name: "arguments at go-sdk's depth", body: call("1", "createProcessInstance", `{"processDefinitionId":"payment","variables":{"d":`+strings.Repeat("[", 996)+strings.Repeat("]", 996)+`}}`, ""), header: old},
		{name: "arguments past go-sdk's depth", body: call("1", "createProcessInstance", `{"processDefinitionId":"payment","variables":{"d":`+strings.Repeat("[", 997)+strings.Repeat("]", 997)+`}}`, ""), header: old},
		{name: "too deep arguments", body: call("1", "createProcessInstance", `{"processDefinitionId":"payment","variables":{"d":`+strings.Repeat("[", 10001)+strings.Repeat("]", 10001)+`}}`, ""), header: old},
		{name: "key true", body: call("1", "getProcessInstance", `{"processInstanceKey":true}`, ""), header: old},
		{name: "key object", body: call("1", "getProcessInstance", `{"processInstanceKey":{"a":1}}`, ""), header: old},
		{name: "key number", body: call("1", "getProcessInstance", `{"processInstanceKey":`+piKey+`}`, ""), header: old},
		{name: "key escaped", body: call("1", "getProcessInstance", `{"processInstanceKey":"\u0032251799813999999"}`, ""), header: old},
		{name: "key twice", body: call("1", "getProcessInstance", `{"processInstanceKey":"1","processInstanceKey":"2251799813999999"}`, ""), header: old},
		{name: "int32 overflow", body: call("1", "searchProcessInstances", `{"page":{"limit":2147483648}}`, ""), header: old},
		{name: "enum escaped", body: call("1", "searchProcessInstances", `{"filter":{"state":"ACT\u0049VE"},"page":{"limit":1}}`, ""), header: old},
		{name: "name escaped", body: `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"\u006eame":"getTopology"}}`, header: old},
		{name: "name invalid UTF-8", body: "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"tools/call\",\"params\":{\"name\":\"get\xffTopology\"}}", header: old},
		{name: "whitespace everywhere", body: " \n{ \"jsonrpc\" : \"2.0\" ,\t\"id\" : 1 , \"method\":\"tools/call\", \"params\" : { \"name\" : \"getTopology\" , \"arguments\" : { } } }\r\n", header: old},
	} {
		paths := []string{mcpgw.PathMCP, mcpgw.PathCluster}
		if strings.HasPrefix(r.name, "tools/list") {
			paths = append(paths, mcpgw.PathProcesses)
		}
		for _, path := range paths {
			r.path = path
			corpus = append(corpus, r)
		}
	}

	before := mcpgw.LeanCalls(tw.leanGW)
	for _, r := range corpus {
		l, s := tw.do(tw.lean, r), tw.do(tw.sdk, r)
		if !reflect.DeepEqual(l, s) {
			lb, _ := json.Marshal(l)
			sb, _ := json.Marshal(s)
			t.Errorf("%s:\nlean %s\nsdk  %s", r.name, lb, sb)
		}
	}
	served := mcpgw.LeanCalls(tw.leanGW) - before
	t.Logf("%d requests, %d answered on the lean path", len(corpus), served)
	if served < int64(len(corpus))/3 {
		t.Errorf("the lean path answered %d of %d requests: the comparison is mostly go-sdk against itself", served, len(corpus))
	}

	// A process tool whose process is deployed again is stale: the lean
	// path still knows its name, calls it, and answers as go-sdk does.
	var stale []string
	for _, name := range toolNames(t, tw.lean+mcpgw.PathProcesses) {
		if strings.HasPrefix(name, "place_order_") {
			stale = append(stale, name)
		}
	}
	if len(stale) == 0 {
		t.Fatal("no process tool place_order_<key> on /mcp/processes")
	}
	must(twinRequest{name: "deploy tool again", path: mcpgw.PathCluster, body: call("1", "deployResource",
		`{"resourceName":"order.bpmn","resource":`+quote(string(toolBPMN("placing", "order-start", "io.camunda.tool:name", "place_order", "io.camunda.tool:purpose", "v2")))+`}`, "")})
	before = mcpgw.LeanCalls(tw.leanGW)
	for _, name := range stale {
		for _, proto := range protos {
			r := twinRequest{name: "stale " + name + " " + proto, path: mcpgw.PathProcesses, header: protoHeader(proto, name), body: call("9", name, `{"orderId":"o-2"}`, proto)}
			l, s := tw.do(tw.lean, r), tw.do(tw.sdk, r)
			if !reflect.DeepEqual(l, s) {
				lb, _ := json.Marshal(l)
				sb, _ := json.Marshal(s)
				t.Errorf("%s:\nlean %s\nsdk  %s", r.name, lb, sb)
			}
		}
	}
	t.Logf("stale process tools: %d of %d calls on the lean path", mcpgw.LeanCalls(tw.leanGW)-before, len(stale)*len(protos))

}

// tools/list on every endpoint, in the protocols before 2026-07-28 and in
// 2026-07-28, is answered on the lean path from go-sdk's kept answer once
// it has one, byte for byte as go-sdk answers (status, headers, body);
// on /mcp/processes the kept answer follows the deployments that add,
// change and remove process tools.
func TestLeanToolsList(t *testing.T) {
	if *backend == "remote" {
		t.Skip("the twins front the embedded engine")
	}
	tw := newTwins(t)
	hc := &http.Client{Timeout: 15 * time.Second}
	raw := func(base, path string, h map[string]string, body string) (int, http.Header, string) {
		t.Helper()
		req := jsonRPCRequest(context.Background(), base+path, body, "")
		req.SetBasicAuth("alice", "pw-a")
		for k, v := range h {
			req.Header.Set(k, v)
		}
		res, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		// The kept answer is sent with its length, go-sdk's long one
		// chunked: the same bytes.
		res.Header.Del("Date")
		res.Header.Del("Content-Length")
		return res.StatusCode, res.Header, string(b)
	}
	deploy := func(bpmn []byte) {
		t.Helper()
		if s, _, b := raw(tw.sdk, mcpgw.PathCluster, nil, call("1", "deployResource", `{"resourceName":"order.bpmn","resource":`+quote(string(bpmn))+`}`, "")); s != 200 || strings.Contains(b, `"isError":true`) {
			t.Fatalf("deploy: %d %s", s, b)
		}
	}
	lists := []struct {
		name   string
		header map[string]string
		body   string
	}{
		{"2025-11-25", map[string]string{"Mcp-Protocol-Version": "2025-11-25"}, `{"jsonrpc":"2.0","id":%s,"method":"tools/list"}`},
		{"2026-07-28", map[string]string{"Mcp-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"},
			`{"jsonrpc":"2.0","id":%s,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/clientCapabilities":{},` +
				`"io.modelcontextprotocol/clientInfo":{"name":"lister","version":"1"},"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}`},
	}
	check := func(step string, path string, want func(body string) bool) {
		t.Helper()
		for _, l := range lists {
			for i, id := range []string{"1", `"second"`} {
				body := fmt.Sprintf(l.body, id)
				before := mcpgw.LeanCalls(tw.leanGW)
				ls, lh, lb := raw(tw.lean, path, l.header, body)
				lean := mcpgw.LeanCalls(tw.leanGW) - before
				ss, sh, sb := raw(tw.sdk, path, l.header, body)
				if ls != ss || lb != sb || !reflect.DeepEqual(lh, sh) {
					t.Errorf("%s %s %s id %s:\nlean %d %v %.300s\nsdk  %d %v %.300s", step, path, l.name, id, ls, lh, lb, ss, sh, sb)
				}
				if !want(lb) {
					t.Errorf("%s %s %s: unexpected list %.300s", step, path, l.name, lb)
				}
				// The first request of a step may fill the kept answer;
				// the second is answered from it.
				if i == 1 && lean != 1 {
					t.Errorf("%s %s %s: the second tools/list was not answered on the lean path", step, path, l.name)
				}
			}
		}
	}
	any := func(string) bool { return true }
	for _, path := range []string{mcpgw.PathMCP, mcpgw.PathCluster, mcpgw.PathProcesses} {
		check("start", path, any)
	}
	has := func(purpose string) func(string) bool {
		return func(b string) bool {
			return strings.Contains(b, `"title":"place_order"`) && strings.Contains(b, purpose)
		}
	}
	deploy(toolBPMN("placing", "order-start", "io.camunda.tool:name", "place_order", "io.camunda.tool:purpose", "first purpose"))
	check("deployed", mcpgw.PathProcesses, has("first purpose"))
	deploy(toolBPMN("placing", "order-start", "io.camunda.tool:name", "place_order", "io.camunda.tool:purpose", "second purpose"))
	check("deployed again", mcpgw.PathProcesses, has("second purpose"))
	deploy(toolBPMN("placing", "order-start"))
	check("tool removed", mcpgw.PathProcesses, func(b string) bool { return !strings.Contains(b, "place_order") })
}

// firstInstance is the key of an instance of a process.
func firstInstance(t testing.TB, base, id string) string {
	t.Helper()
	it := searchInstances(t, base, `{"processDefinitionId":"`+id+`"}`)
	if len(it) == 0 {
		t.Fatalf("no instance of %s", id)
	}
	return it[0]["processInstanceKey"].(string)
}

// searchInstances is the first page of the process instances that match
// filter (JSON), searched as alice over /v2.
func searchInstances(t testing.TB, base, filter string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, base+"/v2/process-instances/search", strings.NewReader(`{"filter":`+filter+`}`))
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth("alice", "pw-a")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m map[string]any
	json.NewDecoder(res.Body).Decode(&m)
	return items(m)
}

// toolNames lists an endpoint's tools.
func toolNames(t testing.TB, url string) []string {
	t.Helper()
	req := jsonRPCRequest(context.Background(), url, `{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, "2025-11-25")
	req.SetBasicAuth("alice", "pw-a")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var m struct {
		Result struct {
			Tools []struct {
				Name string `json:"name"`
			} `json:"tools"`
		} `json:"result"`
	}
	if err := json.NewDecoder(res.Body).Decode(&m); err != nil || len(m.Result.Tools) == 0 {
		t.Fatalf("tools/list %s: %v %v", url, err, m)
	}
	var names []string
	for _, x := range m.Result.Tools {
		names = append(names, x.Name)
	}
	sort.Strings(names)
	return names
}

// auditEntries waits for a tool's n entries and returns them, oldest
// first.
func auditEntries(t testing.TB, base, tool string, n int) []map[string]any {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"filter": map[string]any{"inboundChannelToolName": tool},
		"sort": []any{map[string]any{"field": "auditLogKey"}}, "page": map[string]any{"limit": 1000}})
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		req, _ := http.NewRequest(http.MethodPost, base+"/v2/audit-logs/search", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.SetBasicAuth("alice", "pw-a")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		res.Body.Close()
		got := items(m)
		if len(got) == n {
			return got
		}
		if len(got) > n || time.Now().After(deadline) {
			t.Fatalf("%s: %d audit entries, want %d", tool, len(got), n)
		}
	}
}

// FuzzLean posts arbitrary bodies to both twins (on /mcp/cluster and on
// /mcp/processes), under an older protocol
// and under 2026-07-28 (with Mcp-Method and Mcp-Name as a client would
// send them): the lean gateway never fails where go-sdk does not, and
// answers the same status, headers and JSON.
func FuzzLean(f *testing.F) {
	if *backend == "remote" {
		f.Skip("the twins front the embedded engine")
	}
	tw := newTwins(f)
	for _, s := range []string{
		call("1", "getTopology", `{}`, ""),
		call(`"x"`, "getClusterStatus", ``, ""),
		call("1", "getTopology", `{}`, "2026-07-28"),
		call("1", "searchProcessInstances", `{"filter":{"state":"ACTIVE"},"page":{"limit":100000}}`, ""),
		call("2", "getProcessInstance", `{"processInstanceKey":"x"}`, "2026-07-28"),
		call("3", "noSuchTool", `{}`, ""),
		call("5", "searchIncidents", `{"filter":{"state":"ACTIVE"}}`, ""),
		call("6", "getProcessInstance", `{"processInstanceKey":"2251799813685249"}`, ""),
		call("4", "getTopology", `[1]`, ""),
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getTopology","arguments":{},"arguments":{}}}`,
		`{"jsonrpc":"2.0","id":-0,"method":"tools/call","params":{"name":"getTopology"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getTopology\u0000"}}`,
		`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`,
		`{"jsonrpc":`,
		`[]`,
		``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tw.t = t
		var p struct {
			Params struct {
				Name string `json:"name"`
			} `json:"params"`
		}
		json.Unmarshal(body, &p)
		if strings.ContainsFunc(p.Params.Name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
			p.Params.Name = "" // no header can carry it
		}
		for _, path := range []string{mcpgw.PathCluster, mcpgw.PathProcesses} {
			for _, proto := range []string{"2025-11-25", "2026-07-28"} {
				r := twinRequest{name: fmt.Sprintf("%s %q %s", path, body, proto), path: path, header: protoHeader(proto, p.Params.Name), body: string(body)}
				l, s := tw.do(tw.lean, r), tw.do(tw.sdk, r)
				if !reflect.DeepEqual(l, s) {
					lb, _ := json.Marshal(l)
					sb, _ := json.Marshal(s)
					t.Fatalf("%s:\nlean %s\nsdk  %s", r.name, lb, sb)
				}
			}
		}
	})
}

// A client that hangs up on the lean path: after sending a whole call it
// still gets its instance and its audit entry (the call runs on, as on
// go-sdk's path); in the middle of its body, it starts nothing. The
// server answers the next call either way.
func TestLeanClientHangsUp(t *testing.T) {
	if *backend == "remote" {
		t.Skip("the twins front the embedded engine")
	}
	tw := newTwins(t)
	deploy := tw.do(tw.lean, twinRequest{name: "deploy", path: mcpgw.PathCluster, body: call("1", "deployResource",
		`{"resourceName":"orders.bpmn","resource":`+quote(readFile(t, "testdata/orders.bpmn"))+`}`, "")})
	if deploy.Status != 200 {
		t.Fatalf("deploy: %+v", deploy)
	}
	addr := strings.TrimPrefix(tw.lean, "http://")
	send := func(body string, declared int) {
		t.Helper()
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"+
			"Authorization: Basic YWxpY2U6cHctYQ==\r\nContent-Length: %d\r\n\r\n%s", mcpgw.PathCluster, addr, declared, body)
		conn.Close() // without reading the answer
	}
	before := mcpgw.LeanCalls(tw.leanGW)
	whole := call("1", "createProcessInstance", `{"processDefinitionId":"payment","businessId":"hung-up-whole"}`, "")
	send(whole, len(whole))
	half := call("2", "createProcessInstance", `{"processDefinitionId":"payment","businessId":"hung-up-half"}`, "")
	send(half[:len(half)/2], len(half))

	// The whole call's instance and its entry come, though nobody reads the answer.
	instances := func(businessID string) []map[string]any {
		return searchInstances(t, tw.lean, `{"businessId":"`+businessID+`"}`)
	}
	for deadline := time.Now().Add(30 * time.Second); len(instances("hung-up-whole")) != 1; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the call whose client hung up started no instance")
		}
	}
	auditEntries(t, tw.lean, "createProcessInstance", 1)
	if got := mcpgw.LeanCalls(tw.leanGW) - before; got != 1 {
		t.Errorf("the lean path answered %d calls, want the whole one", got)
	}
	// The server answers the next call, and the half call started nothing.
	next := tw.do(tw.lean, twinRequest{name: "next", path: mcpgw.PathCluster, body: call("3", "getTopology", `{}`, "")})
	if m, _ := next.Body.(map[string]any); next.Status != 200 || m["result"] == nil {
		t.Fatalf("the call after the hang-ups: %+v", next)
	}
	if got := instances("hung-up-half"); len(got) != 0 {
		t.Errorf("a call cut in the middle of its body started %v", got)
	}
}

// Middleware added with AddReceivingMiddleware (the metrics) sees every
// tool call once, with its outcome, whichever path answers it and on
// every endpoint.
func TestMiddlewareSeesEveryCall(t *testing.T) {
	if *backend == "remote" {
		t.Skip("the gateway fronts the embedded engine")
	}
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	gw, err := mcpgw.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), mcpgw.Options{Version: "test", Processes: true})
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu   sync.Mutex
		seen []string
	)
	gw.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			res, err := next(ctx, method, req)
			if method == "tools/call" {
				outcome := "ok"
				if err != nil {
					outcome = "error"
				} else if r, ok := res.(*mcp.CallToolResult); ok && r.IsError {
					outcome = "tool_error"
				}
				mu.Lock()
				seen = append(seen, req.GetParams().(*mcp.CallToolParamsRaw).Name+" "+outcome)
				mu.Unlock()
			}
			return res, err
		}
	})
	mux := http.NewServeMux()
	gw.Register(mux, nil)
	hs := httptest.NewServer(mux)
	defer hs.Close()
	post := func(path, body string) {
		t.Helper()
		res, err := http.DefaultClient.Do(jsonRPCRequest(context.Background(), hs.URL+path, body, ""))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s %s: %d", path, body, res.StatusCode)
		}
	}
	before := mcpgw.LeanCalls(gw)
	post(mcpgw.PathCluster, call("1", "getTopology", `{}`, ""))
	post(mcpgw.PathMCP, call("2", "getProcessInstance", `{"processInstanceKey":"2251799813999999"}`, ""))
	post(mcpgw.PathCluster, call("3", "noSuchTool", `{}`, ""))
	post(mcpgw.PathProcesses, call("4", "getProcessInstance", `{"processInstanceKey":"2251799813999999"}`, ""))
	lean := mcpgw.LeanCalls(gw) - before
	// go-sdk's path: a progress token is not the lean path's.
	post(mcpgw.PathCluster, `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"getTopology","_meta":{"progressToken":"p"}}}`)
	if lean != 4 {
		t.Errorf("the lean path answered %d of the first four calls", lean)
	}
	want := []string{"getTopology ok", "getProcessInstance tool_error", "noSuchTool error", "getProcessInstance tool_error", "getTopology ok"}
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("the middleware saw %q, want %q", seen, want)
	}
}

// A lean answer says its length, short or long (net/http gives a short
// one its Content-Length, the lean path a long one), and is never sent
// chunked.
func TestLeanAnswerLength(t *testing.T) {
	e := newEnv(t, envOptions{})
	keys := e.deploy()
	pi := e.ok("createProcessInstance", map[string]any{"processDefinitionId": "order"})["processInstanceKey"].(string)
	for _, c := range []struct {
		tool, args string
		long       bool
	}{
		{"getProcessInstance", `{"processInstanceKey":"` + pi + `"}`, false},
		{"getProcessDefinitionXml", `{"processDefinitionKey":"` + keys["order"] + `"}`, true},
	} {
		res, err := http.DefaultClient.Do(jsonRPCRequest(context.Background(), e.url+mcpgw.PathCluster, call("7", c.tool, c.args, ""), ""))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !json.Valid(b) || bytes.Contains(b, []byte(`"isError":true`)) {
			t.Fatalf("%s: %d %s", c.tool, res.StatusCode, b)
		}
		if res.ContentLength != int64(len(b)) || len(res.TransferEncoding) > 0 {
			t.Errorf("%s: Content-Length %d, Transfer-Encoding %v, for an answer of %d bytes", c.tool, res.ContentLength, res.TransferEncoding, len(b))
		}
		if long := len(b) > 2048; long != c.long {
			t.Errorf("%s: an answer of %d bytes; the test wants one %s than 2048", c.tool, len(b), map[bool]string{true: "longer", false: "shorter"}[c.long])
		}
	}
}
