package llm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/document"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	"github.com/aws/smithy-go"
	"github.com/aws/smithy-go/auth/bearer"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// BedrockConfig configures the AWS Bedrock Converse adapter. Exactly one
// of Credentials (requests signed with Signature Version 4) and APIKey (a
// Bedrock API key, sent as a bearer token) is needed.
type BedrockConfig struct {
	Region string
	// Endpoint replaces the regional Bedrock Runtime endpoint (VPC
	// endpoints, tests). A bearer API key needs https.
	Endpoint    string
	Credentials *AWSCredentials
	APIKey      string
	// AdditionalFields go to the model as additionalModelRequestFields
	// (Camunda's bodyProperties), e.g. {"top_k": 40}.
	AdditionalFields map[string]any
	// Headers and QueryParams are added to every request before it is
	// signed (Camunda's headers and queryParameters; values count as secrets).
	Headers     map[string]string
	QueryParams map[string]string
	Timeout     time.Duration
	HTTPClient  *http.Client
	Logger      *slog.Logger
}

// Bedrock is the adapter for the Bedrock Converse API
// (POST {endpoint}/model/{modelId}/converse), through the AWS SDK.
type Bedrock struct {
	client  *bedrockruntime.Client
	extra   map[string]any
	timeout time.Duration
	red     redactor
	log     *slog.Logger
}

var _ Client = (*Bedrock)(nil)

// NewBedrock returns a Bedrock Converse adapter.
func NewBedrock(cfg BedrockConfig) (*Bedrock, error) {
	if cfg.Region == "" {
		return nil, errors.New("bedrock: a region is required")
	}
	opts := bedrockruntime.Options{
		Region:     cfg.Region,
		HTTPClient: httpClientOrDefault(cfg.HTTPClient),
		Retryer:    aws.NopRetryer{},
	}
	if cfg.Endpoint != "" {
		opts.BaseEndpoint = aws.String(strings.TrimRight(cfg.Endpoint, "/"))
	}
	red := newRedactor(cfg.APIKey)
	switch {
	case cfg.APIKey != "":
		key := cfg.APIKey
		opts.BearerAuthTokenProvider = bearer.TokenProviderFunc(func(context.Context) (bearer.Token, error) {
			return bearer.Token{Value: key}, nil
		})
		opts.AuthSchemePreference = []string{"httpBearerAuth"}
	case cfg.Credentials != nil && cfg.Credentials.AccessKeyID != "" && cfg.Credentials.SecretAccessKey != "":
		c := cfg.Credentials
		opts.Credentials = c.credentialsProvider()
		red = red.with(c.SecretAccessKey, c.SessionToken)
	default:
		return nil, errors.New("bedrock: an access key and secret key, or an API key, are required")
	}
	if len(cfg.Headers) > 0 || len(cfg.QueryParams) > 0 {
		opts.APIOptions = append(opts.APIOptions, addToRequest(cfg.Headers, cfg.QueryParams))
		for _, v := range cfg.Headers {
			red = red.with(v)
		}
		for _, v := range cfg.QueryParams {
			red = red.with(v)
		}
	}
	return &Bedrock{
		client:  bedrockruntime.New(opts),
		extra:   cfg.AdditionalFields,
		timeout: cfg.Timeout,
		red:     red,
		log:     loggerOrDefault(cfg.Logger).With("llm", ProviderBedrock),
	}, nil
}

// Chat implements Client.
func (c *Bedrock) Chat(ctx context.Context, req *Request) (*Response, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	names, err := newToolNames(req)
	if err != nil {
		return nil, c.unsupported(err)
	}
	in, err := c.input(req, names)
	if err != nil {
		return nil, c.unsupported(err)
	}
	return exchange(ctx, c.log, "converse", req.Model,
		func() (*bedrockruntime.ConverseOutput, error) { return c.client.Converse(ctx, in) },
		c.error, func(out *bedrockruntime.ConverseOutput) (*Response, error) { return c.response(out, names) })
}

