package agent_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/worker"
)

// nest turns template fields ("provider.openai.model.model": "m") into the
// variables their input mappings write.
func nest(fields map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range fields {
		parts := strings.Split(k, ".")
		m := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		m[parts[len(parts)-1]] = v
	}
	return out
}

// askOnce runs one agent job with the template fields against stub and
// returns what the stub received.
func askOnce(t *testing.T, stub *llmtest.Server, secrets worker.MapSecrets, fields map[string]any) llmtest.Request {
	t.Helper()
	vars := nest(fields)
	vars["data"] = map[string]any{"systemPrompt": map[string]any{"prompt": "You are terse."}, "userPrompt": map[string]any{"prompt": "Hi"}}
	a := agent.New(agent.Options{Secrets: secrets, HTTPClient: stub.HTTPClient})
	if _, err := a.Handle(t.Context(), job(t, vars)); err != nil {
		t.Fatalf("the job failed: %v", err)
	}
	reqs := stub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("the stub got %d requests, want 1", len(reqs))
	}
	return reqs[0]
}

func query(t *testing.T, r llmtest.Request) url.Values {
	t.Helper()
	q, err := url.ParseQuery(r.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestProviderRequestOverrides checks the templates' headers, query
// parameters and body properties (visible on Bedrock Converse and custom
// endpoints, hidden on the vendors' own APIs) reach the vendor, from
// secrets where the template says so.
func TestProviderRequestOverrides(t *testing.T) {
	overrides := func(prefix string) map[string]any {
		return map[string]any{
			prefix + ".headers":         map[string]any{"X-Tenant": "{{secrets.TENANT}}"},
			prefix + ".queryParameters": map[string]any{"route": "eu"},
			prefix + ".bodyProperties":  map[string]any{"service_tier": "priority"},
		}
	}
	cases := []struct {
		name   string
		format string
		fields func(s *llmtest.Server) map[string]any
		// body is where the body properties land.
		body func(b map[string]any) any
	}{
		{"bedrock converse", "bedrock", func(s *llmtest.Server) map[string]any {
			f := overrides("provider.bedrock")
			for k, v := range map[string]any{"provider.type": "bedrock", "provider.bedrock.region": "eu-west-1", "provider.bedrock.endpoint": s.URL,
				"provider.bedrock.authentication.type": "bedrockApiKey", "provider.bedrock.authentication.apiKey": "br-key",
				"provider.bedrock.model.model": "amazon.nova-lite-v1:0"} {
				f[k] = v
			}
			return f
		}, func(b map[string]any) any {
			m, _ := b["additionalModelRequestFields"].(map[string]any)
			return m["service_tier"]
		}},
		{"anthropic api (hidden fields)", "anthropic", func(s *llmtest.Server) map[string]any {
			f := overrides("provider.anthropic.backend.anthropic")
			for k, v := range map[string]any{"provider.type": "anthropic", "provider.anthropic.backend.type": "anthropic-api",
				"provider.anthropic.backend.anthropic.apiKey": "sk-ant", "provider.anthropic.backend.anthropic.endpoint": s.URL,
				"provider.anthropic.model.model": "claude-sonnet-5"} {
				f[k] = v
			}
			return f
		}, func(b map[string]any) any { return b["service_tier"] }},
		{"anthropic bedrock mantle", "anthropic", func(s *llmtest.Server) map[string]any {
			f := overrides("provider.anthropic.backend.awsBedrockMantle")
			for k, v := range map[string]any{"provider.type": "anthropic", "provider.anthropic.backend.type": "aws-bedrock-mantle",
				"provider.anthropic.backend.awsBedrockMantle.region":                                        "eu-west-1",
				"provider.anthropic.backend.awsBedrockMantle.endpoint":                                      s.URL + "/anthropic",
				"provider.anthropic.backend.awsBedrockMantle.authentication.type":                           "awsIam",
				"provider.anthropic.backend.awsBedrockMantle.authentication.inlineAuthentication.type":      "credentials",
				"provider.anthropic.backend.awsBedrockMantle.authentication.inlineAuthentication.accessKey": "AKIDINLINE",
				"provider.anthropic.backend.awsBedrockMantle.authentication.inlineAuthentication.secretKey": "inline-secret",
				"provider.anthropic.model.model":                                                            "anthropic.claude-sonnet-5"} {
				f[k] = v
			}
			return f
		}, func(b map[string]any) any { return b["service_tier"] }},
		{"anthropic custom", "anthropic", func(s *llmtest.Server) map[string]any {
			f := overrides("provider.anthropic.backend.custom")
			for k, v := range map[string]any{"provider.type": "anthropic", "provider.anthropic.backend.type": "custom",
				"provider.anthropic.backend.custom.endpoint": s.URL, "provider.anthropic.backend.custom.authentication.type": "none",
				"provider.anthropic.model.model": "claude-sonnet-5"} {
				f[k] = v
			}
			return f
		}, func(b map[string]any) any { return b["service_tier"] }},
		{"openai api (hidden fields)", "responses", func(s *llmtest.Server) map[string]any {
			f := overrides("provider.openai.backend.openai")
			for k, v := range map[string]any{"provider.type": "openai", "provider.openai.api.type": "responses", "provider.openai.backend.type": "openai-api",
				"provider.openai.backend.openai.apiKey": "sk-openai", "provider.openai.backend.openai.endpoint": s.URL + "/v1",
				"provider.openai.model.model": "gpt-5.5"} {
				f[k] = v
			}
			return f
		}, func(b map[string]any) any { return b["service_tier"] }},
		{"openai foundry (hidden fields)", "openai", func(s *llmtest.Server) map[string]any {
			f := overrides("provider.openai.backend.foundry")
			for k, v := range map[string]any{"provider.type": "openai", "provider.openai.api.type": "completions", "provider.openai.backend.type": "foundry",
				"provider.openai.backend.foundry.endpoint": s.URL, "provider.openai.backend.foundry.authentication.type": "apiKey",
				"provider.openai.backend.foundry.authentication.apiKey": "az-key", "provider.openai.backend.foundry.apiVersion": "2025-04-01-preview",
				"provider.openai.model.model": "my-deployment"} {
				f[k] = v
			}
			return f
		}, func(b map[string]any) any { return b["service_tier"] }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := newStub(t, tc.format, llmtest.Turn{Text: "Hello."})
			got := askOnce(t, stub, worker.MapSecrets{"TENANT": "acme"}, tc.fields(stub))
			if h := got.Header.Get("X-Tenant"); h != "acme" {
				t.Errorf("header X-Tenant = %q, want acme (from the secret)", h)
			}
			if q := query(t, got).Get("route"); q != "eu" {
				t.Errorf("query parameter route = %q, want eu (query %q)", q, got.RawQuery)
			}
			if v := tc.body(got.JSON()); v != "priority" {
				t.Errorf("body property service_tier = %v, want priority: %s", v, got.Body)
			}
			if tc.name == "anthropic bedrock mantle" && !strings.Contains(got.Header.Get("Authorization"), "Credential=AKIDINLINE/") {
				t.Errorf("the request is not signed with the inline access key: %q", got.Header.Get("Authorization"))
			}
			if tc.name == "openai foundry (hidden fields)" && query(t, got).Get("api-version") != "2025-04-01-preview" {
				t.Errorf("api-version = %q, want the template's apiVersion", query(t, got).Get("api-version"))
			}
		})
	}
}

// TestProviderSavedCredentials checks Camunda 8.10's reusable credentials:
// a chosen credential (the object its input mapping gives) wins over the
// template's own fields, and its secrets are resolved.
func TestProviderSavedCredentials(t *testing.T) {
	cases := []struct {
		name   string
		format string
		fields func(s *llmtest.Server) map[string]any
		check  func(t *testing.T, r llmtest.Request)
	}{
		{"anthropic api", "anthropic", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "anthropic", "provider.anthropic.backend.type": "anthropic-api",
				"provider.anthropic.backend.anthropic.credential": map[string]any{"apiKey": "{{secrets.ANTHROPIC_KEY}}"},
				"provider.anthropic.backend.anthropic.apiKey":     "inline-key-not-used",
				"provider.anthropic.backend.anthropic.endpoint":   s.URL, "provider.anthropic.model.model": "claude-sonnet-5"}
		}, func(t *testing.T, r llmtest.Request) {
			if k := r.Header.Get("X-Api-Key"); k != "saved-anthropic-key" {
				t.Errorf("x-api-key = %q, want the credential's secret", k)
			}
		}},
		{"openai api", "responses", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "openai", "provider.openai.backend.type": "openai-api",
				"provider.openai.backend.openai.credential": map[string]any{"apiKey": "sk-saved", "organizationId": "org-saved", "projectId": "proj-saved"},
				"provider.openai.backend.openai.endpoint":   s.URL + "/v1", "provider.openai.model.model": "gpt-5.5"}
		}, func(t *testing.T, r llmtest.Request) {
			if r.Header.Get("Authorization") != "Bearer sk-saved" || r.Header.Get("OpenAI-Organization") != "org-saved" || r.Header.Get("OpenAI-Project") != "proj-saved" {
				t.Errorf("headers %v, want the credential's key, organization and project", r.Header)
			}
		}},
		{"openai foundry", "responses", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "openai", "provider.openai.backend.type": "foundry",
				"provider.openai.backend.foundry.credential": map[string]any{"endpoint": s.URL,
					"authentication": map[string]any{"type": "apiKey", "apiKey": "az-saved"}},
				"provider.openai.model.model": "my-deployment"}
		}, func(t *testing.T, r llmtest.Request) {
			if k := r.Header.Get("Api-Key"); k != "az-saved" || !strings.HasPrefix(r.Path, "/openai/v1/") {
				t.Errorf("api-key %q on %s, want the credential's key at its endpoint", k, r.Path)
			}
		}},
		{"openai custom gateway", "openai", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "openai", "provider.openai.api.type": "completions", "provider.openai.backend.type": "custom",
				"provider.openai.backend.custom.credential": map[string]any{"endpoint": s.URL + "/v1", "apiKey": "gw-saved"},
				"provider.openai.model.model":               "qwen3"}
		}, func(t *testing.T, r llmtest.Request) {
			if a := r.Header.Get("Authorization"); a != "Bearer gw-saved" {
				t.Errorf("Authorization = %q, want the gateway credential's key", a)
			}
		}},
		{"gemini api", "gemini", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "google-gemini", "provider.googleGemini.backend.type": "google-gemini-api",
				"provider.googleGemini.backend.googleGeminiApi.credential": map[string]any{"apiKey": "gm-saved"},
				"provider.googleGemini.backend.googleGeminiApi.endpoint":   s.URL, "provider.googleGemini.model.model": "gemini-3-pro"}
		}, func(t *testing.T, r llmtest.Request) {
			if k := r.Header.Get("X-Goog-Api-Key"); k != "gm-saved" {
				t.Errorf("x-goog-api-key = %q, want the credential's key", k)
			}
		}},
		{"bedrock aws credential", "bedrock", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "bedrock", "provider.bedrock.endpoint": s.URL, "provider.bedrock.authentication.type": "awsIam",
				"provider.bedrock.authentication.awsCredential": map[string]any{"region": "eu-central-1",
					"authentication": map[string]any{"type": "credentials", "accessKey": "AKIDSAVED", "secretKey": "{{secrets.AWS_SECRET}}"}},
				"provider.bedrock.model.model": "amazon.nova-lite-v1:0"}
		}, func(t *testing.T, r llmtest.Request) {
			if a := r.Header.Get("Authorization"); !strings.Contains(a, "Credential=AKIDSAVED/") || !strings.Contains(a, "/eu-central-1/bedrock/") {
				t.Errorf("Authorization = %q, want a signature with the credential's key for its region", a)
			}
		}},
		{"bedrock api key credential, the template's region first", "bedrock", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "bedrock", "provider.bedrock.endpoint": s.URL, "provider.bedrock.region": "us-west-2",
				"provider.bedrock.authentication.type":                    "bedrockApiKey",
				"provider.bedrock.authentication.bedrockApiKeyCredential": map[string]any{"apiKey": "br-saved", "region": "eu-central-1"},
				"provider.bedrock.model.model":                            "amazon.nova-lite-v1:0"}
		}, func(t *testing.T, r llmtest.Request) {
			if a := r.Header.Get("Authorization"); a != "Bearer br-saved" {
				t.Errorf("Authorization = %q, want the saved Bedrock API key", a)
			}
		}},
	}
	secrets := worker.MapSecrets{"ANTHROPIC_KEY": "saved-anthropic-key", "AWS_SECRET": "saved-aws-secret"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stub := newStub(t, tc.format, llmtest.Turn{Text: "Hello."})
			tc.check(t, askOnce(t, stub, secrets, tc.fields(stub)))
		})
	}
}

