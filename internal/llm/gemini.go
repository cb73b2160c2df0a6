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

	"cloud.google.com/go/auth/credentials"
	"cloud.google.com/go/auth/httptransport"
	"google.golang.org/genai"
)

// GeminiConfig configures the Google Gemini adapter: the Gemini API with
// an API key, or Vertex AI (Google's Enterprise Agent Platform) with a
// project, a region and a service account key.
type GeminiConfig struct {
	// APIKey selects the Gemini API.
	APIKey string
	// Project and Location select Vertex AI.
	Project  string
	Location string
	// ServiceAccountJSON is a service account key file's content (Vertex AI).
	ServiceAccountJSON []byte
	// ApplicationDefault finds Vertex AI's credentials as Google's
	// libraries do instead (Application Default Credentials): the file
	// GOOGLE_APPLICATION_CREDENTIALS names, gcloud's well-known file, or the
	// metadata server on Google Cloud.
	ApplicationDefault bool
	// BaseURL replaces Google's endpoint (tests, proxies).
	BaseURL string
	// ThinkingLevel ("minimal", "low", "medium", "high") or ThinkingBudget
	// (tokens; -1 dynamic, 0 off) tune the thinking of models that think.
	ThinkingLevel  string
	ThinkingBudget *int32
	Timeout        time.Duration
	HTTPClient     *http.Client
	Logger         *slog.Logger
}

// Gemini is the adapter for generateContent through Google's Gen AI SDK.
type Gemini struct {
	provider string
	models   *genai.Models
	cfg      GeminiConfig
	red      redactor
	log      *slog.Logger
}

var _ Client = (*Gemini)(nil)

// NewGemini returns a Gemini API or Vertex AI adapter.
func NewGemini(ctx context.Context, cfg GeminiConfig) (*Gemini, error) {
	hc := httpClientOrDefault(cfg.HTTPClient)
	cc := &genai.ClientConfig{HTTPClient: hc, HTTPOptions: genai.HTTPOptions{BaseURL: cfg.BaseURL}}
	provider := ProviderGemini
	red := newRedactor(cfg.APIKey)
	switch {
	case cfg.Project != "" || len(cfg.ServiceAccountJSON) > 0 || cfg.ApplicationDefault:
		provider = ProviderVertexAI
		if cfg.Project == "" || cfg.Location == "" {
			return nil, errors.New("google-vertex-ai: a project ID and a region are required")
		}
		if len(cfg.ServiceAccountJSON) == 0 && !cfg.ApplicationDefault {
			return nil, errors.New("google-vertex-ai: a service account key (JSON) is required")
		}
		creds, err := credentials.DetectDefault(&credentials.DetectOptions{
			CredentialsJSON: cfg.ServiceAccountJSON,
			Scopes:          []string{"https://www.googleapis.com/auth/cloud-platform"},
			Client:          hc,
		})
		switch {
		case err != nil && len(cfg.ServiceAccountJSON) == 0:
			return nil, fmt.Errorf("google-vertex-ai: no Application Default Credentials found: %s", firstLine(err.Error()))
		case err != nil:
			return nil, fmt.Errorf("google-vertex-ai: the service account key cannot be read: %s", firstLine(err.Error()))
		}
		// genai signs requests only on a client it makes itself; on ours the
		// credentials go on the transport.
		ac, err := httptransport.NewClient(&httptransport.Options{Credentials: creds, BaseRoundTripper: hc.Transport})
		if err != nil {
			return nil, fmt.Errorf("google-vertex-ai: %s", firstLine(err.Error()))
		}
		ac.Timeout = hc.Timeout
		cc.HTTPClient = ac
		cc.Backend, cc.Project, cc.Location = genai.BackendVertexAI, cfg.Project, cfg.Location
	case cfg.APIKey != "":
		cc.Backend, cc.APIKey = genai.BackendGeminiAPI, cfg.APIKey
	default:
		return nil, errors.New("google-gemini: an API key is required")
	}
	client, err := genai.NewClient(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("%s: %s", provider, red.apply(err.Error()))
	}
	return &Gemini{provider: provider, models: client.Models, cfg: cfg, red: red,
		log: loggerOrDefault(cfg.Logger).With("llm", provider)}, nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// Chat implements Client.
func (c *Gemini) Chat(ctx context.Context, req *Request) (*Response, error) {
	if c.cfg.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.Timeout)
		defer cancel()
	}
	names, err := newToolNames(req)
	if err != nil {
		return nil, c.unsupported(err)
	}
	contents, config, err := c.params(req, names)
	if err != nil {
		return nil, c.unsupported(err)
	}
	return exchange(ctx, c.log, "generateContent", req.Model,
		func() (*genai.GenerateContentResponse, error) {
			return c.models.GenerateContent(ctx, req.Model, contents, config)
		},
		c.error, func(out *genai.GenerateContentResponse) (*Response, error) { return c.response(out, names) })
}

