package llm

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrorKind classifies a failed call.
type ErrorKind string

// The kinds of failure.
const (
	// KindInvalidRequest: the vendor rejected the request (400, 404, 422, other 4xx).
	KindInvalidRequest ErrorKind = "invalid_request"
	// KindAuth: the key or token was rejected (401, 403).
	KindAuth ErrorKind = "auth"
	// KindRateLimit: too many requests (429). Retryable.
	KindRateLimit ErrorKind = "rate_limit"
	// KindServer: the vendor failed (5xx, Anthropic's 529 overloaded) or
	// asked to retry (408, 409). Retryable.
	KindServer ErrorKind = "server"
	// KindTimeout: no answer in time. Retryable.
	KindTimeout ErrorKind = "timeout"
	// KindNetwork: the vendor could not be reached. Retryable.
	KindNetwork ErrorKind = "network"
	// KindCanceled: the caller cancelled the context.
	KindCanceled ErrorKind = "canceled"
	// KindInvalidResponse: the answer could not be understood.
	KindInvalidResponse ErrorKind = "invalid_response"
	// KindUnsupported: the request uses something this vendor cannot carry
	// (an image in an OpenAI tool result, ...), or the adapter is misconfigured.
	KindUnsupported ErrorKind = "unsupported"
)

// Error is the error of every adapter. Its message never contains the API key
// or other configured secrets (header and query values).
type Error struct {
	// Provider is "openai", "azure-openai", "openai-compatible" or "anthropic".
	Provider string
	Kind     ErrorKind
	// StatusCode is the HTTP status, 0 when there was no HTTP answer.
	StatusCode int
	// Type is the vendor's error type or code ("rate_limit_error",
	// "invalid_api_key", ...), when it gave one.
	Type string
	// Message is the vendor's error message or the cause, with secrets removed.
	Message string
	// Retryable says whether the same request may succeed later.
	Retryable bool
	// RetryAfter is the wait the vendor asked for (Retry-After,
	// retry-after-ms), zero when it gave none.
	RetryAfter time.Duration

	cause error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Provider)
	b.WriteString(": ")
	if e.StatusCode != 0 {
		fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	} else {
		b.WriteString(string(e.Kind))
	}
	if e.Type != "" {
		fmt.Fprintf(&b, " (%s)", e.Type)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	return b.String()
}

// Unwrap returns the cause with secrets out of reach: context.DeadlineExceeded,
// context.Canceled or a network error (never the SDK's error, whose text may
// carry the request URL and the raw body).
func (e *Error) Unwrap() error { return e.cause }

// Retryable reports whether err is worth retrying and the wait the vendor
// asked for (zero when it gave none).
func Retryable(err error) (retry bool, after time.Duration) {
	var e *Error
	if errors.As(err, &e) {
		return e.Retryable, e.RetryAfter
	}
	return false, 0
}

// redactor removes configured secrets from text.
type redactor []string

func newRedactor(secrets ...string) redactor {
	var r redactor
	for _, s := range secrets {
		if strings.TrimSpace(s) != "" {
			r = append(r, s)
		}
	}
	return r
}

func (r redactor) with(secrets ...string) redactor {
	return append(append(redactor(nil), r...), newRedactor(secrets...)...)
}

func (r redactor) apply(s string) string {
	for _, secret := range r {
		s = strings.ReplaceAll(s, secret, "[REDACTED]")
	}
	return s
}

// statusError builds the Error of an HTTP error answer.
func statusError(provider string, status int, header http.Header, vendorType, vendorMessage string, red redactor) *Error {
	e := &Error{
		Provider:   provider,
		StatusCode: status,
		Type:       red.apply(vendorType),
		Message:    red.apply(vendorMessage),
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = KindAuth
	case status == http.StatusTooManyRequests:
		e.Kind, e.Retryable = KindRateLimit, true
	case status == http.StatusRequestTimeout || status == http.StatusConflict || status >= 500:
		e.Kind, e.Retryable = KindServer, true
	default:
		e.Kind = KindInvalidRequest
	}
	if e.Retryable {
		e.RetryAfter = retryAfter(header, time.Now())
	}
	return e
}

// transportError builds the Error of a call that got no HTTP answer.
func transportError(ctx context.Context, provider string, err error, red redactor) *Error {
	if e, ok := tooLarge(provider, err); ok {
		return e
	}
	e := &Error{Provider: provider}
	var urlErr *url.Error
	var netErr net.Error
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		e.Kind, e.Retryable, e.cause = KindTimeout, true, context.DeadlineExceeded
	case ctx.Err() != nil:
		e.Kind, e.cause = KindCanceled, context.Canceled
	case errors.As(err, &netErr) && netErr.Timeout():
		e.Kind, e.Retryable, e.cause = KindTimeout, true, context.DeadlineExceeded
	case errors.As(err, &urlErr):
		// The url.Error text names the URL, which may carry a key in its
		// query; keep only what went wrong.
		e.Kind, e.Retryable, e.cause = KindNetwork, true, urlErr.Err
	default:
		e.Kind = KindUnsupported
	}
	if e.cause != nil {
		e.Message = red.apply(e.cause.Error())
	} else {
		e.Message = red.apply(err.Error())
	}
	return e
}

// retryAfter reads retry-after-ms (OpenAI) or Retry-After (seconds or an HTTP
// date).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}
