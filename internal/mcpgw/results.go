package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
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
// answer's encoding, only read it).
func jsonResult(v any) *mcp.CallToolResult {
	b, err := marshal(v)
	if err != nil {
		return errorResult(err)
	}
	return &mcp.CallToolResult{
		Content:           []mcp.Content{&mcp.TextContent{Text: unsafe.String(unsafe.SliceData(b), len(b))}},
		StructuredContent: json.RawMessage(b),
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
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
