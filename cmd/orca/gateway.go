package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/management"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/rest"
)

// remoteFlags reach a Camunda 8 cluster's REST API v2 the way Camunda's
// clients are configured (CAMUNDA_* variables, a flag for each).
type remoteFlags struct {
	url, clientID, clientSecret, oauthURL, audience, username, password string
	authStrategy                                                        string
	timeout, poll                                                       time.Duration
}

func addRemoteFlags(f *pflag.FlagSet, rf *remoteFlags) {
	f.StringVar(&rf.url, "cluster-url", envOr("CAMUNDA_REST_ADDRESS", envOr("CAMUNDA_BASE_URL", "http://localhost:8080")), "the cluster's REST API address (env CAMUNDA_REST_ADDRESS or CAMUNDA_BASE_URL)")
	f.StringVar(&rf.authStrategy, "cluster-auth", envOr("CAMUNDA_AUTH_STRATEGY", ""), "how to authenticate to the cluster: NONE, BASIC or OAUTH (env CAMUNDA_AUTH_STRATEGY; default: from the credentials given)")
	f.StringVar(&rf.clientID, "client-id", envOr("CAMUNDA_CLIENT_ID", ""), "OAuth 2.0 client id (env CAMUNDA_CLIENT_ID)")
	f.StringVar(&rf.clientSecret, "client-secret", envOr("CAMUNDA_CLIENT_SECRET", ""), "OAuth 2.0 client secret (env CAMUNDA_CLIENT_SECRET; prefer the variable)")
	f.StringVar(&rf.oauthURL, "oauth-url", envOr("CAMUNDA_OAUTH_URL", ""), "OAuth 2.0 token endpoint (env CAMUNDA_OAUTH_URL)")
	f.StringVar(&rf.audience, "token-audience", envOr("CAMUNDA_TOKEN_AUDIENCE", ""), "token audience (env CAMUNDA_TOKEN_AUDIENCE)")
	f.StringVar(&rf.username, "username", envOr("CAMUNDA_BASIC_AUTH_USERNAME", envOr("CAMUNDA_USERNAME", "")), "Basic authentication user (env CAMUNDA_BASIC_AUTH_USERNAME or CAMUNDA_USERNAME)")
	f.StringVar(&rf.password, "password", envOr("CAMUNDA_BASIC_AUTH_PASSWORD", envOr("CAMUNDA_PASSWORD", "")), "Basic authentication password (env CAMUNDA_BASIC_AUTH_PASSWORD or CAMUNDA_PASSWORD)")
	f.DurationVar(&rf.timeout, "cluster-timeout", 30*time.Second, "how long one request to the cluster may take (job activation waits its long poll on top)")
}

// remote makes the cluster client the flags describe.
func (rf remoteFlags) remote(log *slog.Logger) (*cluster.Remote, error) {
	opts := cluster.RemoteOptions{BaseURL: rf.url, RequestTimeout: rf.timeout, DeploymentPoll: rf.poll, Logger: log}
	switch s := rf.authStrategy; s {
	case "NONE", "none":
	case "BASIC", "basic":
		if rf.username == "" {
			return nil, fmt.Errorf("CAMUNDA_AUTH_STRATEGY=BASIC needs --username (CAMUNDA_BASIC_AUTH_USERNAME)")
		}
		opts.Username, opts.Password = rf.username, rf.password
	case "OAUTH", "oauth":
		if rf.clientID == "" || rf.oauthURL == "" {
			return nil, fmt.Errorf("CAMUNDA_AUTH_STRATEGY=OAUTH needs --client-id (CAMUNDA_CLIENT_ID) and --oauth-url (CAMUNDA_OAUTH_URL)")
		}
		opts.ClientID, opts.ClientSecret, opts.TokenURL, opts.Audience = rf.clientID, rf.clientSecret, rf.oauthURL, rf.audience
	case "":
		// No strategy named: the credentials given decide, as before.
		if rf.clientID != "" {
			if rf.oauthURL == "" {
				return nil, fmt.Errorf("--oauth-url (CAMUNDA_OAUTH_URL) is needed with --client-id")
			}
			opts.ClientID, opts.ClientSecret, opts.TokenURL, opts.Audience = rf.clientID, rf.clientSecret, rf.oauthURL, rf.audience
		} else if rf.username != "" {
			opts.Username, opts.Password = rf.username, rf.password
		}
	default:
		return nil, fmt.Errorf("--cluster-auth (CAMUNDA_AUTH_STRATEGY) %q: expected NONE, BASIC or OAUTH", s)
	}
	return cluster.NewRemote(opts)
}

