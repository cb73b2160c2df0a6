package store

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
)

// A data file written before Camunda 8.10's message subscription fields
// opens, gets the new columns, and its rows get the values they imply.
func TestMigrateMessageSubscriptions(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE process_definitions (
  key INTEGER PRIMARY KEY, process_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL,
  version_tag TEXT NOT NULL, resource_key INTEGER NOT NULL, resource_name TEXT NOT NULL,
  deployment_key INTEGER NOT NULL, checksum TEXT NOT NULL, tenant_id TEXT NOT NULL, deploy_time INTEGER)`,
		`CREATE TABLE message_subscriptions (
  key INTEGER PRIMARY KEY, process_id TEXT NOT NULL, process_definition_key INTEGER NOT NULL,
  process_instance_key INTEGER, root_process_instance_key INTEGER, element_id TEXT NOT NULL,
  element_instance_key INTEGER, state TEXT NOT NULL, last_updated_date INTEGER, message_name TEXT NOT NULL,
  correlation_key TEXT NOT NULL, tenant_id TEXT NOT NULL)`,
		`INSERT INTO process_definitions VALUES (10, 'p', 'Process P', 3, '', 1, 'p.bpmn', 2, 'c', '<default>', 0)`,
		`INSERT INTO message_subscriptions VALUES (11, 'p', 10, NULL, NULL, 'start', NULL, 'CREATED', 0, 'go', '', '<default>')`,
		`INSERT INTO message_subscriptions VALUES (12, 'p', 10, 20, 20, 'wait', 21, 'CREATED', 0, 'more', 'k', '<default>')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	for range 2 { // the second open finds nothing to do
		s, err := Open(ctx, dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		subs, err := LoadAll(ctx, s, func() *MessageSubscription { return new(MessageSubscription) }, "1=1 ORDER BY key")
		if err != nil {
			t.Fatal(err)
		}
		if len(subs) != 2 {
			t.Fatalf("%d subscriptions", len(subs))
		}
		start, wait := subs[0], subs[1]
		if start.Type() != SubscriptionStartEvent || start.ProcessDefinitionName != "Process P" || start.ProcessDefinitionVersion != 3 ||
			start.ToolName != "" || start.ToolProperties != nil {
			t.Errorf("start event subscription: %+v", start)
		}
		if wait.Type() != SubscriptionProcessEvent || wait.ProcessDefinitionVersion != 3 {
			t.Errorf("waiting subscription: %+v", wait)
		}
		page, err := Search(ctx, s, func() *MessageSubscription { return new(MessageSubscription) },
			Query{Where: []Cond{Raw("type = ?", SubscriptionStartEvent)}})
		if err != nil || len(page.Items) != 1 || page.Items[0].Key != 11 {
			t.Errorf("search by type: %v %+v", err, page)
		}
		s.Close()
	}
}

// A data file written before taken sequence flows were recorded opens; its
// instances have none recorded, and new ones are written and read back.
func TestMigrateTakenFlows(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`CREATE TABLE process_instances (
  key INTEGER PRIMARY KEY, process_definition_key INTEGER NOT NULL, process_id TEXT NOT NULL,
  process_name TEXT NOT NULL, version INTEGER NOT NULL, version_tag TEXT NOT NULL, state TEXT NOT NULL,
  start_date INTEGER, end_date INTEGER, has_incident INTEGER NOT NULL, tenant_id TEXT NOT NULL,
  parent_process_instance_key INTEGER, parent_element_instance_key INTEGER,
  root_process_instance_key INTEGER NOT NULL, tags TEXT, business_id TEXT NOT NULL)`,
		`INSERT INTO process_instances VALUES (20, 10, 'p', 'P', 1, '', 'ACTIVE', 0, NULL, 0, '<default>', NULL, NULL, 20, '[]', '')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	db.Close()

	s, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	old, found, err := Get(ctx, s, func() *ProcessInstance { return new(ProcessInstance) }, 20)
	if err != nil || !found || old.TakenFlows != nil || old.ProcessID != "p" {
		t.Fatalf("instance from before: %+v %v %v", old, found, err)
	}
	old.TakenFlows = []string{"f1", "f2"}
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put(ctx, old); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got, _, err := Get(ctx, s, func() *ProcessInstance { return new(ProcessInstance) }, 20)
	if err != nil || len(got.TakenFlows) != 2 || got.TakenFlows[1] != "f2" {
		t.Fatalf("taken flows read back: %+v %v", got, err)
	}
}

// An upgrade that fails part way (here a fill that cannot run) leaves the
// file as it was, every column of it undone, and the next upgrade adds and
// fills them all.
func TestMigrateFailsWhole(t *testing.T) {
	ctx := context.Background()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(t.TempDir(), FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2), (3)"); err != nil {
		t.Fatal(err)
	}
	double := addedColumn{"t", "b", "INTEGER", "UPDATE t SET b = 2 * a"}
	if err := migrateColumns(ctx, db, []addedColumn{double, {"t", "c", "INTEGER", "UPDATE t SET c = no_such_function(a)"}}); err == nil {
		t.Fatal("the upgrade with a broken fill succeeded")
	}
	cols, err := columnsOf(ctx, db, "t")
	if err != nil || cols["b"] || cols["c"] {
		t.Fatalf("after the failed upgrade the table has columns %v (%v), want only a", cols, err)
	}
	if err := migrateColumns(ctx, db, []addedColumn{double, {"t", "c", "INTEGER", "UPDATE t SET c = a + b"}}); err != nil {
		t.Fatal(err)
	}
	var sum int64
	if err := db.QueryRowContext(ctx, "SELECT sum(b) + sum(c) FROM t").Scan(&sum); err != nil || sum != 12+18 {
		t.Fatalf("filled columns sum to %d (%v), want 30", sum, err)
	}
}
