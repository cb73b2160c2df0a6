package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"hash"
	"net/http"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/orcabpm/orca/internal/feel"
)

// verifyHMAC checks the request's signature when inbound.shouldValidateHmac
// is enabled: the HMAC of the body with the shared secret, in the header
// inbound.hmacHeader, as hex (optionally "sha256=..." as GitHub sends it)
// or base64, over the data inbound.hmacScopes names (see signedData). A
// status of 0 means the request passes.
func (s *Server) verifyHMAC(ctx context.Context, props map[string]string, r *http.Request, req *request) (int, string) {
	if props["inbound.shouldValidateHmac"] != "enabled" {
		return 0, ""
	}
	secret, header := props["inbound.hmacSecret"], props["inbound.hmacHeader"]
	if secret == "" || header == "" {
		return http.StatusInternalServerError, "The webhook validates HMAC signatures but names no secret or header."
	}
	var scopes []string
	if x := props["inbound.hmacScopes"]; strings.TrimSpace(x) != "" {
		v, err := eval(ctx, x, feel.MapVariables{})
		if err != nil {
			return http.StatusInternalServerError, "The webhook's HMAC scopes cannot be evaluated: " + err.Error()
		}
		list, ok := feel.ToJSON(v).([]any)
		if !ok {
			return http.StatusInternalServerError, "The webhook's HMAC scopes are not a list: " + strings.TrimSpace(jsonText(feel.ToJSON(v))) + "."
		}
		for _, sc := range list {
			name, _ := sc.(string)
			switch strings.ToUpper(name) {
			case scopeURL, scopeBody, scopeParams:
				scopes = append(scopes, name)
			default:
				return http.StatusInternalServerError, "Orca signs HMAC over the scopes URL, BODY and PARAMETERS; the webhook asks for " + strings.TrimSpace(jsonText(sc)) + "."
			}
		}
	}
	if _, err := scopeKind(scopes, r.Method); err != nil {
		return http.StatusInternalServerError, "The webhook's HMAC configuration is not supported: " + err.Error() + "."
	}
	var mk func() hash.Hash
	switch props["inbound.hmacAlgorithm"] {
	case "sha_1":
		mk = sha1.New
	case "", "sha_256":
		mk = sha256.New
	case "sha_512":
		mk = sha512.New
	default:
		return http.StatusInternalServerError, "Unknown HMAC algorithm '" + props["inbound.hmacAlgorithm"] + "'."
	}
	got := strings.TrimSpace(r.Header.Get(header))
	if got == "" {
		return http.StatusUnauthorized, "The request carries no HMAC signature in the header " + header + "."
	}
	data, err := signedData(scopes, r, req.raw)
	if err != nil {
		return http.StatusBadRequest, "The request cannot be checked against its HMAC signature: " + err.Error() + "."
	}
	if _, v, ok := strings.Cut(got, "="); ok && !strings.HasSuffix(got, "=") {
		got = v // "sha256=<hex>"
	}
	hexSig, hexErr := hex.DecodeString(got)
	b64Sig, b64Err := base64.StdEncoding.DecodeString(got)
	for _, d := range data {
		m := hmac.New(mk, []byte(secret))
		m.Write(d)
		want := m.Sum(nil)
		if hexErr == nil && hmac.Equal(hexSig, want) || b64Err == nil && hmac.Equal(b64Sig, want) {
			return 0, ""
		}
	}
	return http.StatusUnauthorized, "The HMAC signature of the request does not match."
}

