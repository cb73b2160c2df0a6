package mcpproxy

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"
)

const (
	// notifyTimeout bounds forwarding one notification or response.
	notifyTimeout = 30 * time.Second
	// drainTimeout bounds how long the proxy waits, after stdin closed, for
	// the answers to requests still in flight.
	drainTimeout = 5 * time.Second
)

// A remote is a transport to the remote MCP server.
type remote interface {
	// send forwards f. Messages the remote sends back are passed to the
	// host's deliver, during send or, for the legacy SSE transport, later.
	// An error means the frame's requests will get no answer from the remote.
	send(ctx context.Context, f *frame) error
	// close ends the remote session, if any, and stops background streams.
	close()
}

// host is what a remote needs from the proxy.
type host interface {
	// deliver passes a message (or batch) from the remote on to the client.
	deliver(raw []byte)
	// pending reports whether the request with key still awaits its answer.
	pending(key string) bool
	// fail answers the pending requests among keys with err.
	fail(keys []string, err error)
	// protocolVersion returns the protocol version the client negotiated with
	// initialize, if it did.
	protocolVersion() string
	// handshake returns the client's initialize params, to open a new remote
	// session when the old one is gone; ok is false if the client did not
	// initialize.
	handshake() (params json.RawMessage, ok bool)
}

// Proxy forwards MCP messages between a stdio client and a remote server.
type Proxy struct {
	cfg      Config
	endpoint string
	log      *slog.Logger
	doer     *httpDoer
	out      lineWriter

	mu         sync.Mutex
	calls      map[string]*call // requests awaiting their answer, by key
	initKey    string           // the client's initialize request in flight
	initParams json.RawMessage
	version    string        // negotiated protocol version
	emptied    chan struct{} // signalled when calls becomes empty
}

// call is a forwarded request awaiting its answer. The requests of one batch
// share a group, which ends (cancelling the HTTP request) with the last one.
type call struct {
	id    json.RawMessage
	group *callGroup
}

type callGroup struct {
	cancel    context.CancelFunc
	remaining int
}

// New checks cfg and returns a proxy for it.
func New(cfg Config) (*Proxy, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	endpoint, err := cfg.Endpoint()
	if err != nil {
		return nil, err
	}
	client := cfg.HTTPClient
	if client == nil {
		client = newHTTPClient()
	}
	return &Proxy{
		cfg:      cfg,
		endpoint: endpoint,
		log:      cfg.Logger,
		doer:     &httpDoer{client: client, auth: newAuthenticator(&cfg, client)},
		calls:    make(map[string]*call),
		emptied:  make(chan struct{}, 1),
	}, nil
}

// Endpoint returns the remote MCP endpoint the proxy forwards to.
func (p *Proxy) Endpoint() string { return p.endpoint }

func newHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   10 * time.Second,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		ExpectContinueTimeout: time.Second,
	}}
}

func (p *Proxy) newRemote(ctx context.Context) remote {
	s := &streamableRemote{endpoint: p.endpoint, doer: p.doer, host: p, log: p.log, ctx: ctx}
	e := &sseRemote{endpoint: p.endpoint, doer: p.doer, host: p, log: p.log, ctx: ctx}
	switch p.cfg.Transport {
	case TransportStreamable:
		return s
	case TransportSSE:
		return e
	default:
		return &autoRemote{streamable: s, sse: e, log: p.log}
	}
}

// Run serves one client: it reads messages from stdin, one per line, until
// stdin ends or ctx is cancelled, and writes messages to stdout, one per line.
// It returns nil at the end of stdin and an error only if stdin or stdout
// fail. A Proxy runs once.
func (p *Proxy) Run(ctx context.Context, stdin io.Reader, stdout io.Writer) error {
	p.out.w = stdout
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rem := p.newRemote(ctx)
	defer rem.close()

	p.log.Info("MCP proxy started", "remote", p.endpoint, "transport", string(p.cfg.Transport),
		"auth", string(p.cfg.authMode()))

	lines := make(chan []byte)
	readErr := make(chan error, 1)
	go func() {
		// Reads of stdin cannot be interrupted, so this goroutine may outlive
		// Run when ctx is cancelled; it ends with stdin.
		r := bufio.NewReaderSize(stdin, 64<<10)
		for {
			line, err := r.ReadBytes('\n')
			if len(line) > 0 {
				select {
				case lines <- line:
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				if errors.Is(err, io.EOF) {
					err = nil
				}
				readErr <- err
				return
			}
		}
	}()

	var inflight sync.WaitGroup
	defer inflight.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			if err != nil {
				return fmt.Errorf("reading stdin: %w", err)
			}
			p.log.Info("stdin closed; exiting")
			p.drain(&inflight)
			return p.out.failure()
		case line := <-lines:
			p.handle(ctx, rem, line, &inflight)
			if err := p.out.failure(); err != nil {
				return err
			}
		}
	}
}

