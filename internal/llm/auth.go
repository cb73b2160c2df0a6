package llm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// TokenFunc returns the bearer token of a request: an OAuth 2.0 access
// token obtained with client credentials, or a Microsoft Entra ID token.
type TokenFunc func(ctx context.Context) (string, error)

// ClientCredentials configures the OAuth 2.0 client credentials flow
// (RFC 6749 section 4.4).
type ClientCredentials struct {
	TokenURL     string
	ClientID     string
	ClientSecret string
	// Audience is sent as the "audience" parameter when set.
	Audience string
	Scopes   []string
	// InBody sends the client id and secret in the request body instead of
	// a Basic authentication header.
	InBody     bool
	HTTPClient *http.Client
}

// Token returns a TokenFunc that fetches a token once and again when it
// expires.
func (c ClientCredentials) Token() TokenFunc {
	cfg := clientcredentials.Config{ClientID: c.ClientID, ClientSecret: c.ClientSecret, TokenURL: c.TokenURL, Scopes: c.Scopes,
		AuthStyle: oauth2.AuthStyleInHeader}
	if c.InBody {
		cfg.AuthStyle = oauth2.AuthStyleInParams
	}
	if c.Audience != "" {
		cfg.EndpointParams = url.Values{"audience": {c.Audience}}
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, httpClientOrDefault(c.HTTPClient))
	src := cfg.TokenSource(ctx)
	return func(context.Context) (string, error) {
		tok, err := src.Token()
		if err != nil {
			return "", tokenError(err)
		}
		return tok.AccessToken, nil
	}
}

// tokenError says why no token came, without the token endpoint's body
// (which may echo the client secret).
func tokenError(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		msg := re.ErrorCode
		if re.ErrorDescription != "" {
			msg += ": " + re.ErrorDescription
		}
		if msg == "" && re.Response != nil {
			msg = re.Response.Status
		}
		return fmt.Errorf("the token endpoint refused the client credentials (%s)", msg)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("the token endpoint cannot be reached: %v", ue.Err)
	}
	return fmt.Errorf("no access token: %v", err)
}

// DefaultEntraAuthorityHost is Microsoft Entra ID's public cloud authority.
const DefaultEntraAuthorityHost = "https://login.microsoftonline.com"

// Entra ID scopes of the Azure services the adapters reach.
const (
	EntraScopeCognitiveServices = "https://cognitiveservices.azure.com/.default"
	EntraScopeAIFoundry         = "https://ai.azure.com/.default"
)

// EntraClientCredentials is the client credentials flow against Microsoft
// Entra ID: the token endpoint of tenant at authorityHost (default the
// public cloud), for scope.
func EntraClientCredentials(authorityHost, tenant, clientID, clientSecret, scope string, hc *http.Client) ClientCredentials {
	if authorityHost == "" {
		authorityHost = DefaultEntraAuthorityHost
	}
	return ClientCredentials{
		TokenURL:     strings.TrimRight(authorityHost, "/") + "/" + url.PathEscape(tenant) + "/oauth2/v2.0/token",
		ClientID:     clientID,
		ClientSecret: clientSecret,
		Scopes:       []string{scope},
		InBody:       true,
		HTTPClient:   hc,
	}
}

// EntraManagedIdentity gets Microsoft Entra ID tokens for scope from the
// managed identity of the machine Orca runs on (azidentity's
// ManagedIdentityCredential: App Service, Functions, Container Apps, Arc,
// Service Fabric or Cloud Shell through their IDENTITY_ENDPOINT/MSI_ENDPOINT
// variables, else the instance metadata service). clientID picks a
// user-assigned identity; empty means the system-assigned one. The
// credential caches its tokens until shortly before they expire.
func EntraManagedIdentity(clientID, scope string) (TokenFunc, error) {
	var opts azidentity.ManagedIdentityCredentialOptions
	if clientID != "" {
		opts.ID = azidentity.ClientID(clientID)
	}
	cred, err := azidentity.NewManagedIdentityCredential(&opts)
	if err != nil {
		return nil, fmt.Errorf("no managed identity: %s", firstLine(err.Error()))
	}
	return func(ctx context.Context) (string, error) {
		tok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{scope}})
		if err != nil {
			return "", fmt.Errorf("no Entra ID token from the managed identity: %s", managedIdentityError(err))
		}
		return tok.Token, nil
	}, nil
}

