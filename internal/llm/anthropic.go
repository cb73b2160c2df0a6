package llm

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/foundry"
	"github.com/anthropics/anthropic-sdk-go/option"
)

// DefaultAnthropicBaseURL is the Anthropic API root.
const DefaultAnthropicBaseURL = "https://api.anthropic.com"

// DefaultAnthropicMaxTokens is sent as max_tokens (which Anthropic requires)
// when Params.MaxTokens is nil and AnthropicConfig.DefaultMaxTokens is zero.
const DefaultAnthropicMaxTokens = 4096

// AnthropicConfig configures the Anthropic Messages adapter.
type AnthropicConfig struct {
	// BaseURL is the API root without the version path; empty means
	// DefaultAnthropicBaseURL.
	BaseURL string
	// APIKey is sent as the x-api-key header.
	APIKey string
	// Token, when set, gives a bearer token per request instead of APIKey
	// (OAuth 2.0 client credentials; Microsoft Entra ID on Foundry).
	Token TokenFunc
	// NoAuth allows a custom endpoint that needs no credentials.
	NoAuth bool
	// Foundry is Claude on Microsoft Foundry: BaseURL is the resource
	// endpoint (https://{resource}.services.ai.azure.com) and the API is
	// served under its /anthropic path.
	Foundry bool
	// AWS is Claude on Amazon Bedrock Mantle (the Messages API at
	// https://bedrock-mantle.{region}.api.aws/anthropic, or BaseURL).
	AWS *AnthropicAWS
	// Headers are added to every request (values count as secrets).
	Headers map[string]string
	// QueryParams are added to every request URL (values count as secrets).
	QueryParams map[string]string
	// ExtraBody sets extra top-level fields of the request body (Camunda's
	// bodyProperties), over those Orca writes.
	ExtraBody map[string]any
	// DefaultMaxTokens replaces DefaultAnthropicMaxTokens.
	DefaultMaxTokens int64
	// Timeout bounds one Chat call on top of the caller's context.
	Timeout    time.Duration
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// AnthropicAWS reaches Claude through Amazon Bedrock Mantle, with a Bedrock
// API key (sent as x-api-key) or AWS credentials (Signature Version 4).
type AnthropicAWS struct {
	Region      string
	APIKey      string
	Credentials *AWSCredentials
}

// MantleService is the AWS service name Bedrock Mantle requests are signed for.
const MantleService = "bedrock-mantle"

// Anthropic is the adapter for the Messages wire format (POST {base}/v1/messages).
type Anthropic struct {
	svc       anthropic.MessageService
	maxTokens int64
	timeout   time.Duration
	red       redactor
	log       *slog.Logger
}

var _ Client = (*Anthropic)(nil)

// NewAnthropic returns an adapter for the Anthropic Messages API: Anthropic's
// own, a compatible endpoint, Microsoft Foundry or Amazon Bedrock Mantle.
func NewAnthropic(cfg AnthropicConfig) (*Anthropic, error) {
	base := strings.TrimRight(cfg.BaseURL, "/")
	opts := []option.RequestOption{
		option.WithHTTPClient(httpClientOrDefault(cfg.HTTPClient)),
		option.WithMaxRetries(0),
		// Without an explicit request timeout the SDK refuses non-streaming
		// calls whose max_tokens might take over 10 minutes; the caller's
		// context (and Timeout) bound the call instead.
		option.WithRequestTimeout(requestTimeout(cfg.Timeout)),
	}
	red := newRedactor(cfg.APIKey)
	for k, v := range cfg.QueryParams {
		opts = append(opts, option.WithQuery(k, v))
		red = red.with(v)
	}
	for k, v := range cfg.ExtraBody {
		opts = append(opts, option.WithJSONSet(k, v))
	}
	var svc anthropic.MessageService
	switch {
	case cfg.Foundry:
		if base == "" {
			return nil, errors.New("anthropic: the Microsoft Foundry endpoint is required")
		}
		if cfg.APIKey == "" && cfg.Token == nil {
			return nil, errors.New("anthropic: an API key or Entra ID credentials are required for Microsoft Foundry")
		}
		fc := foundry.ClientConfig{BaseURL: base + "/anthropic/"}
		if cfg.Token != nil {
			fc.AzureADTokenProvider = cfg.Token
		} else {
			fc.APIKey = cfg.APIKey
		}
		client, err := foundry.NewClient(fc, append(opts, headerOptions(cfg.Headers, &red)...)...)
		if err != nil {
			return nil, fmt.Errorf("anthropic: %w", err)
		}
		svc = client.Messages
	case cfg.AWS != nil:
		if cfg.AWS.Region == "" {
			return nil, errors.New("anthropic: the AWS region is required for Bedrock Mantle")
		}
		if base == "" {
			base = "https://bedrock-mantle." + cfg.AWS.Region + ".api.aws/anthropic"
		}
		opts = append(opts, option.WithBaseURL(base+"/"))
		opts = append(opts, headerOptions(cfg.Headers, &red)...)
		switch c := cfg.AWS.Credentials; {
		case cfg.AWS.APIKey != "":
			opts = append(opts, option.WithAPIKey(cfg.AWS.APIKey))
			red = red.with(cfg.AWS.APIKey)
		case c != nil && c.AccessKeyID != "" && c.SecretAccessKey != "":
			// Signed last, so the signature covers every header.
			opts = append(opts, option.WithMiddleware(sigV4(*c, MantleService, cfg.AWS.Region)))
			red = red.with(c.SecretAccessKey, c.SessionToken)
		default:
			return nil, errors.New("anthropic: an access key and secret key, or an API key, are required for Bedrock Mantle")
		}
		svc = anthropic.NewMessageService(opts...)
	default:
		if base == "" {
			base = DefaultAnthropicBaseURL
		}
		if _, err := url.Parse(base); err != nil {
			return nil, fmt.Errorf("anthropic: base URL: %w", err)
		}
		opts = append(opts, option.WithBaseURL(base+"/"))
		switch {
		case cfg.Token != nil:
			opts = append(opts, option.WithMiddleware(withBearer(cfg.Token)))
		case cfg.APIKey != "":
			opts = append(opts, option.WithAPIKey(cfg.APIKey))
		case !cfg.NoAuth:
			return nil, errors.New("anthropic: API key is required")
		}
		opts = append(opts, headerOptions(cfg.Headers, &red)...)
		svc = anthropic.NewMessageService(opts...)
	}
	maxTokens := cfg.DefaultMaxTokens
	if maxTokens <= 0 {
		maxTokens = DefaultAnthropicMaxTokens
	}
	return &Anthropic{
		svc:       svc,
		maxTokens: maxTokens,
		timeout:   cfg.Timeout,
		red:       red,
		log:       loggerOrDefault(cfg.Logger).With("llm", ProviderAnthropic),
	}, nil
}

func headerOptions(h map[string]string, red *redactor) []option.RequestOption {
	var opts []option.RequestOption
	for k, v := range h {
		opts = append(opts, option.WithHeader(k, v))
		*red = red.with(v)
	}
	return opts
}

// Chat implements Client.
func (c *Anthropic) Chat(ctx context.Context, req *Request) (*Response, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	names, err := newToolNames(req)
	if err != nil {
		return nil, c.unsupported(err)
	}
	params, err := c.params(req, names)
	if err != nil {
		return nil, c.unsupported(err)
	}
	return exchange(ctx, c.log, "chat", req.Model,
		func() (*anthropic.Message, error) { return c.svc.New(ctx, params) },
		c.error, func(out *anthropic.Message) (*Response, error) { return c.response(out, names), nil })
}

// requestTimeout is the SDK's per-request timeout: the configured one, else
// an hour (the context decides).
func requestTimeout(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return time.Hour
}

func (c *Anthropic) unsupported(err error) *Error {
	return &Error{Provider: ProviderAnthropic, Kind: KindUnsupported, Message: c.red.apply(err.Error())}
}

func (c *Anthropic) params(req *Request, names *toolNames) (anthropic.MessageNewParams, error) {
	p := anthropic.MessageNewParams{Model: anthropic.Model(req.Model), MaxTokens: c.maxTokens}
	for i, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			text, err := textOnly(m.Content)
			if err != nil {
				return p, fmt.Errorf("message %d: %w", i, err)
			}
			p.System = append(p.System, anthropic.TextBlockParam{Text: text})
		case RoleUser:
			var blocks []anthropic.ContentBlockParamUnion
			for _, ct := range m.Content {
				b, err := anthropicBlock(ct)
				if err != nil {
					return p, fmt.Errorf("message %d: %w", i, err)
				}
				blocks = append(blocks, b)
			}
			p.Messages = append(p.Messages, anthropic.MessageParam{Role: anthropic.MessageParamRoleUser, Content: blocks})
		case RoleAssistant:
			var blocks []anthropic.ContentBlockParamUnion
			// Thinking blocks go back unchanged and in their order (the API
			// checks their signatures), the text after them.
			for _, ct := range m.Content {
				switch ct.Type {
				case ContentThinking:
					blocks = append(blocks, anthropic.ContentBlockParamUnion{OfThinking: &anthropic.ThinkingBlockParam{
						Thinking: ct.Text, Signature: ct.Signature}})
				case ContentRedactedThinking:
					blocks = append(blocks, anthropic.ContentBlockParamUnion{OfRedactedThinking: &anthropic.RedactedThinkingBlockParam{
						Data: string(ct.Data)}})
				}
			}
			text, err := textOnly(m.Content)
			if err != nil {
				return p, fmt.Errorf("message %d: %w", i, err)
			}
			if text != "" {
				blocks = append(blocks, anthropic.ContentBlockParamUnion{OfText: &anthropic.TextBlockParam{Text: text}})
			}
			for _, tc := range m.ToolCalls {
				args := tc.Arguments
				if len(strings.TrimSpace(string(args))) == 0 {
					args = json.RawMessage("{}")
				}
				blocks = append(blocks, anthropic.ContentBlockParamUnion{OfToolUse: &anthropic.ToolUseBlockParam{
					ID: tc.ID, Name: names.vendor(tc.Name), Input: args,
				}})
			}
			if len(blocks) == 0 {
				continue // Anthropic rejects empty assistant turns
			}
			p.Messages = append(p.Messages, anthropic.MessageParam{Role: anthropic.MessageParamRoleAssistant, Content: blocks})
		case RoleTool:
			var blocks []anthropic.ContentBlockParamUnion
			for _, r := range m.ToolResults {
				tr := &anthropic.ToolResultBlockParam{ToolUseID: r.ID}
				if r.IsError {
					tr.IsError = anthropic.Bool(true)
				}
				for _, ct := range r.Content {
					b, err := anthropicToolResultBlock(ct)
					if err != nil {
						return p, fmt.Errorf("message %d: tool result %q: %w", i, r.ID, err)
					}
					tr.Content = append(tr.Content, b)
				}
				blocks = append(blocks, anthropic.ContentBlockParamUnion{OfToolResult: tr})
			}
			p.Messages = append(p.Messages, anthropic.MessageParam{Role: anthropic.MessageParamRoleUser, Content: blocks})
		default:
			return p, fmt.Errorf("message %d: unknown role %q", i, m.Role)
		}
	}
	for _, t := range req.Tools {
		tp := &anthropic.ToolParam{Name: names.vendor(t.Name)}
		if t.Description != "" {
			tp.Description = anthropic.String(t.Description)
		}
		if len(t.InputSchema) > 0 {
			var schema map[string]any
			if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
				return p, fmt.Errorf("tool %q: input schema: %w", t.Name, err)
			}
			tp.InputSchema = anthropicSchema(schema)
		}
		p.Tools = append(p.Tools, anthropic.ToolUnionParam{OfTool: tp})
	}
	if v := req.Params.MaxTokens; v != nil {
		p.MaxTokens = *v
	}
	if v := req.Params.Temperature; v != nil {
		p.Temperature = anthropic.Float(*v)
	}
	if v := req.Params.TopP; v != nil {
		p.TopP = anthropic.Float(*v)
	}
	if v := req.Params.TopK; v != nil {
		p.TopK = anthropic.Int(*v)
	}
	if e := req.Params.Effort; e != "" {
		p.OutputConfig.Effort = anthropic.OutputConfigEffort(e)
	}
	if th := req.Params.Thinking; th != nil {
		switch th.Mode {
		case ThinkingEnabled:
			if th.BudgetTokens < 1024 || th.BudgetTokens >= p.MaxTokens {
				return p, fmt.Errorf("thinking budget tokens must be at least 1024 and less than max tokens (%d), not %d", p.MaxTokens, th.BudgetTokens)
			}
			p.Thinking.OfEnabled = &anthropic.ThinkingConfigEnabledParam{BudgetTokens: th.BudgetTokens,
				Display: anthropic.ThinkingConfigEnabledDisplay(th.Display)}
		case ThinkingAdaptive:
			p.Thinking.OfAdaptive = &anthropic.ThinkingConfigAdaptiveParam{Display: anthropic.ThinkingConfigAdaptiveDisplay(th.Display)}
		case ThinkingDisabled:
			p.Thinking.OfDisabled = &anthropic.ThinkingConfigDisabledParam{}
		default:
			return p, fmt.Errorf("unknown thinking mode %q (enabled, adaptive or disabled)", th.Mode)
		}
	}
	if req.Params.PromptCaching {
		p.CacheControl = anthropic.NewCacheControlEphemeralParam()
	}
	switch rf := req.ResponseFormat; rf.Type {
	case "", FormatText, FormatJSONObject:
		// Anthropic has no JSON-object mode: the caller parses the text.
	case FormatJSONSchema:
		if len(rf.Schema) == 0 {
			return p, errors.New("response format json_schema needs a schema")
		}
		var schema map[string]any
		if err := json.Unmarshal(rf.Schema, &schema); err != nil {
			return p, fmt.Errorf("response schema: %w", err)
		}
		p.OutputConfig.Format = anthropic.JSONOutputFormatParam{Schema: schema}
	default:
		return p, fmt.Errorf("unknown response format %q", rf.Type)
	}
	return p, nil
}

