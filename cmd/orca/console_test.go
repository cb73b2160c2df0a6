package main

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/config"
)

func TestConsoleBase(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		args       []string
		want       string
		wantErr    bool
	}{
		{"default", "", nil, "/", false},
		{"flag off", "", []string{"--console=false"}, "", false},
		{"flag path", "", []string{"--console-path", "ui"}, "/ui/", false},
		{"file off", "orca:\n  console:\n    enabled: false\n", nil, "", false},
		{"file path", "orca:\n  console:\n    path: /ops/console/\n", nil, "/ops/console/", false},
		{"flag beats file", "orca:\n  console:\n    enabled: false\n", []string{"--console=true"}, "/", false},
		{"not a boolean", "orca:\n  console:\n    enabled: maybe\n", nil, "", true},
		{"taken by the API", "", []string{"--console-path", "/v2/ui"}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "application.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			props, err := config.Load(path, false, func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			var cf consoleFlags
			fs := pflag.NewFlagSet("start", pflag.ContinueOnError)
			addConsoleFlags(fs, &cf)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got, err := consoleBase(fs, cf, props)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Fatalf("got %q, %v; want %q (error %v)", got, err, tc.want, tc.wantErr)
			}
		})
	}
}

func TestConsoleLogin(t *testing.T) {
	for _, tc := range []struct {
		name, yaml string
		env        map[string]string
		args       []string
		method     string
		want       string // client id; "" for no single sign-on
		scopes     []string
	}{
		{"basic: none", "", nil, []string{"--oidc-client-id", "c"}, "basic", "", nil},
		{"oidc without a client: none (token login)", "", nil, nil, "oidc", "", nil},
		{"flag", "", nil, []string{"--oidc-client-id", "orca-console", "--oidc-scope", "openid,email"}, "oidc", "orca-console", []string{"openid", "email"}},
		{"file", "camunda:\n  security:\n    authentication:\n      oidc:\n        client-id: from-file\n        scope: [openid, profile, groups]\n", nil, nil, "oidc", "from-file", []string{"openid", "profile", "groups"}},
		{"environment beats file", "camunda:\n  security:\n    authentication:\n      oidc:\n        client-id: from-file\n",
			map[string]string{"CAMUNDA_SECURITY_AUTHENTICATION_OIDC_CLIENTID": "from-env"}, nil, "oidc", "from-env", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "application.yaml")
			if err := os.WriteFile(path, []byte(tc.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			props, err := config.Load(path, false, func(k string) (string, bool) { v, ok := tc.env[k]; return v, ok })
			if err != nil {
				t.Fatal(err)
			}
			var cf consoleFlags
			fs := pflag.NewFlagSet("start", pflag.ContinueOnError)
			addConsoleFlags(fs, &cf)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			got := consoleLogin(fs, cf, props, auth.Config{Method: tc.method, OIDC: auth.OIDCConfig{IssuerURI: "https://idp.example"}})
			if tc.want == "" {
				if got != nil {
					t.Fatalf("single sign-on %+v, want none", got)
				}
				return
			}
			if got == nil || got.ClientID != tc.want || got.IssuerURI != "https://idp.example" || !slices.Equal(got.Scopes, tc.scopes) {
				t.Fatalf("got %+v, want client %q scopes %v", got, tc.want, tc.scopes)
			}
		})
	}
}
