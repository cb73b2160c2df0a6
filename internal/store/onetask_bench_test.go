package store

import (
	"context"
	"syscall"
	"testing"
	"time"
)

// BenchmarkOneTaskRows writes, as the engine's committer does, the rows of
// one-task instances (order.bpmn's: the instance with its scope, three
// element instances, a job, four variables) in the engine's steady state:
// each transaction creates 20 instances, activates the jobs of the 20
// created before and completes the 20 before those (the rows
// TestRowsPerOneTaskInstance lists), synchronous=NORMAL (the fsync is not
// what is measured). One op is one instance; cpu-µs/op is the process's
// CPU time per instance (the committer is the engine's one serial thread,
// and its CPU per instance moves less with the machine's load than its wall
// time).
//
// indexes=session6 writes the same rows into a store given the indexes of
// the runtime tables as session 6 left them (process_instances_state_end
// and _root_end on every instance, element_instances_active, variables_pi,
// process_instances_root on every instance)
// and updates that set a job's state when its activation leaves it as it
// was: the cost this session's index cuts took away, side by side in one
// process.
//
// indexes=now/mutex=sqlite runs the writer's connection with the SQLite
// connection mutex the driver opens it with (nomutex.go takes it away): what
// that mutex costs the committer.
//
// indexes=now/rows=session7 writes the rows as the engine did before
// session 8: the process's own element instance as a row of
// element_instances (type PROCESS, inserted and completed) instead of the
// process instance's scope column.
//
// indexes=now/bind=driver has the driver bind and execute every statement,
// as before session 10 (directexec.go executes them through SQLite's C API):
// what the driver's binding costs the committer.
func BenchmarkOneTaskRows(b *testing.B) {
	for _, shape := range []string{"now", "session6", "now/mutex=sqlite", "now/rows=session7", "now/bind=driver"} {
		b.Run("indexes="+shape, func(b *testing.B) {
			benchOneTaskRows(b, shape == "session6", shape == "now/mutex=sqlite", shape == "now/rows=session7", shape == "now/bind=driver")
		})
	}
}

