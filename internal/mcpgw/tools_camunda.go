package mcpgw

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// camundaTools are the handlers of Camunda's tools (camunda_tools.json).
func (g *Gateway) camundaTools() map[string]toolHandler {
	return map[string]toolHandler{
		"getClusterStatus":         typed(g.getClusterStatus),
		"getTopology":              typed(g.getTopology),
		"getIncident":              typed(g.getIncident),
		"resolveIncident":          typed(g.resolveIncident),
		"searchIncidents":          typed(g.searchIncidents),
		"getProcessDefinition":     typed(g.getProcessDefinition),
		"getProcessDefinitionXml":  typed(g.getProcessDefinitionXML),
		"searchProcessDefinitions": typed(g.searchProcessDefinitions),
		"createProcessInstance":    typed(g.createProcessInstance),
		"getProcessInstance":       typed(g.getProcessInstance),
		"searchProcessInstances":   typed(g.searchProcessInstances),
		"assignUserTask":           typed(g.assignUserTask),
		"completeUserTask":         typed(g.completeUserTask),
		"getUserTask":              typed(g.getUserTask),
		"searchUserTaskVariables":  typed(g.searchUserTaskVariables),
		"searchUserTasks":          typed(g.searchUserTasks),
		"getVariable":              typed(g.getVariable),
		"searchVariables":          typed(g.searchVariables),
	}
}

type noArgs struct{}

// Cluster

func (g *Gateway) getClusterStatus(ctx context.Context, _ *noArgs) *mcp.CallToolResult {
	t, err := g.api.Topology(ctx)
	if err != nil {
		return errorResult(err)
	}
	for _, b := range t.Brokers {
		for _, p := range b.Partitions {
			if p.Role == "leader" && p.Health == "healthy" {
				return textResult("HEALTHY")
			}
		}
	}
	return textResult("UNHEALTHY")
}

func (g *Gateway) getTopology(ctx context.Context, _ *noArgs) *mcp.CallToolResult {
	return reply(g.api.Topology(ctx))
}

// Incidents

type incidentKeyArgs struct {
	IncidentKey cluster.Key `json:"incidentKey"`
}

func (g *Gateway) getIncident(ctx context.Context, a *incidentKeyArgs) *mcp.CallToolResult {
	return reply(g.api.GetIncident(ctx, a.IncidentKey))
}

// resolveIncident resolves an incident; a job incident whose job has no
// retries left gets one retry first, as Camunda's tool does.
func (g *Gateway) resolveIncident(ctx context.Context, a *incidentKeyArgs) *mcp.CallToolResult {
	done := textResult(fmt.Sprintf("Incident with key %d resolved.", a.IncidentKey))
	err := g.api.ResolveIncident(ctx, a.IncidentKey, &cluster.IncidentResolutionRequest{})
	if err == nil {
		return done
	}
	var ce *cluster.Error
	if !errors.As(err, &ce) || ce.Code != cluster.CodeInvalidState || !strings.Contains(ce.Detail, "no retries left") {
		return errorResult(err)
	}
	inc, err := g.api.GetIncident(ctx, a.IncidentKey)
	if err != nil {
		return errorResult(err)
	}
	if inc.JobKey == nil {
		return errorResult(cluster.Errorf(cluster.CodeInvalidState, "Cannot retrieve job key for job-based incident."))
	}
	one := int32(1)
	if err := g.api.UpdateJob(ctx, *inc.JobKey, &cluster.JobUpdateRequest{Changeset: &cluster.JobChangeset{Retries: &one}}); err != nil {
		return errorResult(err)
	}
	if err := g.api.ResolveIncident(ctx, a.IncidentKey, &cluster.IncidentResolutionRequest{}); err != nil {
		return errorResult(err)
	}
	return done
}

