package llm_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
)

// roundTrip runs the agent's two model calls against c: the first asks for
// a tool, the second gets the tool's result and answers. It returns the
// second call's answer.
func roundTrip(t *testing.T, c llm.Client, model string) *llm.Response {
	t.Helper()
	msgs := []llm.Message{
		{Role: llm.RoleSystem, Content: []llm.Content{llm.Text("You are a calculator.")}},
		{Role: llm.RoleUser, Content: []llm.Content{llm.Text("What is 3 times 4?")}},
	}
	first, err := c.Chat(t.Context(), &llm.Request{Model: model, Messages: msgs, Tools: tools(),
		Params: llm.Params{MaxTokens: ptr[int64](500), Temperature: ptr(0.5)}})
	if err != nil {
		t.Fatal(err)
	}
	if first.FinishReason != llm.FinishToolCalls || len(first.ToolCalls()) != 1 {
		t.Fatalf("first answer = %+v", first)
	}
	call := first.ToolCalls()[0]
	if call.ID != "call_1" || call.Name != "SuperfluxProduct" || string(call.Arguments) != `{"a":3,"b":4}` {
		t.Fatalf("tool call = %+v (%s)", call, call.Arguments)
	}
	if first.Usage.InputTokens != 30 || first.Usage.OutputTokens != 7 {
		t.Errorf("usage = %+v", first.Usage)
	}
	msgs = append(msgs, first.Message, llm.Message{Role: llm.RoleTool, ToolResults: []llm.ToolResult{
		{ID: call.ID, Name: call.Name, Content: []llm.Content{llm.Text("12")}},
	}})
	second, err := c.Chat(t.Context(), &llm.Request{Model: model, Messages: msgs, Tools: tools()})
	if err != nil {
		t.Fatal(err)
	}
	if second.Text() != "It is 12." || second.FinishReason != llm.FinishStop {
		t.Fatalf("second answer = %+v", second)
	}
	return second
}

func twoTurns() []llmtest.Turn {
	return []llmtest.Turn{
		{ToolCalls: []llm.ToolCall{{ID: "call_1", Name: "SuperfluxProduct", Arguments: json.RawMessage(`{"a":3,"b":4}`)}},
			Usage: llm.Usage{InputTokens: 30, OutputTokens: 7}},
		{Text: "It is 12.", Usage: llm.Usage{InputTokens: 40, OutputTokens: 4}},
	}
}

// field returns the JSON of a path in a decoded body.
func field(t *testing.T, body map[string]any, path ...string) string {
	t.Helper()
	var cur any = body
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			t.Fatalf("no %s in %v", strings.Join(path, "."), body)
		}
		cur = m[p]
	}
	b, _ := json.Marshal(cur)
	return string(b)
}

const superfluxSchema = `{"type":"object","properties":{"a":{"type":"number","description":"first"},"b":{"type":"number"}},"required":["a","b"]}`

func TestOpenAIResponsesAPI(t *testing.T) {
	stub := llmtest.NewResponses(t, twoTurns()...)
	c := newOpenAI(t, stub, func(cfg *llm.OpenAIConfig) { cfg.API = llm.APIResponses })
	roundTrip(t, c, "gpt-5")
	reqs := stub.Requests()
	if len(reqs) != 2 || reqs[0].Path != "/v1/responses" || reqs[0].Header.Get("Authorization") != "Bearer "+testKey {
		t.Fatalf("requests = %+v", reqs)
	}
	first, second := reqs[0].JSON(), reqs[1].JSON()
	if got := field(t, first, "instructions"); got != `"You are a calculator."` {
		t.Errorf("instructions = %s", got)
	}
	if got := field(t, first, "max_output_tokens"); got != "500" {
		t.Errorf("max_output_tokens = %s", got)
	}
	if got := field(t, first, "store"); got != "false" {
		t.Errorf("store = %s (the conversation must not be kept at OpenAI)", got)
	}
	got, _ := json.Marshal(first["tools"].([]any)[0])
	assertJSON(t, got, `{"type":"function","name":"SuperfluxProduct","description":"Multiplies in superflux.","strict":false,"parameters":`+superfluxSchema+`}`)
	got, _ = json.Marshal(second["input"])
	assertJSON(t, got, `[
	  {"role":"user","content":"What is 3 times 4?"},
	  {"type":"function_call","call_id":"call_1","name":"SuperfluxProduct","arguments":"{\"a\":3,\"b\":4}"},
	  {"type":"function_call_output","call_id":"call_1","output":"12"}
	]`)
}

