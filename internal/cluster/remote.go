package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/clientcred"
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
	// RequestTimeout bounds each request whose context has no deadline
	// (default 30 s; job activation waits its request timeout plus 30 s).
	RequestTimeout time.Duration
	// MaxAnswerBytes caps an answer's size (default 64 MiB).
	MaxAnswerBytes int64
	// DeploymentPoll is how often the cluster's process definitions are
	// read to tell OnDeployment's functions of changes (default 10 s).
	DeploymentPoll time.Duration
	// Logger receives the remote's background errors (default: none).
	Logger *slog.Logger
}

// Remote is a client of a cluster's REST API v2 (Camunda 8's, or another
// Orca's): it implements API whole, so that workers, MCP tools and the
// console run against any Camunda 8 cluster as against the embedded one.
type Remote struct {
	base      string
	client    *http.Client
	user      string
	pass      string
	timeout   time.Duration
	maxAnswer int64
	log       *slog.Logger
	tokens    *clientcred.Cache // OAuth 2.0 client credentials, when set
	legacy    legacyState       // start events on clusters before 8.10

	// The deployment poll (remote_watch.go).
	poll     time.Duration
	deployed deployWatchers
	pollOnce sync.Once
	ctx      context.Context
	stop     context.CancelFunc
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
	rm := &Remote{base: base, client: client, user: opts.Username, pass: opts.Password,
		timeout: opts.RequestTimeout, maxAnswer: opts.MaxAnswerBytes, poll: opts.DeploymentPoll, log: remoteLogger(opts.Logger)}
	if opts.ClientID != "" {
		rm.tokens = clientcred.New(clientcred.Config{ClientID: opts.ClientID, ClientSecret: opts.ClientSecret, TokenURL: opts.TokenURL,
			Audience: opts.Audience, Scopes: opts.Scopes, HTTPClient: client, Logger: rm.log,
			Hint: "check CAMUNDA_CLIENT_ID and CAMUNDA_CLIENT_SECRET"})
	}
	rm.ctx, rm.stop = context.WithCancel(context.Background())
	if rm.poll <= 0 {
		rm.poll = 10 * time.Second
	}
	if rm.timeout == 0 {
		rm.timeout = 30 * time.Second
	}
	if rm.maxAnswer <= 0 {
		rm.maxAnswer = 64 << 20
	}
	return rm, nil
}

func (r *Remote) call(ctx context.Context, method, path string, body, out any) error {
	var data []byte
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		data = b
	}
	ct := ""
	if body != nil {
		ct = "application/json"
	}
	return r.send(ctx, method, path, ct, data, out)
}

// send makes one request and reads its JSON answer into out. A problem
// detail answer becomes an *Error with the problem's code (its title, as
// Camunda and Orca write it) and detail, so that errors read the same as
// the embedded engine's.
func (r *Remote) send(ctx context.Context, method, path, contentType string, body []byte, out any) error {
	data, err := r.do(ctx, method, path, contentType, body)
	if err != nil {
		return err
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

// do sends a request and returns the body of a 2xx answer.
func (r *Remote) do(ctx context.Context, method, path, contentType string, body []byte) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok && r.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.timeout)
		defer cancel()
	}
	res, err := r.send1(ctx, method, path, contentType, body)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, r.maxAnswer+1))
	if err != nil {
		return nil, Errorf(CodeUnavailable, "%s %s: %v", method, path, err)
	}
	if int64(len(data)) > r.maxAnswer {
		return nil, Errorf(CodeInternal, "%s %s: the answer is larger than %d bytes", method, path, r.maxAnswer)
	}
	if res.StatusCode >= 300 {
		return nil, problemError(res.StatusCode, data)
	}
	return data, nil
}

// send1 makes the request, with the client's credentials; an OAuth token
// the cluster rejects (401) is renewed and the request sent once more.
func (r *Remote) send1(ctx context.Context, method, path, contentType string, body []byte) (*http.Response, error) {
	attempt := func() (*http.Response, string, error) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, r.base+path, rd)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("Accept", "application/json")
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		var cred string
		switch {
		case r.tokens != nil:
			tok, err := r.tokens.Token(ctx)
			if err != nil {
				return nil, "", Errorf(CodeUnauthorized, "%s %s: %v", method, path, err)
			}
			tok.SetAuthHeader(req)
			cred = tok.AccessToken
		case r.user != "":
			req.SetBasicAuth(r.user, r.pass)
		}
		res, err := r.client.Do(req)
		if err != nil {
			if ctx.Err() == context.DeadlineExceeded {
				return nil, "", Errorf(CodeDeadlineExceeded, "%s %s: the cluster did not answer in time: %v", method, path, err)
			}
			return nil, "", Errorf(CodeUnavailable, "%s %s: the cluster cannot be reached: %v", method, path, err)
		}
		return res, cred, nil
	}
	res, cred, err := attempt()
	if err != nil || res.StatusCode != http.StatusUnauthorized || r.tokens == nil {
		return res, err
	}
	retry, rerr := r.tokens.Renew(ctx, cred)
	if rerr != nil || !retry {
		return res, nil // the 401 stands
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	res, _, err = attempt()
	return res, err
}

// problemError reads an RFC 9457 problem answer.
func problemError(status int, data []byte) *Error {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(data, &p)
	// The title is the code when it is one of ours and fits the status
	// (409 is INVALID_STATE or ALREADY_EXISTS); Camunda's backpressure
	// (503 RESOURCE_EXHAUSTED) and anything else go by the status.
	code := statusCode(status)
	if c := Code(p.Title); c.Status() == status && (c != CodeInternal || p.Title == string(CodeInternal)) {
		code = c
	}
	detail := p.Detail
	if detail == "" {
		detail = strings.TrimSpace(string(data))
	}
	if detail == "" {
		detail = http.StatusText(status)
	}
	return &Error{Code: code, Detail: detail}
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
	return r.do(ctx, http.MethodGet, "/process-definitions/"+key.String()+"/xml", "", nil)
}