// anthropicSchema splits a JSON schema into the SDK's input-schema fields:
// properties and required have their own; "type" is always "object"; the
// rest travels as extra fields.
func anthropicSchema(schema map[string]any) anthropic.ToolInputSchemaParam {
	var s anthropic.ToolInputSchemaParam
	for k, v := range schema {
		switch k {
		case "type":
		case "properties":
			s.Properties = v
		case "required":
			if list, ok := v.([]any); ok {
				for _, r := range list {
					if name, ok := r.(string); ok {
						s.Required = append(s.Required, name)
					}
				}
			}
		default:
			if s.ExtraFields == nil {
				s.ExtraFields = map[string]any{}
			}
			s.ExtraFields[k] = v
		}
	}
	return s
}

func anthropicBlock(c Content) (anthropic.ContentBlockParamUnion, error) {
	switch c.Type {
	case ContentText, "":
		return anthropic.ContentBlockParamUnion{OfText: &anthropic.TextBlockParam{Text: c.Text}}, nil
	case ContentImage:
		img, err := anthropicImage(c)
		if err != nil {
			return anthropic.ContentBlockParamUnion{}, err
		}
		return anthropic.ContentBlockParamUnion{OfImage: img}, nil
	case ContentDocument:
		doc, err := anthropicDocument(c)
		if err != nil {
			return anthropic.ContentBlockParamUnion{}, err
		}
		return anthropic.ContentBlockParamUnion{OfDocument: doc}, nil
	default:
		return anthropic.ContentBlockParamUnion{}, fmt.Errorf("unknown content type %q", c.Type)
	}
}

