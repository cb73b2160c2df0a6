package mcpproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

const (
	headerSessionID   = "Mcp-Session-Id"
	headerProtocol    = "Mcp-Protocol-Version"
	headerMethod      = "Mcp-Method"
	headerName        = "Mcp-Name"
	headerLastEventID = "Last-Event-ID"

	// resumeAttempts bounds how often an interrupted SSE response is resumed
	// with Last-Event-ID before its requests are failed.
	resumeAttempts = 3
	// maxBackoff caps the delay between attempts to reopen the GET stream.
	maxBackoff = 30 * time.Second
	// closeTimeout bounds the DELETE that ends a session.
	closeTimeout = 2 * time.Second
)

// streamableRemote speaks the Streamable HTTP transport: every message is a
// POST whose answer is 202, a JSON body or an SSE stream; a stateful server
// names its session in Mcp-Session-Id and may offer a GET stream for
// messages it sends on its own.
type streamableRemote struct {
	endpoint string
	doer     *httpDoer
	host     host
	log      *slog.Logger
	ctx      context.Context // the proxy's lifetime

	mu         sync.Mutex
	sessionID  string
	listenFor  string // the session the GET stream runs for
	stopListen context.CancelFunc
	reinits    int

	reinitMu sync.Mutex // one re-initialization at a time
}

func (r *streamableRemote) session() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sessionID
}

func (r *streamableRemote) send(ctx context.Context, f *frame) error {
	sid := r.session()
	resp, renewed, err := r.post(ctx, f.raw, f, sid)
	if err != nil {
		return err
	}
	if resp.StatusCode == http.StatusNotFound && sid != "" && !f.has(methodInitialize) {
		// The server forgot the session (it restarted or expired it): open a
		// new one with the client's initialize and send the message again.
		discard(resp)
		if err := r.reinit(ctx, sid); err != nil {
			return err
		}
		resp, renewed, err = r.post(ctx, f.raw, f, r.session())
		if err != nil {
			return err
		}
	}
	return r.handle(ctx, f, resp, renewed)
}

// post sends body with the headers for f.
func (r *streamableRemote) post(ctx context.Context, body []byte, f *frame, sid string) (*http.Response, bool, error) {
	return r.doer.do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.endpoint, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if sid != "" {
			req.Header.Set(headerSessionID, sid)
		}
		r.setProtocolHeaders(req.Header, f)
		return req, nil
	})
}

// setProtocolHeaders sets Mcp-Protocol-Version and, from 2026-07-28 on,
// Mcp-Method and Mcp-Name.
func (r *streamableRemote) setProtocolHeaders(h http.Header, f *frame) {
	m, single := f.single()
	version := ""
	if single {
		version = metaString(m.Params, metaKeyProtocol)
	}
	if version == "" && !f.has(methodInitialize) {
		version = r.host.protocolVersion()
	}
	if version == "" {
		return
	}
	h.Set(headerProtocol, version)
	if version >= protocolStateless && single && m.Method != "" {
		h.Set(headerMethod, m.Method)
		if name := nameOf(m.Method, m.Params); name != "" {
			h.Set(headerName, name)
		}
	}
}

// handle reads the answer to a POST of f.
func (r *streamableRemote) handle(ctx context.Context, f *frame, resp *http.Response, renewed bool) error {
	defer resp.Body.Close()
	if sid := resp.Header.Get(headerSessionID); sid != "" && f.has(methodInitialize) {
		r.mu.Lock()
		if sid != r.sessionID {
			r.log.Debug("remote opened a session", "sessionID", sid)
		}
		r.sessionID = sid
		r.mu.Unlock()
	}
	keys := f.requestKeys()
	status := resp.StatusCode
	switch {
	case status >= 200 && status < 300:
		if f.has(notifyInitialized) {
			r.listen()
		}
		if len(keys) == 0 {
			return nil
		}
		if status == http.StatusAccepted || status == http.StatusNoContent {
			return fmt.Errorf("%w (HTTP %d)", errNoResponse, status)
		}
		switch ct := mediaType(resp.Header.Get("Content-Type")); ct {
		case "application/json":
			body, err := io.ReadAll(io.LimitReader(resp.Body, maxEventBytes))
			if err != nil {
				return &unreachableError{url: r.endpoint, err: err}
			}
			r.host.deliver(body)
			return r.unanswered(keys)
		case "text/event-stream":
			return r.readStream(ctx, keys, resp)
		default:
			return &httpError{status: status, detail: fmt.Sprintf("unexpected Content-Type %q", ct)}
		}
	default:
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		he := newHTTPError(resp, body, renewed)
		if he.jsonrpc {
			// Servers answer some failures with a JSON-RPC error for the
			// request; pass it on if it names the request.
			r.host.deliver(body)
			if r.unanswered(keys) == nil && len(keys) > 0 {
				return nil
			}
		}
		return he
	}
}

