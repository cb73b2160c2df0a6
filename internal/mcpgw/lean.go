package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The lean path: a single stateless tools/call, as most MCP clients send
// it, answered without go-sdk's per-request machinery (a throwaway session
// per request, its JSON decoder's 32 KiB buffer per message, the message
// decoded three to five times on its way to the tool). It decodes the
// message once, calls the same tool handler go-sdk's server calls (the one
// addTools registers: argument checks included), records the call in the
// audit log as the server's middleware does, and encodes the answer once,
// as go-sdk's stateless JSON response would carry it.
//
// It takes only what it can answer exactly as go-sdk would: a POST whose
// headers pass go-sdk's checks (Content-Type application/json, an Accept
// with both JSON and SSE, no protocol version or a known one, no other
// Mcp-* header than the 2026-07-28 protocol's Mcp-Method and Mcp-Name, no
// Last-Event-ID, no DNS rebinding suspicion), with one JSON-RPC request
// object (jsonrpc "2.0", an integer or string id, method tools/call,
// params with only name and arguments: no _meta, so no task metadata,
// progress token or input responses; in the 2026-07-28 protocol the
// _meta its requests carry, declaring no more than roots) calling a tool
// of Camunda's, Orca's or the decision tools that sends no notifications,
// a registered process tool of /mcp/processes, or a tool that does not
// exist; and a plain tools/list, from go-sdk's kept answer (leanlist.go).
// Everything else (initialize, other methods, notifications, batches,
// malformed JSON, conformance fixtures, stale or pinned process tools)
// goes on unchanged to the task layer and go-sdk. TestLeanDifferential
// holds the two paths to the same answers.

// leanTool is a tool the lean path may call.
type leanTool struct {
	name    string
	handler mcp.ToolHandler
}

// leanEndpoint is what the lean path needs to know of an MCP endpoint.
type leanEndpoint struct {
	// tool finds the tool a call names: lean false leaves the call to
	// go-sdk; a nil tool (with lean true) is an unknown tool, answered
	// as the endpoint's go-sdk server answers it. The name may be a
	// view of the request's body: it is not kept.
	tool func(name string) (t *leanTool, lean bool)
	impl *mcp.Implementation // the server's name, title and version
	meta []byte              // the _meta of its 2026-07-28 results (leanMetaOf)
	// list keeps the endpoint's answer to tools/list (leanlist.go); nil:
	// its tool list changes, go-sdk answers each time.
	list *listCache
}

// clusterEndpoint is /mcp and /mcp/cluster: the tools addTools registers;
// unknown tools are answered here, fixtures and tools that stream go to
// go-sdk. Its tool list is kept (both paths share it: they list the same).
func (g *Gateway) clusterEndpoint() *leanEndpoint {
	ep := &leanEndpoint{impl: g.impl, meta: g.leanMeta, tool: func(name string) (*leanTool, bool) {
		if t, ok := g.leanTools[name]; ok {
			return t, true
		}
		_, fixture := fixtureTools[name]
		return nil, !g.tools[name] && !fixture
	}}
	if !g.opts.ConformanceFixtures {
		// The conformance suite's fixtures add and remove tools.
		ep.list = &listCache{}
	}
	return ep
}

// protocolNew is the sessionless protocol revision (SEP-2575): each
// request carries its protocol version, client capabilities and client
// information in params._meta, and each result says resultType and names
// the server in its _meta.
const protocolNew = "2026-07-28"

// leanVersions are the protocol versions whose stateless tools/call the
// lean path answers (go-sdk v1.8's; none is no header).
var leanVersions = map[string]bool{"2024-11-05": true, "2025-03-26": true, "2025-06-18": true, "2025-11-25": true, protocolNew: true}

// Members of params._meta in the 2026-07-28 protocol.
const (
	metaProtocolVersion = "io.modelcontextprotocol/protocolVersion"
	metaClientCaps      = "io.modelcontextprotocol/clientCapabilities"
	metaClientInfo      = "io.modelcontextprotocol/clientInfo"
	metaServerInfo      = "io.modelcontextprotocol/serverInfo"
)

