// Command orca is an embedded Camunda 8 compatible orchestration cluster, an
// MCP gateway to it, a stdio MCP proxy, and an agentic AI runtime, in one binary.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newRootCmd().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "orca:", err)
		os.Exit(1)
	}
}

// versionString is the version with the module version and the VCS
// revision the binary was built from, as Go records them.
func versionString() string {
	v := version
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return v
	}
	if mv := info.Main.Version; mv != "" && mv != "(devel)" {
		v += " (module " + mv + ")"
	}
	var rev, modified, at string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		case "vcs.time":
			at = s.Value
		}
	}
	if rev != "" {
		v += " revision " + rev
		if modified == "true" {
			v += " (modified)"
		}
		if at != "" {
			v += " " + at
		}
	}
	return v + " " + info.GoVersion
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "orca",
		Short:         "Orca: BPMN orchestration with Zeebe semantics, for AI agents and the processes that run them",
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetVersionTemplate("orca {{.Version}}\n")
	root.Version = versionString()
	root.AddCommand(newStartCmd(), newDeployCmd(), newRunCmd(), newMCPProxyCmd(), newWorkerCmd(), newGatewayCmd(), newBackupCmd(), newRestoreCmd(), newBenchCmd())
	return root
}
