package mcpgw

import (
	"context"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Prompts that walk an agent through common work with the tools.

func (g *Gateway) addPrompts() {
	g.server.AddPrompt(&mcp.Prompt{
		Name:        "triageIncidents",
		Title:       "Triage incidents",
		Description: "Find the open incidents (optionally of one process or process instance), work out why each happened from the process model, the instance's variables and its jobs, and fix or report them.",
		Arguments: []*mcp.PromptArgument{
			{Name: "processDefinitionId", Description: "Only incidents of this BPMN process id."},
			{Name: "processInstanceKey", Description: "Only incidents of this process instance."},
		},
	}, triageIncidents)
	g.server.AddPrompt(&mcp.Prompt{
		Name:        "workUserTaskInbox",
		Title:       "Work a user task inbox",
		Description: "Go through the open user tasks of an assignee or a candidate group: understand each task from its process and variables, claim it, and complete it with the right variables once the user agrees.",
		Arguments: []*mcp.PromptArgument{
			{Name: "assignee", Description: "Whose tasks: the tasks assigned to this user."},
			{Name: "candidateGroup", Description: "Or: unassigned tasks offered to this group."},
		},
	}, workUserTaskInbox)
}

func userText(s string) *mcp.GetPromptResult {
	return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{{Role: "user", Content: &mcp.TextContent{Text: s}}}}
}

func triageIncidents(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	args := req.Params.Arguments
	filter := `{"state": "ACTIVE"`
	scope := "all processes"
	if id := strings.TrimSpace(args["processDefinitionId"]); id != "" {
		filter += fmt.Sprintf(`, "processDefinitionId": %q`, id)
		scope = "process " + id
	}
	if k := strings.TrimSpace(args["processInstanceKey"]); k != "" {
		filter += fmt.Sprintf(`, "processInstanceKey": %q`, k)
		scope = "process instance " + k
	}
	filter += "}"
	r := userText(fmt.Sprintf(`Triage the open incidents of %s in the Camunda cluster.

1. Call searchIncidents with {"filter": %s, "sort": [{"field": "creationTime", "order": "ASC"}]}. Follow page.endCursor (page.after) while there are more.
2. For each incident, note errorType, errorMessage, elementId and processInstanceKey. Group incidents with the same errorType, elementId and message: they usually share one cause.
3. For one incident per group, find the cause:
   - getProcessInstance with its processInstanceKey (state, process, version);
   - getProcessDefinitionXml with its processDefinitionKey, and read the element named by elementId (its type, input/output mappings, conditions, task definition);
   - searchVariables with {"filter": {"processInstanceKey": "<key>"}} to see the data the element saw (values are serialized JSON);
   - for JOB_NO_RETRIES incidents, searchJobs with {"filter": {"jobKey": "<jobKey>"}} for the worker's error message.
4. Decide for each group:
   - bad or missing data (IO_MAPPING_ERROR, EXTRACT_VALUE_ERROR, CONDITION_ERROR): fix it with setVariables on the process instance key, then resolveIncident;
   - a worker failure that may be transient (JOB_NO_RETRIES): resolveIncident; it gives the job one more retry;
   - anything else, or a fix you are not sure of: do not change anything; report it.
5. Never cancel a process instance unless the user asks for it.
6. Finish with a short table: incident key, process instance, cause, what you did, and the result. Searches are eventually consistent: after resolving, check again with getIncident after a moment.`, scope, filter))
	r.Description = "Triage open incidents of " + scope
	return r, nil
}

func workUserTaskInbox(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
	args := req.Params.Arguments
	assignee, group := strings.TrimSpace(args["assignee"]), strings.TrimSpace(args["candidateGroup"])
	var who, filter string
	switch {
	case assignee != "":
		who, filter = "the user "+assignee, fmt.Sprintf(`{"state": "CREATED", "assignee": %q}`, assignee)
	case group != "":
		who, filter = "the group "+group, `{"state": "CREATED"}`
	default:
		who, filter = "everyone", `{"state": "CREATED"}`
	}
	groupNote := ""
	if group != "" {
		groupNote = fmt.Sprintf(" Keep the tasks whose candidateGroups contain %q and that have no assignee.", group)
	}
	r := userText(fmt.Sprintf(`Work the user task inbox of %s in the Camunda cluster.

1. Call searchUserTasks with {"filter": %s, "sort": [{"field": "priority", "order": "DESC"}, {"field": "creationDate", "order": "ASC"}]}.%s
2. Present the tasks as a short list: name, process, priority, due date, user task key.
3. For the task the user picks:
   - getUserTask for its details (formKey, candidate groups, dates);
   - searchUserTaskVariables with its userTaskKey for the data it works on (values are serialized JSON);
   - getProcessDefinitionXml with its processDefinitionKey, and read the user task element and what follows it (gateways after it often test variables the task must set).
4. Claim the task with assignUserTask {"userTaskKey": <key>, "assignee": "<user>"} before working on it.
5. Agree with the user on the outcome, then completeUserTask {"userTaskKey": <key>, "completionOptions": {"variables": {...}}}. Never complete a task without the user's agreement.
6. If the user wants to hand a task back, call assignUserTask without an assignee to unassign it.`, who, filter, groupNote))
	r.Description = "Work the user task inbox of " + who
	return r, nil
}