// lean answers the calls it can on the endpoint at path and passes every
// other request to next with its body intact.
func (g *Gateway) lean(ep *leanEndpoint, path string, next http.Handler) http.Handler {
	next = atEndpoint(path, next)
	if g.opts.DisableLeanPath {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !leanHeaders(r) {
			next.ServeHTTP(w, r)
			return
		}
		bp := bodyPool.Get().(*[]byte)
		body, err := readBody(r, g.opts.MaxBodyBytes, (*bp)[:0])
		if err != nil || int64(len(body)) > g.opts.MaxBodyBytes {
			r.Body = struct {
				io.Reader
				io.Closer
			}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
			next.ServeHTTP(w, r)
			return
		}
		call, ok := leanCall(ep, r.Header, body)
		if !ok {
			if id, ok := leanList(r.Header, body); ok && ep.list != nil {
				ep.list.serveList(w, r, body, id, next, &g.leanCalls)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
			return
		}
		g.leanCalls.Add(1)
		g.serveLean(w, r, ep, path, call)
		// The call is answered and nothing holds its body any more: its
		// arguments were decoded (copied) and the audit entry copied what
		// it keeps. A body passed on above is the next handler's.
		if cap(body) <= maxPooledBody {
			*bp = body[:0]
			bodyPool.Put(bp)
		}
	})
}

// bodyPool holds the buffers of the bodies of the calls the lean path
// answered; maxPooledBody bounds those it keeps.
var bodyPool = sync.Pool{New: func() any { return new([]byte) }}

const maxPooledBody = 16 << 10

// readBody reads a request's body, up to max+1 bytes, into buf (empty)
// when it has room for the size the request declares, else into one
// buffer of that size.
func readBody(r *http.Request, max int64, buf []byte) ([]byte, error) {
	n := r.ContentLength
	if n < 0 || n > max {
		return io.ReadAll(io.LimitReader(r.Body, max+1))
	}
	// One byte more than declared, so that a body longer than its
	// Content-Length (net/http stops it there) reads as it does.
	if int64(cap(buf)) < n+1 {
		buf = make([]byte, 0, n+1)
	}
	for {
		m, err := r.Body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if errors.Is(err, io.EOF) {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			rest, err := io.ReadAll(io.LimitReader(r.Body, max+1-int64(len(buf))))
			return append(buf, rest...), err
		}
	}
}

// leanHeaders tells whether a request's method and headers are those the
// lean path answers; go-sdk checks (and answers) any other. For the
// 2026-07-28 protocol, the body must then agree with Mcp-Method and
// Mcp-Name (leanCall, leanList).
func leanHeaders(r *http.Request) bool {
	if r.Method != http.MethodPost || header(r.Header, "Last-Event-Id") != "" {
		return false
	}
	if ct := header(r.Header, "Content-Type"); ct != "application/json" {
		if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "application/json" {
			return false
		}
	}
	if jsonOK, sseOK := accepts(r.Header["Accept"]); !jsonOK || !sseOK {
		return false
	}
	v := r.Header["Mcp-Protocol-Version"]
	if len(v) > 1 || len(v) == 1 && !leanVersions[v[0]] {
		return false
	}
	newProtocol := len(v) == 1 && v[0] == protocolNew
	for name, vals := range r.Header {
		switch {
		case !strings.HasPrefix(name, "Mcp-"), name == "Mcp-Protocol-Version":
		case newProtocol && (name == "Mcp-Method" || name == "Mcp-Name") && len(vals) == 1:
		default:
			return false // session ids, parameter headers: go-sdk's to judge
		}
	}
	if m := header(r.Header, "Mcp-Method"); newProtocol && m != "tools/call" && m != "tools/list" {
		return false
	}
	// go-sdk refuses a loopback server reached under another host name
	// (DNS rebinding): leave that judgement to it.
	if loopback(r.Host) {
		return true
	}
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && la != nil && loopback(la.String()) {
		return false
	}
	return true
}

