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

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
)

// API is an OpenAI wire format.
type API string

// The OpenAI wire formats.
const (
	// APIChatCompletions is POST {base}/chat/completions, the default.
	APIChatCompletions API = "completions"
	// APIResponses is POST {base}/responses.
	APIResponses API = "responses"
)

// DefaultOpenAIBaseURL is the OpenAI API root.
const DefaultOpenAIBaseURL = "https://api.openai.com/v1"

// DefaultAzureAPIVersion is the Azure OpenAI API version used when none is
// configured.
const DefaultAzureAPIVersion = "2024-10-21"

// Provider names, as they appear in Error.Provider.
const (
	ProviderOpenAI           = "openai"
	ProviderOpenAICompatible = "openai-compatible"
	ProviderAzureOpenAI      = "azure-openai"
	ProviderAnthropic        = "anthropic"
	ProviderBedrock          = "bedrock"
	ProviderGemini           = "google-gemini"
	ProviderVertexAI         = "google-vertex-ai"
)

// OpenAIConfig configures the OpenAI adapter, for OpenAI itself and for
// OpenAI-compatible servers (Ollama, vLLM, LiteLLM, ...).
type OpenAIConfig struct {
	// BaseURL is the API root including the version path, e.g.
	// "http://localhost:11434/v1". Empty means DefaultOpenAIBaseURL; any other
	// value makes the provider "openai-compatible".
	BaseURL string
	// API selects Chat Completions (default) or the Responses API.
	API API
	// APIKey is sent as "Authorization: Bearer"; empty sends none (some
	// compatible servers need no key).
	APIKey string
	// Token, when set, gives the bearer token of each request instead of
	// APIKey (OAuth 2.0 client credentials).
	Token        TokenFunc
	Organization string
	Project      string
	// Headers are added to every request (values count as secrets).
	Headers map[string]string
	// QueryParams are added to every request URL (values count as secrets).
	QueryParams map[string]string
	// ExtraBody sets extra top-level fields of the request body (Camunda's
	// customParameters), e.g. {"top_k": 40} for a compatible server.
	ExtraBody map[string]any
	// LegacyMaxTokens sends Params.MaxTokens as max_tokens instead of
	// max_completion_tokens, for compatible servers that know only the old name.
	LegacyMaxTokens bool
	// Timeout bounds one Chat call (on top of the caller's context); zero
	// means the context alone.
	Timeout time.Duration
	// HTTPClient defaults to a client without its own timeout.
	HTTPClient *http.Client
	Logger     *slog.Logger
}

// AzureOpenAIConfig configures Azure OpenAI. Request.Model is the deployment
// name.
type AzureOpenAIConfig struct {
	// Endpoint is the resource endpoint, e.g. "https://my.openai.azure.com".
	// Plain http is allowed for loopback addresses only.
	Endpoint string
	// APIVersion defaults to DefaultAzureAPIVersion.
	APIVersion string
	// APIKey is sent as the "Api-Key" header.
	APIKey string
	// Token, when set, replaces APIKey: a Microsoft Entra ID token sent as
	// "Authorization: Bearer".
	Token TokenFunc
	// V1 uses Azure's v1 API ({endpoint}/openai/v1/..., the model in the
	// body, no api-version), which Microsoft Foundry serves; otherwise the
	// deployment path with an api-version.
	V1 bool
	// API selects Chat Completions (default) or the Responses API.
	API     API
	Headers map[string]string
	// QueryParams are added to every request URL, ExtraBody to the request
	// body (Camunda's hidden queryParameters and bodyProperties).
	QueryParams map[string]string
	ExtraBody   map[string]any
	Timeout     time.Duration
	HTTPClient  *http.Client
	Logger      *slog.Logger
}

// OpenAI is the adapter for the Chat Completions wire format
// (POST {base}/chat/completions).
type OpenAI struct {
	provider  string
	api       API
	svc       openai.ChatCompletionService
	responses responses.ResponseService
	legacyMax bool
	timeout   time.Duration
	red       redactor
	log       *slog.Logger
}

var _ Client = (*OpenAI)(nil)