func TestOpenAIResponsesIncomplete(t *testing.T) {
	stub := llmtest.NewResponses(t, llmtest.Turn{Text: "It is", FinishReason: "max_output_tokens"},
		llmtest.Turn{FinishReason: "content_filter"})
	c := newOpenAI(t, stub, func(cfg *llm.OpenAIConfig) { cfg.API = llm.APIResponses })
	req := &llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("hi")}}}}
	for _, want := range []llm.FinishReason{llm.FinishLength, llm.FinishContentFilter} {
		resp, err := c.Chat(t.Context(), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.FinishReason != want {
			t.Errorf("finish = %q, want %q", resp.FinishReason, want)
		}
	}
}

func TestAzureOpenAIFoundryV1WithEntraID(t *testing.T) {
	for _, api := range []llm.API{llm.APIChatCompletions, llm.APIResponses} {
		t.Run(string(api), func(t *testing.T) {
			var stub *llmtest.Server
			if api == llm.APIResponses {
				stub = llmtest.NewResponses(t, twoTurns()...)
			} else {
				stub = llmtest.NewOpenAI(t, twoTurns()...)
			}
			entra := llmtest.NewTokenServer(t, "entra-token-1")
			token := llm.EntraClientCredentials(entra.URL, "tenant-7", "client-a", "s3cret", llm.EntraScopeCognitiveServices, nil).Token()
			c, err := llm.NewAzureOpenAI(llm.AzureOpenAIConfig{Endpoint: stub.URL, V1: true, API: api, Token: token, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c, "my-deployment")
			reqs := stub.Requests()
			wantPath := "/openai/v1/chat/completions"
			if api == llm.APIResponses {
				wantPath = "/openai/v1/responses"
			}
			if reqs[0].Path != wantPath || reqs[0].RawQuery != "" || reqs[0].Header.Get("Authorization") != "Bearer entra-token-1" {
				t.Errorf("request = %s?%s %v", reqs[0].Path, reqs[0].RawQuery, reqs[0].Header)
			}
			if got := field(t, reqs[0].JSON(), "model"); got != `"my-deployment"` {
				t.Errorf("model = %s", got)
			}
			tr := entra.Requests()
			if len(tr) != 1 {
				t.Fatalf("token requests = %d, want 1 (cached)", len(tr))
			}
			if tr[0].Path != "/tenant-7/oauth2/v2.0/token" || tr[0].Form.Get("grant_type") != "client_credentials" ||
				tr[0].Form.Get("client_id") != "client-a" || tr[0].Form.Get("client_secret") != "s3cret" ||
				tr[0].Form.Get("scope") != llm.EntraScopeCognitiveServices {
				t.Errorf("token request = %+v", tr[0])
			}
		})
	}
}

func TestAzureOpenAIFoundryV1APIKey(t *testing.T) {
	stub := llmtest.NewOpenAI(t, twoTurns()...)
	c, err := llm.NewAzureOpenAI(llm.AzureOpenAIConfig{Endpoint: stub.URL + "/", V1: true, APIKey: testKey, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "dep")
	h := stub.Requests()[0].Header
	if h.Get("Api-Key") != testKey || h.Get("Authorization") != "" {
		t.Errorf("headers = %v", h)
	}
}

func TestOpenAICompatibleOAuthClientCredentials(t *testing.T) {
	stub := llmtest.NewOpenAI(t, twoTurns()...)
	idp := llmtest.NewTokenServer(t, "gw-token")
	token := llm.ClientCredentials{TokenURL: idp.URL + "/oauth/token", ClientID: "orca", ClientSecret: "pw",
		Audience: "llm-gateway", Scopes: []string{"read:models", "chat"}}.Token()
	c, err := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: stub.URL + "/v1", Token: token, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "qwen3")
	if h := stub.Requests()[1].Header.Get("Authorization"); h != "Bearer gw-token" {
		t.Errorf("Authorization = %q", h)
	}
	tr := idp.Requests()
	if len(tr) != 1 || tr[0].BasicUser != "orca" || tr[0].BasicPassword != "pw" || tr[0].Form.Get("audience") != "llm-gateway" ||
		tr[0].Form.Get("scope") != "read:models chat" || tr[0].Form.Get("client_secret") != "" {
		t.Errorf("token requests = %+v", tr)
	}
}

func TestOAuthTokenRefusedSaysWhy(t *testing.T) {
	bad := llm.ClientCredentials{TokenURL: "http://127.0.0.1:1/token", ClientID: "a", ClientSecret: "topsecret"}.Token()
	c, err := llm.NewOpenAI(llm.OpenAIConfig{BaseURL: "http://127.0.0.1:1/v1", Token: bad, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Chat(t.Context(), &llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("x")}}}})
	if err == nil || !strings.Contains(err.Error(), "token endpoint") {
		t.Fatalf("err = %v", err)
	}
	assertNoSecret(t, err, "topsecret")
}