type incidentSearchArgs struct {
	Filter *struct {
		CreationTime         *dateRange   `json:"creationTime"`
		ElementID            *string      `json:"elementId"`
		ErrorType            *string      `json:"errorType"`
		ProcessDefinitionID  *string      `json:"processDefinitionId"`
		ProcessDefinitionKey *cluster.Key `json:"processDefinitionKey"`
		ProcessInstanceKey   *cluster.Key `json:"processInstanceKey"`
		State                *string      `json:"state"`
	} `json:"filter"`
	Page *searchPage  `json:"page"`
	Sort []searchSort `json:"sort"`
}

func (g *Gateway) searchIncidents(ctx context.Context, a *incidentSearchArgs) *mcp.CallToolResult {
	q := &cluster.IncidentSearchQuery{Page: a.Page.request(), Sort: sortRequests(a.Sort)}
	if f := a.Filter; f != nil {
		var d dates
		q.Filter = &cluster.IncidentFilter{
			CreationTime:         d.of(f.CreationTime, "filter.creationTime"),
			ElementID:            strEq(f.ElementID),
			ErrorType:            strEq(f.ErrorType),
			ProcessDefinitionID:  strEq(f.ProcessDefinitionID),
			ProcessDefinitionKey: keyEq(f.ProcessDefinitionKey),
			ProcessInstanceKey:   keyEq(f.ProcessInstanceKey),
			State:                strEq(f.State),
		}
		if d.err != nil {
			return invalidResult([]string{d.err.Error()})
		}
	}
	return reply(g.api.SearchIncidents(ctx, q))
}

// Process definitions

type processDefinitionKeyArgs struct {
	ProcessDefinitionKey cluster.Key `json:"processDefinitionKey"`
}

func (g *Gateway) getProcessDefinition(ctx context.Context, a *processDefinitionKeyArgs) *mcp.CallToolResult {
	return reply(g.api.GetProcessDefinition(ctx, a.ProcessDefinitionKey))
}

func (g *Gateway) getProcessDefinitionXML(ctx context.Context, a *processDefinitionKeyArgs) *mcp.CallToolResult {
	xml, err := g.api.GetProcessDefinitionXML(ctx, a.ProcessDefinitionKey)
	if err != nil {
		return errorResult(err)
	}
	if len(xml) == 0 {
		return errorResult(cluster.Errorf(cluster.CodeNotFound, "The BPMN XML for this process definition is not available."))
	}
	return textResult(string(xml))
}

type processDefinitionSearchArgs struct {
	Filter *struct {
		HasStartForm         *bool        `json:"hasStartForm"`
		IsLatestVersion      *bool        `json:"isLatestVersion"`
		Name                 *string      `json:"name"`
		ProcessDefinitionID  *string      `json:"processDefinitionId"`
		ProcessDefinitionKey *cluster.Key `json:"processDefinitionKey"`
		ResourceName         *string      `json:"resourceName"`
		State                *string      `json:"state"`
		Version              *int32       `json:"version"`
		VersionTag           *string      `json:"versionTag"`
	} `json:"filter"`
	Page *searchPage  `json:"page"`
	Sort []searchSort `json:"sort"`
}

func (g *Gateway) searchProcessDefinitions(ctx context.Context, a *processDefinitionSearchArgs) *mcp.CallToolResult {
	q := &cluster.ProcessDefinitionSearchQuery{Page: a.Page.request(), Sort: sortRequests(a.Sort)}
	if f := a.Filter; f != nil {
		q.Filter = &cluster.ProcessDefinitionFilter{
			HasStartForm: f.HasStartForm, IsLatestVersion: f.IsLatestVersion, Name: strEq(f.Name),
			ProcessDefinitionID: strEq(f.ProcessDefinitionID), ProcessDefinitionKey: f.ProcessDefinitionKey,
			ResourceName: f.ResourceName, State: f.State, Version: f.Version, VersionTag: f.VersionTag,
		}
	}
	return reply(g.api.SearchProcessDefinitions(ctx, q))
}

// Process instances