func (c *Gemini) unsupported(err error) *Error {
	return &Error{Provider: c.provider, Kind: KindUnsupported, Message: c.red.apply(err.Error())}
}

func (c *Gemini) params(req *Request, names *toolNames) ([]*genai.Content, *genai.GenerateContentConfig, error) {
	config := &genai.GenerateContentConfig{}
	var contents []*genai.Content
	var system []*genai.Part
	add := func(role string, parts []*genai.Part) {
		if len(parts) == 0 {
			return
		}
		if n := len(contents); n > 0 && contents[n-1].Role == role {
			contents[n-1].Parts = append(contents[n-1].Parts, parts...)
			return
		}
		contents = append(contents, &genai.Content{Role: role, Parts: parts})
	}
	// Gemini names a function response by the function, not the call id.
	callNames := map[string]string{}
	for i, m := range req.Messages {
		switch m.Role {
		case RoleSystem:
			text, err := textOnly(m.Content)
			if err != nil {
				return nil, nil, fmt.Errorf("message %d: %w", i, err)
			}
			system = append(system, &genai.Part{Text: text})
		case RoleUser:
			var parts []*genai.Part
			for _, ct := range m.Content {
				switch ct.Type {
				case ContentText, "":
					parts = append(parts, &genai.Part{Text: ct.Text})
				case ContentImage, ContentDocument:
					if len(ct.Data) == 0 {
						return nil, nil, fmt.Errorf("message %d: Gemini takes images and documents as data, not URLs", i)
					}
					parts = append(parts, &genai.Part{InlineData: &genai.Blob{MIMEType: ct.MediaType, Data: ct.Data}})
				default:
					return nil, nil, fmt.Errorf("message %d: unknown content type %q", i, ct.Type)
				}
			}
			add(genai.RoleUser, parts)
		case RoleAssistant:
			text, err := textOnly(m.Content)
			if err != nil {
				return nil, nil, fmt.Errorf("message %d: %w", i, err)
			}
			var parts []*genai.Part
			if text != "" {
				parts = append(parts, &genai.Part{Text: text})
			}
			for _, tc := range m.ToolCalls {
				args := map[string]any{}
				if len(tc.Arguments) > 0 {
					if err := json.Unmarshal(tc.Arguments, &args); err != nil {
						return nil, nil, fmt.Errorf("tool call %q: arguments: %w", tc.ID, err)
					}
				}
				name := names.vendor(tc.Name)
				callNames[tc.ID] = name
				parts = append(parts, &genai.Part{FunctionCall: &genai.FunctionCall{ID: tc.ID, Name: name, Args: args}})
			}
			add(genai.RoleModel, parts)
		case RoleTool:
			var parts []*genai.Part
			for _, r := range m.ToolResults {
				text, err := textOnly(r.Content)
				if err != nil {
					return nil, nil, fmt.Errorf("tool result %q: %w", r.ID, err)
				}
				name := callNames[r.ID]
				if name == "" {
					name = names.vendor(r.Name)
				}
				key := "output"
				if r.IsError {
					key = "error"
				}
				parts = append(parts, &genai.Part{FunctionResponse: &genai.FunctionResponse{ID: r.ID, Name: name,
					Response: map[string]any{key: text}}})
			}
			add(genai.RoleUser, parts)
		default:
			return nil, nil, fmt.Errorf("message %d: unknown role %q", i, m.Role)
		}
	}
	if len(system) > 0 {
		config.SystemInstruction = &genai.Content{Parts: system}
	}
	if len(req.Tools) > 0 {
		tool := &genai.Tool{}
		for _, t := range req.Tools {
			fd := &genai.FunctionDeclaration{Name: names.vendor(t.Name), Description: t.Description}
			if len(t.InputSchema) > 0 {
				var schema any
				if err := json.Unmarshal(t.InputSchema, &schema); err != nil {
					return nil, nil, fmt.Errorf("tool %q: input schema: %w", t.Name, err)
				}
				fd.ParametersJsonSchema = schema
			}
			tool.FunctionDeclarations = append(tool.FunctionDeclarations, fd)
		}
		config.Tools = []*genai.Tool{tool}
	}
	p := req.Params
	if p.MaxTokens != nil {
		config.MaxOutputTokens = int32(*p.MaxTokens)
	}
	if p.Temperature != nil {
		config.Temperature = genai.Ptr(float32(*p.Temperature))
	}
	if p.TopP != nil {
		config.TopP = genai.Ptr(float32(*p.TopP))
	}
	if p.TopK != nil {
		config.TopK = genai.Ptr(float32(*p.TopK))
	}
	if c.cfg.ThinkingLevel != "" || c.cfg.ThinkingBudget != nil {
		tc := &genai.ThinkingConfig{ThinkingBudget: c.cfg.ThinkingBudget}
		if l := c.cfg.ThinkingLevel; l != "" && !strings.EqualFold(l, "default") {
			tc.ThinkingLevel = genai.ThinkingLevel(strings.ToUpper(l))
		}
		config.ThinkingConfig = tc
	}
	switch rf := req.ResponseFormat; rf.Type {
	case "", FormatText:
	case FormatJSONObject:
		config.ResponseMIMEType = "application/json"
	case FormatJSONSchema:
		var schema any
		if err := json.Unmarshal(rf.Schema, &schema); err != nil {
			return nil, nil, fmt.Errorf("response schema: %w", err)
		}
		config.ResponseMIMEType, config.ResponseJsonSchema = "application/json", schema
	default:
		return nil, nil, fmt.Errorf("unknown response format %q", rf.Type)
	}
	return contents, config, nil
}