func newGatewayCmd() *cobra.Command {
	var (
		sf startFlags
		rf remoteFlags
	)
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Serve the MCP gateway, the REST API v2 and the web console in front of a remote Camunda 8 cluster",
		Long: `Serve Orca's MCP gateway (/mcp, /mcp/cluster, /mcp/processes, legacy SSE at /mcp/sse),
a REST API v2 at /v2 and the web console for a Camunda 8 cluster (8.6 and later, REST API v2:
SaaS, Self-Managed, or another orca start) instead of the embedded engine. Every request is
answered from the cluster's REST API; Orca keeps no state of its own.

Clients authenticate to the gateway as to orca start (--auth-method none, basic or oidc). The
gateway authenticates to the cluster with its own credentials, configured as Camunda's clients are
(CAMUNDA_REST_ADDRESS, CAMUNDA_AUTH_STRATEGY, CAMUNDA_CLIENT_ID, CAMUNDA_CLIENT_SECRET,
CAMUNDA_OAUTH_URL, CAMUNDA_TOKEN_AUDIENCE, CAMUNDA_BASIC_AUTH_USERNAME and _PASSWORD): a
token presented to the gateway is never forwarded to the cluster.

A remote cluster does not push its deployments: the gateway reads its process definitions every
--deployment-poll to tell MCP clients when the process tools change (list_changed).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runGateway(cmd.Context(), cmd.Flags(), sf, rf)
		},
	}
	f := cmd.Flags()
	f.StringVar(&sf.addr, "addr", envOr("ORCA_ADDR", "localhost:8090"), "address to serve on, host:port (env ORCA_ADDR)")
	f.StringVar(&sf.managementAddr, "management-addr", envOr("ORCA_MANAGEMENT_ADDR", "off"), "address of the management endpoints (health, metrics), host:port, or off (env ORCA_MANAGEMENT_ADDR)")
	f.StringVar(&sf.configPath, "config", envOr("ORCA_CONFIG", "application.yaml"), "configuration file in Camunda's terms; read if present (env ORCA_CONFIG)")
	f.DurationVar(&rf.poll, "deployment-poll", 10*time.Second, "how often the cluster's process definitions are read to notice new deployments")
	addFrontFlags(f, &sf)
	addConsoleFlags(f, &sf.console)
	addRemoteFlags(f, &rf)
	return cmd
}

func runGateway(ctx context.Context, flags *pflag.FlagSet, sf startFlags, rf remoteFlags) error {
	log, err := newLogger(sf.logLevel, sf.logFormat)
	if err != nil {
		return err
	}
	props, err := loadSettings(flags, sf.configPath, log)
	if err != nil {
		return err
	}
	if err := serverSettings(flags, &sf, props); err != nil {
		return err
	}
	acfg, err := authConfig(flags, sf, props, log)
	if err != nil {
		return err
	}
	if sf.mcpProcesses, err = mcpProcessesEnabled(flags, sf, props); err != nil {
		return err
	}
	authn, err := auth.New(ctx, acfg)
	if err != nil {
		return err
	}
	remote, err := rf.remote(log)
	if err != nil {
		return err
	}
	defer remote.Close()

	// Say at once whether the cluster answers; a cluster that is down is
	// no reason not to start (it is asked again on every request).
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	topo, terr := remote.Topology(tctx)
	cancel()
	if terr != nil {
		log.Warn("the cluster does not answer yet", "cluster", rf.url, "err", terr)
	} else {
		log.Info("cluster reached", "cluster", rf.url, "gatewayVersion", topo.GatewayVersion)
	}

	health, metrics := management.NewHealth(), management.NewMetrics()
	stopManagement, err := serveManagement(sf.managementAddr, flags.Changed("management-addr") || os.Getenv("ORCA_MANAGEMENT_ADDR") != "", management.Handler(health, metrics), log)
	if err != nil {
		return err
	}
	defer stopManagement()

	ln, err := net.Listen("tcp", sf.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", sf.addr, err)
	}
	defer ln.Close()

	restSrv := rest.New(remote, rest.Options{MaxBodyBytes: sf.maxBody, Logger: log, AllowedHosts: sf.allowedHosts, AllowedOrigins: sf.allowedOrigins})
	mux := http.NewServeMux()
	mux.Handle("/v2/", authn.Wrap(restSrv))
	// Without a data directory, the secret that binds task ids to their
	// principal comes from the environment (else a random one per run).
	var secret []byte
	if v := os.Getenv("ORCA_MCP_TASK_SECRET"); v != "" {
		if len(v) < 32 {
			return fmt.Errorf("ORCA_MCP_TASK_SECRET: %d characters, want at least 32", len(v))
		}
		secret = []byte(v)
	}
	gw, err := newGateway(remote, sf, acfg, secret, log)
	if err != nil {
		return fmt.Errorf("mcp gateway: %w", err)
	}
	gw.AddReceivingMiddleware(metrics.MCP()) // the lean path's calls too
	gw.Register(mux, authn.Wrap)
	consolePath, err := consoleBase(flags, sf.console, props)
	if err != nil {
		return err
	}
	if consolePath != "" {
		mountConsole(mux, consolePath, authn, mux, consoleLogin(flags, sf.console, props, acfg), nil, log)
	}
	srv := newFrontServer(mux, restSrv, metrics, log)
	served := serve(srv, ln)
	health.Ready(clusterHealth(remote))
	host, port := listenHostPort(sf.addr, ln.Addr())
	base := "http://" + net.JoinHostPort(host, strconv.Itoa(port))
	log.Info("MCP gateway ready", "url", base+mcpgw.PathMCP, "also", mcpgw.PathCluster, "processes", sf.mcpProcesses, "legacySSE", mcpgw.PathSSE,
		"cluster", rf.url, "auth", authn.Method(), "version", version)
	log.Info("REST API v2 ready", "url", base+"/v2", "cluster", rf.url)
	if consolePath != "" {
		log.Info("web console ready", "url", base+consolePath)
	}

	err = waitStop(ctx, served, log)
	health.Stopping()
	restSrv.Drain()
	stopServer(srv, sf.shutdownTimeout, log)
	log.Info("stopped")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// clusterHealth reports the remote cluster as the gateway's storage: not
// ready while it does not answer its topology.
func clusterHealth(remote *cluster.Remote) func() engine.StorageStatus {
	var (
		mu    sync.Mutex
		since time.Time
		tries int
	)
	return func() engine.StorageStatus {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_, err := remote.Topology(ctx)
		mu.Lock()
		defer mu.Unlock()
		if err == nil {
			since, tries = time.Time{}, 0
			return engine.StorageStatus{Healthy: true}
		}
		if since.IsZero() {
			since = time.Now()
		}
		tries++
		return engine.StorageStatus{Err: fmt.Errorf("the cluster does not answer: %w", err), Since: since, Retries: tries}
	}
}