// NewOpenAI returns an adapter for OpenAI or an OpenAI-compatible server.
func NewOpenAI(cfg OpenAIConfig) (*OpenAI, error) {
	provider := ProviderOpenAI
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		base = DefaultOpenAIBaseURL
	} else if base != DefaultOpenAIBaseURL {
		provider = ProviderOpenAICompatible
	}
	if _, err := url.Parse(base); err != nil {
		return nil, fmt.Errorf("%s: base URL: %w", provider, err)
	}
	opts := []option.RequestOption{
		option.WithBaseURL(base + "/"),
		option.WithHTTPClient(httpClientOrDefault(cfg.HTTPClient)),
		option.WithMaxRetries(0),
	}
	red := newRedactor(cfg.APIKey)
	switch {
	case cfg.Token != nil:
		opts = append(opts, option.WithMiddleware(withBearer(cfg.Token)))
	case cfg.APIKey != "":
		opts = append(opts, option.WithAPIKey(cfg.APIKey))
	}
	if cfg.Organization != "" {
		opts = append(opts, option.WithOrganization(cfg.Organization))
	}
	if cfg.Project != "" {
		opts = append(opts, option.WithProject(cfg.Project))
	}
	for k, v := range cfg.Headers {
		opts = append(opts, option.WithHeader(k, v))
		red = red.with(v)
	}
	for k, v := range cfg.QueryParams {
		opts = append(opts, option.WithQuery(k, v))
		red = red.with(v)
	}
	for k, v := range cfg.ExtraBody {
		opts = append(opts, option.WithJSONSet(k, v))
	}
	if err := checkAPI(cfg.API); err != nil {
		return nil, fmt.Errorf("%s: %w", provider, err)
	}
	return &OpenAI{
		provider:  provider,
		api:       cfg.API,
		svc:       openai.NewChatCompletionService(opts...),
		responses: responses.NewResponseService(opts...),
		legacyMax: cfg.LegacyMaxTokens,
		timeout:   cfg.Timeout,
		red:       red,
		log:       loggerOrDefault(cfg.Logger).With("llm", provider),
	}, nil
}

// NewAzureOpenAI returns an adapter for Azure OpenAI: the OpenAI wire format
// at {endpoint}/openai/deployments/{model}/chat/completions?api-version=...
func NewAzureOpenAI(cfg AzureOpenAIConfig) (*OpenAI, error) {
	if cfg.Endpoint == "" {
		return nil, errors.New("azure-openai: endpoint is required")
	}
	if cfg.APIKey == "" && cfg.Token == nil {
		return nil, errors.New("azure-openai: an API key or Entra ID credentials are required")
	}
	if err := checkAPI(cfg.API); err != nil {
		return nil, fmt.Errorf("azure-openai: %w", err)
	}
	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("azure-openai: endpoint: %w", err)
	}
	version := cfg.APIVersion
	if version == "" {
		version = DefaultAzureAPIVersion
	}
	opts := []option.RequestOption{
		option.WithHTTPClient(httpClientOrDefault(cfg.HTTPClient)),
		option.WithMaxRetries(0),
	}
	if cfg.V1 {
		opts = append(opts, option.WithBaseURL(strings.TrimRight(cfg.Endpoint, "/")+"/openai/v1/"))
		if cfg.APIVersion != "" {
			opts = append(opts, option.WithQuery("api-version", cfg.APIVersion))
		}
		if cfg.Token == nil {
			opts = append(opts, option.WithHeader("Api-Key", cfg.APIKey))
		}
	} else {
		opts = append(opts, azure.WithEndpoint(cfg.Endpoint, version))
		if cfg.Token == nil {
			opts = append(opts, azure.WithAPIKey(cfg.APIKey))
		}
		if u.Scheme == "http" {
			// The SDK still refuses plain http to anything but loopback.
			opts = append(opts, azure.WithUnsafeAllowHTTP())
		}
	}
	if cfg.Token != nil {
		opts = append(opts, option.WithMiddleware(withBearer(cfg.Token)))
	}
	red := newRedactor(cfg.APIKey)
	for k, v := range cfg.Headers {
		opts = append(opts, option.WithHeader(k, v))
		red = red.with(v)
	}
	for k, v := range cfg.QueryParams {
		opts = append(opts, option.WithQuery(k, v))
		red = red.with(v)
	}
	for k, v := range cfg.ExtraBody {
		opts = append(opts, option.WithJSONSet(k, v))
	}
	return &OpenAI{
		provider:  ProviderAzureOpenAI,
		api:       cfg.API,
		svc:       openai.NewChatCompletionService(opts...),
		responses: responses.NewResponseService(opts...),
		timeout:   cfg.Timeout,
		red:       red,
		log:       loggerOrDefault(cfg.Logger).With("llm", ProviderAzureOpenAI),
	}, nil
}