// identityEndpoint is a loopback managed identity endpoint as Azure App
// Service serves it (IDENTITY_ENDPOINT with the IDENTITY_HEADER secret):
// azidentity's ManagedIdentityCredential asks it for tokens.
type identityEndpoint struct {
	*httptest.Server
	mu   sync.Mutex
	asks []url.Values
}

func newIdentityEndpoint(t *testing.T, token string) *identityEndpoint {
	t.Helper()
	e := &identityEndpoint{}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Identity-Header") != "identity-secret" {
			http.Error(w, `{"error":"invalid_request","error_description":"missing X-IDENTITY-HEADER"}`, http.StatusBadRequest)
			return
		}
		e.mu.Lock()
		e.asks = append(e.asks, r.URL.Query())
		e.mu.Unlock()
		if r.URL.Query().Get("client_id") == "unknown-identity" {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"statusCode":400,"message":"No User Assigned or Delegated Managed Identity found for specified ClientId"}`))
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": token, "expires_on": "4102444800", "resource": r.URL.Query().Get("resource"),
			"token_type": "Bearer"})
	}))
	t.Cleanup(e.Close)
	t.Setenv("IDENTITY_ENDPOINT", e.URL+"/msi/token")
	t.Setenv("IDENTITY_HEADER", "identity-secret")
	for _, v := range []string{"MSI_ENDPOINT", "MSI_SECRET", "IMDS_ENDPOINT", "IDENTITY_SERVER_THUMBPRINT"} {
		t.Setenv(v, "")
	}
	return e
}

// TestProviderManagedIdentity checks Entra ID managed identity on the
// Foundry backends: the token comes from the machine's identity endpoint
// (a user-assigned identity by its client id, the scope as the resource)
// and reaches the vendor as a bearer token. azidentity (MSAL) caches these
// tokens for the whole process by identity and resource, so each case uses
// its own.
func TestProviderManagedIdentity(t *testing.T) {
	cases := []struct {
		name, format, resource string
		fields                 func(s *llmtest.Server) map[string]any
	}{
		{"anthropic foundry, user-assigned", "anthropic", "https://ai.azure.com", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "anthropic", "provider.anthropic.backend.type": "foundry",
				"provider.anthropic.backend.foundry.endpoint": s.URL, "provider.anthropic.backend.foundry.authentication.type": "managedIdentity",
				"provider.anthropic.backend.foundry.authentication.clientId": "0a1b2c3d-user-assigned", "provider.anthropic.model.model": "claude-deployment"}
		}},
		{"openai foundry, system-assigned, scope override", "responses", "api://orca-test-foundry", func(s *llmtest.Server) map[string]any {
			return map[string]any{"provider.type": "openai", "provider.openai.backend.type": "foundry",
				"provider.openai.backend.foundry.endpoint": s.URL, "provider.openai.backend.foundry.authentication.type": "managedIdentity",
				"provider.openai.backend.foundry.authentication.entraIdScope": "api://orca-test-foundry/.default", "provider.openai.model.model": "gpt-deployment"}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idp := newIdentityEndpoint(t, "mi-token-"+tc.format)
			stub := newStub(t, tc.format, llmtest.Turn{Text: "Hello."})
			fields := tc.fields(stub)
			got := askOnce(t, stub, worker.MapSecrets{}, fields)
			if a := got.Header.Get("Authorization"); a != "Bearer mi-token-"+tc.format {
				t.Errorf("Authorization = %q, want the managed identity's token", a)
			}
			idp.mu.Lock()
			defer idp.mu.Unlock()
			if len(idp.asks) != 1 {
				t.Fatalf("the identity endpoint was asked %d times, want 1", len(idp.asks))
			}
			q := idp.asks[0]
			if q.Get("resource") != tc.resource {
				t.Errorf("resource = %q, want %q", q.Get("resource"), tc.resource)
			}
			if want, _ := fields["provider.anthropic.backend.foundry.authentication.clientId"].(string); q.Get("client_id") != want {
				t.Errorf("client_id = %q, want %q", q.Get("client_id"), want)
			}
		})
	}
	t.Run("an unknown identity is an incident that says so", func(t *testing.T) {
		newIdentityEndpoint(t, "unused")
		stub := newStub(t, "anthropic")
		vars := nest(map[string]any{"provider.type": "anthropic", "provider.anthropic.backend.type": "foundry",
			"provider.anthropic.backend.foundry.endpoint": stub.URL, "provider.anthropic.backend.foundry.authentication.type": "managedIdentity",
			"provider.anthropic.backend.foundry.authentication.clientId": "unknown-identity", "provider.anthropic.model.model": "claude"})
		vars["data"] = map[string]any{"systemPrompt": map[string]any{"prompt": "s"}, "userPrompt": map[string]any{"prompt": "hi"}}
		_, err := agent.New(agent.Options{Secrets: worker.MapSecrets{}, HTTPClient: stub.HTTPClient}).Handle(t.Context(), job(t, vars))
		if err == nil || !strings.Contains(err.Error(), "managed identity") || !strings.Contains(err.Error(), "No User Assigned") {
			t.Fatalf("error = %v, want one that names the managed identity and says why", err)
		}
		if len(stub.Requests()) != 0 {
			t.Errorf("the model was called without a token")
		}
	})
}

// TestProviderModelDefault checks the templates' "default" choice
// (modelDefault) of effort, thinking mode and thinking level sends nothing.
func TestProviderModelDefault(t *testing.T) {
	stub := newStub(t, "anthropic", llmtest.Turn{Text: "Hello."})
	got := askOnce(t, stub, worker.MapSecrets{}, map[string]any{"provider.type": "anthropic", "provider.anthropic.backend.type": "anthropic-api",
		"provider.anthropic.backend.anthropic.apiKey": "k", "provider.anthropic.backend.anthropic.endpoint": stub.URL,
		"provider.anthropic.model.model": "claude", "provider.anthropic.model.parameters.effort": "modelDefault",
		"provider.anthropic.model.parameters.thinking.mode": "modelDefault"})
	b := got.JSON()
	if b["thinking"] != nil || b["output_config"] != nil {
		t.Errorf("the default choice sent thinking or effort: %s", got.Body)
	}
	rs := newStub(t, "responses", llmtest.Turn{Text: "Hello."})
	got = askOnce(t, rs, worker.MapSecrets{}, map[string]any{"provider.type": "openai", "provider.openai.api.type": "responses",
		"provider.openai.backend.type": "custom", "provider.openai.backend.custom.endpoint": rs.URL + "/v1",
		"provider.openai.model.model": "gpt", "provider.openai.api.responses.effort": "modelDefault",
		"provider.openai.api.responses.maxOutputTokens": 321, "provider.openai.api.responses.temperature": 0.25})
	b = got.JSON()
	if b["reasoning"] != nil {
		t.Errorf("the default effort sent reasoning: %s", got.Body)
	}
	if b["max_output_tokens"] != float64(321) || b["temperature"] != 0.25 {
		t.Errorf("api.responses parameters not sent: %s", got.Body)
	}
}

// TestConversationMemoryAsCamundaStoresIt continues a conversation that
// Camunda's agent stored (thinking as a "reasoning" block: the Anthropic
// block without its text as payload, the text beside it; another vendor's
// reasoning; fields Orca does not know) and checks the model gets the
// thinking block whole and signed, the other vendor's reasoning is not
// sent, the stored blocks come back unchanged, and Orca stores the new
// thinking the same way.
func TestConversationMemoryAsCamundaStoresIt(t *testing.T) {
	stored := `{"state":"READY","metadata":{"processDefinitionKey":"3","processInstanceKey":"2"},
	  "metrics":{"modelCalls":1,"tokenUsage":{"inputTokenCount":10,"outputTokenCount":5}},"toolDefinitions":[],
	  "conversation":{"type":"in-process","conversationId":"c-1","messages":[
	    {"role":"system","content":[{"type":"text","text":"You are terse."}]},
	    {"role":"user","id":"msg-1","content":[{"type":"text","text":"What is 3 times 4?"}]},
	    {"role":"assistant","content":[
	      {"type":"reasoning","provider":"anthropic","payload":{"type":"thinking","signature":"sig-camunda"},"text":"3 times 4 is 12."},
	      {"type":"reasoning","provider":"openai","payload":{"type":"reasoning","id":"rs_1","encrypted_content":"opaque"}},
	      {"type":"text","text":"12","metadata":{"source":"camunda"}}],
	     "metadata":{"timestamp":"2026-12-05T10:00:00Z","framework":{"provider":"anthropic"}}}]}}`
	var ac any
	if err := json.Unmarshal([]byte(stored), &ac); err != nil {
		t.Fatal(err)
	}
	stub := newStub(t, "anthropic", llmtest.Turn{Thinking: "5 times 6 is 30.", Signature: "sig-orca", Text: "30"})
	vars := nest(map[string]any{"provider.type": "anthropic", "provider.anthropic.backend.type": "anthropic-api",
		"provider.anthropic.backend.anthropic.apiKey": "k", "provider.anthropic.backend.anthropic.endpoint": stub.URL,
		"provider.anthropic.model.model": "claude-sonnet-5"})
	vars["data"] = map[string]any{"systemPrompt": map[string]any{"prompt": "You are terse."}, "userPrompt": map[string]any{"prompt": "And 5 times 6?"}}
	vars["agentContext"] = ac
	done, err := agent.New(agent.Options{Secrets: worker.MapSecrets{}, HTTPClient: stub.HTTPClient}).Handle(t.Context(), job(t, vars))
	if err != nil {
		t.Fatal(err)
	}
	reqs := stub.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d model calls, want 1", len(reqs))
	}
	msgs, _ := reqs[0].JSON()["messages"].([]any)
	if len(msgs) != 3 {
		t.Fatalf("the model got %d messages, want the stored user and assistant turns and the new question: %s", len(msgs), reqs[0].Body)
	}
	assistant, _ := msgs[1].(map[string]any)["content"].([]any)
	got, _ := json.Marshal(assistant)
	if want := `[{"signature":"sig-camunda","thinking":"3 times 4 is 12.","type":"thinking"},{"text":"12","type":"text"}]`; string(got) != want {
		t.Errorf("the stored assistant turn reached the model as\n%s\nwant\n%s", got, want)
	}
	b, _ := json.Marshal(done.Variables["agentContext"])
	var after struct {
		Conversation struct {
			Messages []json.RawMessage `json:"messages"`
		} `json:"conversation"`
	}
	if err := json.Unmarshal(b, &after); err != nil {
		t.Fatal(err)
	}
	var before struct {
		Conversation struct {
			Messages []json.RawMessage `json:"messages"`
		} `json:"conversation"`
	}
	json.Unmarshal([]byte(stored), &before)
	if n := len(after.Conversation.Messages); n != 5 {
		t.Fatalf("%d messages stored, want 5", n)
	}
	for i := range 3 {
		if !jsonEqual(t, before.Conversation.Messages[i], after.Conversation.Messages[i]) {
			t.Errorf("stored message %d changed:\n%s\nwas\n%s", i, after.Conversation.Messages[i], before.Conversation.Messages[i])
		}
	}
	var last struct {
		Content []json.RawMessage `json:"content"`
	}
	json.Unmarshal(after.Conversation.Messages[4], &last)
	if len(last.Content) == 0 || !jsonEqual(t, last.Content[0],
		json.RawMessage(`{"type":"reasoning","provider":"anthropic","payload":{"type":"thinking","signature":"sig-orca"},"text":"5 times 6 is 30."}`)) {
		t.Errorf("the new thinking is stored as %s, want Camunda's reasoning block", after.Conversation.Messages[4])
	}
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xs, _ := json.Marshal(x)
	ys, _ := json.Marshal(y)
	return string(xs) == string(ys)
}
