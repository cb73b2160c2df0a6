package mcpproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenFetchTimeout bounds one call to the token endpoint.
const tokenFetchTimeout = 30 * time.Second

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

// tokenCache obtains access tokens with the client-credentials grant, caches
// them until shortly before they expire, and renews them on demand.
type tokenCache struct {
	cfg    clientcredentials.Config
	client *http.Client
	now    func() time.Time
	margin time.Duration
	log    *slog.Logger

	mu        sync.Mutex
	tok       *oauth2.Token
	lifetime  time.Duration // 0: the token endpoint gave no expires_in
	expiresAt time.Time     // on the clock c.now
}

func newTokenCache(cfg *Config, client *http.Client) *tokenCache {
	params := url.Values{}
	if cfg.Audience != "" {
		params.Set("audience", cfg.Audience)
	}
	if cfg.Resource != "" {
		params.Set("resource", cfg.Resource)
	}
	return &tokenCache{
		cfg: clientcredentials.Config{
			ClientID:       cfg.ClientID,
			ClientSecret:   cfg.ClientSecret,
			TokenURL:       cfg.OAuthURL,
			Scopes:         strings.Fields(cfg.Scope),
			EndpointParams: params,
			// c8ctl and the Camunda SDKs send the credentials in the form body;
			// this also avoids the auto-detection's second request on failure.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		client: client,
		now:    cfg.now,
		margin: cfg.tokenMargin,
		log:    cfg.Logger,
	}
}

func (c *tokenCache) describe() string {
	return "the access token of client " + quote(c.cfg.ClientID)
}

func (c *tokenCache) authorize(ctx context.Context, req *http.Request) (string, error) {
	tok, err := c.token(ctx)
	if err != nil {
		return "", err
	}
	tok.SetAuthHeader(req)
	return tok.AccessToken, nil
}

func (c *tokenCache) renew(ctx context.Context, credential string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.tok.AccessToken == credential {
		c.tok = nil // the remote rejected it: never use it again
	}
	if c.validLocked() {
		return true, nil // another request renewed it already
	}
	c.log.Info("remote rejected the access token; renewing it")
	if err := c.fetchLocked(ctx); err != nil {
		return false, err
	}
	return true, nil
}

// token returns the cached token, fetching a new one if there is none or it
// is about to expire. Concurrent callers wait for one fetch.
func (c *tokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.validLocked() {
		if err := c.fetchLocked(ctx); err != nil {
			return nil, err
		}
	}
	return c.tok, nil
}

func (c *tokenCache) validLocked() bool {
	if c.tok == nil || c.tok.AccessToken == "" {
		return false
	}
	if c.lifetime == 0 {
		return true // no expires_in: valid until the remote says otherwise
	}
	margin := min(c.margin, c.lifetime/2)
	return c.now().Before(c.expiresAt.Add(-margin))
}

func (c *tokenCache) fetchLocked(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, tokenFetchTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.client)
	start, now := time.Now(), c.now() // x/oauth2 computes Expiry with time.Now
	tok, err := c.cfg.Token(ctx)
	if err != nil {
		c.tok = nil
		return &tokenError{tokenURL: c.cfg.TokenURL, clientID: c.cfg.ClientID, err: err}
	}
	c.tok, c.lifetime = tok, 0
	if !tok.Expiry.IsZero() {
		c.lifetime = max(tok.Expiry.Sub(start), time.Nanosecond)
		c.expiresAt = now.Add(c.lifetime)
	}
	c.log.Debug("obtained an access token", "tokenURL", c.cfg.TokenURL, "expiresIn", c.lifetime.Round(time.Second))
	return nil
}

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
type tokenError struct {
	tokenURL string
	clientID string
	err      error
}

func (e *tokenError) Error() string {
	var re *oauth2.RetrieveError
	if errors.As(e.err, &re) {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		detail := re.ErrorCode
		if re.ErrorDescription != "" {
			detail += ": " + re.ErrorDescription
		}
		if detail == "" {
			detail = strings.TrimSpace(string(re.Body))
		}
		if status == http.StatusBadRequest || status == http.StatusUnauthorized || status == http.StatusForbidden ||
			re.ErrorCode == "invalid_client" || re.ErrorCode == "unauthorized_client" {
			return fmt.Sprintf("the token endpoint %s rejected the client credentials of %q (HTTP %d: %s); check %s and %s",
				e.tokenURL, e.clientID, status, detail, EnvClientID, EnvClientSecret)
		}
		return fmt.Sprintf("the token endpoint %s failed (HTTP %d: %s)", e.tokenURL, status, detail)
	}
	return fmt.Sprintf("could not obtain an access token from %s: %v", e.tokenURL, e.err)
}

func (e *tokenError) Unwrap() error { return e.err }

// unreachableError: the request did not reach the remote or got no answer.
type unreachableError struct {
	url string
	err error
}

func (e *unreachableError) Error() string {
	return fmt.Sprintf("the remote MCP server %s is unreachable: %v", e.url, e.err)
}

func (e *unreachableError) Unwrap() error { return e.err }
