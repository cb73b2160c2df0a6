package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// History retention: finished root process instances (with the instances
// they called), and every row that belongs to them, are deleted once their
// time to live has passed. The engine decides when (see engine/retention.go);
// the store finds the candidates on the read pool and deletes them in the
// writer's transaction, in bounded slices.

// instanceTables are the tables whose rows belong to one process instance,
// by their process_instance_key column (each has an index on it, but
// variables: instanceRows). A table added for instances (taken sequence
// flows, audit entries, agent instances) joins this list, and its rows go
// with their instance. Variables go before element instances, through
// which they are found.
var instanceTables = []string{
	"variables", "element_instances", "jobs", "user_tasks", "incidents", "message_subscriptions",
	"timers", "signal_subscriptions", "decision_instances", "audit_logs", "agent_history", "agent_instances",
}

// FinishedRoots lists, oldest first, up to limit root process instances
// that ended before cutoff (and are not active). It reads the read pool.
func (s *Store) FinishedRoots(ctx context.Context, cutoff time.Time, limit int) ([]int64, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT key FROM process_instances INDEXED BY process_instances_root_ended
WHERE parent_process_instance_key IS NULL AND end_date < ? AND state <> 'ACTIVE' ORDER BY end_date LIMIT ?`,
		cutoff.UnixMilli(), limit)
	if err != nil {
		return nil, fmt.Errorf("find finished instances: %w", err)
	}
	defer rows.Close()
	var keys []int64
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			return nil, fmt.Errorf("find finished instances: %w", err)
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}

// HasExpiredHistory says whether rows other than process instance trees
// are past their time to live: decision instances evaluated outside any
// process instance before decisionCutoff; messages expired, audit log
// entries of no existing process instance written, and fired or withdrawn
// timer start events due before cutoff.
func (s *Store) HasExpiredHistory(ctx context.Context, cutoff, decisionCutoff time.Time) (bool, error) {
	var n int
	err := s.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM decision_instances INDEXED BY decision_instances_standalone
WHERE process_instance_key IS NULL AND evaluation_date < ?1) OR EXISTS (SELECT 1 FROM messages
WHERE state = 'EXPIRED' AND expire_time < ?2) OR EXISTS (SELECT 1 FROM audit_logs INDEXED BY audit_logs_timestamp
WHERE timestamp < ?2 AND `+auditWithoutInstance+`) OR EXISTS (SELECT 1 FROM timers INDEXED BY timers_start_done
WHERE process_instance_key IS NULL AND state <> 'CREATED' AND due_date < ?2)`, decisionCutoff.UnixMilli(), cutoff.UnixMilli()).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("find expired history: %w", err)
	}
	return n != 0, nil
}

// auditWithoutInstance selects the audit log entries that belong to no
// existing process instance: those about other things (definitions,
// decisions, reads through MCP tools, ...) and those that name an instance
// that never existed or is gone. An instance's own entries go with it.
const auditWithoutInstance = `(audit_logs.process_instance_key IS NULL OR NOT EXISTS
(SELECT 1 FROM process_instances WHERE process_instances.key = audit_logs.process_instance_key))`

// instanceRows is the condition that selects the rows of table that
// belong to the process instances of keys (an SQL list or subquery). A
// variable is found through its scope, which is the process instance or
// one of its element instances: variables have no index on their instance.
func instanceRows(table, keys string) string {
	if table == "variables" {
		return "process_instance_key IN " + keys + " AND (scope_key IN " + keys +
			" OR scope_key IN (SELECT key FROM element_instances WHERE process_instance_key IN " + keys + "))"
	}
	return "process_instance_key IN " + keys
}

// treeKeys is a query of the keys of the process instances in the call
// tree of the root instance root (an SQL expression, which it uses twice):
// the root, found by its key, and the instances called below it, which
// alone have a parent and are indexed by their root
// (process_instances_root_called).
func treeKeys(root string) string {
	return "SELECT key FROM process_instances WHERE key = " + root + " AND parent_process_instance_key IS NULL" +
		" UNION ALL SELECT key FROM process_instances WHERE parent_process_instance_key IS NOT NULL AND root_process_instance_key = " + root
}

// finishedTreesSQL lists the process instances (key, root) of the trees
// of the roots in the JSON array ?1 (as treeKeys finds them), without the
// trees that have an active instance.
const finishedTreesSQL = `WITH roots(k) AS (SELECT value FROM json_each(?1)),
tree(key, root, live) AS (
  SELECT key, root_process_instance_key, state = 'ACTIVE' OR end_date IS NULL FROM process_instances
  WHERE key IN roots AND parent_process_instance_key IS NULL
  UNION ALL
  SELECT key, root_process_instance_key, state = 'ACTIVE' OR end_date IS NULL FROM process_instances
  WHERE parent_process_instance_key IS NOT NULL AND root_process_instance_key IN roots)
SELECT key, root FROM tree WHERE root NOT IN (SELECT root FROM tree WHERE live)`

// HistoryDeletion is what one DeleteHistory call removed.
type HistoryDeletion struct {
	// Instances are the process instance rows deleted (roots and the
	// instances they called); Rows all rows deleted, instances included.
	Instances int
	Rows      int
	// Done lists the roots whose trees are gone; a root whose tree was
	// left partly deleted (the row budget ran out) or that has an active
	// instance in its tree is not in it.
	Done []int64
	// More is true when the row budget ran out before everything asked
	// for was deleted.
	More bool
}

// DeleteHistory deletes, in this transaction, the trees of the given
// finished root process instances (the roots, the instances they called
// and all their rows), decision instances evaluated outside any process
// instance before decisionCutoff, and, before cutoff, expired messages,
// audit log entries of no existing process instance and fired or withdrawn
// timer start events; at most maxRows rows in all. A tree with an active process instance is left
// alone. An instance's own row goes last, so that a tree left half
// deleted (budget, crash) is found and finished by a later call. It runs in
// a savepoint: when it fails, it leaves the transaction as it found it, and
// the rest of the transaction may commit without it. When the savepoint
// cannot be undone (SQLite rolled back the whole transaction under the
// failed deletion), the transaction is lost: its later steps and its
// Commit fail with the deletion's error (Tx.lost).
func (t *Tx) DeleteHistory(ctx context.Context, roots []int64, cutoff, decisionCutoff time.Time, maxRows int) (HistoryDeletion, error) {
	if t.lost != nil {
		return HistoryDeletion{}, t.lost
	}
	if _, err := t.tx.ExecContext(ctx, "SAVEPOINT history_cleanup"); err != nil {
		return HistoryDeletion{}, fmt.Errorf("history cleanup: %w", err)
	}
	d, err := t.deleteHistory(ctx, roots, cutoff, decisionCutoff, maxRows)
	if err != nil {
		if _, rerr := t.tx.ExecContext(ctx, "ROLLBACK TO history_cleanup"); rerr != nil {
			err = fmt.Errorf("history cleanup: %w", errors.Join(err, rerr))
			t.lost = fmt.Errorf("the transaction was lost under a failed history cleanup: %w", err)
			return HistoryDeletion{}, err
		}
		d = HistoryDeletion{}
	}
	if _, rerr := t.tx.ExecContext(ctx, "RELEASE history_cleanup"); rerr != nil {
		err = fmt.Errorf("history cleanup: %w", errors.Join(err, rerr))
		t.lost = fmt.Errorf("the transaction was lost under a failed history cleanup: %w", err)
		return HistoryDeletion{}, err
	}
	return d, err
}

