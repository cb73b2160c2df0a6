package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/management"
	"github.com/orcabpm/orca/internal/rest"
)

// The HTTP front orca start and orca gateway share: its flags, the server
// and how it stops.

// addFrontFlags registers the flags of the front: logs, request limits,
// client authentication and the MCP endpoints' settings.
func addFrontFlags(f *pflag.FlagSet, sf *startFlags) {
	f.StringVar(&sf.logLevel, "log-level", envOr("ORCA_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env ORCA_LOG_LEVEL)")
	f.StringVar(&sf.logFormat, "log-format", envOr("ORCA_LOG_FORMAT", "text"), "log format: text or json (env ORCA_LOG_FORMAT)")
	f.DurationVar(&sf.shutdownTimeout, "shutdown-timeout", 30*time.Second, "how long a graceful shutdown waits for requests in flight")
	f.Int64Var(&sf.maxBody, "max-request-size", rest.DefaultMaxBodyBytes, "largest request body accepted, in bytes")
	f.StringSliceVar(&sf.allowedHosts, "allowed-hosts", nil, "host names /v2 answers besides loopback ones when serving on loopback (only these otherwise); repeatable or comma-separated")
	f.StringSliceVar(&sf.allowedOrigins, "allowed-origins", nil, "origins (https://app.example) whose cross-origin requests /v2 accepts; repeatable or comma-separated")
	f.StringVar(&sf.authMethod, "auth-method", "", "authentication of clients: none, basic or oidc (camunda.security.authentication.method; default none)")
	f.StringArrayVar(&sf.basicUsers, "basic-user", nil, "a Basic user as name:password or name:bcrypt-hash; repeatable (camunda.security.initialization.users)")
	f.StringVar(&sf.issuerURI, "oidc-issuer-uri", "", "OIDC issuer URI (camunda.security.authentication.oidc.issuer-uri)")
	f.StringSliceVar(&sf.audiences, "oidc-audience", nil, "accepted token audiences; repeatable or comma-separated (camunda.security.authentication.oidc.audiences)")
	f.StringVar(&sf.usernameClaim, "oidc-username-claim", "", `claim naming the principal (camunda.security.authentication.oidc.username-claim; default "sub")`)
	f.StringVar(&sf.clientIDClaim, "oidc-client-id-claim", "", "claim naming a client when the username claim is absent (camunda.security.authentication.oidc.client-id-claim)")
	f.DurationVar(&sf.clockSkew, "oidc-clock-skew", 0, "tolerated clock skew on token expiry (camunda.security.authentication.oidc.clock-skew; default 60s)")
	f.BoolVar(&sf.mcpProcesses, "mcp-processes", true, "serve deployed processes as MCP tools at /mcp/processes (camunda.mcp.processes.enabled, env CAMUNDA_MCP_PROCESSES_ENABLED; default true when the gateway is on)")
	f.StringVar(&sf.mcpResourceURL, "mcp-public-url", "", "the base URL clients reach Orca at, for OAuth protected resource metadata (default: from each request)")
}

// newFrontServer is the HTTP server of the front, with request metrics
// and a log line per failed request.
func newFrontServer(mux *http.ServeMux, restSrv *rest.Server, metrics *management.Metrics, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           metrics.HTTP(mux, routeOf(mux, restSrv), logRequest(log)),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serve serves srv on ln in the background; the channel gets the
// server's end.
func serve(srv *http.Server, ln net.Listener) <-chan error {
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	return served
}

// waitStop waits until ctx ends (nil) or the server fails (its error).
func waitStop(ctx context.Context, served <-chan error, log *slog.Logger) error {
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing requests in flight")
		return nil
	case err := <-served:
		log.Error("server stopped", "err", err)
		return err
	}
}

// stopServer lets requests in flight finish within timeout, then closes
// what is left.
func stopServer(srv *http.Server, timeout time.Duration, log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		log.Warn("requests still in flight at the shutdown timeout", "err", err)
		srv.Close()
	}
}
