package store

import (
	"fmt"
	"testing"
	"time"
)

// BenchmarkEncodeRows measures the writer's encoding of rows alone (no
// SQLite): Rows.Encode of the records a batch of one-task instances
// changes (each instance's process instance, two element instances, two
// variables and a job, several of them encoded more than once as the
// commands of the batch change them), and of a group of reads' audit
// entries, which repeat most columns. One op is one row; allocs/op are
// per row.
func BenchmarkEncodeRows(b *testing.B) {
	const perBatch = 64
	t0 := time.UnixMilli(1_700_000_000_123).UTC()
	headers := NewHeaders(map[string]string{"currency": "EUR"})
	oneTask := func(key int64) []Record {
		pi := &ProcessInstance{Key: key, ProcessDefinitionKey: 2251799813685249, ProcessID: "order", ProcessName: "Order",
			Version: 1, VersionTag: "v1", State: StateActive, StartDate: t0, TenantID: "<default>", RootProcessInstanceKey: key,
			TakenFlows: []string{"f1"}}
		start := &ElementInstance{Key: key + 1, ProcessInstanceKey: key, RootProcessInstanceKey: key, ProcessDefinitionKey: 2251799813685249,
			ProcessID: "order", ElementID: "start", ElementName: "Order received", Type: "START_EVENT", State: StateCompleted,
			StartDate: t0, EndDate: t0, TenantID: "<default>", FlowScopeKey: key, Runtime: ScopeRuntime{Lifecycle: "COMPLETED"}}
		task := &ElementInstance{Key: key + 2, ProcessInstanceKey: key, RootProcessInstanceKey: key, ProcessDefinitionKey: 2251799813685249,
			ProcessID: "order", ElementID: "charge", ElementName: "Charge card", Type: "SERVICE_TASK", State: StateActive,
			StartDate: t0, TenantID: "<default>", FlowScopeKey: key, Runtime: ScopeRuntime{Lifecycle: "ACTIVATED", JobKey: key + 5}}
		order := &Variable{Key: key + 3, Name: "order", Value: `{"total":9.99}`, ScopeKey: key, ProcessInstanceKey: key,
			RootProcessInstanceKey: key, ProcessDefinitionKey: 2251799813685249, ProcessID: "order", TenantID: "<default>"}
		cents := &Variable{Key: key + 4, Name: "cents", Value: "999", ScopeKey: key + 2, ProcessInstanceKey: key,
			RootProcessInstanceKey: key, ProcessDefinitionKey: 2251799813685249, ProcessID: "order", TenantID: "<default>"}
		job := &Job{Key: key + 5, Type: "charge-card", State: JobCreated, Kind: "BPMN_ELEMENT", ListenerEventType: "UNSPECIFIED",
			Retries: 2, CreationTime: t0, LastUpdateTime: t0, ElementID: "charge", ElementInstanceKey: key + 2,
			ProcessInstanceKey: key, RootProcessInstanceKey: key, ProcessDefinitionKey: 2251799813685249, ProcessID: "order",
			ProcessVersion: 1, TenantID: "<default>"}
		job.ShareHeaders(headers)
		// The creation's command writes all of them; the activation the job
		// again, the completion the job, the task and the instance again.
		return []Record{pi, start, task, order, cents, job, job, job, task, pi}
	}
	audit := func(key int64) []Record {
		return []Record{&AuditLog{Key: key, Timestamp: t0, ActorType: "ANONYMOUS", TenantID: "<default>", Result: "SUCCESS",
			Category: "ADMIN", EntityType: "PROCESS_INSTANCE", EntityKey: fmt.Sprint(2251799813685249 + key%512), OperationType: "UNKNOWN",
			ProcessInstanceKey: 2251799813685249 + key%512, InboundChannelType: "MCP", InboundChannelTool: "getProcessInstance",
			Endpoint: "/mcp/cluster", ArgumentsSize: 43, RootProcessInstanceKey: 2251799813685249 + key%512}}
	}
	for _, c := range []struct {
		name    string
		records func(key int64) []Record
	}{{"onetask", oneTask}, {"audit", audit}} {
		b.Run(c.name, func(b *testing.B) {
			// The batches' records are made before the clock starts; a
			// batch is encoded as the writer does, each record in its row
			// (a record encoded again replaces its row).
			type batch struct {
				recs []Record
				rows []int // each record's row, -1 for a new one
			}
			var batches []batch
			key := int64(2251799813685300)
			for range 16 {
				var bt batch
				rowOf := map[Record]int{}
				for range perBatch {
					for _, r := range c.records(key) {
						i, ok := rowOf[r]
						if !ok {
							i, rowOf[r] = -1, len(rowOf)
						}
						bt.recs, bt.rows = append(bt.recs, r), append(bt.rows, i)
					}
					key += 8
				}
				batches = append(batches, bt)
			}
			var rows Rows
			b.ReportAllocs()
			b.ResetTimer()
			for n, done := 0, 0; done < b.N; n++ {
				bt := batches[n%len(batches)]
				rows.Reset()
				for j, r := range bt.recs {
					if _, err := rows.Encode(bt.rows[j], r, key); err != nil {
						b.Fatal(err)
					}
				}
				rows.Seal()
				done += len(bt.recs)
			}
		})
	}
}
