// Package a2a is Camunda's A2A Client connector (io.camunda.agenticai:a2aclient:0):
// it fetches a remote agent's Agent Card and sends it messages over the
// Agent2Agent protocol's JSON-RPC binding (message/send, tasks/get), and
// answers in Camunda's shape (see Convert). No official A2A SDK for Go is
// served to us, so the small JSON-RPC client is written here.
package a2a

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// DefaultCardLocation is where an A2A server publishes its Agent Card.
const DefaultCardLocation = ".well-known/agent-card.json"

// maxAnswer bounds what is read of one answer of a server.
const maxAnswer = 4 << 20

// Client talks to A2A servers.
type Client struct {
	http *http.Client
}

// NewClient makes a client; hc nil: a client that refuses link-local
// addresses (cloud metadata endpoints).
func NewClient(hc *http.Client) *Client {
	if hc == nil {
		d := &net.Dialer{Timeout: 10 * time.Second, Control: refuseLinkLocal}
		hc = &http.Client{Transport: &http.Transport{DialContext: d.DialContext, Proxy: http.ProxyFromEnvironment,
			TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 2 * time.Minute}}
	}
	return &Client{http: hc}
}

func refuseLinkLocal(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err == nil && (ap.Addr().IsLinkLocalUnicast() || ap.Addr().IsLinkLocalMulticast()) {
		return fmt.Errorf("connecting to the link-local address %s is not allowed", ap.Addr())
	}
	return nil
}

// Card is an Agent Card (the fields the connector reads; the whole card is
// kept in Raw).
type Card struct {
	Name        string  `json:"name"`
	Description string  `json:"description"`
	URL         string  `json:"url"`
	Skills      []Skill `json:"skills"`
	Raw         map[string]any
}

// Skill is one skill of an agent.
type Skill struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Tags        []string `json:"tags"`
	Examples    []string `json:"examples"`
}

// FetchCard reads the Agent Card of the server at base.
func (c *Client) FetchCard(ctx context.Context, base, location string) (*Card, error) {
	if location == "" {
		location = DefaultCardLocation
	}
	u, err := url.Parse(strings.TrimSuffix(base, "/") + "/")
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the A2A server URL must be an http or https URL, not '%s'", base)
	}
	ref, err := url.Parse(strings.TrimPrefix(location, "/"))
	if err != nil {
		return nil, fmt.Errorf("the agent card location '%s' is not a URL path", location)
	}
	cardURL := u.ResolveReference(ref).String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, cardURL, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	body, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching the agent card from %s: %w", cardURL, err)
	}
	var card Card
	if err := json.Unmarshal(body, &card); err != nil {
		return nil, fmt.Errorf("the agent card at %s is not JSON: %w", cardURL, err)
	}
	if err := json.Unmarshal(body, &card.Raw); err != nil {
		return nil, fmt.Errorf("the agent card at %s is not a JSON object", cardURL)
	}
	if card.Name == "" || card.URL == "" {
		return nil, fmt.Errorf("the agent card at %s has no name or url", cardURL)
	}
	if pu, err := url.Parse(card.URL); err != nil || (pu.Scheme != "http" && pu.Scheme != "https") {
		return nil, fmt.Errorf("the agent card's url '%s' is not an http or https URL", card.URL)
	}
	return &card, nil
}

func (c *Client) do(req *http.Request) ([]byte, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, inUserTerms(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, err
	}
	if len(body) > maxAnswer {
		return nil, fmt.Errorf("the answer is larger than %d bytes", maxAnswer)
	}
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("HTTP %d: %s", resp.StatusCode, snippet(body))
	}
	return body, nil
}

// inUserTerms says why a request failed without Go's wrapping (Post
// "http://...": dial tcp ...): the server cannot be reached, its name does
// not resolve, or it did not answer in time. A context's end is left as is.
func inUserTerms(err error) error {
	var ue *url.Error
	if !errors.As(err, &ue) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var dns *net.DNSError
	if errors.As(ue.Err, &dns) {
		return fmt.Errorf("the host name '%s' does not resolve", dns.Name)
	}
	if ue.Timeout() {
		return errors.New("the server did not answer in time")
	}
	var op *net.OpError
	if errors.As(ue.Err, &op) && op.Op == "dial" {
		cause := op.Err.Error()
		var sc *os.SyscallError
		if errors.As(op.Err, &sc) {
			cause = sc.Err.Error()
		}
		return fmt.Errorf("the server cannot be reached (%s)", cause)
	}
	return fmt.Errorf("the request failed: %v", ue.Err)
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}

// RPCError is a JSON-RPC error the A2A server answered.
type RPCError struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Data    json.RawMessage `json:"data,omitempty"`
}

func (e *RPCError) Error() string {
	return fmt.Sprintf("the remote agent answered error %d: %s", e.Code, e.Message)
}

// call makes one JSON-RPC 2.0 call and decodes its result.
func (c *Client) call(ctx context.Context, endpoint, method string, params any) (map[string]any, error) {
	id := newID()
	b, err := json.Marshal(map[string]any{"jsonrpc": "2.0", "id": id, "method": method, "params": params})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	body, err := c.do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", method, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var resp struct {
		JSONRPC string          `json:"jsonrpc"`
		ID      any             `json:"id"`
		Result  json.RawMessage `json:"result"`
		Error   *RPCError       `json:"error"`
	}
	if err := dec.Decode(&resp); err != nil || resp.JSONRPC != "2.0" {
		return nil, fmt.Errorf("%s: the A2A server did not answer JSON-RPC 2.0: %s", method, snippet(body))
	}
	if resp.Error != nil {
		return nil, resp.Error
	}
	if fmt.Sprint(resp.ID) != id {
		return nil, fmt.Errorf("%s: the A2A server answered another request (id %v)", method, resp.ID)
	}
	var out map[string]any
	rd := json.NewDecoder(bytes.NewReader(resp.Result))
	rd.UseNumber()
	if err := rd.Decode(&out); err != nil || out == nil {
		return nil, fmt.Errorf("%s: the result is not a JSON object: %s", method, snippet(resp.Result))
	}
	return out, nil
}

