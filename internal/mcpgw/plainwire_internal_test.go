package mcpgw

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// The writer turns \u003c, \u003e and \u0026 back into <, > and &
// however the body is cut into writes, and leaves every other escape alone:
// the JSON decodes to the same value.
func TestUnescapeWriter(t *testing.T) {
	value := map[string]any{
		"text":   `{"tenantId":"<default>","q":"a && b > c","path":"C:\\u003c\\dir","quote":"\"<\"","nl":"x\ny","ls":"\u2028"}`,
		"nested": []any{"<b>", map[string]any{"k&": "v>"}},
	}
	escaped, err := json.Marshal(value) // json.Marshal escapes HTML, as the SDK does
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(escaped, []byte(`\u003c`)) {
		t.Fatal("the input is not escaped")
	}
	// The value holds one literal \u003c (after a backslash): that one stays.
	const literal = 1
	for _, ct := range []string{"application/json", "text/event-stream"} {
		for cut := 0; cut <= len(escaped); cut++ {
			h := plainWire(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", ct)
				w.Header().Set("Content-Length", "1")
				w.Write(escaped[:cut])
				w.(http.Flusher).Flush()
				w.Write(escaped[cut:])
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("POST", "/mcp", nil))
			body := rec.Body.Bytes()
			if rec.Header().Get("Content-Length") != "" {
				t.Fatalf("Content-Length kept")
			}
			var got any
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("%s cut at %d: not JSON: %v\n%s", ct, cut, err, body)
			}
			var want any
			json.Unmarshal(escaped, &want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s cut at %d: the value changed:\n%s", ct, cut, body)
			}
			if n := bytes.Count(body, []byte(`\u00`)); n > literal {
				t.Fatalf("%s cut at %d: escapes left:\n%s", ct, cut, body)
			}
		}
	}
	// Other content types pass through untouched.
	h := plainWire(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(`\u003c`))
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Body.String() != `\u003c` {
		t.Errorf("text/plain changed: %s", rec.Body)
	}
}
