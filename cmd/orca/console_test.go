package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"

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
