//go:build unix

package engine

import (
	"context"
	"strconv"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// BenchmarkRecordAudit measures what an audit log entry costs the engine
// when entries are committed in groups of n (the MCP gateway's reads:
// internal/mcpgw/audit.go), synchronous=FULL, nothing else committed: the
// CPU time of the whole process per entry (the writer, the committer, the
// store's checkpointer, the garbage collector), of it the kernel's
// (sys-us: WAL writes and fsyncs), and its allocations (two of them the
// entry's own, made here). The entries are those of getProcessInstance
// reads of one instance, as orca bench makes them. One op is one entry;
// the group of 1 is what a commit costs on its own. TestAuditEntryWrites
// pins the rows, statements, parameters and B-tree entries of an entry.
//
//	go test ./internal/engine -run '^$' -bench RecordAudit -benchtime 40000x
func BenchmarkRecordAudit(b *testing.B) {
	for _, n := range []int{1, 64, 512} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			e, err := Open(context.Background(), Options{DataDir: b.TempDir(), Synchronous: "FULL"})
			if err != nil {
				b.Fatal(err)
			}
			defer e.Close()
			ctx := context.Background()
			group := make([]*store.AuditLog, 0, n)
			pi := int64(2251799813685251)
			b.ReportAllocs()
			b.ResetTimer()
			u0, s0 := processCPU()
			for done := 0; done < b.N; {
				group = group[:0]
				for ; len(group) < n && done < b.N; done++ {
					group = append(group, readEntry(pi))
				}
				if _, err := e.RecordAudit(ctx, group...); err != nil {
					b.Fatal(err)
				}
			}
			u1, s1 := processCPU()
			b.ReportMetric(float64((u1-u0+s1-s0).Nanoseconds())/1e3/float64(b.N), "cpu-us/entry")
			b.ReportMetric(float64((s1-s0).Nanoseconds())/1e3/float64(b.N), "sys-us/entry")
		})
	}
}
