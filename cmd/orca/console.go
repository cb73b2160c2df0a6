package main

import (
	"fmt"
	"log/slog"
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
	// The console's single sign-on with OIDC.
	clientID, clientSecret, redirectURI string
	scopes                              []string
}

func addConsoleFlags(f *pflag.FlagSet, cf *consoleFlags) {
	f.BoolVar(&cf.enabled, "console", true, "serve the web console (orca.console.enabled, env ORCA_CONSOLE_ENABLED; default true)")
	f.StringVar(&cf.path, "console-path", "/", "path to serve the web console at (orca.console.path, env ORCA_CONSOLE_PATH)")
	f.StringVar(&cf.clientID, "oidc-client-id", "", "with oidc: the console's OAuth client id, for single sign-on with the authorization code flow and PKCE (camunda.security.authentication.oidc.client-id)")
	f.StringVar(&cf.clientSecret, "oidc-client-secret", "", "the console client's secret if it is confidential (camunda.security.authentication.oidc.client-secret; prefer the environment)")
	f.StringVar(&cf.redirectURI, "oidc-redirect-uri", "", `the console's redirect URI registered at the provider (camunda.security.authentication.oidc.redirect-uri; default "{baseUrl}/sso-callback", {baseUrl} being the console's URL)`)
	f.StringSliceVar(&cf.scopes, "oidc-scope", nil, "scopes the console asks for (camunda.security.authentication.oidc.scope; default openid,profile)")
}

// consoleLogin is the console's single sign-on configuration: nil unless
// the API takes OIDC tokens and a client id is set.
func consoleLogin(flags *pflag.FlagSet, cf consoleFlags, props *config.Properties, acfg auth.Config) *console.OIDCLogin {
	if !strings.EqualFold(strings.TrimSpace(acfg.Method), auth.MethodOIDC) {
		return nil
	}
	const sec = "camunda.security.authentication.oidc."
	str := func(flag, key, val string) string {
		if flags.Changed(flag) {
			return val
		}
		v, _ := props.String(sec + key)
		return strings.TrimSpace(v)
	}
	l := &console.OIDCLogin{IssuerURI: acfg.OIDC.IssuerURI, UsernameClaim: acfg.OIDC.UsernameClaim,
		ClientID:     str("oidc-client-id", "client-id", cf.clientID),
		ClientSecret: str("oidc-client-secret", "client-secret", cf.clientSecret),
		RedirectURI:  str("oidc-redirect-uri", "redirect-uri", cf.redirectURI),
		Scopes:       props.List(sec + "scope")}
	if flags.Changed("oidc-scope") {
		l.Scopes = cf.scopes
	}
	if l.ClientID == "" {
		return nil
	}
	return l
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

// mountConsole serves the console at base, with the API's authentication;
// api serves /v2 for the single sign-on session's requests; live, if set,
// feeds the pages' live updates.
func mountConsole(mux *http.ServeMux, base string, authn *auth.Authenticator, api http.Handler, login *console.OIDCLogin, live *console.Hub, log *slog.Logger) {
	h := console.New(console.Options{Base: base, Auth: authn.Wrap, AuthMethod: authn.Method(), Version: version,
		API: api, OIDC: login, Changes: live, Logger: log})
	mux.Handle(base, h)
	if base != "/" {
		mux.Handle(strings.TrimSuffix(base, "/"), h)
	}
}
