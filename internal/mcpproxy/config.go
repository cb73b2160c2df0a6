package mcpproxy

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/clientcred"
)

// Defaults, the same as c8ctl's and the Camunda JS SDK's.
const (
	DefaultBaseURL  = "http://localhost:8080"
	DefaultPath     = "/mcp/cluster"
	DefaultOAuthURL = "https://login.cloud.camunda.io/oauth/token"
	DefaultAudience = "zeebe.camunda.io"

	// DefaultRequestTimeout bounds how long the proxy waits for the answer to
	// one request before it answers the client with a timeout error.
	DefaultRequestTimeout = 5 * time.Minute

	// defaultTokenMargin is how long before its expiry a cached token is
	// renewed. It is capped at half the token's lifetime.
	defaultTokenMargin = clientcred.DefaultMargin
)

// Environment variables read by [ConfigFromEnv]; they are c8ctl's.
const (
	EnvBaseURL       = "CAMUNDA_BASE_URL"
	EnvClientID      = "CAMUNDA_CLIENT_ID"
	EnvClientSecret  = "CAMUNDA_CLIENT_SECRET"
	EnvOAuthURL      = "CAMUNDA_OAUTH_URL"
	EnvTokenAudience = "CAMUNDA_TOKEN_AUDIENCE"
	EnvOAuthScope    = "CAMUNDA_OAUTH_SCOPE"
	EnvTokenResource = "CAMUNDA_TOKEN_RESOURCE"
	EnvUsername      = "CAMUNDA_USERNAME"
	EnvPassword      = "CAMUNDA_PASSWORD"
)

// TransportMode selects the transport to the remote MCP server.
type TransportMode string

// The transport modes.
const (
	TransportAuto       TransportMode = "auto"       // Streamable HTTP, falling back to legacy SSE
	TransportStreamable TransportMode = "streamable" // Streamable HTTP only
	TransportSSE        TransportMode = "sse"        // legacy HTTP+SSE only
)

// ParseTransportMode parses "auto", "streamable" or "sse".
func ParseTransportMode(s string) (TransportMode, error) {
	switch m := TransportMode(strings.ToLower(strings.TrimSpace(s))); m {
	case "", TransportAuto:
		return TransportAuto, nil
	case TransportStreamable, "http", "streamable-http":
		return TransportStreamable, nil
	case TransportSSE:
		return TransportSSE, nil
	default:
		return "", fmt.Errorf("unknown transport %q (want auto, streamable or sse)", s)
	}
}

// Config configures a [Proxy].
type Config struct {
	// BaseURL is the cluster's base URL (CAMUNDA_BASE_URL). A trailing /v2 is
	// dropped, as c8ctl does.
	BaseURL string
	// Path is the MCP endpoint's path below BaseURL, /mcp/cluster by default.
	Path string

	// OAuth 2.0 client credentials: used when ClientID and ClientSecret are set.
	ClientID     string
	ClientSecret string
	OAuthURL     string // token endpoint
	Audience     string // sent as the "audience" form parameter
	Scope        string // space-separated scopes
	Resource     string // sent as the RFC 8707 "resource" form parameter when set

	// HTTP Basic credentials: used when Username is set and OAuth is not.
	Username string
	Password string

	Transport      TransportMode
	RequestTimeout time.Duration // 0 means DefaultRequestTimeout; negative means none

	// Logger receives the proxy's logs; nil discards them. It must not write
	// to the stdout the proxy serves.
	Logger *slog.Logger
	// HTTPClient, if set, is used for the remote and the token endpoint.
	HTTPClient *http.Client

	// now and tokenMargin are for tests.
	now         func() time.Time
	tokenMargin time.Duration
}

// ConfigFromEnv reads the CAMUNDA_* variables that c8ctl mcp-proxy reads
// (plus CAMUNDA_TOKEN_RESOURCE) through getenv, usually os.Getenv.
func ConfigFromEnv(getenv func(string) string) Config {
	return Config{
		BaseURL:      getenv(EnvBaseURL),
		ClientID:     getenv(EnvClientID),
		ClientSecret: getenv(EnvClientSecret),
		OAuthURL:     getenv(EnvOAuthURL),
		Audience:     getenv(EnvTokenAudience),
		Scope:        getenv(EnvOAuthScope),
		Resource:     getenv(EnvTokenResource),
		Username:     getenv(EnvUsername),
		Password:     getenv(EnvPassword),
	}
}

// authMode is the kind of credentials a Config carries.
type authMode string

const (
	authNone  authMode = "none"
	authBasic authMode = "basic"
	authOAuth authMode = "oauth"
)

func (c *Config) authMode() authMode {
	switch {
	case c.ClientID != "" || c.ClientSecret != "":
		return authOAuth
	case c.Username != "":
		return authBasic
	default:
		return authNone
	}
}

// withDefaults returns a copy of c with defaults filled in, or an error if c
// is inconsistent.
func (c Config) withDefaults() (Config, error) {
	if c.BaseURL == "" {
		c.BaseURL = DefaultBaseURL
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if !strings.HasPrefix(c.Path, "/") {
		c.Path = "/" + c.Path
	}
	if c.Transport == "" {
		c.Transport = TransportAuto
	}
	if _, err := ParseTransportMode(string(c.Transport)); err != nil {
		return c, err
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = DefaultRequestTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.tokenMargin == 0 {
		c.tokenMargin = defaultTokenMargin
	}
	switch c.authMode() {
	case authOAuth:
		if c.ClientID == "" || c.ClientSecret == "" {
			return c, errors.New("OAuth needs both a client id and a client secret (" + EnvClientID + ", " + EnvClientSecret + ")")
		}
		if c.OAuthURL == "" {
			c.OAuthURL = DefaultOAuthURL
		}
		if c.Audience == "" {
			c.Audience = DefaultAudience
		}
		if _, err := parseHTTPURL(c.OAuthURL); err != nil {
			return c, fmt.Errorf("OAuth token URL: %w", err)
		}
	case authBasic:
		if c.Password == "" {
			return c, errors.New("basic authentication needs a password (" + EnvPassword + ")")
		}
	}
	return c, nil
}

// Endpoint returns the remote MCP endpoint: BaseURL without a trailing /v2,
// followed by Path (unless BaseURL already ends with Path).
func (c Config) Endpoint() (string, error) {
	base := c.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	p := c.Path
	if p == "" {
		p = DefaultPath
	}
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	u, err := parseHTTPURL(base)
	if err != nil {
		return "", fmt.Errorf("base URL: %w", err)
	}
	basePath := strings.TrimRight(u.Path, "/")
	basePath = strings.TrimSuffix(basePath, "/v2")
	if !strings.HasSuffix(basePath, strings.TrimRight(p, "/")) {
		basePath += p
	}
	u.Path = basePath
	u.RawPath = ""
	return u.String(), nil
}

func parseHTTPURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q is not an http or https URL", s)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%q has no host", s)
	}
	return u, nil
}