func (t *Tx) deleteHistory(ctx context.Context, roots []int64, cutoff, decisionCutoff time.Time, maxRows int) (HistoryDeletion, error) {
	var d HistoryDeletion
	budget := maxRows
	exec := func(what, q string, args ...any) (int, error) {
		res, err := t.tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, fmt.Errorf("delete %s: %w", what, err)
		}
		n, _ := res.RowsAffected()
		d.Rows += int(n)
		budget -= int(n)
		return int(n), nil
	}
	if len(roots) > 0 {
		rootsJSON, _ := json.Marshal(roots)
		// The trees (treeKeys), without those that have an active instance.
		rows, err := t.tx.QueryContext(ctx, finishedTreesSQL, string(rootsJSON))
		if err != nil {
			return d, fmt.Errorf("read finished instance trees: %w", err)
		}
		var keys []int64
		done := map[int64]bool{}
		for rows.Next() {
			var k, root int64
			if err := rows.Scan(&k, &root); err != nil {
				rows.Close()
				return d, fmt.Errorf("read finished instance trees: %w", err)
			}
			keys = append(keys, k)
			done[root] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return d, fmt.Errorf("read finished instance trees: %w", err)
		}
		keysJSON, _ := json.Marshal(keys)
		for _, table := range instanceTables {
			if budget <= 0 {
				d.More = true
				return d, nil
			}
			n, err := exec(table, "DELETE FROM "+table+" WHERE rowid IN (SELECT rowid FROM "+table+
				" WHERE "+instanceRows(table, "(SELECT value FROM json_each(?1))")+" LIMIT ?2)", string(keysJSON), budget)
			if err != nil {
				return d, err
			}
			if budget <= 0 && n > 0 {
				// Maybe more rows of this table: try again next time.
				d.More = true
				return d, nil
			}
		}
		n, err := exec("process_instances", "DELETE FROM process_instances WHERE key IN (SELECT value FROM json_each(?))", string(keysJSON))
		if err != nil {
			return d, err
		}
		d.Instances = n
		for _, r := range roots {
			if done[r] {
				d.Done = append(d.Done, r)
			}
		}
	}
	if budget > 0 {
		if _, err := exec("decision instances", `DELETE FROM decision_instances WHERE rowid IN (SELECT rowid FROM decision_instances
INDEXED BY decision_instances_standalone WHERE process_instance_key IS NULL AND evaluation_date < ? LIMIT ?)`,
			decisionCutoff.UnixMilli(), budget); err != nil {
			return d, err
		}
	}
	if budget > 0 {
		if _, err := exec("messages", `DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages
WHERE state = 'EXPIRED' AND expire_time < ? LIMIT ?)`, cutoff.UnixMilli(), budget); err != nil {
			return d, err
		}
	}
	if budget > 0 {
		if _, err := exec("audit log entries", `DELETE FROM audit_logs WHERE rowid IN (SELECT rowid FROM audit_logs
INDEXED BY audit_logs_timestamp WHERE timestamp < ? AND `+auditWithoutInstance+` LIMIT ?)`, cutoff.UnixMilli(), budget); err != nil {
			return d, err
		}
	}
	if budget > 0 {
		if _, err := exec("timer start events", `DELETE FROM timers WHERE rowid IN (SELECT rowid FROM timers
INDEXED BY timers_start_done WHERE process_instance_key IS NULL AND state <> 'CREATED' AND due_date < ? LIMIT ?)`,
			cutoff.UnixMilli(), budget); err != nil {
			return d, err
		}
	}
	if budget <= 0 {
		d.More = true
	}
	return d, nil
}

// Size is the database's size: its pages (the file once the write-ahead
// log is checkpointed) and how many of them are free for reuse.
type Size struct {
	Bytes     int64
	FreeBytes int64
}

// DatabaseSize reads the database's size.
func (s *Store) DatabaseSize(ctx context.Context) (Size, error) {
	var pages, free, pageSize int64
	err := s.read.QueryRowContext(ctx, "SELECT (SELECT page_count FROM pragma_page_count()), (SELECT freelist_count FROM pragma_freelist_count()), (SELECT page_size FROM pragma_page_size())").
		Scan(&pages, &free, &pageSize)
	if err != nil && err != sql.ErrNoRows {
		return Size{}, fmt.Errorf("database size: %w", err)
	}
	return Size{Bytes: pages * pageSize, FreeBytes: free * pageSize}, nil
}

// CountRows counts the rows of a table (for tests and diagnostics).
func (s *Store) CountRows(ctx context.Context, table string) (int64, error) {
	if _, ok := tables[table]; !ok {
		return 0, fmt.Errorf("count rows: no table %q", table)
	}
	var n int64
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		return 0, fmt.Errorf("count rows of %s: %w", table, err)
	}
	return n, nil
}

// OrphanRows counts, per instance table, the rows whose process instance
// is gone: none should be, whatever the cleanup went through.
func (s *Store) OrphanRows(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, table := range instanceTables {
		var n int64
		err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM "+table+
			" WHERE process_instance_key IS NOT NULL AND process_instance_key NOT IN (SELECT key FROM process_instances)").Scan(&n)
		if err != nil {
			return nil, fmt.Errorf("count orphan rows of %s: %w", table, err)
		}
		if n > 0 {
			out[table] = n
		}
	}
	return out, nil
}

// HistoryTables are the tables the history cleanup deletes from: the
// instance tables, process instances, decision instances and messages.
func HistoryTables() []string {
	return append([]string{"process_instances"}, append(instanceTables[:len(instanceTables):len(instanceTables)], "messages")...)
}