type createProcessInstanceArgs struct {
	AwaitCompletion          bool           `json:"awaitCompletion"`
	BusinessID               string         `json:"businessId"`
	FetchVariables           []string       `json:"fetchVariables"`
	ProcessDefinitionID      string         `json:"processDefinitionId"`
	ProcessDefinitionKey     *cluster.Key   `json:"processDefinitionKey"`
	ProcessDefinitionVersion *int32         `json:"processDefinitionVersion"`
	RequestTimeout           int64          `json:"requestTimeout"`
	Tags                     []string       `json:"tags"`
	TenantID                 string         `json:"tenantId"`
	Variables                map[string]any `json:"variables"`
}

func (g *Gateway) createProcessInstance(ctx context.Context, a *createProcessInstanceArgs) *mcp.CallToolResult {
	return reply(g.api.CreateProcessInstance(ctx, &cluster.ProcessInstanceCreationInstruction{
		ProcessDefinitionKey: a.ProcessDefinitionKey, ProcessDefinitionID: a.ProcessDefinitionID,
		ProcessDefinitionVersion: a.ProcessDefinitionVersion, Variables: a.Variables, TenantID: a.TenantID,
		AwaitCompletion: a.AwaitCompletion, FetchVariables: a.FetchVariables, RequestTimeout: a.RequestTimeout,
		Tags: a.Tags, BusinessID: a.BusinessID,
	}))
}

type processInstanceKeyArgs struct {
	ProcessInstanceKey cluster.Key `json:"processInstanceKey"`
}

func (g *Gateway) getProcessInstance(ctx context.Context, a *processInstanceKeyArgs) *mcp.CallToolResult {
	return reply(g.api.GetProcessInstance(ctx, a.ProcessInstanceKey))
}

type processInstanceSearchArgs struct {
	Filter *struct {
		BusinessID               *string         `json:"businessId"`
		EndDate                  *dateRange      `json:"endDate"`
		HasIncident              *bool           `json:"hasIncident"`
		ProcessDefinitionID      *string         `json:"processDefinitionId"`
		ProcessDefinitionKey     *cluster.Key    `json:"processDefinitionKey"`
		ProcessDefinitionName    *string         `json:"processDefinitionName"`
		ProcessDefinitionVersion *int32          `json:"processDefinitionVersion"`
		ProcessInstanceKey       *cluster.Key    `json:"processInstanceKey"`
		StartDate                *dateRange      `json:"startDate"`
		State                    *string         `json:"state"`
		SuspendedDate            *dateRange      `json:"suspendedDate"`
		Tags                     []string        `json:"tags"`
		Variables                []variableValue `json:"variables"`
	} `json:"filter"`
	Page *searchPage  `json:"page"`
	Sort []searchSort `json:"sort"`
}

func (g *Gateway) searchProcessInstances(ctx context.Context, a *processInstanceSearchArgs) *mcp.CallToolResult {
	// Orca never suspends process instances: no instance is SUSPENDED or
	// has a suspension date, and sorting by it changes nothing.
	sorts := slices.DeleteFunc(sortRequests(a.Sort), func(s cluster.SortRequest) bool { return s.Field == "suspendedDate" })
	q := &cluster.ProcessInstanceSearchQuery{Page: a.Page.request(), Sort: sorts}
	if f := a.Filter; f != nil {
		var d dates
		suspended := d.of(f.SuspendedDate, "filter.suspendedDate")
		q.Filter = &cluster.ProcessInstanceFilter{ProcessInstanceFilterFields: cluster.ProcessInstanceFilterFields{
			BusinessID: strEq(f.BusinessID), EndDate: d.of(f.EndDate, "filter.endDate"), HasIncident: f.HasIncident,
			ProcessDefinitionID: strEq(f.ProcessDefinitionID), ProcessDefinitionKey: keyEq(f.ProcessDefinitionKey),
			ProcessDefinitionName: strEq(f.ProcessDefinitionName), ProcessDefinitionVersion: intEq(f.ProcessDefinitionVersion),
			ProcessInstanceKey: keyEq(f.ProcessInstanceKey), StartDate: d.of(f.StartDate, "filter.startDate"),
			State: strEq(f.State), Tags: f.Tags, Variables: variableFilters(f.Variables),
		}}
		if d.err != nil {
			return invalidResult([]string{d.err.Error()})
		}
		if suspended != nil || f.State != nil && *f.State == "SUSPENDED" {
			return jsonResult(emptyPage[cluster.ProcessInstance]())
		}
	}
	return reply(g.api.SearchProcessInstances(ctx, q))
}

