package agent

import (
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/worker"
)

var updateFieldTable = flag.Bool("update-field-table", false, "rewrite the provider field table in docs/agents.md")

// templateField is one provider property of Camunda's AI Agent element
// templates (its zeebe:input binding name) and what Orca does with it.
// The list is written from Camunda's templates (camunda/connectors
// element-templates/agentic-ai-*: the 8.10 ".v2" AI Agent Task and
// Sub-process, and the older AI Agent job worker and outbound connector)
// and the 8.10 docs (agentic-ai-aiagent-model-providers.md).
type templateField struct {
	binding   string
	templates string // v2 (8.10), v1 (8.8/8.9), or both
	provider  string // provider / backend, as the table shows it
	// no is empty when Orca reads the field; else why it does not.
	no string
	// refused: a value there is an incident that says so (the field is
	// read to say it); otherwise the field is never read.
	refused bool
	// tests cover what the vendor receives for the field.
	tests string
}

const (
	v2   = "8.10 (.v2)"
	v1   = "8.8/8.9"
	both = "both"
)

// templateFields is every provider field the templates offer. Changing
// what Orca reads without changing this list fails TestProviderFieldTable.
func templateFields() []templateField {
	var f []templateField
	add := func(templates, provider, tests string, bindings ...string) {
		for _, b := range bindings {
			f = append(f, templateField{binding: b, templates: templates, provider: provider, tests: tests})
		}
	}
	no := func(templates, provider, why string, refused bool, bindings ...string) {
		for _, b := range bindings {
			f = append(f, templateField{binding: b, templates: templates, provider: provider, no: why, refused: refused})
		}
	}
	const (
		chat      = "TestChatWithToolsV2"
		overrides = "TestProviderRequestOverrides"
		saved     = "TestProviderSavedCredentials"
		mi        = "TestProviderManagedIdentity"
		incidents = "TestProviderIncidentMessages"
		env       = "TestProviderEnvironmentCredentials"
	)
	add(both, "all", chat+", "+incidents, "provider.type")
	no(v2, "custom", "a Java ChatModelFactory inside Camunda's connector runtime; the incident says Orca cannot run it", true, "provider.providerType")
	no(v2, "custom", "the custom provider is refused as a whole", false, "provider.parameters", "provider.model")

	// Anthropic (8.10)
	a := "provider.anthropic."
	add(v2, "Anthropic", chat, a+"backend.type")
	add(v2, "Anthropic API", "TestProviderModelDefault, "+overrides, a+"backend.anthropic.apiKey", a+"backend.anthropic.endpoint")
	add(v2, "Anthropic API", saved, a+"backend.anthropic.credential")
	add(v2, "Anthropic API (hidden)", overrides, a+"backend.anthropic.headers", a+"backend.anthropic.queryParameters", a+"backend.anthropic.bodyProperties")
	add(v2, "Anthropic on Bedrock Mantle", chat+", "+overrides, a+"backend.awsBedrockMantle.region", a+"backend.awsBedrockMantle.endpoint",
		a+"backend.awsBedrockMantle.authentication.type")
	add(v2, "Anthropic on Bedrock Mantle", overrides, a+"backend.awsBedrockMantle.authentication.inlineAuthentication.type",
		a+"backend.awsBedrockMantle.authentication.inlineAuthentication.accessKey", a+"backend.awsBedrockMantle.authentication.inlineAuthentication.secretKey",
		a+"backend.awsBedrockMantle.headers", a+"backend.awsBedrockMantle.queryParameters", a+"backend.awsBedrockMantle.bodyProperties")
	add(v2, "Anthropic on Bedrock Mantle (early 8.10 shape)", chat+", "+env, a+"backend.awsBedrockMantle.authentication.accessKey",
		a+"backend.awsBedrockMantle.authentication.secretKey", a+"backend.awsBedrockMantle.authentication.apiKey")
	add(v2, "Anthropic on Bedrock Mantle", "TestProviderFieldTable (read); "+saved+" (Bedrock Converse, same code)",
		a+"backend.awsBedrockMantle.authentication.awsCredential", a+"backend.awsBedrockMantle.authentication.bedrockApiKeyCredential")
	add(v2, "Anthropic on Foundry", chat+", TestAnthropicFoundryEntraID", a+"backend.foundry.endpoint", a+"backend.foundry.authentication.type",
		a+"backend.foundry.authentication.apiKey", a+"backend.foundry.authentication.clientId", a+"backend.foundry.authentication.clientSecret",
		a+"backend.foundry.authentication.tenantId", a+"backend.foundry.authentication.authorityHost")
	add(v2, "Anthropic on Foundry", mi, a+"backend.foundry.authentication.entraIdScope")
	add(v2, "Anthropic custom endpoint", chat+", "+overrides, a+"backend.custom.endpoint", a+"backend.custom.authentication.type",
		a+"backend.custom.authentication.apiKey", a+"backend.custom.headers", a+"backend.custom.queryParameters", a+"backend.custom.bodyProperties")
	add(v2, "Anthropic custom endpoint", "TestAnthropicCustomEndpoint (OAuth), TestProviderFieldTable (read)",
		a+"backend.custom.authentication.oauthTokenEndpoint", a+"backend.custom.authentication.clientId", a+"backend.custom.authentication.clientSecret",
		a+"backend.custom.authentication.audience", a+"backend.custom.authentication.clientAuthentication", a+"backend.custom.authentication.scopes")
	add(v2, "Anthropic custom endpoint", saved+" (OpenAI gateway, same code)", a+"backend.custom.credential")
	add(v2, "Anthropic", chat+", TestChatAnthropicThinkingV2, TestProviderModelDefault", a+"timeouts.timeout", a+"model.model",
		a+"model.parameters.effort", a+"model.parameters.thinking.mode", a+"model.parameters.thinking.budgetTokens",
		a+"model.parameters.thinking.display", a+"model.parameters.promptCaching.enabled", a+"model.parameters.maxTokens",
		a+"model.parameters.temperature", a+"model.parameters.topP", a+"model.parameters.topK")

	// Bedrock Converse (8.10 and older)
	b := "provider.bedrock."
	add(both, "Bedrock Converse", chat+", "+overrides, b+"region", b+"endpoint", b+"authentication.type", b+"authentication.apiKey",
		b+"model.model", b+"model.parameters.maxTokens", b+"model.parameters.temperature", b+"model.parameters.topP", b+"timeouts.timeout")
	add(both, "Bedrock Converse", chat, b+"authentication.accessKey", b+"authentication.secretKey")
	add(v2, "Bedrock Converse", overrides, b+"authentication.inlineAuthentication.type", b+"authentication.inlineAuthentication.accessKey",
		b+"authentication.inlineAuthentication.secretKey", b+"headers", b+"queryParameters", b+"bodyProperties")
	add(v2, "Bedrock Converse", saved, b+"authentication.awsCredential", b+"authentication.bedrockApiKeyCredential")
	add(v2, "Bedrock Converse", "TestChatBedrockPromptCaching", b+"model.parameters.promptCaching.enabled")

	// OpenAI (8.10)
	o := "provider.openai."
	add(v2, "OpenAI", chat, o+"api.type", o+"backend.type")
	add(v2, "OpenAI API", overrides, o+"backend.openai.apiKey", o+"backend.openai.endpoint", o+"backend.openai.headers",
		o+"backend.openai.queryParameters", o+"backend.openai.bodyProperties")
	add(v2, "OpenAI API", saved+", TestProviderFieldTable (read)", o+"backend.openai.credential", o+"backend.openai.organizationId", o+"backend.openai.projectId")
	add(v2, "OpenAI on Foundry", chat+", "+overrides+", TestAzureOpenAIFoundryV1WithEntraID", o+"backend.foundry.endpoint", o+"backend.foundry.authentication.type",
		o+"backend.foundry.authentication.apiKey", o+"backend.foundry.authentication.clientId", o+"backend.foundry.authentication.clientSecret",
		o+"backend.foundry.authentication.tenantId", o+"backend.foundry.authentication.authorityHost", o+"backend.foundry.apiVersion",
		o+"backend.foundry.headers", o+"backend.foundry.queryParameters", o+"backend.foundry.bodyProperties")
	add(v2, "OpenAI on Foundry", mi+", "+saved, o+"backend.foundry.authentication.entraIdScope", o+"backend.foundry.credential")
	add(v2, "OpenAI custom endpoint", chat+", TestOpenAICompatibleOAuthClientCredentials", o+"backend.custom.endpoint", o+"backend.custom.authentication.type",
		o+"backend.custom.authentication.apiKey", o+"backend.custom.authentication.oauthTokenEndpoint", o+"backend.custom.authentication.clientId",
		o+"backend.custom.authentication.clientSecret", o+"backend.custom.authentication.audience", o+"backend.custom.authentication.clientAuthentication",
		o+"backend.custom.authentication.scopes", o+"backend.custom.headers", o+"backend.custom.queryParameters", o+"backend.custom.bodyProperties")
	add(v2, "OpenAI custom endpoint", saved, o+"backend.custom.credential")
	add(v2, "OpenAI", chat+", TestProviderModelDefault, TestReasoningEffort", o+"timeouts.timeout", o+"model.model",
		o+"api.responses.effort", o+"api.responses.maxOutputTokens", o+"api.responses.temperature", o+"api.responses.topP",
		o+"api.completions.effort", o+"api.completions.maxCompletionTokens", o+"api.completions.temperature", o+"api.completions.topP")

	// Google Gemini (8.10)
	g := "provider.googleGemini."
	add(v2, "Google Gemini", chat, g+"backend.type", g+"backend.googleGeminiApi.apiKey", g+"backend.googleGeminiApi.endpoint",
		g+"backend.googleVertexAi.projectId", g+"backend.googleVertexAi.region", g+"backend.googleVertexAi.authentication.type",
		g+"backend.googleVertexAi.authentication.jsonKey", g+"backend.googleVertexAi.endpoint", g+"timeouts.timeout", g+"model.model",
		g+"model.parameters.maxTokens", g+"model.parameters.temperature", g+"model.parameters.topP", g+"model.parameters.topK")
	add(v2, "Google Gemini", saved+", TestProviderFieldTable (read)", g+"backend.googleGeminiApi.credential", g+"backend.googleVertexAi.credential")
	add(v2, "Google Gemini", "TestGeminiAPI, TestProviderFieldTable (read)", g+"model.parameters.thinking.thinkingBudget", g+"model.parameters.thinking.thinkingLevel")

	// The older templates (AI Agent job worker and outbound connector).
	add(v1, "Anthropic", "TestAgentEndToEnd", "provider.anthropic.endpoint", "provider.anthropic.authentication.apiKey")
	az := "provider.azureOpenAi."
	add(v1, "Azure OpenAI", "TestAzureOpenAI, TestProviderFieldTable (read)", az+"endpoint", az+"authentication.type", az+"authentication.apiKey",
		az+"authentication.clientId", az+"authentication.clientSecret", az+"authentication.tenantId", az+"authentication.authorityHost",
		az+"model.deploymentName", az+"model.parameters.maxTokens", az+"model.parameters.temperature", az+"model.parameters.topP", az+"timeouts.timeout")
	vx := "provider.googleVertexAi."
	add(v1, "Google Vertex AI", "TestGeminiVertexAI, TestProviderFieldTable (read)", vx+"projectId", vx+"region", vx+"authentication.type",
		vx+"authentication.jsonKey", vx+"model.model", vx+"model.parameters.maxOutputTokens", vx+"model.parameters.temperature",
		vx+"model.parameters.topK", vx+"model.parameters.topP")
	add(v1, "OpenAI", "TestOpenAIRequestJSON, TestProviderFieldTable (read)", o+"authentication.apiKey", o+"authentication.organizationId",
		o+"authentication.projectId", o+"model.parameters.maxCompletionTokens", o+"model.parameters.temperature", o+"model.parameters.topP")
	oc := "provider.openaiCompatible."
	add(v1, "OpenAI compatible", "TestAgentEndToEnd, TestOpenAICompatibleOptions", oc+"endpoint", oc+"authentication.apiKey", oc+"headers",
		oc+"queryParameters", oc+"model.model", oc+"model.parameters.customParameters", oc+"model.parameters.maxCompletionTokens",
		oc+"model.parameters.temperature", oc+"model.parameters.topP", oc+"timeouts.timeout")
	return f
}

