package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/orcabpm/orca/internal/store"
)

func newBackupCmd() *cobra.Command {
	var dataDir string
	cmd := &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of a data directory's store to FILE, also while orca start runs on it",
		Long: `Write a consistent copy of the store in --data-dir to FILE (a SQLite database file),
while orca start may be running on the directory: the copy is one snapshot of committed state,
taken in a read transaction that does not stop the engine (SQLite's VACUUM INTO). FILE must not
exist; it appears complete or not at all.

To restore, stop Orca and run orca restore FILE --data-dir DIR (into an empty or new directory,
or with --force to replace what is there), then orca start --data-dir DIR. Instances, jobs,
timers and messages resume where the backup left them.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := store.Backup(cmd.Context(), dataDir, args[0]); err != nil {
				return err
			}
			fi, err := os.Stat(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "backup of %s written to %s (%d bytes)\n", dataDir, args[0], fi.Size())
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", envOr("ORCA_DATA_DIR", "./orca-data"), "data directory to back up (env ORCA_DATA_DIR)")
	return cmd
}

func newRestoreCmd() *cobra.Command {
	var dataDir string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore FILE",
		Short: "Make a backup FILE the store of a data directory (Orca must not be running on it)",
		Long: `Make the backup FILE (written by orca backup) the store of --data-dir. The directory must
not be in use (orca restore takes its lock, so it refuses while orca start runs on it), and must
hold no store unless --force replaces it. FILE is checked (SQLite's quick_check, Orca's tables)
before anything is changed. Then start Orca on the directory: it resumes every active instance.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := store.Restore(cmd.Context(), args[0], dataDir, force); err != nil {
				return err
			}
			fmt.Fprintf(os.Stderr, "%s restored into %s; start Orca with --data-dir %s\n", args[0], dataDir, dataDir)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data-dir", envOr("ORCA_DATA_DIR", "./orca-data"), "data directory to restore into (env ORCA_DATA_DIR)")
	cmd.Flags().BoolVar(&force, "force", false, "replace the store the directory holds")
	return cmd
}
