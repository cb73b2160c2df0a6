// Package llm is Orca's one small, provider-neutral interface for chat with
// tool calling, and its adapters on the vendors' official SDKs: OpenAI (and
// OpenAI-compatible servers, and Azure OpenAI) and Anthropic.
//
// The types follow what the AI agent keeps in its conversation memory: system,
// user, assistant and tool-result messages; text, image and document content;
// tools with a JSON-schema input; tool calls with JSON arguments; token usage
// and a finish reason. Adapters never retry: a failed call returns an *Error
// that says whether it is worth retrying and after how long, and the caller
// (the job worker) decides.
package llm

import (
	"context"
	"encoding/json"
	"strings"
)

// A Client sends one chat request to a model and returns its answer.
// Implementations are safe for concurrent use.
type Client interface {
	Chat(ctx context.Context, req *Request) (*Response, error)
}

// Role is the author of a Message.
type Role string

// The roles of a conversation.
const (
	RoleSystem    Role = "system"
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
	// RoleTool marks a message that carries tool results (Camunda's
	// "tool_call_result" message). It has ToolResults and no Content.
	RoleTool Role = "tool"
)

// ContentType is the kind of a Content block.
type ContentType string

// The kinds of content a message can hold.
const (
	ContentText     ContentType = "text"
	ContentImage    ContentType = "image"
	ContentDocument ContentType = "document"
	// ContentThinking is a model's extended thinking (Anthropic): Text is the
	// thinking, Signature its signature. It is never part of the answer text;
	// it must be sent back unchanged in later turns of a tool-use loop.
	ContentThinking ContentType = "thinking"
	// ContentRedactedThinking is thinking the vendor encrypted: Data holds
	// the opaque value, sent back unchanged.
	ContentRedactedThinking ContentType = "redacted_thinking"
)

// Content is one block of a message: text, an image or a document.
// Images and documents carry their bytes in Data (the adapters base64-encode
// them on the wire) or, for images, a URL.
type Content struct {
	Type ContentType `json:"type"`
	// Text is the text of a ContentText block.
	Text string `json:"text,omitempty"`
	// MediaType is the MIME type of an image or document, such as
	// "image/png", "application/pdf" or "text/plain".
	MediaType string `json:"mediaType,omitempty"`
	// Data holds the raw bytes of an image or document.
	Data []byte `json:"data,omitempty"`
	// URL references an image instead of Data.
	URL string `json:"url,omitempty"`
	// Filename names a document, where the wire format has a place for it.
	Filename string `json:"filename,omitempty"`
	// Signature is the vendor's signature of a ContentThinking block.
	Signature string `json:"signature,omitempty"`
}

// Text returns a text content block.
func Text(s string) Content { return Content{Type: ContentText, Text: s} }

// ToolCall is a model's request to run one tool.
type ToolCall struct {
	// ID is the vendor's call id; the tool result must carry it back.
	ID string `json:"id"`
	// Name is the tool's name as given in Request.Tools (never a shortened
	// vendor name: the adapters undo the shortening).
	Name string `json:"name"`
	// Arguments is a JSON object.
	Arguments json.RawMessage `json:"arguments"`
}

// ToolResult answers one ToolCall.
type ToolResult struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Content is the result. OpenAI accepts text only; Anthropic also takes
	// images and documents.
	Content []Content `json:"content"`
	// IsError marks a failed tool execution (Anthropic sends it as is_error;
	// OpenAI has no such field).
	IsError bool `json:"isError,omitempty"`
}

// Message is one turn of a conversation.
type Message struct {
	Role Role `json:"role"`
	// Content is the text (and, for user messages, images and documents) of
	// the message.
	Content []Content `json:"content,omitempty"`
	// ToolCalls are the calls an assistant message asked for.
	ToolCalls []ToolCall `json:"toolCalls,omitempty"`
	// ToolResults are the answers a RoleTool message carries, in call order.
	ToolResults []ToolResult `json:"toolResults,omitempty"`
}

// Tool describes a tool the model may call.
type Tool struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// InputSchema is a JSON schema of type "object"; nil means no arguments.
	InputSchema json.RawMessage `json:"inputSchema,omitempty"`
}

