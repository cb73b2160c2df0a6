// Package console serves Orca's web console: a server-rendered shell and
// small ES modules that talk to the REST API v2 like any client, with
// bpmn-js and form-js vendored from npm (assets/vendor, see vendor.sh). Every
// asset is embedded in the binary, so the console works offline.
package console

import (
	"bytes"
	"compress/gzip"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
)

//go:embed assets
var assets embed.FS

// Auth methods the login page knows (as auth.Method* name them).
const (
	AuthNone  = "none"
	AuthBasic = "basic"
	AuthOIDC  = "oidc"
)

// Options configure the console.
type Options struct {
	// Base is the path the console is served under, "/" by default
	// ("/console/" serves it there). It must start and end with "/".
	Base string
	// Auth is the authentication of /v2 (the console's login checks
	// credentials through it); AuthMethod names it for the login page.
	Auth       func(http.Handler) http.Handler
	AuthMethod string
	// Version is shown in the header.
	Version string
	// OIDC, with API, turns on single sign-on (see OIDCLogin); without it
	// an OIDC console asks for an access token.
	OIDC *OIDCLogin
	// API serves /v2 with its authentication (the single sign-on session's
	// requests are handed to it).
	API http.Handler
	// Logger is for logins and logouts (default: discard).
	Logger *slog.Logger
	// Changes, when set, serves live updates at {base}events (Server-Sent
	// Events, authenticated as the rest of the console); without it the
	// pages poll.
	Changes *Hub
}

// Handler serves the console.
type Handler struct {
	opts   Options
	static fs.FS
	pages  *template.Template
	mux    *http.ServeMux

	sso *sso

	mu  sync.Mutex
	gz  map[string][]byte // gzip-compressed assets, made on first request
	etg map[string]string
}

// New makes the console handler. Mount it at opts.Base.
func New(opts Options) *Handler {
	if opts.Base == "" {
		opts.Base = "/"
	}
	if opts.AuthMethod == "" {
		opts.AuthMethod = AuthNone
	}
	if opts.Auth == nil {
		opts.Auth = func(h http.Handler) http.Handler { return h }
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	static, _ := fs.Sub(assets, "assets")
	h := &Handler{opts: opts, static: static, gz: map[string][]byte{}, etg: map[string]string{}}
	h.pages = template.Must(template.ParseFS(assets, "assets/index.html"))
	m := http.NewServeMux()
	m.HandleFunc("GET /assets/", h.asset)
	m.Handle("POST /login", h.login())
	m.HandleFunc("GET /{$}", h.page)
	m.HandleFunc("GET /login", h.page)
	if opts.OIDC != nil && opts.API != nil && opts.AuthMethod == AuthOIDC {
		h.sso = newSSO(*opts.OIDC, opts.Base, opts.Logger)
		m.HandleFunc("GET /sso/login", h.sso.start)
		m.HandleFunc("GET /sso-callback", h.sso.callback)
		m.HandleFunc("GET /session", h.sso.status)
		m.HandleFunc("POST /logout", h.sso.logout)
		m.Handle("/session/v2/", h.sso.proxy(opts.API))
	}
	if opts.Changes != nil {
		if h.sso != nil {
			m.Handle("GET /events", h.sso.guard(opts.Changes.events(h.sso.alive)))
		} else {
			m.Handle("GET /events", opts.Auth(opts.Changes.events(nil)))
		}
	}
	h.mux = m
	return h
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, strings.TrimSuffix(h.opts.Base, "/"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	if rest == "" {
		http.Redirect(w, r, h.opts.Base, http.StatusFound)
		return
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = rest
	h.setSecurityHeaders(w)
	h.mux.ServeHTTP(w, r2)
}

func (h *Handler) setSecurityHeaders(w http.ResponseWriter) {
	hd := w.Header()
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	// Everything is served from here; form-js and bpmn-js set inline styles.
	hd.Set("Content-Security-Policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'")
}

// page serves the shell; the modules route by the URL's fragment.
func (h *Handler) page(w http.ResponseWriter, r *http.Request) {
	var buf bytes.Buffer
	live := ""
	if h.opts.Changes != nil {
		live = "true"
	}
	api, sso := "/v2", ""
	if h.sso != nil {
		api, sso = h.opts.Base+"session/v2", "true"
	}
	err := h.pages.ExecuteTemplate(&buf, "index.html", map[string]string{
		"Base": h.opts.Base, "API": api, "Auth": h.opts.AuthMethod, "SSO": sso, "Live": live, "Version": h.opts.Version,
	})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-cache")
	_, _ = w.Write(buf.Bytes())
}

// asset serves an embedded file, gzip-compressed when the client takes it.
func (h *Handler) asset(w http.ResponseWriter, r *http.Request) {
	name := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
	if name == "assets/index.html" {
		http.NotFound(w, r)
		return
	}
	b, err := fs.ReadFile(assets, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	if strings.HasPrefix(path.Base(name), "LICENSE") || path.Base(name) == "VERSIONS" {
		ct = "text/plain; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Vary", "Accept-Encoding")
	if strings.Contains(name, "/vendor/") {
		w.Header().Set("Cache-Control", "public, max-age=86400")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	gz, etag := h.compressed(name, b)
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(gz) < len(b) {
		w.Header().Set("Content-Encoding", "gzip")
		_, _ = w.Write(gz)
		return
	}
	_, _ = w.Write(b)
}

func (h *Handler) compressed(name string, b []byte) ([]byte, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if gz, ok := h.gz[name]; ok {
		return gz, h.etg[name]
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	h.gz[name] = buf.Bytes()
	h.etg[name] = etagOf(b)
	return h.gz[name], h.etg[name]
}