// drain waits a little for the answers to requests still in flight (which
// over legacy SSE arrive after their POST), then abandons them.
func (p *Proxy) drain(inflight *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { inflight.Wait(); close(done) }()
	timeout := time.After(drainTimeout)
	for waiting := true; waiting; {
		p.mu.Lock()
		idle := len(p.calls) == 0
		p.mu.Unlock()
		if idle {
			select {
			case <-done:
				waiting = false
				continue
			case <-timeout:
			}
		} else {
			select {
			case <-p.emptied:
				continue
			case <-timeout:
			}
		}
		p.log.Warn("abandoning requests still in flight")
		waiting = false
	}
	p.mu.Lock()
	for key, c := range p.calls {
		delete(p.calls, key)
		c.group.cancel()
	}
	p.mu.Unlock()
}

// handle forwards one line from the client.
func (p *Proxy) handle(ctx context.Context, rem remote, line []byte, inflight *sync.WaitGroup) {
	if len(bytes.TrimSpace(line)) == 0 {
		return
	}
	f, err := parseFrame(line)
	if err != nil {
		p.log.Warn("client sent a message that is not JSON-RPC", "error", err)
		p.out.write(errorResponse(nil, &rpcError{Code: CodeParseError, Message: "parse error: " + err.Error()}))
		return
	}
	for i := range f.msgs {
		m := &f.msgs[i]
		switch {
		case m.Method == methodInitialize && m.isRequest():
			p.mu.Lock()
			p.initKey, p.initParams = m.key(), m.Params
			p.mu.Unlock()
		case m.Method == notifyCancelled:
			p.cancelled(m.Params)
		}
	}

	keys := f.requestKeys()
	if len(keys) == 0 {
		// Notifications and responses are quick (202) and their order
		// matters (initialized before the next request): send them in line.
		nctx, cancel := context.WithTimeout(ctx, notifyTimeout)
		defer cancel()
		if err := rem.send(nctx, f); err != nil {
			p.log.Warn("could not forward a message to the remote MCP server",
				"method", f.msgs[0].Method, "error", err)
		}
		return
	}

	var callCtx context.Context
	var cancel context.CancelFunc
	if p.cfg.RequestTimeout > 0 {
		callCtx, cancel = context.WithTimeout(ctx, p.cfg.RequestTimeout)
	} else {
		callCtx, cancel = context.WithCancel(ctx)
	}
	if !p.register(f, keys, cancel) {
		cancel()
		return
	}
	// Answer with a timeout error as soon as the deadline passes, even if the
	// response would come later on a legacy SSE stream.
	context.AfterFunc(callCtx, func() {
		if errors.Is(callCtx.Err(), context.DeadlineExceeded) {
			p.fail(keys, context.DeadlineExceeded)
		}
	})
	inflight.Add(1)
	go func() {
		defer inflight.Done()
		if err := rem.send(callCtx, f); err != nil {
			if ctx.Err() != nil {
				return // shutting down: nobody waits for the answer
			}
			p.log.Debug("request failed", "method", f.msgs[0].Method, "error", err)
			p.fail(keys, err)
		}
	}()
}

// register records the requests of f as pending. A request whose id is
// already pending is answered with an error and the frame is dropped.
func (p *Proxy) register(f *frame, keys []string, cancel context.CancelFunc) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := range f.msgs {
		m := &f.msgs[i]
		if m.isRequest() && p.calls[m.key()] != nil {
			p.out.write(errorResponse(m.ID, &rpcError{Code: CodeInvalidRequest,
				Message: "a request with id " + m.key() + " is already in flight"}))
			return false
		}
	}
	g := &callGroup{cancel: cancel, remaining: len(keys)}
	for i := range f.msgs {
		if m := &f.msgs[i]; m.isRequest() {
			p.calls[m.key()] = &call{id: m.ID, group: g}
		}
	}
	return true
}

