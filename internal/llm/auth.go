package llm

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
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

// AWSCredentials are static AWS credentials for Signature Version 4.
type AWSCredentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
}

// sigV4 signs each request for service in region with the AWS SDK's signer.
func sigV4(creds AWSCredentials, service, region string) func(*http.Request, func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	signer := v4.NewSigner()
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
		err := signer.SignHTTP(r.Context(), aws.Credentials{AccessKeyID: creds.AccessKeyID, SecretAccessKey: creds.SecretAccessKey,
			SessionToken: creds.SessionToken}, r, hex.EncodeToString(sum[:]), service, region, time.Now().UTC())
		if err != nil {
			return nil, fmt.Errorf("sign the request: %w", err)
		}
		return next(r)
	}
}
