package mcpproxy

import (
	"strings"
	"testing"
)

func TestEndpoint(t *testing.T) {
	tests := []struct {
		base, path, want, wantErr string
	}{
		{base: "", path: "", want: "http://localhost:8080/mcp/cluster"},
		{base: "http://127.0.0.1:8080", path: "", want: "http://127.0.0.1:8080/mcp/cluster"},
		{base: "http://127.0.0.1:8080/", path: "/mcp", want: "http://127.0.0.1:8080/mcp"},
		{base: "http://127.0.0.1:8080/v2", path: "", want: "http://127.0.0.1:8080/mcp/cluster"},
		{base: "http://127.0.0.1:8080/v2/", path: "/mcp/cluster", want: "http://127.0.0.1:8080/mcp/cluster"},
		{base: "https://bru-2.zeebe.camunda.io/abc-123", path: "", want: "https://bru-2.zeebe.camunda.io/abc-123/mcp/cluster"},
		{base: "https://bru-2.zeebe.camunda.io/abc-123/v2", path: "", want: "https://bru-2.zeebe.camunda.io/abc-123/mcp/cluster"},
		{base: "https://gw.example.com/mcp/cluster", path: "", want: "https://gw.example.com/mcp/cluster"},
		{base: "http://h:1/x/v2", path: "mcp/processes", want: "http://h:1/x/mcp/processes"},
		{base: "http://h:1/v2x", path: "", want: "http://h:1/v2x/mcp/cluster"},
		{base: "ftp://h/", wantErr: "not an http or https URL"},
		{base: "localhost:8080", wantErr: "not an http or https URL"},
		{base: "http:///x", wantErr: "no host"},
	}
	for _, tt := range tests {
		t.Run(tt.base+" "+tt.path, func(t *testing.T) {
			got, err := Config{BaseURL: tt.base, Path: tt.path}.Endpoint()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Endpoint() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		wantAuth authMode
		wantErr  string
		check    func(t *testing.T, c Config)
	}{
		{
			name:     "nothing: no auth, local defaults",
			wantAuth: authNone,
			check: func(t *testing.T, c Config) {
				if c.BaseURL != DefaultBaseURL || c.Path != DefaultPath || c.Transport != TransportAuto || c.RequestTimeout != DefaultRequestTimeout {
					t.Errorf("defaults: %+v", c)
				}
			},
		},
		{
			name:     "OAuth with c8ctl's defaults",
			env:      map[string]string{EnvClientID: "id", EnvClientSecret: "secret"},
			wantAuth: authOAuth,
			check: func(t *testing.T, c Config) {
				if c.OAuthURL != DefaultOAuthURL || c.Audience != DefaultAudience {
					t.Errorf("OAuth defaults: url %q audience %q", c.OAuthURL, c.Audience)
				}
			},
		},
		{
			name: "OAuth configured",
			env: map[string]string{EnvBaseURL: "https://x/v2", EnvClientID: "id", EnvClientSecret: "secret",
				EnvOAuthURL: "https://idp/token", EnvTokenAudience: "aud", EnvOAuthScope: "a b", EnvTokenResource: "https://x/mcp/cluster"},
			wantAuth: authOAuth,
			check: func(t *testing.T, c Config) {
				if c.OAuthURL != "https://idp/token" || c.Audience != "aud" || c.Scope != "a b" || c.Resource != "https://x/mcp/cluster" {
					t.Errorf("OAuth settings: %+v", c)
				}
			},
		},
		{
			name:     "OAuth wins over Basic, as in c8ctl",
			env:      map[string]string{EnvClientID: "id", EnvClientSecret: "s", EnvUsername: "demo", EnvPassword: "demo"},
			wantAuth: authOAuth,
		},
		{
			name:     "Basic",
			env:      map[string]string{EnvUsername: "demo", EnvPassword: "demo"},
			wantAuth: authBasic,
		},
		{name: "client id without secret", env: map[string]string{EnvClientID: "id"}, wantErr: EnvClientSecret},
		{name: "secret without client id", env: map[string]string{EnvClientSecret: "s"}, wantErr: EnvClientID},
		{name: "user without password", env: map[string]string{EnvUsername: "demo"}, wantErr: EnvPassword},
		{name: "bad token URL", env: map[string]string{EnvClientID: "i", EnvClientSecret: "s", EnvOAuthURL: "idp/token"}, wantErr: "token URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ConfigFromEnv(func(k string) string { return tt.env[k] }).withDefaults()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.authMode(); got != tt.wantAuth {
				t.Errorf("auth %s, want %s", got, tt.wantAuth)
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestParseTransportMode(t *testing.T) {
	for in, want := range map[string]TransportMode{
		"": TransportAuto, "auto": TransportAuto, "Streamable": TransportStreamable, "http": TransportStreamable, "sse": TransportSSE,
	} {
		if got, err := ParseTransportMode(in); err != nil || got != want {
			t.Errorf("ParseTransportMode(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseTransportMode("websocket"); err == nil {
		t.Error("ParseTransportMode(websocket) succeeded")
	}
}
