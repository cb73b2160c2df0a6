package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"unsafe"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// problem is an RFC 9457 problem detail as Camunda's MCP gateway returns
// it: the REST API's problem (internal/rest) without the request path,
// since a tool call has none.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

// jsonResult is a REST v2 response as a tool result: the JSON as
// structuredContent and, for clients that read only content, as text.
// The text and the structured content are the same bytes, encoded once:
// the text is a string over them, not a copy (nothing writes to a
// result's structured content; its readers, the audit entry and the
// answer's encoding, only read it). The result, its content and its text
// are one allocation (jsonBox), and the bytes are those of the encoder's
// buffer: the lean path gives both back once it has written its answer
// (releaseResult); on go-sdk's path the encoder is given back at once and
// the result keeps the buffer (detachResult).
func jsonResult(v any) *mcp.CallToolResult {
	e := encoders.Get().(*encoder)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return errorResult(err) // the encoder is dropped: it may keep the error
	}
	b := bytes.TrimSuffix(e.buf.Bytes(), []byte("\n"))
	r := boxes.Get().(*jsonBox)
	r.enc = e
	r.text.Text = unsafe.String(unsafe.SliceData(b), len(b))
	r.content[0] = &r.text
	r.res.Content, r.res.StructuredContent = r.content[:], json.RawMessage(b)
	return &r.res
}

// jsonBox is jsonResult's result with its content, its text and the
// encoder whose buffer holds the JSON, in one allocation.
type jsonBox struct {
	res     mcp.CallToolResult // first: a result of jsonResult points at its box
	content [1]mcp.Content
	text    mcp.TextContent
	enc     *encoder
}

// boxes keeps jsonResult's boxes for reuse (releaseResult).
var boxes = sync.Pool{New: func() any { return new(jsonBox) }}

// releaseResult gives a result of jsonResult back to the pools, with the
// encoder whose buffer holds its JSON, once nothing reads it any more:
// the caller must hold the only reference to it and to its content and
// text (an audit entry copies what it keeps of a result, except the text
// of a tool error, which is why errors are not given back). Any other
// result (another shape, a copy of a jsonResult's) is left alone.
func releaseResult(res *mcp.CallToolResult) {
	if res == nil || res.IsError {
		return
	}
	box := boxOf(res)
	if box == nil || box.enc == nil {
		return
	}
	e := box.enc
	*box = jsonBox{}
	boxes.Put(box)
	putEncoder(e)
}

// boxOf is the box of a result of jsonResult, or nil for any other result.
func boxOf(res *mcp.CallToolResult) *jsonBox {
	if res == nil || len(res.Content) != 1 {
		return nil
	}
	// A result is jsonResult's when its text is in its own box, at the
	// text's place after the result: a result made otherwise, or a copy
	// of a jsonResult's, has its text elsewhere. Only addresses are
	// compared until then: any other result is not read beyond itself.
	t, ok := res.Content[0].(*mcp.TextContent)
	if !ok || uintptr(unsafe.Pointer(t)) != uintptr(unsafe.Pointer(res))+unsafe.Offsetof(jsonBox{}.text) {
		return nil
	}
	return (*jsonBox)(unsafe.Pointer(res))
}

// detachResult gives the encoder of a result of jsonResult back to its
// pool at once, without its buffer, which the result keeps: for go-sdk's
// path (sessions, SSE), which encodes the result after every hook of the
// gateway's has returned, so that nothing can give the result back
// afterwards (releaseResult). The encoder's next use then makes a buffer
// of the size it needs, in place of the encoder, json.Encoder and buffer
// each such call would otherwise take new from the pool; the box stays the
// result's. Errors too: the audit entry of a tool error keeps its text,
// which is over the buffer the result keeps.
func detachResult(res *mcp.CallToolResult) {
	box := boxOf(res)
	if box == nil || box.enc == nil {
		return
	}
	e := box.enc
	box.enc = nil
	e.buf = bytes.Buffer{} // e.enc writes to e.buf, wherever its bytes are
	encoders.Put(e)
}

// sdkTool is a tool's handler as go-sdk's servers run it: its result
// keeps no pooled encoder (detachResult). The lean path runs the handler
// itself and gives the whole result back once it has written it.
func sdkTool(h mcp.ToolHandler) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		res, err := h(ctx, req)
		detachResult(res)
		return res, err
	}
}

// putEncoder gives an encoder back to the pool unless it grew past
// maxPooledEncoding.
func putEncoder(e *encoder) {
	if e.buf.Cap() <= maxPooledEncoding {
		encoders.Put(e)
	}
}

// textResult is a plain text result (HEALTHY, "Incident with key 5 resolved.", BPMN XML).
func textResult(s string) *mcp.CallToolResult {
	return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: s}}}
}

// problemResult is a tool error carrying a problem detail.
func problemResult(p problem) *mcp.CallToolResult {
	if p.Type == "" {
		p.Type = "about:blank"
	}
	r := jsonResult(p)
	r.IsError = true
	return r
}

// errorResult maps an error of the cluster to a tool error, as the REST
// API maps it to a response.
func errorResult(err error) *mcp.CallToolResult {
	var ce *cluster.Error
	switch {
	case errors.As(err, &ce):
		return problemResult(problem{Title: string(ce.Code), Status: ce.Code.Status(), Detail: ce.Detail})
	case errors.Is(err, context.DeadlineExceeded):
		return problemResult(problem{Title: string(cluster.CodeDeadlineExceeded), Status: http.StatusGatewayTimeout,
			Detail: "Expected to handle request, but the request timed out."})
	case errors.Is(err, context.Canceled):
		return problemResult(problem{Title: string(cluster.CodeUnavailable), Status: http.StatusServiceUnavailable,
			Detail: "The request was canceled."})
	}
	return problemResult(problem{Title: string(cluster.CodeInternal), Status: http.StatusInternalServerError,
		Detail: "Unexpected error occurred during the request processing: " + err.Error()})
}

// invalidResult reports invalid arguments as Camunda's bean validation
// does: a tool error with one text, "<argument>: <message>" per violation.
func invalidResult(violations []string) *mcp.CallToolResult {
	r := textResult(strings.Join(violations, "; "))
	r.IsError = true
	return r
}

// invalidArgument is a 400 INVALID_ARGUMENT problem, for requests that
// are well formed but cannot be served.
func invalidArgument(detail string) *mcp.CallToolResult {
	return problemResult(problem{Title: string(cluster.CodeInvalidArgument), Status: http.StatusBadRequest, Detail: detail})
}

// reply is the result of a call returning a value or an error.
func reply[T any](v T, err error) *mcp.CallToolResult {
	if err != nil {
		return errorResult(err)
	}
	return jsonResult(v)
}

// marshal is json.Marshal without HTML escaping: '<', '>' and '&' are
// written as they are, as Camunda writes them, and a model reads them so.
// It encodes into a buffer kept for the next call and returns a copy of
// the exact size.
func marshal(v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err // the encoder is dropped: it may keep the error
	}
	out := bytes.Clone(bytes.TrimSuffix(e.buf.Bytes(), []byte("\n")))
	putEncoder(e)
	return out, nil
}

// encoder is a JSON encoder without HTML escaping and the buffer it
// writes to.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// encoders keeps the encoders of marshal and jsonResult for reuse; one that grew past
// maxPooledEncoding (a large search page) is left to the collector.
var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

const maxPooledEncoding = 64 << 10