// header is h.Get(key) for a key in its canonical form (as net/http
// stores the request's header names), without canonicalizing it again.
func header(h http.Header, key string) string {
	if v := h[key]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// accepts reads an Accept header as go-sdk does: does it take JSON, and
// an SSE stream?
func accepts(values []string) (jsonOK, sseOK bool) {
	if len(values) == 1 && values[0] == "application/json, text/event-stream" {
		return true, true // as the SDKs send it
	}
	for _, v := range values {
		for _, raw := range strings.Split(v, ",") {
			base, _, _ := strings.Cut(strings.TrimSpace(raw), ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				sseOK = true
			case "*/*":
				jsonOK, sseOK = true, true
			}
		}
	}
	return jsonOK, sseOK
}

// loopback tells whether a host (with or without a port) is a loopback
// name or address.
func loopback(hostport string) bool {
	for _, name := range [...]string{"127.0.0.1:", "localhost:"} {
		// As clients on this machine write it, without parsing.
		if port, ok := strings.CutPrefix(hostport, name); ok && digits(port) {
			return true
		}
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// digits tells whether s holds only decimal digits (or nothing).
func digits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// leanRequest is a tools/call the lean path answers.
type leanRequest struct {
	id   json.RawMessage // as the answer carries it
	name string
	args json.RawMessage // nil when absent
	tool *leanTool       // nil: an unknown tool
	// newProtocol: the call is of the 2026-07-28 protocol.
	newProtocol bool
}

// maxExactID bounds integer ids: go-sdk reads them as float64 first.
const maxExactID = 1 << 53

// leanCall reads a message the lean path answers; false for any other.
func leanCall(ep *leanEndpoint, h http.Header, body []byte) (leanRequest, bool) {
	c := leanRequest{newProtocol: header(h, "Mcp-Protocol-Version") == protocolNew}
	if !validJSON(body, sdkMaxDepth) {
		return c, false
	}
	var space [4]member
	msg, ok := objectMembers(body, space[:0], 4)
	if !ok || len(msg) != 4 || string(get(msg, "jsonrpc")) != `"2.0"` || string(get(msg, "method")) != `"tools/call"` {
		return c, false
	}
	if c.id, ok = answerID(get(msg, "id")); !ok {
		return c, false
	}
	var paramSpace [3]member
	params, ok := objectMembers(get(msg, "params"), paramSpace[:0], 3)
	if !ok {
		return c, false
	}
	name, args, meta := get(params, "name"), get(params, "arguments"), get(params, "_meta")
	hasArgs, hasMeta := args != nil, meta != nil
	if name == nil || len(params) != 1+btoi(hasArgs)+btoi(hasMeta) || name[0] != '"' {
		return c, false
	}
	// The name as the body spells it, or decoded; a view of the body
	// until the tool is found, whose name is then kept instead of a copy.
	view, escaped := (&jsonScan{b: name}).str()
	s := unsafe.String(unsafe.SliceData(view), len(view))
	if escaped {
		if s, ok = unquote(name); !ok {
			return c, false
		}
	}
	if hasMeta != c.newProtocol || c.newProtocol && (header(h, "Mcp-Method") != "tools/call" || header(h, "Mcp-Name") != s || !plainMeta(meta)) {
		return c, false
	}
	if hasArgs {
		if args[0] != '{' {
			return c, false
		}
		c.args = args
	}
	t, lean := ep.tool(s)
	switch {
	case t != nil && t.name == s:
		c.name = t.name
	case escaped:
		c.name = s // unquote's own
	default:
		c.name = string(view)
	}
	c.tool = t
	return c, lean
}

// unquote decodes a JSON string.
func unquote(raw []byte) (string, bool) {
	var s string
	err := json.Unmarshal(raw, &s)
	return s, err == nil
}

// sdkMaxDepth is the deepest nesting of objects and arrays go-sdk
// decodes (its internal/json's defaultMaxDepth); it answers a deeper
// message with a parse error, and so the lean path leaves it to go-sdk.
const sdkMaxDepth = 1000

// plainMeta tells whether a 2026-07-28 call's _meta says no more than
// go-sdk's own client does: the protocol version, client capabilities that
// declare at most roots (no elicitation or sampling, so no input request
// can be answered, and no extensions, so no task), and optionally the
// client's name, title and version.
func plainMeta(raw json.RawMessage) bool {
	meta, ok := members(raw)
	if !ok || string(meta[metaProtocolVersion]) != `"`+protocolNew+`"` {
		return false
	}
	caps, ok := members(meta[metaClientCaps])
	if !ok {
		return false
	}
	n := 2
	for k, v := range caps {
		if k != "roots" {
			return false
		}
		roots, ok := members(v)
		if !ok {
			return false
		}
		for k, v := range roots {
			if k != "listChanged" || string(v) != "true" && string(v) != "false" {
				return false
			}
		}
	}
	if info, ok := meta[metaClientInfo]; ok {
		n++
		m, ok := members(info)
		if !ok {
			return false
		}
		for k, v := range m {
			if k != "name" && k != "title" && k != "version" || v[0] != '"' {
				return false
			}
		}
	}
	return len(meta) == n
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// members reads the members of one JSON object (and nothing after it);
// false when data is no object, not valid JSON, or names a member twice.
func members(data []byte) (map[string]json.RawMessage, bool) {
	dec := json.NewDecoder(bytes.NewReader(data))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, false
	}
	m := make(map[string]json.RawMessage, 4)
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, false
		}
		k, ok := t.(string)
		if !ok {
			return nil, false
		}
		if _, dup := m[k]; dup {
			return nil, false
		}
		var v json.RawMessage
		if dec.Decode(&v) != nil {
			return nil, false
		}
		m[k] = v
	}
	if t, err := dec.Token(); err != nil || t != json.Delim('}') {
		return nil, false
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, false
	}
	return m, true
}

// serveLean calls the tool and answers as go-sdk's server would: the
// unknownTool and audit middleware's checks and record, the tool's result
// (content never null), one JSON-RPC response as application/json.
func (g *Gateway) serveLean(w http.ResponseWriter, r *http.Request, ep *leanEndpoint, path string, c leanRequest) {
	// The call's request and context in one allocation. go-sdk runs a
	// stateless call on a context the client's hang-up does not cancel;
	// so does the lean path (awaitCompletion bounds its own wait).
	st := &struct {
		ctx    leanContext
		req    mcp.CallToolRequest
		params mcp.CallToolParamsRaw
		extra  mcp.RequestExtra
	}{
		ctx:    leanContext{parent: r.Context(), path: path, tool: c.tool},
		params: mcp.CallToolParamsRaw{Name: c.name, Arguments: c.args},
		extra:  mcp.RequestExtra{TokenInfo: auth.TokenInfoFromContext(r.Context()), Header: r.Header},
	}
	st.req.Params, st.req.Extra, st.ctx.req = &st.params, &st.extra, &st.req
	out, err := g.leanHandle(&st.ctx, "tools/call", &st.req)
	res, _ := out.(*mcp.CallToolResult)
	bp := responsePool.Get().(*[]byte)
	defer responsePool.Put(bp)
	buf := append((*bp)[:0], `{"jsonrpc":"2.0","id":`...)
	buf = append(buf, c.id...)
	if err != nil {
		var rpcErr *jsonrpc.Error
		if !errors.As(err, &rpcErr) {
			rpcErr = &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()}
		}
		buf = append(buf, `,"error":`...)
		out, merr := json.Marshal(rpcErr)
		if merr != nil {
			out, _ = json.Marshal(&jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: merr.Error()})
		}
		buf, _ = appendUnescaped(buf, out)
	} else {
		buf = append(buf, `,"result":`...)
		var ok bool
		if buf, ok = appendResult(buf, res, c.newProtocol, ep.meta); !ok {
			buf = g.appendResultGeneric(buf, ep.impl, c, res)
		}
	}
	buf = append(buf, '}')
	*bp = buf
	if err == nil {
		// Written below, and read by nothing else once the call is
		// answered (the audit entry was made, middleware returned).
		defer releaseResult(res)
	}
	status := http.StatusOK
	if c.newProtocol && err != nil {
		// SEP-2575: protocol-level errors carry an HTTP status.
		var rpcErr *jsonrpc.Error
		if errors.As(err, &rpcErr) {
			switch rpcErr.Code {
			case jsonrpc.CodeMethodNotFound:
				status = http.StatusNotFound
			case jsonrpc.CodeInvalidParams, mcp.CodeUnsupportedProtocolVersion, mcp.CodeMissingRequiredClientCapabilities:
				status = http.StatusBadRequest
			}
		}
	}
	h := w.Header()
	h["Cache-Control"] = cacheControlValue
	h["Content-Type"] = contentTypeJSON
	if len(buf) > autoLengthMax {
		// Not chunked.
		h["Content-Length"] = []string{strconv.Itoa(len(buf))}
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf)
}

