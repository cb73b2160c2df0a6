package agent

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/iso8601"
	"github.com/orcabpm/orca/internal/llm"
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
			return nil, newError(ErrInvalidRequest, "the variable 'data' cannot be read: %v", err)
		}
		if err := json.Unmarshal(b, &r.Data); err != nil {
			return nil, newError(ErrInvalidRequest, "the variable 'data' has a wrong shape: %v", err)
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

// chatModel is a configured LLM.
type chatModel struct {
	client  llm.Client
	model   string
	params  llm.Params
	timeout time.Duration
}

// DefaultModelTimeout bounds a model call when the provider sets none.
const DefaultModelTimeout = 3 * time.Minute

// newChatModel builds the LLM client the provider variable describes:
// {type, <type>: {endpoint, authentication, model: {model, parameters}, timeouts}}.
func newChatModel(p map[string]any) (*chatModel, error) {
	typ, _ := p["type"].(string)
	cfg, _ := p[typ].(map[string]any)
	if typ == "" || cfg == nil {
		return nil, newError(ErrInvalidRequest, "provider.type must name a provider whose settings are in provider.<type>")
	}
	str := func(path ...string) string { s, _ := lookup(cfg, path...).(string); return s }
	m := &chatModel{timeout: DefaultModelTimeout}
	if t := str("timeouts", "timeout"); t != "" {
		d, err := iso8601.ParseDuration(t)
		if err != nil {
			return nil, newError(ErrInvalidRequest, "provider.%s.timeouts.timeout: %v", typ, err)
		}
		now := time.Now()
		m.timeout = d.AddTo(now).Sub(now)
	}
	params, _ := lookup(cfg, "model", "parameters").(map[string]any)
	m.params = llm.Params{
		MaxTokens:   firstInt(params, "maxTokens", "maxCompletionTokens", "maxOutputTokens"),
		Temperature: floatParam(params, "temperature"),
		TopP:        floatParam(params, "topP"),
		TopK:        firstInt(params, "topK"),
	}
	apiKey := str("authentication", "apiKey")
	var err error
	switch typ {
	case "openai":
		m.model = str("model", "model")
		if m.model == "" {
			m.model = "gpt-4o"
		}
		m.client, err = llm.NewOpenAI(llm.OpenAIConfig{APIKey: apiKey, Organization: str("authentication", "organizationId"),
			Project: str("authentication", "projectId"), BaseURL: str("endpoint"), Timeout: m.timeout})
	case "openaiCompatible":
		m.model = str("model", "model")
		headers := stringMap(lookup(cfg, "headers"))
		query := stringMap(lookup(cfg, "queryParameters"))
		custom, _ := lookup(cfg, "model", "parameters", "customParameters").(map[string]any)
		if str("endpoint") == "" {
			return nil, newError(ErrInvalidRequest, "provider.openaiCompatible.endpoint must not be empty")
		}
		m.client, err = llm.NewOpenAI(llm.OpenAIConfig{APIKey: apiKey, BaseURL: str("endpoint"), Headers: headers,
			QueryParams: query, ExtraBody: custom, Timeout: m.timeout})
	case "azureOpenAi":
		m.model = str("model", "deploymentName")
		m.client, err = llm.NewAzureOpenAI(llm.AzureOpenAIConfig{Endpoint: str("endpoint"), APIKey: apiKey, Timeout: m.timeout})
	case "anthropic":
		m.model = str("model", "model")
		m.client, err = llm.NewAnthropic(llm.AnthropicConfig{APIKey: apiKey, BaseURL: str("endpoint"), Timeout: m.timeout})
	default:
		return nil, newError(ErrInvalidRequest, "the provider '%s' is not supported; use openai, openaiCompatible, azureOpenAi or anthropic", typ)
	}
	if err != nil {
		return nil, newError(ErrInvalidRequest, "provider %s: %v", typ, err)
	}
	if m.model == "" {
		return nil, newError(ErrInvalidRequest, "provider.%s.model must name a model", typ)
	}
	return m, nil
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

func firstInt(m map[string]any, names ...string) *int64 {
	for _, n := range names {
		if v, ok := m[n].(json.Number); ok {
			if i, err := v.Int64(); err == nil {
				return &i
			}
		}
	}
	return nil
}

func floatParam(m map[string]any, name string) *float64 {
	if v, ok := m[name].(json.Number); ok {
		if f, err := v.Float64(); err == nil {
			return &f
		}
	}
	return nil
}
