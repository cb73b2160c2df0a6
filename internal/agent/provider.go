package agent

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/iso8601"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/worker"
)

// chatModel is a configured LLM.
type chatModel struct {
	client   llm.Client
	provider string // provider.type, for metrics
	model    string
	params   llm.Params
	timeout  time.Duration
}

// DefaultModelTimeout bounds a model call when the provider sets none.
const DefaultModelTimeout = 3 * time.Minute

// providerKeys maps provider.type to the variable that holds its settings.
// The Camunda 8.10 templates (".v2") write anthropic, bedrock, openai,
// google-gemini, mistral and custom; the older ones anthropic, bedrock,
// azureOpenAi, google-vertex-ai, openai and openaiCompatible.
var providerKeys = map[string]string{
	"anthropic":        "anthropic",
	"bedrock":          "bedrock",
	"openai":           "openai",
	"google-gemini":    "googleGemini",
	"mistral":          "mistral",
	"azureOpenAi":      "azureOpenAi",
	"google-vertex-ai": "googleVertexAi",
	"openaiCompatible": "openaiCompatible",
}

func supportedProviders() string {
	names := make([]string, 0, len(providerKeys))
	for k := range providerKeys {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// settings reads one provider's settings; its paths name the template's
// fields in errors (provider.openai.backend.foundry.endpoint, ...).
type settings struct {
	prefix string
	m      map[string]any
}

func (s settings) at(path ...string) settings {
	m, _ := lookup(s.m, path...).(map[string]any)
	return settings{prefix: s.prefix + "." + strings.Join(path, "."), m: m}
}

func (s settings) name(path ...string) string { return s.prefix + "." + strings.Join(path, ".") }

func (s settings) str(path ...string) string {
	switch v := lookup(s.m, path...).(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	}
	return ""
}

func (s settings) need(path ...string) (string, error) {
	v := s.str(path...)
	if v == "" {
		return "", newError(ErrInvalidRequest, "%s must not be empty", s.name(path...))
	}
	return v, nil
}

func (s settings) num(path ...string) (float64, bool, error) {
	switch v := lookup(s.m, path...).(type) {
	case nil:
		return 0, false, nil
	case json.Number:
		f, err := v.Float64()
		return f, err == nil, err
	case float64:
		return v, true, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return 0, false, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, false, newError(ErrInvalidRequest, "%s must be a number, not '%s'", s.name(path...), v)
		}
		return f, true, nil
	}
	return 0, false, newError(ErrInvalidRequest, "%s must be a number", s.name(path...))
}

func (s settings) int(path ...string) (*int64, error) {
	f, ok, err := s.num(path...)
	if err != nil || !ok {
		return nil, err
	}
	i := int64(f)
	return &i, nil
}

func (s settings) float(path ...string) (*float64, error) {
	f, ok, err := s.num(path...)
	if err != nil || !ok {
		return nil, err
	}
	return &f, nil
}

func (s settings) strings(path ...string) map[string]string { return stringMap(lookup(s.m, path...)) }

func (s settings) object(path ...string) map[string]any {
	m, _ := lookup(s.m, path...).(map[string]any)
	return m
}

// modelEnv is what building a model needs besides the provider variable.
type modelEnv struct {
	secrets worker.Secrets
	http    *http.Client
}

// newChatModel builds the LLM client the provider variable describes. The
// provider type is checked first, then the secrets of that provider's
// settings (and only those) are resolved.
func newChatModel(ctx context.Context, p map[string]any, env modelEnv) (*chatModel, error) {
	typ, _ := p["type"].(string)
	if typ == "" {
		return nil, newError(ErrInvalidRequest, "provider.type must name the model provider (%s)", supportedProviders())
	}
	if typ == "custom" {
		return nil, newError(ErrInvalidRequest, "the custom model provider '%s' is a Java extension of Camunda's connector runtime; Orca cannot run it. Use one of: %s",
			stringOr(p["providerType"], "?"), supportedProviders())
	}
	key, ok := providerKeys[typ]
	if !ok {
		return nil, newError(ErrInvalidRequest, "the model provider '%s' is not supported; use one of: %s", typ, supportedProviders())
	}
	raw, _ := p[key].(map[string]any)
	if raw == nil {
		return nil, newError(ErrInvalidRequest, "provider.%s holds no settings for the provider '%s'", key, typ)
	}
	resolved, err := worker.ResolveSecrets(raw, env.secrets)
	if err != nil {
		return nil, newError(ErrInvalidRequest, "provider.%s: %v", key, err)
	}
	s := settings{prefix: "provider." + key, m: resolved.(map[string]any)}
	m := &chatModel{timeout: DefaultModelTimeout}
	if t := s.str("timeouts", "timeout"); t != "" {
		d, err := iso8601.ParseDuration(t)
		if err != nil {
			return nil, newError(ErrInvalidRequest, "%s must be an ISO 8601 duration such as PT60S, not '%s'", s.name("timeouts", "timeout"), t)
		}
		now := time.Now()
		m.timeout = d.AddTo(now).Sub(now)
	}
	if err := m.readParams(s.at("model", "parameters")); err != nil {
		return nil, err
	}
	m.model = s.str("model", "model")
	var client llm.Client
	switch typ {
	case "openai":
		if s.m["backend"] != nil || s.m["api"] != nil {
			client, err = openAIv2(s, m, env)
		} else {
			client, err = llm.NewOpenAI(llm.OpenAIConfig{APIKey: s.str("authentication", "apiKey"), Organization: s.str("authentication", "organizationId"),
				Project: s.str("authentication", "projectId"), BaseURL: s.str("endpoint"), Timeout: m.timeout, HTTPClient: env.http})
			if m.model == "" {
				m.model = "gpt-4o"
			}
		}
	case "openaiCompatible":
		endpoint, err2 := s.need("endpoint")
		if err2 != nil {
			return nil, err2
		}
		client, err = llm.NewOpenAI(llm.OpenAIConfig{APIKey: s.str("authentication", "apiKey"), BaseURL: endpoint, Headers: s.strings("headers"),
			QueryParams: s.strings("queryParameters"), ExtraBody: s.object("model", "parameters", "customParameters"), Timeout: m.timeout, HTTPClient: env.http})
	case "azureOpenAi":
		m.model = s.str("model", "deploymentName")
		cfg := llm.AzureOpenAIConfig{Endpoint: s.str("endpoint"), Timeout: m.timeout, HTTPClient: env.http}
		if cfg.Token, cfg.APIKey, err = azureAuth(s.at("authentication"), llm.EntraScopeCognitiveServices, env); err != nil {
			return nil, err
		}
		client, err = llm.NewAzureOpenAI(cfg)
	case "anthropic":
		if err := m.anthropicParams(s.at("model", "parameters")); err != nil {
			return nil, err
		}
		if s.m["backend"] != nil {
			client, err = anthropicV2(ctx, s, m, env)
		} else {
			client, err = llm.NewAnthropic(llm.AnthropicConfig{APIKey: s.str("authentication", "apiKey"), BaseURL: s.str("endpoint"),
				Timeout: m.timeout, HTTPClient: env.http})
		}
	case "bedrock":
		cfg := llm.BedrockConfig{Region: s.str("region"), Endpoint: s.str("endpoint"), Timeout: m.timeout, HTTPClient: env.http,
			AdditionalFields: s.object("bodyProperties")}
		m.params.PromptCaching = promptCaching(s.at("model", "parameters"))
		if cfg.Region == "" {
			return nil, newError(ErrInvalidRequest, "%s must name an AWS region", s.name("region"))
		}
		if cfg.Credentials, cfg.APIKey, err = awsAuth(ctx, s.at("authentication"), cfg.Region); err != nil {
			return nil, err
		}
		client, err = llm.NewBedrock(cfg)
	case "google-gemini":
		client, err = geminiV2(ctx, s, m, env)
	case "google-vertex-ai":
		client, err = vertexAI(ctx, s, "", nil, m, env)
	case "mistral":
		client, err = mistral(s, m, env)
	}
	if err != nil {
		if e, ok := err.(*Error); ok {
			return nil, e
		}
		return nil, newError(ErrInvalidRequest, "%s", err.Error())
	}
	if m.model == "" {
		field := s.name("model", "model")
		if typ == "azureOpenAi" {
			field = s.name("model", "deploymentName")
		}
		return nil, newError(ErrInvalidRequest, "%s must name a model", field)
	}
	m.client, m.provider = client, typ
	return m, nil
}

func stringOr(v any, def string) string {
	if s, ok := v.(string); ok && s != "" {
		return s
	}
	return def
}

// readParams reads model.parameters: the names of every template version.
func (m *chatModel) readParams(s settings) error {
	var err error
	for _, n := range []string{"maxTokens", "maxCompletionTokens", "maxOutputTokens"} {
		if m.params.MaxTokens, err = s.int(n); err != nil || m.params.MaxTokens != nil {
			break
		}
	}
	if err != nil {
		return err
	}
	if m.params.Temperature, err = s.float("temperature"); err != nil {
		return err
	}
	if m.params.TopP, err = s.float("topP"); err != nil {
		return err
	}
	if m.params.TopK, err = s.int("topK"); err != nil {
		return err
	}
	m.params.Effort = strings.ToLower(s.str("effort"))
	return nil
}

// promptCaching reads promptCaching.enabled of model.parameters (a
// boolean, or "true" from a FEEL-less text field).
func promptCaching(s settings) bool {
	switch b := s.at("promptCaching").m["enabled"].(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true")
	}
	return false
}

// anthropicParams reads the 8.10 Anthropic model parameters beyond the
// sampling ones: thinking (mode, budgetTokens, display) and promptCaching.
// Effort is read by readParams.
func (m *chatModel) anthropicParams(s settings) error {
	m.params.PromptCaching = promptCaching(s)
	th := s.at("thinking")
	mode := llm.ThinkingMode(strings.ToLower(th.str("mode")))
	switch mode {
	case "":
		return nil
	case llm.ThinkingEnabled:
		budget, err := th.int("budgetTokens")
		if err != nil {
			return err
		}
		maxTokens := int64(llm.DefaultAnthropicMaxTokens)
		if m.params.MaxTokens != nil {
			maxTokens = *m.params.MaxTokens
		}
		if budget == nil || *budget < 1024 || *budget >= maxTokens {
			return newError(ErrInvalidRequest, "%s must be at least 1024 and less than the maximum tokens (%d) when thinking mode is 'enabled'",
				th.name("budgetTokens"), maxTokens)
		}
		m.params.Thinking = &llm.Thinking{Mode: mode, BudgetTokens: *budget}
	case llm.ThinkingAdaptive:
		display := strings.ToLower(th.str("display"))
		if display != "" && display != "summarized" && display != "omitted" {
			return newError(ErrInvalidRequest, "%s must be 'summarized' or 'omitted', not '%s'", th.name("display"), display)
		}
		m.params.Thinking = &llm.Thinking{Mode: mode, Display: display}
	case llm.ThinkingDisabled:
		m.params.Thinking = &llm.Thinking{Mode: mode}
	default:
		return newError(ErrInvalidRequest, "%s must be 'enabled', 'adaptive' or 'disabled', not '%s'", th.name("mode"), mode)
	}
	return nil
}

// openAIv2 is the 8.10 OpenAI provider: api.type and a backend.
func openAIv2(s settings, m *chatModel, env modelEnv) (llm.Client, error) {
	api := llm.API(s.str("api", "type"))
	switch api {
	case "":
		api = llm.APIResponses
	case llm.APIChatCompletions, llm.APIResponses:
	default:
		return nil, newError(ErrInvalidRequest, "%s must be 'responses' or 'completions', not '%s'", s.name("api", "type"), api)
	}
	if e := s.str("api", "responses", "effort"); e != "" && api == llm.APIResponses {
		m.params.Effort = strings.ToLower(e)
	}
	b := s.at("backend")
	switch t := b.str("type"); t {
	case "openai-api", "direct", "":
		o := b.at("openai")
		if o.m == nil {
			o = b // early 8.10 alphas kept the fields on the backend itself
		}
		key, err := o.need("apiKey")
		if err != nil {
			return nil, err
		}
		return llm.NewOpenAI(llm.OpenAIConfig{API: api, APIKey: key, Organization: o.str("organizationId"), Project: o.str("projectId"),
			BaseURL: o.str("endpoint"), Headers: b.strings("headers"), QueryParams: b.strings("queryParameters"),
			ExtraBody: b.object("bodyProperties"), Timeout: m.timeout, HTTPClient: env.http})
	case "foundry":
		f := b.at("foundry")
		endpoint, err := f.need("endpoint")
		if err != nil {
			return nil, err
		}
		cfg := llm.AzureOpenAIConfig{Endpoint: endpoint, V1: true, API: api, Headers: f.strings("headers"), Timeout: m.timeout, HTTPClient: env.http}
		if cfg.Token, cfg.APIKey, err = azureAuth(f.at("authentication"), llm.EntraScopeCognitiveServices, env); err != nil {
			return nil, err
		}
		return llm.NewAzureOpenAI(cfg)
	case "custom", "compatible":
		c := b.at("custom")
		if c.m == nil {
			c = b
		}
		endpoint, err := c.need("endpoint")
		if err != nil {
			return nil, err
		}
		cfg := llm.OpenAIConfig{API: api, BaseURL: endpoint, Headers: c.strings("headers"), QueryParams: c.strings("queryParameters"),
			ExtraBody: c.object("bodyProperties"), Timeout: m.timeout, HTTPClient: env.http}
		if len(cfg.ExtraBody) == 0 {
			cfg.ExtraBody = c.object("requestParameters")
		}
		if cfg.Token, cfg.APIKey, err = gatewayAuth(c.at("authentication"), env); err != nil {
			return nil, err
		}
		return llm.NewOpenAI(cfg)
	default:
		return nil, newError(ErrInvalidRequest, "%s '%s' is not supported; use openai-api, foundry or custom", b.name("type"), t)
	}
}

// anthropicV2 is the 8.10 Anthropic provider with its backends.
func anthropicV2(ctx context.Context, s settings, m *chatModel, env modelEnv) (llm.Client, error) {
	b := s.at("backend")
	cfg := llm.AnthropicConfig{Timeout: m.timeout, HTTPClient: env.http}
	switch t := b.str("type"); t {
	case "anthropic-api", "direct":
		a := b.at("anthropic")
		if a.m == nil {
			a = b
		}
		key, err := a.need("apiKey")
		if err != nil {
			return nil, err
		}
		cfg.APIKey, cfg.BaseURL, cfg.Headers = key, a.str("endpoint"), b.strings("headers")
	case "aws-bedrock-mantle", "bedrock":
		a := b.at("awsBedrockMantle")
		if a.m == nil {
			a = b
		}
		region, err := a.need("region")
		if err != nil {
			return nil, err
		}
		aws := &llm.AnthropicAWS{Region: region}
		if aws.Credentials, aws.APIKey, err = awsAuth(ctx, a.at("authentication"), region); err != nil {
			return nil, err
		}
		cfg.AWS, cfg.BaseURL, cfg.Headers = aws, a.str("endpoint"), a.strings("headers")
	case "foundry":
		f := b.at("foundry")
		endpoint, err := f.need("endpoint")
		if err != nil {
			return nil, err
		}
		cfg.Foundry, cfg.BaseURL, cfg.Headers = true, endpoint, f.strings("headers")
		if cfg.Token, cfg.APIKey, err = azureAuth(f.at("authentication"), llm.EntraScopeAIFoundry, env); err != nil {
			return nil, err
		}
	case "custom":
		c := b.at("custom")
		endpoint, err := c.need("endpoint")
		if err != nil {
			return nil, err
		}
		cfg.BaseURL, cfg.Headers = endpoint, c.strings("headers")
		if cfg.Token, cfg.APIKey, err = gatewayAuth(c.at("authentication"), env); err != nil {
			return nil, err
		}
		cfg.NoAuth = cfg.Token == nil && cfg.APIKey == ""
	default:
		return nil, newError(ErrInvalidRequest, "%s '%s' is not supported; use anthropic-api, aws-bedrock-mantle, foundry or custom", b.name("type"), t)
	}
	return llm.NewAnthropic(cfg)
}

// geminiV2 is the 8.10 Google Gemini provider.
func geminiV2(ctx context.Context, s settings, m *chatModel, env modelEnv) (llm.Client, error) {
	b := s.at("backend")
	level, budget, err := thinking(s.at("model", "parameters", "thinking"))
	if err != nil {
		return nil, err
	}
	switch t := b.str("type"); t {
	case "google-gemini-api":
		g := b.at("googleGeminiApi")
		key, err := g.need("apiKey")
		if err != nil {
			return nil, err
		}
		return llm.NewGemini(ctx, llm.GeminiConfig{APIKey: key, BaseURL: g.str("endpoint"), ThinkingLevel: level, ThinkingBudget: budget,
			Timeout: m.timeout, HTTPClient: env.http})
	case "google-vertex-ai":
		return vertexAI(ctx, b.at("googleVertexAi"), level, budget, m, env)
	default:
		return nil, newError(ErrInvalidRequest, "%s '%s' is not supported; use google-gemini-api or google-vertex-ai", b.name("type"), t)
	}
}

func thinking(s settings) (string, *int32, error) {
	level := s.str("thinkingLevel")
	b, err := s.int("thinkingBudget")
	if err != nil || b == nil {
		return level, nil, err
	}
	v := int32(*b)
	return level, &v, nil
}

// vertexAI reads projectId, region and authentication (the older
// google-vertex-ai provider, and the 8.10 backend of the same name).
func vertexAI(ctx context.Context, s settings, level string, budget *int32, m *chatModel, env modelEnv) (llm.Client, error) {
	project, err := s.need("projectId")
	if err != nil {
		return nil, err
	}
	region, err := s.need("region")
	if err != nil {
		return nil, err
	}
	a := s.at("authentication")
	cfg := llm.GeminiConfig{Project: project, Location: region, BaseURL: s.str("endpoint"),
		ThinkingLevel: level, ThinkingBudget: budget, Timeout: m.timeout, HTTPClient: env.http}
	switch t := a.str("type"); t {
	case "serviceAccountCredentials", "":
		key, err := a.need("jsonKey")
		if err != nil {
			return nil, err
		}
		cfg.ServiceAccountJSON = []byte(key)
	case "applicationDefaultCredentials":
		cfg.ApplicationDefault = true
	default:
		return nil, newError(ErrInvalidRequest, "%s '%s' is not supported; use serviceAccountCredentials or applicationDefaultCredentials", a.name("type"), t)
	}
	return llm.NewGemini(ctx, cfg)
}

// mistral is the 8.10 Mistral provider; its chat API speaks the Chat
// Completions wire format.
func mistral(s settings, m *chatModel, env modelEnv) (llm.Client, error) {
	b := s.at("backend")
	cfg := llm.OpenAIConfig{API: llm.APIChatCompletions, LegacyMaxTokens: true, Timeout: m.timeout, HTTPClient: env.http}
	if e := s.str("parameters", "effort"); e != "" {
		m.params.Effort = strings.ToLower(e)
	}
	var err error
	switch t := b.str("type"); t {
	case "mistral-api", "":
		a := b.at("mistral")
		if cfg.APIKey, err = a.need("apiKey"); err != nil {
			return nil, err
		}
		cfg.BaseURL = a.str("endpoint")
		if cfg.BaseURL == "" {
			cfg.BaseURL = "https://api.mistral.ai/v1"
		}
	case "custom":
		c := b.at("custom")
		if cfg.BaseURL, err = c.need("endpoint"); err != nil {
			return nil, err
		}
		cfg.Headers = c.strings("headers")
		if cfg.Token, cfg.APIKey, err = gatewayAuth(c.at("authentication"), env); err != nil {
			return nil, err
		}
	default:
		return nil, newError(ErrInvalidRequest, "%s '%s' is not supported; use mistral-api or custom", b.name("type"), t)
	}
	return llm.NewOpenAI(cfg)
}

// awsAuth reads an AWS authentication: credentials (access and secret key),
// a Bedrock API key, or the AWS default credentials chain (credentials from
// Orca's environment, found for region).
func awsAuth(ctx context.Context, a settings, region string) (*llm.AWSCredentials, string, error) {
	switch t := a.str("type"); t {
	case "credentials", "awsIam", "":
		ak, err := a.need("accessKey")
		if err != nil {
			return nil, "", err
		}
		sk, err := a.need("secretKey")
		if err != nil {
			return nil, "", err
		}
		return &llm.AWSCredentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: a.str("sessionToken")}, "", nil
	case "apiKey", "bedrockApiKey":
		key, err := a.need("apiKey")
		return nil, key, err
	case "defaultCredentialsChain":
		c, err := llm.AWSDefaultCredentials(ctx, region)
		if err != nil {
			return nil, "", newError(ErrInvalidRequest, "%s 'defaultCredentialsChain': %s", a.name("type"), err)
		}
		return c, "", nil
	default:
		return nil, "", newError(ErrInvalidRequest, "%s '%s' is not supported; use credentials, apiKey or defaultCredentialsChain", a.name("type"), t)
	}
}

