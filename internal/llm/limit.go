package llm

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxAnswerBytes bounds the body of one answer from a model's API. A larger
// answer fails the call with an Error of kind KindInvalidResponse that is not
// retryable (the same request would bring the same answer) and names the
// limit, after reading about MaxAnswerBytes, never the whole answer.
const MaxAnswerBytes = 16 << 20

// ErrAnswerTooLarge is the cause of the Error of a call whose answer was
// larger than MaxAnswerBytes.
var ErrAnswerTooLarge = fmt.Errorf("the model's answer is larger than %d bytes (the limit MaxAnswerBytes)", MaxAnswerBytes)

// cappedClient returns a copy of c whose answers' bodies fail with
// ErrAnswerTooLarge past max bytes.
func cappedClient(c *http.Client, max int64) *http.Client {
	cc := *c
	base := c.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	cc.Transport = &capTransport{base: base, max: max}
	return &cc
}

type capTransport struct {
	base http.RoundTripper
	max  int64
}

func (t *capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	if resp.ContentLength > t.max {
		_ = resp.Body.Close()
		return nil, ErrAnswerTooLarge
	}
	resp.Body = &cappedBody{r: resp.Body, left: t.max}
	return resp, nil
}

type cappedBody struct {
	r    io.ReadCloser
	left int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, ErrAnswerTooLarge
	}
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return 0, ErrAnswerTooLarge
	}
	return n, err
}

func (b *cappedBody) Close() error { return b.r.Close() }

// tooLarge is the Error of a call cut off by MaxAnswerBytes.
func tooLarge(provider string, err error) (*Error, bool) {
	if !errors.Is(err, ErrAnswerTooLarge) {
		return nil, false
	}
	return &Error{Provider: provider, Kind: KindInvalidResponse, Message: ErrAnswerTooLarge.Error(), cause: ErrAnswerTooLarge}, true
}
