//go:build linux

package store

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/crashtest"
)

const migrateCrashEnv = "ORCA_MIGRATE_CRASH_DIR"

// oldAuditedInstances is how many instances, each with one audit entry,
// the file from before audit entries had a root holds: enough that filling
// the new column takes a while, for the kill to land in it.
const oldAuditedInstances = 100_000

// writeOldAuditFile writes a data file as a version from before audit log
// entries carried their root instance: the tables as the schema creates
// them, without the columns added since, with instances and an audit
// entry for each.
func writeOldAuditFile(ctx context.Context, dir string) error {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName)+"?_pragma=journal_mode(wal)")
	if err != nil {
		return err
	}
	defer db.Close()
	for _, q := range []string{
		"BEGIN;\n" + schema + "\nCOMMIT;",
		fmt.Sprintf(`INSERT INTO process_instances (key, process_definition_key, process_id, process_name, version, version_tag, state,
  start_date, end_date, has_incident, tenant_id, root_process_instance_key, business_id)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
  SELECT 1000000+i, 1, 'p', 'P', 1, '', 'COMPLETED', i, i+1, 0, '<default>', 1000000+i, '' FROM n`, oldAuditedInstances),
		fmt.Sprintf(`INSERT INTO audit_logs (key, timestamp, actor_type, result, category, entity_type, entity_key, operation_type,
  process_instance_key, endpoint, arguments_size, error_message)
  WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < %d)
  SELECT 5000000+i, i, 'CLIENT', 'SUCCESS', 'DEPLOYED_RESOURCES', 'PROCESS_INSTANCE', 1000000+i, 'CREATE', 1000000+i, 'mcp', 2, '' FROM n`, oldAuditedInstances),
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// unfilledAuditRoots counts the audit entries of an instance whose root the
// upgrade has not filled in, and says whether the file has the column yet.
func unfilledAuditRoots(ctx context.Context, db *sql.DB) (n int64, hasColumn bool, err error) {
	cols, err := columnsOf(ctx, db, "audit_logs")
	if err != nil || !cols["root_process_instance_key"] {
		return 0, false, err
	}
	err = db.QueryRowContext(ctx, "SELECT count(*) FROM audit_logs WHERE process_instance_key IS NOT NULL AND root_process_instance_key IS NULL").Scan(&n)
	return n, true, err
}

// TestMigrateCrashChild writes a file from before the upgrade, says so,
// opens it (the upgrade runs) and waits to be killed.
func TestMigrateCrashChild(t *testing.T) {
	dir := crashtest.ChildDir(t, migrateCrashEnv)
	ctx := context.Background()
	if err := writeOldAuditFile(ctx, dir); err != nil {
		crashtest.Abort(err)
	}
	fmt.Println("OPENING")
	s, err := Open(ctx, dir, Options{})
	if err != nil {
		crashtest.Abort(err)
	}
	fmt.Println("OPENED")
	defer s.Close()
	select {}
}

// A process killed while it upgrades a data file leaves a file either not
// upgraded or upgraded whole, never a new column half filled in. The test
// watches the file from beside the child and kills it the moment the new
// column is committed: an upgrade that commits the column before filling
// it in is caught in the middle. The next open finishes the upgrade, and
// every audit entry of an instance has its root.
func TestMigrateSurvivesSIGKILL(t *testing.T) {
	ctx := context.Background()
	c := crashtest.Start(t, migrateCrashEnv, "TestMigrateCrashChild")
	path := filepath.Join(c.Dir, FileName)
	var watched error
	c.KillWhen(func(f []string) bool {
		if len(f) != 1 || f[0] != "OPENING" {
			return false
		}
		// The child has written the old file and now opens it: watch from
		// another connection (WAL: a reader sees whole commits) for the
		// moment the new column is committed.
		watched = waitForColumn(ctx, path, "audit_logs", "root_process_instance_key")
		return true
	})
	if watched != nil {
		t.Fatal(watched)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	n, upgraded, err := unfilledAuditRoots(ctx, db)
	db.Close()
	if err != nil || !upgraded || n != 0 {
		t.Fatalf("killed as the new column was committed: %d of %d audit entries' roots not filled in (%v, %v)",
			n, oldAuditedInstances, upgraded, err)
	}
	s, err := Open(ctx, c.Dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n, upgraded, err = unfilledAuditRoots(ctx, s.read)
	var check string
	if err == nil {
		err = s.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check)
	}
	var entries int64
	if err == nil {
		err = s.read.QueryRowContext(ctx, "SELECT count(*) FROM audit_logs").Scan(&entries)
	}
	s.Close()
	if err != nil || !upgraded || n != 0 || check != "ok" || entries != oldAuditedInstances {
		t.Fatalf("after the reopen: upgraded %v, %d roots not filled in, %d entries, integrity %q, %v",
			upgraded, n, entries, check, err)
	}
}

// waitForColumn polls the file at path, from a connection of its own,
// until table has column, for at most a minute.
func waitForColumn(ctx context.Context, path, table, column string) error {
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=query_only(1)")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		cols, err := columnsOf(ctx, db, table)
		if err != nil && ctx.Err() != nil {
			return fmt.Errorf("waiting for %s.%s: %w", table, column, err)
		}
		if cols[column] {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s.%s: %w", table, column, ctx.Err())
		case <-time.After(time.Millisecond):
		}
	}
}
