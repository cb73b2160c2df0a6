package store

import (
	"context"
	"database/sql"
	"fmt"
)

// addedColumn is a column added to a table after its first release: a
// data file made before gets it (ALTER TABLE) when opened, and fill sets
// it on the rows already there.
type addedColumn struct {
	table, column, decl string
	fill                string // an UPDATE statement, or ""
}

// addedColumns lists the columns added since the tables were first
// created, in the order they were added.
var addedColumns = []addedColumn{
	// Camunda 8.10's message subscription fields.
	{"message_subscriptions", "process_definition_name", "TEXT NOT NULL DEFAULT ''",
		"UPDATE message_subscriptions SET process_definition_name = COALESCE((SELECT p.name FROM process_definitions p " +
			"WHERE p.key = message_subscriptions.process_definition_key), '')"},
	{"message_subscriptions", "process_definition_version", "INTEGER NOT NULL DEFAULT 0",
		"UPDATE message_subscriptions SET process_definition_version = COALESCE((SELECT p.version FROM process_definitions p " +
			"WHERE p.key = message_subscriptions.process_definition_key), 0)"},
	{"message_subscriptions", "type", "TEXT NOT NULL DEFAULT 'PROCESS_EVENT'",
		"UPDATE message_subscriptions SET type = 'START_EVENT' WHERE element_instance_key IS NULL"},
	{"message_subscriptions", "tool_name", "TEXT", ""},
	{"message_subscriptions", "tool_properties", "TEXT", ""},
	{"message_subscriptions", "inbound_connector_type", "TEXT", ""},
	// The sequence flows a process instance took (GET
	// /v2/process-instances/{key}/sequence-flows); instances from before
	// have none recorded.
	{"process_instances", "taken_flows", "TEXT", ""},
	// A task listener's denial (isDenied, deniedReason in job searches).
	{"jobs", "is_denied", "INTEGER NOT NULL DEFAULT 0", ""},
	{"jobs", "denied_reason", "TEXT", ""},
	// The root process instance of an audit log entry's instance.
	{"audit_logs", "root_process_instance_key", "INTEGER",
		"UPDATE audit_logs SET root_process_instance_key = (SELECT p.root_process_instance_key FROM process_instances p " +
			"WHERE p.key = audit_logs.process_instance_key) WHERE process_instance_key IS NOT NULL"},
	// The process's own element instance of an active instance
	// (ProcessScope), which the engine wrote as an element_instances row of
	// type PROCESS before. Those rows stay, unread: element instance
	// searches and gets leave type PROCESS out, the restart reads the
	// scope from here, and the history cleanup deletes them with their
	// instance.
	{"process_instances", "scope", "TEXT",
		"UPDATE process_instances SET scope = (SELECT json_object('rt', json(e.runtime), 'inc', e.incident_key, " +
			"'hi', CASE WHEN e.has_incident THEN json('true') ELSE json('false') END) FROM element_instances e " +
			"WHERE e.key = process_instances.key AND e.type = 'PROCESS') WHERE state = 'ACTIVE'"},
}

// migrate adds the columns a data file made by an earlier version lacks,
// and fills them in, in one transaction: a process that stops in the middle
// (a kill, a power loss, a failed fill) leaves the file as it was, and the
// next open starts again. A column committed before its fill would be
// taken as done by the next open and stay empty.
func migrate(ctx context.Context, db *sql.DB) error {
	return migrateColumns(ctx, db, addedColumns)
}

func migrateColumns(ctx context.Context, db *sql.DB, added []addedColumn) (err error) {
	// The columns each table has, read before the transaction takes the
	// connection (the writer's pool has one).
	have := map[string]map[string]bool{}
	for _, c := range added {
		if _, ok := have[c.table]; !ok {
			if have[c.table], err = columnsOf(ctx, db, c.table); err != nil {
				return err
			}
		}
	}
	var tx *sql.Tx
	for _, c := range added {
		cols := have[c.table]
		if cols[c.column] {
			continue
		}
		if tx == nil {
			if tx, err = db.BeginTx(ctx, nil); err != nil {
				return fmt.Errorf("begin the upgrade: %w", err)
			}
			defer func() {
				if err != nil {
					_ = tx.Rollback()
				}
			}()
		}
		if _, err := tx.ExecContext(ctx, "ALTER TABLE "+c.table+" ADD COLUMN "+c.column+" "+c.decl); err != nil {
			return fmt.Errorf("add %s.%s: %w", c.table, c.column, err)
		}
		if c.fill != "" {
			if _, err := tx.ExecContext(ctx, c.fill); err != nil {
				return fmt.Errorf("fill %s.%s: %w", c.table, c.column, err)
			}
		}
		cols[c.column] = true
	}
	if tx == nil {
		return nil
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit the upgrade: %w", err)
	}
	return nil
}

func columnsOf(ctx context.Context, db *sql.DB, table string) (map[string]bool, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", table)
	if err != nil {
		return nil, fmt.Errorf("columns of %s: %w", table, err)
	}
	defer rows.Close()
	cols := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("columns of %s: %w", table, err)
		}
		cols[name] = true
	}
	return cols, rows.Err()
}
