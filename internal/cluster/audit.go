package cluster

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// Audit log (Camunda 8.9's /v2/audit-logs, with 8.10's inbound channel).
//
// Orca records every MCP tool call as an audit log entry: who called
// (actorId, actorType), which tool on which endpoint (inboundChannelType
// MCP, inboundChannelToolName, entityDescription), what it did to which
// entity (entityType, operationType, entityKey, processInstanceKey, ...)
// and how it ended (result). The arguments are not kept, only their size.

// AuditLog is one audit log entry, as Camunda's AuditLogResult.
type AuditLog struct {
	AuditLogKey             Key       `json:"auditLogKey"`
	EntityKey               string    `json:"entityKey"`
	EntityType              string    `json:"entityType"`
	OperationType           string    `json:"operationType"`
	BatchOperationKey       *Key      `json:"batchOperationKey"`
	BatchOperationType      *string   `json:"batchOperationType"`
	Timestamp               time.Time `json:"timestamp"`
	ActorID                 *string   `json:"actorId"`
	ActorType               *string   `json:"actorType"`
	AgentElementID          *string   `json:"agentElementId"`
	TenantID                *string   `json:"tenantId"`
	Result                  string    `json:"result"`
	Category                string    `json:"category"`
	ProcessDefinitionID     *string   `json:"processDefinitionId"`
	ProcessDefinitionKey    *Key      `json:"processDefinitionKey"`
	ProcessInstanceKey      *Key      `json:"processInstanceKey"`
	RootProcessInstanceKey  *Key      `json:"rootProcessInstanceKey"`
	ElementInstanceKey      *Key      `json:"elementInstanceKey"`
	JobKey                  *Key      `json:"jobKey"`
	UserTaskKey             *Key      `json:"userTaskKey"`
	DecisionRequirementsID  *string   `json:"decisionRequirementsId"`
	DecisionRequirementsKey *Key      `json:"decisionRequirementsKey"`
	DecisionDefinitionID    *string   `json:"decisionDefinitionId"`
	DecisionDefinitionKey   *Key      `json:"decisionDefinitionKey"`
	DecisionEvaluationKey   *Key      `json:"decisionEvaluationKey"`
	DeploymentKey           *Key      `json:"deploymentKey"`
	FormKey                 *Key      `json:"formKey"`
	ResourceKey             *Key      `json:"resourceKey"`
	RelatedEntityKey        *string   `json:"relatedEntityKey"`
	RelatedEntityType       *string   `json:"relatedEntityType"`
	EntityDescription       *string   `json:"entityDescription"`
	// Camunda 8.10: the channel the operation came in through (REST, GRPC,
	// MCP, INTERNAL) and, for MCP, the tool called.
	InboundChannelType     *string `json:"inboundChannelType"`
	InboundChannelToolName *string `json:"inboundChannelToolName"`
}

// AuditLogFilter is the filter of an audit log search.
type AuditLogFilter struct {
	AuditLogKey             *KeyFilter    `json:"auditLogKey,omitempty"`
	ProcessDefinitionKey    *KeyFilter    `json:"processDefinitionKey,omitempty"`
	ProcessInstanceKey      *KeyFilter    `json:"processInstanceKey,omitempty"`
	ElementInstanceKey      *KeyFilter    `json:"elementInstanceKey,omitempty"`
	OperationType           *EnumFilter   `json:"operationType,omitempty"`
	Result                  *EnumFilter   `json:"result,omitempty"`
	Timestamp               *DateFilter   `json:"timestamp,omitempty"`
	ActorID                 *StringFilter `json:"actorId,omitempty"`
	ActorType               *EnumFilter   `json:"actorType,omitempty"`
	AgentElementID          *StringFilter `json:"agentElementId,omitempty"`
	EntityKey               *StringFilter `json:"entityKey,omitempty"`
	EntityType              *EnumFilter   `json:"entityType,omitempty"`
	TenantID                *StringFilter `json:"tenantId,omitempty"`
	Category                *EnumFilter   `json:"category,omitempty"`
	DeploymentKey           *KeyFilter    `json:"deploymentKey,omitempty"`
	FormKey                 *KeyFilter    `json:"formKey,omitempty"`
	ResourceKey             *KeyFilter    `json:"resourceKey,omitempty"`
	BatchOperationType      *EnumFilter   `json:"batchOperationType,omitempty"`
	ProcessDefinitionID     *StringFilter `json:"processDefinitionId,omitempty"`
	JobKey                  *KeyFilter    `json:"jobKey,omitempty"`
	UserTaskKey             *KeyFilter    `json:"userTaskKey,omitempty"`
	DecisionRequirementsID  *StringFilter `json:"decisionRequirementsId,omitempty"`
	DecisionRequirementsKey *KeyFilter    `json:"decisionRequirementsKey,omitempty"`
	DecisionDefinitionID    *StringFilter `json:"decisionDefinitionId,omitempty"`
	DecisionDefinitionKey   *KeyFilter    `json:"decisionDefinitionKey,omitempty"`
	DecisionEvaluationKey   *KeyFilter    `json:"decisionEvaluationKey,omitempty"`
	RelatedEntityKey        *StringFilter `json:"relatedEntityKey,omitempty"`
	RelatedEntityType       *EnumFilter   `json:"relatedEntityType,omitempty"`
	EntityDescription       *StringFilter `json:"entityDescription,omitempty"`
	// Camunda 8.10's filters.
	InboundChannelType     *EnumFilter   `json:"inboundChannelType,omitempty"`
	InboundChannelToolName *StringFilter `json:"inboundChannelToolName,omitempty"`
}