// completeLocked removes the pending request key and reports whether it was
// pending.
func (p *Proxy) completeLocked(key string) (*call, bool) {
	c := p.calls[key]
	if c == nil {
		return nil, false
	}
	delete(p.calls, key)
	if len(p.calls) == 0 {
		select {
		case p.emptied <- struct{}{}:
		default:
		}
	}
	c.group.remaining--
	if c.group.remaining == 0 {
		c.group.cancel()
	}
	return c, true
}

// cancelled handles the client's notifications/cancelled: the request gets
// no answer (the client ignores any), and its HTTP request is aborted, which
// is how a stateless remote learns of the cancellation.
func (p *Proxy) cancelled(params json.RawMessage) {
	var cp struct {
		RequestID json.RawMessage `json:"requestId"`
	}
	if json.Unmarshal(params, &cp) != nil || len(cp.RequestID) == 0 {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.completeLocked(string(cp.RequestID)); ok {
		p.log.Debug("client cancelled a request", "id", string(cp.RequestID))
	}
}

func (p *Proxy) pending(key string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[key] != nil
}

func (p *Proxy) fail(keys []string, err error) {
	var ids []json.RawMessage
	p.mu.Lock()
	for _, key := range keys {
		if c, ok := p.completeLocked(key); ok {
			ids = append(ids, c.id)
		}
	}
	p.mu.Unlock()
	if len(ids) == 0 {
		return
	}
	rerr := toRPCError(err, p.endpoint, p.cfg.RequestTimeout, p.doer.auth)
	p.log.Warn("answering the client with an error", "error", rerr.Message)
	for _, id := range ids {
		p.out.write(errorResponse(id, rerr))
	}
}

func (p *Proxy) protocolVersion() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.version
}

func (p *Proxy) handshake() (json.RawMessage, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.initParams, p.initParams != nil
}

// deliver writes what the remote sent to the client. Responses to requests
// that are no longer pending (cancelled, timed out, answered already, or the
// proxy's own) are dropped, so the client gets exactly one answer per request.
func (p *Proxy) deliver(raw []byte) {
	f, err := parseFrame(raw)
	if err != nil {
		p.log.Warn("remote sent a message that is not JSON-RPC; dropping it", "error", err)
		return
	}
	keep := make([]json.RawMessage, 0, len(f.msgs))
	p.mu.Lock()
	for i := range f.msgs {
		m := &f.msgs[i]
		if m.Method == "" { // a response
			if !m.hasID() {
				p.log.Warn("remote sent an error without an id; dropping it", "error", string(m.Error))
				continue
			}
			if _, ok := p.completeLocked(m.key()); !ok {
				p.log.Debug("dropping a response to no pending request", "id", m.key())
				continue
			}
			if m.key() == p.initKey {
				var res struct {
					ProtocolVersion string `json:"protocolVersion"`
				}
				if json.Unmarshal(m.Result, &res) == nil && res.ProtocolVersion != "" {
					p.version = res.ProtocolVersion
					p.log.Info("client initialized the remote session", "protocolVersion", res.ProtocolVersion)
				}
				p.initKey = ""
			}
		}
		keep = append(keep, f.elems[i])
	}
	p.mu.Unlock()
	switch {
	case len(keep) == 0:
	case !f.batch:
		p.out.write(f.raw)
	default:
		p.out.write(joinBatch(keep))
	}
}

// lineWriter writes messages to the client, one per line.
type lineWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error
}

func (w *lineWriter) write(msg []byte) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.err != nil {
		return
	}
	buf := make([]byte, 0, len(msg)+1)
	buf = append(append(buf, msg...), '\n')
	if _, err := w.w.Write(buf); err != nil {
		w.err = fmt.Errorf("writing stdout: %w", err)
	}
}

func (w *lineWriter) failure() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// joinBatch writes a batch's elements as they came: json.Marshal would
// escape <, > and & in them again.
func joinBatch(elems []json.RawMessage) []byte {
	b := []byte{'['}
	for i, m := range elems {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, m...)
	}
	return append(b, ']')
}
