package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/spf13/cobra"

	"github.com/orcabpm/orca/internal/engine"
)

func newStartCmd() *cobra.Command {
	var (
		dataDir     string
		synchronous string
		logLevel    string
	)
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Run the embedded orchestration engine",
		Long: `Run the embedded orchestration engine on a data directory.

All state is kept in one SQLite file in the data directory (default ./orca-data).
Stop with Ctrl-C (SIGINT) or SIGTERM: queued commands finish and the store closes cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			log, err := newLogger(logLevel)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			eng, err := engine.Open(ctx, engine.Options{DataDir: dataDir, Synchronous: synchronous, Logger: log})
			if err != nil {
				return err
			}
			log.Info("engine started", "dataDir", dataDir, "db", eng.Store().Path())
			<-ctx.Done()
			log.Info("shutting down")
			if err := eng.Close(); err != nil {
				return fmt.Errorf("close engine: %w", err)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&dataDir, "data-dir", envOr("ORCA_DATA_DIR", "./orca-data"), "data directory (env ORCA_DATA_DIR)")
	f.StringVar(&synchronous, "synchronous", envOr("ORCA_SYNCHRONOUS", "FULL"), "SQLite synchronous mode: FULL (durable on power loss) or NORMAL (env ORCA_SYNCHRONOUS)")
	f.StringVar(&logLevel, "log-level", envOr("ORCA_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env ORCA_LOG_LEVEL)")
	return cmd
}

func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// newLogger logs to stderr: stdout belongs to stdio MCP.
func newLogger(level string) (*slog.Logger, error) {
	l, err := parseLogLevel(level)
	if err != nil {
		return nil, err
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: l})), nil
}