// AuditLogSearchQuery is the body of POST /v2/audit-logs/search.
type AuditLogSearchQuery = SearchQuery[AuditLogFilter]

// Audit log enumerations.
const (
	AuditSuccess = "SUCCESS"
	AuditFail    = "FAIL"

	AuditActorUser      = "USER"
	AuditActorClient    = "CLIENT"
	AuditActorAnonymous = "ANONYMOUS"

	AuditChannelMCP  = "MCP"
	AuditChannelREST = "REST"
)

var (
	auditEntityTypes = []string{"AUTHORIZATION", "BATCH", "DECISION", "GROUP", "INCIDENT", "JOB", "MAPPING_RULE",
		"PROCESS_INSTANCE", "RESOURCE", "ROLE", "TENANT", "USER", "USER_TASK", "VARIABLE", "CLIENT"}
	auditOperationTypes = []string{"ASSIGN", "CANCEL", "COMPLETE", "CREATE", "DELETE", "EVALUATE", "MIGRATE", "MODIFY",
		"RESOLVE", "RESUME", "SUSPEND", "UNASSIGN", "UNKNOWN", "UPDATE"}
	auditActorTypes = []string{"ANONYMOUS", "CLIENT", "UNKNOWN", "USER"}
	auditResults    = []string{AuditSuccess, AuditFail}
	auditCategories = []string{"ADMIN", "DEPLOYED_RESOURCES", "USER_TASKS"}
	auditChannels   = []string{"REST", "GRPC", "MCP", "INTERNAL"}
)

var auditLogSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "audit_logs",
		filter: map[string]column{
			"auditLogKey":             exprFilter("audit_logs.key"),
			"processDefinitionKey":    exprFilter("audit_logs.process_definition_key"),
			"processInstanceKey":      exprFilter("audit_logs.process_instance_key"),
			"elementInstanceKey":      exprFilter("audit_logs.element_instance_key"),
			"operationType":           exprFilter("audit_logs.operation_type", auditOperationTypes...),
			"result":                  exprFilter("audit_logs.result", auditResults...),
			"timestamp":               exprFilter("audit_logs.timestamp"),
			"actorId":                 exprFilter("audit_logs.actor_id"),
			"actorType":               exprFilter("audit_logs.actor_type", auditActorTypes...),
			"agentElementId":          never,
			"entityKey":               exprFilter("audit_logs.entity_key"),
			"entityType":              exprFilter("audit_logs.entity_type", auditEntityTypes...),
			"tenantId":                exprFilter("audit_logs.tenant_id"),
			"category":                exprFilter("audit_logs.category", auditCategories...),
			"deploymentKey":           never,
			"formKey":                 never,
			"resourceKey":             never,
			"batchOperationType":      never,
			"processDefinitionId":     exprFilter("audit_logs.process_definition_id"),
			"jobKey":                  exprFilter("audit_logs.job_key"),
			"userTaskKey":             exprFilter("audit_logs.user_task_key"),
			"decisionRequirementsId":  never,
			"decisionRequirementsKey": never,
			"decisionDefinitionId":    never,
			"decisionDefinitionKey":   never,
			"decisionEvaluationKey":   never,
			"relatedEntityKey":        never,
			"relatedEntityType":       never,
			"entityDescription":       exprFilter(auditDescriptionSQL),
			"inboundChannelType":      exprFilter("audit_logs.inbound_channel_type", auditChannels...),
			"inboundChannelToolName":  exprFilter("audit_logs.inbound_channel_tool_name"),
		},
		sort: map[string]string{"actorId": "actor_id", "actorType": "actor_type", "auditLogKey": "key",
			"batchOperationKey": "", "batchOperationType": "", "category": "category", "decisionDefinitionId": "",
			"decisionDefinitionKey": "", "decisionEvaluationKey": "", "decisionRequirementsId": "", "decisionRequirementsKey": "",
			"elementInstanceKey": "element_instance_key", "entityKey": "entity_key", "entityType": "entity_type",
			"jobKey": "job_key", "operationType": "operation_type", "processDefinitionId": "process_definition_id",
			"processDefinitionKey": "process_definition_key", "processInstanceKey": "process_instance_key",
			"result": "result", "tenantId": "tenant_id", "timestamp": "timestamp", "userTaskKey": "user_task_key",
			"inboundChannelType": "inbound_channel_type", "inboundChannelToolName": "inbound_channel_tool_name"},
	}
})

