package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"

	"github.com/orcabpm/orca/internal/a2a"
	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/config"
	"github.com/orcabpm/orca/internal/httpconnector"
	"github.com/orcabpm/orca/internal/mcpclient"
	"github.com/orcabpm/orca/internal/worker"
)

// mcpClientsKey is where the MCP Client connector's clients are configured,
// as in Camunda's connector runtime.
const mcpClientsKey = "camunda.connector.agenticai.mcp.client.clients"

// workerKinds are the built-in workers `orca start` and `orca worker` run:
// the AI agent, the MCP clients, the REST connector (http) and the A2A
// client (a2a).
var workerKinds = []string{"agent", "mcp", "http", "a2a"}

// allowedHostsEnv lists the hosts the REST connector may call (comma
// separated; empty: any host but link-local addresses).
const allowedHostsEnv = "ORCA_HTTP_ALLOWED_HOSTS"

// builtinWorkers configures the selected built-in workers.
func builtinWorkers(kinds []string, secrets worker.Secrets, concurrency int, log *slog.Logger, mcpClients map[string]mcpclient.Config, defs cluster.API, models agent.ModelObserver) ([]worker.Config, func() error, error) {
	pool := mcpclient.NewPool(mcpclient.Options{Logger: log})
	var out []worker.Config
	for _, k := range kinds {
		switch strings.TrimSpace(k) {
		case "agent":
			h := worker.WithErrorExpression(agent.New(agent.Options{Secrets: secrets, Logger: log, Models: models, Instances: instances(defs)}))
			for _, typ := range []string{agent.JobTypeSubProcess, agent.JobTypeSubProcessV2} {
				out = append(out, worker.Config{Type: typ, Handler: h, FetchVariables: agent.FetchVariables, Concurrency: concurrency, Logger: log, Name: "orca-agent"})
			}
			if defs != nil {
				th := worker.WithErrorExpression(agent.NewTask(agent.Options{Secrets: secrets, Logger: log, Models: models, Instances: instances(defs)}, defs))
				for _, typ := range []string{agent.JobTypeTask, agent.JobTypeTaskV2} {
					out = append(out, worker.Config{Type: typ, Handler: th, Concurrency: concurrency, Logger: log, Name: "orca-agent"})
				}
			}
		case "mcp":
			// Camunda's MCP client connectors read one input variable, data.
			opts := []worker.ConnectorOption{worker.DefaultResultVariable(mcpclient.DefaultResultVariable), worker.InputVariables("data")}
			fetch := []string{"data"}
			out = append(out,
				worker.Config{Type: mcpclient.JobTypeRemoteClient, Handler: worker.Connector(mcpclient.RemoteConnector(pool), secrets, opts...), FetchVariables: fetch, Concurrency: concurrency, Logger: log, Name: "orca-mcp"},
				worker.Config{Type: mcpclient.JobTypeClient, Handler: worker.Connector(mcpclient.RuntimeConnector(pool, mcpClients), secrets, opts...), FetchVariables: fetch, Concurrency: concurrency, Logger: log, Name: "orca-mcp"},
			)
		case "http":
			var hosts []string
			for _, h := range strings.Split(os.Getenv(allowedHostsEnv), ",") {
				if h = strings.TrimSpace(h); h != "" {
					hosts = append(hosts, h)
				}
			}
			c := httpconnector.New(httpconnector.Options{AllowedHosts: hosts, Logger: log})
			out = append(out, worker.Config{Type: httpconnector.JobType, Handler: c.Handler(secrets), Concurrency: concurrency, Logger: log, Name: "orca-http"})
		case "a2a":
			c := a2a.NewClient(nil)
			out = append(out, worker.Config{Type: a2a.JobType, Handler: worker.Connector(c.Connector(), secrets,
				worker.DefaultResultVariable("toolCallResult"), worker.InputVariables("data")), FetchVariables: []string{"data"},
				Concurrency: concurrency, Logger: log, Name: "orca-a2a"})
		case "":
		default:
			return nil, nil, fmt.Errorf("unknown worker %q (known: %s)", k, strings.Join(workerKinds, ", "))
		}
	}
	return out, pool.Close, nil
}

// instances is where agents record their agent instances: the cluster
// they work for (a nil one: nowhere).
func instances(api cluster.API) agent.Instances {
	if api == nil {
		return nil
	}
	return api
}

// runWorkers runs workers until ctx ends.
func runWorkers(ctx context.Context, c worker.JobClient, cfgs []worker.Config) {
	var wg sync.WaitGroup
	for _, cfg := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := worker.Run(ctx, c, cfg); err != nil {
				cfg.Logger.Error("worker stopped", "type", cfg.Type, "err", err)
			}
		}()
	}
	wg.Wait()
}

// startWorkers runs the built-in workers in process beside the engine
// (sf.workers: "none" for none). The returned function stops them and waits.
func startWorkers(ctx context.Context, api *cluster.Embedded, sf startFlags, props *config.Properties, log *slog.Logger, models agent.ModelObserver, wrap func(worker.Config) worker.Config) (func(), error) {
	if strings.TrimSpace(sf.workers) == "" || sf.workers == "none" {
		return func() {}, nil
	}
	clients, err := mcpclient.RuntimeClients(props.Raw(mcpClientsKey))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", mcpClientsKey, err)
	}
	cfgs, closeAll, err := builtinWorkers(strings.Split(sf.workers, ","), worker.EnvSecrets{Prefix: sf.secretsPrefix}, 8, log, clients, api, models)
	if err != nil {
		return nil, err
	}
	if wrap != nil {
		for i := range cfgs {
			cfgs[i] = wrap(cfgs[i])
		}
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		runWorkers(wctx, api, cfgs)
		close(done)
	}()
	log.Info("workers started", "workers", sf.workers)
	return func() {
		cancel()
		<-done
		closeAll()
	}, nil
}
