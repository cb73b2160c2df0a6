package main

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/config"
	"github.com/orcabpm/orca/internal/console"
)

// consoleFlags turn the web console off or move it.
type consoleFlags struct {
	enabled bool
	path    string
}

func addConsoleFlags(f *pflag.FlagSet, cf *consoleFlags) {
	f.BoolVar(&cf.enabled, "console", true, "serve the web console (orca.console.enabled, env ORCA_CONSOLE_ENABLED; default true)")
	f.StringVar(&cf.path, "console-path", "/", "path to serve the web console at (orca.console.path, env ORCA_CONSOLE_PATH)")
}

// consoleBase merges the flags (when set), the environment and the file;
// "" means the console is off.
func consoleBase(flags *pflag.FlagSet, cf consoleFlags, props *config.Properties) (string, error) {
	enabled := cf.enabled
	if !flags.Changed("console") {
		b, ok, err := props.Bool("orca.console.enabled")
		if err != nil {
			return "", err
		}
		if ok {
			enabled = b
		}
	}
	if !enabled {
		return "", nil
	}
	p := cf.path
	if !flags.Changed("console-path") {
		if v, ok := props.String("orca.console.path"); ok {
			p = v
		}
	}
	p = "/" + strings.Trim(strings.TrimSpace(p), "/") + "/"
	if p == "//" {
		p = "/"
	}
	for _, reserved := range []string{"/v2/", "/mcp/", "/.well-known/"} {
		if strings.HasPrefix(p, reserved) {
			return "", fmt.Errorf("orca.console.path: %q is taken by the APIs", p)
		}
	}
	return p, nil
}

// mountConsole serves the console at base, with the API's authentication.
func mountConsole(mux *http.ServeMux, base string, authn *auth.Authenticator) {
	h := console.New(console.Options{Base: base, Auth: authn.Wrap, AuthMethod: authn.Method(), Version: version})
	mux.Handle(base, h)
	if base != "/" {
		mux.Handle(strings.TrimSuffix(base, "/"), h)
	}
}