func (c *Bedrock) unsupported(err error) *Error {
	return &Error{Provider: ProviderBedrock, Kind: KindUnsupported, Message: c.red.apply(err.Error())}
}

func (c *Bedrock) input(req *Request, names *toolNames) (*bedrockruntime.ConverseInput, error) {
	in := &bedrockruntime.ConverseInput{ModelId: aws.String(req.Model)}
	for i, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			text, err := textOnly(m.Content)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			in.System = append(in.System, &types.SystemContentBlockMemberText{Value: text})
		case RoleUser:
			var blocks []types.ContentBlock
			for j, ct := range m.Content {
				b, err := bedrockBlock(ct, j)
				if err != nil {
					return nil, fmt.Errorf("message %d: %w", i, err)
				}
				blocks = append(blocks, b)
			}
			in.Messages = appendBedrock(in.Messages, types.ConversationRoleUser, blocks)
		case RoleAssistant:
			text, err := textOnly(m.Content)
			if err != nil {
				return nil, fmt.Errorf("message %d: %w", i, err)
			}
			var blocks []types.ContentBlock
			if text != "" {
				blocks = append(blocks, &types.ContentBlockMemberText{Value: text})
			}
			for _, tc := range m.ToolCalls {
				var args any = map[string]any{}
				if len(tc.Arguments) > 0 {
					if err := json.Unmarshal(tc.Arguments, &args); err != nil {
						return nil, fmt.Errorf("tool call %q: arguments: %w", tc.ID, err)
					}
				}
				blocks = append(blocks, &types.ContentBlockMemberToolUse{Value: types.ToolUseBlock{
					ToolUseId: aws.String(tc.ID), Name: aws.String(names.vendor(tc.Name)), Input: document.NewLazyDocument(args),
				}})
			}
			in.Messages = appendBedrock(in.Messages, types.ConversationRoleAssistant, blocks)
		case RoleTool:
			var blocks []types.ContentBlock
			for _, r := range m.ToolResults {
				text, err := textOnly(r.Content)
				if err != nil {
					return nil, fmt.Errorf("tool result %q: %w", r.ID, err)
				}
				res := types.ToolResultBlock{ToolUseId: aws.String(r.ID),
					Content: []types.ToolResultContentBlock{&types.ToolResultContentBlockMemberText{Value: text}}}
				if r.IsError {
					res.Status = types.ToolResultStatusError
				}
				blocks = append(blocks, &types.ContentBlockMemberToolResult{Value: res})
			}
			in.Messages = appendBedrock(in.Messages, types.ConversationRoleUser, blocks)
		default:
			return nil, fmt.Errorf("message %d: unknown role %q", i, m.Role)
		}
	}
	if len(req.Tools) > 0 {
		tc := &types.ToolConfiguration{}
		for _, t := range req.Tools {
			var schema any = map[string]any{"type": "object", "properties": map[string]any{}}
			if len(t.InputSchema) > 0 {
				if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
					return nil, fmt.Errorf("tool %q: input schema: %w", t.Name, err)
				}
			}
			spec := types.ToolSpecification{Name: aws.String(names.vendor(t.Name)),
				InputSchema: &types.ToolInputSchemaMemberJson{Value: document.NewLazyDocument(schema)}}
			if t.Description != "" {
				spec.Description = aws.String(t.Description)
			}
			tc.Tools = append(tc.Tools, &types.ToolMemberToolSpec{Value: spec})
		}
		in.ToolConfig = tc
	}
	p := req.Params
	if p.MaxTokens != nil || p.Temperature != nil || p.TopP != nil {
		ic := &types.InferenceConfiguration{}
		if p.MaxTokens != nil {
			ic.MaxTokens = aws.Int32(int32(*p.MaxTokens))
		}
		if p.Temperature != nil {
			ic.Temperature = aws.Float32(float32(*p.Temperature))
		}
		if p.TopP != nil {
			ic.TopP = aws.Float32(float32(*p.TopP))
		}
		in.InferenceConfig = ic
	}
	if len(c.extra) > 0 {
		in.AdditionalModelRequestFields = document.NewLazyDocument(c.extra)
	}
	if req.ResponseFormat.Type == FormatJSONSchema {
		// Converse has no JSON mode every model takes: the caller parses the
		// text, and the system prompt carries the schema.
		in.System = append(in.System, &types.SystemContentBlockMemberText{Value: "Answer with JSON only, matching this JSON schema: " + string(req.ResponseFormat.Schema)})
	}
	if req.Params.PromptCaching {
		bedrockCachePoints(in)
	}
	return in, nil
}