// auditDescriptionSQL is the entityDescription of an entry, as
// auditDescription writes it.
const auditDescriptionSQL = "(audit_logs.endpoint || ': ' || audit_logs.arguments_size || ' bytes of arguments')"

// auditDescription describes where a call came in and how large its
// arguments were.
func auditDescription(r *store.AuditLog) *string {
	if r.Endpoint == "" {
		return nil
	}
	s := fmt.Sprintf("%s: %d bytes of arguments", r.Endpoint, r.ArgumentsSize)
	return &s
}

func auditLog(r *store.AuditLog) AuditLog {
	a := AuditLog{AuditLogKey: Key(r.Key), EntityKey: r.EntityKey, EntityType: r.EntityType, OperationType: r.OperationType,
		Timestamp: r.Timestamp.UTC(), ActorID: optString(r.ActorID), ActorType: optString(r.ActorType),
		TenantID: optString(r.TenantID), Result: r.Result, Category: r.Category,
		ProcessDefinitionID: optString(r.ProcessDefinitionID), ProcessDefinitionKey: keyRef(r.ProcessDefinitionKey),
		ProcessInstanceKey: keyRef(r.ProcessInstanceKey), RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey),
		ElementInstanceKey: keyRef(r.ElementInstanceKey),
		JobKey:             keyRef(r.JobKey), UserTaskKey: keyRef(r.UserTaskKey), EntityDescription: auditDescription(r),
		InboundChannelType: optString(r.InboundChannelType), InboundChannelToolName: optString(r.InboundChannelTool)}
	return a
}

// AuditRecorder is a cluster that keeps an audit log Orca writes: the
// embedded engine. A remote Camunda keeps its own.
type AuditRecorder interface {
	// RecordAudit appends entries and returns once they are durable. It
	// keeps none of them once it returned without an error: the caller
	// reuses them (the MCP gateway's reads' entries).
	RecordAudit(ctx context.Context, entries ...*store.AuditLog) error
}

// AuditRider is a cluster whose commands can carry the audit entry of the
// call that makes them: the embedded engine.
type AuditRider interface {
	// RideAudit returns a context whose first command writes entry in its
	// own transaction, completed with the command's outcome: on success
	// the keys of what it started, on failure FAIL and failText of the
	// error the call returns (failText runs on the engine's writer: it
	// must be quick). A decision evaluation that failed is recorded, not
	// an error: failText is given it as a *DecisionEvaluationFailed, whose
	// result is cut short past its JSON's first AuditErrorMessageMax bytes
	// (clipEvaluationResult).
	RideAudit(ctx context.Context, entry *store.AuditLog, failText func(error) string) (context.Context, AuditRide)
	// RewriteAudit replaces a committed entry (one that rode a command) by
	// entry, which has its key and timestamp, and returns once that is
	// durable.
	RewriteAudit(ctx context.Context, entry *store.AuditLog) error
}