// Chat implements Client.
func (c *OpenAI) Chat(ctx context.Context, req *Request) (*Response, error) {
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	names, err := newToolNames(req)
	if err != nil {
		return nil, c.unsupported(err)
	}
	if c.api == APIResponses {
		return c.chatResponses(ctx, req, names)
	}
	params, err := c.params(req, names)
	if err != nil {
		return nil, c.unsupported(err)
	}
	return exchange(ctx, c.log, "chat", req.Model,
		func() (*openai.ChatCompletion, error) { return c.svc.New(ctx, params) },
		c.error, func(out *openai.ChatCompletion) (*Response, error) { return c.response(out, names) })
}

func checkAPI(api API) error {
	switch api {
	case "", APIChatCompletions, APIResponses:
		return nil
	}
	return fmt.Errorf("unknown API %q (use %q or %q)", api, APIChatCompletions, APIResponses)
}

func (c *OpenAI) unsupported(err error) *Error {
	return &Error{Provider: c.provider, Kind: KindUnsupported, Message: c.red.apply(err.Error())}
}

func (c *OpenAI) params(req *Request, names *toolNames) (openai.ChatCompletionNewParams, error) {
	p := openai.ChatCompletionNewParams{Model: shared.ChatModel(req.Model)}
	for i, m := range req.Messages {
		msgs, err := openAIMessages(m, names)
		if err != nil {
			return p, fmt.Errorf("message %d: %w", i, err)
		}
		p.Messages = append(p.Messages, msgs...)
	}
	for _, t := range req.Tools {
		fn := shared.FunctionDefinitionParam{Name: names.vendor(t.Name)}
		if t.Description != "" {
			fn.Description = openai.String(t.Description)
		}
		if len(t.InputSchema) > 0 {
			var schema map[string]any
			if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
				return p, fmt.Errorf("tool %q: input schema: %w", t.Name, err)
			}
			fn.Parameters = schema
		}
		p.Tools = append(p.Tools, openai.ChatCompletionToolUnionParam{
			OfFunction: &openai.ChatCompletionFunctionToolParam{Function: fn},
		})
	}
	if v := req.Params.MaxTokens; v != nil {
		if c.legacyMax {
			p.MaxTokens = openai.Int(*v)
		} else {
			p.MaxCompletionTokens = openai.Int(*v)
		}
	}
	if v := req.Params.Temperature; v != nil {
		p.Temperature = openai.Float(*v)
	}
	if v := req.Params.TopP; v != nil {
		p.TopP = openai.Float(*v)
	}
	if e := req.Params.Effort; e != "" {
		p.ReasoningEffort = shared.ReasoningEffort(e)
	}
	switch rf := req.ResponseFormat; rf.Type {
	case "", FormatText:
	case FormatJSONObject:
		p.ResponseFormat.OfJSONObject = &shared.ResponseFormatJSONObjectParam{}
	case FormatJSONSchema:
		if len(rf.Schema) == 0 {
			return p, errors.New("response format json_schema needs a schema")
		}
		var schema map[string]any
		if err := json.Unmarshal(rf.Schema, &schema); err != nil {
			return p, fmt.Errorf("response schema: %w", err)
		}
		js := shared.ResponseFormatJSONSchemaJSONSchemaParam{Name: schemaName(rf.Name), Schema: schema}
		if rf.Strict {
			js.Strict = openai.Bool(true)
		}
		p.ResponseFormat.OfJSONSchema = &shared.ResponseFormatJSONSchemaParam{JSONSchema: js}
	default:
		return p, fmt.Errorf("unknown response format %q", rf.Type)
	}
	return p, nil
}

func schemaName(name string) string {
	if name == "" {
		return "Response"
	}
	return VendorToolName(name)
}