// fieldScenarios are provider settings (template fields) that together
// reach every field Orca reads: one per provider, backend and
// authentication.
func fieldScenarios() []map[string]any {
	aws := func(p string) []map[string]any {
		return []map[string]any{
			{p + "authentication.type": "awsIam", p + "authentication.awsCredential": nil, p + "authentication.inlineAuthentication.type": "credentials",
				p + "authentication.inlineAuthentication.accessKey": "AKID", p + "authentication.inlineAuthentication.secretKey": "s"},
			{p + "authentication.type": "awsIam", p + "authentication.awsCredential": map[string]any{"authentication": map[string]any{"type": "credentials",
				"accessKey": "AKID", "secretKey": "s"}}},
			{p + "authentication.type": "bedrockApiKey", p + "authentication.apiKey": "k"},
			{p + "authentication.type": "bedrockApiKey", p + "authentication.bedrockApiKeyCredential": map[string]any{"apiKey": "k"}},
			{p + "authentication.type": "credentials", p + "authentication.accessKey": "AKID", p + "authentication.secretKey": "s"},
			{p + "authentication.type": "apiKey", p + "authentication.apiKey": "k"},
		}
	}
	foundry := func(p string) []map[string]any {
		return []map[string]any{
			{p + "authentication.type": "apiKey", p + "authentication.apiKey": "k"},
			{p + "authentication.type": "clientCredentials", p + "authentication.clientId": "c", p + "authentication.clientSecret": "s",
				p + "authentication.tenantId": "t"},
			// a client id and scope of its own: azidentity caches managed
			// identity tokens for the whole process
			{p + "authentication.type": "managedIdentity", p + "authentication.clientId": "orca-field-table",
				p + "authentication.entraIdScope": "api://orca-field-table/.default"},
			{p + "credential": map[string]any{"endpoint": "http://127.0.0.1:9", "authentication": map[string]any{"type": "apiKey", "apiKey": "k"}}},
		}
	}
	gateway := func(p string) []map[string]any {
		return []map[string]any{
			{p + "authentication.type": "none"},
			{p + "authentication.type": "apiKey", p + "authentication.apiKey": "k"},
			{p + "authentication.type": "oauth-client-credentials-flow", p + "authentication.oauthTokenEndpoint": "http://127.0.0.1:9/token",
				p + "authentication.clientId": "c", p + "authentication.clientSecret": "s"},
			{p + "credential": map[string]any{"endpoint": "http://127.0.0.1:9", "apiKey": "k"}},
		}
	}
	var out []map[string]any
	with := func(base map[string]any, variants ...map[string]any) {
		for _, v := range variants {
			m := map[string]any{}
			for k, x := range base {
				m[k] = x
			}
			for k, x := range v {
				m[k] = x
			}
			out = append(out, m)
		}
	}
	ant := map[string]any{"provider.type": "anthropic", "provider.anthropic.model.model": "claude"}
	with(ant, map[string]any{"provider.anthropic.backend.type": "anthropic-api", "provider.anthropic.backend.anthropic.apiKey": "k"},
		map[string]any{"provider.anthropic.backend.type": "anthropic-api", "provider.anthropic.backend.anthropic.credential": map[string]any{"apiKey": "k"}},
		map[string]any{"provider.anthropic.backend.type": "anthropic-api", "provider.anthropic.backend.anthropic.apiKey": "k",
			"provider.anthropic.model.parameters.thinking.mode": "enabled", "provider.anthropic.model.parameters.thinking.budgetTokens": 1024},
		map[string]any{"provider.anthropic.backend.type": "anthropic-api", "provider.anthropic.backend.anthropic.apiKey": "k",
			"provider.anthropic.model.parameters.thinking.mode": "adaptive"})
	for _, v := range aws("provider.anthropic.backend.awsBedrockMantle.") {
		v["provider.anthropic.backend.type"] = "aws-bedrock-mantle"
		v["provider.anthropic.backend.awsBedrockMantle.region"] = "eu-west-1"
		with(ant, v)
	}
	for _, v := range foundry("provider.anthropic.backend.foundry.") {
		v["provider.anthropic.backend.type"] = "foundry"
		v["provider.anthropic.backend.foundry.endpoint"] = "http://127.0.0.1:9"
		with(ant, v)
	}
	for _, v := range gateway("provider.anthropic.backend.custom.") {
		v["provider.anthropic.backend.type"] = "custom"
		v["provider.anthropic.backend.custom.endpoint"] = "http://127.0.0.1:9"
		with(ant, v)
	}
	for _, v := range aws("provider.bedrock.") {
		v["provider.bedrock.region"] = "eu-west-1"
		with(map[string]any{"provider.type": "bedrock", "provider.bedrock.model.model": "m"}, v)
	}
	for _, api := range []string{"responses", "completions"} {
		oa := map[string]any{"provider.type": "openai", "provider.openai.api.type": api, "provider.openai.model.model": "gpt"}
		with(oa, map[string]any{"provider.openai.backend.type": "openai-api", "provider.openai.backend.openai.apiKey": "k"},
			map[string]any{"provider.openai.backend.type": "openai-api", "provider.openai.backend.openai.credential": map[string]any{"apiKey": "k"}})
		for _, v := range foundry("provider.openai.backend.foundry.") {
			v["provider.openai.backend.type"] = "foundry"
			v["provider.openai.backend.foundry.endpoint"] = "http://127.0.0.1:9"
			with(oa, v)
		}
		for _, v := range gateway("provider.openai.backend.custom.") {
			v["provider.openai.backend.type"] = "custom"
			v["provider.openai.backend.custom.endpoint"] = "http://127.0.0.1:9"
			with(oa, v)
		}
	}
	gm := map[string]any{"provider.type": "google-gemini", "provider.googleGemini.model.model": "gemini"}
	with(gm, map[string]any{"provider.googleGemini.backend.type": "google-gemini-api", "provider.googleGemini.backend.googleGeminiApi.apiKey": "k"},
		map[string]any{"provider.googleGemini.backend.type": "google-gemini-api", "provider.googleGemini.backend.googleGeminiApi.credential": map[string]any{"apiKey": "k"}},
		map[string]any{"provider.googleGemini.backend.type": "google-vertex-ai", "provider.googleGemini.backend.googleVertexAi.projectId": "p",
			"provider.googleGemini.backend.googleVertexAi.region": "r", "provider.googleGemini.backend.googleVertexAi.authentication.type": "serviceAccountCredentials"},
		map[string]any{"provider.googleGemini.backend.type": "google-vertex-ai", "provider.googleGemini.backend.googleVertexAi.credential": map[string]any{
			"projectId": "p", "region": "r", "authentication": map[string]any{"type": "applicationDefaultCredentials"}}})
	out = append(out,
		map[string]any{"provider.type": "custom", "provider.providerType": "mine"},
		map[string]any{"provider.type": "anthropic", "provider.anthropic.authentication.apiKey": "k", "provider.anthropic.model.model": "claude"},
		map[string]any{"provider.type": "azureOpenAi", "provider.azureOpenAi.endpoint": "http://127.0.0.1:9", "provider.azureOpenAi.authentication.type": "apiKey",
			"provider.azureOpenAi.authentication.apiKey": "k", "provider.azureOpenAi.model.deploymentName": "d"},
		map[string]any{"provider.type": "azureOpenAi", "provider.azureOpenAi.endpoint": "http://127.0.0.1:9", "provider.azureOpenAi.authentication.type": "clientCredentials",
			"provider.azureOpenAi.authentication.clientId": "c", "provider.azureOpenAi.authentication.clientSecret": "s",
			"provider.azureOpenAi.authentication.tenantId": "t", "provider.azureOpenAi.model.deploymentName": "d"},
		map[string]any{"provider.type": "google-vertex-ai", "provider.googleVertexAi.projectId": "p", "provider.googleVertexAi.region": "r",
			"provider.googleVertexAi.authentication.type": "serviceAccountCredentials", "provider.googleVertexAi.model.model": "gemini"},
		map[string]any{"provider.type": "openai", "provider.openai.authentication.apiKey": "k", "provider.openai.model.model": "gpt"},
		map[string]any{"provider.type": "openaiCompatible", "provider.openaiCompatible.endpoint": "http://127.0.0.1:9", "provider.openaiCompatible.model.model": "m"},
	)
	return out
}

