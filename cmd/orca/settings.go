package main

import (
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/config"
	"github.com/orcabpm/orca/internal/limits"
)

// settings are the keys a configuration file may hold (docs/configuration.md
// lists them). Any other key is an error, so that a typo cannot quietly
// turn a setting (authentication, say) off.
func settings() config.Schema {
	const sec = "camunda.security.authentication."
	return append(config.Schema{
		{Name: "server.address", Kind: config.String, Help: "host or address the REST API, MCP and console listen on (default localhost; flag --addr and env ORCA_ADDR win)"},
		{Name: "server.port", Kind: config.Int, Min: 0, Max: 65535, Help: "port they listen on (default 8080; 0 picks a free one)"},
		{Name: "management.server.address", Kind: config.String, Help: "host of the management endpoints (default localhost; flag --management-addr and env ORCA_MANAGEMENT_ADDR win)"},
		{Name: "management.server.port", Kind: config.Int, Min: 0, Max: 65535, Help: "port of the management endpoints (default 9600)"},
		{Name: sec + "method", Kind: config.String, Values: []string{auth.MethodNone, auth.MethodBasic, auth.MethodOIDC}, Help: "none (default), basic or oidc"},
		{Name: sec + "oidc.issuer-uri", Kind: config.String, Help: "OIDC issuer (discovery and key set)"},
		{Name: sec + "oidc.audiences", Kind: config.List, Help: "accepted token audiences"},
		{Name: sec + "oidc.username-claim", Kind: config.String, Help: "claim naming the principal (default sub)"},
		{Name: sec + "oidc.client-id-claim", Kind: config.String, Help: "claim naming a client when the username claim is absent"},
		{Name: sec + "oidc.clock-skew", Kind: config.Duration, Help: "tolerated clock skew on token expiry (default 60s)"},
		{Name: sec + "oidc.client-id", Kind: config.String, Help: "the web console's OAuth client id: single sign-on with the authorization code flow and PKCE"},
		{Name: sec + "oidc.client-secret", Kind: config.String, Help: "the console client's secret, if it is confidential"},
		{Name: sec + "oidc.redirect-uri", Kind: config.String, Help: "the console's redirect URI (default {baseUrl}/sso-callback)"},
		{Name: sec + "oidc.scope", Kind: config.List, Help: "scopes the console asks for (default openid, profile)"},
		{Name: "camunda.security.initialization.users", Kind: config.Objects, Fields: []string{"username", "password", "name", "email"}, Help: "Basic users (password in plain text or a bcrypt hash; name and email are accepted and unused)"},
		{Name: "camunda.mcp.enabled", Kind: config.Bool, Help: "serve the MCP gateway (default true)"},
		{Name: "camunda.mcp.processes.enabled", Kind: config.Bool, Help: "serve processes as MCP tools at /mcp/processes (default true)"},
		{Name: mcpClientsKey, Kind: config.Map, Help: "MCP clients by id for io.camunda.agenticai:mcpclient:1 (type stdio, http or sse)"},
		{Name: "orca.console.enabled", Kind: config.Bool, Help: "serve the web console (default true)"},
		{Name: "orca.console.path", Kind: config.String, Help: "path of the web console (default /)"},
		{Name: limitKeys.requestSize, Kind: config.Int, Help: "largest request body, in bytes (default 4 MiB; --max-request-size wins)"},
		{Name: limitKeys.inValues, Kind: config.Int, Min: 1, Max: 1_000_000, Help: "maxInValues: values of one $in or $notIn (default 1,000)"},
		{Name: limitKeys.orBranches, Kind: config.Int, Min: 1, Max: 1_000_000, Help: "maxOrBranches: branches of one $or (default 100)"},
		{Name: limitKeys.filterTerms, Kind: config.Int, Min: 1, Max: 1_000_000, Help: "maxFilterTerms: values one search filter compares against (default 5,000)"},
		{Name: limitKeys.pageSize, Kind: config.Int, Min: 100, Max: 1_000_000, Help: "maxPageSize: items of one search page (default 10,000; at least 100, the default page)"},
		{Name: limitKeys.searchTime, Kind: config.Duration, Help: "maxSearchTime: time one search may take (default 10s)"},
	}, historySchema()...)
}