// bedrockCachePoints marks the prefix that stays the same from call to call
// (the system prompt, or the tools when there is no system prompt) and the
// conversation so far (the end of the last message) for prompt caching.
func bedrockCachePoints(in *bedrockruntime.ConverseInput) {
	point := types.CachePointBlock{Type: types.CachePointTypeDefault}
	switch {
	case len(in.System) > 0:
		in.System = append(in.System, &types.SystemContentBlockMemberCachePoint{Value: point})
	case in.ToolConfig != nil && len(in.ToolConfig.Tools) > 0:
		in.ToolConfig.Tools = append(in.ToolConfig.Tools, &types.ToolMemberCachePoint{Value: point})
	}
	if n := len(in.Messages); n > 0 {
		last := &in.Messages[n-1]
		last.Content = append(last.Content, &types.ContentBlockMemberCachePoint{Value: point})
	}
}

// appendBedrock adds a message, merging it into the previous one of the
// same role (Converse wants user and assistant turns to alternate).
func appendBedrock(msgs []types.Message, role types.ConversationRole, blocks []types.ContentBlock) []types.Message {
	if len(blocks) == 0 {
		return msgs
	}
	if n := len(msgs); n > 0 && msgs[n-1].Role == role {
		msgs[n-1].Content = append(msgs[n-1].Content, blocks...)
		return msgs
	}
	return append(msgs, types.Message{Role: role, Content: blocks})
}

func bedrockBlock(c Content, i int) (types.ContentBlock, error) {
	switch c.Type {
	case ContentText, "":
		return &types.ContentBlockMemberText{Value: c.Text}, nil
	case ContentImage:
		if len(c.Data) == 0 {
			return nil, errors.New("Bedrock takes images as data, not URLs")
		}
		format := strings.TrimPrefix(c.MediaType, "image/")
		return &types.ContentBlockMemberImage{Value: types.ImageBlock{Format: types.ImageFormat(format),
			Source: &types.ImageSourceMemberBytes{Value: c.Data}}}, nil
	case ContentDocument:
		format := map[string]types.DocumentFormat{"application/pdf": types.DocumentFormatPdf, "text/csv": types.DocumentFormatCsv,
			"text/html": types.DocumentFormatHtml, "text/plain": types.DocumentFormatTxt, "text/markdown": types.DocumentFormatMd}[c.MediaType]
		if format == "" {
			return nil, fmt.Errorf("Bedrock cannot read documents of type %q", c.MediaType)
		}
		name := c.Filename
		if name == "" {
			name = fmt.Sprintf("document-%d", i+1)
		}
		return &types.ContentBlockMemberDocument{Value: types.DocumentBlock{Format: format, Name: aws.String(name),
			Source: &types.DocumentSourceMemberBytes{Value: c.Data}}}, nil
	}
	return nil, fmt.Errorf("unknown content type %q", c.Type)
}

