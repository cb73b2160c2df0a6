package mcpproxy

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
)

// sseRemote speaks the HTTP+SSE transport of protocol version 2024-11-05: a
// GET opens an event stream whose first event, "endpoint", names the URL to
// POST messages to; everything the server sends arrives on the stream.
type sseRemote struct {
	endpoint string
	doer     *httpDoer
	host     host
	log      *slog.Logger
	ctx      context.Context // the proxy's lifetime

	connectMu sync.Mutex // one connection attempt at a time

	mu        sync.Mutex
	conn      *sseConn
	connected bool                   // a stream was open before
	waiters   map[string]chan []byte // the proxy's own requests, by key
	replays   int
}

// sseConn is one open event stream.
type sseConn struct {
	postURL string
	cancel  context.CancelFunc

	mu   sync.Mutex
	sent map[string]struct{} // requests sent on this stream, by key
	done bool
}

// track records that the requests keys were sent on c; it reports false if
// the stream has closed already.
func (c *sseConn) track(keys []string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	for _, k := range keys {
		c.sent[k] = struct{}{}
	}
	return true
}

func (r *sseRemote) current() *sseConn {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.conn
}

// connect returns the open stream, opening one if needed; fresh reports
// whether it replaced a stream that had closed.
func (r *sseRemote) connect(ctx context.Context) (c *sseConn, fresh bool, err error) {
	r.connectMu.Lock()
	defer r.connectMu.Unlock()
	if c := r.current(); c != nil {
		return c, false, nil
	}
	sctx, cancel := context.WithCancel(r.ctx)
	stop := context.AfterFunc(ctx, cancel) // give up if the caller does, until the endpoint arrives
	defer stop()
	resp, renewed, err := r.doer.do(sctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.endpoint, nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "text/event-stream")
		return req, nil
	})
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, false, ctx.Err()
		}
		return nil, false, err
	}
	if resp.StatusCode != http.StatusOK || mediaType(resp.Header.Get("Content-Type")) != "text/event-stream" {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		cancel()
		he := newHTTPError(resp, body, renewed)
		if resp.StatusCode == http.StatusOK {
			he.detail = "the SSE endpoint did not answer with an event stream"
		}
		return nil, false, he
	}
	sc := newSSEScanner(resp.Body)
	var postURL string
	for postURL == "" {
		ev, err := sc.next()
		if err != nil {
			resp.Body.Close()
			cancel()
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			return nil, false, &unreachableError{url: r.endpoint, err: fmt.Errorf("the SSE stream ended before its endpoint event: %w", err)}
		}
		if ev.name != "endpoint" {
			continue
		}
		u, err := resp.Request.URL.Parse(string(bytes.TrimSpace(ev.data)))
		if err != nil {
			resp.Body.Close()
			cancel()
			return nil, false, fmt.Errorf("the SSE endpoint event names a bad URL: %w", err)
		}
		postURL = u.String()
	}
	c = &sseConn{postURL: postURL, cancel: cancel, sent: make(map[string]struct{})}
	r.mu.Lock()
	fresh = r.connected
	r.connected = true
	r.conn = c
	r.mu.Unlock()
	r.log.Debug("legacy SSE stream open", "postURL", redact(postURL))
	go r.readLoop(c, sc, resp.Body)
	return c, fresh, nil
}

// readLoop passes on the messages of stream c until it closes, then fails
// the requests sent on it that are still unanswered.
func (r *sseRemote) readLoop(c *sseConn, sc *sseScanner, body io.Closer) {
	defer body.Close()
	for {
		ev, err := sc.next()
		if err != nil {
			break
		}
		if !ev.isMessage() || len(ev.data) == 0 {
			continue
		}
		if r.toWaiter(ev.data) {
			continue
		}
		r.host.deliver(ev.data)
	}
	c.cancel()
	r.mu.Lock()
	if r.conn == c {
		r.conn = nil
	}
	r.mu.Unlock()
	c.mu.Lock()
	c.done = true
	keys := make([]string, 0, len(c.sent))
	for k := range c.sent {
		keys = append(keys, k)
	}
	c.mu.Unlock()
	if r.ctx.Err() == nil {
		r.log.Warn("the remote's SSE stream closed; reconnecting with the next message")
		r.host.fail(keys, errStreamLost)
	}
}

