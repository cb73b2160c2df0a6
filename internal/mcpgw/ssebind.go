package mcpgw

import (
	"bytes"
	"net/http"
	"sync"

	"github.com/orcabpm/orca/internal/auth"
)

// sseOwners binds each legacy SSE session to the principal that opened it:
// a message posted into a session by anyone else is answered as if the
// session did not exist (404), so one user cannot act in another's session.
type sseOwners struct {
	mu     sync.Mutex
	owners map[string]string // session id → principal
}

func owner(r *http.Request) string {
	p, _ := auth.PrincipalFrom(r.Context())
	return p.Method + "\x00" + p.Name
}

// wrap serves next (the SDK's SSE handler) with the binding.
func (o *sseOwners) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			id := r.URL.Query().Get("sessionid")
			o.mu.Lock()
			who, bound := o.owners[id]
			o.mu.Unlock()
			if bound && who != owner(r) {
				http.Error(w, "session not found", http.StatusNotFound)
				return
			}
			next.ServeHTTP(w, r)
		case http.MethodGet:
			bw := &bindingWriter{ResponseWriter: w, owners: o, who: owner(r)}
			defer bw.release()
			next.ServeHTTP(bw, r)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// bindingWriter reads the session id from the endpoint event the SDK writes
// first ("event: endpoint\ndata: /mcp/sse?sessionid=ID\n\n") and binds it.
type bindingWriter struct {
	http.ResponseWriter
	owners *sseOwners
	who    string
	head   []byte
	id     string
	done   bool
}

func (b *bindingWriter) Write(p []byte) (int, error) {
	if !b.done {
		b.head = append(b.head, p...)
		if i := bytes.Index(b.head, []byte("sessionid=")); i >= 0 {
			rest := b.head[i+len("sessionid="):]
			if j := bytes.IndexAny(rest, "&\r\n"); j >= 0 {
				b.id = string(rest[:j])
				b.done = true
				b.head = nil
				b.owners.mu.Lock()
				if b.owners.owners == nil {
					b.owners.owners = map[string]string{}
				}
				b.owners.owners[b.id] = b.who
				b.owners.mu.Unlock()
			}
		}
		if len(b.head) > 4096 {
			b.done, b.head = true, nil
		}
	}
	return b.ResponseWriter.Write(p)
}

func (b *bindingWriter) Flush() {
	if f, ok := b.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (b *bindingWriter) Unwrap() http.ResponseWriter { return b.ResponseWriter }

func (b *bindingWriter) release() {
	if b.id == "" {
		return
	}
	b.owners.mu.Lock()
	delete(b.owners.owners, b.id)
	b.owners.mu.Unlock()
}