func (c *Bedrock) response(out *bedrockruntime.ConverseOutput, names *toolNames) (*Response, error) {
	resp := &Response{Message: Message{Role: RoleAssistant}, RawFinishReason: string(out.StopReason)}
	if out.Usage != nil {
		resp.Usage = Usage{InputTokens: int64(aws.ToInt32(out.Usage.InputTokens)), OutputTokens: int64(aws.ToInt32(out.Usage.OutputTokens))}
	}
	msg, ok := out.Output.(*types.ConverseOutputMemberMessage)
	if !ok {
		return nil, &Error{Provider: ProviderBedrock, Kind: KindInvalidResponse, Message: "the answer has no message"}
	}
	var text strings.Builder
	for _, b := range msg.Value.Content {
		switch b := b.(type) {
		case *types.ContentBlockMemberText:
			text.WriteString(b.Value)
		case *types.ContentBlockMemberToolUse:
			args := []byte("{}")
			if b.Value.Input != nil {
				raw, err := b.Value.Input.MarshalSmithyDocument()
				if err != nil || !json.Valid(raw) {
					return nil, &Error{Provider: ProviderBedrock, Kind: KindInvalidResponse, Retryable: true,
						Message: fmt.Sprintf("tool call %q has arguments that are not JSON", aws.ToString(b.Value.ToolUseId))}
				}
				if string(raw) != "null" {
					args = raw
				}
			}
			resp.Message.ToolCalls = append(resp.Message.ToolCalls, ToolCall{
				ID: aws.ToString(b.Value.ToolUseId), Name: names.original(aws.ToString(b.Value.Name)), Arguments: args,
			})
		}
	}
	if text.Len() > 0 {
		resp.Message.Content = []Content{Text(text.String())}
	}
	switch out.StopReason {
	case types.StopReasonEndTurn, types.StopReasonStopSequence:
		resp.FinishReason = FinishStop
	case types.StopReasonToolUse:
		resp.FinishReason = FinishToolCalls
	case types.StopReasonMaxTokens, types.StopReasonModelContextWindowExceeded:
		resp.FinishReason = FinishLength
	case types.StopReasonContentFiltered, types.StopReasonGuardrailIntervened:
		resp.FinishReason = FinishContentFilter
	default:
		resp.FinishReason = FinishOther
	}
	if resp.FinishReason == FinishOther && len(resp.Message.ToolCalls) > 0 {
		resp.FinishReason = FinishToolCalls
	}
	return resp, nil
}

func (c *Bedrock) error(ctx context.Context, err error) *Error {
	if e, ok := tooLarge(ProviderBedrock, err); ok {
		return e
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() != 0 {
		var typ, msg string
		var api smithy.APIError
		if errors.As(err, &api) {
			typ, msg = api.ErrorCode(), api.ErrorMessage()
		}
		var header http.Header
		if re.Response != nil && re.Response.Response != nil {
			header = re.Response.Header
		}
		return statusError(ProviderBedrock, re.HTTPStatusCode(), header, typ, msg, c.red)
	}
	var urlErr interface{ Timeout() bool }
	if errors.As(err, &urlErr) || ctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
		return transportError(ctx, ProviderBedrock, err, c.red)
	}
	var op *smithy.OperationError
	if errors.As(err, &op) {
		// The SDK refused before sending (no credentials, bad endpoint) or
		// the connection failed: keep only the innermost cause.
		inner := op.Err
		for {
			u := errors.Unwrap(inner)
			if u == nil {
				break
			}
			inner = u
		}
		e := transportError(ctx, ProviderBedrock, err, c.red)
		e.Message = c.red.apply(inner.Error())
		return e
	}
	return transportError(ctx, ProviderBedrock, err, c.red)
}

// addToRequest adds headers and query parameters to each request in the
// build step, before the finalize step signs it.
func addToRequest(headers, query map[string]string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Build.Add(middleware.BuildMiddlewareFunc("OrcaHeadersAndQuery",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					for k, v := range headers {
						req.Header.Set(k, v)
					}
					if len(query) > 0 {
						q := req.URL.Query()
						for k, v := range query {
							q.Set(k, v)
						}
						req.URL.RawQuery = q.Encode()
					}
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}