func anthropicToolResultBlock(c Content) (anthropic.ToolResultBlockParamContentUnion, error) {
	switch c.Type {
	case ContentText, "":
		return anthropic.ToolResultBlockParamContentUnion{OfText: &anthropic.TextBlockParam{Text: c.Text}}, nil
	case ContentImage:
		img, err := anthropicImage(c)
		if err != nil {
			return anthropic.ToolResultBlockParamContentUnion{}, err
		}
		return anthropic.ToolResultBlockParamContentUnion{OfImage: img}, nil
	case ContentDocument:
		doc, err := anthropicDocument(c)
		if err != nil {
			return anthropic.ToolResultBlockParamContentUnion{}, err
		}
		return anthropic.ToolResultBlockParamContentUnion{OfDocument: doc}, nil
	default:
		return anthropic.ToolResultBlockParamContentUnion{}, fmt.Errorf("unknown content type %q", c.Type)
	}
}

func anthropicImage(c Content) (*anthropic.ImageBlockParam, error) {
	if c.URL != "" {
		return &anthropic.ImageBlockParam{Source: anthropic.ImageBlockParamSourceUnion{
			OfURL: &anthropic.URLImageSourceParam{URL: c.URL},
		}}, nil
	}
	switch c.MediaType {
	case "image/jpeg", "image/png", "image/gif", "image/webp":
	default:
		return nil, fmt.Errorf("image media type %q is not supported (jpeg, png, gif, webp)", c.MediaType)
	}
	return &anthropic.ImageBlockParam{Source: anthropic.ImageBlockParamSourceUnion{
		OfBase64: &anthropic.Base64ImageSourceParam{
			Data:      base64.StdEncoding.EncodeToString(c.Data),
			MediaType: anthropic.Base64ImageSourceMediaType(c.MediaType),
		},
	}}, nil
}

