// Package auth authenticates requests to Orca's APIs (/v2, /mcp): no
// authentication, HTTP Basic with users from configuration (passwords kept
// only as bcrypt hashes), or OIDC JWT bearer tokens (issuer discovery,
// JWKS, audience, expiry with clock skew, principal from a claim). It
// answers 401 with a WWW-Authenticate header before the request reaches
// the API.
package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Methods, as Camunda's camunda.security.authentication.method names them.
const (
	MethodNone  = "none"
	MethodBasic = "basic"
	MethodOIDC  = "oidc"
)

// Config configures authentication.
type Config struct {
	Method string // none (default), basic or oidc
	Users  []User // for basic
	OIDC   OIDCConfig
	Realm  string // for WWW-Authenticate (default "orca")
	Logger *slog.Logger
}

// User is a Basic user. Password is a bcrypt hash ("$2a$...", "$2b$...",
// "$2y$...") or a plain password, hashed when the authenticator is made.
type User struct {
	Username string
	Password string
}

// OIDCConfig configures JWT bearer authentication.
type OIDCConfig struct {
	// IssuerURI is the issuer; its /.well-known/openid-configuration names
	// the JWKS. Tokens must carry it as "iss".
	IssuerURI string
	// Audiences: a token's "aud" must hold one of them (none: not checked).
	Audiences []string
	// UsernameClaim names the principal (default "sub"); ClientIDClaim is
	// used when the username claim is absent (machine clients).
	UsernameClaim string
	ClientIDClaim string
	// ClockSkew is tolerated on "exp" and "nbf" (default 60s).
	ClockSkew time.Duration
	// HTTPClient fetches discovery and keys (default http.DefaultClient).
	HTTPClient *http.Client
	// KeyRefetchInterval is how often, at most, the key set is fetched again
	// for a token signed with an unknown key (default one minute).
	KeyRefetchInterval time.Duration
}

// Principal is who made a request.
type Principal struct {
	Name   string         // username or client id
	Method string         // how it was authenticated
	Claims map[string]any // of a JWT
}

type principalKey struct{}

// PrincipalFrom returns the authenticated principal of a request context.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// Authenticator checks requests.
type Authenticator struct {
	method string
	realm  string
	log    *slog.Logger
	basic  *basicAuth
	oidc   *oidcAuth
}

// New makes an authenticator. For basic it hashes plain passwords; for
// oidc it tries issuer discovery now and, if the issuer cannot be reached,
// again on later requests.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	a := &Authenticator{method: strings.ToLower(strings.TrimSpace(cfg.Method)), realm: cfg.Realm, log: cfg.Logger}
	if a.realm == "" {
		a.realm = "orca"
	}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	switch a.method {
	case "", MethodNone:
		a.method = MethodNone
	case MethodBasic:
		b, err := newBasic(cfg.Users)
		if err != nil {
			return nil, err
		}
		a.basic = b
	case MethodOIDC:
		o, err := newOIDC(ctx, cfg.OIDC, a.log)
		if err != nil {
			return nil, err
		}
		a.oidc = o
	default:
		return nil, fmt.Errorf("authentication method %q: use none, basic or oidc", cfg.Method)
	}
	return a, nil
}

// Method is the configured method.
func (a *Authenticator) Method() string { return a.method }

// errUnauthorized carries the reason shown to the client.
type errUnauthorized struct {
	reason   string
	badToken bool // a bearer token was presented and refused
}

func (e *errUnauthorized) Error() string { return e.reason }

// Wrap authenticates every request before passing it on.
func (a *Authenticator) Wrap(next http.Handler) http.Handler {
	if a.method == MethodNone {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := a.authenticate(r)
		if err != nil {
			a.unauthorized(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func (a *Authenticator) authenticate(r *http.Request) (Principal, error) {
	switch a.method {
	case MethodBasic:
		return a.basic.authenticate(r)
	case MethodOIDC:
		return a.oidc.authenticate(r)
	}
	return Principal{}, errors.New("no authentication method")
}

func (a *Authenticator) unauthorized(w http.ResponseWriter, r *http.Request, err error) {
	var tm *errTooManyFailures
	if errors.As(err, &tm) {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(tm.retryAfter.Seconds()))))
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": "TOO_MANY_REQUESTS", "status": http.StatusTooManyRequests,
			"detail": tm.Error(), "instance": r.URL.Path})
		return
	}
	var ue *errUnauthorized
	reason := "Authentication failed."
	bad := false
	if errors.As(err, &ue) {
		reason, bad = ue.reason, ue.badToken
	} else {
		a.log.Warn("authentication error", "path", r.URL.Path, "err", err)
	}
	switch a.method {
	case MethodBasic:
		w.Header().Set("WWW-Authenticate", fmt.Sprintf(`Basic realm=%q, charset="UTF-8"`, a.realm))
	case MethodOIDC:
		v := fmt.Sprintf(`Bearer realm=%q`, a.realm)
		if bad {
			v += fmt.Sprintf(`, error="invalid_token", error_description=%q`, reason)
		}
		if p, ok := r.Context().Value(bearerParamsKey{}).([]string); ok {
			for i := 0; i+1 < len(p); i += 2 {
				v += fmt.Sprintf(`, %s=%q`, p[i], p[i+1])
			}
		}
		w.Header().Set("WWW-Authenticate", v)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusUnauthorized)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": "UNAUTHORIZED", "status": http.StatusUnauthorized,
		"detail": reason, "instance": r.URL.Path})
}

type bearerParamsKey struct{}

// WithBearerParam adds a parameter to the Bearer challenge of a 401 answer
// to r, such as RFC 9728's resource_metadata that points MCP clients at
// the protected resource metadata.
func WithBearerParam(r *http.Request, name, value string) *http.Request {
	p, _ := r.Context().Value(bearerParamsKey{}).([]string)
	p = append(append([]string(nil), p...), name, value)
	return r.WithContext(context.WithValue(r.Context(), bearerParamsKey{}, p))
}