// loadSettings reads the configuration file: the one --config (or
// ORCA_CONFIG) names, which must exist, else application.yaml in the
// working directory if there is one. The file is checked against settings
// and the log says which file was read, or that none was.
func loadSettings(flags *pflag.FlagSet, path string, log *slog.Logger) (*config.Properties, error) {
	named := flags.Changed("config") || os.Getenv("ORCA_CONFIG") != ""
	props, err := config.Load(path, named, nil)
	if err != nil {
		return nil, err
	}
	if err := props.Check(settings()); err != nil {
		return nil, fmt.Errorf("configuration %s:\n%w", props.File(), err)
	}
	abs := props.File()
	if a, err := filepath.Abs(abs); err == nil {
		abs = a
	}
	switch {
	case props.File() == "":
		log.Info("no configuration file: no --config given and no " + path + " in the working directory")
	case named:
		log.Info("configuration read", "file", abs)
	default:
		log.Info("configuration read from the working directory (no --config given)", "file", abs)
	}
	return props, nil
}

// listenAddr is the address flag when set (or its environment variable),
// else host and port from server.address and server.port (Camunda's
// Spring settings, env SERVER_ADDRESS and SERVER_PORT), defaulting to
// defHost and defPort.
func listenAddr(flags *pflag.FlagSet, flag, env, flagValue string, props *config.Properties, prefix, defHost string, defPort int) (string, error) {
	host, hostSet := props.String(prefix + ".address")
	port, portSet, err := props.Int(prefix + ".port")
	if err != nil {
		return "", err
	}
	if port < 0 || port > 65535 {
		return "", fmt.Errorf("%s.port: want an integer from 0 to 65535, got %d", prefix, port)
	}
	if flags.Changed(flag) || os.Getenv(env) != "" {
		return flagValue, nil
	}
	if !hostSet && !portSet {
		return flagValue, nil
	}
	if !hostSet || host == "" {
		host = defHost
	}
	if !portSet {
		port = int64(defPort)
	}
	return net.JoinHostPort(host, strconv.FormatInt(port, 10)), nil
}

// limitKeys are the configurable caps: orca.limits.<name> in the file, or
// ORCA_LIMITS_<NAME> in the environment.
var limitKeys = struct{ requestSize, inValues, orBranches, filterTerms, pageSize, searchTime string }{
	"orca.limits.max-request-size", "orca.limits.max-in-values", "orca.limits.max-or-branches",
	"orca.limits.max-filter-terms", "orca.limits.max-page-size", "orca.limits.max-search-time",
}

// searchLimits reads the configured search caps (zero: the default).
func searchLimits(props *config.Properties) (limits.Search, error) {
	var s limits.Search
	for _, f := range []struct {
		key string
		to  *int
	}{{limitKeys.inValues, &s.InValues}, {limitKeys.orBranches, &s.OrBranches}, {limitKeys.filterTerms, &s.FilterTerms}, {limitKeys.pageSize, &s.PageSize}} {
		n, ok, err := props.Int(f.key)
		if err != nil {
			return s, err
		}
		least := int64(1)
		if f.key == limitKeys.pageSize {
			least = 100 // a search without page.limit asks for 100
		}
		if ok && (n < least || n > 1_000_000) {
			return s, fmt.Errorf("%s: want an integer from %d to 1000000, got %d", f.key, least, n)
		}
		*f.to = int(n)
	}
	d, ok, err := props.Duration(limitKeys.searchTime)
	if err != nil {
		return s, err
	}
	if ok && d <= 0 {
		return s, fmt.Errorf("%s: want a positive duration, got %s", limitKeys.searchTime, d)
	}
	s.Time = d
	return s.OrDefault(), nil
}

// maxRequestSize is --max-request-size when given, else
// orca.limits.max-request-size, else the flag's default.
func maxRequestSize(flags *pflag.FlagSet, flagValue int64, props *config.Properties) (int64, error) {
	if flags.Changed("max-request-size") {
		return flagValue, nil
	}
	n, ok, err := props.Int(limitKeys.requestSize)
	if err != nil || !ok {
		return flagValue, err
	}
	if n < 1024 {
		return 0, fmt.Errorf("%s: want at least 1024 bytes, got %d", limitKeys.requestSize, n)
	}
	return n, nil
}

// serverSettings applies what the file and the environment say about where
// to listen (server.*, management.server.*) and the request size
// (orca.limits.max-request-size) to the flags of orca start and orca
// gateway, where no flag says otherwise.
func serverSettings(flags *pflag.FlagSet, sf *startFlags, props *config.Properties) error {
	var err error
	if sf.addr, err = listenAddr(flags, "addr", "ORCA_ADDR", sf.addr, props, "server", "localhost", 8080); err != nil {
		return err
	}
	if sf.managementAddr, err = listenAddr(flags, "management-addr", "ORCA_MANAGEMENT_ADDR", sf.managementAddr, props, "management.server", "localhost", 9600); err != nil {
		return err
	}
	sf.maxBody, err = maxRequestSize(flags, sf.maxBody, props)
	return err
}