// leanContext is the context of a call the lean path answers: the
// request's values without its cancellation (as context.WithoutCancel
// makes it), the endpoint (endpointKey), and the call: the request
// (callKey, for the tool's handler) and the tool (leanInvoke's), in one
// context. Other values are looked up in the request's context itself:
// context.WithoutCancel's context would be one more allocation, and each
// lookup through it another (it passes itself on as an interface), as
// would a context.WithValue for the endpoint.
type leanContext struct {
	parent context.Context // the request's
	path   string          // the endpoint
	req    *mcp.CallToolRequest
	tool   *leanTool // nil: an unknown tool
}

// leanCallKey finds a call's leanContext under what middleware added.
type leanCallKey struct{}

// Deadline, Done and Err: never canceled, no deadline.
func (*leanContext) Deadline() (time.Time, bool) { return time.Time{}, false }
func (*leanContext) Done() <-chan struct{}       { return nil }
func (*leanContext) Err() error                  { return nil }

func (c *leanContext) Value(key any) any {
	switch key.(type) {
	case callKey:
		return c.req
	case leanCallKey:
		return c
	case endpointKey:
		return c.path
	}
	// The request's cancellation is not found through here either: the
	// context package looks its own key up only in a context that can be
	// done or has an error (context.Cause, a child's propagation), and
	// this one never is.
	return c.parent.Value(key)
}