// User tasks

type userTaskKeyArgs struct {
	UserTaskKey cluster.Key `json:"userTaskKey"`
}

type assignUserTaskArgs struct {
	UserTaskKey       cluster.Key `json:"userTaskKey"`
	Assignee          *string     `json:"assignee"`
	AssignmentOptions *struct {
		Action        *string `json:"action"`
		AllowOverride *bool   `json:"allowOverride"`
	} `json:"assignmentOptions"`
}

// assignUserTask assigns a task, or unassigns it when no assignee is given.
func (g *Gateway) assignUserTask(ctx context.Context, a *assignUserTaskArgs) *mcp.CallToolResult {
	if a.Assignee == nil || strings.TrimSpace(*a.Assignee) == "" {
		if err := g.api.UnassignUserTask(ctx, a.UserTaskKey); err != nil {
			return errorResult(err)
		}
		return textResult(fmt.Sprintf("User task with key %d unassigned.", a.UserTaskKey))
	}
	req := &cluster.UserTaskAssignmentRequest{Assignee: a.Assignee}
	if o := a.AssignmentOptions; o != nil {
		req.Action, req.AllowOverride = o.Action, o.AllowOverride
	}
	if err := g.api.AssignUserTask(ctx, a.UserTaskKey, req); err != nil {
		return errorResult(err)
	}
	return textResult(fmt.Sprintf("User task with key %d assigned to %s.", a.UserTaskKey, *a.Assignee))
}

type completeUserTaskArgs struct {
	UserTaskKey       cluster.Key `json:"userTaskKey"`
	CompletionOptions *struct {
		Action    *string        `json:"action"`
		Variables map[string]any `json:"variables"`
	} `json:"completionOptions"`
}

func (g *Gateway) completeUserTask(ctx context.Context, a *completeUserTaskArgs) *mcp.CallToolResult {
	req := &cluster.UserTaskCompletionRequest{}
	if o := a.CompletionOptions; o != nil {
		req.Action, req.Variables = o.Action, o.Variables
	}
	// The person fills in the task's form where the client can ask (ask.go).
	if call := callOf(ctx); canAsk(ctx, call) {
		vars, answered, refusal := formAnswer(call, req.Variables)
		switch {
		case refusal != "":
			r := textResult(refusal)
			r.IsError = true
			return r
		case answered:
			req.Variables = vars
		default:
			ask, err := g.askForm(ctx, a.UserTaskKey, req.Variables)
			if err != nil {
				return errorResult(err)
			}
			if ask != nil {
				return &mcp.CallToolResult{InputRequests: mcp.InputRequestMap{formInputKey: ask}}
			}
		}
	}
	if err := g.api.CompleteUserTask(ctx, a.UserTaskKey, req); err != nil {
		return errorResult(err)
	}
	return textResult(fmt.Sprintf("User task with key %d completed.", a.UserTaskKey))
}

func (g *Gateway) getUserTask(ctx context.Context, a *userTaskKeyArgs) *mcp.CallToolResult {
	return reply(g.api.GetUserTask(ctx, a.UserTaskKey))
}