// toWaiter hands a response to one of the proxy's own requests to its waiter.
func (r *sseRemote) toWaiter(raw []byte) bool {
	f, err := parseFrame(raw)
	if err != nil {
		return false
	}
	m, ok := f.single()
	if !ok || m.Method != "" {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ch, ok := r.waiters[m.key()]
	if ok {
		delete(r.waiters, m.key())
		ch <- f.raw
	}
	return ok
}

func (r *sseRemote) send(ctx context.Context, f *frame) error {
	keys := f.requestKeys()
	for attempt := 0; ; attempt++ {
		c, fresh, err := r.connect(ctx)
		if err != nil {
			return err
		}
		if fresh && !f.has(methodInitialize) {
			if err := r.replay(ctx, c); err != nil {
				c.cancel()
				return err
			}
		}
		if !c.track(keys) {
			continue // closed meanwhile: connect again
		}
		resp, renewed, err := r.post(ctx, c, f.raw)
		if err != nil {
			return err
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			discard(resp)
			return nil
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		if resp.StatusCode == http.StatusNotFound && attempt == 0 {
			// The server forgot the session: drop the stream and open another.
			r.log.Info("remote SSE session is gone; reconnecting")
			c.cancel()
			r.mu.Lock()
			if r.conn == c {
				r.conn = nil
			}
			r.mu.Unlock()
			continue
		}
		return newHTTPError(resp, body, renewed)
	}
}

func (r *sseRemote) post(ctx context.Context, c *sseConn, body []byte) (*http.Response, bool, error) {
	return r.doer.do(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.postURL, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		return req, nil
	})
}

// replay initializes the session of a new stream as the client initialized
// the one that closed.
func (r *sseRemote) replay(ctx context.Context, c *sseConn) error {
	params, ok := r.host.handshake()
	if !ok {
		return nil
	}
	r.mu.Lock()
	r.replays++
	key := fmt.Sprintf(`"orca-mcp-proxy-reinit-%d"`, r.replays)
	ch := make(chan []byte, 1)
	if r.waiters == nil {
		r.waiters = make(map[string]chan []byte)
	}
	r.waiters[key] = ch
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.waiters, key)
		r.mu.Unlock()
	}()

	r.log.Info("re-initializing the remote SSE session")
	body := []byte(`{"jsonrpc":"2.0","id":` + key + `,"method":"initialize","params":` + string(params) + `}`)
	resp, renewed, err := r.post(ctx, c, body)
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode >= 300 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		return newHTTPError(resp, b, renewed)
	}
	discard(resp)
	select {
	case raw := <-ch:
		f, err := parseFrame(raw)
		if err != nil {
			return err
		}
		if len(f.msgs[0].Error) > 0 {
			return fmt.Errorf("remote answered initialize with %s", f.msgs[0].Error)
		}
	case <-ctx.Done():
		return ctx.Err()
	}
	resp, _, err = r.post(ctx, c, []byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	if err != nil {
		return err
	}
	discard(resp)
	return nil
}

func (r *sseRemote) close() {
	if c := r.current(); c != nil {
		c.cancel()
	}
}

// redact hides the query of a URL, which may carry a session id.
func redact(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	if u.RawQuery != "" {
		u.RawQuery = "..."
	}
	return u.String()
}

// autoRemote starts with Streamable HTTP and switches to legacy SSE for good
// if the server answers the first POST with 400, 404 or 405 and a GET opens
// an SSE stream with an endpoint event.
type autoRemote struct {
	streamable *streamableRemote
	sse        *sseRemote
	log        *slog.Logger

	mu     sync.Mutex
	chosen remote
}

func (a *autoRemote) send(ctx context.Context, f *frame) error {
	a.mu.Lock()
	chosen := a.chosen
	a.mu.Unlock()
	if chosen != nil {
		return chosen.send(ctx, f)
	}
	err := a.streamable.send(ctx, f)
	var he *httpError
	switch {
	case err == nil:
		a.choose(a.streamable, "streamable")
		return nil
	case errors.As(err, &he) && !he.jsonrpc &&
		(he.status == http.StatusBadRequest || he.status == http.StatusNotFound || he.status == http.StatusMethodNotAllowed):
		a.log.Debug("remote refused a Streamable HTTP POST; trying legacy SSE", "status", he.status)
		if _, _, serr := a.sse.connect(ctx); serr != nil {
			a.log.Debug("remote does not speak legacy SSE either", "error", serr)
			return err
		}
		a.choose(a.sse, "sse")
		return a.sse.send(ctx, f)
	default:
		return err
	}
}

func (a *autoRemote) choose(r remote, name string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.chosen == nil {
		a.chosen = r
		a.log.Info("transport to the remote chosen", "transport", name)
	}
}

func (a *autoRemote) close() {
	a.streamable.close()
	a.sse.close()
}