func openAIMessages(m Message, names *toolNames) ([]openai.ChatCompletionMessageParamUnion, error) {
	switch m.Role {
	case RoleSystem:
		text, err := textOnly(m.Content)
		if err != nil {
			return nil, err
		}
		return []openai.ChatCompletionMessageParamUnion{{OfSystem: &openai.ChatCompletionSystemMessageParam{
			Content: openai.ChatCompletionSystemMessageParamContentUnion{OfString: openai.String(text)},
		}}}, nil
	case RoleUser:
		u := &openai.ChatCompletionUserMessageParam{}
		if len(m.Content) == 1 && m.Content[0].Type == ContentText {
			u.Content.OfString = openai.String(m.Content[0].Text)
		} else {
			for _, c := range m.Content {
				part, err := openAIPart(c)
				if err != nil {
					return nil, err
				}
				u.Content.OfArrayOfContentParts = append(u.Content.OfArrayOfContentParts, part)
			}
		}
		return []openai.ChatCompletionMessageParamUnion{{OfUser: u}}, nil
	case RoleAssistant:
		text, err := textOnly(m.Content)
		if err != nil {
			return nil, err
		}
		a := &openai.ChatCompletionAssistantMessageParam{}
		if text != "" || len(m.ToolCalls) == 0 {
			a.Content.OfString = openai.String(text)
		}
		for _, tc := range m.ToolCalls {
			args := string(tc.Arguments)
			if args == "" {
				args = "{}"
			}
			a.ToolCalls = append(a.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
				OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
					ID: tc.ID,
					Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{
						Name:      names.vendor(tc.Name),
						Arguments: args,
					},
				},
			})
		}
		return []openai.ChatCompletionMessageParamUnion{{OfAssistant: a}}, nil
	case RoleTool:
		var out []openai.ChatCompletionMessageParamUnion
		for _, r := range m.ToolResults {
			text, err := textOnly(r.Content)
			if err != nil {
				return nil, fmt.Errorf("tool result %q: %w", r.ID, err)
			}
			out = append(out, openai.ChatCompletionMessageParamUnion{OfTool: &openai.ChatCompletionToolMessageParam{
				ToolCallID: r.ID,
				Content:    openai.ChatCompletionToolMessageParamContentUnion{OfString: openai.String(text)},
			}})
		}
		return out, nil
	default:
		return nil, fmt.Errorf("unknown role %q", m.Role)
	}
}

func openAIPart(c Content) (openai.ChatCompletionContentPartUnionParam, error) {
	switch c.Type {
	case ContentText, "":
		return openai.ChatCompletionContentPartUnionParam{OfText: &openai.ChatCompletionContentPartTextParam{Text: c.Text}}, nil
	case ContentImage:
		u := c.URL
		if u == "" {
			if len(c.Data) == 0 || c.MediaType == "" {
				return openai.ChatCompletionContentPartUnionParam{}, errors.New("image needs a URL or data with a media type")
			}
			u = dataURL(c.MediaType, c.Data)
		}
		return openai.ChatCompletionContentPartUnionParam{OfImageURL: &openai.ChatCompletionContentPartImageParam{
			ImageURL: openai.ChatCompletionContentPartImageImageURLParam{URL: u},
		}}, nil
	case ContentDocument:
		if strings.HasPrefix(c.MediaType, "text/") || c.MediaType == "application/json" {
			return openai.ChatCompletionContentPartUnionParam{OfText: &openai.ChatCompletionContentPartTextParam{Text: string(c.Data)}}, nil
		}
		if len(c.Data) == 0 || c.MediaType == "" {
			return openai.ChatCompletionContentPartUnionParam{}, errors.New("document needs data with a media type")
		}
		f := openai.ChatCompletionContentPartFileFileParam{FileData: openai.String(dataURL(c.MediaType, c.Data))}
		if c.Filename != "" {
			f.Filename = openai.String(c.Filename)
		}
		return openai.ChatCompletionContentPartUnionParam{OfFile: &openai.ChatCompletionContentPartFileParam{File: f}}, nil
	default:
		return openai.ChatCompletionContentPartUnionParam{}, fmt.Errorf("unknown content type %q", c.Type)
	}
}

func dataURL(mediaType string, data []byte) string {
	return "data:" + mediaType + ";base64," + base64.StdEncoding.EncodeToString(data)
}