// unanswered returns errNoResponse if any request among keys still awaits
// its answer.
func (r *streamableRemote) unanswered(keys []string) error {
	for _, k := range keys {
		if r.host.pending(k) {
			return errNoResponse
		}
	}
	return nil
}

// readStream passes on the events of an SSE response until every request
// among keys is answered, resuming an interrupted stream with Last-Event-ID.
func (r *streamableRemote) readStream(ctx context.Context, keys []string, resp *http.Response) error {
	lastEventID := ""
	for attempt := 0; ; attempt++ {
		sc := newSSEScanner(resp.Body)
		for {
			ev, err := sc.next()
			if err != nil {
				break
			}
			if ev.id != "" {
				lastEventID = ev.id
			}
			if !ev.isMessage() || len(ev.data) == 0 {
				continue
			}
			r.host.deliver(ev.data)
			if r.unanswered(keys) == nil {
				return nil
			}
		}
		resp.Body.Close()
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := r.unanswered(keys); err == nil || lastEventID == "" || attempt >= resumeAttempts {
			return err
		}
		r.log.Debug("response stream interrupted; resuming", "lastEventID", lastEventID)
		next, err := r.get(ctx, r.session(), lastEventID)
		if err != nil {
			return err
		}
		if next.StatusCode != http.StatusOK || mediaType(next.Header.Get("Content-Type")) != "text/event-stream" {
			body, _ := io.ReadAll(io.LimitReader(next.Body, 64<<10))
			next.Body.Close()
			return newHTTPError(next, body, false)
		}
		resp = next
	}
}

// get opens an SSE stream with GET.
func (r *streamableRemote) get(ctx context.Context, sid, lastEventID string) (*http.Response, error) {
	resp, _, err := r.doer.do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.endpoint, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "text/event-stream")
		if sid != "" {
			req.Header.Set(headerSessionID, sid)
		}
		if v := r.host.protocolVersion(); v != "" {
			req.Header.Set(headerProtocol, v)
		}
		if lastEventID != "" {
			req.Header.Set(headerLastEventID, lastEventID)
		}
		return req, nil
	})
	return resp, err
}

