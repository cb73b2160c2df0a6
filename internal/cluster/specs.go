package cluster

import (
	"strings"
	"sync"

	"github.com/orcabpm/orca/internal/store"
)

// Enumerations of the REST API that filters check values against.
var (
	processInstanceStates = []string{"ACTIVE", "COMPLETED", "TERMINATED"}
	userTaskStates        = []string{"CREATING", "CREATED", "ASSIGNING", "UPDATING", "COMPLETING", "COMPLETED", "CANCELING", "CANCELED", "FAILED"}
	jobStates             = []string{"CANCELED", "COMPLETED", "CREATED", "ERROR_THROWN", "FAILED", "MIGRATED", "RETRIES_UPDATED", "TIMED_OUT"}
	jobKinds              = []string{"BPMN_ELEMENT", "EXECUTION_LISTENER", "TASK_LISTENER", "AD_HOC_SUB_PROCESS"}
	listenerEventTypes    = []string{"ASSIGNING", "CANCELING", "COMPLETING", "CREATING", "END", "START", "UNSPECIFIED", "UPDATING"}
	incidentStates        = []string{"ACTIVE", "MIGRATED", "PENDING", "RESOLVED", "UNKNOWN"}
	incidentErrorTypes    = []string{"AD_HOC_SUB_PROCESS_NO_RETRIES", "CALLED_DECISION_ERROR", "CALLED_ELEMENT_ERROR", "CONDITION_ERROR",
		"DECISION_EVALUATION_ERROR", "EXECUTION_LISTENER_NO_RETRIES", "EXTRACT_VALUE_ERROR", "FORM_NOT_FOUND", "IO_MAPPING_ERROR",
		"JOB_NO_RETRIES", "MESSAGE_SIZE_EXCEEDED", "RESOURCE_NOT_FOUND", "TASK_LISTENER_NO_RETRIES", "UNHANDLED_ERROR_EVENT", "UNKNOWN", "UNSPECIFIED"}
	subscriptionStates = []string{"CORRELATED", "CREATED", "DELETED", "MIGRATED"}
	subscriptionTypes  = []string{SubscriptionStartEvent, SubscriptionProcessEvent}
	elementTypes       = []string{"UNSPECIFIED", "PROCESS", "SUB_PROCESS", "EVENT_SUB_PROCESS", "AD_HOC_SUB_PROCESS",
		"AD_HOC_SUB_PROCESS_INNER_INSTANCE", "START_EVENT", "INTERMEDIATE_CATCH_EVENT", "INTERMEDIATE_THROW_EVENT", "BOUNDARY_EVENT",
		"END_EVENT", "SERVICE_TASK", "RECEIVE_TASK", "USER_TASK", "MANUAL_TASK", "TASK", "EXCLUSIVE_GATEWAY", "INCLUSIVE_GATEWAY",
		"PARALLEL_GATEWAY", "EVENT_BASED_GATEWAY", "SEQUENCE_FLOW", "MULTI_INSTANCE_BODY", "CALL_ACTIVITY", "BUSINESS_RULE_TASK",
		"SCRIPT_TASK", "SEND_TASK", "UNKNOWN"}
)

// truncateAt is the length beyond which searches cut variable values.
const truncateAt = 8191

// never is a column that holds nothing: properties Orca does not keep
// (batch operations, denied job results), so that only conditions that
// absent values satisfy match.
var never = exprFilter("NULL")

var processDefinitionSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "process_definitions",
		filter: map[string]column{
			"name":                 exprFilter("NULLIF(process_definitions.name, '')"),
			"resourceName":         exprFilter("process_definitions.resource_name"),
			"version":              exprFilter("process_definitions.version"),
			"versionTag":           exprFilter("NULLIF(process_definitions.version_tag, '')"),
			"processDefinitionId":  exprFilter("process_definitions.process_id"),
			"tenantId":             exprFilter("process_definitions.tenant_id"),
			"processDefinitionKey": exprFilter("process_definitions.key"),
			"hasStartForm":         exprFilter("0"),
			"state":                exprFilter("'ACTIVE'", "ACTIVE", "DRAINING", "DELETED"),
			"isLatestVersion": {build: func(v any) ([]store.Cond, error) {
				op := "="
				if !*v.(*bool) {
					op = "<"
				}
				return []store.Cond{store.Raw("process_definitions.version " + op + " (SELECT MAX(p2.version) FROM process_definitions p2 " +
					"WHERE p2.process_id = process_definitions.process_id AND p2.tenant_id = process_definitions.tenant_id)")}, nil
			}},
		},
		sort: map[string]string{"processDefinitionKey": "key", "name": "name", "resourceName": "resource_name", "version": "version",
			"versionTag": "version_tag", "processDefinitionId": "process_id", "tenantId": "tenant_id"},
	}
})

