package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

const auditParent = `<bpmn:process id="auditParent" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="call" />
  <bpmn:callActivity id="call"><bpmn:extensionElements><zeebe:calledElement processId="auditChild" /></bpmn:extensionElements></bpmn:callActivity>
</bpmn:process>
<bpmn:process id="auditChild" isExecutable="true">
  <bpmn:startEvent id="cs" />
  <bpmn:sequenceFlow id="c1" sourceRef="cs" targetRef="work" />
  <bpmn:serviceTask id="work"><bpmn:extensionElements><zeebe:taskDefinition type="audit-work" /></bpmn:extensionElements></bpmn:serviceTask>
  <bpmn:sequenceFlow id="c2" sourceRef="work" targetRef="review" />
  <bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
</bpmn:process>`

// Audit log entries naming a process instance, a user task or a job get
// its tenant and root process instance: from the engine's state while it
// runs, from the store once it is done (after a restart too).
func TestAuditEntriesCarryRootAndTenant(t *testing.T) {
	h := newHarness(t)
	h.deployXML("audit.bpmn", auditParent)
	parent := h.start("auditParent", nil)
	job := h.job("audit-work")
	child := job.ProcessInstanceKey
	if child == parent {
		t.Fatal("the job is not the called instance's")
	}
	record := func(rows ...*store.AuditLog) []*store.AuditLog {
		t.Helper()
		for _, r := range rows {
			r.ActorType, r.Result, r.Category, r.EntityType, r.OperationType, r.Endpoint = "ANONYMOUS", "SUCCESS", "ADMIN", "PROCESS_INSTANCE", "UNKNOWN", "/mcp"
		}
		keys, err := h.e.RecordAudit(h.ctx, rows...)
		if err != nil {
			t.Fatal(err)
		}
		var out []*store.AuditLog
		for _, k := range keys {
			r, ok, err := store.Get(h.ctx, h.e.Store(), func() *store.AuditLog { return new(store.AuditLog) }, k)
			if err != nil || !ok {
				t.Fatalf("audit entry %d: %v %v", k, ok, err)
			}
			out = append(out, r)
		}
		return out
	}
	want := func(rs []*store.AuditLog, roots ...int64) {
		t.Helper()
		for i, r := range rs {
			if r.RootProcessInstanceKey != roots[i] || (roots[i] != 0) != (r.TenantID == DefaultTenant) {
				t.Errorf("entry %d: root %d tenant %q, want root %d", i, r.RootProcessInstanceKey, r.TenantID, roots[i])
			}
		}
	}
	// Running: the child instance and its job.
	want(record(&store.AuditLog{ProcessInstanceKey: child}, &store.AuditLog{JobKey: job.Key}, &store.AuditLog{ProcessInstanceKey: parent},
		&store.AuditLog{}), parent, parent, parent, 0)

	h.complete(job.Key, nil)
	uts := h.userTasks(child)
	if len(uts) != 1 {
		t.Fatalf("user tasks of the child: %v", uts)
	}
	if err := h.e.CompleteUserTask(h.ctx, uts[0].Key, nil); err != nil {
		t.Fatal(err)
	}
	h.wantState(parent, store.StateCompleted)
	h.restart()
	// Done: from the store.
	want(record(&store.AuditLog{UserTaskKey: uts[0].Key}, &store.AuditLog{JobKey: job.Key}, &store.AuditLog{ProcessInstanceKey: child},
		&store.AuditLog{ProcessInstanceKey: 999}), parent, parent, parent, 0)
}
