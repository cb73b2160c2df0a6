package agent_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/httpconnector"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/rest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/worker"
)

// chatProvider is one model provider of the 8.10 (".v2") AI Agent
// templates: the stub that speaks its wire format and the template's
// provider fields (input mapping targets and their values) pointing at it.
type chatProvider struct {
	name   string
	format string // openai (also Mistral), responses, anthropic, bedrock, gemini
	fields func(stub *llmtest.Server, extra map[string]string) map[string]string
}

func chatProviders() []chatProvider {
	return []chatProvider{
		{"openai custom responses", "responses", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "openai", "provider.openai.api.type": "responses",
				"provider.openai.backend.type": "custom", "provider.openai.backend.custom.endpoint": s.URL + "/v1",
				"provider.openai.backend.custom.authentication.type":   "apiKey",
				"provider.openai.backend.custom.authentication.apiKey": "{{secrets.LLM_KEY}}", "provider.openai.model.model": "gpt-5"}
		}},
		{"openai custom completions", "openai", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "openai", "provider.openai.api.type": "completions",
				"provider.openai.backend.type": "custom", "provider.openai.backend.custom.endpoint": s.URL + "/v1",
				"provider.openai.backend.custom.authentication.type": "none", "provider.openai.model.model": "qwen3",
				"provider.openai.model.parameters.maxCompletionTokens": "=512"}
		}},
		{"openai foundry responses", "responses", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "openai", "provider.openai.api.type": "responses",
				"provider.openai.backend.type": "foundry", "provider.openai.backend.foundry.endpoint": s.URL,
				"provider.openai.backend.foundry.authentication.type":   "apiKey",
				"provider.openai.backend.foundry.authentication.apiKey": "{{secrets.LLM_KEY}}", "provider.openai.model.model": "my-gpt-deployment"}
		}},
		{"anthropic custom", "anthropic", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "anthropic", "provider.anthropic.backend.type": "custom",
				"provider.anthropic.backend.custom.endpoint": s.URL, "provider.anthropic.backend.custom.authentication.type": "apiKey",
				"provider.anthropic.backend.custom.authentication.apiKey": "{{secrets.LLM_KEY}}",
				"provider.anthropic.model.model":                          "claude-sonnet-5", "provider.anthropic.model.parameters.maxTokens": "=1024"}
		}},
		{"anthropic foundry", "anthropic", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "anthropic", "provider.anthropic.backend.type": "foundry",
				"provider.anthropic.backend.foundry.endpoint": s.URL, "provider.anthropic.backend.foundry.authentication.type": "apiKey",
				"provider.anthropic.backend.foundry.authentication.apiKey": "{{secrets.LLM_KEY}}", "provider.anthropic.model.model": "claude-deployment"}
		}},
		{"anthropic bedrock mantle", "anthropic", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "anthropic", "provider.anthropic.backend.type": "aws-bedrock-mantle",
				"provider.anthropic.backend.awsBedrockMantle.region":                   "eu-west-1",
				"provider.anthropic.backend.awsBedrockMantle.endpoint":                 s.URL + "/anthropic",
				"provider.anthropic.backend.awsBedrockMantle.authentication.type":      "credentials",
				"provider.anthropic.backend.awsBedrockMantle.authentication.accessKey": "AKIDMANTLE",
				"provider.anthropic.backend.awsBedrockMantle.authentication.secretKey": "{{secrets.LLM_KEY}}",
				"provider.anthropic.model.model":                                       "anthropic.claude-sonnet-5"}
		}},
		{"bedrock converse credentials", "bedrock", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "bedrock", "provider.bedrock.region": "eu-central-1", "provider.bedrock.endpoint": s.URL,
				"provider.bedrock.authentication.type": "credentials", "provider.bedrock.authentication.accessKey": "AKIDBEDROCK",
				"provider.bedrock.authentication.secretKey": "{{secrets.LLM_KEY}}", "provider.bedrock.model.model": "amazon.nova-pro-v1:0"}
		}},
		{"bedrock converse api key", "bedrock", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "bedrock", "provider.bedrock.region": "eu-central-1", "provider.bedrock.endpoint": s.URL,
				"provider.bedrock.authentication.type": "apiKey", "provider.bedrock.authentication.apiKey": "{{secrets.LLM_KEY}}",
				"provider.bedrock.model.model": "amazon.nova-pro-v1:0"}
		}},
		{"mistral api", "openai", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "mistral", "provider.mistral.backend.type": "mistral-api",
				"provider.mistral.backend.mistral.endpoint": s.URL + "/v1", "provider.mistral.backend.mistral.apiKey": "{{secrets.LLM_KEY}}",
				"provider.mistral.model.model": "mistral-medium-2508"}
		}},
		{"mistral custom", "openai", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "mistral", "provider.mistral.backend.type": "custom",
				"provider.mistral.backend.custom.endpoint": s.URL + "/v1", "provider.mistral.backend.custom.authentication.type": "apiKey",
				"provider.mistral.backend.custom.authentication.apiKey": "{{secrets.LLM_KEY}}", "provider.mistral.model.model": "magistral-small-2509"}
		}},
		{"google gemini api", "gemini", func(s *llmtest.Server, _ map[string]string) map[string]string {
			return map[string]string{"provider.type": "google-gemini", "provider.googleGemini.backend.type": "google-gemini-api",
				"provider.googleGemini.backend.googleGeminiApi.endpoint": s.URL,
				"provider.googleGemini.backend.googleGeminiApi.apiKey":   "{{secrets.LLM_KEY}}", "provider.googleGemini.model.model": "gemini-3.8-flash"}
		}},
		{"google vertex ai", "gemini", func(s *llmtest.Server, extra map[string]string) map[string]string {
			return map[string]string{"provider.type": "google-gemini", "provider.googleGemini.backend.type": "google-vertex-ai",
				"provider.googleGemini.backend.googleVertexAi.projectId": "orca-test", "provider.googleGemini.backend.googleVertexAi.region": "europe-west4",
				"provider.googleGemini.backend.googleVertexAi.endpoint":               s.URL,
				"provider.googleGemini.backend.googleVertexAi.authentication.type":    "serviceAccountCredentials",
				"provider.googleGemini.backend.googleVertexAi.authentication.jsonKey": "=serviceAccountKey",
				"provider.googleGemini.model.model":                                   "gemini-3.8-flash"}
		}},
	}
}

