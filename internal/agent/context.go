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
	// rest holds the fields not above (a message id), written back unchanged.
	rest map[string]json.RawMessage
}

// Message roles.
const (
	RoleSystem         = "system"
	RoleUser           = "user"
	RoleAssistant      = "assistant"
	RoleToolCallResult = "tool_call_result"
)

// ContentBlock is a piece of message content, in Camunda's shape: "text",
// and "reasoning" for a model's thinking ({provider, payload, text}: the
// vendor's block without its text in payload, the text beside it, as
// Camunda's agent stores it). Blocks of other types and fields Orca does
// not know (documents, provider content, metadata) are kept as they came,
// so a conversation stored by Camunda's agent continues here and back.
type ContentBlock struct {
	Type string `json:"type"`
	Text string `json:"text,omitempty"`
	// Provider and Payload are a "reasoning" block's vendor and its block
	// as the vendor sent it, without the thinking text (Anthropic:
	// {"type":"thinking","signature":...} or {"type":"redacted_thinking",
	// "data":...}).
	Provider string          `json:"provider,omitempty"`
	Payload  json.RawMessage `json:"payload,omitempty"`
	// Signature and Data are the thinking blocks earlier Orca versions
	// stored ("thinking" with its signature, "redacted_thinking"); they are
	// still read.
	Signature string `json:"signature,omitempty"`
	Data      string `json:"data,omitempty"`
	// rest holds the fields not above, written back unchanged.
	rest map[string]json.RawMessage
}

var contentBlockFields = map[string]bool{"type": true, "text": true, "provider": true, "payload": true, "signature": true, "data": true}

// UnmarshalJSON keeps the fields ContentBlock does not name.
func (b *ContentBlock) UnmarshalJSON(data []byte) error {
	type plain ContentBlock
	var p plain
	rest, err := unmarshalKeeping(data, &p, contentBlockFields)
	*b = ContentBlock(p)
	b.rest = rest
	return err
}

// MarshalJSON writes the known fields and those kept from reading.
func (b ContentBlock) MarshalJSON() ([]byte, error) {
	type plain ContentBlock
	return marshalKeeping(plain(b), b.rest)
}

var messageFields = map[string]bool{"role": true, "content": true, "toolCalls": true, "results": true, "metadata": true}

// UnmarshalJSON keeps the fields Message does not name (a message id).
func (m *Message) UnmarshalJSON(data []byte) error {
	type plain Message
	var p plain
	rest, err := unmarshalKeeping(data, &p, messageFields)
	*m = Message(p)
	m.rest = rest
	return err
}

// MarshalJSON writes the known fields and those kept from reading.
func (m Message) MarshalJSON() ([]byte, error) {
	type plain Message
	return marshalKeeping(plain(m), m.rest)
}

// unmarshalKeeping decodes data into v and returns the fields not in known.
func unmarshalKeeping(data []byte, v any, known map[string]bool) (map[string]json.RawMessage, error) {
	if err := json.Unmarshal(data, v); err != nil {
		return nil, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	for k := range all {
		if known[k] {
			delete(all, k)
		}
	}
	if len(all) == 0 {
		return nil, nil
	}
	return all, nil
}

// marshalKeeping encodes v with the kept fields beside its own.
func marshalKeeping(v any, rest map[string]json.RawMessage) ([]byte, error) {
	known, err := json.Marshal(v)
	if err != nil || len(rest) == 0 {
		return known, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(known, &all); err != nil {
		return nil, err
	}
	for k, x := range rest {
		if _, set := all[k]; !set {
			all[k] = x
		}
	}
	return json.Marshal(all)
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