func TestAnthropicFoundry(t *testing.T) {
	stub := llmtest.NewAnthropic(t, twoTurns()...)
	c, err := llm.NewAnthropic(llm.AnthropicConfig{BaseURL: stub.URL, Foundry: true, APIKey: testKey, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "claude-deployment")
	r := stub.Requests()[1]
	if r.Path != "/anthropic/v1/messages" || r.Header.Get("X-Api-Key") != testKey {
		t.Errorf("request = %s %v", r.Path, r.Header)
	}
	body := r.JSON()
	if got := field(t, body, "system"); !strings.Contains(got, "You are a calculator.") {
		t.Errorf("system = %s", got)
	}
	got, _ := json.Marshal(body["messages"].([]any)[2])
	assertJSON(t, got, `{"role":"user","content":[{"type":"tool_result","tool_use_id":"call_1","content":[{"type":"text","text":"12"}]}]}`)
}

func TestAnthropicFoundryEntraID(t *testing.T) {
	stub := llmtest.NewAnthropic(t, twoTurns()...)
	entra := llmtest.NewTokenServer(t, "entra-claude")
	token := llm.EntraClientCredentials(entra.URL, "t1", "c1", "s1", llm.EntraScopeAIFoundry, nil).Token()
	c, err := llm.NewAnthropic(llm.AnthropicConfig{BaseURL: stub.URL, Foundry: true, Token: token, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "claude")
	if h := stub.Requests()[0].Header; h.Get("Authorization") != "Bearer entra-claude" || h.Get("X-Api-Key") != "" {
		t.Errorf("headers = %v", h)
	}
	if s := entra.Requests()[0].Form.Get("scope"); s != llm.EntraScopeAIFoundry {
		t.Errorf("scope = %q", s)
	}
}

// sigV4 matches an AWS Signature Version 4 Authorization header for the
// given access key, region and service.
func sigV4(accessKey, region, service string) *regexp.Regexp {
	return regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=` + regexp.QuoteMeta(accessKey) + `/\d{8}/` +
		regexp.QuoteMeta(region) + `/` + regexp.QuoteMeta(service) + `/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*, Signature=[0-9a-f]{64}$`)
}

func TestAnthropicBedrockMantle(t *testing.T) {
	t.Run("credentials", func(t *testing.T) {
		stub := llmtest.NewAnthropic(t, twoTurns()...)
		c, err := llm.NewAnthropic(llm.AnthropicConfig{BaseURL: stub.URL + "/anthropic", Logger: quietLogger(),
			AWS: &llm.AnthropicAWS{Region: "eu-west-1", Credentials: &llm.AWSCredentials{AccessKeyID: "AKIDMANTLE", SecretAccessKey: "mantle-secret"}}})
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, "anthropic.claude-sonnet-5")
		for _, r := range stub.Requests() {
			if r.Path != "/anthropic/v1/messages" {
				t.Errorf("path = %s", r.Path)
			}
			if a := r.Header.Get("Authorization"); !sigV4("AKIDMANTLE", "eu-west-1", llm.MantleService).MatchString(a) {
				t.Errorf("Authorization = %q", a)
			}
			if r.Header.Get("X-Amz-Date") == "" || r.Header.Get("X-Amz-Content-Sha256") != "" && len(r.Header.Get("X-Amz-Content-Sha256")) != 64 {
				t.Errorf("signing headers = %v", r.Header)
			}
			if r.Header.Get("X-Api-Key") != "" {
				t.Error("an x-api-key went with a signed request")
			}
		}
	})
	t.Run("api key", func(t *testing.T) {
		stub := llmtest.NewAnthropic(t, twoTurns()...)
		c, err := llm.NewAnthropic(llm.AnthropicConfig{BaseURL: stub.URL + "/anthropic", Logger: quietLogger(),
			AWS: &llm.AnthropicAWS{Region: "eu-west-1", APIKey: "bedrock-api-key-1"}})
		if err != nil {
			t.Fatal(err)
		}
		roundTrip(t, c, "anthropic.claude-sonnet-5")
		if h := stub.Requests()[0].Header.Get("X-Api-Key"); h != "bedrock-api-key-1" {
			t.Errorf("x-api-key = %q", h)
		}
	})
}

func TestAnthropicCustomEndpoint(t *testing.T) {
	stub := llmtest.NewAnthropic(t, twoTurns()...)
	c, err := llm.NewAnthropic(llm.AnthropicConfig{BaseURL: stub.URL, NoAuth: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "claude")
	if h := stub.Requests()[0].Header; h.Get("X-Api-Key") != "" || h.Get("Authorization") != "" {
		t.Errorf("credentials sent to an endpoint that needs none: %v", h)
	}
}

func TestBedrockConverse(t *testing.T) {
	cases := []struct {
		name  string
		cfg   func(*llm.BedrockConfig)
		check func(t *testing.T, auth string)
	}{
		{"credentials", func(c *llm.BedrockConfig) {
			c.Credentials = &llm.AWSCredentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG"}
		}, func(t *testing.T, auth string) {
			if !sigV4("AKIDEXAMPLE", "eu-central-1", "bedrock").MatchString(auth) {
				t.Errorf("Authorization = %q, want a SigV4 signature", auth)
			}
		}},
		{"api key", func(c *llm.BedrockConfig) { c.APIKey = "ABSKbedrockkey" }, func(t *testing.T, auth string) {
			if auth != "Bearer ABSKbedrockkey" {
				t.Errorf("Authorization = %q", auth)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := llmtest.NewBedrock(t, twoTurns()...)
			cfg := llm.BedrockConfig{Region: "eu-central-1", Endpoint: stub.URL, HTTPClient: stub.HTTPClient, Logger: quietLogger(),
				AdditionalFields: map[string]any{"top_k": 40}}
			tc.cfg(&cfg)
			c, err := llm.NewBedrock(cfg)
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c, "amazon.nova-pro-v1:0")
			reqs := stub.Requests()
			if reqs[0].Path != "/model/amazon.nova-pro-v1:0/converse" {
				t.Errorf("path = %s", reqs[0].Path)
			}
			tc.check(t, reqs[0].Header.Get("Authorization"))
			first, second := reqs[0].JSON(), reqs[1].JSON()
			if got := field(t, first, "system"); got != `[{"text":"You are a calculator."}]` {
				t.Errorf("system = %s", got)
			}
			if got := field(t, first, "inferenceConfig"); got != `{"maxTokens":500,"temperature":0.5}` {
				t.Errorf("inferenceConfig = %s", got)
			}
			if got := field(t, first, "additionalModelRequestFields"); got != `{"top_k":40}` {
				t.Errorf("additionalModelRequestFields = %s", got)
			}
			got, _ := json.Marshal(first["toolConfig"].(map[string]any)["tools"].([]any)[0])
			assertJSON(t, got, `{"toolSpec":{"name":"SuperfluxProduct","description":"Multiplies in superflux.","inputSchema":{"json":`+superfluxSchema+`}}}`)
			got, _ = json.Marshal(second["messages"])
			assertJSON(t, got, `[
			  {"role":"user","content":[{"text":"What is 3 times 4?"}]},
			  {"role":"assistant","content":[{"toolUse":{"toolUseId":"call_1","name":"SuperfluxProduct","input":{"a":3,"b":4}}}]},
			  {"role":"user","content":[{"toolResult":{"toolUseId":"call_1","content":[{"text":"12"}]}}]}
			]`)
		})
	}
}

func TestBedrockErrors(t *testing.T) {
	stub := llmtest.NewBedrock(t, llmtest.Turn{Status: 429, ErrorType: "ThrottlingException", ErrorMessage: "Too many requests"},
		llmtest.Turn{Status: 403, ErrorType: "AccessDeniedException", ErrorMessage: "not allowed"})
	c, err := llm.NewBedrock(llm.BedrockConfig{Region: "us-east-1", Endpoint: stub.URL, HTTPClient: stub.HTTPClient, APIKey: "k-secret-1"})
	if err != nil {
		t.Fatal(err)
	}
	req := &llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("x")}}}}
	_, err = c.Chat(t.Context(), req)
	if retry, _ := llm.Retryable(err); !retry || !strings.Contains(err.Error(), "429") || !strings.Contains(err.Error(), "Too many requests") {
		t.Errorf("err = %v (retry %v)", err, retry)
	}
	_, err = c.Chat(t.Context(), req)
	var le *llm.Error
	if !errors.As(err, &le) || le.Kind != llm.KindAuth || le.Type != "AccessDeniedException" {
		t.Errorf("err = %#v", err)
	}
	assertNoSecret(t, err, "k-secret-1")
}

func TestGeminiAPI(t *testing.T) {
	stub := llmtest.NewGemini(t, twoTurns()...)
	c, err := llm.NewGemini(t.Context(), llm.GeminiConfig{APIKey: "AIzaTestKey", BaseURL: stub.URL, Logger: quietLogger(), ThinkingLevel: "high"})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "gemini-3.8-flash")
	reqs := stub.Requests()
	if reqs[0].Path != "/v1/models/gemini-3.8-flash:generateContent" || reqs[0].Header.Get("X-Goog-Api-Key") != "AIzaTestKey" {
		t.Errorf("request = %s %v", reqs[0].Path, reqs[0].Header)
	}
	first, second := reqs[0].JSON(), reqs[1].JSON()
	if got := field(t, first, "systemInstruction", "parts"); got != `[{"text":"You are a calculator."}]` {
		t.Errorf("systemInstruction = %s", got)
	}
	if got := field(t, first, "generationConfig", "thinkingConfig"); got != `{"thinkingLevel":"HIGH"}` {
		t.Errorf("thinkingConfig = %s", got)
	}
	got, _ := json.Marshal(first["tools"])
	assertJSON(t, got, `[{"functionDeclarations":[{"name":"SuperfluxProduct","description":"Multiplies in superflux.","parametersJsonSchema":`+superfluxSchema+`},
	  {"name":`+fmt.Sprintf("%q", llm.VendorToolName(longToolName))+`,"description":"Reads files.","parametersJsonSchema":{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],"additionalProperties":false}}]}]`)
	got, _ = json.Marshal(second["contents"])
	assertJSON(t, got, `[
	  {"role":"user","parts":[{"text":"What is 3 times 4?"}]},
	  {"role":"model","parts":[{"functionCall":{"id":"call_1","name":"SuperfluxProduct","args":{"a":3,"b":4}}}]},
	  {"role":"user","parts":[{"functionResponse":{"id":"call_1","name":"SuperfluxProduct","response":{"output":"12"}}}]}
	]`)
}

// serviceAccountKey is a service account key file whose token endpoint is
// tokenURL.
func serviceAccountKey(t *testing.T, tokenURL string) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{
		"type": "service_account", "project_id": "orca-test", "private_key_id": "k1",
		"private_key":  string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email": "orca@orca-test.iam.gserviceaccount.com", "client_id": "1", "token_uri": tokenURL,
	})
	return b
}

func TestGeminiVertexAI(t *testing.T) {
	stub := llmtest.NewGemini(t, twoTurns()...)
	google := llmtest.NewTokenServer(t, "ya29.vertex-token")
	c, err := llm.NewGemini(t.Context(), llm.GeminiConfig{Project: "orca-test", Location: "europe-west4", BaseURL: stub.URL,
		ServiceAccountJSON: serviceAccountKey(t, google.URL+"/token"), Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "gemini-3.8-flash")
	r := stub.Requests()[0]
	if want := "/v1beta1/projects/orca-test/locations/europe-west4/publishers/google/models/gemini-3.8-flash:generateContent"; r.Path != want {
		t.Errorf("path = %s, want %s", r.Path, want)
	}
	if h := r.Header.Get("Authorization"); h != "Bearer ya29.vertex-token" {
		t.Errorf("Authorization = %q", h)
	}
	tr := google.Requests()
	if len(tr) == 0 || tr[0].Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || tr[0].Form.Get("assertion") == "" {
		t.Errorf("token requests = %+v", tr)
	}
}

func TestGeminiErrors(t *testing.T) {
	stub := llmtest.NewGemini(t, llmtest.Turn{Status: 429, ErrorType: "RESOURCE_EXHAUSTED", ErrorMessage: "Quota exceeded"})
	c, err := llm.NewGemini(t.Context(), llm.GeminiConfig{APIKey: "AIzaSecretKey", BaseURL: stub.URL})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Chat(t.Context(), &llm.Request{Model: "m", Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("x")}}}})
	var le *llm.Error
	if !errors.As(err, &le) || le.Kind != llm.KindRateLimit || le.Message != "Quota exceeded" || !le.Retryable {
		t.Errorf("err = %#v", err)
	}
	assertNoSecret(t, err, "AIzaSecretKey")
}

func TestReasoningEffort(t *testing.T) {
	req := &llm.Request{Model: "m", Params: llm.Params{Effort: "high"},
		Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Content{llm.Text("think")}}}}
	chat := llmtest.NewOpenAI(t, llmtest.Turn{Text: "ok"})
	if _, err := newOpenAI(t, chat).Chat(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if got := field(t, chat.Requests()[0].JSON(), "reasoning_effort"); got != `"high"` {
		t.Errorf("Chat Completions reasoning_effort = %s", got)
	}
	resp := llmtest.NewResponses(t, llmtest.Turn{Text: "ok"})
	if _, err := newOpenAI(t, resp, func(c *llm.OpenAIConfig) { c.API = llm.APIResponses }).Chat(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	if got := field(t, resp.Requests()[0].JSON(), "reasoning", "effort"); got != `"high"` {
		t.Errorf("Responses reasoning.effort = %s", got)
	}
}

func TestBedrockPromptCaching(t *testing.T) {
	const point = `{"cachePoint":{"type":"default"}}`
	user := llm.Message{Role: llm.RoleUser, Content: []llm.Content{llm.Text("What is 3 times 4?")}}
	system := llm.Message{Role: llm.RoleSystem, Content: []llm.Content{llm.Text("You are a calculator.")}}
	tool := `{"toolSpec":{"name":"SuperfluxProduct","description":"Multiplies in superflux.","inputSchema":{"json":` + superfluxSchema + `}}}`
	cases := []struct {
		name                            string
		caching                         bool
		msgs                            []llm.Message
		wantSystem, wantTools, wantMsgs string
	}{
		{"system prompt", true, []llm.Message{system, user},
			`[{"text":"You are a calculator."},` + point + `]`, `[` + tool + `]`,
			`[{"role":"user","content":[{"text":"What is 3 times 4?"},` + point + `]}]`},
		{"no system prompt: after the tools", true, []llm.Message{user},
			`null`, `[` + tool + `,` + point + `]`,
			`[{"role":"user","content":[{"text":"What is 3 times 4?"},` + point + `]}]`},
		{"disabled", false, []llm.Message{system, user},
			`[{"text":"You are a calculator."}]`, `[` + tool + `]`,
			`[{"role":"user","content":[{"text":"What is 3 times 4?"}]}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := llmtest.NewBedrock(t, llmtest.Turn{Text: "12"})
			c, err := llm.NewBedrock(llm.BedrockConfig{Region: "eu-central-1", Endpoint: stub.URL, HTTPClient: stub.HTTPClient,
				APIKey: "ABSKbedrockkey", Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			tools := tools()[:1]
			if _, err := c.Chat(t.Context(), &llm.Request{Model: "anthropic.claude-sonnet-4-5", Messages: tc.msgs, Tools: tools,
				Params: llm.Params{PromptCaching: tc.caching}}); err != nil {
				t.Fatal(err)
			}
			body := stub.Requests()[0].JSON()
			assertJSON(t, []byte(field(t, body, "system")), tc.wantSystem)
			assertJSON(t, []byte(field(t, body, "toolConfig", "tools")), tc.wantTools)
			assertJSON(t, []byte(field(t, body, "messages")), tc.wantMsgs)
		})
	}
}