func newStub(t *testing.T, format string, turns ...llmtest.Turn) *llmtest.Server {
	switch format {
	case "responses":
		return llmtest.NewResponses(t, turns...)
	case "anthropic":
		return llmtest.NewAnthropic(t, turns...)
	case "bedrock":
		return llmtest.NewBedrock(t, turns...)
	case "gemini":
		return llmtest.NewGemini(t, turns...)
	}
	return llmtest.NewOpenAI(t, turns...)
}

// chatModel renders the "AI agent chat with tools" process: an ad-hoc
// sub-process written as Camunda Modeler writes it with the 8.10 AI Agent
// Sub-process template, whose tools are a FEEL script, a REST connector, a
// user task, and an event sub-process that brings news from the user.
func chatModel(t *testing.T, provider map[string]string, extraTools string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/chat-with-tools-v2.bpmn")
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(provider))
	for k := range provider {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var in strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&in, "          <zeebe:input source=\"%s\" target=\"%s\" />\n", html.EscapeString(provider[k]), k)
	}
	s := string(b)
	// A field the test sets replaces the model's own input mapping.
	for _, k := range keys {
		re := regexp.MustCompile(`(?m)^\s*<zeebe:input source="[^"]*" target="` + regexp.QuoteMeta(k) + `" />\n`)
		s = re.ReplaceAllString(s, "")
	}
	s = strings.Replace(s, "<!-- PROVIDER -->", in.String(), 1)
	s = strings.Replace(s, "<!-- EXTRA TOOLS -->", extraTools, 1)
	return []byte(s)
}

