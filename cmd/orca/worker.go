package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/orcabpm/orca/internal/mcpclient"
	"github.com/orcabpm/orca/internal/worker"
)

func newWorkerCmd() *cobra.Command {
	var (
		rf                                                    remoteFlags
		kinds, logLevel, logFormat, secretsPrefix, configPath string
		concurrency                                           int
	)
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run Orca's built-in job workers (AI agent, MCP clients) against a cluster's REST API v2",
		Long: `Run Orca's built-in job workers against any Camunda 8 REST API v2: an Orca started
elsewhere, or a Camunda 8 cluster. The workers are the AI Agent Sub-process worker
(io.camunda.agenticai:aiagent-job-worker:1) and the MCP Client workers
(io.camunda.agenticai:mcpremoteclient:1, io.camunda.agenticai:mcpclient:1).

{{secrets.NAME}} references in the workers' inputs are read from the environment
variable <secrets-prefix>NAME. Stop with Ctrl-C: jobs in hand are finished first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(logLevel, logFormat)
			if err != nil {
				return err
			}
			remote, err := rf.remote(log)
			if err != nil {
				return err
			}
			defer remote.Close()
			props, err := loadSettings(cmd.Flags(), configPath, log)
			if err != nil {
				return err
			}
			clients, err := mcpclient.RuntimeClients(props.Raw(mcpClientsKey))
			if err != nil {
				return fmt.Errorf("%s: %w", mcpClientsKey, err)
			}
			cfgs, closeAll, err := builtinWorkers(strings.Split(kinds, ","), worker.EnvSecrets{Prefix: secretsPrefix}, concurrency, log, clients, remote, nil)
			if err != nil {
				return err
			}
			defer closeAll()
			log.Info("workers started", "cluster", rf.url, "workers", kinds)
			runWorkers(cmd.Context(), remote, cfgs)
			log.Info("workers stopped")
			return nil
		},
	}
	f := cmd.Flags()
	addRemoteFlags(f, &rf)
	f.StringVar(&kinds, "workers", strings.Join(workerKinds, ","), "which workers to run: agent, mcp, http (the REST connector; ORCA_HTTP_ALLOWED_HOSTS limits its hosts), a2a (the A2A client)")
	f.IntVar(&concurrency, "concurrency", 8, "jobs each worker handles at once")
	f.StringVar(&secretsPrefix, "secrets-prefix", envOr("ORCA_SECRETS_PREFIX", ""), "prefix of the environment variables that hold {{secrets.NAME}} (env ORCA_SECRETS_PREFIX)")
	f.StringVar(&configPath, "config", envOr("ORCA_CONFIG", "application.yaml"), "configuration file (read if present; env ORCA_CONFIG): MCP clients under "+mcpClientsKey)
	f.StringVar(&logLevel, "log-level", envOr("ORCA_LOG_LEVEL", "info"), "log level: debug, info, warn, error")
	f.StringVar(&logFormat, "log-format", envOr("ORCA_LOG_FORMAT", "text"), "log format: text or json (env ORCA_LOG_FORMAT)")
	return cmd
}
