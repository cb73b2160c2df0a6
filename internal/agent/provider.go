package agent

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
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
	// seen records the fields read (the provider field table's test).
	seen map[string]bool
	// cred names the reusable credential whose fields replace these
	// settings' own; credEmpty says the template chose one that gave no
	// value.
	cred      string
	credEmpty bool
}

func (s settings) at(path ...string) settings {
	m, _ := lookup(s.m, path...).(map[string]any)
	return settings{prefix: s.prefix + "." + strings.Join(path, "."), m: m, seen: s.seen, cred: s.cred, credEmpty: s.credEmpty}
}

func (s settings) name(path ...string) string { return s.prefix + "." + strings.Join(path, ".") }

// mark records that the field at path was read.
func (s settings) mark(path ...string) {
	if s.seen != nil {
		s.seen[s.name(path...)] = true
	}
}

func (s settings) str(path ...string) string {
	s.mark(path...)
	switch v := lookup(s.m, path...).(type) {
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	}
	return ""
}

// choice reads a dropdown: lower case, with the templates' "modelDefault"
// (and "default") meaning none.
func (s settings) choice(path ...string) string {
	v := strings.ToLower(s.str(path...))
	if v == "modeldefault" || v == "default" {
		return ""
	}
	return v
}

func (s settings) need(path ...string) (string, error) {
	v := s.str(path...)
	if v == "" {
		hint := ""
		switch {
		case s.credEmpty:
			hint = fmt.Sprintf("; the credential %s gave no value (a saved credential is read from a cluster variable, "+
				"camunda.vars.env.<name>, which Orca does not hold: fill in the field, or map the credential's object from a variable)", s.cred)
		case s.cred != "":
			hint = fmt.Sprintf(" (the credential %s holds none)", s.cred)
		}
		return "", newError(ErrInvalidRequest, "%s must not be empty%s", s.name(path...), hint)
	}
	return v, nil
}

// credential returns s with the fields of the reusable credential at
// s.m[field] (Camunda 8.10's saved credentials, an object such as {apiKey,
// organizationId, projectId}) in place of its own: a chosen credential is
// authoritative for every field it holds, the others stay the template's.
func (s settings) credential(field string) (settings, error) {
	s.mark(field)
	v, present := s.m[field]
	switch c := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(s.m)+len(c))
		maps.Copy(m, s.m)
		maps.Copy(m, c)
		return settings{prefix: s.prefix, m: m, seen: s.seen, cred: s.name(field)}, nil
	case nil:
		if present {
			s.cred, s.credEmpty = s.name(field), true
		}
		return s, nil
	}
	return s, newError(ErrInvalidRequest, "%s must be a saved credential (an object of its fields), not %s", s.name(field), kindOf(v))
}

func kindOf(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case json.Number, float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "a list"
	}
	return "a value of another kind"
}

