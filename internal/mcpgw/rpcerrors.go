package mcpgw

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// rpcErrors turns the SDK's plain-text 400 answers to malformed JSON-RPC
// messages into JSON-RPC errors, as the MCP specification wants: a request
// (with an id) naming an unknown method or lacking its params gets HTTP 200
// with an error response for its id (-32601, -32602); a message that cannot
// be accepted at all (a request without an id, such as a notification-style
// tools/call, or no JSON) keeps HTTP 400 with an error response without an
// id (-32600, -32700). Everything else passes through untouched.
func rpcErrors(next http.Handler, maxBody int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		b, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		cw := &captureWriter{ResponseWriter: w}
		next.ServeHTTP(cw, r)
		if !cw.captured {
			return
		}
		var msg struct {
			ID json.RawMessage `json:"id"`
		}
		isJSON := json.Unmarshal(b, &msg) == nil
		reason := strings.TrimSpace(cw.buf.String())
		code, text := -32600, "Invalid Request"
		switch {
		case !isJSON && json.Valid(b):
			// A batch or another JSON value: the SDK's answer stands.
		case !isJSON || strings.Contains(reason, "malformed payload"):
			code, text = -32700, "Parse error"
		case strings.Contains(reason, "not handled") || strings.Contains(reason, "unsupported"):
			code, text = -32601, "Method not found"
		case strings.Contains(reason, "params"):
			code, text = -32602, "Invalid params"
		}
		status := http.StatusBadRequest
		id := json.RawMessage("null")
		if isJSON && len(msg.ID) > 0 && string(msg.ID) != "null" && code != -32600 {
			status, id = http.StatusOK, msg.ID
		}
		body, _ := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id,
			"error": map[string]any{"code": code, "message": text + ": " + reason}})
		h := w.Header()
		h.Del("Content-Length")
		h.Del("X-Content-Type-Options")
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}

// captureWriter holds back a plain-text 400 answer (the SDK's http.Error)
// and passes anything else through, JSON-RPC errors included.
type captureWriter struct {
	http.ResponseWriter
	captured bool
	wrote    bool
	buf      bytes.Buffer
}

func (c *captureWriter) WriteHeader(status int) {
	if !c.wrote && status == http.StatusBadRequest && strings.HasPrefix(c.Header().Get("Content-Type"), "text/plain") {
		c.captured = true
	}
	if !c.captured {
		c.ResponseWriter.WriteHeader(status)
	}
	c.wrote = true
}

func (c *captureWriter) Write(p []byte) (int, error) {
	if !c.wrote {
		c.WriteHeader(http.StatusOK)
	}
	if c.captured {
		return c.buf.Write(p)
	}
	return c.ResponseWriter.Write(p)
}

func (c *captureWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok && !c.captured {
		f.Flush()
	}
}

func (c *captureWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }
