//go:build unix

package mcpgw

import (
	"context"
	"encoding/json"
	"log/slog"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
)

// What a read's audit entry costs, all told: the entry built from the
// call and its result and queued (record), the flusher's groups, the
// engine's inserts and commits of them (synchronous=FULL, as orca start),
// the store's checkpoints and the garbage collection all that causes. One
// op is one getProcessInstance read of one instance; the reads come as
// fast as record takes them, so the groups are auditFlushMax entries, as
// under orca bench. cpu-us/entry is the process's CPU time per entry,
// the commit of the last group (Close) included; sys-us/entry the kernel's
// part of it (the WAL's writes and fsyncs, the checkpoints).
//
//	go test ./internal/mcpgw -run '^$' -bench AuditRead -benchtime 100000x
func BenchmarkAuditRead(b *testing.B) {
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: b.TempDir(), Synchronous: "FULL"})
	if err != nil {
		b.Fatal(err)
	}
	defer eng.Close()
	a := newAuditor(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), &Gateway{log: slog.New(slog.DiscardHandler)})
	root := cluster.Key(2251799813685300)
	name := "order"
	pi := cluster.ProcessInstance{ProcessDefinitionID: "order", ProcessDefinitionName: &name, ProcessDefinitionVersion: 1,
		StartDate: time.Now(), State: "ACTIVE", TenantID: "<default>", ProcessInstanceKey: 2251799813685301,
		ProcessDefinitionKey: 2251799813685249, RootProcessInstanceKey: &root, Tags: []string{}}
	res := jsonResult(pi)
	req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: "getProcessInstance",
		Arguments: json.RawMessage(`{"processInstanceKey":"2251799813685301"}`)}}
	ctx := context.WithValue(context.Background(), endpointKey{}, PathCluster)
	b.ReportAllocs()
	b.ResetTimer()
	u0, s0 := processTimes()
	for range b.N {
		if aerr := a.record(ctx, req, res, nil); aerr != nil {
			b.Fatal(aerr)
		}
	}
	a.close()
	u1, s1 := processTimes()
	b.StopTimer()
	if n := a.lost.Load(); n > 0 {
		b.Fatalf("%d entries lost", n)
	}
	b.ReportMetric(float64((u1-u0+s1-s0).Nanoseconds())/1e3/float64(b.N), "cpu-us/entry")
	b.ReportMetric(float64((s1-s0).Nanoseconds())/1e3/float64(b.N), "sys-us/entry")
}
