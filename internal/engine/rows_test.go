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
	for i := 0; i < n; i++ {
		pi := h.start("order", map[string]any{"order": map[string]any{"total": 9.99}})
		h.complete(h.job("charge-card").Key, map[string]any{"receipt": map[string]any{"id": "r"}})
		h.wantState(pi, store.StateCompleted)
	}
	got, total := perInstance(before, w.Rows(), n)
	stmts, totalStmts := perInstance(beforeStmts, w.Counts(), n)
	want := map[string]float64{
		"INSERT process_instances": 1, // created
		"UPDATE process_instances": 1, // completed
		"INSERT element_instances": 4, // the process, start event, task and end event
		"UPDATE element_instances": 2, // the process and the task completed
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
		"INSERT element_instances": 2, // the process, start event and task; the end event
		"UPDATE element_instances": 2,
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
