package engine

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// TestRowsPerOneTaskInstance pins the row writes (INSERT, UPDATE, DELETE
// statements SQLite runs) of a one-task instance (order.bpmn): created,
// its job activated, the job completed, each command in a batch of its own,
// the most an instance can cost. Each element instance is inserted once
// (the start event, which starts and completes in one batch, once as
// completed); rows stored by an earlier batch are updated, which leaves
// the indexes on columns that never change alone. A change that writes
// more (or fewer) rows per instance fails here, so that the write path's
// cost is noticed where it changes: update the table then.
func TestRowsPerOneTaskInstance(t *testing.T) {
	var w storetest.Writes
	h := newHarnessWith(t, Options{Store: store.Options{WrapWriter: w.Wrap}})
	h.deploy("order.bpmn")

	before, beforeStmts := w.Rows(), w.Counts()
	const n = 20
	runOneTaskInstances(h, n)
	got, total := perInstance(before, w.Rows(), n)
	stmts, totalStmts := perInstance(beforeStmts, w.Counts(), n)
	want := map[string]float64{
		"INSERT process_instances": 1, // created
		"UPDATE process_instances": 1, // completed
		// The start event, task and end event; the process's own element
		// instance is written with its process instance (its scope).
		"INSERT element_instances": 3,
		"UPDATE element_instances": 1, // the task completed
		"INSERT jobs":              1, // created
		"UPDATE jobs":              2, // activated, completed
		"INSERT variables":         4, // order, cents (input), receipt (the job's, local), receiptId (output)
		// The key counter, with the creating and the completing batch
		// (the job's activation makes no key).
		"INSERT meta": 2,
	}
	t.Logf("row writes per instance: %v (%.0f in all)", got, total)
	if !maps.Equal(got, want) {
		t.Errorf("row writes per one-task instance\n got %s\nwant %s", fmtCounts(got), fmtCounts(want))
	}
	// New rows of a table are inserted by one statement.
	wantStmts := map[string]float64{
		"INSERT process_instances": 1,
		"UPDATE process_instances": 1,
		"INSERT element_instances": 2, // start event and task; the end event
		"UPDATE element_instances": 1,
		"INSERT jobs":              1,
		"UPDATE jobs":              2,
		"INSERT variables":         2, // order and cents; receipt and receiptId
		"INSERT meta":              2,
	}
	t.Logf("statements per instance: %v (%.0f in all)", stmts, totalStmts)
	if !maps.Equal(stmts, wantStmts) {
		t.Errorf("statements per one-task instance\n got %s\nwant %s", fmtCounts(stmts), fmtCounts(wantStmts))
	}
}

// perInstance divides the growth of each count by n.
func perInstance(before, after map[string]int, n int) (map[string]float64, float64) {
	out, total := map[string]float64{}, 0.0
	for k, v := range after {
		if d := v - before[k]; d > 0 {
			out[k] = float64(d) / float64(n)
			total += out[k]
		}
	}
	return out, total
}

func fmtCounts(m map[string]float64) string {
	s := ""
	for _, k := range slices.Sorted(maps.Keys(m)) {
		s += fmt.Sprintf("%s=%.2f ", k, m[k])
	}
	return s
}

// TestBTreeWritesPerOneTaskInstance pins the B-tree entries (table rows and
// index entries, each insert or delete of one) SQLite writes for a one-task
// instance, as TestRowsPerOneTaskInstance pins its rows: each index costs
// a seek and a write in the committer, the engine's one serial thread, on
// every row that enters it, leaves it or, when an UPDATE names one of its
// columns, is rewritten in it (whatever the values). A change that writes
// more (or fewer) entries per instance fails here: update the table then.
func TestBTreeWritesPerOneTaskInstance(t *testing.T) {
	var bt storetest.BTreeWrites
	h := newHarnessWith(t, Options{Store: store.Options{WrapWriter: bt.Wrap}})
	h.deploy("order.bpmn")

	mark, pages := bt.Mark(), bt.PageFetches()
	const n = 20
	runOneTaskInstances(h, n)
	pages = bt.PageFetches() - pages
	counts, err := bt.Entries(h.ctx, h.e.Store().Path(), mark)
	if err != nil {
		t.Fatal(err)
	}
	got, total := perInstance(nil, counts, n)
	want := map[string]float64{
		"meta": 2,
		// Inserted, completed.
		"process_instances":             2,
		"process_instances_state_start": 3, // inserted; rewritten (the state changes)
		"process_instances_start":       1,
		"process_instances_definition":  1,
		// Finished instances only: entered on completion.
		"process_instances_state_ended": 1,
		"process_instances_root_ended":  1,
		// Three inserted (start event, task, end event), one completed
		// (the task); the process's own is its process instance's scope.
		// No index on the state: active ones are found through the active
		// process instances.
		"element_instances":    4,
		"element_instances_pi": 3,
		// Inserted, activated, completed. The activation leaves the
		// state (CREATED) as it was: it does not set it.
		"jobs":       3,
		"jobs_pi":    1,
		"jobs_state": 3,
		// Four inserted. No index on the instance: an instance's variables
		// are found through its scopes.
		"variables":             4,
		"variables_scope":       4,
		"variables_name_prefix": 4,
	}
	t.Logf("B-tree entries written per instance: %s(%.0f in all); the writer's page fetches per instance: %.0f", fmtCounts(got), total, float64(pages)/n)
	if !maps.Equal(got, want) {
		t.Errorf("B-tree entries per one-task instance\n got %s\nwant %s", fmtCounts(got), fmtCounts(want))
	}
}

// runOneTaskInstances runs n order.bpmn instances to their end, one at a
// time: created, their job activated, the job completed, each command in
// a batch of its own.
func runOneTaskInstances(h *harness, n int) {
	h.t.Helper()
	for i := 0; i < n; i++ {
		pi := h.start("order", map[string]any{"order": map[string]any{"total": 9.99}})
		h.complete(h.job("charge-card").Key, map[string]any{"receipt": map[string]any{"id": "r"}})
		h.wantState(pi, store.StateCompleted)
	}
}
