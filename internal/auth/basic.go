package auth

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"

	"golang.org/x/crypto/bcrypt"
)

// basicAuth checks HTTP Basic credentials against bcrypt hashes. bcrypt is
// slow by design, so credentials that verified are remembered (as a
// SHA-256 digest, in memory, bounded) to keep repeated requests cheap.
type basicAuth struct {
	hashes map[string][]byte // username → bcrypt hash
	// dummy is compared against for unknown users: a hash of the highest
	// cost among the users', so that an unknown user takes as long as a
	// wrong password and the time does not tell which users exist.
	dummy []byte
	// failures limits failed attempts per client address.
	failures *failureLimiter

	mu       sync.Mutex
	verified map[[32]byte]string // digest of user and password → username
}

const maxVerified = 1024

func isBcrypt(s string) bool {
	return strings.HasPrefix(s, "$2a$") || strings.HasPrefix(s, "$2b$") || strings.HasPrefix(s, "$2y$")
}

func newBasic(users []User) (*basicAuth, error) {
	if len(users) == 0 {
		return nil, errors.New("basic authentication needs at least one user (camunda.security.initialization.users)")
	}
	b := &basicAuth{hashes: map[string][]byte{}, verified: map[[32]byte]string{}, failures: newFailureLimiter()}
	for _, u := range users {
		if u.Username == "" || u.Password == "" {
			return nil, fmt.Errorf("basic authentication: user %q needs a username and a password", u.Username)
		}
		if _, dup := b.hashes[u.Username]; dup {
			return nil, fmt.Errorf("basic authentication: user %q is configured twice", u.Username)
		}
		if isBcrypt(u.Password) {
			if _, err := bcrypt.Cost([]byte(u.Password)); err != nil {
				return nil, fmt.Errorf("basic authentication: the password hash of %q: %w", u.Username, err)
			}
			b.hashes[u.Username] = []byte(u.Password)
			continue
		}
		h, err := bcrypt.GenerateFromPassword([]byte(u.Password), bcrypt.DefaultCost)
		if err != nil {
			return nil, fmt.Errorf("basic authentication: hash the password of %q: %w", u.Username, err)
		}
		b.hashes[u.Username] = h
	}
	cost := bcrypt.MinCost
	for _, h := range b.hashes {
		if c, err := bcrypt.Cost(h); err == nil && c > cost {
			cost = c
		}
	}
	dummy, err := bcrypt.GenerateFromPassword([]byte("orca-no-such-user"), cost)
	if err != nil {
		return nil, fmt.Errorf("basic authentication: %w", err)
	}
	b.dummy = dummy
	return b, nil
}

func (b *basicAuth) authenticate(r *http.Request) (Principal, error) {
	user, pass, ok := r.BasicAuth()
	if !ok {
		return Principal{}, &errUnauthorized{reason: "No credentials: this API needs HTTP Basic authentication."}
	}
	digest := sha256.Sum256([]byte(user + "\x00" + pass))
	b.mu.Lock()
	known, hit := b.verified[digest]
	b.mu.Unlock()
	if hit && subtle.ConstantTimeCompare([]byte(known), []byte(user)) == 1 {
		return Principal{Name: user, Method: MethodBasic}, nil
	}
	// Credentials not verified before cost a bcrypt comparison: a client
	// that keeps failing is refused before it, so it cannot take the CPU
	// that everyone else's requests need.
	client := clientAddr(r)
	if wait := b.failures.blocked(client); wait > 0 {
		return Principal{}, &errTooManyFailures{retryAfter: wait}
	}
	hash, exists := b.hashes[user]
	if !exists {
		hash = b.dummy
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(pass)) != nil || !exists {
		b.failures.failed(client)
		return Principal{}, &errUnauthorized{reason: "Invalid username or password."}
	}
	b.mu.Lock()
	if len(b.verified) >= maxVerified {
		clear(b.verified)
	}
	b.verified[digest] = user
	b.mu.Unlock()
	return Principal{Name: user, Method: MethodBasic}, nil
}