// managedIdentityError says why azidentity got no token: the identity
// endpoint's own message, else its status, else the first line.
func managedIdentityError(err error) string {
	msg := err.Error()
	if i, j := strings.Index(msg, "{"), strings.LastIndex(msg, "}"); i >= 0 && j > i {
		var body map[string]any
		if json.Unmarshal([]byte(msg[i:j+1]), &body) == nil {
			for _, k := range []string{"error_description", "message", "Message", "error"} {
				if v, ok := body[k].(string); ok && v != "" {
					return v
				}
			}
		}
	}
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "RESPONSE ") {
			return strings.TrimPrefix(l, "RESPONSE ")
		}
	}
	return strings.TrimPrefix(firstLine(msg), "ManagedIdentityCredential: ")
}

// withBearer sets Authorization: Bearer from fn on each request.
func withBearer(fn TokenFunc) func(*http.Request, func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	return func(r *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		tok, err := fn(r.Context())
		if err != nil {
			return nil, err
		}
		r.Header.Set("Authorization", "Bearer "+tok)
		return next(r)
	}
}

// AWSCredentials are AWS credentials for Signature Version 4: static
// ones, or those AWSDefaultCredentials found.
type AWSCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	// provider, when set, supplies the credentials of each signature (they
	// rotate); the fields above are the first ones it gave.
	provider aws.CredentialsProvider
}

// AWSDefaultCredentials finds AWS credentials as the AWS SDKs do (the AWS
// default credentials chain): environment variables, the shared config and
// credentials files (AWS_PROFILE), web identity, SSO, the container or EC2
// instance metadata endpoint. It fails when none are found; those found are
// refreshed before they expire. The SDK reaches the metadata endpoints with
// its own HTTP client.
func AWSDefaultCredentials(ctx context.Context, region string) (*AWSCredentials, error) {
	cfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(region))
	if err != nil {
		return nil, fmt.Errorf("the AWS configuration cannot be read: %s", firstLine(err.Error()))
	}
	if cfg.Credentials == nil {
		return nil, errors.New("no AWS credentials found")
	}
	provider := cfg.Credentials
	if _, cached := provider.(*aws.CredentialsCache); !cached {
		provider = aws.NewCredentialsCache(provider)
	}
	c, err := provider.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("no AWS credentials found: %s",
			strings.TrimPrefix(firstLine(err.Error()), "failed to refresh cached credentials, "))
	}
	return &AWSCredentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, provider: provider}, nil
}

// credentialsProvider is the SDK provider of c.
func (c *AWSCredentials) credentialsProvider() aws.CredentialsProvider {
	if c.provider != nil {
		return c.provider
	}
	return credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
}

// sigV4 signs each request for service in region with the AWS SDK's signer.
func sigV4(creds AWSCredentials, service, region string) func(*http.Request, func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	signer := v4.NewSigner()
	provider := creds.credentialsProvider()
	return func(r *http.Request, next func(*http.Request) (*http.Response, error)) (*http.Response, error) {
		var body []byte
		if r.Body != nil {
			b, err := io.ReadAll(r.Body)
			if err != nil {
				return nil, err
			}
			_ = r.Body.Close()
			body = b
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
		sum := sha256.Sum256(body)
		r.Header.Del("Authorization")
		r.Header.Del("X-Api-Key")
		c, err := provider.Retrieve(r.Context())
		if err != nil {
			return nil, fmt.Errorf("AWS credentials: %s", firstLine(err.Error()))
		}
		err = signer.SignHTTP(r.Context(), c, r, hex.EncodeToString(sum[:]), service, region, time.Now().UTC())
		if err != nil {
			return nil, fmt.Errorf("sign the request: %w", err)
		}
		return next(r)
	}
}
