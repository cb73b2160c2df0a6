package engine

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// The process's own element instance (type PROCESS) is not a row of
// element_instances: its scope (lifecycle, tokens, joins, incident) is
// stored with the process instance. A data file from before holds it as a
// row of element_instances and no scope column: opened, the file gets the
// column filled from those rows, and an instance that was waiting in a
// parallel join goes on where it stopped (its join's state lives in the
// process scope), across a restart too; the old row is read by nothing
// (the active element instances count the process once).
func TestProcessScopeRowsFromBeforeMigrate(t *testing.T) {
	h := newHarness(t)
	h.deploy("gateways.bpmn")
	pi := h.start("routing", map[string]any{"amount": 5000, "channels": []string{"mail", "sms"}})
	h.complete(h.job("risk").Key, nil) // the join holds one of its two tokens
	fraud := h.job("fraud")
	scope, err := do(h.ctx, h.e, func(w *writer) (store.ElementInstance, error) { return *w.st.insts[pi].rec, nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(scope.Runtime.Joins["join"]) != 1 {
		t.Fatalf("process scope before: %+v, want the join's token", scope.Runtime)
	}
	if rows, err := store.Select(h.ctx, h.e.Store(), func() *store.ElementInstance { return new(store.ElementInstance) }, "type = 'PROCESS'"); err != nil || len(rows) != 0 {
		t.Fatalf("%d element_instances rows of type PROCESS (%v), want none", len(rows), err)
	}
	if err := h.e.Close(); err != nil {
		t.Fatal(err)
	}
	h.e = nil

	// The file as the engine wrote it before: the process scope's row, no
	// scope column.
	s, err := store.Open(h.ctx, h.dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tx, err := s.Begin(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Put(h.ctx, &scope); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(h.dir, store.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), "ALTER TABLE process_instances DROP COLUMN scope"); err != nil {
		t.Fatal(err)
	}
	db.Close()

	h.open()
	counts, err := h.e.Store().ActiveElementInstanceCounts(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	process := 0
	for _, c := range counts {
		if c.Labels[0] == "PROCESS" {
			process += int(c.N)
		}
	}
	if process != 1 {
		t.Fatalf("active element instances of type PROCESS: %d (%v), want the one instance", process, counts)
	}
	h.restart()
	h.complete(fraud.Key, nil) // the join fires: both tokens are there
	h.complete(h.job("sms").Key, nil)
	h.restart()
	h.complete(h.job("mail").Key, nil)
	h.wantState(pi, store.StateCompleted)
	h.wantElements(pi, map[string][]string{
		"start": {"COMPLETED"}, "decide": {"COMPLETED"}, "fork": {"COMPLETED"},
		"risk": {"COMPLETED"}, "fraud": {"COMPLETED"}, "join": {"COMPLETED"}, "merge": {"COMPLETED"},
		"notify": {"COMPLETED"}, "sendMail": {"COMPLETED"}, "sendSms": {"COMPLETED"},
		"notified": {"COMPLETED"}, "end": {"COMPLETED"},
	})
	if got := h.instance(pi); got.Scope != nil {
		t.Fatalf("finished instance read back with a scope: %+v", got.Scope)
	}
	if sc, ok, err := h.instance(pi).StoredScope(); ok || err != nil {
		t.Fatalf("finished instance's stored scope: %+v, %v, %v; want none", sc, ok, err)
	}
}
