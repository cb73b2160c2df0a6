package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
)

// oidcAuth verifies JWT bearer tokens of one issuer.
type oidcAuth struct {
	cfg OIDCConfig
	log *slog.Logger
	now func() time.Time

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
	lastTry  time.Time
}

// rediscoverAfter spaces discovery attempts while the issuer is down.
const rediscoverAfter = 5 * time.Second

func newOIDC(ctx context.Context, cfg OIDCConfig, log *slog.Logger) (*oidcAuth, error) {
	if cfg.IssuerURI == "" {
		return nil, errors.New("oidc authentication needs an issuer URI (camunda.security.authentication.oidc.issuer-uri)")
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "sub"
	}
	if cfg.ClockSkew == 0 {
		cfg.ClockSkew = 60 * time.Second
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = http.DefaultClient
	}
	if cfg.KeyRefetchInterval <= 0 {
		cfg.KeyRefetchInterval = DefaultKeyRefetchInterval
	}
	o := &oidcAuth{cfg: cfg, log: log, now: time.Now}
	if _, err := o.get(ctx); err != nil {
		log.Warn("OIDC issuer discovery failed; retrying on requests", "issuer", cfg.IssuerURI, "err", err)
	}
	return o, nil
}

// get returns the verifier, discovering the issuer first if needed.
func (o *oidcAuth) get(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.verifier != nil {
		return o.verifier, nil
	}
	if !o.lastTry.IsZero() && time.Since(o.lastTry) < rediscoverAfter {
		return nil, errors.New("the OIDC issuer could not be reached")
	}
	o.lastTry = time.Now()
	// The provider keeps the context to fetch keys later: not the request's.
	pctx := oidc.ClientContext(context.WithoutCancel(ctx), o.cfg.HTTPClient)
	dctx, cancel := context.WithTimeout(pctx, 10*time.Second)
	defer cancel()
	p, err := oidc.NewProvider(dctx, o.cfg.IssuerURI)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", o.cfg.IssuerURI, err)
	}
	var claims struct {
		JWKS string `json:"jwks_uri"`
	}
	_ = p.Claims(&claims)
	keys := &keySet{url: claims.JWKS, client: o.cfg.HTTPClient, interval: o.cfg.KeyRefetchInterval, now: o.now}
	o.verifier = oidc.NewVerifier(o.cfg.IssuerURI, keys, &oidc.Config{
		SkipClientIDCheck: true, // audiences are checked below, against a list
		SkipExpiryCheck:   true, // checked below, with the configured skew
	})
	return o.verifier, nil
}

func (o *oidcAuth) authenticate(r *http.Request) (Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, token, _ := strings.Cut(h, " ")
	if h == "" || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return Principal{}, &errUnauthorized{reason: "No bearer token: this API needs an OAuth 2.0 access token (JWT)."}
	}
	v, err := o.get(r.Context())
	if err != nil {
		return Principal{}, err
	}
	tok, err := v.Verify(r.Context(), strings.TrimSpace(token))
	if err != nil {
		return Principal{}, &errUnauthorized{reason: "The token is not valid: " + err.Error(), badToken: true}
	}
	now := o.now()
	if tok.Expiry.IsZero() || now.After(tok.Expiry.Add(o.cfg.ClockSkew)) {
		return Principal{}, &errUnauthorized{reason: "The token has expired.", badToken: true}
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return Principal{}, &errUnauthorized{reason: "The token's claims cannot be read.", badToken: true}
	}
	if nbf, ok := claims["nbf"].(float64); ok && now.Add(o.cfg.ClockSkew).Before(time.Unix(int64(nbf), 0)) {
		return Principal{}, &errUnauthorized{reason: "The token is not valid yet.", badToken: true}
	}
	if len(o.cfg.Audiences) > 0 && !slices.ContainsFunc(tok.Audience, func(a string) bool { return slices.Contains(o.cfg.Audiences, a) }) {
		return Principal{}, &errUnauthorized{reason: "The token is not meant for this API (audience).", badToken: true}
	}
	name, _ := claims[o.cfg.UsernameClaim].(string)
	if name == "" && o.cfg.ClientIDClaim != "" {
		name, _ = claims[o.cfg.ClientIDClaim].(string)
	}
	if name == "" {
		return Principal{}, &errUnauthorized{reason: fmt.Sprintf("The token has no %q claim to name its principal.", o.cfg.UsernameClaim), badToken: true}
	}
	return Principal{Name: name, Method: MethodOIDC, Claims: claims}, nil
}
