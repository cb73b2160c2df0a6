package mcpclient

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"time"
)

// Transport is how the client reaches an MCP server.
type Transport string

// The transports.
const (
	// TransportStdio starts the server as a subprocess and speaks over its
	// stdin and stdout.
	TransportStdio Transport = "stdio"
	// TransportHTTP is Streamable HTTP.
	TransportHTTP Transport = "http"
	// TransportSSE is the legacy HTTP+SSE transport (protocol 2024-11-05).
	TransportSSE Transport = "sse"
)

// Default bounds, as Camunda's MCP client has them.
const (
	DefaultConnectTimeout = 30 * time.Second
	DefaultCallTimeout    = 30 * time.Second
)

// Config says how to reach one MCP server. Equal configurations share one
// connection in a Pool.
type Config struct {
	Transport Transport   `json:"transport"`
	Stdio     StdioConfig `json:"stdio,omitzero"`
	// HTTP configures both the http and the sse transport.
	HTTP HTTPConfig `json:"http,omitzero"`
	// ConnectTimeout bounds starting the server (stdio) and the MCP
	// handshake; zero means DefaultConnectTimeout.
	ConnectTimeout time.Duration `json:"connectTimeout,omitempty"`
	// CallTimeout bounds one operation; zero means DefaultCallTimeout.
	CallTimeout time.Duration `json:"callTimeout,omitempty"`
}

// StdioConfig starts a server subprocess.
type StdioConfig struct {
	Command string   `json:"command"`
	Args    []string `json:"args,omitempty"`
	// Env is added to the subprocess environment. Unless InheritEnv is set,
	// the subprocess gets only a few harmless variables of Orca's own
	// environment (PATH, HOME, USER, LANG, TMPDIR, ...), so Orca's secrets do
	// not leak into third-party servers.
	Env        map[string]string `json:"env,omitempty"`
	InheritEnv bool              `json:"inheritEnv,omitempty"`
	// Dir is the working directory; empty means Orca's.
	Dir string `json:"dir,omitempty"`
}

// HTTPConfig reaches a server over Streamable HTTP or SSE.
type HTTPConfig struct {
	// URL is the endpoint, used verbatim (e.g. "https://host/mcp" for
	// Streamable HTTP, "https://host/sse" for SSE).
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Auth    Auth              `json:"auth,omitzero"`
}

// AuthType selects how HTTP requests authenticate.
type AuthType string

// The authentication types.
const (
	AuthNone                   AuthType = "none"
	AuthBasic                  AuthType = "basic"
	AuthBearer                 AuthType = "bearer"
	AuthOAuthClientCredentials AuthType = "oauth-client-credentials"
)

// Auth is the authentication of HTTP requests.
type Auth struct {
	Type     AuthType `json:"type,omitempty"`
	Username string   `json:"username,omitempty"`
	Password string   `json:"password,omitempty"`
	Token    string   `json:"token,omitempty"`
	OAuth    OAuth    `json:"oauth,omitzero"`
}

// ClientAuthentication is how the OAuth client authenticates at the token
// endpoint.
type ClientAuthentication string

// The client authentication styles.
const (
	// ClientAuthBasicHeader sends client id and secret as HTTP basic auth
	// (the default).
	ClientAuthBasicHeader ClientAuthentication = "basic-auth-header"
	// ClientAuthBody sends them as form fields.
	ClientAuthBody ClientAuthentication = "credentials-body"
)

// OAuth configures the OAuth 2.0 client-credentials flow.
type OAuth struct {
	TokenURL     string `json:"tokenUrl"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	// Audience is sent as the "audience" form field when set.
	Audience             string               `json:"audience,omitempty"`
	Scopes               []string             `json:"scopes,omitempty"`
	ClientAuthentication ClientAuthentication `json:"clientAuthentication,omitempty"`
}

// Validate reports the first thing wrong with c.
func (c Config) Validate() error {
	switch c.Transport {
	case TransportStdio:
		if c.Stdio.Command == "" {
			return errors.New("stdio transport needs a command")
		}
	case TransportHTTP, TransportSSE:
		u, err := url.Parse(c.HTTP.URL)
		if err != nil {
			return fmt.Errorf("%s transport: URL: %w", c.Transport, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
			return fmt.Errorf("%s transport needs an http(s) URL, got %q", c.Transport, redactURL(c.HTTP.URL))
		}
		return c.HTTP.Auth.validate()
	case "":
		return errors.New("transport is required (stdio, http or sse)")
	default:
		return fmt.Errorf("unknown transport %q (stdio, http or sse)", c.Transport)
	}
	return nil
}

func (a Auth) validate() error {
	switch a.Type {
	case "", AuthNone:
	case AuthBasic:
		if a.Username == "" {
			return errors.New("basic authentication needs a username")
		}
	case AuthBearer:
		if a.Token == "" {
			return errors.New("bearer authentication needs a token")
		}
	case AuthOAuthClientCredentials:
		if a.OAuth.TokenURL == "" || a.OAuth.ClientID == "" {
			return errors.New("OAuth client credentials need a token URL and a client id")
		}
		switch a.OAuth.ClientAuthentication {
		case "", ClientAuthBasicHeader, ClientAuthBody:
		default:
			return fmt.Errorf("unknown OAuth client authentication %q", a.OAuth.ClientAuthentication)
		}
	default:
		return fmt.Errorf("unknown authentication type %q", a.Type)
	}
	return nil
}

func (c Config) connectTimeout() time.Duration {
	if c.ConnectTimeout > 0 {
		return c.ConnectTimeout
	}
	return DefaultConnectTimeout
}

func (c Config) callTimeout() time.Duration {
	if c.CallTimeout > 0 {
		return c.CallTimeout
	}
	return DefaultCallTimeout
}

// key identifies c in a Pool. It hashes the whole configuration (secrets
// included, so a changed password is a new connection) without keeping it.
func (c Config) key() string {
	b, err := json.Marshal(c) // maps marshal with sorted keys
	if err != nil {
		panic(err) // a Config always marshals
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// target names the server in messages and logs, without secrets.
func (c Config) target() string {
	if c.Transport == TransportStdio {
		return fmt.Sprintf("stdio server %q", c.Stdio.Command)
	}
	return fmt.Sprintf("%s server %s", c.Transport, redactURL(c.HTTP.URL))
}

// redactURL drops the user info and the query of a URL.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(invalid URL)"
	}
	u.User = nil
	u.RawQuery = ""
	u.Fragment = ""
	return u.String()
}