func (s settings) num(path ...string) (float64, bool, error) {
	s.mark(path...)
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

func (s settings) strings(path ...string) map[string]string {
	s.mark(path...)
	return stringMap(lookup(s.m, path...))
}

func (s settings) object(path ...string) map[string]any {
	s.mark(path...)
	m, _ := lookup(s.m, path...).(map[string]any)
	return m
}

// bool reads a checkbox (a boolean, or "true" from a FEEL-less text field).
func (s settings) bool(path ...string) bool {
	s.mark(path...)
	switch b := lookup(s.m, path...).(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(strings.TrimSpace(b), "true")
	}
	return false
}

// modelEnv is what building a model needs besides the provider variable.
type modelEnv struct {
	secrets worker.Secrets
	http    *http.Client
	// seen, when set, records the provider fields read (tests).
	seen map[string]bool
}

// newChatModel builds the LLM client the provider variable describes. The
// provider type is checked first, then the secrets of that provider's
// settings (and only those) are resolved.
func newChatModel(ctx context.Context, p map[string]any, env modelEnv) (*chatModel, error) {
	typ, _ := p["type"].(string)
	if env.seen != nil {
		env.seen["provider.type"] = true
	}
	if typ == "" {
		return nil, newError(ErrInvalidRequest, "provider.type must name the model provider (%s)", supportedProviders())
	}
	if typ == "custom" {
		if env.seen != nil {
			env.seen["provider.providerType"] = true
		}
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
	s := settings{prefix: "provider." + key, m: resolved.(map[string]any), seen: env.seen}
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
			client, err = openAIv2(ctx, s, m, env)
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
		if cfg.Token, cfg.APIKey, err = azureAuth(ctx, s, llm.EntraScopeCognitiveServices, env); err != nil {
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
		cfg := llm.BedrockConfig{Endpoint: s.str("endpoint"), Timeout: m.timeout, HTTPClient: env.http,
			AdditionalFields: s.object("bodyProperties"), Headers: s.strings("headers"), QueryParams: s.strings("queryParameters")}
		m.params.PromptCaching = s.at("model", "parameters").bool("promptCaching", "enabled")
		if cfg.Region, cfg.Credentials, cfg.APIKey, err = awsConnection(ctx, s); err != nil {
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
	m.params.Effort = s.choice("effort")
	return nil
}

// anthropicParams reads the 8.10 Anthropic model parameters beyond the
// sampling ones: thinking (mode, budgetTokens, display) and promptCaching.
// Effort is read by readParams.
func (m *chatModel) anthropicParams(s settings) error {
	m.params.PromptCaching = s.bool("promptCaching", "enabled")
	th := s.at("thinking")
	mode := llm.ThinkingMode(th.choice("mode"))
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
		display := th.choice("display")
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

// openAIv2 is the 8.10 OpenAI provider: api.type and a backend. The model
// parameters of the chosen API family (api.responses.* or api.completions.*)
// win over the older model.parameters.
func openAIv2(ctx context.Context, s settings, m *chatModel, env modelEnv) (llm.Client, error) {
	api := llm.API(s.str("api", "type"))
	switch api {
	case "":
		api = llm.APIResponses
	case llm.APIChatCompletions, llm.APIResponses:
	default:
		return nil, newError(ErrInvalidRequest, "%s must be 'responses' or 'completions', not '%s'", s.name("api", "type"), api)
	}
	if err := m.apiParams(s.at("api", string(api)), api); err != nil {
		return nil, err
	}
	b := s.at("backend")
	switch t := b.str("type"); t {
	case "openai-api", "direct", "":
		o := b.at("openai")
		if o.m == nil {
			o = b // early 8.10 alphas kept the fields on the backend itself
		}
		o, err := o.credential("credential")
		if err != nil {
			return nil, err
		}
		key, err := o.need("apiKey")
		if err != nil {
			return nil, err
		}
		return llm.NewOpenAI(llm.OpenAIConfig{API: api, APIKey: key, Organization: o.str("organizationId"), Project: o.str("projectId"),
			BaseURL: o.str("endpoint"), Headers: o.strings("headers"), QueryParams: o.strings("queryParameters"),
			ExtraBody: o.object("bodyProperties"), Timeout: m.timeout, HTTPClient: env.http})
	case "foundry":
		f, err := b.at("foundry").credential("credential")
		if err != nil {
			return nil, err
		}
		endpoint, err := f.need("endpoint")
		if err != nil {
			return nil, err
		}
		cfg := llm.AzureOpenAIConfig{Endpoint: endpoint, V1: true, API: api, APIVersion: f.str("apiVersion"), Headers: f.strings("headers"),
			QueryParams: f.strings("queryParameters"), ExtraBody: f.object("bodyProperties"), Timeout: m.timeout, HTTPClient: env.http}
		if cfg.Token, cfg.APIKey, err = azureAuth(ctx, f, llm.EntraScopeCognitiveServices, env); err != nil {
			return nil, err
		}
		return llm.NewAzureOpenAI(cfg)
	case "custom", "compatible":
		c := b.at("custom")
		if c.m == nil {
			c = b
		}
		c, err := c.credential("credential")
		if err != nil {
			return nil, err
		}
		endpoint, err := c.need("endpoint")
		if err != nil {
			return nil, err
		}
		cfg := llm.OpenAIConfig{API: api, BaseURL: endpoint, Headers: c.strings("headers"), QueryParams: c.strings("queryParameters"),
			ExtraBody: c.object("bodyProperties"), Timeout: m.timeout, HTTPClient: env.http}
		if len(cfg.ExtraBody) == 0 && c.m["requestParameters"] != nil {
			cfg.ExtraBody = c.object("requestParameters")
		}
		if cfg.Token, cfg.APIKey, err = gatewayAuth(c, env); err != nil {
			return nil, err
		}
		return llm.NewOpenAI(cfg)
	default:
		return nil, newError(ErrInvalidRequest, "%s '%s' is not supported; use openai-api, foundry or custom", b.name("type"), t)
	}
}

// apiParams reads the model parameters of the 8.10 templates' OpenAI API
// family: maxOutputTokens (responses) or maxCompletionTokens (completions),
// temperature, topP and effort.
func (m *chatModel) apiParams(s settings, api llm.API) error {
	max := "maxOutputTokens"
	if api == llm.APIChatCompletions {
		max = "maxCompletionTokens"
	}
	v, err := s.int(max)
	if err != nil {
		return err
	}
	if v != nil {
		m.params.MaxTokens = v
	}
	for name, dst := range map[string]**float64{"temperature": &m.params.Temperature, "topP": &m.params.TopP} {
		f, err := s.float(name)
		if err != nil {
			return err
		}
		if f != nil {
			*dst = f
		}
	}
	if e := s.choice("effort"); e != "" {
		m.params.Effort = e
	}
	return nil
}

// anthropicV2 is the 8.10 Anthropic provider with its backends.
func anthropicV2(ctx context.Context, s settings, m *chatModel, env modelEnv) (llm.Client, error) {
	b := s.at("backend")
	cfg := llm.AnthropicConfig{Timeout: m.timeout, HTTPClient: env.http}
	overrides := func(o settings) {
		cfg.Headers, cfg.QueryParams, cfg.ExtraBody = o.strings("headers"), o.strings("queryParameters"), o.object("bodyProperties")
	}
	switch t := b.str("type"); t {
	case "anthropic-api", "direct":
		a := b.at("anthropic")
		if a.m == nil {
			a = b
		}
		a, err := a.credential("credential")
		if err != nil {
			return nil, err
		}
		key, err := a.need("apiKey")
		if err != nil {
			return nil, err
		}
		cfg.APIKey, cfg.BaseURL = key, a.str("endpoint")
		overrides(a)
	case "aws-bedrock-mantle", "bedrock":
		a := b.at("awsBedrockMantle")
		if a.m == nil {
			a = b
		}
		aws := &llm.AnthropicAWS{}
		var err error
		if aws.Region, aws.Credentials, aws.APIKey, err = awsConnection(ctx, a); err != nil {
			return nil, err
		}
		cfg.AWS, cfg.BaseURL = aws, a.str("endpoint")
		overrides(a)
	case "foundry":
		f, err := b.at("foundry").credential("credential")
		if err != nil {
			return nil, err
		}
		endpoint, err := f.need("endpoint")
		if err != nil {
			return nil, err
		}
		cfg.Foundry, cfg.BaseURL = true, endpoint
		overrides(f)
		if cfg.Token, cfg.APIKey, err = azureAuth(ctx, f, llm.EntraScopeAIFoundry, env); err != nil {
			return nil, err
		}
	case "custom":
		c, err := b.at("custom").credential("credential")
		if err != nil {
			return nil, err
		}
		endpoint, err := c.need("endpoint")
		if err != nil {
			return nil, err
		}
		cfg.BaseURL = endpoint
		overrides(c)
		if cfg.Token, cfg.APIKey, err = gatewayAuth(c, env); err != nil {
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
		g, err := b.at("googleGeminiApi").credential("credential")
		if err != nil {
			return nil, err
		}
		key, err := g.need("apiKey")
		if err != nil {
			return nil, err
		}
		return llm.NewGemini(ctx, llm.GeminiConfig{APIKey: key, BaseURL: g.str("endpoint"), ThinkingLevel: level, ThinkingBudget: budget,
			Timeout: m.timeout, HTTPClient: env.http})
	case "google-vertex-ai":
		v, err := b.at("googleVertexAi").credential("credential")
		if err != nil {
			return nil, err
		}
		return vertexAI(ctx, v, level, budget, m, env)
	default:
		return nil, newError(ErrInvalidRequest, "%s '%s' is not supported; use google-gemini-api or google-vertex-ai", b.name("type"), t)
	}
}

func thinking(s settings) (string, *int32, error) {
	level := s.choice("thinkingLevel")
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
		if cfg.Token, cfg.APIKey, err = gatewayAuth(c, env); err != nil {
			return nil, err
		}
	default:
		return nil, newError(ErrInvalidRequest, "%s '%s' is not supported; use mistral-api or custom", b.name("type"), t)
	}
	return llm.NewOpenAI(cfg)
}

// awsConnection reads the region and AWS authentication of Bedrock Converse
// or Bedrock Mantle (s holds region and authentication). The 8.10 templates
// choose awsIam (a saved AWS credential in awsCredential, else
// inlineAuthentication with credentials or the default credentials chain)
// or bedrockApiKey (a saved credential in bedrockApiKeyCredential, else
// apiKey); the older ones credentials, apiKey or defaultCredentialsChain.
// The template's region wins over a saved credential's.
func awsConnection(ctx context.Context, s settings) (region string, creds *llm.AWSCredentials, apiKey string, err error) {
	a := s.at("authentication")
	region = s.str("region")
	auth := a // what says credentials or the default chain, with the keys
	switch t := a.str("type"); t {
	case "awsIam":
		if c := a.object("awsCredential"); c != nil {
			cred := settings{prefix: a.name("awsCredential"), m: c, seen: s.seen}
			if region == "" {
				region = cred.str("region")
			}
			auth = cred.at("authentication")
		} else if a.m["awsCredential"] == nil && a.m["inlineAuthentication"] != nil {
			auth = a.at("inlineAuthentication")
		} else if _, chosen := a.m["awsCredential"]; chosen && a.m["inlineAuthentication"] == nil && a.m["accessKey"] == nil {
			return "", nil, "", newError(ErrInvalidRequest, "%s gave no value (a saved credential is read from a cluster variable, "+
				"camunda.vars.env.<name>, which Orca does not hold): fill in %s", a.name("awsCredential"), a.name("inlineAuthentication"))
		}
	case "bedrockApiKey":
		if c := a.object("bedrockApiKeyCredential"); c != nil {
			cred := settings{prefix: a.name("bedrockApiKeyCredential"), m: c, seen: s.seen}
			if region == "" {
				region = cred.str("region")
			}
			a = cred
		} else if a, err = a.credential("bedrockApiKeyCredential"); err != nil {
			return "", nil, "", err
		}
		auth = settings{}
		if apiKey, err = a.need("apiKey"); err != nil {
			return "", nil, "", err
		}
	}
	if region == "" {
		return "", nil, "", newError(ErrInvalidRequest, "%s must name an AWS region", s.name("region"))
	}
	if auth.m == nil && apiKey != "" {
		return region, nil, apiKey, nil
	}
	switch t := auth.str("type"); t {
	case "credentials", "awsIam", "":
		ak, err := auth.need("accessKey")
		if err != nil {
			return "", nil, "", err
		}
		sk, err := auth.need("secretKey")
		if err != nil {
			return "", nil, "", err
		}
		return region, &llm.AWSCredentials{AccessKeyID: ak, SecretAccessKey: sk, SessionToken: auth.str("sessionToken")}, "", nil
	case "apiKey":
		key, err := auth.need("apiKey")
		return region, nil, key, err
	case "defaultCredentialsChain":
		c, err := llm.AWSDefaultCredentials(ctx, region)
		if err != nil {
			return "", nil, "", newError(ErrInvalidRequest, "%s 'defaultCredentialsChain': %s", auth.name("type"), err)
		}
		return region, c, "", nil
	default:
		return "", nil, "", newError(ErrInvalidRequest, "%s '%s' is not supported; use awsIam, bedrockApiKey, credentials, apiKey or defaultCredentialsChain", auth.name("type"), t)
	}
}

// azureAuth reads a Microsoft Foundry / Azure OpenAI authentication (s
// holds it under authentication): an API key, Entra ID client credentials
// or the managed identity of Orca's machine. entraIdScope replaces scope.
func azureAuth(ctx context.Context, s settings, scope string, env modelEnv) (llm.TokenFunc, string, error) {
	a := s.at("authentication")
	if a.m == nil && s.cred != "" && !s.credEmpty && s.m["apiKey"] != nil {
		a = s // a saved API key credential: {apiKey}
	}
	switch t := a.str("type"); t {
	case "apiKey", "":
		if a.m == nil && s.cred != "" && !s.credEmpty {
			// a saved client credentials credential: {clientId, clientSecret, tenantId, authorityHost}
			if s.m["clientSecret"] != nil {
				return entraClientCredentials(s, scope, env)
			}
		}
		key, err := a.need("apiKey")
		return nil, key, err
	case "clientCredentials":
		return entraClientCredentials(a, scope, env)
	case "managedIdentity":
		if sc := a.str("entraIdScope"); sc != "" {
			scope = sc
		}
		tok, err := llm.EntraManagedIdentity(a.str("clientId"), scope)
		if err == nil {
			// The first token now, so a missing identity is this job's
			// incident in plain words; the credential keeps it cached.
			_, err = tok(ctx)
		}
		if err != nil {
			return nil, "", newError(ErrInvalidRequest, "%s 'managedIdentity': %s", a.name("type"), err)
		}
		return tok, "", nil
	default:
		return nil, "", newError(ErrInvalidRequest, "%s '%s' is not supported; use apiKey, clientCredentials or managedIdentity", a.name("type"), t)
	}
}

func entraClientCredentials(a settings, scope string, env modelEnv) (llm.TokenFunc, string, error) {
	var vals [3]string
	for i, f := range []string{"tenantId", "clientId", "clientSecret"} {
		v, err := a.need(f)
		if err != nil {
			return nil, "", err
		}
		vals[i] = v
	}
	if sc := a.str("entraIdScope"); sc != "" {
		scope = sc
	}
	return llm.EntraClientCredentials(a.str("authorityHost"), vals[0], vals[1], vals[2], scope, env.http).Token(), "", nil
}

// gatewayAuth reads a custom endpoint's authentication (c holds it under
// authentication): none, an API key, or OAuth 2.0 client credentials. A
// saved gateway credential may hold just {endpoint, apiKey}.
func gatewayAuth(c settings, env modelEnv) (llm.TokenFunc, string, error) {
	a := c.at("authentication")
	if a.m == nil && c.cred != "" && !c.credEmpty && c.m["apiKey"] != nil {
		key, err := c.need("apiKey")
		return nil, key, err
	}
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