// leanChain is the lean path's handler of a call: leanInvoke inside the
// middleware added with AddReceivingMiddleware, as the servers run it
// around theirs. Built once, before the gateway serves.
func (g *Gateway) leanChain() mcp.MethodHandler {
	handle := mcp.MethodHandler(g.leanInvoke)
	for _, batch := range g.middleware {
		for _, m := range slices.Backward(batch) {
			handle = m(handle)
		}
	}
	return handle
}

// leanInvoke calls the tool of the call its context carries (serveLean's
// leanContext), with the audit middleware's record around it.
func (g *Gateway) leanInvoke(ctx context.Context, _ string, _ mcp.Request) (mcp.Result, error) {
	lc := ctx.Value(leanCallKey{}).(*leanContext)
	req := lc.req
	var (
		res *mcp.CallToolResult
		err error
	)
	if g.audit != nil {
		ctx = g.audit.board(ctx, req)
	}
	if lc.tool == nil {
		err = &jsonrpc.Error{Code: jsonrpc.CodeInvalidParams, Message: "Unknown tool: " + req.Params.Name}
	} else {
		res, err = lc.tool.handler(ctx, req)
		if err == nil && res != nil {
			if res.InputRequests != nil {
				// No lean tool asks without a session that can answer.
				g.log.Error("a tool asked for input on the lean path", "tool", req.Params.Name)
				res, err = nil, &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: "the tool asked for input the call cannot carry"}
			} else if res.Content == nil {
				res2 := *res
				res2.Content = []mcp.Content{} // as go-sdk: never null
				res = &res2
			}
		}
	}
	if g.audit != nil {
		var result mcp.Result
		if res != nil {
			result = res
		}
		if aerr := g.audit.record(ctx, req, result, err); aerr != nil {
			res, err = nil, aerr
		}
	}
	if res == nil {
		return nil, err
	}
	return res, err
}

// Header values the lean path's answers share (never appended to: their
// capacity is their length).
var (
	cacheControlValue = []string{"no-cache, no-transform"}[:1:1]
	contentTypeJSON   = []string{"application/json"}[:1:1]
)

// autoLengthMax is the longest answer net/http gives a Content-Length
// itself: one written in one Write that fits its buffer
// (bufferBeforeChunkingSize), once the handler returns. A longer one the
// lean path gives its length, or net/http would send it chunked.
const autoLengthMax = 2048

