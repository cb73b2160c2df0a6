package llm_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
)

// cleanAWSEnv leaves the AWS default credentials chain nothing but what the
// test gives it: no credentials from the environment, shared files that do
// not exist, and no instance metadata endpoint (which would otherwise be
// tried on a machine that is not on EC2).
func cleanAWSEnv(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
		"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
		"AWS_REGION", "AWS_DEFAULT_REGION"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
}

// awsChainSources are the ways the default chain is given credentials in
// these tests: each sets them up and returns the access key id they hold.
func awsChainSources() []struct {
	name  string
	setup func(t *testing.T) (accessKey, sessionToken string)
} {
	return []struct {
		name  string
		setup func(t *testing.T) (accessKey, sessionToken string)
	}{
		{"environment variables", func(t *testing.T) (string, string) {
			t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFROMENV")
			t.Setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
			t.Setenv("AWS_SESSION_TOKEN", "env-session-token")
			return "AKIDFROMENV", "env-session-token"
		}},
		{"shared credentials file with a profile", func(t *testing.T) (string, string) {
			file := filepath.Join(t.TempDir(), "credentials")
			err := os.WriteFile(file, []byte("[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = default-secret\n\n"+
				"[orca]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n"), 0o600)
			if err != nil {
				t.Fatal(err)
			}
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", file)
			t.Setenv("AWS_PROFILE", "orca")
			return "AKIDPROFILE", ""
		}},
	}
}

// TestAWSDefaultCredentialsChain signs Bedrock Converse and Bedrock Mantle
// requests with the credentials the AWS default chain finds: the stubs see
// a SigV4 signature by the access key of the environment, or of the
// profile AWS_PROFILE names in the shared credentials file.
func TestAWSDefaultCredentialsChain(t *testing.T) {
	for _, src := range awsChainSources() {
		t.Run(src.name, func(t *testing.T) {
			cleanAWSEnv(t)
			accessKey, token := src.setup(t)
			creds, err := llm.AWSDefaultCredentials(t.Context(), "eu-central-1")
			if err != nil {
				t.Fatal(err)
			}
			if creds.AccessKeyID != accessKey {
				t.Errorf("access key id = %q, want %q", creds.AccessKeyID, accessKey)
			}

			bedrock := llmtest.NewBedrock(t, twoTurns()...)
			c, err := llm.NewBedrock(llm.BedrockConfig{Region: "eu-central-1", Endpoint: bedrock.URL, HTTPClient: bedrock.HTTPClient,
				Credentials: creds, Logger: quietLogger()})
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, c, "amazon.nova-pro-v1:0")

			mantle := llmtest.NewAnthropic(t, twoTurns()...)
			m, err := llm.NewAnthropic(llm.AnthropicConfig{BaseURL: mantle.URL + "/anthropic", Logger: quietLogger(),
				AWS: &llm.AnthropicAWS{Region: "eu-central-1", Credentials: creds}})
			if err != nil {
				t.Fatal(err)
			}
			roundTrip(t, m, "anthropic.claude-sonnet-5")

			for _, s := range []struct {
				service string
				reqs    []llmtest.Request
			}{{"bedrock", bedrock.Requests()}, {llm.MantleService, mantle.Requests()}} {
				if len(s.reqs) != 2 {
					t.Fatalf("%s: %d requests, want 2", s.service, len(s.reqs))
				}
				for _, r := range s.reqs {
					if a := r.Header.Get("Authorization"); !sigV4(accessKey, "eu-central-1", s.service).MatchString(a) {
						t.Errorf("%s: Authorization = %q, want a signature by %s", s.service, a, accessKey)
					}
					if got := r.Header.Get("X-Amz-Security-Token"); got != token {
						t.Errorf("%s: X-Amz-Security-Token = %q, want %q", s.service, got, token)
					}
				}
			}
		})
	}
}

// TestAWSDefaultCredentialsChainFindsNone: with no credentials anywhere the
// chain says so at once (the instance metadata endpoint is off here).
func TestAWSDefaultCredentialsChainFindsNone(t *testing.T) {
	cleanAWSEnv(t)
	_, err := llm.AWSDefaultCredentials(t.Context(), "eu-central-1")
	if err == nil || !strings.HasPrefix(err.Error(), "no AWS credentials found") {
		t.Fatalf("err = %v, want no AWS credentials found", err)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("the error spans lines: %q", err)
	}
}

// TestGeminiVertexAIApplicationDefaultCredentials: Vertex AI with Google's
// Application Default Credentials, a service account key file named by
// GOOGLE_APPLICATION_CREDENTIALS whose token endpoint is on loopback. The
// token endpoint gets the signed JWT assertion, Vertex AI the access token
// it returned.
func TestGeminiVertexAIApplicationDefaultCredentials(t *testing.T) {
	stub := llmtest.NewGemini(t, twoTurns()...)
	google := llmtest.NewTokenServer(t, "ya29.adc-token")
	file := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(file, serviceAccountKey(t, google.URL+"/token"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
	c, err := llm.NewGemini(t.Context(), llm.GeminiConfig{Project: "orca-test", Location: "europe-west4", BaseURL: stub.URL,
		ApplicationDefault: true, Logger: quietLogger()})
	if err != nil {
		t.Fatal(err)
	}
	roundTrip(t, c, "gemini-3.8-flash")
	for _, r := range stub.Requests() {
		if h := r.Header.Get("Authorization"); h != "Bearer ya29.adc-token" {
			t.Errorf("Authorization = %q", h)
		}
	}
	tr := google.Requests()
	if len(tr) == 0 || tr[0].Form.Get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" || strings.Count(tr[0].Form.Get("assertion"), ".") != 2 {
		t.Errorf("token requests = %+v", tr)
	}

	t.Run("a missing key file", func(t *testing.T) {
		t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", filepath.Join(t.TempDir(), "missing.json"))
		_, err := llm.NewGemini(t.Context(), llm.GeminiConfig{Project: "orca-test", Location: "europe-west4", BaseURL: stub.URL,
			ApplicationDefault: true, Logger: quietLogger()})
		if err == nil || !strings.HasPrefix(err.Error(), "google-vertex-ai: no Application Default Credentials found") {
			t.Fatalf("err = %v", err)
		}
	})
}
