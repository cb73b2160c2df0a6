package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/orcabpm/orca/internal/config"
)

// Flags win over the environment, which wins over application.yaml.
func TestAuthConfigPrecedence(t *testing.T) {
	path := filepath.Join(t.TempDir(), "application.yaml")
	os.WriteFile(path, []byte(`
camunda.security.authentication:
  method: basic
  oidc:
    issuer-uri: https://file.example
    audiences: [from-file]
    clock-skew: 90
camunda.security.initialization.users:
  - {username: demo, password: demo}
`), 0o600)
	env := map[string]string{"CAMUNDA_SECURITY_AUTHENTICATION_OIDC_ISSUERURI": "https://env.example"}
	props, err := config.Load(path, true, func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}

	cmd := newStartCmd()
	if err := cmd.Flags().Parse([]string{"--auth-method", "oidc", "--oidc-audience", "a1,a2"}); err != nil {
		t.Fatal(err)
	}
	var sf startFlags
	sf.authMethod, sf.audiences = "oidc", []string{"a1", "a2"}
	cfg, err := authConfig(cmd.Flags(), sf, props, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Method != "oidc" || cfg.OIDC.IssuerURI != "https://env.example" || !slices.Equal(cfg.OIDC.Audiences, []string{"a1", "a2"}) ||
		cfg.OIDC.ClockSkew.Seconds() != 90 || len(cfg.Users) != 1 || cfg.Users[0].Username != "demo" {
		t.Errorf("config %+v", cfg)
	}

	cmd = newStartCmd()
	cmd.Flags().Parse([]string{"--basic-user", "ops:pw"})
	sf = startFlags{basicUsers: []string{"ops:pw"}}
	cfg, _ = authConfig(cmd.Flags(), sf, props, nil)
	if cfg.Method != "basic" || len(cfg.Users) != 1 || cfg.Users[0].Username != "ops" || !slices.Equal(cfg.OIDC.Audiences, []string{"from-file"}) {
		t.Errorf("config %+v", cfg)
	}
}

// The MCP gateway is on by default; --mcp beats CAMUNDA_MCP_ENABLED, which
// beats camunda.mcp.enabled in application.yaml.
func TestMCPEnabled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "application.yaml")
	os.WriteFile(path, []byte("camunda:\n  mcp:\n    enabled: false\n"), 0o600)
	for _, tc := range []struct {
		name string
		file bool
		env  map[string]string
		args []string
		want bool
	}{
		{"default", false, nil, nil, true},
		{"file", true, nil, nil, false},
		{"env over file", true, map[string]string{"CAMUNDA_MCP_ENABLED": "true"}, nil, true},
		{"flag over env", true, map[string]string{"CAMUNDA_MCP_ENABLED": "true"}, []string{"--mcp=false"}, false},
		{"flag on", true, nil, []string{"--mcp"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := ""
			if tc.file {
				p = path
			}
			props, err := config.Load(p, false, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			cmd := newStartCmd()
			if err := cmd.Flags().Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			sf := startFlags{mcp: true}
			if len(tc.args) > 0 {
				sf.mcp, _ = cmd.Flags().GetBool("mcp")
			}
			got, err := mcpEnabled(cmd.Flags(), sf, props)
			if err != nil || got != tc.want {
				t.Errorf("mcpEnabled = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
	props, _ := config.Load("", false, func(k string) (string, bool) { return "maybe", k == "CAMUNDA_MCP_ENABLED" })
	if _, err := mcpEnabled(newStartCmd().Flags(), startFlags{}, props); err == nil {
		t.Error("a non-boolean camunda.mcp.enabled should be an error")
	}
}

// /mcp/processes has its own switch (camunda#50296): on by default, off
// with --mcp-processes=false, CAMUNDA_MCP_PROCESSES_ENABLED=false or
// camunda.mcp.processes.enabled: false; the flag beats the environment.
func TestMCPProcessesEnabled(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want bool
	}{
		{"default", nil, nil, true},
		{"env", map[string]string{"CAMUNDA_MCP_PROCESSES_ENABLED": "false"}, nil, false},
		{"the gateway's switch is another", map[string]string{"CAMUNDA_MCP_ENABLED": "false"}, nil, true},
		{"flag over env", map[string]string{"CAMUNDA_MCP_PROCESSES_ENABLED": "false"}, []string{"--mcp-processes"}, true},
		{"flag off", nil, []string{"--mcp-processes=false"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			props, err := config.Load("", false, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			cmd := newStartCmd()
			if err := cmd.Flags().Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			sf := startFlags{}
			sf.mcpProcesses, _ = cmd.Flags().GetBool("mcp-processes")
			got, err := mcpProcessesEnabled(cmd.Flags(), sf, props)
			if err != nil || got != tc.want {
				t.Errorf("mcpProcessesEnabled = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