type userTaskSearchArgs struct {
	Filter *struct {
		Assignee                 *string         `json:"assignee"`
		BusinessID               *string         `json:"businessId"`
		CompletionDate           *dateRange      `json:"completionDate"`
		CreationDate             *dateRange      `json:"creationDate"`
		DueDate                  *dateRange      `json:"dueDate"`
		ElementID                *string         `json:"elementId"`
		ElementInstanceKey       *cluster.Key    `json:"elementInstanceKey"`
		FollowUpDate             *dateRange      `json:"followUpDate"`
		LocalVariables           []variableValue `json:"localVariables"`
		Name                     *string         `json:"name"`
		Priority                 *int32          `json:"priority"`
		ProcessDefinitionID      *string         `json:"processDefinitionId"`
		ProcessDefinitionKey     *cluster.Key    `json:"processDefinitionKey"`
		ProcessInstanceKey       *cluster.Key    `json:"processInstanceKey"`
		ProcessInstanceVariables []variableValue `json:"processInstanceVariables"`
		State                    *string         `json:"state"`
		Tags                     []string        `json:"tags"`
		UserTaskKey              *cluster.Key    `json:"userTaskKey"`
	} `json:"filter"`
	Page *searchPage  `json:"page"`
	Sort []searchSort `json:"sort"`
}

func (g *Gateway) searchUserTasks(ctx context.Context, a *userTaskSearchArgs) *mcp.CallToolResult {
	if slices.ContainsFunc(a.Sort, func(s searchSort) bool { return s.Field == "businessId" }) {
		return invalidArgument("Sorting user tasks by businessId is not supported by Orca; sort the process instances instead.")
	}
	q := &cluster.UserTaskSearchQuery{Page: a.Page.request(), Sort: sortRequests(a.Sort)}
	f := a.Filter
	if f == nil {
		return reply(g.api.SearchUserTasks(ctx, q))
	}
	var d dates
	q.Filter = &cluster.UserTaskFilter{
		Assignee: strEq(f.Assignee), CompletionDate: d.of(f.CompletionDate, "filter.completionDate"),
		CreationDate: d.of(f.CreationDate, "filter.creationDate"), DueDate: d.of(f.DueDate, "filter.dueDate"),
		ElementID: f.ElementID, ElementInstanceKey: f.ElementInstanceKey, FollowUpDate: d.of(f.FollowUpDate, "filter.followUpDate"),
		LocalVariables: variableFilters(f.LocalVariables), Name: strEq(f.Name), Priority: intEq(f.Priority),
		ProcessDefinitionID: f.ProcessDefinitionID, ProcessDefinitionKey: f.ProcessDefinitionKey,
		ProcessInstanceKey: f.ProcessInstanceKey, ProcessInstanceVariables: variableFilters(f.ProcessInstanceVariables),
		State: strEq(f.State), Tags: f.Tags, UserTaskKey: f.UserTaskKey,
	}
	if d.err != nil {
		return invalidResult([]string{d.err.Error()})
	}
	if f.BusinessID != nil {
		// The business id belongs to the task's process instance.
		key, found, res := g.instanceByBusinessID(ctx, *f.BusinessID, f.ProcessDefinitionID, f.ProcessDefinitionKey, f.ProcessInstanceKey)
		if res != nil {
			return res
		}
		if !found {
			return jsonResult(emptyPage[cluster.UserTask]())
		}
		q.Filter.ProcessInstanceKey = &key
	}
	return reply(g.api.SearchUserTasks(ctx, q))
}