// nestFields turns template fields into the provider variable.
func nestFields(fields map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range fields {
		parts := strings.Split(strings.TrimPrefix(k, "provider."), ".")
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

// TestProviderFieldTable checks the provider field table: every field Orca
// is said to read is read by some provider setting, no field said to be
// ignored is read, every field Orca reads is in the table, each covering
// test exists, and docs/agents.md shows the table as generated here
// (go test ./internal/agent -run TestProviderFieldTable -update-field-table
// rewrites it).
func TestProviderFieldTable(t *testing.T) {
	identity := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"access_token":"t","expires_on":"4102444800","token_type":"Bearer"}`))
	}))
	defer identity.Close()
	t.Setenv("IDENTITY_ENDPOINT", identity.URL)
	t.Setenv("IDENTITY_HEADER", "x")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	seen := map[string]bool{}
	for _, sc := range fieldScenarios() {
		_, _ = newChatModel(t.Context(), nestFields(sc), modelEnv{secrets: worker.MapSecrets{}, seen: seen})
	}
	fields := templateFields()
	listed := map[string]bool{}
	for _, f := range fields {
		if listed[f.binding] {
			t.Errorf("%s is listed twice", f.binding)
		}
		listed[f.binding] = true
		switch {
		case f.no == "" && !seen[f.binding]:
			t.Errorf("%s is said to be read, but no provider setting reads it", f.binding)
		case f.no != "" && !f.refused && seen[f.binding]:
			t.Errorf("%s is said to be ignored (%s), but Orca reads it", f.binding, f.no)
		}
	}
	// Fields Orca reads that are no template's (older alphas, Mistral)
	// need no row; every other field read must have one.
	extra := regexp.MustCompile(`^provider\.(` + strings.Join([]string{
		`mistral\..*`, // Orca's own, from an 8.10 alpha
		// early 8.10 alpha shapes: fields on the backend itself
		`(anthropic|openai)\.backend\.(apiKey|organizationId|projectId|region|endpoint|headers|queryParameters|bodyProperties|requestParameters|authentication\..*)`,
		`[a-zA-Z]+\.backend\.custom\.requestParameters`,
		// model parameters read under every provider's model.parameters
		`[a-zA-Z]+\.model\.(model|parameters\.(maxTokens|maxCompletionTokens|maxOutputTokens|temperature|topP|topK|effort|promptCaching\.enabled|thinking\..*))`,
		`[a-zA-Z]+\.timeouts\.timeout`,
		// inside a saved credential, and fields beside the templates' ones
		`.*\.(awsCredential|bedrockApiKeyCredential)\..*`,
		`.*\.custom\.apiKey`,
		`.*\.(sessionToken|entraIdScope)`,
		`.*\.endpoint`, `.*\.headers`, `.*\.queryParameters`, `.*\.bodyProperties`, `.*\.credential`,
	}, "|") + `)$`)
	var unlisted []string
	for b := range seen {
		if !listed[b] && !extra.MatchString(b) {
			unlisted = append(unlisted, b)
		}
	}
	sort.Strings(unlisted)
	for _, b := range unlisted {
		t.Errorf("Orca reads %s, which the table does not list", b)
	}
	tests := testNames(t)
	for _, f := range fields {
		for _, name := range regexp.MustCompile(`Test\w+`).FindAllString(f.tests, -1) {
			if !tests[name] {
				t.Errorf("%s: the covering test %s does not exist", f.binding, name)
			}
		}
	}
	checkFieldTableDoc(t, fieldTable(fields))
}

func testNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	re := regexp.MustCompile(`(?m)^func (Test\w+)\(`)
	for _, dir := range []string{".", "../llm"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				names[m[1]] = true
			}
		}
	}
	return names
}

func fieldTable(fields []templateField) string {
	var b strings.Builder
	b.WriteString("| template field (input binding) | templates | provider / backend | Orca reads it | covered by |\n| --- | --- | --- | --- | --- |\n")
	for _, f := range fields {
		read := "yes"
		if f.no != "" {
			read = "no: " + f.no
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s |\n", f.binding, f.templates, f.provider, read, f.tests)
	}
	return b.String()
}

const (
	fieldTableBegin = "<!-- provider-fields:begin (generated by TestProviderFieldTable) -->\n"
	fieldTableEnd   = "<!-- provider-fields:end -->"
)

func checkFieldTableDoc(t *testing.T, table string) {
	t.Helper()
	path := filepath.Join("..", "..", "docs", "agents.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, fieldTableBegin), strings.Index(doc, fieldTableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s has no provider field table between %q and %q", path, fieldTableBegin, fieldTableEnd)
	}
	if doc[i+len(fieldTableBegin):j] == table {
		return
	}
	if *updateFieldTable {
		if err := os.WriteFile(path, []byte(doc[:i+len(fieldTableBegin)]+table+doc[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the provider field table in %s is stale; run go test ./internal/agent -run TestProviderFieldTable -update-field-table", path)
}
