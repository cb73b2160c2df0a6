package cluster_test

import (
	"context"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/store"
)

// TestRemoteAuditParity: the audit log reads the same through the REST
// client (a remote Camunda's audit log) as from the embedded engine.
func TestRemoteAuditParity(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	ok := &store.AuditLog{ActorID: "alice", ActorType: cluster.AuditActorUser, Result: cluster.AuditSuccess, Category: "DEPLOYED_RESOURCES",
		EntityType: "PROCESS_INSTANCE", EntityKey: "2251799813685300", OperationType: "CREATE", ProcessInstanceKey: 2251799813685300,
		ProcessDefinitionID: "order", InboundChannelType: cluster.AuditChannelMCP, InboundChannelTool: "createProcessInstance",
		Endpoint: "/mcp/cluster", ArgumentsSize: 42}
	failed := &store.AuditLog{ActorType: cluster.AuditActorAnonymous, Result: cluster.AuditFail, Category: "USER_TASKS",
		EntityType: "USER_TASK", EntityKey: "2251799813685301", OperationType: "COMPLETE", UserTaskKey: 2251799813685301,
		InboundChannelType: cluster.AuditChannelMCP, InboundChannelTool: "completeUserTask", Endpoint: "/mcp", ArgumentsSize: 7,
		ErrorMessage: "not found"}
	if err := p.embedded.RecordAudit(ctx, ok, failed); err != nil {
		t.Fatal(err)
	}
	all := same(p, "audit logs", func(a cluster.API) (*cluster.SearchResult[cluster.AuditLog], error) {
		return a.SearchAuditLogs(ctx, query[cluster.AuditLogSearchQuery](t, `{"sort":[{"field":"auditLogKey","order":"DESC"}]}`))
	})
	if len(all.Items) != 2 || all.Items[0].Result != cluster.AuditFail || *all.Items[1].InboundChannelToolName != "createProcessInstance" {
		t.Fatalf("audit logs: %+v", all.Items)
	}
	one := same(p, "failed calls", func(a cluster.API) (*cluster.SearchResult[cluster.AuditLog], error) {
		return a.SearchAuditLogs(ctx, query[cluster.AuditLogSearchQuery](t, `{"filter":{"result":"FAIL","actorType":"ANONYMOUS"},"page":{"limit":1}}`))
	})
	if len(one.Items) != 1 || one.Items[0].UserTaskKey == nil || *one.Items[0].UserTaskKey != 2251799813685301 {
		t.Fatalf("failed calls: %+v", one.Items)
	}
	same(p, "instance's entries", func(a cluster.API) (*cluster.SearchResult[cluster.AuditLog], error) {
		return a.SearchAuditLogs(ctx, query[cluster.AuditLogSearchQuery](t, `{"filter":{"processInstanceKey":"2251799813685300","operationType":{"$in":["CREATE","CANCEL"]}}}`))
	})
	same(p, "audit log", func(a cluster.API) (*cluster.AuditLog, error) { return a.GetAuditLog(ctx, cluster.Key(ok.Key)) })
	same(p, "unknown audit log", func(a cluster.API) (*cluster.AuditLog, error) { return a.GetAuditLog(ctx, cluster.Key(ok.Key+1000)) })
	if ok.Key == 0 || failed.Key == ok.Key {
		t.Fatalf("keys %d %d", ok.Key, failed.Key)
	}
}
