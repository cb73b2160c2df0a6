package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/worker"
)

// Job types of the AI Agent Task (an outbound connector on a service task).
const (
	JobTypeTask   = "io.camunda.agenticai:aiagent:1"
	JobTypeTaskV2 = "io.camunda.agenticai:aiagent:task:2"
)

// Definitions reads deployed BPMN files: the task agent finds its tools in
// the ad-hoc sub-process the model names (data.tools.containerElementId).
type Definitions interface {
	GetProcessDefinitionXML(ctx context.Context, key cluster.Key) ([]byte, error)
}

// TaskAgent handles AI Agent Task jobs: the loop is modelled explicitly,
// with a multi-instance ad-hoc sub-process over agent.toolCalls.
type TaskAgent struct {
	a    *Agent
	defs Definitions

	mu    sync.Mutex
	tools map[string]any // "definitionKey/elementId" -> adHocSubProcessElements
}

// NewTask makes a task agent that reads tool definitions through defs.
func NewTask(opts Options, defs Definitions) *TaskAgent {
	return &TaskAgent{a: New(opts), defs: defs, tools: map[string]any{}}
}

// Handle works one turn: the response (final or with tool calls) goes to
// the result variable (header resultVariable, default agent).
func (ta *TaskAgent) Handle(ctx context.Context, job *worker.Job) (*worker.Completion, error) {
	a := ta.a
	vars, err := job.Variables()
	if err != nil {
		return nil, newError(ErrInvalidRequest, "%v", err)
	}
	req, err := parseRequest(vars)
	if err != nil {
		return nil, err
	}
	data, _ := vars["data"].(map[string]any)
	ac, err := a.loadContext(data["context"], job)
	if err != nil {
		return nil, err
	}
	results, err := decodeResults(lookup(data, "tools", "toolCallResults"))
	if err != nil {
		return nil, err
	}
	container, _ := lookup(data, "tools", "containerElementId").(string)
	var elements any
	if ac.State == StateInitializing && container != "" {
		if elements, err = ta.elements(ctx, job.ProcessDefinitionKey, container); err != nil {
			return nil, err
		}
	}
	rv := job.CustomHeaders["resultVariable"]
	if rv == "" {
		rv = "agent"
	}
	t := &turn{a: a, req: req, ac: ac, job: job, task: true, resultVariable: rv}
	return t.run(ctx, map[string]any{"adHocSubProcessElements": elements}, results)
}

// elements describes the activities of the ad-hoc sub-process container,
// read once per process definition from its BPMN file.
func (ta *TaskAgent) elements(ctx context.Context, defKey cluster.Key, container string) (any, error) {
	key := fmt.Sprintf("%d/%s", defKey, container)
	ta.mu.Lock()
	cached, ok := ta.tools[key]
	ta.mu.Unlock()
	if ok {
		return cached, nil
	}
	xml, err := ta.defs.GetProcessDefinitionXML(ctx, defKey)
	if err != nil {
		return nil, fmt.Errorf("read the process definition's BPMN: %w", err)
	}
	d, err := bpmn.Parse("process definition", xml)
	if err != nil {
		return nil, newError(ErrToolDefinitionInvalid, "the process definition cannot be read: %v", err)
	}
	for _, p := range d.Processes {
		el := p.ElementByID(container)
		if el == nil || el.AdHoc == nil {
			continue
		}
		var v any
		if err := json.Unmarshal(el.AdHoc.Elements, &v); err != nil {
			return nil, err
		}
		ta.mu.Lock()
		ta.tools[key] = v
		ta.mu.Unlock()
		return v, nil
	}
	return nil, newError("AD_HOC_SUB_PROCESS_NOT_FOUND", "no ad-hoc sub-process with id '%s' in the process definition", container)
}
