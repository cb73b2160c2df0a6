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
	e.fillAuditScopes(ctx, rows)                                    // auditscope.go
	ctx = context.WithValue(ctx, auditRideKey{}, (*AuditRide)(nil)) // no entry riding on ctx joins them
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

// RewriteAudit replaces the stored audit log row of row's key (an entry
// that rode a command, corrected by its caller: auditride.go) and returns
// once that is durable.
func (e *Engine) RewriteAudit(ctx context.Context, row *store.AuditLog) error {
	if row.Key == 0 || row.Timestamp.IsZero() {
		return errorf(CodeInvalidArgument, "Expected an audit log entry with a key and a timestamp to rewrite")
	}
	e.fillAuditScopes(ctx, []*store.AuditLog{row})
	ctx = context.WithValue(ctx, auditRideKey{}, (*AuditRide)(nil))
	_, err := e.exec(ctx, func(w *writer) (any, error) {
		w.auditScope(row)
		w.st.touch(row)
		return nil, nil
	})
	return err
}