// instanceByBusinessID finds the one process instance with a business id.
func (g *Gateway) instanceByBusinessID(ctx context.Context, businessID string, processID *string, definition, instance *cluster.Key) (cluster.Key, bool, *mcp.CallToolResult) {
	two := int32(2)
	res, err := g.api.SearchProcessInstances(ctx, &cluster.ProcessInstanceSearchQuery{
		Filter: &cluster.ProcessInstanceFilter{ProcessInstanceFilterFields: cluster.ProcessInstanceFilterFields{
			BusinessID: strEq(&businessID), ProcessDefinitionID: strEq(processID),
			ProcessDefinitionKey: keyEq(definition), ProcessInstanceKey: keyEq(instance),
		}},
		Page: &cluster.PageRequest{Limit: &two},
	})
	switch {
	case err != nil:
		return 0, false, errorResult(err)
	case len(res.Items) == 0:
		return 0, false, nil
	case len(res.Items) > 1:
		return 0, false, invalidArgument(fmt.Sprintf("The business id '%s' belongs to several process instances; add filter.processDefinitionId or filter.processInstanceKey.", businessID))
	}
	return res.Items[0].ProcessInstanceKey, true, nil
}

type userTaskVariableSearchArgs struct {
	UserTaskKey cluster.Key `json:"userTaskKey"`
	Filter      *struct {
		Name *string `json:"name"`
	} `json:"filter"`
	Sort []searchSort `json:"sort"`
	Page *struct {
		From  *int32 `json:"from"`
		Limit *int32 `json:"limit"`
	} `json:"page"`
	TruncateValues *bool `json:"truncateValues"`
}

// searchUserTaskVariables returns the variables a user task sees: its own
// (local) ones and those of every enclosing scope up to its process
// instance, deduplicated by name with the innermost scope winning, paged
// by offset.
func (g *Gateway) searchUserTaskVariables(ctx context.Context, a *userTaskVariableSearchArgs) *mcp.CallToolResult {
	// One path with the REST API's effective-variables search (as Camunda's
	// tool since 8.10): cluster.API walks the task's scopes.
	q := &cluster.UserTaskVariableSearchQuery{Sort: sortRequests(a.Sort)}
	if len(q.Sort) == 0 {
		q.Sort = []cluster.SortRequest{{Field: "name"}}
	}
	if a.Filter != nil {
		q.Filter = &cluster.UserTaskVariableFilter{Name: strEq(a.Filter.Name)}
	}
	if a.Page != nil {
		q.Page = &cluster.PageRequest{From: a.Page.From, Limit: a.Page.Limit}
	}
	truncate := a.TruncateValues == nil || *a.TruncateValues
	res, err := g.api.SearchUserTaskEffectiveVariables(ctx, a.UserTaskKey, q, truncate)
	if err != nil {
		return errorResult(err)
	}
	return jsonResult(res)
}

// Variables

type variableKeyArgs struct {
	VariableKey cluster.Key `json:"variableKey"`
}

func (g *Gateway) getVariable(ctx context.Context, a *variableKeyArgs) *mcp.CallToolResult {
	return reply(g.api.GetVariable(ctx, a.VariableKey))
}

type variableSearchArgs struct {
	Filter *struct {
		IsTruncated        *bool        `json:"isTruncated"`
		Name               *string      `json:"name"`
		ProcessInstanceKey *cluster.Key `json:"processInstanceKey"`
		ScopeKey           *cluster.Key `json:"scopeKey"`
		Value              *string      `json:"value"`
		VariableKey        *cluster.Key `json:"variableKey"`
	} `json:"filter"`
	Sort           []searchSort `json:"sort"`
	Page           *searchPage  `json:"page"`
	TruncateValues *bool        `json:"truncateValues"`
}

func (g *Gateway) searchVariables(ctx context.Context, a *variableSearchArgs) *mcp.CallToolResult {
	q := &cluster.VariableSearchQuery{Page: a.Page.request(), Sort: sortRequests(a.Sort)}
	if f := a.Filter; f != nil {
		q.Filter = &cluster.VariableFilter{
			IsTruncated: f.IsTruncated, Name: strEq(f.Name), ProcessInstanceKey: keyEq(f.ProcessInstanceKey),
			ScopeKey: keyEq(f.ScopeKey), Value: strEq(f.Value), VariableKey: keyEq(f.VariableKey),
		}
	}
	return reply(g.api.SearchVariables(ctx, q, a.TruncateValues == nil || *a.TruncateValues))
}
