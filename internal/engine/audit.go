package engine

import (
	"context"

	"github.com/orcabpm/orca/internal/store"
)

// RecordAudit appends audit log rows. They ride in the writer's next batch
// (one transaction, one fsync with whatever else it commits), so recording
// costs a caller no write of its own; RecordAudit returns once they are
// durable, with the keys they were given. A row without a timestamp gets
// the batch's time.
func (e *Engine) RecordAudit(ctx context.Context, rows ...*store.AuditLog) ([]int64, error) {
	e.fillAuditScopes(ctx, rows) // auditscope.go
	return do(ctx, e, func(w *writer) ([]int64, error) {
		keys := make([]int64, len(rows))
		for i, r := range rows {
			w.auditScope(r)
			r.Key = w.st.newKey()
			if r.Timestamp.IsZero() {
				r.Timestamp = w.now
			}
			keys[i] = r.Key
			w.st.touch(r)
		}
		return keys, nil
	})
}
