package agent_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/worker"
)

func job(t *testing.T, vars map[string]any) *worker.Job {
	t.Helper()
	raw := map[string]json.RawMessage{}
	for k, v := range vars {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		raw[k] = b
	}
	return &worker.Job{ActivatedJob: cluster.ActivatedJob{JobKey: 1, ProcessInstanceKey: 2, ProcessDefinitionKey: 3, Variables: raw}}
}

// TestProviderIncidentMessages checks what a person reads in an incident
// when the provider settings are wrong: the template's field names, no Go
// types, no chain of wrapped errors, and an unsupported provider named
// before a secret it would need.
func TestProviderIncidentMessages(t *testing.T) {
	data := map[string]any{"systemPrompt": map[string]any{"prompt": "sys"}, "userPrompt": map[string]any{"prompt": "hi"}}
	cases := []struct {
		name     string
		provider map[string]any
		data     map[string]any
		want     string
	}{
		{"unsupported provider before its missing secret",
			map[string]any{"type": "watsonx", "watsonx": map[string]any{"apiKey": "{{secrets.NOT_DEFINED}}"}}, nil,
			"INVALID_REQUEST: the model provider 'watsonx' is not supported; use one of: anthropic, azureOpenAi, bedrock, google-gemini, google-vertex-ai, mistral, openai, openaiCompatible"},
		{"custom provider",
			map[string]any{"type": "custom", "providerType": "my-llm", "custom": map[string]any{}}, nil,
			"INVALID_REQUEST: the custom model provider 'my-llm' is a Java extension of Camunda's connector runtime; Orca cannot run it."},
		{"missing secret of a supported provider",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"backend": map[string]any{"type": "anthropic-api",
				"anthropic": map[string]any{"apiKey": "{{secrets.ANTHROPIC_KEY}}"}}, "model": map[string]any{"model": "claude"}}}, nil,
			"INVALID_REQUEST: provider.anthropic: the secret ANTHROPIC_KEY is not defined"},
		{"a secret of another provider is not needed",
			map[string]any{"type": "openai", "openai": map[string]any{"api": map[string]any{"type": "responses"},
				"backend": map[string]any{"type": "foundry", "foundry": map[string]any{"authentication": map[string]any{"type": "apiKey", "apiKey": "k"}}},
				"model":   map[string]any{"model": "m"}}, "anthropic": map[string]any{"apiKey": "{{secrets.UNUSED}}"}}, nil,
			"INVALID_REQUEST: provider.openai.backend.foundry.endpoint must not be empty"},
		{"unknown backend",
			map[string]any{"type": "openai", "openai": map[string]any{"backend": map[string]any{"type": "watsonx"}, "model": map[string]any{"model": "m"}}}, nil,
			"INVALID_REQUEST: provider.openai.backend.type 'watsonx' is not supported; use openai-api, foundry or custom"},
		{"unknown API family",
			map[string]any{"type": "openai", "openai": map[string]any{"api": map[string]any{"type": "assistants"}, "backend": map[string]any{"type": "openai-api"}}}, nil,
			"INVALID_REQUEST: provider.openai.api.type must be 'responses' or 'completions', not 'assistants'"},
		{"no model",
			map[string]any{"type": "bedrock", "bedrock": map[string]any{"region": "eu-west-1",
				"authentication": map[string]any{"type": "apiKey", "apiKey": "k"}}}, nil,
			"INVALID_REQUEST: provider.bedrock.model.model must name a model"},
		{"credentials without a secret key",
			map[string]any{"type": "bedrock", "bedrock": map[string]any{"region": "eu-west-1",
				"authentication": map[string]any{"type": "credentials", "accessKey": "AKID"}, "model": map[string]any{"model": "m"}}}, nil,
			"INVALID_REQUEST: provider.bedrock.authentication.secretKey must not be empty"},
		{"default credentials chain that finds none",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"backend": map[string]any{"type": "aws-bedrock-mantle",
				"awsBedrockMantle": map[string]any{"region": "us-east-1", "authentication": map[string]any{"type": "defaultCredentialsChain"}}}}}, nil,
			"INVALID_REQUEST: provider.anthropic.backend.awsBedrockMantle.authentication.type 'defaultCredentialsChain': no AWS credentials found"},
		{"thinking budget below the minimum",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"backend": map[string]any{"type": "anthropic-api"}, "model": map[string]any{"model": "claude",
				"parameters": map[string]any{"thinking": map[string]any{"mode": "enabled", "budgetTokens": 512}}}}}, nil,
			"INVALID_REQUEST: provider.anthropic.model.parameters.thinking.budgetTokens must be at least 1024 and less than the maximum tokens (4096) when thinking mode is 'enabled'"},
		{"thinking budget not below max tokens",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"model": map[string]any{"model": "claude",
				"parameters": map[string]any{"maxTokens": 2000, "thinking": map[string]any{"mode": "enabled", "budgetTokens": 2000}}}}}, nil,
			"INVALID_REQUEST: provider.anthropic.model.parameters.thinking.budgetTokens must be at least 1024 and less than the maximum tokens (2000)"},
		{"unknown thinking mode",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"model": map[string]any{"model": "claude",
				"parameters": map[string]any{"thinking": map[string]any{"mode": "deep"}}}}}, nil,
			"INVALID_REQUEST: provider.anthropic.model.parameters.thinking.mode must be 'enabled', 'adaptive' or 'disabled', not 'deep'"},
		{"unknown thinking display",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"model": map[string]any{"model": "claude",
				"parameters": map[string]any{"thinking": map[string]any{"mode": "adaptive", "display": "full"}}}}}, nil,
			"INVALID_REQUEST: provider.anthropic.model.parameters.thinking.display must be 'summarized' or 'omitted', not 'full'"},
		{"bad timeout",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"timeouts": map[string]any{"timeout": "60s"}}}, nil,
			"INVALID_REQUEST: provider.anthropic.timeouts.timeout must be an ISO 8601 duration such as PT60S, not '60s'"},
		{"a number that is text",
			map[string]any{"type": "google-gemini", "googleGemini": map[string]any{"model": map[string]any{"model": "g", "parameters": map[string]any{"temperature": "warm"}}}}, nil,
			"INVALID_REQUEST: provider.googleGemini.model.parameters.temperature must be a number, not 'warm'"},
		{"a saved credential that is not an object",
			map[string]any{"type": "openai", "openai": map[string]any{"backend": map[string]any{"type": "openai-api",
				"openai": map[string]any{"credential": "my-openai-key"}}, "model": map[string]any{"model": "m"}}}, nil,
			"INVALID_REQUEST: provider.openai.backend.openai.credential must be a saved credential (an object of its fields), not text"},
		{"a saved credential that gave nothing (Orca has no cluster variables)",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"backend": map[string]any{"type": "anthropic-api",
				"anthropic": map[string]any{"credential": nil}}, "model": map[string]any{"model": "m"}}}, nil,
			"INVALID_REQUEST: provider.anthropic.backend.anthropic.apiKey must not be empty; the credential provider.anthropic.backend.anthropic.credential gave no value"},
		{"a saved credential without the field",
			map[string]any{"type": "google-gemini", "googleGemini": map[string]any{"backend": map[string]any{"type": "google-gemini-api",
				"googleGeminiApi": map[string]any{"credential": map[string]any{"key": "k"}}}, "model": map[string]any{"model": "m"}}}, nil,
			"INVALID_REQUEST: provider.googleGemini.backend.googleGeminiApi.apiKey must not be empty (the credential provider.googleGemini.backend.googleGeminiApi.credential holds none)"},
		{"an AWS credential that gave nothing",
			map[string]any{"type": "bedrock", "bedrock": map[string]any{"region": "eu-west-1", "authentication": map[string]any{"type": "awsIam",
				"awsCredential": nil}, "model": map[string]any{"model": "m"}}}, nil,
			"INVALID_REQUEST: provider.bedrock.authentication.awsCredential gave no value"},
		{"an unknown Foundry authentication",
			map[string]any{"type": "openai", "openai": map[string]any{"backend": map[string]any{"type": "foundry", "foundry": map[string]any{
				"endpoint": "https://x.services.ai.azure.com", "authentication": map[string]any{"type": "workloadIdentity"}}}, "model": map[string]any{"model": "m"}}}, nil,
			"INVALID_REQUEST: provider.openai.backend.foundry.authentication.type 'workloadIdentity' is not supported; use apiKey, clientCredentials or managedIdentity"},
		{"an unsupported provider before its saved credential's missing secret",
			map[string]any{"type": "watsonx", "watsonx": map[string]any{"credential": map[string]any{"apiKey": "{{secrets.NOT_DEFINED}}"}}}, nil,
			"INVALID_REQUEST: the model provider 'watsonx' is not supported"},
		{"a saved credential's missing secret",
			map[string]any{"type": "anthropic", "anthropic": map[string]any{"backend": map[string]any{"type": "anthropic-api",
				"anthropic": map[string]any{"credential": map[string]any{"apiKey": "{{secrets.SAVED_KEY}}"}}}, "model": map[string]any{"model": "m"}}}, nil,
			"INVALID_REQUEST: provider.anthropic: the secret SAVED_KEY is not defined"},
		{"data of a wrong shape",
			map[string]any{"type": "openai"}, map[string]any{"systemPrompt": map[string]any{"prompt": "s"}, "memory": map[string]any{"contextWindowSize": "twenty"}},
			"INVALID_REQUEST: data.memory.contextWindowSize must be a whole number, not a string"},
	}
	noAWSCredentials(t)
	goType := regexp.MustCompile(`\*?[a-z]+\.[A-Z]\w+|map\[|interface \{|json: |Go struct|unmarshal`)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := data
			if tc.data != nil {
				d = tc.data
			}
			a := agent.New(agent.Options{Secrets: worker.MapSecrets{}})
			_, err := a.Handle(t.Context(), job(t, map[string]any{"provider": tc.provider, "data": d}))
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.HasPrefix(err.Error(), tc.want) {
				t.Errorf("error:\n got %s\nwant %s", err, tc.want)
			}
			if m := goType.FindString(err.Error()); m != "" {
				t.Errorf("the message shows Go internals (%q): %s", m, err)
			}
		})
	}
}