// listen opens the GET stream for the current session, unless it is open or
// the protocol version has none.
func (r *streamableRemote) listen() {
	if v := r.host.protocolVersion(); v >= protocolStateless {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopListen != nil && r.listenFor == r.sessionID {
		return
	}
	if r.stopListen != nil {
		r.stopListen()
	}
	ctx, cancel := context.WithCancel(r.ctx)
	r.stopListen, r.listenFor = cancel, r.sessionID
	go r.listenLoop(ctx, r.sessionID)
}

// listenLoop keeps the GET stream of session sid open, passing on what the
// server sends, until the server says it has none or the session ends.
func (r *streamableRemote) listenLoop(ctx context.Context, sid string) {
	backoff := 250 * time.Millisecond
	lastEventID := ""
	for {
		resp, err := r.get(ctx, sid, lastEventID)
		if ctx.Err() != nil {
			if err == nil {
				resp.Body.Close()
			}
			return
		}
		switch {
		case err != nil:
			r.log.Debug("could not open the remote's GET stream; retrying", "error", err, "in", backoff)
		case resp.StatusCode == http.StatusOK && mediaType(resp.Header.Get("Content-Type")) == "text/event-stream":
			r.log.Debug("remote GET stream open", "sessionID", sid)
			sc := newSSEScanner(resp.Body)
			for {
				ev, err := sc.next()
				if err != nil {
					break
				}
				backoff = 250 * time.Millisecond
				if ev.id != "" {
					lastEventID = ev.id
				}
				if ev.isMessage() && len(ev.data) > 0 {
					r.host.deliver(ev.data)
				}
			}
			resp.Body.Close()
			if ctx.Err() != nil {
				return
			}
			r.log.Debug("remote GET stream closed; reopening", "in", backoff)
		case resp.StatusCode == http.StatusMethodNotAllowed:
			discard(resp)
			r.log.Debug("remote offers no GET stream (HTTP 405)")
			return
		case resp.StatusCode == http.StatusNotFound && sid != "":
			discard(resp)
			r.log.Info("remote session is gone; the next request opens a new one", "sessionID", sid)
			return
		case resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests:
			discard(resp)
			r.log.Debug("remote GET stream failed; retrying", "status", resp.StatusCode, "in", backoff)
		default:
			discard(resp)
			r.log.Debug("remote offers no GET stream", "status", resp.StatusCode)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// reinit opens a new session with the client's initialize params after the
// server forgot session old.
func (r *streamableRemote) reinit(ctx context.Context, old string) error {
	r.reinitMu.Lock()
	defer r.reinitMu.Unlock()
	if r.session() != old {
		return nil // another request did it
	}
	params, ok := r.host.handshake()
	r.mu.Lock()
	r.sessionID = ""
	r.reinits++
	n := r.reinits
	r.mu.Unlock()
	if !ok {
		return nil // the client never initialized: send without a session
	}
	r.log.Info("remote session is gone; opening a new one", "oldSessionID", old)

	id := fmt.Sprintf(`"orca-mcp-proxy-reinit-%d"`, n)
	body := []byte(`{"jsonrpc":"2.0","id":` + id + `,"method":"initialize","params":` + string(params) + `}`)
	f, err := parseFrame(body)
	if err != nil {
		return fmt.Errorf("re-initializing the remote session: %w", err)
	}
	resp, renewed, err := r.post(ctx, f.raw, f, "")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		return newHTTPError(resp, b, renewed)
	}
	sid := resp.Header.Get(headerSessionID)
	if err := readAnswer(resp, id); err != nil {
		return fmt.Errorf("re-initializing the remote session: %w", err)
	}
	r.mu.Lock()
	r.sessionID = sid
	r.mu.Unlock()

	n2 := []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	nf, _ := parseFrame(n2)
	nresp, _, err := r.post(ctx, nf.raw, nf, sid)
	if err != nil {
		return err
	}
	discard(nresp)
	r.listen()
	r.log.Info("opened a new remote session", "sessionID", sid)
	return nil
}

// readAnswer reads the response with id from a JSON or SSE body and returns
// its error, if any.
func readAnswer(resp *http.Response, id string) error {
	check := func(raw []byte) (bool, error) {
		f, err := parseFrame(raw)
		if err != nil {
			return false, err
		}
		for i := range f.msgs {
			if m := &f.msgs[i]; m.Method == "" && m.key() == id {
				if len(m.Error) > 0 {
					return true, fmt.Errorf("remote answered initialize with %s", m.Error)
				}
				return true, nil
			}
		}
		return false, nil
	}
	if mediaType(resp.Header.Get("Content-Type")) == "application/json" {
		body, err := io.ReadAll(io.LimitReader(resp.Body, maxEventBytes))
		if err != nil {
			return err
		}
		if found, err := check(body); found || err != nil {
			return err
		}
		return errNoResponse
	}
	sc := newSSEScanner(resp.Body)
	for {
		ev, err := sc.next()
		if err != nil {
			return errors.Join(errNoResponse, err)
		}
		if ev.isMessage() && len(ev.data) > 0 {
			if found, err := check(ev.data); found || err != nil {
				return err
			}
		}
	}
}

func (r *streamableRemote) close() {
	r.mu.Lock()
	if r.stopListen != nil {
		r.stopListen()
	}
	sid := r.sessionID
	r.mu.Unlock()
	if sid == "" {
		return
	}
	// End the session, best effort; r.ctx is done by now.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.ctx), closeTimeout)
	defer cancel()
	resp, _, err := r.doer.do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodDelete, r.endpoint, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set(headerSessionID, sid)
		if v := r.host.protocolVersion(); v != "" {
			req.Header.Set(headerProtocol, v)
		}
		return req, nil
	})
	if err == nil {
		discard(resp)
	}
}