// Params are the model's sampling parameters. Nil fields are not sent.
type Params struct {
	MaxTokens   *int64   `json:"maxTokens,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
	TopP        *float64 `json:"topP,omitempty"`
	// TopK is sent by Anthropic only; OpenAI has no such parameter (put it in
	// OpenAIConfig.ExtraBody for compatible servers that take one).
	TopK *int64 `json:"topK,omitempty"`
	// Effort is the reasoning effort ("low", "medium", "high", ...) of
	// models that reason; the Responses API sends it as reasoning.effort,
	// Chat Completions as reasoning_effort.
	Effort string `json:"effort,omitempty"`
	// Thinking configures extended thinking (Anthropic only); nil sends
	// nothing and the model's default applies.
	Thinking *Thinking `json:"thinking,omitempty"`
	// PromptCaching asks for prompt caching: Anthropic gets automatic
	// caching (a top-level cache_control breakpoint on the last cacheable
	// block); Bedrock Converse gets a cachePoint after the system prompt (or
	// after the tools when there is none) and one at the end of the last
	// message.
	PromptCaching bool `json:"promptCaching,omitempty"`
}

// ThinkingMode is how a model thinks before it answers.
type ThinkingMode string

// The thinking modes of Anthropic's Messages API.
const (
	// ThinkingEnabled thinks with a token budget (Thinking.BudgetTokens).
	ThinkingEnabled ThinkingMode = "enabled"
	// ThinkingAdaptive lets the model decide how much to think.
	ThinkingAdaptive ThinkingMode = "adaptive"
	// ThinkingDisabled turns thinking off.
	ThinkingDisabled ThinkingMode = "disabled"
)

// Thinking configures extended thinking.
type Thinking struct {
	Mode ThinkingMode `json:"mode"`
	// BudgetTokens bounds the thinking of ThinkingEnabled (at least 1024,
	// and less than the request's max tokens).
	BudgetTokens int64 `json:"budgetTokens,omitempty"`
	// Display is "summarized" or "omitted" (adaptive thinking); empty is
	// the model's default.
	Display string `json:"display,omitempty"`
}

// ResponseFormatType selects the shape of the model's answer.
type ResponseFormatType string

// The response formats.
const (
	// FormatText is free text, the default.
	FormatText ResponseFormatType = "text"
	// FormatJSONObject asks for any JSON object (OpenAI "json_object"; on
	// Anthropic, which has no such mode, nothing is sent and the caller
	// parses the text).
	FormatJSONObject ResponseFormatType = "json_object"
	// FormatJSONSchema asks for JSON matching Schema (OpenAI "json_schema",
	// Anthropic output_config.format).
	FormatJSONSchema ResponseFormatType = "json_schema"
)

// ResponseFormat is the requested shape of the answer.
type ResponseFormat struct {
	Type ResponseFormatType `json:"type,omitempty"`
	// Name names the schema (OpenAI requires one; default "Response").
	Name string `json:"name,omitempty"`
	// Schema is the JSON schema of FormatJSONSchema.
	Schema json.RawMessage `json:"schema,omitempty"`
	// Strict asks OpenAI for strict schema adherence.
	Strict bool `json:"strict,omitempty"`
}

// Request is one chat call.
type Request struct {
	// Model is the model name (for Azure OpenAI: the deployment name).
	Model string
	// Messages is the conversation. System messages may appear anywhere; the
	// Anthropic adapter gathers them into the top-level system prompt.
	Messages       []Message
	Tools          []Tool
	Params         Params
	ResponseFormat ResponseFormat
}

// FinishReason says why the model stopped.
type FinishReason string

// The provider-neutral finish reasons.
const (
	FinishStop          FinishReason = "stop"
	FinishToolCalls     FinishReason = "tool_calls"
	FinishLength        FinishReason = "length"
	FinishContentFilter FinishReason = "content_filter"
	FinishOther         FinishReason = "other"
)

// Usage counts the tokens of one call.
type Usage struct {
	InputTokens  int64 `json:"inputTokens"`
	OutputTokens int64 `json:"outputTokens"`
}

// Response is the model's answer.
type Response struct {
	// ID is the vendor's response id.
	ID string
	// Model is the model that answered, as the vendor reports it.
	Model string
	// Message is the assistant message: its text content and its tool calls
	// (with the tool names of the request).
	Message      Message
	Usage        Usage
	FinishReason FinishReason
	// RawFinishReason is the vendor's own value ("end_turn", "tool_use", ...).
	RawFinishReason string
}

// Text returns the concatenated text blocks of the response message.
func (r *Response) Text() string {
	return joinText(r.Message.Content)
}

// ToolCalls returns the tool calls of the response message.
func (r *Response) ToolCalls() []ToolCall { return r.Message.ToolCalls }

func joinText(blocks []Content) string {
	var b strings.Builder
	for _, c := range blocks {
		if c.Type == ContentText || c.Type == "" {
			b.WriteString(c.Text)
		}
	}
	return b.String()
}
