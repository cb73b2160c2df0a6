package agent_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/orcabpm/orca/internal/agent"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/worker"
)

// noAWSCredentials leaves the AWS default credentials chain nothing to
// find: no credentials in the environment, shared files that do not exist,
// and no instance metadata endpoint.
func noAWSCredentials(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// TestProviderEnvironmentCredentials runs one agent job per template
// authentication that takes its credentials from Orca's environment: the
// AWS default credentials chain (Bedrock Converse, Anthropic on Bedrock
// Mantle) and Google's Application Default Credentials (Vertex AI). Each
// stub checks who signed or which token came.
func TestProviderEnvironmentCredentials(t *testing.T) {
	data := map[string]any{"systemPrompt": map[string]any{"prompt": "sys"}, "userPrompt": map[string]any{"prompt": "hi"}}
	signedBy := func(service string) *regexp.Regexp {
		return regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=AKIDFROMENV/\d{8}/eu-central-1/` + service + `/aws4_request, `)
	}
	cases := []struct {
		name     string
		format   string
		provider func(stub *llmtest.Server) map[string]any
		auth     *regexp.Regexp
	}{
		{"bedrock converse", "bedrock", func(s *llmtest.Server) map[string]any {
			return map[string]any{"type": "bedrock", "bedrock": map[string]any{"region": "eu-central-1", "endpoint": s.URL,
				"authentication": map[string]any{"type": "defaultCredentialsChain"}, "model": map[string]any{"model": "amazon.nova-pro-v1:0"}}}
		}, signedBy("bedrock")},
		{"anthropic on bedrock mantle", "anthropic", func(s *llmtest.Server) map[string]any {
			return map[string]any{"type": "anthropic", "anthropic": map[string]any{"backend": map[string]any{"type": "aws-bedrock-mantle",
				"awsBedrockMantle": map[string]any{"region": "eu-central-1", "endpoint": s.URL + "/anthropic",
					"authentication": map[string]any{"type": "defaultCredentialsChain"}}},
				"model": map[string]any{"model": "anthropic.claude-sonnet-5"}}}
		}, signedBy("bedrock-mantle")},
		{"google vertex ai", "gemini", func(s *llmtest.Server) map[string]any {
			return map[string]any{"type": "google-gemini", "googleGemini": map[string]any{"backend": map[string]any{"type": "google-vertex-ai",
				"googleVertexAi": map[string]any{"projectId": "orca-test", "region": "europe-west4", "endpoint": s.URL,
					"authentication": map[string]any{"type": "applicationDefaultCredentials"}}},
				"model": map[string]any{"model": "gemini-3.8-flash"}}}
		}, regexp.MustCompile(`^Bearer ya29\.adc$`)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			noAWSCredentials(t)
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
			google := llmtest.NewTokenServer(t, "ya29.adc")
			key := filepath.Join(t.TempDir(), "key.json")
			if err := os.WriteFile(key, serviceAccountKeyJSON(t, google.URL+"/token"), 0o600); err != nil {
				t.Fatal(err)
			}
			t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", key)

			stub := newStub(t, tc.format, llmtest.Turn{Text: "Hello."})
			a := agent.New(agent.Options{Secrets: worker.MapSecrets{}, HTTPClient: stub.HTTPClient})
			if _, err := a.Handle(t.Context(), job(t, map[string]any{"provider": tc.provider(stub), "data": data})); err != nil {
				t.Fatal(err)
			}
			reqs := stub.Requests()
			if len(reqs) != 1 {
				t.Fatalf("%d model calls, want 1", len(reqs))
			}
			if h := reqs[0].Header.Get("Authorization"); !tc.auth.MatchString(h) {
				t.Errorf("Authorization = %q, want %s", h, tc.auth)
			}
		})
	}
}

// serviceAccountKeyJSON is a service account key file whose token endpoint
// is tokenURL.
func serviceAccountKeyJSON(t *testing.T, tokenURL string) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(map[string]any{"type": "service_account", "project_id": "orca-test", "private_key_id": "k1",
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})), "client_email": "orca@orca-test.iam.gserviceaccount.com",
		"client_id": "1", "token_uri": tokenURL})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