// received reads what a stub got, whatever its wire format: the system
// prompt and each tool's input schema.
func received(t *testing.T, format string, body map[string]any) (system string, tools map[string]any) {
	t.Helper()
	tools = map[string]any{}
	get := func(v any, path ...any) any {
		for _, p := range path {
			switch p := p.(type) {
			case string:
				m, _ := v.(map[string]any)
				v = m[p]
			case int:
				l, _ := v.([]any)
				if p >= len(l) {
					return nil
				}
				v = l[p]
			}
		}
		return v
	}
	list := func(v any) []any { l, _ := v.([]any); return l }
	str := func(v any) string { s, _ := v.(string); return s }
	switch format {
	case "openai":
		system = str(get(body, "messages", 0, "content"))
		for _, tl := range list(body["tools"]) {
			tools[str(get(tl, "function", "name"))] = get(tl, "function", "parameters")
		}
	case "responses":
		system = str(body["instructions"])
		for _, tl := range list(body["tools"]) {
			tools[str(get(tl, "name"))] = get(tl, "parameters")
		}
	case "anthropic":
		system = str(get(body, "system", 0, "text"))
		for _, tl := range list(body["tools"]) {
			tools[str(get(tl, "name"))] = get(tl, "input_schema")
		}
	case "bedrock":
		system = str(get(body, "system", 0, "text"))
		for _, tl := range list(get(body, "toolConfig", "tools")) {
			tools[str(get(tl, "toolSpec", "name"))] = get(tl, "toolSpec", "inputSchema", "json")
		}
	case "gemini":
		system = str(get(body, "systemInstruction", "parts", 0, "text"))
		for _, tl := range list(get(body, "tools", 0, "functionDeclarations")) {
			tools[str(get(tl, "name"))] = get(tl, "parametersJsonSchema")
		}
	}
	return system, tools
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// chatRig is the engine behind the REST API v2 on loopback, with the agent
// worker (and the REST connector) polling it as remote clients.
type chatRig struct {
	*rig
	api *cluster.Remote
}

func newChatRig(t *testing.T, opts agent.Options, extra ...worker.Config) *chatRig {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	rs := httptest.NewServer(rest.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), rest.Options{}))
	api, err := cluster.NewRemote(cluster.RemoteOptions{BaseURL: rs.URL})
	if err != nil {
		t.Fatal(err)
	}
	workers := append([]worker.Config{{Type: agent.JobTypeSubProcessV2, Handler: worker.WithErrorExpression(agent.New(opts)), FetchVariables: agent.FetchVariables}}, extra...)
	done := make(chan struct{})
	for _, w := range workers {
		w.PollTimeout = 200 * time.Millisecond
		go func(w worker.Config) {
			worker.Run(ctx, api, w)
			done <- struct{}{}
		}(w)
	}
	t.Cleanup(func() {
		cancel()
		for range workers {
			<-done
		}
		rs.Close()
		eng.Close()
	})
	return &chatRig{rig: &rig{t: t, ctx: context.Background(), eng: eng}, api: api}
}

func (r *chatRig) userTask(pi int64, elementID string) *store.UserTask {
	var ut *store.UserTask
	r.waitFor("the user task "+elementID, func() bool {
		ts, _ := store.Select(r.ctx, r.eng.Store(), func() *store.UserTask { return new(store.UserTask) },
			"process_instance_key = ? AND state = 'CREATED' AND element_id = ?", pi, elementID)
		if len(ts) == 1 {
			ut = ts[0]
		}
		return ut != nil
	})
	return ut
}

