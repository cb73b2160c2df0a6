// Package clientcred obtains OAuth 2.0 access tokens with the client
// credentials grant, as Camunda's clients do, and keeps them: one token is
// shared by all requests until shortly before it expires, and a token the
// resource server rejects (401) is renewed once. orca mcp-proxy and the
// REST client of a remote cluster (orca worker, orca gateway) use it.
package clientcred

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// FetchTimeout bounds one call to the token endpoint.
const FetchTimeout = 30 * time.Second

// DefaultMargin is how long before its expiry a token is renewed.
const DefaultMargin = 30 * time.Second

// Config names the client and its token endpoint.
type Config struct {
	ClientID, ClientSecret, TokenURL string
	// Audience and Resource are sent when set (Camunda SaaS wants the
	// audience; RFC 8707 resource indicators use resource).
	Audience, Resource string
	Scopes             []string
	// HTTPClient calls the token endpoint (default http.DefaultClient).
	HTTPClient *http.Client
	// Margin renews a token this long before it expires (default
	// DefaultMargin; at most half the token's lifetime).
	Margin time.Duration
	// Hint ends the message of rejected credentials (what to check).
	Hint string
	// Now is the clock (tests).
	Now    func() time.Time
	Logger *slog.Logger
}

// Cache holds the current token of one client.
type Cache struct {
	cfg    clientcredentials.Config
	client *http.Client
	now    func() time.Time
	margin time.Duration
	hint   string
	log    *slog.Logger

	mu        sync.Mutex
	tok       *oauth2.Token
	lifetime  time.Duration // 0: the token endpoint gave no expires_in
	expiresAt time.Time     // on the clock c.now
}

// New makes a cache; no token is fetched before the first Token.
func New(cfg Config) *Cache {
	params := url.Values{}
	if cfg.Audience != "" {
		params.Set("audience", cfg.Audience)
	}
	if cfg.Resource != "" {
		params.Set("resource", cfg.Resource)
	}
	c := &Cache{
		cfg: clientcredentials.Config{
			ClientID:       cfg.ClientID,
			ClientSecret:   cfg.ClientSecret,
			TokenURL:       cfg.TokenURL,
			Scopes:         cfg.Scopes,
			EndpointParams: params,
			// c8ctl and the Camunda SDKs send the credentials in the form body;
			// this also avoids the auto-detection's second request on failure.
			AuthStyle: oauth2.AuthStyleInParams,
		},
		client: cfg.HTTPClient,
		now:    cfg.Now,
		margin: cfg.Margin,
		hint:   cfg.Hint,
		log:    cfg.Logger,
	}
	if c.client == nil {
		c.client = http.DefaultClient
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.margin == 0 {
		c.margin = DefaultMargin
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	return c
}

// ClientID is the client the tokens are for.
func (c *Cache) ClientID() string { return c.cfg.ClientID }

// Token returns the cached token, fetching a new one if there is none or it
// is about to expire. Concurrent callers wait for one fetch.
func (c *Cache) Token(ctx context.Context) (*oauth2.Token, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.validLocked() {
		if err := c.fetchLocked(ctx); err != nil {
			return nil, err
		}
	}
	return c.tok, nil
}

// Renew is called after the resource server answered 401 to a request
// that carried the access token rejected. It reports whether retrying the
// request may succeed: a new token was fetched, or another request renewed
// it meanwhile.
func (c *Cache) Renew(ctx context.Context, rejected string) (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok != nil && c.tok.AccessToken == rejected {
		c.tok = nil // rejected: never use it again
	}
	if c.validLocked() {
		return true, nil
	}
	c.log.Info("the server rejected the access token; renewing it", "client", c.cfg.ClientID)
	if err := c.fetchLocked(ctx); err != nil {
		return false, err
	}
	return true, nil
}

func (c *Cache) validLocked() bool {
	if c.tok == nil || c.tok.AccessToken == "" {
		return false
	}
	if c.lifetime == 0 {
		return true // no expires_in: valid until the server says otherwise
	}
	margin := min(c.margin, c.lifetime/2)
	return c.now().Before(c.expiresAt.Add(-margin))
}

func (c *Cache) fetchLocked(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, FetchTimeout)
	defer cancel()
	ctx = context.WithValue(ctx, oauth2.HTTPClient, c.client)
	start, now := time.Now(), c.now() // x/oauth2 computes Expiry with time.Now
	tok, err := c.cfg.Token(ctx)
	if err != nil {
		c.tok = nil
		return &TokenError{TokenURL: c.cfg.TokenURL, ClientID: c.cfg.ClientID, Hint: c.hint, Err: err}
	}
	c.tok, c.lifetime = tok, 0
	if !tok.Expiry.IsZero() {
		c.lifetime = max(tok.Expiry.Sub(start), time.Nanosecond)
		c.expiresAt = now.Add(c.lifetime)
	}
	c.log.Debug("obtained an access token", "tokenURL", c.cfg.TokenURL, "expiresIn", c.lifetime.Round(time.Second))
	return nil
}

// TokenError: no access token could be obtained.
type TokenError struct {
	TokenURL, ClientID, Hint string
	Err                      error
}

func (e *TokenError) Error() string {
	var re *oauth2.RetrieveError
	if errors.As(e.Err, &re) {
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
			msg := fmt.Sprintf("the token endpoint %s rejected the client credentials of %q (HTTP %d: %s)", e.TokenURL, e.ClientID, status, detail)
			if e.Hint != "" {
				msg += "; " + e.Hint
			}
			return msg
		}
		return fmt.Sprintf("the token endpoint %s failed (HTTP %d: %s)", e.TokenURL, status, detail)
	}
	return fmt.Sprintf("could not obtain an access token from %s: %v", e.TokenURL, e.Err)
}

func (e *TokenError) Unwrap() error { return e.Err }
