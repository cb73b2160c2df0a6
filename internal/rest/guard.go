package rest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// DefaultBodyReadTimeout bounds how long a request body may take to arrive.
const DefaultBodyReadTimeout = 30 * time.Second

// guard is what /v2 checks before a handler runs, so that a web page a
// developer opens cannot drive a local Orca:
//
//   - Host: a server listening on loopback answers only requests naming a
//     loopback host (localhost, 127.0.0.1, [::1]) or one of AllowedHosts, so
//     DNS rebinding cannot reach it; a server on another address accepts any
//     host unless AllowedHosts is set.
//   - Origin: a request a browser marks as cross-site, or whose Origin is
//     not the request's own host nor one of AllowedOrigins, is refused
//     (http.CrossOriginProtection), whatever its method.
//   - Content type: a request with a body sends application/json, or
//     multipart/form-data to the deployment endpoints; a form post or
//     text/plain body is refused before it is read.
type guard struct {
	hosts   []string // lower case, without ports
	origins *http.CrossOriginProtection
	timeout time.Duration
}

func newGuard(opts Options) (*guard, []error) {
	var errs []error
	g := &guard{origins: http.NewCrossOriginProtection(), timeout: opts.BodyReadTimeout}
	if g.timeout <= 0 {
		g.timeout = DefaultBodyReadTimeout
	}
	for _, h := range opts.AllowedHosts {
		g.hosts = append(g.hosts, strings.ToLower(strings.Trim(hostOnly(h), "[]")))
	}
	for _, o := range opts.AllowedOrigins {
		if err := g.origins.AddTrustedOrigin(o); err != nil {
			errs = append(errs, fmt.Errorf("allowed origin %q: %w", o, err))
		}
	}
	return g, errs
}

// check answers 403 or 415 and reports false when r may not go on.
func (g *guard) check(w http.ResponseWriter, r *http.Request) bool {
	if !g.hostAllowed(r) {
		WriteProblem(w, r, http.StatusForbidden, "FORBIDDEN", fmt.Sprintf("The host '%s' is not allowed: a server on a loopback address answers only loopback host names and the allowed hosts (--allowed-hosts).", r.Host))
		return false
	}
	if err := g.originCheck(r); err != nil {
		WriteProblem(w, r, http.StatusForbidden, "FORBIDDEN", "Cross-origin requests are not allowed: "+err.Error()+" (allow an origin with --allowed-origins).")
		return false
	}
	if hasBody(r) {
		ct := r.Header.Get("Content-Type")
		mt, _, err := mime.ParseMediaType(ct)
		multipart := strings.HasSuffix(r.URL.Path, "/deployments")
		ok := err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json") || (multipart && mt == "multipart/form-data"))
		if !ok {
			want := "application/json"
			if multipart {
				want = "multipart/form-data"
			}
			WriteProblem(w, r, http.StatusUnsupportedMediaType, "UNSUPPORTED_MEDIA_TYPE", fmt.Sprintf("Content type '%s' is not supported; send %s.", ct, want))
			return false
		}
		// Bound the time the body may take; lifted once it has been read,
		// so that long polls that follow are not cut off.
		rc := http.NewResponseController(w)
		if rc.SetReadDeadline(time.Now().Add(g.timeout)) == nil {
			r.Body = &deadlineBody{ReadCloser: r.Body, rc: rc}
		}
	}
	return true
}

func (g *guard) originCheck(r *http.Request) error {
	if err := g.origins.Check(r); err != nil {
		return err
	}
	// CrossOriginProtection lets safe methods through; refuse those of a
	// foreign origin too (they read data).
	origin := r.Header.Get("Origin")
	if origin == "" || r.Header.Get("Sec-Fetch-Site") == "same-origin" {
		return nil
	}
	u, err := url.Parse(origin)
	if err == nil && u.Host == r.Host {
		return nil
	}
	probe := r.Clone(context.Background())
	probe.Method = http.MethodPost
	if g.origins.Check(probe) == nil {
		return nil // a trusted origin
	}
	return errors.New("the origin " + origin + " is not this server's")
}

func (g *guard) hostAllowed(r *http.Request) bool {
	host := strings.ToLower(strings.Trim(hostOnly(r.Host), "[]"))
	if slices.Contains(g.hosts, host) {
		return true
	}
	local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
	if local == nil {
		return len(g.hosts) == 0
	}
	if !loopback(hostOnly(local.String())) {
		return len(g.hosts) == 0
	}
	return loopback(host)
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func loopback(host string) bool {
	host = strings.Trim(host, "[]")
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// deadlineBody lifts the read deadline once the body has been read.
type deadlineBody struct {
	io.ReadCloser
	rc   *http.ResponseController
	done bool
}

func (b *deadlineBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if err != nil && !b.done {
		b.done = true
		if errors.Is(err, io.EOF) {
			_ = b.rc.SetReadDeadline(time.Time{})
		}
	}
	return n, err
}