func processInstanceFilter() map[string]column {
	// Conditions on the element instances of the instance hold together,
	// so the three fields build one subquery (see elementConds).
	elementField := column{build: func(any) ([]store.Cond, error) { return nil, nil }}
	return map[string]column{
		"startDate":                   exprFilter("process_instances.start_date"),
		"endDate":                     exprFilter("process_instances.end_date"),
		"state":                       withImplied("state", exprFilter("process_instances.state", processInstanceStates...), finishedImplied),
		"hasIncident":                 exprFilter("process_instances.has_incident"),
		"tenantId":                    exprFilter("process_instances.tenant_id"),
		"variables":                   variableFilters("process_instances.key", "v.process_instance_key", ""),
		"processInstanceKey":          exprFilter("process_instances.key"),
		"parentProcessInstanceKey":    exprFilter("process_instances.parent_process_instance_key"),
		"parentElementInstanceKey":    exprFilter("process_instances.parent_element_instance_key"),
		"batchOperationId":            never,
		"batchOperationKey":           never,
		"errorMessage":                {build: incidentMessageFilter},
		"incidentErrorHashCode":       {build: nil}, // set by Embedded, which can read the store
		"hasRetriesLeft":              {build: hasRetriesLeftFilter},
		"elementInstanceState":        elementField,
		"elementId":                   elementField,
		"hasElementInstanceIncident":  elementField,
		"tags":                        tagFilter("process_instances.tags"),
		"businessId":                  exprFilter("NULLIF(process_instances.business_id, '')"),
		"processDefinitionId":         exprFilter("process_instances.process_id"),
		"processDefinitionName":       exprFilter("NULLIF(process_instances.process_name, '')"),
		"processDefinitionVersion":    exprFilter("process_instances.version"),
		"processDefinitionVersionTag": exprFilter("NULLIF(process_instances.version_tag, '')"),
		"processDefinitionKey":        exprFilter("process_instances.process_definition_key"),
	}
}

func incidentMessageFilter(v any) ([]store.Cond, error) {
	c, err := exprFilter("incidents.error_message").conds("errorMessage", v)
	if err != nil {
		return nil, err
	}
	return []store.Cond{subquery("process_instances.key", "incidents", "process_instance_key", "1", c)}, nil
}

func hasRetriesLeftFilter(v any) ([]store.Cond, error) {
	sql := "EXISTS (SELECT 1 FROM jobs WHERE jobs.process_instance_key = process_instances.key AND jobs.has_failed_with_retries_left = 1 AND jobs.retries > 0)"
	if !*v.(*bool) {
		sql = "NOT " + sql
	}
	return []store.Cond{store.Raw(sql)}, nil
}

// elementConds is the subquery for the element instance fields of a
// process instance filter: the instance has an element instance meeting
// all of them.
func elementConds(f *ProcessInstanceFilterFields) ([]store.Cond, error) {
	var cs []store.Cond
	if f.ElementID != nil {
		c, err := exprFilter("element_instances.element_id").conds("elementId", f.ElementID)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c...)
	}
	if f.ElementInstanceState != nil {
		c, err := exprFilter("element_instances.state", processInstanceStates...).conds("elementInstanceState", f.ElementInstanceState)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c...)
	}
	if f.HasElementInstanceIncident != nil {
		c, err := exprFilter("element_instances.has_incident").conds("hasElementInstanceIncident", f.HasElementInstanceIncident)
		if err != nil {
			return nil, err
		}
		cs = append(cs, c...)
	}
	if len(cs) == 0 {
		return nil, nil
	}
	return []store.Cond{subquery("process_instances.key", "element_instances", "process_instance_key", "element_instances.type != 'PROCESS'", cs)}, nil
}