func anthropicDocument(c Content) (*anthropic.DocumentBlockParam, error) {
	d := &anthropic.DocumentBlockParam{}
	switch {
	case c.MediaType == "application/pdf":
		d.Source.OfBase64 = &anthropic.Base64PDFSourceParam{Data: base64.StdEncoding.EncodeToString(c.Data)}
	case strings.HasPrefix(c.MediaType, "text/") || c.MediaType == "application/json":
		d.Source.OfText = &anthropic.PlainTextSourceParam{Data: string(c.Data)}
	default:
		return nil, fmt.Errorf("document media type %q is not supported (PDF or text)", c.MediaType)
	}
	if c.Filename != "" {
		d.Title = anthropic.String(c.Filename)
	}
	return d, nil
}

func (c *Anthropic) response(out *anthropic.Message, names *toolNames) *Response {
	resp := &Response{
		ID:      out.ID,
		Model:   string(out.Model),
		Message: Message{Role: RoleAssistant},
		Usage: Usage{
			InputTokens:  out.Usage.InputTokens + out.Usage.CacheCreationInputTokens + out.Usage.CacheReadInputTokens,
			OutputTokens: out.Usage.OutputTokens,
		},
		RawFinishReason: string(out.StopReason),
	}
	for _, b := range out.Content {
		switch b.Type {
		case "text":
			resp.Message.Content = append(resp.Message.Content, Text(b.Text))
		case "thinking":
			resp.Message.Content = append(resp.Message.Content, Content{Type: ContentThinking, Text: b.Thinking, Signature: b.Signature})
		case "redacted_thinking":
			resp.Message.Content = append(resp.Message.Content, Content{Type: ContentRedactedThinking, Data: []byte(b.Data)})
		case "tool_use":
			args := b.Input
			if len(strings.TrimSpace(string(args))) == 0 {
				args = json.RawMessage("{}")
			}
			resp.Message.ToolCalls = append(resp.Message.ToolCalls, ToolCall{
				ID: b.ID, Name: names.original(b.Name), Arguments: args,
			})
		}
	}
	switch out.StopReason {
	case anthropic.StopReasonEndTurn, anthropic.StopReasonStopSequence:
		resp.FinishReason = FinishStop
	case anthropic.StopReasonToolUse:
		resp.FinishReason = FinishToolCalls
	case anthropic.StopReasonMaxTokens, anthropic.StopReasonModelContextWindowExceeded:
		resp.FinishReason = FinishLength
	case anthropic.StopReasonRefusal:
		resp.FinishReason = FinishContentFilter
	default:
		resp.FinishReason = FinishOther
	}
	return resp
}

func (c *Anthropic) error(ctx context.Context, err error) *Error {
	var apiErr *anthropic.Error
	if errors.As(err, &apiErr) {
		var header http.Header
		if apiErr.Response != nil {
			header = apiErr.Response.Header
		}
		return statusError(ProviderAnthropic, apiErr.StatusCode, header, string(apiErr.Type()),
			vendorMessage(apiErr.RawJSON()), c.red)
	}
	return transportError(ctx, ProviderAnthropic, err, c.red)
}
