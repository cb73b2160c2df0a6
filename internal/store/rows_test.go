package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRowsUpdateOrInsert: rows written with AddNewFrom are updated when a
// transaction stored them before, inserted when none did (a key older than
// newFrom that was never written), and the row read back is the record as
// it was when it was encoded, not as it is when the transaction writes it.
func TestRowsUpdateOrInsert(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	start := time.UnixMilli(1_700_000_000_000).UTC()
	pi := &ProcessInstance{Key: 10, ProcessDefinitionKey: 1, ProcessID: "p", State: StateActive, StartDate: start,
		RootProcessInstanceKey: 10, TenantID: "<default>", TakenFlows: []string{"f1"}}
	if err := writeRecords(t, s, 10, pi); err != nil { // new: inserted
		t.Fatal(err)
	}

	// Stored: updated. Changed after encoding: the encoded values are written.
	pi.State, pi.EndDate, pi.TakenFlows = StateCompleted, start.Add(time.Second), []string{"f1", "f2"}
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows Rows
	if err := rows.AddNewFrom(pi, 11); err != nil {
		t.Fatal(err)
	}
	orphan := &ProcessInstance{Key: 5, ProcessDefinitionKey: 1, ProcessID: "p", State: StateActive, StartDate: start,
		RootProcessInstanceKey: 5, TenantID: "<default>"}
	if err := rows.AddNewFrom(orphan, 11); err != nil { // older key, never stored: inserted
		t.Fatal(err)
	}
	pi.State = "CHANGED-LATER"
	if err := tx.Write(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}

	got, ok, err := Get(ctx, s, func() *ProcessInstance { return new(ProcessInstance) }, 10)
	if err != nil || !ok {
		t.Fatalf("get 10: %v %v", ok, err)
	}
	if got.State != StateCompleted || !got.EndDate.Equal(start.Add(time.Second)) || len(got.TakenFlows) != 2 ||
		!got.StartDate.Equal(start) || got.RootProcessInstanceKey != 10 {
		t.Fatalf("updated row: %+v", got)
	}
	if _, ok, err := Get(ctx, s, func() *ProcessInstance { return new(ProcessInstance) }, 5); err != nil || !ok {
		t.Fatalf("row with an old key never stored: found %v, %v", ok, err)
	}
	// The indexes still find the updated row by its new state.
	done, err := Select(ctx, s, func() *ProcessInstance { return new(ProcessInstance) }, "state = ?", StateCompleted)
	if err != nil || len(done) != 1 || done[0].Key != 10 {
		t.Fatalf("completed instances: %v, %v", done, err)
	}
}

