package store

import (
	"context"
	"fmt"
	"testing"
)

// BenchmarkWriteRows measures the write path of a batch: 64 new element
// instances and 64 new variables per transaction, synchronous=NORMAL (the
// fsync is not what is measured). One op is one row.
func BenchmarkWriteRows(b *testing.B) {
	s, err := Open(context.Background(), b.TempDir(), Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	var rows Rows
	key := int64(1)
	b.ResetTimer()
	for done := 0; done < b.N; {
		rows.Reset()
		for i := 0; i < 64 && done < b.N; i++ {
			ei := &ElementInstance{Key: key, ProcessInstanceKey: key / 4, RootProcessInstanceKey: key / 4, ElementID: "task", ElementName: "Task", Type: "SERVICE_TASK", State: StateActive, TenantID: "<default>",
				Runtime: ScopeRuntime{Lifecycle: "ACTIVATED", JobKey: key}}
			v := &Variable{Key: key + 1, Name: fmt.Sprintf("v%d", i%4), Value: `{"total":9.99}`, ScopeKey: key, ProcessInstanceKey: key / 4, RootProcessInstanceKey: key / 4, TenantID: "<default>"}
			key += 2
			if err := rows.Add(ei); err != nil {
				b.Fatal(err)
			}
			if err := rows.Add(v); err != nil {
				b.Fatal(err)
			}
			done += 2
		}
		tx, err := s.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if err := tx.Write(ctx, &rows); err != nil {
			b.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			b.Fatal(err)
		}
	}
}
