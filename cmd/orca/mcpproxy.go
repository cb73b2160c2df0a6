package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/orcabpm/orca/internal/mcpproxy"
)

// newMCPProxyCmd returns `orca mcp-proxy`: a stdio MCP server that forwards
// every message to a remote MCP gateway over HTTP, with OAuth 2.0 client
// credentials (or Basic) done on the client's behalf.
func newMCPProxyCmd() *cobra.Command {
	var (
		f = struct {
			baseURL, clientID, clientSecret, oauthURL, audience, scope, resource string
			username, password, transport, logLevel                              string
		}{}
		cfg            mcpproxy.Config
		requestTimeout time.Duration
	)
	cmd := &cobra.Command{
		Use:   "mcp-proxy [path]",
		Short: "Serve a remote MCP gateway to a local stdio MCP client",
		Long: `mcp-proxy is a stdio MCP server for MCP clients that cannot reach a remote
gateway themselves. It forwards every message it reads on stdin to
{CAMUNDA_BASE_URL}{path} (path defaults to /mcp/cluster; a trailing /v2 on the
base URL is dropped) and writes everything the remote sends to stdout, obtaining,
caching and renewing an OAuth 2.0 access token (client credentials) on the way.
It takes the environment variables of c8ctl mcp-proxy; a flag overrides its
variable. Without OAuth or Basic credentials it connects without any.

Logs go to stderr; stdout carries only MCP messages. At the end of stdin it
exits with status 0.

Example MCP client configuration:

  {"mcpServers": {"camunda": {"command": "orca", "args": ["mcp-proxy", "/mcp/cluster"],
    "env": {"CAMUNDA_BASE_URL": "https://bru-2.zeebe.camunda.io/<cluster id>",
            "CAMUNDA_CLIENT_ID": "...", "CAMUNDA_CLIENT_SECRET": "...",
            "CAMUNDA_OAUTH_URL": "https://login.cloud.camunda.io/oauth/token",
            "CAMUNDA_TOKEN_AUDIENCE": "zeebe.camunda.io"}}}}`,
		Args:          cobra.MaximumNArgs(1),
		SilenceUsage:  true,
		SilenceErrors: false,
		RunE: func(cmd *cobra.Command, args []string) error {
			level, err := parseLogLevel(f.logLevel)
			if err != nil {
				return err
			}
			// stdout is the MCP channel: everything else goes to stderr.
			logger := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: level}))

			env := mcpproxy.ConfigFromEnv(os.Getenv)
			flags := cmd.Flags()
			pick := func(name, flagValue, envValue string) string {
				if flags.Changed(name) {
					return flagValue
				}
				return envValue
			}
			cfg.BaseURL = pick("base-url", f.baseURL, env.BaseURL)
			cfg.ClientID = pick("client-id", f.clientID, env.ClientID)
			cfg.ClientSecret = pick("client-secret", f.clientSecret, env.ClientSecret)
			cfg.OAuthURL = pick("oauth-url", f.oauthURL, env.OAuthURL)
			cfg.Audience = pick("token-audience", f.audience, env.Audience)
			cfg.Scope = pick("oauth-scope", f.scope, env.Scope)
			cfg.Resource = pick("token-resource", f.resource, env.Resource)
			cfg.Username = pick("username", f.username, env.Username)
			cfg.Password = pick("password", f.password, env.Password)
			if len(args) == 1 {
				cfg.Path = args[0]
			}
			if cfg.Transport, err = mcpproxy.ParseTransportMode(f.transport); err != nil {
				return err
			}
			cfg.RequestTimeout = requestTimeout
			if requestTimeout <= 0 {
				cfg.RequestTimeout = -1 // no limit
			}
			cfg.Logger = logger

			proxy, err := mcpproxy.New(cfg)
			if err != nil {
				return fmt.Errorf("mcp-proxy: %w", err)
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
			defer stop()
			return proxy.Run(ctx, cmd.InOrStdin(), cmd.OutOrStdout())
		},
	}

	fl := cmd.Flags()
	fl.StringVar(&f.baseURL, "base-url", "", "cluster base URL (env "+mcpproxy.EnvBaseURL+"; default "+mcpproxy.DefaultBaseURL+")")
	fl.StringVar(&f.clientID, "client-id", "", "OAuth 2.0 client id (env "+mcpproxy.EnvClientID+")")
	fl.StringVar(&f.clientSecret, "client-secret", "", "OAuth 2.0 client secret (env "+mcpproxy.EnvClientSecret+"; prefer the variable: flags show in ps)")
	fl.StringVar(&f.oauthURL, "oauth-url", "", "OAuth 2.0 token endpoint (env "+mcpproxy.EnvOAuthURL+"; default "+mcpproxy.DefaultOAuthURL+")")
	fl.StringVar(&f.audience, "token-audience", "", "audience of the access token (env "+mcpproxy.EnvTokenAudience+"; default "+mcpproxy.DefaultAudience+")")
	fl.StringVar(&f.scope, "oauth-scope", "", "space-separated scopes to request (env "+mcpproxy.EnvOAuthScope+")")
	fl.StringVar(&f.resource, "token-resource", "", "RFC 8707 resource to request the token for (env "+mcpproxy.EnvTokenResource+")")
	fl.StringVar(&f.username, "username", "", "Basic authentication user (env "+mcpproxy.EnvUsername+")")
	fl.StringVar(&f.password, "password", "", "Basic authentication password (env "+mcpproxy.EnvPassword+"; prefer the variable)")
	fl.StringVar(&f.transport, "transport", string(mcpproxy.TransportAuto), "transport to the remote: auto (Streamable HTTP, falling back to legacy SSE), streamable or sse")
	fl.StringVar(&f.logLevel, "log-level", "info", "log level on stderr: debug, info, warn or error")
	fl.DurationVar(&requestTimeout, "request-timeout", mcpproxy.DefaultRequestTimeout, "how long to wait for the remote's answer to one request (0: no limit)")
	return cmd
}

func parseLogLevel(s string) (slog.Level, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(strings.TrimSpace(s))); err != nil {
		return 0, fmt.Errorf("--log-level: %w", err)
	}
	return level, nil
}
