package console

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
)

// login checks the credentials the login page sends (an Authorization
// header, as the console then sends with every /v2 request) through the
// API's authentication, answering 204 or 401 without a WWW-Authenticate
// challenge, so that the browser shows the console's page instead of its
// own dialog. Nothing is stored on the server: the page keeps the header
// in the tab's session storage.
func (h *Handler) login() http.Handler {
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	checked := h.opts.Auth(ok)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{header: http.Header{}}
		checked.ServeHTTP(rec, r)
		if rec.status == http.StatusNoContent {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		http.Error(w, "The user name or password is wrong.", http.StatusUnauthorized)
	})
}

// statusRecorder keeps only the status of a response.
type statusRecorder struct {
	header http.Header
	status int
}

func (s *statusRecorder) Header() http.Header { return s.header }
func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return len(b), nil
}
func (s *statusRecorder) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
}

func etagOf(b []byte) string {
	sum := sha256.Sum256(b)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}
