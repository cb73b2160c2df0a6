package mcpgw

import (
	"net/http"
	"sync"

	"github.com/orcabpm/orca/internal/cluster"
)

// Lazy is a gateway built on its first request. New re-encodes every
// tool's input schema and builds the MCP SDK's servers (about 17 ms of CPU
// and 3.5 MB allocated, and the code it runs stays mapped): a server that
// is never called over MCP does not pay for it, and one that is pays once,
// on its first MCP request. The gateway it builds is New's: the same tools,
// paths, authentication and answers.
type Lazy struct {
	api   cluster.API
	opts  Options
	setup func(*Gateway) // run once on the built gateway, before it serves
	authn func(http.Handler) http.Handler

	once   sync.Once
	routes map[string]http.Handler // the built gateway's handlers by path (Register's)
	err    error

	mu     sync.Mutex
	gw     *Gateway // once built
	closed bool     // Close was called
}

// NewLazy returns a gateway that calls New(api, opts), then setup (when
// not nil), on its first request.
func NewLazy(api cluster.API, opts Options, setup func(*Gateway)) *Lazy {
	return &Lazy{api: api, opts: opts, setup: setup}
}

// Register registers on mux the paths Gateway.Register does. The first
// request on any of them builds the gateway; authn wraps its endpoints as
// in Gateway.Register. Register once.
func (l *Lazy) Register(mux *http.ServeMux, authn func(http.Handler) http.Handler) {
	l.authn = authn
	for _, p := range registeredPaths(l.opts) {
		mux.Handle(p, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			routes, err := l.build()
			if err != nil {
				if l.opts.Logger != nil {
					l.opts.Logger.Error("the MCP gateway cannot be built", "error", err)
				}
				http.Error(w, "the MCP gateway cannot be built: "+err.Error(), http.StatusInternalServerError)
				return
			}
			// The built gateway's handler of the path mux matched, as
			// its Register mounts it.
			if h := routes[p]; h != nil {
				h.ServeHTTP(w, r)
				return
			}
			http.NotFound(w, r)
		}))
	}
}

func (l *Lazy) build() (map[string]http.Handler, error) {
	l.once.Do(func() {
		var gw *Gateway
		gw, l.err = New(l.api, l.opts)
		if l.err != nil {
			return
		}
		if l.setup != nil {
			l.setup(gw)
		}
		l.routes = gw.routes(l.authn)
		l.mu.Lock()
		l.gw = gw
		closed := l.closed
		l.mu.Unlock()
		if closed {
			gw.Close() // built by a request that came after Close
		}
	})
	return l.routes, l.err
}

// Close closes the gateway if it was built (Gateway.Close: the audit
// entries of the last reads are committed), and one built after it as soon
// as it is. Call it as Gateway.Close: once the server stopped answering
// calls, before the cluster closes.
func (l *Lazy) Close() {
	l.mu.Lock()
	l.closed = true
	gw := l.gw
	l.mu.Unlock()
	if gw != nil {
		gw.Close()
	}
}

// registeredPaths are the paths Gateway.Register serves for opts.
func registeredPaths(opts Options) []string {
	paths := []string{PathMCP, PathCluster, PathSSE}
	if opts.Processes {
		paths = append(paths, PathProcesses)
	}
	if opts.OAuth != nil {
		prm := []string{PathPRM}
		for _, p := range paths {
			prm = append(prm, PathPRM+p)
		}
		paths = append(paths, prm...)
	}
	return paths
}