// authorize checks inbound.auth.type: NONE, BASIC, APIKEY or JWT.
func (s *Server) authorize(ctx context.Context, props map[string]string, r *http.Request, req *request) (int, string) {
	switch t := props["inbound.auth.type"]; t {
	case "", "NONE":
		return 0, ""
	case "BASIC":
		user, pass, ok := r.BasicAuth()
		if !ok {
			return http.StatusUnauthorized, "The webhook needs Basic authentication."
		}
		u := subtle.ConstantTimeCompare([]byte(user), []byte(props["inbound.auth.username"]))
		p := subtle.ConstantTimeCompare([]byte(pass), []byte(props["inbound.auth.password"]))
		if u&p != 1 || props["inbound.auth.username"] == "" {
			return http.StatusUnauthorized, "Wrong user name or password."
		}
		return 0, ""
	case "APIKEY":
		want := props["inbound.auth.apiKey"]
		locator := props["inbound.auth.apiKeyLocator"]
		if locator == "" {
			locator = `=split(request.headers.authorization, " ")[2]`
		}
		v, err := eval(ctx, locator, feel.MapVariables{"request": req.vars()})
		if err != nil {
			return http.StatusUnauthorized, "The API key cannot be read from the request."
		}
		got, _ := feel.ToJSON(v).(string)
		if want == "" || got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			return http.StatusUnauthorized, "The API key is missing or wrong."
		}
		return 0, ""
	case "JWT":
		return s.checkJWT(ctx, props, r)
	default:
		return http.StatusInternalServerError, "Unknown authorization type '" + t + "'."
	}
}

// checkJWT verifies a bearer token with the keys at inbound.auth.jwt.jwkUrl
// (signature, expiry, not-before) and, when the webhook names required
// roles, that the roles inbound.auth.jwt.permissionsExpression reads from
// the token's claims include one of them.
func (s *Server) checkJWT(ctx context.Context, props map[string]string, r *http.Request) (int, string) {
	jwkURL := props["inbound.auth.jwt.jwkUrl"]
	if jwkURL == "" {
		return http.StatusInternalServerError, "The webhook uses JWT authorization but names no JWK URL."
	}
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return http.StatusUnauthorized, "The webhook needs a bearer token."
	}
	v := oidc.NewVerifier("", s.jwks.get(jwkURL), &oidc.Config{SkipClientIDCheck: true, SkipIssuerCheck: true, Now: s.opts.Now,
		SupportedSigningAlgs: []string{oidc.RS256, oidc.RS384, oidc.RS512, oidc.ES256, oidc.ES384, oidc.ES512, oidc.PS256, oidc.PS384, oidc.PS512, oidc.EdDSA}})
	tok, err := v.Verify(ctx, strings.TrimSpace(token))
	if err != nil {
		return http.StatusUnauthorized, "The bearer token is not valid: " + err.Error()
	}
	required := props["inbound.auth.jwt.requiredPermissions"]
	if strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(required), "=")) == "" {
		return 0, ""
	}
	var raw json.RawMessage
	if err := tok.Claims(&raw); err != nil {
		return http.StatusUnauthorized, "The bearer token's claims cannot be read."
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var claims map[string]any
	if err := dec.Decode(&claims); err != nil {
		return http.StatusUnauthorized, "The bearer token's claims cannot be read."
	}
	rv, err := eval(ctx, required, feel.MapVariables{})
	if err != nil {
		return http.StatusInternalServerError, "The webhook's required roles cannot be evaluated: " + err.Error()
	}
	want := strings1(feel.ToJSON(rv))
	expr := props["inbound.auth.jwt.permissionsExpression"]
	if strings.TrimSpace(expr) == "" {
		expr = "=roles"
	}
	hv, err := eval(ctx, expr, feel.MapVariables(claims))
	if err != nil {
		return http.StatusForbidden, "The token's roles cannot be read: " + err.Error()
	}
	have := strings1(feel.ToJSON(hv))
	for _, w := range want {
		for _, h := range have {
			if w == h {
				return 0, ""
			}
		}
	}
	return http.StatusForbidden, "The token has none of the roles the webhook requires."
}

// strings1 reads a FEEL list (or one string) of strings.
func strings1(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// jwksCache keeps one key set per JWK URL (go-oidc caches the keys and
// fetches them again for an unknown key id).
type jwksCache struct {
	client *http.Client
	mu     sync.Mutex
	sets   map[string]*oidc.RemoteKeySet
}

func newJWKSCache(c *http.Client) *jwksCache {
	return &jwksCache{client: c, sets: map[string]*oidc.RemoteKeySet{}}
}

func (c *jwksCache) get(url string) *oidc.RemoteKeySet {
	c.mu.Lock()
	defer c.mu.Unlock()
	ks := c.sets[url]
	if ks == nil {
		ks = oidc.NewRemoteKeySet(oidc.ClientContext(context.Background(), c.client), url)
		c.sets[url] = ks
	}
	return ks
}