// TestRowsInsertedManyToAStatement: new rows of several tables, more than
// one INSERT statement holds, interleaved, are each stored once with their
// own values.
func TestRowsInsertedManyToAStatement(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows Rows
	const n = 2*maxRowsPerInsert + 3
	for i := int64(1); i <= n; i++ {
		v := &Variable{Key: 1000 + i, Name: fmt.Sprintf("v%d", i), Value: fmt.Sprintf("%d", i), ScopeKey: 7, ProcessInstanceKey: 7, RootProcessInstanceKey: 7, TenantID: "<default>"}
		ei := &ElementInstance{Key: 2000 + i, ProcessInstanceKey: 7, RootProcessInstanceKey: 7, ElementID: fmt.Sprintf("e%d", i), State: StateActive, TenantID: "<default>",
			Runtime: ScopeRuntime{Lifecycle: "ACTIVATED", ActiveChildren: int(i)}}
		if err := rows.AddNewFrom(v, 1000); err != nil {
			t.Fatal(err)
		}
		if err := rows.AddNewFrom(ei, 1000); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Write(ctx, &rows); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	vs, err := Select(ctx, s, func() *Variable { return new(Variable) }, "scope_key = 7 ORDER BY key")
	if err != nil || len(vs) != n {
		t.Fatalf("%d variables stored, want %d: %v", len(vs), n, err)
	}
	eis, err := Select(ctx, s, func() *ElementInstance { return new(ElementInstance) }, "process_instance_key = 7 ORDER BY key")
	if err != nil || len(eis) != n {
		t.Fatalf("%d element instances stored, want %d: %v", len(eis), n, err)
	}
	for i := range n {
		if v := vs[i]; v.Key != int64(1001+i) || v.Name != fmt.Sprintf("v%d", i+1) || v.Value != fmt.Sprint(i+1) {
			t.Errorf("variable %d: %+v", i+1, v)
		}
		if ei := eis[i]; ei.Key != int64(2001+i) || ei.ElementID != fmt.Sprintf("e%d", i+1) || ei.Runtime.ActiveChildren != i+1 {
			t.Errorf("element instance %d: %+v", i+1, ei)
		}
	}
}

// TestRowsEncodeReplacesAndSealsOnce: a record Encode writes again (it
// changed since) replaces its row in place, and Seal decides once, from
// the last encoding, whether the update may leave the indexed state out.
// A job stored CREATED, encoded COMPLETED and then again COMPLETED in the
// same batch must have its state written: deciding at each encoding would
// take the second for "unchanged" and leave CREATED in the store.
func TestRowsEncodeReplacesAndSealsOnce(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	now := time.UnixMilli(1_700_000_000_000).UTC()
	job := &Job{Key: 20, Type: "t", State: JobCreated, Kind: "BPMN_ELEMENT", CreationTime: now, LastUpdateTime: now,
		ElementID: "task", ElementInstanceKey: 19, ProcessInstanceKey: 10, RootProcessInstanceKey: 10,
		ProcessDefinitionKey: 1, ProcessID: "p", TenantID: "<default>"}
	v := &Variable{Key: 21, Name: "x", Value: "1", ScopeKey: 10, ProcessInstanceKey: 10, RootProcessInstanceKey: 10, ProcessDefinitionKey: 1, ProcessID: "p", TenantID: "<default>"}
	commit := func(rows *Rows) {
		t.Helper()
		rows.Seal()
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.Write(ctx, rows); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var rows Rows
	if _, err := rows.Encode(-1, job, 20); err != nil { // new: inserted
		t.Fatal(err)
	}
	commit(&rows)

	rows.Reset()
	job.State, job.Worker = JobCompleted, "w1"
	i, err := rows.Encode(-1, job, 30)
	if err != nil {
		t.Fatal(err)
	}
	vi, err := rows.Encode(-1, v, 30)
	if err != nil {
		t.Fatal(err)
	}
	job.Worker = "w2" // changed again by a later command
	if err := rows.Check(i, job, 30); err == nil || !strings.Contains(err.Error(), "column worker changed") {
		t.Fatalf("Check of a changed record: %v, want the worker column named", err)
	}
	if j, err := rows.Encode(i, job, 30); err != nil || j != i {
		t.Fatalf("encode again into row %d: row %d, %v", i, j, err)
	}
	if err := rows.Check(i, job, 30); err != nil {
		t.Fatalf("Check after encoding again: %v", err)
	}
	if rows.Len() != 2 || rows.Check(vi, v, 30) != nil {
		t.Fatalf("%d rows after encoding the job twice, want 2 (the job's replaced in place)", rows.Len())
	}
	commit(&rows)
	got, ok, err := Get(ctx, s, func() *Job { return new(Job) }, 20)
	if err != nil || !ok {
		t.Fatalf("get job: %v %v", ok, err)
	}
	if got.State != JobCompleted || got.Worker != "w2" {
		t.Fatalf("stored job: state %s worker %q, want %s and the last change w2", got.State, got.Worker, JobCompleted)
	}
	if _, ok, err := Get(ctx, s, func() *Variable { return new(Variable) }, 21); err != nil || !ok {
		t.Fatalf("variable encoded between the job's encodings: found %v, %v", ok, err)
	}
}
