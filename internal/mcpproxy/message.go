package mcpproxy

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// JSON-RPC error codes of the errors the proxy itself answers with.
const (
	CodeParseError        = -32700
	CodeInvalidRequest    = -32600
	CodeRemoteUnavailable = -32000
	CodeRemoteTimeout     = -32001
	CodeRemoteAuth        = -32010
	CodeRemoteHTTP        = -32011
)

const (
	methodInitialize  = "initialize"
	notifyInitialized = "notifications/initialized"
	notifyCancelled   = "notifications/cancelled"
	metaKeyProtocol   = "io.modelcontextprotocol/protocolVersion"
	protocolStateless = "2026-07-28" // the first version without sessions and the GET stream
)

// envelope is the part of a JSON-RPC message the proxy looks at.
type envelope struct {
	ID     json.RawMessage `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  json.RawMessage `json:"error,omitempty"`
}

func (e *envelope) hasID() bool      { return len(e.ID) > 0 && string(e.ID) != "null" }
func (e *envelope) isRequest() bool  { return e.Method != "" && e.hasID() }
func (e *envelope) isResponse() bool { return e.Method == "" && e.hasID() }

// key identifies a request id: its compact JSON text, so 7 and "7" differ.
func (e *envelope) key() string { return string(e.ID) }

// frame is one JSON-RPC payload: a single message or a batch.
type frame struct {
	raw   []byte // compact JSON, exactly what is forwarded
	batch bool
	msgs  []envelope
	elems []json.RawMessage // the batch's elements, compact
}

func parseFrame(data []byte) (*frame, error) {
	var buf bytes.Buffer
	if err := json.Compact(&buf, bytes.TrimSpace(data)); err != nil {
		return nil, err
	}
	f := &frame{raw: buf.Bytes()}
	if len(f.raw) == 0 {
		return nil, errors.New("empty message")
	}
	if f.raw[0] == '[' {
		f.batch = true
		if err := json.Unmarshal(f.raw, &f.elems); err != nil {
			return nil, err
		}
		if len(f.elems) == 0 {
			return nil, errors.New("empty batch")
		}
		f.msgs = make([]envelope, len(f.elems))
		for i, el := range f.elems {
			if err := json.Unmarshal(el, &f.msgs[i]); err != nil {
				return nil, fmt.Errorf("batch element %d: %w", i, err)
			}
		}
		return f, nil
	}
	var e envelope
	if err := json.Unmarshal(f.raw, &e); err != nil {
		return nil, err
	}
	f.msgs = []envelope{e}
	f.elems = []json.RawMessage{f.raw}
	return f, nil
}

// requestKeys returns the keys of the requests in f.
func (f *frame) requestKeys() []string {
	var keys []string
	for i := range f.msgs {
		if f.msgs[i].isRequest() {
			keys = append(keys, f.msgs[i].key())
		}
	}
	return keys
}

func (f *frame) has(method string) bool {
	for i := range f.msgs {
		if f.msgs[i].Method == method {
			return true
		}
	}
	return false
}

// single returns the only message of a non-batch frame.
func (f *frame) single() (*envelope, bool) {
	if f.batch {
		return nil, false
	}
	return &f.msgs[0], true
}

// metaString returns params._meta[key] if it is a string.
func metaString(params json.RawMessage, key string) string {
	if len(params) == 0 {
		return ""
	}
	var p struct {
		Meta map[string]json.RawMessage `json:"_meta"`
	}
	if json.Unmarshal(params, &p) != nil {
		return ""
	}
	var s string
	if json.Unmarshal(p.Meta[key], &s) != nil {
		return ""
	}
	return s
}

// nameOf returns the name the 2026-07-28 Mcp-Name header carries.
func nameOf(method string, params json.RawMessage) string {
	var p struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	switch method {
	case "tools/call", "prompts/get":
		_ = json.Unmarshal(params, &p)
		return p.Name
	case "resources/read":
		_ = json.Unmarshal(params, &p)
		return p.URI
	}
	return ""
}

type rpcError struct {
	Code    int64          `json:"code"`
	Message string         `json:"message"`
	Data    map[string]any `json:"data,omitempty"`
}

// errorResponse encodes a JSON-RPC error response for id (null if empty).
func errorResponse(id json.RawMessage, e *rpcError) []byte {
	if len(id) == 0 {
		id = json.RawMessage("null")
	}
	b, err := json.Marshal(struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      json.RawMessage `json:"id"`
		Error   *rpcError       `json:"error"`
	}{"2.0", id, e})
	if err != nil {
		panic(err) // all fields are marshalable
	}
	return b
}

// httpError: the remote answered with an HTTP status the proxy cannot pass on.
type httpError struct {
	status  int
	detail  string // the body or WWW-Authenticate, shortened
	renewed bool   // the token was renewed after a first 401
	jsonrpc bool   // the body was a JSON-RPC message
}

func newHTTPError(resp *http.Response, body []byte, renewed bool) *httpError {
	detail := strings.TrimSpace(string(body))
	if len(detail) > 300 {
		detail = detail[:300] + "..."
	}
	if wa := resp.Header.Get("WWW-Authenticate"); wa != "" && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
		if detail != "" {
			detail = wa + "; " + detail
		} else {
			detail = wa
		}
	}
	trimmed := bytes.TrimSpace(body)
	return &httpError{
		status:  resp.StatusCode,
		detail:  detail,
		renewed: renewed,
		jsonrpc: len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') && bytes.Contains(trimmed, []byte(`"jsonrpc"`)),
	}
}

func (e *httpError) Error() string {
	s := fmt.Sprintf("HTTP %d %s", e.status, http.StatusText(e.status))
	if e.detail != "" {
		s += ": " + e.detail
	}
	return s
}

// errNoResponse: the remote accepted a request but sent no response for it.
var errNoResponse = errors.New("ended the response without answering the request")

// errStreamLost: the legacy SSE stream that would carry the response closed.
var errStreamLost = errors.New("closed its SSE stream before answering the request")

// toRPCError turns a failure to get an answer from the remote into the
// JSON-RPC error the client receives.
func toRPCError(err error, endpoint string, timeout time.Duration, auth authenticator) *rpcError {
	data := map[string]any{"endpoint": endpoint}
	var (
		he *httpError
		te *tokenError
		ue *unreachableError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &rpcError{Code: CodeRemoteTimeout, Data: data,
			Message: fmt.Sprintf("the remote MCP server %s did not answer within %v", endpoint, timeout)}
	case errors.As(err, &te):
		return &rpcError{Code: CodeRemoteAuth, Data: data, Message: te.Error()}
	case errors.Is(err, errNoResponse) || errors.Is(err, errStreamLost):
		return &rpcError{Code: CodeRemoteUnavailable, Data: data,
			Message: fmt.Sprintf("the remote MCP server %s %v", endpoint, err)}
	case errors.As(err, &ue):
		return &rpcError{Code: CodeRemoteUnavailable, Data: data, Message: ue.Error()}
	case errors.As(err, &he):
		data["httpStatus"] = he.status
		switch {
		case he.status == http.StatusUnauthorized && isNoAuth(auth):
			return &rpcError{Code: CodeRemoteAuth, Data: data,
				Message: fmt.Sprintf("the remote MCP server %s requires credentials (%v) but the proxy has %s", endpoint, he, auth.describe())}
		case he.status == http.StatusUnauthorized:
			msg := fmt.Sprintf("the remote MCP server %s rejected %s (%v)", endpoint, auth.describe(), he)
			if he.renewed {
				msg = fmt.Sprintf("the remote MCP server %s rejected %s even after it was renewed (%v)", endpoint, auth.describe(), he)
			}
			return &rpcError{Code: CodeRemoteAuth, Data: data, Message: msg}
		case he.status == http.StatusForbidden:
			return &rpcError{Code: CodeRemoteAuth, Data: data,
				Message: fmt.Sprintf("the remote MCP server %s denied access with %s (%v)", endpoint, auth.describe(), he)}
		case he.status >= 500 || he.status == http.StatusTooManyRequests:
			return &rpcError{Code: CodeRemoteUnavailable, Data: data,
				Message: fmt.Sprintf("the remote MCP server %s failed (%v)", endpoint, he)}
		case he.status == http.StatusNotFound:
			return &rpcError{Code: CodeRemoteHTTP, Data: data,
				Message: fmt.Sprintf("the remote MCP server %s answered %v; check the path and that the MCP gateway is enabled (camunda.mcp.enabled)", endpoint, he)}
		default:
			return &rpcError{Code: CodeRemoteHTTP, Data: data,
				Message: fmt.Sprintf("the remote MCP server %s answered %v", endpoint, he)}
		}
	default:
		return &rpcError{Code: CodeRemoteUnavailable, Data: data,
			Message: fmt.Sprintf("the remote MCP server %s: %v", endpoint, err)}
	}
}

func isNoAuth(a authenticator) bool {
	_, ok := a.(noAuth)
	return ok
}