// textOnly joins text blocks; thinking blocks (another vendor's) are left
// out; any other block is an error.
func textOnly(blocks []Content) (string, error) {
	for _, c := range blocks {
		if c.Type != ContentText && c.Type != "" && c.Type != ContentThinking && c.Type != ContentRedactedThinking {
			return "", fmt.Errorf("%s content is not supported here, only text", c.Type)
		}
	}
	return joinText(blocks), nil
}

func (c *OpenAI) response(out *openai.ChatCompletion, names *toolNames) (*Response, error) {
	if len(out.Choices) == 0 {
		return nil, &Error{Provider: c.provider, Kind: KindInvalidResponse, Message: "the answer has no choices"}
	}
	ch := out.Choices[0]
	resp := &Response{
		ID:              out.ID,
		Model:           out.Model,
		Message:         Message{Role: RoleAssistant},
		Usage:           Usage{InputTokens: out.Usage.PromptTokens, OutputTokens: out.Usage.CompletionTokens},
		RawFinishReason: ch.FinishReason,
	}
	if ch.Message.Content != "" {
		resp.Message.Content = []Content{Text(ch.Message.Content)}
	} else if ch.Message.Refusal != "" {
		resp.Message.Content = []Content{Text(ch.Message.Refusal)}
	}
	for _, tc := range ch.Message.ToolCalls {
		if tc.Type != "" && tc.Type != "function" {
			continue
		}
		args := tc.Function.Arguments
		if strings.TrimSpace(args) == "" {
			args = "{}"
		}
		if !json.Valid([]byte(args)) {
			return nil, &Error{Provider: c.provider, Kind: KindInvalidResponse, Retryable: true,
				Message: fmt.Sprintf("tool call %q has arguments that are not JSON", tc.ID)}
		}
		resp.Message.ToolCalls = append(resp.Message.ToolCalls, ToolCall{
			ID: tc.ID, Name: names.original(tc.Function.Name), Arguments: json.RawMessage(args),
		})
	}
	switch ch.FinishReason {
	case "stop":
		resp.FinishReason = FinishStop
	case "tool_calls", "function_call":
		resp.FinishReason = FinishToolCalls
	case "length":
		resp.FinishReason = FinishLength
	case "content_filter":
		resp.FinishReason = FinishContentFilter
	default:
		resp.FinishReason = FinishOther
	}
	if resp.FinishReason == FinishOther && len(resp.Message.ToolCalls) > 0 {
		resp.FinishReason = FinishToolCalls
	}
	return resp, nil
}

func (c *OpenAI) error(ctx context.Context, err error) *Error {
	var apiErr *openai.Error
	if errors.As(err, &apiErr) {
		var header http.Header
		if apiErr.Response != nil {
			header = apiErr.Response.Header
		}
		typ := apiErr.Code
		if typ == "" {
			typ = apiErr.Type
		}
		msg := apiErr.Message
		if msg == "" {
			msg = vendorMessage(apiErr.RawJSON())
		}
		return statusError(c.provider, apiErr.StatusCode, header, typ, msg, c.red)
	}
	return transportError(ctx, c.provider, err, c.red)
}

// vendorMessage digs a message out of an error body that the SDK could not
// map: {"error":{"message":...}}, {"error":"..."}, {"message":...} or text.
func vendorMessage(raw string) string {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return ""
	}
	var body struct {
		Error   json.RawMessage `json:"error"`
		Message string          `json:"message"`
	}
	if json.Unmarshal([]byte(raw), &body) == nil {
		var inner struct {
			Message string `json:"message"`
		}
		var s string
		switch {
		case json.Unmarshal(body.Error, &inner) == nil && inner.Message != "":
			return inner.Message
		case json.Unmarshal(body.Error, &s) == nil && s != "":
			return s
		case body.Message != "":
			return body.Message
		}
	}
	const limit = 500
	if len(raw) > limit {
		raw = raw[:limit] + "…"
	}
	return raw
}

func httpClientOrDefault(c *http.Client) *http.Client {
	if c == nil {
		c = &http.Client{}
	}
	return cappedClient(c, MaxAnswerBytes)
}

func loggerOrDefault(l *slog.Logger) *slog.Logger {
	if l != nil {
		return l
	}
	return slog.New(slog.DiscardHandler)
}