// AuditRide is an audit entry handed to a cluster's next command.
type AuditRide interface {
	// Settle ends the ride and reports whether the entry was committed
	// with a command; if not, the caller records it itself.
	Settle(ctx context.Context) (bool, error)
	// Entry is the entry as committed.
	Entry() *store.AuditLog
}

// RideAudit lets the next command made with the returned context carry
// entry (engine.WithAuditRide).
func (m *Embedded) RideAudit(ctx context.Context, entry *store.AuditLog, failText func(error) string) (context.Context, AuditRide) {
	return engine.WithAuditRide(ctx, entry, func(e *store.AuditLog, res any, err error) {
		if err != nil {
			e.Result, e.ErrorMessage = AuditFail, failText(fromEngine(err))
			return
		}
		e.Result = AuditSuccess
		switch r := res.(type) {
		case engine.CreateInstanceResult:
			setKey(&e.ProcessInstanceKey, r.ProcessInstanceKey)
			setKey(&e.ProcessDefinitionKey, r.ProcessDefinitionKey)
			if e.ProcessDefinitionID == "" {
				e.ProcessDefinitionID = r.ProcessID
			}
		case engine.MessageResult:
			setKey(&e.ProcessInstanceKey, r.ProcessInstanceKey)
		case engine.DeployResult:
			if e.EntityType == "RESOURCE" && e.EntityKey == "" {
				e.EntityKey = Key(r.DeploymentKey).String()
			}
		case *engine.DecisionEvaluation:
			// The evaluation is recorded either way, and its entry names
			// it either way, as Camunda's names the DECISION_EVALUATION
			// record's key (EVALUATED or FAILED); one that failed is the
			// call's failure (DecisionEvaluationFailed), its result cut
			// short past what the entry keeps of its text: only that much
			// is encoded on the writer.
			if e.EntityType == "DECISION" {
				e.EntityKey = Key(r.EvaluationKey).String()
			}
			if r.FailureMessage != "" {
				res := evaluationResult(r)
				clipEvaluationResult(res, AuditErrorMessageMax)
				e.Result, e.ErrorMessage = AuditFail, failText(&DecisionEvaluationFailed{Result: res})
				return
			}
		}
		if e.EntityType == "PROCESS_INSTANCE" && e.EntityKey == "" && e.ProcessInstanceKey != 0 {
			e.EntityKey = Key(e.ProcessInstanceKey).String()
		}
	})
}

// RewriteAudit replaces a committed audit log entry.
func (m *Embedded) RewriteAudit(ctx context.Context, entry *store.AuditLog) error {
	return fromEngine(m.eng.RewriteAudit(ctx, entry))
}

func setKey(dst *int64, k int64) {
	if *dst == 0 {
		*dst = k
	}
}

// RecordAudit appends audit log entries; they are committed with the
// engine's next batch.
func (m *Embedded) RecordAudit(ctx context.Context, entries ...*store.AuditLog) error {
	_, err := m.eng.RecordAudit(ctx, entries...)
	return fromEngine(err)
}

// SearchAuditLogs searches the audit log.
func (m *Embedded) SearchAuditLogs(ctx context.Context, q *AuditLogSearchQuery) (*SearchResult[AuditLog], error) {
	return search(ctx, m.store, auditLogSpec(), q, func() *store.AuditLog { return new(store.AuditLog) }, auditLog)
}

// GetAuditLog reads one audit log entry.
func (m *Embedded) GetAuditLog(ctx context.Context, key Key) (*AuditLog, error) {
	r, err := get(ctx, m.store, key, "Audit log", func() *store.AuditLog { return new(store.AuditLog) })
	if err != nil {
		return nil, err
	}
	a := auditLog(r)
	return &a, nil
}

// SearchAuditLogs searches the cluster's audit log.
func (r *Remote) SearchAuditLogs(ctx context.Context, q *AuditLogSearchQuery) (*SearchResult[AuditLog], error) {
	return remotePost[SearchResult[AuditLog]](ctx, r, "/audit-logs/search", q)
}

// GetAuditLog reads one entry of the cluster's audit log.
func (r *Remote) GetAuditLog(ctx context.Context, key Key) (*AuditLog, error) {
	return remoteGet[AuditLog](ctx, r, "/audit-logs/"+key.String())
}