// azureAuth reads a Microsoft Foundry / Azure OpenAI authentication: an
// API key or Entra ID client credentials.
func azureAuth(a settings, scope string, env modelEnv) (llm.TokenFunc, string, error) {
	switch t := a.str("type"); t {
	case "apiKey", "":
		key, err := a.need("apiKey")
		return nil, key, err
	case "clientCredentials":
		var vals [3]string
		for i, f := range []string{"tenantId", "clientId", "clientSecret"} {
			v, err := a.need(f)
			if err != nil {
				return nil, "", err
			}
			vals[i] = v
		}
		return llm.EntraClientCredentials(a.str("authorityHost"), vals[0], vals[1], vals[2], scope, env.http).Token(), "", nil
	case "managedIdentity":
		return nil, "", newError(ErrInvalidRequest, "%s 'managedIdentity' is not supported by Orca; use apiKey or clientCredentials", a.name("type"))
	default:
		return nil, "", newError(ErrInvalidRequest, "%s '%s' is not supported; use apiKey or clientCredentials", a.name("type"), t)
	}
}

// gatewayAuth reads a custom endpoint's authentication: none, an API key,
// or OAuth 2.0 client credentials.
func gatewayAuth(a settings, env modelEnv) (llm.TokenFunc, string, error) {
	switch t := a.str("type"); t {
	case "none", "noAuth", "":
		return nil, "", nil
	case "apiKey":
		key, err := a.need("apiKey")
		return nil, key, err
	case "oauth-client-credentials-flow", "oauth":
		var vals [3]string
		for i, f := range []string{"oauthTokenEndpoint", "clientId", "clientSecret"} {
			v, err := a.need(f)
			if err != nil {
				return nil, "", err
			}
			vals[i] = v
		}
		cc := llm.ClientCredentials{TokenURL: vals[0], ClientID: vals[1], ClientSecret: vals[2], Audience: a.str("audience"),
			Scopes: strings.Fields(a.str("scopes")), InBody: a.str("clientAuthentication") == "CREDENTIALS_BODY", HTTPClient: env.http}
		return cc.Token(), "", nil
	default:
		return nil, "", newError(ErrInvalidRequest, "%s '%s' is not supported; use none, apiKey or oauth-client-credentials-flow", a.name("type"), t)
	}
}
