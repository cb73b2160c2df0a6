package mcpgw

import (
	"mime"
	"net/http"
)

// plainWire undoes, on the way out, the HTML escaping of the MCP SDK's JSON
// encoder: go-sdk v1.8 marshals CallToolResult, its content and its
// structured content with json.Marshal (mcp/protocol.go, mcp/content.go),
// which writes '<', '>' and '&' in every string as \u003c, \u003e and
// \u0026, and offers no option to stop it. Camunda's gateway writes them
// plainly, and a model that reads the raw text sees <default>, not
// \u003cdefault\u003e. The writer rewrites exactly those three escapes in
// JSON and SSE bodies; every other escape (\\, \", \n, \u2028, ...) passes
// untouched, so the JSON means what it meant.
func plainWire(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		uw := &unescapeWriter{ResponseWriter: w}
		h.ServeHTTP(uw, r)
		if len(uw.pending) > 0 {
			_, _ = w.Write(uw.pending)
		}
	})
}

type unescapeWriter struct {
	http.ResponseWriter
	decided, on bool
	pending     []byte // an escape cut by the end of a Write (at most 5 bytes)
	buf         []byte
}

func (w *unescapeWriter) decide() {
	if w.decided {
		return
	}
	w.decided = true
	mt, _, _ := mime.ParseMediaType(w.Header().Get("Content-Type"))
	w.on = mt == "application/json" || mt == "text/event-stream"
	if w.on {
		// The body gets shorter.
		w.Header().Del("Content-Length")
	}
}

func (w *unescapeWriter) WriteHeader(code int) {
	w.decide()
	w.ResponseWriter.WriteHeader(code)
}

func (w *unescapeWriter) Write(p []byte) (int, error) {
	w.decide()
	if !w.on {
		return w.ResponseWriter.Write(p)
	}
	data := p
	if len(w.pending) > 0 {
		data = append(w.pending, p...)
		w.pending = nil
	}
	out, rest := appendUnescaped(w.buf[:0], data)
	if len(rest) > 0 {
		w.pending = append(w.pending[:0], rest...)
	}
	w.buf = out
	if _, err := w.ResponseWriter.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// appendUnescaped appends data to out with the escapes \u003c, \u003e and
// \u0026 written as the characters they stand for; rest is an escape cut
// by the end of data (at most 5 bytes), not appended.
func appendUnescaped(out, data []byte) (_, rest []byte) {
	i := 0
	for i < len(data) {
		c := data[i]
		if c != '\\' {
			j := i + 1
			for j < len(data) && data[j] != '\\' {
				j++
			}
			out = append(out, data[i:j]...)
			i = j
			continue
		}
		if i+1 >= len(data) || (data[i+1] == 'u' && i+6 > len(data)) {
			return out, data[i:]
		}
		if data[i+1] != 'u' {
			out = append(out, data[i], data[i+1]) // \\, \", \n, ...: never the start of \u
			i += 2
			continue
		}
		switch string(data[i+2 : i+6]) {
		case "003c":
			out = append(out, '<')
		case "003e":
			out = append(out, '>')
		case "0026":
			out = append(out, '&')
		default:
			out = append(out, data[i:i+6]...)
		}
		i += 6
	}
	return out, nil
}

// Flush sends what was written but a cut escape, which waits for its end
// (a whole message never ends in one; the handler's end sends it).
func (w *unescapeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *unescapeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
