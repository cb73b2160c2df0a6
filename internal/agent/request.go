package agent

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Request is what the AI Agent template's input mappings write: the
// provider and data variables of the ad-hoc sub-process.
type Request struct {
	Provider map[string]any
	Data     Data
}

// Data is the data.* part of the template.
type Data struct {
	SystemPrompt struct {
		Prompt string `json:"prompt"`
	} `json:"systemPrompt"`
	UserPrompt struct {
		Prompt string `json:"prompt"`
	} `json:"userPrompt"`
	Memory struct {
		Storage struct {
			Type string `json:"type"`
		} `json:"storage"`
		ContextWindowSize int `json:"contextWindowSize"`
	} `json:"memory"`
	Limits struct {
		MaxModelCalls int `json:"maxModelCalls"`
		// MaxTokens bounds the input plus output tokens over the whole
		// conversation; MaxToolCalls the tool calls (0: no limit). Beyond
		// Camunda 8.10, as camunda/connectors#7208 asks.
		MaxTokens    int64 `json:"maxTokens"`
		MaxToolCalls int   `json:"maxToolCalls"`
		// SoftStop lets the model answer once more, without tools, when a
		// limit is reached, instead of failing the job.
		SoftStop bool `json:"softStop"`
	} `json:"limits"`
	Events struct {
		Behavior string `json:"behavior"`
	} `json:"events"`
	Response struct {
		Format struct {
			Type       string          `json:"type"`
			ParseJSON  bool            `json:"parseJson"`
			Schema     json.RawMessage `json:"schema"`
			SchemaName string          `json:"schemaName"`
		} `json:"format"`
		IncludeAssistantMessage bool `json:"includeAssistantMessage"`
		IncludeAgentContext     bool `json:"includeAgentContext"`
	} `json:"response"`
}

// Event behaviours.
const (
	WaitForToolCallResults = "WAIT_FOR_TOOL_CALL_RESULTS"
	InterruptToolCalls     = "INTERRUPT_TOOL_CALLS"
)

// parseRequest reads and checks the provider and data variables, filling
// the template's defaults.
func parseRequest(vars map[string]any) (*Request, error) {
	r := &Request{}
	p, ok := vars["provider"].(map[string]any)
	if !ok {
		return nil, newError(ErrInvalidRequest, "the variable 'provider' must be a context with a 'type'")
	}
	r.Provider = p
	if d, ok := vars["data"]; ok && d != nil {
		b, err := json.Marshal(d)
		if err != nil {
			return nil, newError(ErrInvalidRequest, "%s", shapeError("data", err))
		}
		if err := json.Unmarshal(b, &r.Data); err != nil {
			return nil, newError(ErrInvalidRequest, "%s", shapeError("data", err))
		}
	}
	d := &r.Data
	if strings.TrimSpace(d.SystemPrompt.Prompt) == "" {
		return nil, newError(ErrInvalidRequest, "data.systemPrompt.prompt must not be empty")
	}
	if d.Memory.ContextWindowSize == 0 {
		d.Memory.ContextWindowSize = 20
	}
	if d.Memory.ContextWindowSize < 3 {
		return nil, newError(ErrInvalidRequest, "data.memory.contextWindowSize must be at least 3, not %d", d.Memory.ContextWindowSize)
	}
	if t := d.Memory.Storage.Type; t != "" && t != "in-process" {
		return nil, newError(ErrInvalidRequest, "the memory storage '%s' is not supported; use 'in-process'", t)
	}
	if d.Limits.MaxModelCalls == 0 {
		d.Limits.MaxModelCalls = 10
	}
	if d.Limits.MaxModelCalls < 1 {
		return nil, newError(ErrInvalidRequest, "data.limits.maxModelCalls must be at least 1")
	}
	if d.Limits.MaxTokens < 0 || d.Limits.MaxToolCalls < 0 {
		return nil, newError(ErrInvalidRequest, "data.limits.maxTokens and data.limits.maxToolCalls must not be negative (0 means no limit)")
	}
	switch d.Events.Behavior {
	case "":
		d.Events.Behavior = WaitForToolCallResults
	case WaitForToolCallResults, InterruptToolCalls:
	default:
		return nil, newError(ErrInvalidRequest, "data.events.behavior must be %s or %s", WaitForToolCallResults, InterruptToolCalls)
	}
	switch d.Response.Format.Type {
	case "":
		d.Response.Format.Type = "text"
	case "text", "json":
	default:
		return nil, newError(ErrInvalidRequest, "data.response.format.type must be text or json")
	}
	if d.Response.Format.SchemaName == "" {
		d.Response.Format.SchemaName = "Response"
	}
	return r, nil
}

func lookup(m map[string]any, path ...string) any {
	var cur any = m
	for _, p := range path {
		mm, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = mm[p]
	}
	return cur
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k] = fmt.Sprint(x)
	}
	return out
}