// TestChatWithToolsV2 is Camunda 8.10's "AI agent chat with tools" pattern
// with every provider of the 8.10 templates: the model calls a FEEL script
// tool, a REST connector tool (a real HTTP call with a bearer token from a
// secret) and a user task tool, an event arrives while the person works, and
// the model answers once all results are in. Each stub checks what it got:
// the system prompt, the tools with their schemas, the tool results and the
// event.
func TestChatWithToolsV2(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	der, _ := x509.MarshalPKCS8PrivateKey(key)
	for _, p := range chatProviders() {
		t.Run(p.name, func(t *testing.T) {
			stub := newStub(t, p.format,
				llmtest.Turn{ToolCalls: []llm.ToolCall{
					toolCall("call_1", "SuperfluxProduct", `{"a":3,"b":4}`),
					toolCall("call_2", "AskHumanToSendEmail", `{"emailSubject":"Your order"}`),
					toolCall("call_3", "LoadUserByID", `{"userId":7}`),
				}, Usage: llm.Usage{InputTokens: 100, OutputTokens: 20}},
				llmtest.Turn{Text: "The superflux product is 21 and the email went out.", Usage: llm.Usage{InputTokens: 150, OutputTokens: 12}},
			)
			google := llmtest.NewTokenServer(t, "ya29.chat")
			saKey, _ := json.Marshal(map[string]any{"type": "service_account", "project_id": "orca-test", "private_key_id": "k1",
				"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "client_email": "orca@orca-test.iam.gserviceaccount.com",
				"client_id": "1", "token_uri": google.URL + "/token"})
			users := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/users/7" || r.Header.Get("Authorization") != "Bearer users-token" {
					http.Error(w, "wrong request", http.StatusBadRequest)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.Write([]byte(`{"id":7,"name":"Ada Lovelace","email":"ada@example.com"}`))
			}))
			defer users.Close()
			secrets := worker.MapSecrets{"LLM_KEY": "secret-llm-key", "USERS_API_TOKEN": "users-token"}
			restTool := worker.Config{Type: httpconnector.JobType, Handler: httpconnector.New(httpconnector.Options{}).Handler(secrets)}
			r := newChatRig(t, agent.Options{Secrets: secrets, HTTPClient: stub.HTTPClient}, restTool)
			model := chatModel(t, p.fields(stub, nil), "")
			if _, err := r.eng.Deploy(r.ctx, "", []engine.Resource{{Name: "chat.bpmn", Content: model}}); err != nil {
				t.Fatal(err)
			}
			res, err := r.eng.CreateProcessInstance(r.ctx, engine.CreateInstanceRequest{ProcessID: "chat-with-tools", Variables: map[string]any{
				"inputText": "What is the superflux product of 3 and 4? Then email the customer.", "chatId": "chat-1",
				"serviceAccountKey": string(saKey), "usersApi": users.URL}})
			if err != nil {
				t.Fatal(err)
			}
			pi := res.ProcessInstanceKey
			ut := r.userTask(pi, "AskHumanToSendEmail")
			// News from the user while the person is at work: it waits for
			// the tool results (WAIT_FOR_TOOL_CALL_RESULTS).
			if _, err := r.eng.PublishMessage(r.ctx, engine.PublishMessageRequest{Name: "user-message", CorrelationKey: "chat-1",
				Variables: map[string]any{"note": "please hurry"}}); err != nil {
				t.Fatal(err)
			}
			r.waitFor("the event's result", func() bool {
				vs, _ := store.Select(r.ctx, r.eng.Store(), func() *store.Variable { return new(store.Variable) },
					"process_instance_key = ? AND name = 'toolCallResults'", pi)
				return len(vs) == 1 && strings.Contains(vs[0].Value, "please hurry")
			})
			if len(stub.Requests()) != 1 {
				t.Fatalf("the model was called before all tool results were in (%d calls)", len(stub.Requests()))
			}
			if err := r.eng.CompleteUserTask(r.ctx, ut.Key, map[string]any{"sent": true}); err != nil {
				t.Fatal(err)
			}
			r.waitFor("the agent's answer", func() bool { return r.state(pi) == store.StateCompleted || len(r.incidents(pi)) > 0 })
			if inc := r.incidents(pi); len(inc) > 0 {
				t.Fatalf("incident: %s", inc[0].ErrorMessage)
			}

			reqs := stub.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d model calls, want 2", len(reqs))
			}
			// The model the template names reaches the vendor, in the body or
			// in the path.
			for k, v := range p.fields(stub, nil) {
				if strings.HasSuffix(k, ".model.model") && !strings.Contains(reqs[0].Path, v) &&
					!strings.Contains(string(reqs[0].Body), `"model":"`+v+`"`) {
					t.Errorf("the model %q is neither in the path %s nor in the body", v, reqs[0].Path)
				}
			}
			system, tools := received(t, p.format, reqs[0].JSON())
			if !strings.HasPrefix(system, "You are a friendly chat agent of ACME.") {
				t.Errorf("system prompt = %q", system)
			}
			wantTools := map[string]any{
				"SuperfluxProduct":    jsonValue(t, `{"type":"object","properties":{"a":{"type":"number","description":"The first number"},"b":{"type":"number","description":"The second number"}},"required":["a","b"]}`),
				"AskHumanToSendEmail": jsonValue(t, `{"type":"object","properties":{"emailSubject":{"type":"string","description":"The subject of the email"}},"required":["emailSubject"]}`),
				"LoadUserByID":        jsonValue(t, `{"type":"object","properties":{"userId":{"type":"number","description":"The ID of the user"}},"required":["userId"]}`),
			}
			for name, want := range wantTools {
				if !reflect.DeepEqual(tools[name], want) {
					got, _ := json.Marshal(tools[name])
					t.Errorf("tool %s: schema %s", name, got)
				}
			}
			if len(tools) != len(wantTools) {
				t.Errorf("tools = %v", tools)
			}
			second := string(reqs[1].Body)
			for _, want := range []string{"21", "emailSent", "please hurry", "superflux product of 3 and 4", "Ada Lovelace", "ada@example.com"} {
				if !strings.Contains(second, want) {
					t.Errorf("the second call lacks %q:\n%s", want, second)
				}
			}
			auth := reqs[0].Header.Get("Authorization") + reqs[0].Header.Get("X-Api-Key") + reqs[0].Header.Get("Api-Key") + reqs[0].Header.Get("X-Goog-Api-Key")
			switch {
			case strings.Contains(p.name, "credentials") || strings.Contains(p.name, "mantle"):
				if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKID") {
					t.Errorf("not signed: %q", auth)
				}
			case strings.Contains(p.name, "vertex"):
				if auth != "Bearer ya29.chat" {
					t.Errorf("Authorization = %q", auth)
				}
			case strings.Contains(p.name, "mistral"):
				if auth != "Bearer secret-llm-key" {
					t.Errorf("Authorization = %q, want the key from the secret as a bearer token", auth)
				}
			case strings.Contains(p.name, "completions"):
				if auth != "" {
					t.Errorf("credentials went to an endpoint that needs none: %q", auth)
				}
			default:
				if !strings.Contains(auth, "secret-llm-key") {
					t.Errorf("the key from the secret did not reach the model: %q", auth)
				}
			}
			agentVar, _ := r.variable(pi, "agent").(map[string]any)
			if agentVar["responseText"] != "The superflux product is 21 and the email went out." {
				t.Fatalf("agent = %v", agentVar)
			}
			ctxVar, _ := agentVar["context"].(map[string]any)
			metrics, _ := json.Marshal(ctxVar["metrics"])
			if !strings.Contains(string(metrics), `"modelCalls":2`) || !strings.Contains(string(metrics), `"inputTokenCount":250`) {
				t.Errorf("metrics = %s", metrics)
			}
		})
	}
}

