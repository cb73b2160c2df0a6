package mcpclient

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
)

// MaxMessageBytes bounds one message an MCP server sends: one JSON-RPC
// answer (a tool result, a resource, a prompt) or one notification. A larger
// one fails the call with ErrTooLarge instead of filling the memory; the job
// that made the call fails without retries (the same call would bring the
// same answer), so an incident says why.
const MaxMessageBytes = 16 << 20

// ErrTooLarge is wrapped by the error of a call whose answer is larger than
// MaxMessageBytes.
var ErrTooLarge = errors.New("MCP server's message is too large")

// cappedReader fails once one message grows past max bytes. A message ends
// at a newline: stdio and SSE carry one message per line, a JSON answer is
// one body (and counted as one message whatever its newlines when whole is
// set).
type cappedReader struct {
	r     io.ReadCloser
	max   int64
	whole bool  // count the whole stream as one message
	n     int64 // bytes of the current message
	err   error
	cut   *atomic.Int64 // counts messages cut off, if set
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	if c.whole {
		c.n += int64(n)
	} else if i := bytes.LastIndexByte(p[:n], '\n'); i >= 0 {
		c.n = int64(n - i - 1)
	} else {
		c.n += int64(n)
	}
	if c.n > c.max {
		c.err = fmt.Errorf("%w: more than %d bytes (the limit MaxMessageBytes)", ErrTooLarge, c.max)
		if c.cut != nil {
			c.cut.Add(1)
		}
		_ = c.r.Close()
		return 0, c.err
	}
	return n, err
}

func (c *cappedReader) Close() error { return c.r.Close() }

// capTransport caps the bodies of an MCP server's HTTP answers.
type capTransport struct {
	base     http.RoundTripper
	max      int64
	tooLarge *atomic.Int64 // counts answers cut off
}

func (t *capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.Body == nil {
		return resp, err
	}
	whole := !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream")
	if resp.ContentLength > t.max && whole {
		t.tooLarge.Add(1)
		_ = resp.Body.Close()
		return nil, fmt.Errorf("%w: the answer has %d bytes, more than %d (the limit MaxMessageBytes)", ErrTooLarge, resp.ContentLength, t.max)
	}
	resp.Body = &cappedReader{r: resp.Body, max: t.max, whole: whole, cut: t.tooLarge}
	return resp, nil
}
