package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store/storetest"
)

// wholeTable is a plan step that reads every process instance.
var wholeTable = regexp.MustCompile(`^SCAN process_instances( AS \w+)?$`)

// explainPlan is how SQLite runs q: the details of its query plan.
func explainPlan(t *testing.T, db *sql.DB, q string, args ...any) string {
	t.Helper()
	plan, err := storetest.QueryPlan(context.Background(), db, q, args...)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(plan, "; ")
}

// A call tree is its root and the instances called below it, at any depth,
// found through the partial index of called instances by their root
// (process_instances_root_called, which holds no entry for a root): the
// history cleanup's trees, an instance's element statistics and the
// incidents below an element instance read them so, and none reads the
// process instances whole.
func TestCallTreesUseTheIndexOfCalledInstances(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.UnixMilli(1_700_000_000_000)
	pi := func(key, parent, root int64, state string) *ProcessInstance {
		p := &ProcessInstance{Key: key, ProcessDefinitionKey: 7, ProcessID: "p", ProcessName: "P", Version: 1,
			State: state, StartDate: now, TenantID: "<default>", ParentProcessInstanceKey: parent,
			RootProcessInstanceKey: root}
		if state != StateActive {
			p.EndDate = now
		}
		return p
	}
	// Root 10 called 11, which called 12: all finished. Root 20 called 21,
	// still active. Root 30 called nothing. Root 40 is active.
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []*ProcessInstance{
		pi(10, 0, 10, StateCompleted), pi(11, 10, 10, StateCompleted), pi(12, 11, 10, StateCompleted),
		pi(20, 0, 20, StateCompleted), pi(21, 20, 20, StateActive),
		pi(30, 0, 30, StateCompleted), pi(40, 0, 40, StateActive),
	} {
		if err := tx.Put(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var entries int
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM process_instances INDEXED BY process_instances_root_called WHERE parent_process_instance_key IS NOT NULL").Scan(&entries); err != nil {
		t.Fatal(err)
	}
	if entries != 3 {
		t.Fatalf("%d entries in the index of called instances, want 3 (11, 12, 21: no root)", entries)
	}

	keys := func(q string, args ...any) []int64 {
		t.Helper()
		rows, err := s.read.QueryContext(ctx, q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []int64
		for rows.Next() {
			var k int64
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	for root, want := range map[int64][]int64{10: {10, 11, 12}, 20: {20, 21}, 30: {30}, 40: {40}, 11: nil} {
		if got := keys(treeKeys("?"), root, root); !slices.Equal(got, want) {
			t.Errorf("tree of %d: %v, want %v", root, got, want)
		}
	}
	roots, _ := json.Marshal([]int64{10, 20, 30, 40})
	if got, want := keys("SELECT key FROM ("+finishedTreesSQL+")", string(roots)), []int64{10, 11, 12, 30}; !slices.Equal(got, want) {
		t.Errorf("finished trees of 10, 20, 30, 40: %v, want %v (20 and 40 have an active instance)", got, want)
	}

	below, args, _ := RawSQL(IncidentsBelow(5, 10))
	for _, q := range []struct {
		what string
		sql  string
		args []any
	}{
		{"the history cleanup's trees", finishedTreesSQL, []any{string(roots)}},
		{"an instance's element statistics", instanceStatisticsSQL, []any{int64(12), int64(12), int64(12)}},
		{"the incidents below an element instance", "SELECT key FROM incidents WHERE " + below, args},
	} {
		plan := explainPlan(t, s.read, q.sql, q.args...)
		if !strings.Contains(plan, "process_instances_root_called") {
			t.Errorf("%s: does not use the index of called instances: %s", q.what, plan)
		}
		for _, step := range strings.Split(plan, "; ") {
			if wholeTable.MatchString(step) {
				t.Errorf("%s: reads the process instances whole (%s): %s", q.what, step, plan)
			}
		}
	}
}

// A data file made before the index of called instances had every
// instance in process_instances_root: opening it drops that index and
// builds the partial one from the instances there.
func TestOpenReplacesTheIndexOfEveryInstanceByRoot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	// The file as the version before left it, with a root and an instance
	// it called.
	if _, err := s.write.ExecContext(ctx, `DROP INDEX process_instances_root_called;
CREATE INDEX process_instances_root ON process_instances (root_process_instance_key);
INSERT INTO process_instances (key, process_definition_key, process_id, process_name, version, version_tag, state,
  has_incident, tenant_id, parent_process_instance_key, root_process_instance_key, business_id)
VALUES (1, 7, 'p', 'P', 1, '', 'ACTIVE', 0, '<default>', NULL, 1, ''), (2, 7, 'p', 'P', 1, '', 'ACTIVE', 0, '<default>', 1, 1, '')`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, dir, Options{Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var indexes []string
	rows, err := s.read.QueryContext(ctx, "SELECT name FROM sqlite_schema WHERE type = 'index' AND name LIKE 'process_instances_root%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		indexes = append(indexes, n)
	}
	rows.Close()
	if want := []string{"process_instances_root_called", "process_instances_root_ended"}; !slices.Equal(indexes, want) {
		t.Fatalf("indexes after the upgrade: %v, want %v", indexes, want)
	}
	var called []int64
	rows, err = s.read.QueryContext(ctx, treeKeys("?"), 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k int64
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		called = append(called, k)
	}
	rows.Close()
	if slices.Sort(called); !slices.Equal(called, []int64{1, 2}) {
		t.Fatalf("tree of 1 after the upgrade: %v, want [1 2]", called)
	}
}
