package rest

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
)

// Options configure a Server.
type Options struct {
	// MaxBodyBytes caps request bodies (default 4 MiB, Zeebe's default
	// maximum message size).
	MaxBodyBytes int64
	Logger       *slog.Logger
	// AllowedHosts are host names (without ports) accepted besides the
	// loopback names when the server listens on loopback; when set, a server
	// on another address accepts only these.
	AllowedHosts []string
	// AllowedOrigins are origins ("https://app.example.com") whose
	// cross-origin requests are accepted.
	AllowedOrigins []string
	// BodyReadTimeout bounds how long a request body may take to arrive
	// (default DefaultBodyReadTimeout).
	BodyReadTimeout time.Duration
}

// DefaultMaxBodyBytes is the default request body limit.
const DefaultMaxBodyBytes = 4 << 20

// Server serves the REST API v2 over a cluster.API.
type Server struct {
	api  cluster.API
	opts Options
	log  *slog.Logger
	mux  *http.ServeMux
	grd  *guard

	drain  context.Context // done when the server stops: long polls answer at once
	cancel context.CancelFunc
}

// New makes a server for api.
func New(api cluster.API, opts Options) *Server {
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	grd, errs := newGuard(opts)
	for _, err := range errs {
		opts.Logger.Error("ignoring an allowed origin", "err", err)
	}
	s := &Server{api: api, opts: opts, log: opts.Logger, mux: http.NewServeMux(), grd: grd}
	s.drain, s.cancel = context.WithCancel(context.Background())
	s.routes()
	return s
}

// Route is the route pattern that serves r ("GET /v2/topology"), "" when
// none does: a bounded name for metrics and logs.
func (s *Server) Route(r *http.Request) string {
	_, pattern := s.mux.Handler(r)
	return pattern
}

// Drain makes long-polling requests (job activation) answer now, with what
// they have, so that a graceful shutdown need not wait for them.
func (s *Server) Drain() { s.cancel() }

// ServeHTTP serves /v2/...: routes, with problem details for unknown paths
// and methods and for panics.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.log.Error("handler panicked", "method", r.Method, "path", r.URL.Path, "panic", p, "stack", string(debug.Stack()))
			WriteProblem(w, r, http.StatusInternalServerError, string(cluster.CodeInternal), "Unexpected error occurred during the request processing.")
		}
	}()
	if !s.grd.check(w, r) {
		return
	}
	h, pattern := s.mux.Handler(r)
	if pattern == "" {
		// No route: let the mux decide between 404 and 405 (with Allow),
		// then answer with a problem detail.
		rec := &statusRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		if allow := rec.header.Get("Allow"); allow != "" {
			w.Header().Set("Allow", allow)
		}
		if rec.status == http.StatusMethodNotAllowed {
			WriteProblem(w, r, rec.status, "METHOD_NOT_ALLOWED", fmt.Sprintf("Request method '%s' is not supported.", r.Method))
			return
		}
		WriteProblem(w, r, http.StatusNotFound, string(cluster.CodeNotFound), fmt.Sprintf("No endpoint %s %s.", r.Method, r.URL.Path))
		return
	}
	s.mux.ServeHTTP(w, r) // sets the path values
}

type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(b []byte) (int, error) { return len(b), nil }
func (r *statusRecorder) WriteHeader(status int)      { r.status = status }

// reply writes a JSON result or the error's problem.
func (s *Server) reply(w http.ResponseWriter, r *http.Request, v any, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	b, err := marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode response: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// done answers 204 No Content, or the error's problem.
func (s *Server) done(w http.ResponseWriter, r *http.Request, err error) {
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
