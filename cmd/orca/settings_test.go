package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// orca start with a bad configuration file exits at once with status 1
// and names every bad key; nothing is served and no data directory taken.
func TestStartRejectsBadConfiguration(t *testing.T) {
	for _, tc := range []struct {
		name, doc string
		want      []string
	}{
		{"typo in the authentication method's key", "camunda:\n  security:\n    authentication:\n      methd: basic\n",
			[]string{"camunda.security.authentication.methd: unknown key (did you mean method?)"}},
		{"wrong types", "server:\n  port: abc\ncamunda.mcp.enabled: perhaps\n", []string{
			`camunda.mcp.enabled: want a boolean (true or false), got "perhaps"`,
			`server.port: want an integer, got "abc"`}},
		{"a port out of range", "server.port: 70000\n", []string{"server.port: want an integer from 0 to 65535, got 70000"}},
		{"a limit out of range", "orca.limits.max-in-values: 0\n", []string{"orca.limits.max-in-values: want an integer from 1 to 1000000, got 0"}},
		{"an unknown authentication method", "camunda.security.authentication.method: ldap\n",
			[]string{`camunda.security.authentication.method: want one of none, basic, oidc, got "ldap"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "orca.yaml")
			if err := os.WriteFile(path, []byte(tc.doc), 0o600); err != nil {
				t.Fatal(err)
			}
			data := filepath.Join(dir, "data")
			p := runOrca(t, nil, "start", "--config", path, "--data-dir", data, "--addr", "127.0.0.1:0", "--management-addr", "off", "--workers", "none")
			err := p.wait(t, 30*time.Second)
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 1 {
				t.Fatalf("exit %v, want status 1\n%s", err, p.out)
			}
			out := p.out.String()
			if !strings.Contains(out, "orca: configuration "+path+":") {
				t.Errorf("the message does not name the file:\n%s", out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output:\n%s\nwant it to contain %q", out, w)
				}
			}
			if _, err := os.Stat(data); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the data directory was created (%v)", err)
			}
		})
	}
	t.Run("a named file that does not exist", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "missing.yaml")
		p := runOrca(t, nil, "start", "--config", path, "--data-dir", t.TempDir(), "--addr", "127.0.0.1:0", "--management-addr", "off")
		if err := p.wait(t, 30*time.Second); err == nil || !strings.Contains(p.out.String(), path) {
			t.Fatalf("exit %v:\n%s", err, p.out)
		}
	})
}

// server.address and server.port in the file are honoured (the flag and
// ORCA_ADDR win), and the start log names the file read, or says that
// none was, or that application.yaml was taken from the working directory.
func TestStartConfigurationFile(t *testing.T) {
	port := freePort(t)
	dir := t.TempDir()
	doc := fmt.Sprintf("server:\n  address: 127.0.0.1\n  port: %d\nmanagement.server.port: %d\n", port, freePort(t))

	t.Run("--config", func(t *testing.T) {
		path := filepath.Join(dir, "orca.yaml")
		os.WriteFile(path, []byte(doc), 0o600)
		p := runOrca(t, nil, "start", "--config", path, "--data-dir", t.TempDir(), "--workers", "none")
		waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/v2/topology", port))
		if want := fmt.Sprintf("configuration read\" file=%s", path); !strings.Contains(p.out.String(), want) {
			t.Errorf("log:\n%s\nwant %q", p.out, want)
		}
		p.stop()
	})
	t.Run("application.yaml in the working directory", func(t *testing.T) {
		wd := t.TempDir()
		os.WriteFile(filepath.Join(wd, "application.yaml"), []byte(doc), 0o600)
		p := runOrcaIn(t, wd, nil, "start", "--data-dir", t.TempDir(), "--workers", "none")
		waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/v2/topology", port))
		want := fmt.Sprintf("configuration read from the working directory (no --config given)\" file=%s", filepath.Join(wd, "application.yaml"))
		if !strings.Contains(p.out.String(), want) {
			t.Errorf("log:\n%s\nwant %q", p.out, want)
		}
		p.stop()
	})
	t.Run("no file", func(t *testing.T) {
		other := freePort(t)
		p := runOrcaIn(t, t.TempDir(), nil, "start", "--data-dir", t.TempDir(), "--workers", "none",
			"--addr", fmt.Sprintf("127.0.0.1:%d", other), "--management-addr", "off")
		waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/v2/topology", other))
		if want := "no configuration file: no --config given and no application.yaml in the working directory"; !strings.Contains(p.out.String(), want) {
			t.Errorf("log:\n%s\nwant %q", p.out, want)
		}
		p.stop()
	})
}

// docs/configuration.md documents every key a file may hold.
func TestConfigurationKeysDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range settings() {
		if !strings.Contains(string(doc), "| `"+k.Name+"` |") {
			t.Errorf("docs/configuration.md has no row for %s", k.Name)
		}
	}
}

// The documented caps are configurable: orca start with lower limits in the
// file answers searches and bodies beyond them with a 400 naming the cap
// and its configured value, and searches within them as usual.
func TestConfiguredLimits(t *testing.T) {
	cfg := writeFile(t, "orca.yaml", `orca:
  limits:
    max-in-values: 3
    max-or-branches: 2
    max-page-size: 150
    max-request-size: 2048
    max-search-time: 2s
`)
	port := freePort(t)
	p := runOrca(t, nil, "start", "--config", cfg, "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", t.TempDir(), "--workers", "none", "--management-addr", "off")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/v2/topology")
	_ = p
	for _, tc := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"$in within", `{"filter":{"processDefinitionId":{"$in":["a","b","c"]}}}`, 200, ""},
		{"$in beyond", `{"filter":{"processDefinitionId":{"$in":["a","b","c","d"]}}}`, 400, "maxInValues = 3"},
		{"$in on a variable beyond", `{"filter":{"variables":[{"name":"x","value":{"$in":["1","2","3","4"]}}]}}`, 400, "maxInValues = 3"},
		{"$in on a variable within", `{"filter":{"variables":[{"name":"x","value":{"$in":["1","2","3"]}}]}}`, 200, ""},
		{"$or beyond", `{"filter":{"$or":[{"state":"ACTIVE"},{"state":"COMPLETED"},{"state":"TERMINATED"}]}}`, 400, "maxOrBranches = 2"},
		{"page within", `{"page":{"limit":150}}`, 200, ""},
		{"page beyond", `{"page":{"limit":151}}`, 400, "maxPageSize = 150"},
		{"body beyond", `{"filter":{"processDefinitionId":"` + strings.Repeat("x", 3000) + `"}}`, 400, "2048"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := httpClient.Post(base+"/v2/process-instances/search", "application/json", strings.NewReader(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status || !strings.Contains(string(b), tc.want) {
				t.Errorf("status %d: %s\nwant %d naming %q", res.StatusCode, b, tc.status, tc.want)
			}
		})
	}
}

// orca gateway honours server.address and server.port from its file too,
// and refuses a bad one as orca start does.
func TestGatewayConfigurationFile(t *testing.T) {
	_, base := startServer(t, t.TempDir())
	port := freePort(t)
	cfg := writeFile(t, "gateway.yaml", fmt.Sprintf("server:\n  address: 127.0.0.1\n  port: %d\n", port))
	runOrca(t, nil, "gateway", "--config", cfg, "--cluster-url", base, "--console=false")
	waitHTTP(t, fmt.Sprintf("http://127.0.0.1:%d/v2/topology", port))

	bad := writeFile(t, "bad.yaml", "server:\n  prot: 8080\n")
	p := runOrca(t, nil, "gateway", "--config", bad, "--cluster-url", base)
	err := p.wait(t, 30*time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(p.out.String(), "server.prot: unknown key (did you mean port?)") {
		t.Fatalf("exit %v:\n%s", err, p.out)
	}
}
