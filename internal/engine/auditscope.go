package engine

import (
	"context"
	"strings"

	"github.com/orcabpm/orca/internal/store"
)

// An audit log entry that names a process instance, a user task or a job
// gets the tenant and the root process instance of that instance, as
// Camunda's entries carry them. What is committed is read before the
// entries reach the writer (one query per kind of key a batch names, on
// the read pool); what the writer holds (an instance started in a batch
// not yet committed) fills the rest there.

// scopeOf is the tenant and root process instance of an audited entity.
type scopeOf struct {
	tenant string
	root   int64
}

// fillAuditScopes fills rows' TenantID and RootProcessInstanceKey from the
// store where they are not set.
func (e *Engine) fillAuditScopes(ctx context.Context, rows []*store.AuditLog) {
	var pis, uts, jobs []any
	for _, r := range rows {
		switch {
		case r.RootProcessInstanceKey != 0:
		case r.ProcessInstanceKey != 0:
			pis = append(pis, r.ProcessInstanceKey)
		case r.UserTaskKey != 0:
			uts = append(uts, r.UserTaskKey)
		case r.JobKey != 0:
			jobs = append(jobs, r.JobKey)
		}
	}
	in := func(keys []any) string {
		return "key IN (" + strings.TrimSuffix(strings.Repeat("?,", len(keys)), ",") + ")"
	}
	byPI, byUT, byJob := map[int64]scopeOf{}, map[int64]scopeOf{}, map[int64]scopeOf{}
	if len(pis) > 0 {
		rs, _ := store.Select(ctx, e.store, func() *store.ProcessInstance { return new(store.ProcessInstance) }, in(pis), pis...)
		for _, p := range rs {
			byPI[p.Key] = scopeOf{p.TenantID, p.RootProcessInstanceKey}
		}
	}
	if len(uts) > 0 {
		rs, _ := store.Select(ctx, e.store, func() *store.UserTask { return new(store.UserTask) }, in(uts), uts...)
		for _, u := range rs {
			byUT[u.Key] = scopeOf{u.TenantID, u.RootProcessInstanceKey}
		}
	}
	if len(jobs) > 0 {
		rs, _ := store.Select(ctx, e.store, func() *store.Job { return new(store.Job) }, in(jobs), jobs...)
		for _, j := range rs {
			byJob[j.Key] = scopeOf{j.TenantID, j.RootProcessInstanceKey}
		}
	}
	for _, r := range rows {
		if r.RootProcessInstanceKey != 0 {
			continue
		}
		s, ok := byPI[r.ProcessInstanceKey]
		if !ok {
			s, ok = byUT[r.UserTaskKey]
		}
		if !ok {
			s, ok = byJob[r.JobKey]
		}
		if ok {
			setAuditScope(r, s)
		}
	}
}

// auditScope fills what the store did not know from the writer's state.
func (w *writer) auditScope(r *store.AuditLog) {
	if r.RootProcessInstanceKey != 0 {
		return
	}
	if in := w.st.insts[r.ProcessInstanceKey]; r.ProcessInstanceKey != 0 && in != nil && in.pi != nil {
		setAuditScope(r, scopeOf{in.pi.TenantID, in.pi.RootProcessInstanceKey})
	} else if ut := w.st.userTasks[r.UserTaskKey]; r.UserTaskKey != 0 && ut != nil {
		setAuditScope(r, scopeOf{ut.TenantID, ut.RootProcessInstanceKey})
	} else if j := w.st.jobs[r.JobKey]; r.JobKey != 0 && j != nil {
		setAuditScope(r, scopeOf{j.TenantID, j.RootProcessInstanceKey})
	}
}

func setAuditScope(r *store.AuditLog, s scopeOf) {
	r.RootProcessInstanceKey = s.root
	if r.TenantID == "" {
		r.TenantID = s.tenant
	}
}