// responsePool holds the lean path's answer buffers.
var responsePool = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// appendResult appends a tool's result as go-sdk encodes it and plainWire
// then rewrites it (no HTML escapes), for the results the tools make: text
// contents and, from jsonResult, structured content that is the JSON of
// the text, encoded once and embedded as it is. newProtocol adds the
// 2026-07-28 protocol's _meta (meta: `"_meta":{...},`) and resultType.
// False, with buf unchanged, for any other shape.
func appendResult(buf []byte, res *mcp.CallToolResult, newProtocol bool, meta []byte) ([]byte, bool) {
	if res == nil || res.Meta != nil || res.InputRequests != nil || res.RequestState != "" {
		return buf, false
	}
	raw, isRaw := res.StructuredContent.(json.RawMessage)
	if res.StructuredContent != nil && (!isRaw || len(raw) == 0) {
		return buf, false
	}
	start := len(buf)
	buf = append(buf, '{')
	if newProtocol {
		buf = append(buf, meta...)
	}
	buf = append(buf, `"content":[`...)
	for i, c := range res.Content {
		tc, ok := c.(*mcp.TextContent)
		if !ok || tc.Meta != nil || tc.Annotations != nil {
			return buf[:start], false
		}
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"type":"text","text":`...)
		buf = appendJSONString(buf, tc.Text)
		buf = append(buf, '}')
	}
	buf = append(buf, ']')
	if isRaw {
		// jsonResult's JSON (marshal): compact, no HTML escapes.
		buf = append(buf, `,"structuredContent":`...)
		buf = append(buf, raw...)
	}
	if res.IsError {
		buf = append(buf, `,"isError":true`...)
	}
	if newProtocol {
		buf = append(buf, `,"resultType":"complete"`...)
	}
	return append(buf, '}'), true
}

// appendResultGeneric appends a result of any shape through go-sdk's
// encoding, without its HTML escapes, as go-sdk's path answers it.
func (g *Gateway) appendResultGeneric(buf []byte, impl *mcp.Implementation, c leanRequest, res *mcp.CallToolResult) []byte {
	if c.newProtocol && res != nil {
		// go-sdk names the server in every result's _meta, and says
		// the result is complete.
		res2 := *res
		res2.Meta = maps.Clone(res.Meta)
		if res2.Meta == nil {
			res2.Meta = mcp.Meta{}
		}
		if _, ok := res2.Meta[metaServerInfo]; !ok {
			res2.Meta[metaServerInfo] = impl
		}
		res = &res2
	}
	out, err := json.Marshal(res)
	if err == nil && c.newProtocol && len(out) > 2 && out[len(out)-1] == '}' {
		out = append(out[:len(out)-1:len(out)-1], `,"resultType":"complete"}`...)
	}
	if err != nil {
		g.log.Error("a tool's answer cannot be encoded", "tool", c.name, "err", err)
		buf = buf[:len(buf)-len(`,"result":`)]
		buf = append(buf, `,"error":`...)
		out, _ = json.Marshal(&jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: err.Error()})
	}
	buf, _ = appendUnescaped(buf, out)
	return buf
}

// leanMetaOf is the _meta member of the 2026-07-28 protocol's results,
// naming the server, as go-sdk writes it: `"_meta":{...},`.
func leanMetaOf(impl *mcp.Implementation) []byte {
	b, err := json.Marshal(mcp.Meta{metaServerInfo: impl})
	if err != nil {
		panic(err) // an Implementation always encodes
	}
	out := append([]byte(nil), `"_meta":`...)
	out, _ = appendUnescaped(out, b)
	return append(out, ',')
}

// appendJSONString appends s as encoding/json writes a string without
// HTML escaping: what go-sdk's encoding and plainWire make of it. A string
// of printable ASCII (a tool's JSON result, mostly) is copied a byte at a
// time into room made for it first, its quotes and backslashes escaped;
// any other goes through appendJSONStringAny.
func appendJSONString(buf []byte, s string) []byte {
	start := len(buf)
	out := slices.Grow(buf, len(s)+len(s)/4+2)
	out = out[:cap(out)]
	n := start
	out[n] = '"'
	n++
	for i := 0; i < len(s); i++ {
		if n+3 > len(out) {
			return appendJSONStringAny(buf[:start], s)
		}
		switch b := s[i]; {
		case b == '"' || b == '\\':
			out[n], out[n+1] = '\\', b
			n += 2
		case b >= ' ' && b < utf8.RuneSelf:
			out[n] = b
			n++
		default:
			return appendJSONStringAny(buf[:start], s)
		}
	}
	out[n] = '"'
	return out[:n+1]
}

// appendJSONStringAny is appendJSONString for any string.
func appendJSONStringAny(buf []byte, s string) []byte {
	const hex = "0123456789abcdef"
	buf = append(buf, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' {
				i++
				continue
			}
			buf = append(buf, s[start:i]...)
			switch b {
			case '\\', '"':
				buf = append(buf, '\\', b)
			case '\b':
				buf = append(buf, '\\', 'b')
			case '\f':
				buf = append(buf, '\\', 'f')
			case '\n':
				buf = append(buf, '\\', 'n')
			case '\r':
				buf = append(buf, '\\', 'r')
			case '\t':
				buf = append(buf, '\\', 't')
			default:
				buf = append(buf, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			buf = append(buf, s[start:i]...)
			buf = append(buf, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			buf = append(buf, s[start:i]...)
			buf = append(buf, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	buf = append(buf, s[start:]...)
	return append(buf, '"')
}
