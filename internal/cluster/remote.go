package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// RemoteOptions reach a Camunda 8 REST API v2 (Orca's or Camunda's).
type RemoteOptions struct {
	// BaseURL is the cluster's address, with or without the /v2 suffix.
	BaseURL string
	// OAuth 2.0 client credentials (when ClientID is set) ...
	ClientID, ClientSecret, TokenURL, Audience string
	Scopes                                     []string
	// ... or Basic authentication.
	Username, Password string
	// HTTPClient is the transport (default: a client with no overall
	// timeout, since job activation long-polls).
	HTTPClient *http.Client
}

// Remote is a client of a cluster's REST API v2. It implements the calls
// job workers make, so that they run against any Camunda 8 cluster.
type Remote struct {
	base   string
	client *http.Client
	user   string
	pass   string
}

// NewRemote makes a REST client.
func NewRemote(opts RemoteOptions) (*Remote, error) {
	u, err := url.Parse(strings.TrimRight(opts.BaseURL, "/"))
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("cluster URL %q: must be an absolute http(s) URL", opts.BaseURL)
	}
	base := u.String()
	if !strings.HasSuffix(base, "/v2") {
		base += "/v2"
	}
	client := opts.HTTPClient
	if client == nil {
		client = &http.Client{}
	}
	if opts.ClientID != "" {
		cc := clientcredentials.Config{ClientID: opts.ClientID, ClientSecret: opts.ClientSecret, TokenURL: opts.TokenURL, Scopes: opts.Scopes,
			AuthStyle: oauth2.AuthStyleInParams}
		if opts.Audience != "" {
			cc.EndpointParams = url.Values{"audience": {opts.Audience}}
		}
		ctx := context.WithValue(context.Background(), oauth2.HTTPClient, client)
		client = &http.Client{Transport: &oauth2.Transport{Source: oauth2.ReuseTokenSource(nil, cc.TokenSource(ctx)), Base: client.Transport}}
	}
	return &Remote{base: base, client: client, user: opts.Username, pass: opts.Password}, nil
}

func (r *Remote) call(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.user != "" {
		req.SetBasicAuth(r.user, r.pass)
	}
	res, err := r.client.Do(req)
	if err != nil {
		return Errorf(CodeUnavailable, "%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 64<<20))
	if err != nil {
		return Errorf(CodeUnavailable, "%s %s: %v", method, path, err)
	}
	if res.StatusCode >= 300 {
		var p struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}
		json.Unmarshal(data, &p)
		code := statusCode(res.StatusCode)
		if p.Detail == "" {
			p.Detail = strings.TrimSpace(string(data))
		}
		return Errorf(code, "%s %s: %d %s: %s", method, path, res.StatusCode, p.Title, p.Detail)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		if err := dec.Decode(out); err != nil {
			return fmt.Errorf("%s %s: the answer cannot be read: %w", method, path, err)
		}
	}
	return nil
}

func statusCode(status int) Code {
	switch status {
	case http.StatusBadRequest:
		return CodeInvalidArgument
	case http.StatusUnauthorized:
		return CodeUnauthorized
	case http.StatusForbidden:
		return CodeForbidden
	case http.StatusNotFound:
		return CodeNotFound
	case http.StatusConflict:
		return CodeInvalidState
	case http.StatusGatewayTimeout:
		return CodeDeadlineExceeded
	case http.StatusServiceUnavailable, http.StatusTooManyRequests:
		return CodeUnavailable
	}
	return CodeInternal
}

// ActivateJobs long-polls for jobs.
func (r *Remote) ActivateJobs(ctx context.Context, req *JobActivationRequest) (*JobActivationResult, error) {
	if req.RequestTimeout > 0 {
		// Let the server answer an empty long poll before the client gives up.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(req.RequestTimeout)*time.Millisecond+30*time.Second)
		defer cancel()
	}
	out := &JobActivationResult{}
	if err := r.call(ctx, http.MethodPost, "/jobs/activation", req, out); err != nil {
		return nil, err
	}
	return out, nil
}

// CompleteJob completes a job.
func (r *Remote) CompleteJob(ctx context.Context, key Key, req *JobCompletionRequest) error {
	return r.call(ctx, http.MethodPost, "/jobs/"+key.String()+"/completion", req, nil)
}

// FailJob fails a job.
func (r *Remote) FailJob(ctx context.Context, key Key, req *JobFailRequest) error {
	return r.call(ctx, http.MethodPost, "/jobs/"+key.String()+"/failure", req, nil)
}

// ThrowJobError throws a BPMN error for a job.
func (r *Remote) ThrowJobError(ctx context.Context, key Key, req *JobErrorRequest) error {
	return r.call(ctx, http.MethodPost, "/jobs/"+key.String()+"/error", req, nil)
}

// GetProcessDefinitionXML reads a deployed BPMN file.
func (r *Remote) GetProcessDefinitionXML(ctx context.Context, key Key) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/process-definitions/"+key.String()+"/xml", nil)
	if err != nil {
		return nil, err
	}
	if r.user != "" {
		req.SetBasicAuth(r.user, r.pass)
	}
	res, err := r.client.Do(req)
	if err != nil {
		return nil, Errorf(CodeUnavailable, "%v", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, Errorf(statusCode(res.StatusCode), "process definition %s: %d", key, res.StatusCode)
	}
	return b, nil
}