func benchOneTaskRows(b *testing.B, session6, connMutex, processRow, bindViaDriver bool) {
	ctx := context.Background()
	s, err := Open(ctx, b.TempDir(), Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	s.binder.viaDriver = bindViaDriver
	if connMutex {
		restoreConnMutex(b, s.write)
	}
	if session6 {
		if _, err := s.write.ExecContext(ctx, `DROP INDEX process_instances_state_ended;
CREATE INDEX process_instances_state_end ON process_instances (state, end_date);
DROP INDEX process_instances_root_ended;
CREATE INDEX process_instances_root_end ON process_instances (end_date) WHERE parent_process_instance_key IS NULL;
DROP INDEX process_instances_root_called;
CREATE INDEX process_instances_root ON process_instances (root_process_instance_key);
CREATE INDEX element_instances_active ON element_instances (state) WHERE state = 'ACTIVE';
CREATE INDEX variables_pi ON variables (process_instance_key);`); err != nil {
			b.Fatal(err)
		}
	}
	type instance struct {
		pi                     *ProcessInstance
		proc, start, task, end *ElementInstance
		job                    *Job
		vars                   [4]*Variable
	}
	const batch = 20
	key := int64(1 << 20)
	next := func() int64 { key++; return key }
	now := time.UnixMilli(1_700_000_000_000)
	create := func() *instance {
		in := &instance{}
		k := next()
		in.pi = &ProcessInstance{Key: k, ProcessDefinitionKey: 7, ProcessID: "order", ProcessName: "Order", Version: 1,
			State: StateActive, StartDate: now, TenantID: "<default>", RootProcessInstanceKey: k}
		ei := func(id, typ, state string) *ElementInstance {
			return &ElementInstance{Key: next(), ProcessInstanceKey: k, RootProcessInstanceKey: k, ProcessDefinitionKey: 7,
				ProcessID: "order", ElementID: id, ElementName: id, Type: typ, State: state, StartDate: now, TenantID: "<default>",
				FlowScopeKey: k, Runtime: ScopeRuntime{Lifecycle: "ACTIVATED"}}
		}
		in.proc = ei("order", "PROCESS", StateActive)
		in.proc.Key, in.proc.FlowScopeKey = k, 0
		if !processRow {
			in.pi.Scope = in.proc
		}
		in.start = ei("start", "START_EVENT", StateCompleted)
		in.start.EndDate = now
		in.task = ei("charge", "SERVICE_TASK", StateActive)
		in.job = &Job{Key: next(), Type: "charge-card", State: "CREATED", Kind: "BPMN_ELEMENT", ListenerEventType: "UNSPECIFIED",
			Retries: 3, CustomHeaders: map[string]string{"method": "card"}, CreationTime: now, LastUpdateTime: now,
			ElementID: "charge", ElementInstanceKey: in.task.Key, ProcessInstanceKey: k, RootProcessInstanceKey: k,
			ProcessDefinitionKey: 7, ProcessID: "order", ProcessVersion: 1, TenantID: "<default>"}
		v := func(name, value string, scope int64) *Variable {
			return &Variable{Key: next(), Name: name, Value: value, ScopeKey: scope, ProcessInstanceKey: k,
				RootProcessInstanceKey: k, ProcessDefinitionKey: 7, ProcessID: "order", TenantID: "<default>"}
		}
		in.vars[0] = v("order", `{"total":9.99}`, k)
		in.vars[1] = v("cents", `999`, in.task.Key)
		return in
	}
	var rows Rows
	var created, activated []*instance
	cpu := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	b.ResetTimer()
	cpu0 := cpu()
	for done := 0; done < b.N; {
		rows.Reset()
		newFrom := key + 1
		add := func(r Record) {
			if err := rows.AddNewFrom(r, newFrom); err != nil {
				b.Fatal(err)
			}
		}
		// Complete the instances activated in the last transaction.
		for _, in := range activated {
			in.job.State, in.job.EndTime, in.job.LastUpdateTime = "COMPLETED", now, now
			add(in.job)
			in.vars[2] = &Variable{Key: next(), Name: "receipt", Value: `{"id":"r"}`, ScopeKey: in.task.Key,
				ProcessInstanceKey: in.pi.Key, RootProcessInstanceKey: in.pi.Key, ProcessDefinitionKey: 7, ProcessID: "order", TenantID: "<default>"}
			in.vars[3] = &Variable{Key: next(), Name: "receiptId", Value: `"r"`, ScopeKey: in.pi.Key,
				ProcessInstanceKey: in.pi.Key, RootProcessInstanceKey: in.pi.Key, ProcessDefinitionKey: 7, ProcessID: "order", TenantID: "<default>"}
			add(in.vars[2])
			add(in.vars[3])
			in.task.State, in.task.EndDate, in.task.Runtime.Lifecycle = StateCompleted, now, "COMPLETED"
			add(in.task)
			in.end = &ElementInstance{Key: next(), ProcessInstanceKey: in.pi.Key, RootProcessInstanceKey: in.pi.Key,
				ProcessDefinitionKey: 7, ProcessID: "order", ElementID: "end", ElementName: "end", Type: "END_EVENT",
				State: StateCompleted, StartDate: now, EndDate: now, TenantID: "<default>", FlowScopeKey: in.pi.Key}
			add(in.end)
			in.proc.State, in.proc.EndDate, in.proc.Runtime.Lifecycle = StateCompleted, now, "COMPLETED"
			if processRow {
				add(in.proc)
			}
			in.pi.State, in.pi.EndDate = StateCompleted, now
			add(in.pi)
			done++
		}
		// Activate the jobs of the instances created in the last one.
		for _, in := range created {
			in.job.Worker, in.job.Deadline, in.job.Activated, in.job.LastUpdateTime = "bench", now.Add(time.Minute), true, now
			if session6 {
				in.job.sealedState = "" // set the state, as updates did
			}
			add(in.job)
		}
		activated, created = created, nil
		// Create new ones.
		for range batch {
			in := create()
			created = append(created, in)
			for _, r := range []Record{in.pi, in.start, in.task, in.job, in.vars[0], in.vars[1]} {
				add(r)
			}
			if processRow {
				add(in.proc)
			}
		}
		tx, err := s.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.Write(ctx, &rows); err != nil {
			b.Fatal(err)
		}
		if err := tx.SetMeta(ctx, "key", key); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpu()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
}
