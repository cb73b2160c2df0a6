package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/a2a"
	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/config"
	"github.com/orcabpm/orca/internal/console"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/management"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/rest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/webhook"
	"github.com/orcabpm/orca/internal/worker"
)

// startFlags are the settings of orca start.
type startFlags struct {
	addr            string
	dataDir         string
	synchronous     string
	logLevel        string
	configPath      string
	shutdownTimeout time.Duration
	maxBody         int64
	allowedHosts    []string
	allowedOrigins  []string

	authMethod    string
	basicUsers    []string
	issuerURI     string
	audiences     []string
	usernameClaim string
	clientIDClaim string
	clockSkew     time.Duration

	mcp            bool
	mcpFixtures    bool
	mcpProcesses   bool
	mcpResourceURL string

	workers       string
	secretsPrefix string
	engine        engineFlags

	managementAddr string
	logFormat      string

	console consoleFlags
}

func newStartCmd() *cobra.Command {
	var sf startFlags
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the embedded orchestration cluster and serve the REST API v2 and the MCP gateway",
		Long: `Run the embedded orchestration engine on a data directory and serve Camunda 8.9's
Orchestration Cluster REST API v2 at http://ADDR/v2 (default http://localhost:8080/v2), so that
Camunda clients (c8ctl, the JS SDK, ...) work against it.

The MCP gateway (Camunda 8.9's MCP tools and Orca's own, resources and prompts) is served at
http://ADDR/mcp and http://ADDR/mcp/cluster (Streamable HTTP, stateless, JSON responses) and at
http://ADDR/mcp/sse (the legacy HTTP+SSE transport), behind the same authentication as /v2. It is
on by default; --mcp=false, CAMUNDA_MCP_ENABLED=false or camunda.mcp.enabled: false turn it off.
Camunda 8.10's Processes MCP server at http://ADDR/mcp/processes offers every deployed process
whose message start event is marked as an MCP tool (Camunda's "MCP start event" template) as a
tool that starts it; --mcp-processes=false, CAMUNDA_MCP_PROCESSES_ENABLED=false or
camunda.mcp.processes.enabled: false turn it off alone.
With OIDC, the gateway serves OAuth 2.0 protected resource metadata (RFC 9728) at
/.well-known/oauth-protected-resource[/mcp/cluster] and points 401 answers at it.

All state is kept in one SQLite file in the data directory (default ./orca-data).

Authentication (Camunda's camunda.security.authentication.method) applies to everything under
/v2: none (the default, for local use), basic (users from configuration; passwords are kept as
bcrypt hashes) or oidc (JWT bearer tokens of an OpenID provider). Settings come from flags, else
the environment (CAMUNDA_SECURITY_AUTHENTICATION_METHOD, CAMUNDA_SECURITY_AUTHENTICATION_OIDC_ISSUERURI,
CAMUNDA_SECURITY_AUTHENTICATION_OIDC_AUDIENCES, CAMUNDA_SECURITY_INITIALIZATION_USERS_0_USERNAME
and _PASSWORD, ...), else application.yaml:

  camunda:
    security:
      authentication:
        method: oidc
        oidc:
          issuer-uri: https://idp.example.com/realms/camunda
          audiences: [orca-api]
          username-claim: preferred_username
          client-id-claim: azp
          client-id: orca-console   # the web console logs people in (code flow, PKCE)
          redirect-uri: "{baseUrl}/sso-callback"
      initialization:
        users:
          - username: demo
            password: demo

Stop with Ctrl-C (SIGINT) or SIGTERM: requests in flight finish (long-polling job activations
answer at once), queued commands are committed, and the store closes cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStart(cmd.Context(), cmd.Flags(), sf)
		},
	}
	f := cmd.Flags()
	f.StringVar(&sf.addr, "addr", envOr("ORCA_ADDR", "localhost:8080"), "address to serve the REST API on, host:port (env ORCA_ADDR)")
	f.StringVar(&sf.dataDir, "data-dir", envOr("ORCA_DATA_DIR", "./orca-data"), "data directory (env ORCA_DATA_DIR)")
	f.StringVar(&sf.synchronous, "synchronous", envOr("ORCA_SYNCHRONOUS", "FULL"), "SQLite synchronous mode: FULL (durable on power loss) or NORMAL (env ORCA_SYNCHRONOUS)")
	f.StringVar(&sf.managementAddr, "management-addr", envOr("ORCA_MANAGEMENT_ADDR", management.DefaultAddr), "address of the management endpoints (health at /actuator/health, metrics at /actuator/prometheus), host:port; \"off\" turns them off (env ORCA_MANAGEMENT_ADDR)")
	f.StringVar(&sf.configPath, "config", envOr("ORCA_CONFIG", "application.yaml"), "configuration file in Camunda's terms (env ORCA_CONFIG); without it, application.yaml in the working directory is read if present; unknown keys and wrong types are errors (docs/configuration.md)")
	f.StringVar(&sf.workers, "workers", envOr("ORCA_WORKERS", "agent,mcp,http,a2a"), "built-in job workers to run in process: agent, mcp, http (the REST connector; ORCA_HTTP_ALLOWED_HOSTS limits its hosts), a2a (the A2A client), or none (env ORCA_WORKERS)")
	sf.engine.add(f)
	f.StringVar(&sf.secretsPrefix, "secrets-prefix", envOr("ORCA_SECRETS_PREFIX", ""), "prefix of the environment variables that hold the workers' {{secrets.NAME}} (env ORCA_SECRETS_PREFIX)")
	f.BoolVar(&sf.mcp, "mcp", true, "serve the MCP gateway at /mcp, /mcp/cluster and /mcp/sse (camunda.mcp.enabled, env CAMUNDA_MCP_ENABLED; default true)")
	f.BoolVar(&sf.mcpFixtures, "mcp-conformance-fixtures", false, "also register the tools, resources and prompts the MCP conformance suite expects (for testing)")
	addFrontFlags(f, &sf)
	addConsoleFlags(f, &sf.console)
	return cmd
}

// authConfig merges flags (when set), the environment and the file.
func authConfig(flags *pflag.FlagSet, sf startFlags, props *config.Properties, log *slog.Logger) (auth.Config, error) {
	str := func(flag, key, val string) string {
		if flags.Changed(flag) {
			return val
		}
		v, _ := props.String(key)
		return v
	}
	const sec = "camunda.security.authentication."
	cfg := auth.Config{
		Method: str("auth-method", sec+"method", sf.authMethod),
		Logger: log,
		OIDC: auth.OIDCConfig{
			IssuerURI:     str("oidc-issuer-uri", sec+"oidc.issuer-uri", sf.issuerURI),
			UsernameClaim: str("oidc-username-claim", sec+"oidc.username-claim", sf.usernameClaim),
			ClientIDClaim: str("oidc-client-id-claim", sec+"oidc.client-id-claim", sf.clientIDClaim),
			Audiences:     props.List(sec + "oidc.audiences"),
		},
	}
	if flags.Changed("oidc-audience") {
		cfg.OIDC.Audiences = sf.audiences
	}
	if flags.Changed("oidc-clock-skew") {
		cfg.OIDC.ClockSkew = sf.clockSkew
	} else if d, ok, err := props.Duration(sec + "oidc.clock-skew"); err != nil {
		return cfg, err
	} else if ok {
		cfg.OIDC.ClockSkew = d
	}
	if flags.Changed("basic-user") {
		for _, u := range sf.basicUsers {
			name, pass, ok := strings.Cut(u, ":")
			if !ok {
				return cfg, fmt.Errorf("--basic-user %q: expected name:password", name)
			}
			cfg.Users = append(cfg.Users, auth.User{Username: name, Password: pass})
		}
	} else {
		for _, u := range props.Objects("camunda.security.initialization.users", "username", "password") {
			cfg.Users = append(cfg.Users, auth.User{Username: u["username"], Password: u["password"]})
		}
	}
	return cfg, nil
}

// mcpEnabled merges --mcp (when set), the environment and the file.
func mcpEnabled(flags *pflag.FlagSet, sf startFlags, props *config.Properties) (bool, error) {
	return boolSetting(flags, "mcp", sf.mcp, props, "camunda.mcp.enabled")
}

// mcpProcessesEnabled merges --mcp-processes (when set), the environment
// (CAMUNDA_MCP_PROCESSES_ENABLED) and the file (camunda.mcp.processes.enabled).
func mcpProcessesEnabled(flags *pflag.FlagSet, sf startFlags, props *config.Properties) (bool, error) {
	return boolSetting(flags, "mcp-processes", sf.mcpProcesses, props, "camunda.mcp.processes.enabled")
}

// boolSetting is the flag when set, else the property (default true).
func boolSetting(flags *pflag.FlagSet, flag string, flagValue bool, props *config.Properties, key string) (bool, error) {
	if flags.Changed(flag) {
		return flagValue, nil
	}
	b, ok, err := props.Bool(key)
	if err != nil || !ok {
		return true, err
	}
	return b, nil
}

// newGateway makes the MCP gateway; with OIDC it is an OAuth 2.0 protected
// resource of the configured issuer. taskSecret binds task ids to their
// principal (nil: a random one).
func newGateway(api cluster.API, sf startFlags, acfg auth.Config, taskSecret []byte, log *slog.Logger) (*mcpgw.Gateway, error) {
	return mcpgw.New(api, gatewayOptions(sf, acfg, taskSecret, log))
}

func gatewayOptions(sf startFlags, acfg auth.Config, taskSecret []byte, log *slog.Logger) mcpgw.Options {
	opts := mcpgw.Options{Version: version, ConformanceFixtures: sf.mcpFixtures, MaxBodyBytes: sf.maxBody, Logger: log,
		Processes: sf.mcpProcesses, TaskSecret: taskSecret}
	if strings.EqualFold(strings.TrimSpace(acfg.Method), auth.MethodOIDC) {
		opts.OAuth = &mcpgw.OAuthResource{AuthorizationServers: []string{acfg.OIDC.IssuerURI}, PublicURL: sf.mcpResourceURL}
	}
	return opts
}

func runStart(ctx context.Context, flags *pflag.FlagSet, sf startFlags) error {
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
	searchCaps, err := searchLimits(props)
	if err != nil {
		return err
	}
	acfg, err := authConfig(flags, sf, props, log)
	if err != nil {
		return err
	}
	withMCP, err := mcpEnabled(flags, sf, props)
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
	// Own the data directory before anything else: a second orca start on
	// it stops here, naming the owner.
	lock, err := store.LockDir(sf.dataDir)
	if err != nil {
		var le *store.LockedError
		if errors.As(err, &le) {
			return fmt.Errorf("%w; stop that process or start with another --data-dir", err)
		}
		return err
	}
	defer lock.Release() // a no-op once the engine has closed the store

	// The management endpoints answer from here on: live, not ready
	// until the state is loaded.
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

	consolePath, err := consoleBase(flags, sf.console, props)
	if err != nil {
		return err
	}
	var live *console.Hub // the console's live updates
	if consolePath != "" {
		live = console.NewHub()
	}
	engOpts := engine.Options{DataDir: sf.dataDir, Synchronous: sf.synchronous, Logger: log, Lock: lock,
		Store:    store.Options{SearchLimits: searchCaps},
		Observer: engineObserver{metrics: metrics, log: log, live: live}, ElementEvents: live != nil}
	if engOpts.Retention, err = historySettings(props); err != nil {
		return err
	}
	if inert, err := inertHistorySettings(props); err != nil {
		return err
	} else if len(inert) > 0 {
		log.Info("history settings with no effect: Orca keeps no batch operations or usage metrics", "keys", inert)
	}
	if err := sf.engine.apply(&engOpts); err != nil {
		return err
	}
	eng, err := engine.Open(ctx, engOpts)
	if err != nil {
		return err
	}
	metrics.WatchStore(eng.Store())
	host, port := listenHostPort(sf.addr, ln.Addr())
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{Host: host, Port: int32(port)})
	restSrv := rest.New(api, rest.Options{MaxBodyBytes: sf.maxBody, Logger: log, AllowedHosts: sf.allowedHosts, AllowedOrigins: sf.allowedOrigins})
	mux := http.NewServeMux()
	mux.Handle("/v2/", authn.Wrap(restSrv))
	// Webhook connectors authenticate their callers themselves (the
	// element's inbound.auth.* and HMAC settings), as c8run's /inbound does.
	hooks := webhook.New(api, webhook.Options{Secrets: worker.EnvSecrets{Prefix: sf.secretsPrefix},
		MaxBodyBytes: sf.maxBody, Logger: log})
	mux.Handle(webhook.PathPrefix, hooks)
	var gw *mcpgw.Lazy
	if withMCP {
		secret, err := mcpgw.TaskSecret(sf.dataDir)
		if err != nil {
			_ = eng.Close()
			return err
		}
		// Built on the first MCP request: a server nobody calls over MCP
		// does not pay for it (mcpgw.Lazy).
		gw = mcpgw.NewLazy(api, gatewayOptions(sf, acfg, secret, log), func(g *mcpgw.Gateway) {
			g.AddReceivingMiddleware(metrics.MCP()) // the lean path's calls too
		})
		gw.Register(mux, authn.Wrap)
	}
	if consolePath != "" {
		mountConsole(mux, consolePath, authn, mux, consoleLogin(flags, sf.console, props, acfg), live, log)
	}
	srv := newFrontServer(mux, restSrv, metrics, log)
	if live != nil {
		srv.RegisterOnShutdown(live.Close)
	}
	served := serve(srv, ln)
	health.Ready(eng.Storage)
	url := fmt.Sprintf("http://%s/v2", net.JoinHostPort(host, strconv.Itoa(port)))
	log.Info("Orchestration Cluster REST API v2 ready", "url", url, "auth", authn.Method(), "version", version, "dataDir", sf.dataDir, "db", eng.Store().Path())
	if withMCP {
		mcpURL := fmt.Sprintf("http://%s%s", net.JoinHostPort(host, strconv.Itoa(port)), mcpgw.PathMCP)
		log.Info("MCP gateway ready", "url", mcpURL, "also", mcpgw.PathCluster, "legacySSE", mcpgw.PathSSE, "fixtures", sf.mcpFixtures)
	}
	if consolePath != "" {
		consoleURL := fmt.Sprintf("http://%s%s", net.JoinHostPort(host, strconv.Itoa(port)), consolePath)
		log.Info("web console ready", "url", consoleURL)
	}

	workersDone, err := startWorkers(ctx, api, sf, props, log, metrics, func(c worker.Config) worker.Config {
		c.Handler = metrics.Worker(c.Type, c.Handler)
		return c
	})
	if err != nil {
		srv.Close()
		_ = eng.Close()
		return err
	}

	// The A2A polling catch events poll the remote agents of the waiting
	// instances, as Camunda's connector runtime does.
	pollCtx, stopPolling := context.WithCancel(ctx)
	pollDone := make(chan struct{})
	go func() {
		defer close(pollDone)
		if err := hooks.PollA2A(pollCtx, a2a.NewClient(nil)); err != nil {
			log.Warn("the A2A polling events cannot run", "error", err)
		}
	}()

	// Starting (the configuration, the MCP tools' schemas, the engine's
	// state, the workers) leaves garbage the collector would keep until the
	// heap grows to 1+GOGC/100 times what is live: collect it once and give
	// the memory back, so that an idle server holds what it uses.
	go debug.FreeOSMemory()
	// And once quiet after a burst of work, the same again (memreturn.go).
	returnCtx, stopReturning := context.WithCancel(ctx)
	returnDone := make(chan struct{})
	go func() {
		defer close(returnDone)
		newMemoryReturner(eng.Store().ReleaseIdle).run(returnCtx, memoryReturnTick, log, metrics.MemoryReturned)
	}()
	err = waitStop(ctx, served, log)
	stopReturning()
	<-returnDone
	health.Stopping()
	stopPolling()
	<-pollDone
	workersDone()
	restSrv.Drain()
	stopServer(srv, sf.shutdownTimeout, log)
	if gw != nil {
		gw.Close() // commits the audit entries of the last reads
	}
	if cerr := eng.Close(); cerr != nil {
		return fmt.Errorf("close engine: %w", cerr)
	}
	log.Info("stopped")
	if err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// listenHostPort is the host clients use and the port actually bound.
func listenHostPort(addr string, bound net.Addr) (string, int) {
	host, _, _ := net.SplitHostPort(addr)
	port := 0
	if ta, ok := bound.(*net.TCPAddr); ok {
		port = ta.Port
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "localhost"
		}
	}
	return host, port
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// newLogger logs to stderr: stdout belongs to stdio MCP.
func newLogger(level, format string) (*slog.Logger, error) {
	l, err := parseLogLevel(level)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: l}
	switch strings.ToLower(strings.TrimSpace(format)) {
	case "", "text":
		return slog.New(slog.NewTextHandler(os.Stderr, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, opts)), nil
	}
	return nil, fmt.Errorf("--log-format %q: expected text or json", format)
}
