package config_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/orcabpm/orca/internal/config"
)

const yamlDoc = `
camunda:
  security:
    authentication:
      method: basic
      oidc:
        issuer-uri: https://idp.example/realms/camunda
        audiences: [orca-api, zeebe-api]
        usernameClaim: preferred_username
    initialization:
      users:
        - username: demo
          password: demo
        - username: ops
          password: "$2a$10$abc"
`

func TestProperties(t *testing.T) {
	path := filepath.Join(t.TempDir(), "application.yaml")
	if err := os.WriteFile(path, []byte(yamlDoc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"CAMUNDA_SECURITY_AUTHENTICATION_METHOD":           "oidc",
		"CAMUNDA_SECURITY_INITIALIZATION_USERS_1_PASSWORD": "override",
		"CAMUNDA_SECURITY_INITIALIZATION_USERS_2_USERNAME": "third",
		"CAMUNDA_SECURITY_INITIALIZATION_USERS_2_PASSWORD": "pw",
	}
	p, err := config.Load(path, true, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ key, want string }{
		{"camunda.security.authentication.method", "oidc"}, // environment wins
		{"camunda.security.authentication.oidc.issuer-uri", "https://idp.example/realms/camunda"},
		{"camunda.security.authentication.oidc.issuerUri", "https://idp.example/realms/camunda"},
		{"camunda.security.authentication.oidc.username-claim", "preferred_username"},
	}
	for _, tc := range tests {
		if got, _ := p.String(tc.key); got != tc.want {
			t.Errorf("%s = %q, want %q", tc.key, got, tc.want)
		}
	}
	if _, ok := p.String("camunda.security.authentication.oidc.audiences"); ok {
		t.Error("a list read as a string")
	}
	if got := p.List("camunda.security.authentication.oidc.audiences"); !slices.Equal(got, []string{"orca-api", "zeebe-api"}) {
		t.Errorf("audiences %v", got)
	}
	users := p.Objects("camunda.security.initialization.users", "username", "password")
	if len(users) != 3 || users[0]["username"] != "demo" || users[1]["password"] != "override" || users[2]["username"] != "third" {
		t.Errorf("users %v", users)
	}

	env["CAMUNDA_SECURITY_AUTHENTICATION_OIDC_AUDIENCES"] = "a, b"
	if got := p.List("camunda.security.authentication.oidc.audiences"); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("audiences from env %v", got)
	}
	env["CAMUNDA_SECURITY_AUTHENTICATION_OIDC_ISSUER_URI"] = "https://other"
	if got, _ := p.String("camunda.security.authentication.oidc.issuer-uri"); got != "https://other" {
		t.Errorf("issuer from env %q", got)
	}

	if _, err := config.Load(filepath.Join(t.TempDir(), "none.yaml"), false, nil); err != nil {
		t.Errorf("an absent optional file: %v", err)
	}
	if _, err := config.Load(filepath.Join(t.TempDir(), "none.yaml"), true, nil); err == nil {
		t.Error("an absent required file was accepted")
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("camunda: [unclosed"), 0o600)
	if _, err := config.Load(bad, true, nil); err == nil {
		t.Error("bad YAML accepted")
	}
}

func TestRaw(t *testing.T) {
	path := t.TempDir() + "/application.yaml"
	yaml := `camunda:
  connector:
    agenticai:
      mcp:
        client:
          clients:
            everything:
              type: stdio
              stdio:
                command: node
                args: [server.js, stdio]
                env:
                  API_KEY: secret
`
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := config.Load(path, true, func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	clients, ok := p.Raw("camunda.connector.agenticai.mcp.client.clients").(map[string]any)
	if !ok || clients["everything"] == nil {
		t.Fatalf("clients: %v", p.Raw("camunda.connector.agenticai.mcp.client.clients"))
	}
	env := p.Raw("camunda.connector.agenticai.mcp.client.clients.everything.stdio.env").(map[string]any)
	if env["API_KEY"] != "secret" {
		t.Fatalf("env keeps its spelling: %v", env)
	}
	if p.Raw("camunda.nothing.here") != nil {
		t.Fatal("an absent key is not nil")
	}
}
