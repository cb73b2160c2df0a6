package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// A tool list changes seldom (on /mcp and /mcp/cluster never, once the
// gateway is built without the conformance fixtures; on /mcp/processes
// when a deployment adds or removes a process tool), yet go-sdk encodes it
// anew, schemas and all, for every stateless tools/list. The lean path
// asks go-sdk once per protocol version and tool list, keeps the answer,
// and answers the same request again with it, under the request's id.
// Only a plain request is kept: no params, or empty ones (no cursor, no
// _meta), or, in the 2026-07-28 protocol, params with only the _meta its
// tools/call may carry on the lean path (plainMeta) and the Mcp-Method
// header tools/list. Anything else, and an answer that is not a 200 with
// a result, goes on to go-sdk each time.

// listCache holds go-sdk's answers to tools/list, by protocol version,
// for the endpoint's current tool list.
type listCache struct {
	// sync, when set, brings the endpoint's tools up to date (as its
	// go-sdk server's middleware does before it lists them) and returns
	// the version of its tool list; current returns that version without
	// a sync. Versions only grow. Nil: the tool list never changes.
	sync    func(context.Context) (uint64, error)
	current func() uint64

	mu      sync.Mutex
	version uint64 // of the answers kept
	answers map[string]*listAnswer
}

// listAnswer is a kept answer: its headers and its body around the id.
type listAnswer struct {
	header         http.Header
	before, after  []byte
	status, length int
}

// leanList tells whether body (with its headers h) is a plain tools/list,
// and its id as the answer carries it.
func leanList(h http.Header, body []byte) (id []byte, ok bool) {
	if !validJSON(body, sdkMaxDepth) {
		return nil, false
	}
	var space [4]member
	msg, ok := objectMembers(body, space[:0], 4)
	if !ok || string(get(msg, "jsonrpc")) != `"2.0"` || string(get(msg, "method")) != `"tools/list"` {
		return nil, false
	}
	params := get(msg, "params")
	if h.Get("Mcp-Protocol-Version") == protocolNew {
		// Its _meta is required; the headers name the method, and no tool.
		var m [2]member
		pm, ok := objectMembers(params, m[:0], 2)
		if !ok || len(msg) != 4 || len(pm) != 1 || h.Get("Mcp-Method") != "tools/list" || len(h.Values("Mcp-Name")) != 0 {
			return nil, false
		}
		if meta := get(pm, "_meta"); meta == nil || !plainMeta(meta) {
			return nil, false
		}
		return answerID(get(msg, "id"))
	}
	switch {
	case params == nil && len(msg) == 3:
	case params != nil && len(msg) == 4:
		if m, ok := objectMembers(params, nil, 1); !ok || len(m) != 0 {
			return nil, false
		}
	default:
		return nil, false
	}
	return answerID(get(msg, "id"))
}

// answerID is a request's id as go-sdk writes it in its answer; false for
// ids the lean path leaves to go-sdk.
func answerID(id []byte) ([]byte, bool) {
	if len(id) > 0 && id[0] == '"' {
		var s string
		if json.Unmarshal(id, &s) != nil {
			return nil, false
		}
		return appendJSONString(nil, s), true
	}
	n, err := strconv.ParseInt(string(id), 10, 64)
	var canon [24]byte
	if err != nil || n >= maxExactID || n <= -maxExactID || string(strconv.AppendInt(canon[:0], n, 10)) != string(id) {
		return nil, false
	}
	return id, true
}

// serveList answers a plain tools/list from the kept answer, or has next
// (go-sdk) answer it and keeps that answer.
func (lc *listCache) serveList(w http.ResponseWriter, r *http.Request, body, id []byte, next http.Handler, served *atomic.Int64) {
	protocol := r.Header.Get("Mcp-Protocol-Version")
	var version uint64
	if lc.sync != nil {
		v, err := lc.sync(r.Context())
		if err != nil {
			// go-sdk's middleware tries again, and answers the error.
			r.Body = readCloser{bytes.NewReader(body)}
			next.ServeHTTP(w, r)
			return
		}
		version = v
	}
	lc.mu.Lock()
	var a *listAnswer
	if lc.version == version {
		a = lc.answers[protocol]
	}
	lc.mu.Unlock()
	if a != nil {
		served.Add(1)
		h := w.Header()
		for k, v := range a.header {
			h[k] = v
		}
		h["Content-Length"] = []string{strconv.Itoa(a.length + len(id))}
		w.WriteHeader(a.status)
		w.Write(a.before)
		w.Write(id)
		w.Write(a.after)
		return
	}
	rec := &recorder{header: http.Header{}, status: http.StatusOK}
	r.Body = readCloser{bytes.NewReader(body)}
	next.ServeHTTP(rec, r)
	for k, v := range rec.header {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.status)
	w.Write(rec.body.Bytes())
	a = keep(rec, id)
	if a == nil || lc.current != nil && lc.current() != version {
		return // the tools changed meanwhile: this answer may list either
	}
	lc.mu.Lock()
	defer lc.mu.Unlock()
	switch {
	case version < lc.version:
		return // a newer list is kept already
	case version > lc.version || lc.answers == nil:
		lc.version, lc.answers = version, map[string]*listAnswer{}
	}
	lc.answers[protocol] = a
}

// keep makes a recorded answer one to keep: a 200 with a JSON-RPC result
// for id, as go-sdk writes it; nil otherwise.
func keep(rec *recorder, id []byte) *listAnswer {
	b := rec.body.Bytes()
	prefix := []byte(`{"jsonrpc":"2.0","id":`)
	if rec.status != http.StatusOK || !bytes.HasPrefix(b, prefix) || !bytes.HasPrefix(b[len(prefix):], id) ||
		!bytes.HasPrefix(b[len(prefix)+len(id):], []byte(`,"result":`)) {
		return nil
	}
	h := rec.header.Clone()
	h.Del("Content-Length")
	h.Del("Date")
	after := bytes.Clone(b[len(prefix)+len(id):])
	return &listAnswer{header: h, status: rec.status, before: prefix, after: after, length: len(prefix) + len(after)}
}

// recorder records an answer.
type recorder struct {
	header http.Header
	status int
	wrote  bool
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	r.wrote = true
	return r.body.Write(p)
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }
