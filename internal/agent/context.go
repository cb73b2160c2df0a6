// Package agent is the AI Agent job worker: an LLM that works an ad-hoc
// sub-process whose activities are its tools, with Camunda 8.9's variables,
// memory (agentContext), states and error codes, so that BPMN files made
// with Camunda Modeler's AI Agent template run unchanged.
package agent

import (
	"encoding/json"
	"time"
)

// Agent states.
const (
	StateInitializing  = "INITIALIZING"
	StateToolDiscovery = "TOOL_DISCOVERY"
	StateReady         = "READY"
)

// Context is the agentContext variable, in Camunda 8.9's shape.
type Context struct {
	State           string           `json:"state"`
	Metadata        Metadata         `json:"metadata"`
	Metrics         Metrics          `json:"metrics"`
	ToolDefinitions []ToolDefinition `json:"toolDefinitions"`
	Conversation    Conversation     `json:"conversation"`
	Properties      map[string]any   `json:"properties,omitempty"`
}

// Metadata ties a context to its process.
type Metadata struct {
	ProcessDefinitionKey json.Number `json:"processDefinitionKey,omitempty"`
	ProcessInstanceKey   json.Number `json:"processInstanceKey,omitempty"`
	// AgentInstanceKey is the agent instance recording this agent (8.10).
	AgentInstanceKey json.Number `json:"agentInstanceKey,omitempty"`
}

// Metrics count the work of the agent.
type Metrics struct {
	ModelCalls int        `json:"modelCalls"`
	TokenUsage TokenUsage `json:"tokenUsage"`
	// ToolCalls counts the tools the agent activated.
	ToolCalls int `json:"toolCalls"`
}

// TokenUsage counts tokens over all model calls.
type TokenUsage struct {
	InputTokenCount  int64 `json:"inputTokenCount"`
	OutputTokenCount int64 `json:"outputTokenCount"`
}

// ToolDefinition is a tool as the LLM sees it.
type ToolDefinition struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	InputSchema json.RawMessage `json:"inputSchema"`
}

// Conversation is the in-process memory.
type Conversation struct {
	Type           string    `json:"type"`
	ConversationID string    `json:"conversationId"`
	Messages       []Message `json:"messages"`
}

// Message is one message of the conversation; which fields are set depends
// on Role (system, user, assistant, tool_call_result).
type Message struct {
	Role      string         `json:"role"`
	Content   []ContentBlock `json:"content,omitempty"`
	ToolCalls []ToolCall     `json:"toolCalls,omitempty"`
	Results   []ToolResult   `json:"results,omitempty"`
	Metadata  map[string]any `json:"metadata,omitempty"`
}

// Message roles.
const (
	RoleSystem         = "system"
	RoleUser           = "user"
	RoleAssistant      = "assistant"
	RoleToolCallResult = "tool_call_result"
)

// ContentBlock is a piece of message content.
type ContentBlock struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	// Signature signs a "thinking" block (the model's extended thinking,
	// kept so the next turn can send it back; never the answer).
	Signature string `json:"signature,omitempty"`
	// Data is a "redacted_thinking" block's opaque value.
	Data string `json:"data,omitempty"`
}

// ToolCall is a call the LLM asked for.
type ToolCall struct {
	ID        string         `json:"id"`
	Name      string         `json:"name"`
	Arguments map[string]any `json:"arguments"`
}

// ToolResult is what a tool answered; Content is raw (a string, an object, ...).
type ToolResult struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Content any    `json:"content"`
}

func textBlocks(s string) []ContentBlock { return []ContentBlock{{Type: "text", Text: s}} }

func (m Message) text() string {
	var out string
	for _, b := range m.Content {
		if b.Type == "text" {
			out += b.Text
		}
	}
	return out
}

func stamp(now time.Time) map[string]any {
	return map[string]any{"timestamp": now.Format(time.RFC3339Nano)}
}
