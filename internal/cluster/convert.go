package cluster

import (
	"time"
	"unicode/utf8"

	"github.com/orcabpm/orca/internal/store"
)

// Conversions from store records to API types: absent values (empty
// strings, zero times and keys) become nulls, lists and maps are never null.

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func nonNilMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}

func processDefinition(r *store.ProcessDefinition) ProcessDefinition {
	return ProcessDefinition{Name: optString(r.Name), ResourceName: r.ResourceName, Version: r.Version,
		VersionTag: optString(r.VersionTag), ProcessDefinitionID: r.ProcessID, TenantID: r.TenantID,
		ProcessDefinitionKey: Key(r.Key), State: "ACTIVE"}
}

func processInstance(r *store.ProcessInstance) ProcessInstance {
	return ProcessInstance{ProcessDefinitionID: r.ProcessID, ProcessDefinitionName: optString(r.ProcessName),
		ProcessDefinitionVersion: r.Version, ProcessDefinitionVersionTag: optString(r.VersionTag),
		StartDate: r.StartDate.UTC(), EndDate: optTime(r.EndDate), State: r.State, HasIncident: r.HasIncident,
		TenantID: r.TenantID, ProcessInstanceKey: Key(r.Key), ProcessDefinitionKey: Key(r.ProcessDefinitionKey),
		ParentProcessInstanceKey: keyRef(r.ParentProcessInstanceKey), ParentElementInstanceKey: keyRef(r.ParentElementInstanceKey),
		RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey), Tags: nonNil(r.Tags), BusinessID: optString(r.BusinessID)}
}

func elementInstance(r *store.ElementInstance) ElementInstance {
	name := r.ElementName
	if name == "" {
		name = r.ElementID
	}
	return ElementInstance{ProcessDefinitionID: r.ProcessID, StartDate: r.StartDate.UTC(), EndDate: optTime(r.EndDate),
		ElementID: r.ElementID, ElementName: name, Type: r.Type, State: r.State, HasIncident: r.HasIncident,
		TenantID: r.TenantID, ElementInstanceKey: Key(r.Key), ProcessInstanceKey: Key(r.ProcessInstanceKey),
		RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey), ProcessDefinitionKey: Key(r.ProcessDefinitionKey),
		IncidentKey: keyRef(r.IncidentKey)}
}

func userTask(r *store.UserTask) UserTask {
	return UserTask{Name: optString(r.Name), State: r.State, Assignee: optString(r.Assignee), ElementID: r.ElementID,
		CandidateGroups: nonNil(r.CandidateGroups), CandidateUsers: nonNil(r.CandidateUsers),
		ProcessDefinitionID: r.ProcessID, CreationDate: r.CreationDate.UTC(), CompletionDate: optTime(r.CompletionDate),
		FollowUpDate: optTime(r.FollowUpDate), DueDate: optTime(r.DueDate), TenantID: r.TenantID,
		ExternalFormReference: optString(r.ExternalFormReference), ProcessDefinitionVersion: r.ProcessVersion,
		CustomHeaders: nonNilMap(r.CustomHeaders), Priority: r.Priority, UserTaskKey: Key(r.Key),
		ElementInstanceKey: Key(r.ElementInstanceKey), ProcessName: optString(r.ProcessName),
		ProcessDefinitionKey: Key(r.ProcessDefinitionKey), ProcessInstanceKey: Key(r.ProcessInstanceKey),
		RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey), FormKey: keyRef(r.FormKey), Tags: nonNil(r.Tags)}
}

func job(r *store.Job) Job {
	return Job{CustomHeaders: nonNilMap(r.CustomHeaders), Deadline: optTime(r.Deadline), ElementID: optString(r.ElementID),
		ElementInstanceKey: Key(r.ElementInstanceKey), EndTime: optTime(r.EndTime), ErrorCode: optString(r.ErrorCode),
		ErrorMessage: optString(r.ErrorMessage), HasFailedWithRetriesLeft: r.HasFailedWithRetriesLeft, JobKey: Key(r.Key),
		Kind: r.Kind, ListenerEventType: r.ListenerEventType, ProcessDefinitionID: r.ProcessID,
		ProcessDefinitionKey: Key(r.ProcessDefinitionKey), ProcessInstanceKey: Key(r.ProcessInstanceKey),
		RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey), Retries: r.Retries, State: r.State,
		TenantID: r.TenantID, Type: r.Type, Worker: r.Worker, CreationTime: optTime(r.CreationTime),
		LastUpdateTime: optTime(r.LastUpdateTime), IsDenied: jobDenied(r), DeniedReason: optString(r.DeniedReason)}
}

// jobDenied is whether a completed job denied its user task's transition
// (a task listener's); as Camunda records it, only completed jobs say.
func jobDenied(r *store.Job) *bool {
	if r.State != store.JobCompleted {
		return nil
	}
	d := r.Denied
	return &d
}

func messageSubscription(r *store.MessageSubscription) MessageSubscription {
	s := MessageSubscription{MessageSubscriptionKey: Key(r.Key), ProcessDefinitionID: r.ProcessID,
		ProcessDefinitionKey: keyRef(r.ProcessDefinitionKey), ProcessInstanceKey: keyRef(r.ProcessInstanceKey),
		RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey), ElementID: r.ElementID,
		ElementInstanceKey: keyRef(r.ElementInstanceKey), MessageSubscriptionState: r.State,
		LastUpdatedDate: r.LastUpdatedDate.UTC(), MessageName: r.MessageName, CorrelationKey: optString(r.CorrelationKey),
		TenantID: r.TenantID, MessageSubscriptionType: r.Type(), ProcessDefinitionName: optString(r.ProcessDefinitionName),
		ToolName: optString(r.ToolName), ToolProperties: r.ToolProperties, InboundConnectorType: optString(r.InboundConnectorType)}
	if s.ToolProperties == nil {
		s.ToolProperties = map[string]string{}
	}
	if r.ProcessDefinitionVersion > 0 {
		s.ProcessDefinitionVersion = &r.ProcessDefinitionVersion
	}
	return s
}

func incident(r *store.Incident) Incident {
	return Incident{ProcessDefinitionID: r.ProcessID, ErrorType: r.ErrorType, ErrorMessage: r.ErrorMessage,
		ElementID: r.ElementID, CreationTime: r.CreationTime.UTC(), State: r.State, TenantID: r.TenantID,
		IncidentKey: Key(r.Key), ProcessDefinitionKey: Key(r.ProcessDefinitionKey), ProcessInstanceKey: Key(r.ProcessInstanceKey),
		RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey), ElementInstanceKey: Key(r.ElementInstanceKey),
		JobKey: keyRef(r.JobKey)}
}

func variable(r *store.Variable) Variable {
	return Variable{Name: r.Name, Value: r.Value, TenantID: r.TenantID, VariableKey: Key(r.Key), ScopeKey: Key(r.ScopeKey),
		ProcessInstanceKey: Key(r.ProcessInstanceKey), RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey)}
}

// variableResult converts variables for a search, cutting long values
// (on a character boundary) when truncate is set.
func variableResult(truncate bool) func(*store.Variable) VariableSearchResult {
	return func(r *store.Variable) VariableSearchResult {
		v := VariableSearchResult{Variable: variable(r)}
		if truncate && len(v.Value) > truncateAt {
			cut := truncateAt
			for cut > 0 && !utf8.RuneStart(v.Value[cut]) {
				cut--
			}
			v.Value, v.IsTruncated = v.Value[:cut], true
		}
		return v
	}
}