func (c *Gemini) response(out *genai.GenerateContentResponse, names *toolNames) (*Response, error) {
	resp := &Response{ID: out.ResponseID, Model: out.ModelVersion, Message: Message{Role: RoleAssistant}}
	if u := out.UsageMetadata; u != nil {
		resp.Usage = Usage{InputTokens: int64(u.PromptTokenCount), OutputTokens: int64(u.CandidatesTokenCount)}
	}
	if len(out.Candidates) == 0 {
		if out.PromptFeedback != nil && out.PromptFeedback.BlockReason != "" {
			resp.FinishReason, resp.RawFinishReason = FinishContentFilter, string(out.PromptFeedback.BlockReason)
			return resp, nil
		}
		return nil, &Error{Provider: c.provider, Kind: KindInvalidResponse, Message: "the answer has no candidates"}
	}
	cand := out.Candidates[0]
	resp.RawFinishReason = string(cand.FinishReason)
	var text strings.Builder
	if cand.Content != nil {
		for i, p := range cand.Content.Parts {
			switch {
			case p.FunctionCall != nil:
				args, err := json.Marshal(p.FunctionCall.Args)
				if err != nil || string(args) == "null" {
					args = []byte("{}")
				}
				id := p.FunctionCall.ID
				if id == "" {
					// The Gemini API may leave out call ids; the agent needs one.
					id = fmt.Sprintf("%s_%d", p.FunctionCall.Name, i)
				}
				resp.Message.ToolCalls = append(resp.Message.ToolCalls, ToolCall{ID: id, Name: names.original(p.FunctionCall.Name), Arguments: args})
			case p.Text != "" && !p.Thought:
				text.WriteString(p.Text)
			}
		}
	}
	if text.Len() > 0 {
		resp.Message.Content = []Content{Text(text.String())}
	}
	switch cand.FinishReason {
	case genai.FinishReasonStop, "":
		resp.FinishReason = FinishStop
	case genai.FinishReasonMaxTokens:
		resp.FinishReason = FinishLength
	case genai.FinishReasonSafety, genai.FinishReasonRecitation, genai.FinishReasonBlocklist,
		genai.FinishReasonProhibitedContent, genai.FinishReasonSPII:
		resp.FinishReason = FinishContentFilter
	default:
		resp.FinishReason = FinishOther
	}
	if len(resp.Message.ToolCalls) > 0 && resp.FinishReason != FinishContentFilter {
		resp.FinishReason = FinishToolCalls
	}
	return resp, nil
}

func (c *Gemini) error(ctx context.Context, err error) *Error {
	var api genai.APIError
	if errors.As(err, &api) && api.Code != 0 {
		return statusError(c.provider, api.Code, nil, api.Status, vendorMessage(api.Message), c.red)
	}
	e := transportError(ctx, c.provider, err, c.red)
	if e.Kind == KindUnsupported {
		// The token endpoint of a service account refused, or the SDK
		// failed before sending: the last cause is what the user can fix.
		e.Message = c.red.apply(lastCause(err))
	}
	return e
}

func lastCause(err error) string {
	for {
		u := errors.Unwrap(err)
		if u == nil {
			return firstLine(err.Error())
		}
		err = u
	}
}
