package cluster

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strconv"
	"strings"
)

// The rest of API over REST: each call is the endpoint rest.Server serves
// for it (Camunda 8.9's paths), so that a Remote and an Embedded cannot be
// told apart by what they answer.

var _ API = (*Remote)(nil)

// Topology reads the cluster's topology.
func (r *Remote) Topology(ctx context.Context) (*Topology, error) {
	return remoteGet[Topology](ctx, r, "/topology")
}

// PinClock pins the cluster's clock.
func (r *Remote) PinClock(ctx context.Context, req *ClockPinRequest) error {
	return r.call(ctx, http.MethodPut, "/clock", req, nil)
}

// ResetClock lets the clock run again.
func (r *Remote) ResetClock(ctx context.Context) error {
	return r.call(ctx, http.MethodPost, "/clock/reset", struct{}{}, nil)
}

// CreateDeployment deploys resources (multipart/form-data on the wire).
func (r *Remote) CreateDeployment(ctx context.Context, req *DeploymentRequest) (*DeploymentResult, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, res := range req.Resources {
		h := make(textproto.MIMEHeader)
		h.Set("Content-Disposition", `form-data; name="resources"; filename="`+quoteEscaper.Replace(res.Name)+`"`)
		h.Set("Content-Type", "application/octet-stream")
		pw, err := mw.CreatePart(h)
		if err != nil {
			return nil, err
		}
		if _, err := pw.Write(res.Content); err != nil {
			return nil, err
		}
	}
	if req.TenantID != "" {
		if err := mw.WriteField("tenantId", req.TenantID); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	out := &DeploymentResult{}
	if err := r.send(ctx, http.MethodPost, "/deployments", mw.FormDataContentType(), buf.Bytes(), out); err != nil {
		return nil, err
	}
	return out, nil
}

var quoteEscaper = strings.NewReplacer("\\", "\\\\", `"`, "\\\"", "\r", "", "\n", "")

// SearchProcessDefinitions searches process definitions.
func (r *Remote) SearchProcessDefinitions(ctx context.Context, q *ProcessDefinitionSearchQuery) (*SearchResult[ProcessDefinition], error) {
	return remotePost[SearchResult[ProcessDefinition]](ctx, r, "/process-definitions/search", q)
}

// GetProcessDefinition reads a process definition.
func (r *Remote) GetProcessDefinition(ctx context.Context, key Key) (*ProcessDefinition, error) {
	return remoteGet[ProcessDefinition](ctx, r, "/process-definitions/"+key.String())
}

// GetForm reads a deployed form.
func (r *Remote) GetForm(ctx context.Context, key Key) (*Form, error) {
	return remoteGet[Form](ctx, r, "/forms/"+key.String())
}

// GetUserTaskForm reads a user task's form (nil when it has none: 204).
func (r *Remote) GetUserTaskForm(ctx context.Context, userTaskKey Key) (*Form, error) {
	return r.optionalForm(ctx, "/user-tasks/"+userTaskKey.String()+"/form")
}

// GetStartProcessForm reads a process's start form (nil when it has none).
func (r *Remote) GetStartProcessForm(ctx context.Context, processDefinitionKey Key) (*Form, error) {
	return r.optionalForm(ctx, "/process-definitions/"+processDefinitionKey.String()+"/form")
}

func (r *Remote) optionalForm(ctx context.Context, path string) (*Form, error) {
	var f *Form
	if err := r.call(ctx, http.MethodGet, path, nil, &f); err != nil {
		return nil, err
	}
	return f, nil
}

// CreateProcessInstance starts a process instance.
func (r *Remote) CreateProcessInstance(ctx context.Context, req *ProcessInstanceCreationInstruction) (*CreateProcessInstanceResult, error) {
	return remotePost[CreateProcessInstanceResult](ctx, r, "/process-instances", req)
}

// SearchProcessInstances searches process instances.
func (r *Remote) SearchProcessInstances(ctx context.Context, q *ProcessInstanceSearchQuery) (*SearchResult[ProcessInstance], error) {
	return remotePost[SearchResult[ProcessInstance]](ctx, r, "/process-instances/search", q)
}

// GetProcessInstance reads a process instance.
func (r *Remote) GetProcessInstance(ctx context.Context, key Key) (*ProcessInstance, error) {
	return remoteGet[ProcessInstance](ctx, r, "/process-instances/"+key.String())
}

// CancelProcessInstance cancels a process instance.
func (r *Remote) CancelProcessInstance(ctx context.Context, key Key, req *CancelProcessInstanceRequest) error {
	return r.call(ctx, http.MethodPost, "/process-instances/"+key.String()+"/cancellation", orEmpty(req), nil)
}

// SearchProcessInstanceIncidents searches the incidents of a process instance.
func (r *Remote) SearchProcessInstanceIncidents(ctx context.Context, key Key, q *IncidentSearchQuery) (*SearchResult[Incident], error) {
	return remotePost[SearchResult[Incident]](ctx, r, "/process-instances/"+key.String()+"/incidents/search", q)
}

// SearchElementInstances searches element instances.
func (r *Remote) SearchElementInstances(ctx context.Context, q *ElementInstanceSearchQuery) (*SearchResult[ElementInstance], error) {
	return remotePost[SearchResult[ElementInstance]](ctx, r, "/element-instances/search", q)
}

// GetElementInstance reads an element instance.
func (r *Remote) GetElementInstance(ctx context.Context, key Key) (*ElementInstance, error) {
	return remoteGet[ElementInstance](ctx, r, "/element-instances/"+key.String())
}

// SetVariables sets variables on an element instance or process instance.
func (r *Remote) SetVariables(ctx context.Context, key Key, req *SetVariableRequest) error {
	return r.call(ctx, http.MethodPut, "/element-instances/"+key.String()+"/variables", req, nil)
}

// SearchUserTasks searches user tasks.
func (r *Remote) SearchUserTasks(ctx context.Context, q *UserTaskSearchQuery) (*SearchResult[UserTask], error) {
	return remotePost[SearchResult[UserTask]](ctx, r, "/user-tasks/search", q)
}

// GetUserTask reads a user task.
func (r *Remote) GetUserTask(ctx context.Context, key Key) (*UserTask, error) {
	return remoteGet[UserTask](ctx, r, "/user-tasks/"+key.String())
}

// UpdateUserTask changes a user task's attributes.
func (r *Remote) UpdateUserTask(ctx context.Context, key Key, req *UserTaskUpdateRequest) error {
	return r.call(ctx, http.MethodPatch, "/user-tasks/"+key.String(), orEmpty(req), nil)
}

// AssignUserTask assigns a user task.
func (r *Remote) AssignUserTask(ctx context.Context, key Key, req *UserTaskAssignmentRequest) error {
	return r.call(ctx, http.MethodPost, "/user-tasks/"+key.String()+"/assignment", req, nil)
}

// UnassignUserTask removes a user task's assignee.
func (r *Remote) UnassignUserTask(ctx context.Context, key Key) error {
	return r.call(ctx, http.MethodDelete, "/user-tasks/"+key.String()+"/assignee", nil, nil)
}

// CompleteUserTask completes a user task.
func (r *Remote) CompleteUserTask(ctx context.Context, key Key, req *UserTaskCompletionRequest) error {
	return r.call(ctx, http.MethodPost, "/user-tasks/"+key.String()+"/completion", orEmpty(req), nil)
}

// SearchUserTaskVariables lists the variables a user task sees, per scope.
func (r *Remote) SearchUserTaskVariables(ctx context.Context, key Key, q *UserTaskVariableSearchQuery, truncateValues bool) (*SearchResult[VariableSearchResult], error) {
	return remotePost[SearchResult[VariableSearchResult]](ctx, r, "/user-tasks/"+key.String()+"/variables/search"+truncateQuery(truncateValues), q)
}

// SearchUserTaskEffectiveVariables lists the values a user task sees.
func (r *Remote) SearchUserTaskEffectiveVariables(ctx context.Context, key Key, q *UserTaskVariableSearchQuery, truncateValues bool) (*SearchResult[VariableSearchResult], error) {
	return remotePost[SearchResult[VariableSearchResult]](ctx, r, "/user-tasks/"+key.String()+"/effective-variables/search"+truncateQuery(truncateValues), q)
}

// ScopeKeys lists the scopes an element instance sees. REST v2 does not
// expose an element instance's flow scope, so a remote answers the element
// instance itself and its process instance: the scopes of embedded
// sub-processes in between are not listed.
func (r *Remote) ScopeKeys(ctx context.Context, elementInstanceKey Key) ([]Key, error) {
	ei, err := r.GetElementInstance(ctx, elementInstanceKey)
	if err != nil {
		return nil, err
	}
	keys := []Key{elementInstanceKey}
	if ei.ProcessInstanceKey != elementInstanceKey {
		keys = append(keys, ei.ProcessInstanceKey)
	}
	return keys, nil
}

// SearchJobs searches jobs.
func (r *Remote) SearchJobs(ctx context.Context, q *JobSearchQuery) (*SearchResult[Job], error) {
	return remotePost[SearchResult[Job]](ctx, r, "/jobs/search", q)
}

// UpdateJob changes a job's retries or timeout.
func (r *Remote) UpdateJob(ctx context.Context, key Key, req *JobUpdateRequest) error {
	return r.call(ctx, http.MethodPatch, "/jobs/"+key.String(), req, nil)
}

// PublishMessage publishes a message.
func (r *Remote) PublishMessage(ctx context.Context, req *MessagePublicationRequest) (*MessagePublicationResult, error) {
	return remotePost[MessagePublicationResult](ctx, r, "/messages/publication", req)
}

// CorrelateMessage correlates a message to one subscription.
func (r *Remote) CorrelateMessage(ctx context.Context, req *MessageCorrelationRequest) (*MessageCorrelationResult, error) {
	return remotePost[MessageCorrelationResult](ctx, r, "/messages/correlation", req)
}

// SearchIncidents searches incidents.
func (r *Remote) SearchIncidents(ctx context.Context, q *IncidentSearchQuery) (*SearchResult[Incident], error) {
	return remotePost[SearchResult[Incident]](ctx, r, "/incidents/search", q)
}

// GetIncident reads an incident.
func (r *Remote) GetIncident(ctx context.Context, key Key) (*Incident, error) {
	return remoteGet[Incident](ctx, r, "/incidents/"+key.String())
}

// ResolveIncident resolves an incident.
func (r *Remote) ResolveIncident(ctx context.Context, key Key, req *IncidentResolutionRequest) error {
	return r.call(ctx, http.MethodPost, "/incidents/"+key.String()+"/resolution", orEmpty(req), nil)
}

// BroadcastSignal broadcasts a signal.
func (r *Remote) BroadcastSignal(ctx context.Context, req *SignalBroadcastRequest) (*SignalBroadcastResult, error) {
	return remotePost[SignalBroadcastResult](ctx, r, "/signals/broadcast", req)
}

// ActivateAdHocActivities activates elements of an ad-hoc sub-process.
func (r *Remote) ActivateAdHocActivities(ctx context.Context, key Key, req *AdHocActivityActivationRequest) error {
	return r.call(ctx, http.MethodPost, "/element-instances/ad-hoc-activities/"+key.String()+"/activation", req, nil)
}

// SearchVariables searches variables.
func (r *Remote) SearchVariables(ctx context.Context, q *VariableSearchQuery, truncateValues bool) (*SearchResult[VariableSearchResult], error) {
	return remotePost[SearchResult[VariableSearchResult]](ctx, r, "/variables/search"+truncateQuery(truncateValues), q)
}

// GetVariable reads a variable.
func (r *Remote) GetVariable(ctx context.Context, key Key) (*Variable, error) {
	return remoteGet[Variable](ctx, r, "/variables/"+key.String())
}

func remoteGet[R any](ctx context.Context, r *Remote, path string) (*R, error) {
	out := new(R)
	if err := r.call(ctx, http.MethodGet, path, nil, out); err != nil {
		return nil, err
	}
	return out, nil
}

// remotePost sends body (a nil pointer sends {}) and reads the answer.
func remotePost[R any, Q any](ctx context.Context, r *Remote, path string, body *Q) (*R, error) {
	out := new(R)
	if err := r.call(ctx, http.MethodPost, path, orEmpty(body), out); err != nil {
		return nil, err
	}
	return out, nil
}

// orEmpty is body, or an empty object where it is nil (optional bodies).
func orEmpty[Q any](body *Q) any {
	if body == nil {
		return struct{}{}
	}
	return body
}

func truncateQuery(truncate bool) string {
	return "?truncateValues=" + strconv.FormatBool(truncate)
}