// TestChatAnthropicThinkingV2 runs the 8.10 Anthropic provider with extended
// thinking, effort and prompt caching: the request carries them as the
// Messages API names them, the thinking block the model returns goes back
// signed and unchanged with the tool results, and the agent's answer holds
// the text only.
func TestChatAnthropicThinkingV2(t *testing.T) {
	stub := llmtest.NewAnthropic(t,
		llmtest.Turn{Thinking: "3 times 4 in superflux: ask the tool.", Signature: "sig-Zm9vYmFy",
			ToolCalls: []llm.ToolCall{toolCall("toolu_1", "SuperfluxProduct", `{"a":3,"b":4}`)}},
		llmtest.Turn{Text: "The superflux product is 21."},
	)
	r := newChatRig(t, agent.Options{Secrets: worker.MapSecrets{"LLM_KEY": "secret-llm-key"}})
	fields := map[string]string{"provider.type": "anthropic", "provider.anthropic.backend.type": "custom",
		"provider.anthropic.backend.custom.endpoint": stub.URL, "provider.anthropic.backend.custom.authentication.type": "apiKey",
		"provider.anthropic.backend.custom.authentication.apiKey": "{{secrets.LLM_KEY}}",
		"provider.anthropic.model.model":                          "claude-sonnet-4-6", "provider.anthropic.model.parameters.maxTokens": "=8000",
		"provider.anthropic.model.parameters.effort": "medium", "provider.anthropic.model.parameters.thinking.mode": "enabled",
		"provider.anthropic.model.parameters.thinking.budgetTokens": "=2048",
		"provider.anthropic.model.parameters.promptCaching.enabled": "=true"}
	if _, err := r.eng.Deploy(r.ctx, "", []engine.Resource{{Name: "chat.bpmn", Content: chatModel(t, fields, "")}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.eng.CreateProcessInstance(r.ctx, engine.CreateInstanceRequest{ProcessID: "chat-with-tools", Variables: map[string]any{
		"inputText": "What is the superflux product of 3 and 4?", "chatId": "chat-1"}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	r.waitFor("the agent's answer", func() bool { return r.state(pi) == store.StateCompleted || len(r.incidents(pi)) > 0 })
	if inc := r.incidents(pi); len(inc) > 0 {
		t.Fatalf("incident: %s", inc[0].ErrorMessage)
	}
	reqs := stub.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d model calls, want 2", len(reqs))
	}
	first := reqs[0].JSON()
	got, _ := json.Marshal(map[string]any{"thinking": first["thinking"], "output_config": first["output_config"], "cache_control": first["cache_control"]})
	if want := `{"cache_control":{"type":"ephemeral"},"output_config":{"effort":"medium"},"thinking":{"budget_tokens":2048,"type":"enabled"}}`; string(got) != want {
		t.Errorf("first request:\n got %s\nwant %s", got, want)
	}
	var assistant []any
	for _, m := range reqs[1].JSON()["messages"].([]any) {
		if mm, _ := m.(map[string]any); mm["role"] == "assistant" {
			assistant, _ = mm["content"].([]any)
		}
	}
	if len(assistant) != 2 {
		t.Fatalf("the second call's assistant turn = %v, want the thinking block and the tool call", assistant)
	}
	thinking, _ := json.Marshal(assistant[0])
	if want := `{"signature":"sig-Zm9vYmFy","thinking":"3 times 4 in superflux: ask the tool.","type":"thinking"}`; string(thinking) != want {
		t.Errorf("thinking sent back = %s, want %s", thinking, want)
	}
	if tu, _ := assistant[1].(map[string]any); tu["type"] != "tool_use" || tu["id"] != "toolu_1" {
		t.Errorf("tool use sent back = %v", assistant[1])
	}
	agentVar, _ := r.variable(pi, "agent").(map[string]any)
	if agentVar["responseText"] != "The superflux product is 21." {
		t.Errorf("responseText = %v", agentVar["responseText"])
	}
}

// TestChatBedrockPromptCaching runs the 8.10 Bedrock Converse provider with
// promptCaching.enabled: each call marks the system prompt and the end of the
// conversation so far with a cachePoint.
func TestChatBedrockPromptCaching(t *testing.T) {
	stub := llmtest.NewBedrock(t,
		llmtest.Turn{ToolCalls: []llm.ToolCall{toolCall("tooluse_1", "SuperfluxProduct", `{"a":3,"b":4}`)}},
		llmtest.Turn{Text: "The superflux product is 21."},
	)
	r := newChatRig(t, agent.Options{Secrets: worker.MapSecrets{"LLM_KEY": "secret-llm-key"}, HTTPClient: stub.HTTPClient})
	fields := map[string]string{"provider.type": "bedrock", "provider.bedrock.region": "eu-central-1", "provider.bedrock.endpoint": stub.URL,
		"provider.bedrock.authentication.type": "apiKey", "provider.bedrock.authentication.apiKey": "{{secrets.LLM_KEY}}",
		"provider.bedrock.model.model":                            "anthropic.claude-sonnet-4-5",
		"provider.bedrock.model.parameters.promptCaching.enabled": "=true"}
	if _, err := r.eng.Deploy(r.ctx, "", []engine.Resource{{Name: "chat.bpmn", Content: chatModel(t, fields, "")}}); err != nil {
		t.Fatal(err)
	}
	res, err := r.eng.CreateProcessInstance(r.ctx, engine.CreateInstanceRequest{ProcessID: "chat-with-tools", Variables: map[string]any{
		"inputText": "What is the superflux product of 3 and 4?", "chatId": "chat-1"}})
	if err != nil {
		t.Fatal(err)
	}
	pi := res.ProcessInstanceKey
	r.waitFor("the agent's answer", func() bool { return r.state(pi) == store.StateCompleted || len(r.incidents(pi)) > 0 })
	if inc := r.incidents(pi); len(inc) > 0 {
		t.Fatalf("incident: %s", inc[0].ErrorMessage)
	}
	reqs := stub.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d model calls, want 2", len(reqs))
	}
	last := func(v any) string {
		l, _ := v.([]any)
		if len(l) == 0 {
			return ""
		}
		b, _ := json.Marshal(l[len(l)-1])
		return string(b)
	}
	const point = `{"cachePoint":{"type":"default"}}`
	for i, req := range reqs {
		body := req.JSON()
		if got := last(body["system"]); got != point {
			t.Errorf("call %d: the system prompt ends with %s, want %s", i+1, got, point)
		}
		msgs, _ := body["messages"].([]any)
		if len(msgs) == 0 {
			t.Fatalf("call %d has no messages", i+1)
		}
		lastMsg, _ := msgs[len(msgs)-1].(map[string]any)
		if got := last(lastMsg["content"]); got != point {
			t.Errorf("call %d: the last message ends with %s, want %s", i+1, got, point)
		}
		for j, m := range msgs[:len(msgs)-1] {
			mm, _ := m.(map[string]any)
			if b, _ := json.Marshal(mm["content"]); strings.Contains(string(b), "cachePoint") {
				t.Errorf("call %d: message %d has a cachePoint: %s", i+1, j, b)
			}
		}
		if b, _ := json.Marshal(body["toolConfig"]); strings.Contains(string(b), "cachePoint") {
			t.Errorf("call %d: the tools have a cachePoint although there is a system prompt", i+1)
		}
	}
}
