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
// are one allocation.
func jsonResult(v any) *mcp.CallToolResult {
	b, err := marshal(v)
	if err != nil {
		return errorResult(err)
	}
	r := &struct {
		res     mcp.CallToolResult
		content [1]mcp.Content
		text    mcp.TextContent
	}{}
	r.text.Text = unsafe.String(unsafe.SliceData(b), len(b))
	r.content[0] = &r.text
	r.res.Content, r.res.StructuredContent = r.content[:], json.RawMessage(b)
	return &r.res
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
	if e.buf.Cap() <= maxPooledEncoding {
		encoders.Put(e)
	}
	return out, nil
}

// encoder is a JSON encoder without HTML escaping and the buffer it
// writes to.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

// encoders keeps marshal's encoders for reuse; one that grew past
// maxPooledEncoding (a large search page) is left to the collector.
var encoders = sync.Pool{New: func() any {
	e := &encoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

const maxPooledEncoding = 64 << 10
