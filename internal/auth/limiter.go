package auth

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// Failed authentication attempts allowed per client address: a burst of
// failureBurst, then one per failureInterval.
const (
	failureBurst    = 10
	failureInterval = time.Second
	maxClients      = 10_000
)

// failureLimiter counts failed attempts per client address as a token
// bucket: each failure takes a token; a client without tokens is refused
// until one has grown back. Clients that do not fail are never counted.
type failureLimiter struct {
	now func() time.Time

	mu      sync.Mutex
	clients map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newFailureLimiter() *failureLimiter {
	return &failureLimiter{now: time.Now, clients: map[string]*bucket{}}
}

// refill brings b's tokens up to now.
func (b *bucket) refill(now time.Time) {
	b.tokens = min(failureBurst, b.tokens+now.Sub(b.at).Seconds()/failureInterval.Seconds())
	b.at = now
}

// blocked is how long client must wait before its next attempt; zero when
// it may try now.
func (l *failureLimiter) blocked(client string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.clients[client]
	if !ok {
		return 0
	}
	b.refill(l.now())
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(failureInterval))
}

// failed records a failed attempt of client.
func (l *failureLimiter) failed(client string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b, ok := l.clients[client]
	if !ok {
		if len(l.clients) >= maxClients {
			for k, old := range l.clients {
				if old.refill(now); old.tokens >= failureBurst {
					delete(l.clients, k)
				}
			}
			if len(l.clients) >= maxClients {
				clear(l.clients)
			}
		}
		b = &bucket{tokens: failureBurst, at: now}
		l.clients[client] = b
	}
	b.refill(now)
	b.tokens = max(0, b.tokens-1)
}

// clientAddr is the client's IP address (without its port).
func clientAddr(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// errTooManyFailures refuses a client that failed too often.
type errTooManyFailures struct{ retryAfter time.Duration }

func (e *errTooManyFailures) Error() string {
	return "Too many failed authentication attempts from this address; try again later."
}
