package mcpproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/orcabpm/orca/internal/clientcred"
)

// An authenticator puts credentials on requests to the remote.
type authenticator interface {
	// authorize sets the credentials on req. It returns the credential used,
	// which renew takes to tell a stale credential from a fresh one.
	authorize(ctx context.Context, req *http.Request) (credential string, err error)
	// renew is called after the remote answered 401 to a request that carried
	// credential. It reports whether retrying the request may succeed.
	renew(ctx context.Context, credential string) (bool, error)
	// describe names the credentials for error messages.
	describe() string
}

func newAuthenticator(cfg *Config, client *http.Client) authenticator {
	switch cfg.authMode() {
	case authOAuth:
		return newTokenCache(cfg, client)
	case authBasic:
		return basicAuth{user: cfg.Username, password: cfg.Password}
	default:
		return noAuth{}
	}
}

type noAuth struct{}

func (noAuth) authorize(context.Context, *http.Request) (string, error) { return "", nil }
func (noAuth) renew(context.Context, string) (bool, error)              { return false, nil }
func (noAuth) describe() string {
	return "no credentials (set " + EnvClientID + " and " + EnvClientSecret + ", or " + EnvUsername + " and " + EnvPassword + ")"
}

type basicAuth struct{ user, password string }

func (b basicAuth) authorize(_ context.Context, req *http.Request) (string, error) {
	req.SetBasicAuth(b.user, b.password)
	return "", nil
}
func (basicAuth) renew(context.Context, string) (bool, error) { return false, nil }
func (b basicAuth) describe() string                          { return "Basic credentials of user " + quote(b.user) }

func quote(s string) string { return fmt.Sprintf("%q", s) }

// tokenCache obtains access tokens with the client-credentials grant,
// caches them until shortly before they expire, and renews them on demand
// (clientcred.Cache, shared with the REST client of a remote cluster).
type tokenCache struct {
	*clientcred.Cache
}

func newTokenCache(cfg *Config, client *http.Client) *tokenCache {
	return &tokenCache{clientcred.New(clientcred.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret,
		TokenURL:     cfg.OAuthURL,
		Audience:     cfg.Audience,
		Resource:     cfg.Resource,
		Scopes:       strings.Fields(cfg.Scope),
		HTTPClient:   client,
		Margin:       cfg.tokenMargin,
		Hint:         "check " + EnvClientID + " and " + EnvClientSecret,
		Now:          cfg.now,
		Logger:       cfg.Logger,
	})}
}

func (c *tokenCache) describe() string {
	return "the access token of client " + quote(c.ClientID())
}

func (c *tokenCache) authorize(ctx context.Context, req *http.Request) (string, error) {
	tok, err := c.Token(ctx)
	if err != nil {
		return "", err
	}
	tok.SetAuthHeader(req)
	return tok.AccessToken, nil
}

func (c *tokenCache) renew(ctx context.Context, credential string) (bool, error) {
	return c.Renew(ctx, credential)
}

// token returns the cached token (tests).
func (c *tokenCache) token(ctx context.Context) (*oauth2.Token, error) { return c.Token(ctx) }

// httpDoer sends authenticated requests to the remote, renewing the token and
// retrying once when the remote answers 401.
type httpDoer struct {
	client *http.Client
	auth   authenticator
}

// do sends the request that build makes. Transport failures are returned as
// *unreachableError and credential failures as *tokenError; any HTTP status is
// returned as a response. renewed reports whether the credentials were renewed
// after a 401.
func (d *httpDoer) do(ctx context.Context, build func(context.Context) (*http.Request, error)) (resp *http.Response, renewed bool, err error) {
	send := func() (*http.Response, string, error) {
		req, err := build(ctx)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("User-Agent", "orca-mcp-proxy")
		cred, err := d.auth.authorize(ctx, req)
		if err != nil {
			return nil, "", err
		}
		resp, err := d.client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, "", ctx.Err()
			}
			var uerr *url.Error
			if errors.As(err, &uerr) {
				err = uerr.Err // the URL is in the message already
			}
			return nil, "", &unreachableError{url: req.URL.Redacted(), err: err}
		}
		return resp, cred, nil
	}
	resp, cred, err := send()
	if err != nil {
		return nil, false, err
	}
	if resp.StatusCode != http.StatusUnauthorized {
		return resp, false, nil
	}
	retry, err := d.auth.renew(ctx, cred)
	if err != nil || !retry {
		if err != nil {
			discard(resp)
			return nil, false, err
		}
		return resp, false, nil
	}
	discard(resp)
	resp, _, err = send()
	return resp, true, err
}

// discard drains a little of the body, so the connection can be reused, and
// closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

// tokenError: no access token could be obtained.
type tokenError = clientcred.TokenError

// unreachableError: the request did not reach the remote or got no answer.
type unreachableError struct {
	url string
	err error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("the remote MCP server %s is unreachable: %v", e.url, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }
