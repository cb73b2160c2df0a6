// Package a2a is Camunda's A2A Client connector (io.camunda.agenticai:a2aclient:0):
// it fetches a remote agent's Agent Card and sends it messages over the
// Agent2Agent protocol's JSON-RPC binding (message/send, tasks/get),
// waiting for a task's answer by polling. No official A2A SDK for Go is
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
	// PollInterval is the pause between two tasks/get (default 500 ms).
	PollInterval time.Duration
}

// NewClient makes a client; hc nil: a client that refuses link-local
// addresses (cloud metadata endpoints).
func NewClient(hc *http.Client) *Client {
	if hc == nil {
		d := &net.Dialer{Timeout: 10 * time.Second, Control: refuseLinkLocal}
		hc = &http.Client{Transport: &http.Transport{DialContext: d.DialContext, Proxy: http.ProxyFromEnvironment,
			TLSHandshakeTimeout: 10 * time.Second, ResponseHeaderTimeout: 2 * time.Minute}}
	}
	return &Client{http: hc, PollInterval: 500 * time.Millisecond}
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
		return nil, err
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

// SendSettings say how to wait for the answer.
type SendSettings struct {
	Blocking      bool          // ask the server to answer only when done
	HistoryLength int           // messages of the task's history to return
	Timeout       time.Duration // the whole exchange, polling included (default 1 minute)
}

// Terminal task states (and those that wait for the caller).
var settled = map[string]bool{"completed": true, "canceled": true, "failed": true, "rejected": true,
	"input-required": true, "auth-required": true, "unknown": true}

// SendMessage sends a text message to the agent of card and waits until it
// answers: with a message, or with a task in a settled state (polling
// tasks/get while it is submitted or working). The result is the A2A
// Message or Task object.
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
	cfg := map[string]any{"blocking": s.Blocking, "acceptedOutputModes": []string{"text/plain", "application/json"}}
	if s.HistoryLength > 0 {
		cfg["historyLength"] = s.HistoryLength
	}
	res, err := c.call(ctx, card.URL, "message/send", map[string]any{"message": msg, "configuration": cfg})
	if err != nil {
		return nil, timeoutError(ctx, err, s.Timeout)
	}
	for {
		switch res["kind"] {
		case "message":
			return res, nil
		case "task":
		default:
			return nil, fmt.Errorf("message/send: the remote agent answered neither a message nor a task (kind %v)", res["kind"])
		}
		id, _ := res["id"].(string)
		status, _ := res["status"].(map[string]any)
		state, _ := status["state"].(string)
		if id == "" || state == "" {
			return nil, errors.New("message/send: the remote agent answered a task without id or status")
		}
		if settled[state] {
			return res, nil
		}
		select {
		case <-ctx.Done():
			return nil, timeoutError(ctx, ctx.Err(), s.Timeout)
		case <-time.After(c.PollInterval):
		}
		params := map[string]any{"id": id}
		if s.HistoryLength > 0 {
			params["historyLength"] = s.HistoryLength
		}
		if res, err = c.call(ctx, card.URL, "tasks/get", params); err != nil {
			return nil, timeoutError(ctx, err, s.Timeout)
		}
	}
}

func timeoutError(ctx context.Context, err error, d time.Duration) error {
	if ctx.Err() == context.DeadlineExceeded {
		return fmt.Errorf("the remote agent did not answer within %s", d)
	}
	return err
}

// Text joins the text parts of a message, or of a task's status message and
// artifacts: what the remote agent said.
func Text(res map[string]any) string {
	var parts []string
	addParts := func(ps any) {
		list, _ := ps.([]any)
		for _, p := range list {
			pm, _ := p.(map[string]any)
			if t, ok := pm["text"].(string); ok && t != "" {
				parts = append(parts, t)
			}
		}
	}
	if res["kind"] == "message" {
		addParts(res["parts"])
		return strings.Join(parts, "\n")
	}
	arts, _ := res["artifacts"].([]any)
	for _, a := range arts {
		am, _ := a.(map[string]any)
		addParts(am["parts"])
	}
	if st, ok := res["status"].(map[string]any); ok {
		if m, ok := st["message"].(map[string]any); ok {
			addParts(m["parts"])
		}
	}
	return strings.Join(parts, "\n")
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
