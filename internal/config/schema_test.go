package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/config"
)

var schema = config.Schema{
	{Name: "server.port", Kind: config.Int, Min: 0, Max: 65535},
	{Name: "server.address", Kind: config.String},
	{Name: "camunda.security.authentication.method", Kind: config.String, Values: []string{"none", "basic", "oidc"}},
	{Name: "camunda.security.authentication.oidc.issuer-uri", Kind: config.String},
	{Name: "camunda.security.authentication.oidc.audiences", Kind: config.List},
	{Name: "camunda.security.authentication.oidc.clock-skew", Kind: config.Duration},
	{Name: "camunda.security.initialization.users", Kind: config.Objects, Fields: []string{"username", "password"}},
	{Name: "camunda.mcp.enabled", Kind: config.Bool},
	{Name: "camunda.connector.clients", Kind: config.Map},
}

func load(t *testing.T, doc string, env map[string]string) *config.Properties {
	t.Helper()
	path := filepath.Join(t.TempDir(), "application.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(path, true, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Every problem in a file is an error naming the key as written, with what
// was wanted and what was found.
func TestCheckErrors(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string // the error's lines
	}{
		{"unknown key", "camunda:\n  security:\n    authentication:\n      methd: basic\n",
			[]string{"camunda.security.authentication.methd: unknown key (did you mean method?)"}},
		{"unknown top-level key", "spring:\n  profiles: dev\n", []string{"spring: unknown key"}},
		{"unknown key in a dotted name", "camunda.mcp.enable: true\n",
			[]string{"camunda.mcp.enable: unknown key (did you mean enabled?)"}},
		{"a typo far from any key", "camunda:\n  mcp:\n    wholly-else: 1\n", []string{"camunda.mcp.wholly-else: unknown key"}},
		{"wrong type: integer", "server:\n  port: abc\n", []string{`server.port: want an integer, got "abc"`}},
		{"an integer out of range", "server.port: 70000\n", []string{"server.port: want an integer from 0 to 65535, got 70000"}},
		{"wrong type: float for an integer", "server.port: 80.5\n", []string{`server.port: want an integer, got 80.5`}},
		{"wrong type: boolean", "camunda.mcp.enabled: maybe\n", []string{`camunda.mcp.enabled: want a boolean (true or false), got "maybe"`}},
		{"wrong type: duration", "camunda.security.authentication.oidc.clock-skew: soon\n",
			[]string{`camunda.security.authentication.oidc.clock-skew: want a duration (such as 90s, 2m, 30d, P30D, or plain seconds), got "soon"`}},
		{"wrong type: a map for a string", "camunda.security.authentication.oidc.issuer-uri: {a: b}\n",
			[]string{"camunda.security.authentication.oidc.issuer-uri: want a string, got a map"}},
		{"wrong type: a scalar for a section", "camunda:\n  security: on\n", []string{`camunda.security: want a map of settings, got "on"`}},
		{"wrong value", "camunda.security.authentication.method: ldap\n",
			[]string{`camunda.security.authentication.method: want one of none, basic, oidc, got "ldap"`}},
		{"a list entry of the wrong kind", "camunda.security.authentication.oidc.audiences: [a, {b: c}]\n",
			[]string{"camunda.security.authentication.oidc.audiences[1]: want a string, got a map"}},
		{"an unknown field of a listed object", "camunda.security.initialization.users:\n  - {username: demo, pasword: x}\n",
			[]string{"camunda.security.initialization.users[0].pasword: unknown key (known: username, password)"}},
		{"a list of strings for objects", "camunda.security.initialization.users: [demo]\n",
			[]string{`camunda.security.initialization.users[0]: want a map with username, password, got "demo"`}},
		{"a free map must be a map", "camunda.connector.clients: [a]\n", []string{"camunda.connector.clients: want a map, got a list"}},
		{"every problem at once, sorted", "server: {port: x}\ncamunda: {mcp: {enabled: 2}, nope: 1}\n", []string{
			"camunda.mcp.enabled: want a boolean (true or false), got 2",
			"camunda.nope: unknown key",
			`server.port: want an integer, got "x"`,
		}},
		{"not a map at all", "- a\n- b\n", []string{"the file must be a map of settings, got a list"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := load(t, tc.doc, nil).Check(schema)
			if err == nil {
				t.Fatalf("accepted:\n%s", tc.doc)
			}
			if got := strings.Split(err.Error(), "\n"); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", err, strings.Join(tc.want, "\n"))
			}
		})
	}
}

