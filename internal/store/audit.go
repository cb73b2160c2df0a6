package store

import "time"

// AuditLog is one audited operation: who did what to which entity, through
// which channel, and how it ended (Camunda 8.10's audit log). Orca records
// every MCP tool call as one; Endpoint and ArgumentsSize say where the call
// came in and how large its arguments were (their content is not kept).
type AuditLog struct {
	Key                  int64
	Timestamp            time.Time
	ActorID              string // "" when anonymous
	ActorType            string // USER, CLIENT, ANONYMOUS, UNKNOWN
	TenantID             string
	Result               string // SUCCESS, FAIL
	Category             string // ADMIN, DEPLOYED_RESOURCES, USER_TASKS
	EntityType           string
	EntityKey            string
	OperationType        string
	ProcessDefinitionID  string
	ProcessDefinitionKey int64
	ProcessInstanceKey   int64
	ElementInstanceKey   int64
	UserTaskKey          int64
	JobKey               int64
	InboundChannelType   string // MCP, REST, ...
	InboundChannelTool   string // the MCP tool called
	Endpoint             string // the MCP endpoint (/mcp/cluster, /mcp/processes, ...)
	ArgumentsSize        int64  // bytes of the call's arguments
	ErrorMessage         string // why it failed ("" on success)
	// RootProcessInstanceKey is the root of the entry's process instance
	// (filled by the engine with TenantID when the entry names one).
	RootProcessInstanceKey int64
}

func (*AuditLog) Table() string { return "audit_logs" }
func (r *AuditLog) Columns() []any {
	return []any{&r.Key, timeCol{&r.Timestamp}, nullString{&r.ActorID}, &r.ActorType, nullString{&r.TenantID}, &r.Result,
		&r.Category, &r.EntityType, &r.EntityKey, &r.OperationType, nullString{&r.ProcessDefinitionID},
		keyCol{&r.ProcessDefinitionKey}, keyCol{&r.ProcessInstanceKey}, keyCol{&r.ElementInstanceKey}, keyCol{&r.UserTaskKey},
		keyCol{&r.JobKey}, nullString{&r.InboundChannelType}, nullString{&r.InboundChannelTool}, &r.Endpoint, &r.ArgumentsSize,
		&r.ErrorMessage, keyCol{&r.RootProcessInstanceKey}}
}