// Message is a message to send.
type Message struct {
	Text             string
	ContextID        string
	TaskID           string
	ReferenceTaskIDs []string
}

// Response retrieval modes (settings.responseRetrievalMode.type).
const (
	Blocking     = "blocking"     // the server answers when the task settled
	Polling      = "polling"      // the first answer; an A2A polling catch event waits for the rest
	Notification = "notification" // the first answer; the server pushes the rest to a webhook
)

// PushConfig is where the remote agent pushes a task's updates in
// notification mode (A2A's PushNotificationConfig): the webhook URL, the
// token it sends back in X-A2A-Notification-Token, and the authentication
// (schemes and credentials) it uses to call the webhook.
type PushConfig struct {
	URL         string
	Token       string
	Schemes     []string
	Credentials string
}

// SendSettings say how to wait for the answer.
type SendSettings struct {
	Mode          string        // Blocking, Polling (default) or Notification
	Push          PushConfig    // Notification's webhook
	HistoryLength int           // messages of the task's history to return
	Timeout       time.Duration // how long to wait for the server's answer (default 1 minute)
}

// SendMessage sends a text message to the agent of card and returns its
// first answer, as Camunda's connector does: a message, or a task (in
// blocking mode the server holds the answer until the task settled; in
// polling and notification mode it is usually still submitted or working,
// and an A2A polling or webhook catch event waits for the rest). The
// result is the A2A Message or Task object as the server sent it.
func (c *Client) SendMessage(ctx context.Context, card *Card, m Message, s SendSettings) (map[string]any, error) {
	if s.Timeout <= 0 {
		s.Timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, s.Timeout)
	defer cancel()
	msg := map[string]any{"kind": "message", "role": "user", "messageId": newID(),
		"parts": []any{map[string]any{"kind": "text", "text": m.Text}}}
	if m.ContextID != "" {
		msg["contextId"] = m.ContextID
	}
	if m.TaskID != "" {
		msg["taskId"] = m.TaskID
	}
	if len(m.ReferenceTaskIDs) > 0 {
		msg["referenceTaskIds"] = m.ReferenceTaskIDs
	}
	cfg := map[string]any{"blocking": s.Mode == Blocking, "acceptedOutputModes": []string{"text/plain", "application/json"}}
	if s.HistoryLength > 0 {
		cfg["historyLength"] = s.HistoryLength
	}
	if s.Mode == Notification {
		if s.Push.URL == "" {
			return nil, errors.New("the notification response retrieval needs a webhook URL (responseRetrievalMode.webhookUrl)")
		}
		schemes := s.Push.Schemes
		if schemes == nil {
			schemes = []string{}
		}
		auth := map[string]any{"schemes": schemes}
		if s.Push.Credentials != "" {
			auth["credentials"] = s.Push.Credentials
		}
		push := map[string]any{"url": s.Push.URL, "authentication": auth}
		if s.Push.Token != "" {
			push["token"] = s.Push.Token
		}
		cfg["pushNotificationConfig"] = push
	}
	res, err := c.call(ctx, card.URL, "message/send", map[string]any{"message": msg, "configuration": cfg})
	if err != nil {
		return nil, timeoutError(ctx, err, s.Timeout)
	}
	switch res["kind"] {
	case "message":
		return res, nil
	case "task":
	default:
		return nil, fmt.Errorf("message/send: the remote agent answered neither a message nor a task (kind %v)", res["kind"])
	}
	if err := checkTask(res); err != nil {
		return nil, fmt.Errorf("message/send: %w", err)
	}
	return res, nil
}

// checkTask checks a task has an id and a state Camunda's connector takes.
func checkTask(t map[string]any) error {
	id, _ := t["id"].(string)
	status, _ := t["status"].(map[string]any)
	state, _ := status["state"].(string)
	if id == "" || state == "" {
		return errors.New("the remote agent answered a task without id or status")
	}
	if !knownStates[state] {
		return fmt.Errorf("the remote agent answered a task in the unknown state '%s'", state)
	}
	if state == "auth-required" {
		return errors.New("the remote agent's task needs authentication (state auth-required), which is not supported")
	}
	return nil
}

var knownStates = map[string]bool{"submitted": true, "working": true, "input-required": true, "auth-required": true,
	"completed": true, "canceled": true, "failed": true, "rejected": true, "unknown": true}

// GetTask reads a task (tasks/get) with at most historyLength messages of
// its history.
func (c *Client) GetTask(ctx context.Context, card *Card, id string, historyLength int) (map[string]any, error) {
	params := map[string]any{"id": id}
	if historyLength > 0 {
		params["historyLength"] = historyLength
	}
	res, err := c.call(ctx, card.URL, "tasks/get", params)
	if err != nil {
		return nil, err
	}
	if res["kind"] != "task" {
		return nil, fmt.Errorf("tasks/get: the remote agent answered no task (kind %v)", res["kind"])
	}
	if err := checkTask(res); err != nil {
		return nil, fmt.Errorf("tasks/get: %w", err)
	}
	return res, nil
}

func timeoutError(ctx context.Context, err error, d time.Duration) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("the remote agent did not answer within %s", d)
	}
	return err
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
