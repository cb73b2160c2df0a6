package mcpclient

import (
	"errors"
	"sync"
)

// Pool shares one Client per configuration: a stdio server is started once
// and reused by every call with the same configuration. It is safe for
// concurrent use.
type Pool struct {
	opts Options

	mu      sync.Mutex
	clients map[string]*Client
	closed  bool
}

// NewPool returns an empty pool whose clients use opts.
func NewPool(opts Options) *Pool {
	return &Pool{opts: opts, clients: map[string]*Client{}}
}

// Client returns the pool's client for cfg, creating it (not yet connected)
// on first use. The pool owns it: callers must not Close it.
func (p *Pool) Client(cfg Config) (*Client, error) {
	key := cfg.key()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, ErrClosed
	}
	if c, ok := p.clients[key]; ok {
		return c, nil
	}
	c, err := NewClient(cfg, p.opts)
	if err != nil {
		return nil, err
	}
	p.clients[key] = c
	return c, nil
}

// Len returns the number of clients in the pool.
func (p *Pool) Len() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.clients)
}

// Close closes every client (stopping stdio servers). Later calls to Client
// fail with ErrClosed.
func (p *Pool) Close() error {
	p.mu.Lock()
	clients := p.clients
	p.clients, p.closed = map[string]*Client{}, true
	p.mu.Unlock()
	var wg sync.WaitGroup
	errs := make([]error, 0, len(clients))
	var mu sync.Mutex
	for _, c := range clients {
		wg.Go(func() {
			if err := c.Close(); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