// withImplied adds to a column's conditions what an equality or $in on it
// implies (implied: the values, or nil for none), for SQLite to find the
// rows through an index that the column alone does not name.
func withImplied(name string, c column, implied func(vals []any) []store.Cond) column {
	return column{build: func(v any) ([]store.Cond, error) {
		cs, err := c.conds(name, v)
		if err != nil {
			return nil, err
		}
		var xs []condition
		switch t := v.(type) {
		case conditioner:
			xs = t.conditions()
		case *string:
			xs = []condition{{op: store.OpEq, value: *t}}
		case *Key:
			xs = []condition{{op: store.OpEq, value: int64(*t)}}
		}
		for _, x := range xs {
			switch x.op {
			case store.OpEq:
				cs = append(cs, implied([]any{x.value})...)
			case store.OpIn:
				if len(x.values) > 0 {
					cs = append(cs, implied(x.values)...)
				}
			}
		}
		return cs, nil
	}}
}

// finishedImplied: a completed or terminated process instance has an end
// date, and the index of finished instances by state and end date
// (process_instances_state_ended) holds only those, so a search of
// finished instances sorted by end date walks it.
func finishedImplied(vals []any) []store.Cond {
	for _, v := range vals {
		if v == "ACTIVE" {
			return nil
		}
	}
	return []store.Cond{store.Raw("process_instances.end_date IS NOT NULL")}
}

// activeElementImplied: an active element instance belongs to an active
// process instance; element instances have no index on their state, and
// are found through those of the active process instances
// (store.ActiveElements).
func activeElementImplied(vals []any) []store.Cond {
	if len(vals) != 1 || vals[0] != "ACTIVE" {
		return nil
	}
	return []store.Cond{store.Raw("element_instances.process_instance_key IN (SELECT key FROM process_instances WHERE state = 'ACTIVE')")}
}

// instanceScopesImplied: the variables of process instances are those of
// their scopes, the instances themselves and their element instances;
// variables have no index on their instance, and are found through their
// scopes.
func instanceScopesImplied(vals []any) []store.Cond {
	ph := strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")
	args := append(append([]any(nil), vals...), vals...)
	return []store.Cond{store.Raw("(variables.scope_key IN ("+ph+") OR variables.scope_key IN "+
		"(SELECT key FROM element_instances WHERE process_instance_key IN ("+ph+")))", args...)}
}

var processInstanceSort = map[string]string{"processInstanceKey": "key", "processDefinitionId": "process_id",
	"processDefinitionName": "process_name", "processDefinitionVersion": "version", "processDefinitionVersionTag": "version_tag",
	"processDefinitionKey": "process_definition_key", "parentProcessInstanceKey": "parent_process_instance_key",
	"parentElementInstanceKey": "parent_element_instance_key", "startDate": "start_date", "endDate": "end_date",
	"state": "state", "hasIncident": "has_incident", "tenantId": "tenant_id", "businessId": "business_id"}

var elementInstanceSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "element_instances",
		filter: map[string]column{
			"processDefinitionId":     exprFilter("element_instances.process_id"),
			"state":                   withImplied("state", exprFilter("element_instances.state", processInstanceStates...), activeElementImplied),
			"type":                    exprFilter("element_instances.type", elementTypes...),
			"elementId":               exprFilter("element_instances.element_id"),
			"elementName":             exprFilter("COALESCE(NULLIF(element_instances.element_name, ''), element_instances.element_id)"),
			"hasIncident":             exprFilter("element_instances.has_incident"),
			"tenantId":                exprFilter("element_instances.tenant_id"),
			"elementInstanceKey":      exprFilter("element_instances.key"),
			"processInstanceKey":      exprFilter("element_instances.process_instance_key"),
			"processDefinitionKey":    exprFilter("element_instances.process_definition_key"),
			"incidentKey":             exprFilter("element_instances.incident_key"),
			"startDate":               exprFilter("element_instances.start_date"),
			"endDate":                 exprFilter("element_instances.end_date"),
			"elementInstanceScopeKey": exprFilter("element_instances.flow_scope_key"),
		},
		sort: map[string]string{"elementInstanceKey": "key", "processInstanceKey": "process_instance_key",
			"processDefinitionKey": "process_definition_key", "processDefinitionId": "process_id", "startDate": "start_date",
			"endDate": "end_date", "elementId": "element_id", "elementName": "element_name", "type": "type", "state": "state",
			"incidentKey": "incident_key", "tenantId": "tenant_id"},
		// Camunda lists flow nodes, not the process scope itself.
		base: []store.Cond{store.Raw("element_instances.type != 'PROCESS'")},
	}
})

var userTaskSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "user_tasks",
		filter: map[string]column{
			"state":                    exprFilter("user_tasks.state", userTaskStates...),
			"assignee":                 exprFilter("NULLIF(user_tasks.assignee, '')"),
			"priority":                 exprFilter("user_tasks.priority"),
			"elementId":                exprFilter("user_tasks.element_id"),
			"name":                     exprFilter("NULLIF(user_tasks.name, '')"),
			"candidateGroup":           jsonArrayFilter("user_tasks.candidate_groups"),
			"candidateUser":            jsonArrayFilter("user_tasks.candidate_users"),
			"tenantId":                 exprFilter("user_tasks.tenant_id"),
			"processDefinitionId":      exprFilter("user_tasks.process_id"),
			"creationDate":             exprFilter("user_tasks.creation_date"),
			"completionDate":           exprFilter("user_tasks.completion_date"),
			"followUpDate":             exprFilter("user_tasks.follow_up_date"),
			"dueDate":                  exprFilter("user_tasks.due_date"),
			"processInstanceVariables": variableFilters("user_tasks.process_instance_key", "v.scope_key", " AND v.scope_key = v.process_instance_key"),
			"localVariables":           variableFilters("user_tasks.element_instance_key", "v.scope_key", ""),
			"userTaskKey":              exprFilter("user_tasks.key"),
			"processDefinitionKey":     exprFilter("user_tasks.process_definition_key"),
			"processInstanceKey":       exprFilter("user_tasks.process_instance_key"),
			"elementInstanceKey":       exprFilter("user_tasks.element_instance_key"),
			"tags":                     tagFilter("user_tasks.tags"),
		},
		sort: map[string]string{"creationDate": "creation_date", "completionDate": "completion_date",
			"followUpDate": "follow_up_date", "dueDate": "due_date", "priority": "priority", "name": "name"},
	}
})

var variableSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "variables",
		filter: map[string]column{
			"name":               exprFilter("variables.name"),
			"value":              exprFilter("variables.value"),
			"tenantId":           exprFilter("variables.tenant_id"),
			"isTruncated":        exprFilter("(length(CAST(variables.value AS BLOB)) > 8191)"),
			"variableKey":        exprFilter("variables.key"),
			"scopeKey":           exprFilter("variables.scope_key"),
			"processInstanceKey": withImplied("processInstanceKey", exprFilter("variables.process_instance_key"), instanceScopesImplied),
		},
		sort: map[string]string{"value": "value", "name": "name", "tenantId": "tenant_id", "variableKey": "key",
			"scopeKey": "scope_key", "processInstanceKey": "process_instance_key"},
	}
})

var jobSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "jobs",
		filter: map[string]column{
			"deadline":                 exprFilter("jobs.deadline"),
			"deniedReason":             exprFilter("jobs.denied_reason"),
			"elementId":                exprFilter("jobs.element_id"),
			"elementInstanceKey":       exprFilter("jobs.element_instance_key"),
			"endTime":                  exprFilter("jobs.end_time"),
			"errorCode":                exprFilter("NULLIF(jobs.error_code, '')"),
			"errorMessage":             exprFilter("NULLIF(jobs.error_message, '')"),
			"hasFailedWithRetriesLeft": exprFilter("jobs.has_failed_with_retries_left"),
			"isDenied":                 exprFilter("CASE WHEN jobs.state = 'COMPLETED' THEN jobs.is_denied END"),
			"jobKey":                   exprFilter("jobs.key"),
			"kind":                     exprFilter("jobs.kind", jobKinds...),
			"listenerEventType":        exprFilter("jobs.listener_event_type", listenerEventTypes...),
			"processDefinitionId":      exprFilter("jobs.process_id"),
			"processDefinitionKey":     exprFilter("jobs.process_definition_key"),
			"processInstanceKey":       exprFilter("jobs.process_instance_key"),
			"retries":                  exprFilter("jobs.retries"),
			"state":                    exprFilter("jobs.state", jobStates...),
			"tenantId":                 exprFilter("jobs.tenant_id"),
			"type":                     exprFilter("jobs.type"),
			"worker":                   exprFilter("NULLIF(jobs.worker, '')"),
			"creationTime":             exprFilter("jobs.creation_time"),
			"lastUpdateTime":           exprFilter("jobs.last_update_time"),
		},
		sort: map[string]string{"deadline": "deadline", "deniedReason": "denied_reason", "elementId": "element_id",
			"elementInstanceKey": "element_instance_key", "endTime": "end_time", "errorCode": "error_code",
			"errorMessage": "error_message", "hasFailedWithRetriesLeft": "has_failed_with_retries_left", "isDenied": "is_denied",
			"jobKey": "key", "kind": "kind", "listenerEventType": "listener_event_type", "processDefinitionId": "process_id",
			"processDefinitionKey": "process_definition_key", "processInstanceKey": "process_instance_key",
			"retries": "retries", "state": "state", "tenantId": "tenant_id", "type": "type", "worker": "worker"},
	}
})

var messageSubscriptionSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "message_subscriptions",
		filter: map[string]column{
			"messageSubscriptionKey":   exprFilter("message_subscriptions.key"),
			"processDefinitionKey":     exprFilter("message_subscriptions.process_definition_key"),
			"processDefinitionId":      exprFilter("message_subscriptions.process_id"),
			"processInstanceKey":       exprFilter("message_subscriptions.process_instance_key"),
			"elementId":                exprFilter("message_subscriptions.element_id"),
			"elementInstanceKey":       exprFilter("message_subscriptions.element_instance_key"),
			"messageSubscriptionState": exprFilter("message_subscriptions.state", subscriptionStates...),
			"lastUpdatedDate":          exprFilter("message_subscriptions.last_updated_date"),
			"messageName":              exprFilter("message_subscriptions.message_name"),
			"correlationKey":           exprFilter("NULLIF(message_subscriptions.correlation_key, '')"),
			"tenantId":                 exprFilter("message_subscriptions.tenant_id"),
			"messageSubscriptionType":  exprFilter("message_subscriptions.type", subscriptionTypes...),
			"processDefinitionName":    exprFilter("NULLIF(message_subscriptions.process_definition_name, '')"),
			"processDefinitionVersion": exprFilter("NULLIF(message_subscriptions.process_definition_version, 0)"),
			"toolName":                 exprFilter("message_subscriptions.tool_name"),
			"inboundConnectorType":     exprFilter("message_subscriptions.inbound_connector_type"),
		},
		sort: map[string]string{"messageSubscriptionKey": "key", "processDefinitionId": "process_id",
			"processInstanceKey": "process_instance_key", "elementId": "element_id", "elementInstanceKey": "element_instance_key",
			"messageSubscriptionState": "state", "lastUpdatedDate": "last_updated_date", "messageName": "message_name",
			"correlationKey": "correlation_key", "tenantId": "tenant_id", "messageSubscriptionType": "type",
			"processDefinitionName": "process_definition_name", "processDefinitionVersion": "process_definition_version",
			"toolName": "tool_name", "inboundConnectorType": "inbound_connector_type"},
	}
})

var incidentSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "incidents",
		filter: map[string]column{
			"processDefinitionId":  exprFilter("incidents.process_id"),
			"errorType":            exprFilter("incidents.error_type", incidentErrorTypes...),
			"errorMessage":         exprFilter("incidents.error_message"),
			"elementId":            exprFilter("incidents.element_id"),
			"creationTime":         exprFilter("incidents.creation_time"),
			"state":                exprFilter("incidents.state", incidentStates...),
			"tenantId":             exprFilter("incidents.tenant_id"),
			"incidentKey":          exprFilter("incidents.key"),
			"processDefinitionKey": exprFilter("incidents.process_definition_key"),
			"processInstanceKey":   exprFilter("incidents.process_instance_key"),
			"elementInstanceKey":   exprFilter("incidents.element_instance_key"),
			"jobKey":               exprFilter("incidents.job_key"),
		},
		sort: map[string]string{"incidentKey": "key", "processDefinitionKey": "process_definition_key",
			"processDefinitionId": "process_id", "processInstanceKey": "process_instance_key", "errorType": "error_type",
			"elementId": "element_id", "elementInstanceKey": "element_instance_key", "creationTime": "creation_time",
			"state": "state", "jobKey": "job_key", "tenantId": "tenant_id"},
	}
})