// What Spring accepts, Orca accepts: relaxed names, dotted keys, nested
// maps, quoted scalars, Spring's boolean spellings, empty values, plain
// seconds for durations, and anything under a free map.
func TestCheckAccepts(t *testing.T) {
	doc := `
server:
  port: "8081"
  address: 127.0.0.1
camunda.security.authentication:
  Method: OIDC
  oidc:
    issuerUri: https://idp.example
    audiences: a, b
    clock_skew: 90
camunda:
  security:
    initialization:
      users:
        - {USERNAME: demo, password: 1234}
  mcp:
    enabled: "off"
  connector:
    clients:
      anything: {goes: [here]}
`
	p := load(t, doc, nil)
	if err := p.Check(schema); err != nil {
		t.Fatal(err)
	}
	if n, ok, err := p.Int("server.port"); n != 8081 || !ok || err != nil {
		t.Errorf("server.port = %d, %v, %v", n, ok, err)
	}
	if b, ok, err := p.Bool("camunda.mcp.enabled"); b || !ok || err != nil {
		t.Errorf("camunda.mcp.enabled = %v, %v, %v", b, ok, err)
	}
	if d, ok, err := p.Duration("camunda.security.authentication.oidc.clock-skew"); d != 90*time.Second || !ok || err != nil {
		t.Errorf("clock-skew = %v, %v, %v", d, ok, err)
	}
	if err := load(t, "", nil).Check(schema); err != nil {
		t.Errorf("an empty file: %v", err)
	}
	if err := load(t, "camunda:\n  mcp:\n    enabled:\n", nil).Check(schema); err != nil {
		t.Errorf("an empty value: %v", err)
	}
}

// The environment keeps Camunda's relaxed binding, and a wrong value there
// names the variable and the key it sets.
func TestTypedEnvironment(t *testing.T) {
	p := load(t, "server.port: 8080\n", map[string]string{"SERVER_PORT": "9090", "CAMUNDA_MCP_ENABLED": "maybe",
		"CAMUNDA_SECURITY_AUTHENTICATION_OIDC_CLOCK_SKEW": "2m"})
	if n, _, err := p.Int("server.port"); n != 9090 || err != nil {
		t.Errorf("SERVER_PORT: %d, %v", n, err)
	}
	if d, _, err := p.Duration("camunda.security.authentication.oidc.clock-skew"); d != 2*time.Minute || err != nil {
		t.Errorf("CAMUNDA_SECURITY_AUTHENTICATION_OIDC_CLOCK_SKEW: %v, %v", d, err)
	}
	_, _, err := p.Bool("camunda.mcp.enabled")
	if err == nil || err.Error() != `CAMUNDA_MCP_ENABLED (camunda.mcp.enabled): want a boolean (true or false), got "maybe"` {
		t.Errorf("CAMUNDA_MCP_ENABLED=maybe: %v", err)
	}
	p = load(t, "server.port: abc\n", nil)
	if _, _, err := p.Int("server.port"); err == nil || err.Error() != `server.port: want an integer, got "abc"` {
		t.Errorf("server.port: abc: %v", err)
	}
}

// Durations take Spring's forms: Go-style units, days, plain seconds and
// ISO 8601 (Java's Duration.parse); calendar units are refused.
func TestDurationForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"90s", 90 * time.Second, true},
		{"45", 45 * time.Second, true},
		{"30d", 30 * 24 * time.Hour, true},
		{"P30D", 30 * 24 * time.Hour, true},
		{"PT1M", time.Minute, true},
		{"P1DT2H30M", 26*time.Hour + 30*time.Minute, true},
		{"PT0S", 0, true},
		{"P1M", 0, false},
		{"P1Y", 0, false},
		{"P", 0, false},
		{"soon", 0, false},
	} {
		p := load(t, "camunda.security.authentication.oidc.clock-skew: "+tc.in+"\n", nil)
		d, _, err := p.Duration("camunda.security.authentication.oidc.clock-skew")
		if (err == nil) != tc.ok || d != tc.want {
			t.Errorf("%s: %v, %v; want %v (ok %v)", tc.in, d, err, tc.want, tc.ok)
		}
		if cerr := p.Check(schema); (cerr == nil) != tc.ok {
			t.Errorf("%s: check: %v", tc.in, cerr)
		}
	}
}
