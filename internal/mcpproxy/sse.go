package mcpproxy

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
)

// maxEventBytes bounds one server-sent event or JSON body from the remote.
const maxEventBytes = 64 << 20

// sseEvent is one server-sent event.
type sseEvent struct {
	name string // "" means "message"
	id   string
	data []byte
}

func (e *sseEvent) isMessage() bool { return e.name == "" || e.name == "message" }

// sseScanner reads server-sent events (the WHATWG event-stream format).
type sseScanner struct {
	r *bufio.Reader
}

func newSSEScanner(r io.Reader) *sseScanner {
	return &sseScanner{r: bufio.NewReaderSize(r, 32<<10)}
}

var errEventTooLarge = errors.New("server-sent event too large")

// next returns the next event with data or an id. It returns io.EOF at the
// end of the stream; an event cut off by the end is dropped.
func (s *sseScanner) next() (sseEvent, error) {
	var (
		ev      sseEvent
		data    bytes.Buffer
		hasData bool
		hasID   bool
	)
	for {
		line, err := s.readLine()
		if err != nil {
			return sseEvent{}, err
		}
		if len(line) == 0 { // dispatch
			if hasData || hasID {
				ev.data = data.Bytes()
				return ev, nil
			}
			ev = sseEvent{}
			continue
		}
		if line[0] == ':' {
			continue // comment
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			ev.name = string(value)
		case "data":
			if hasData {
				data.WriteByte('\n')
			}
			if data.Len()+len(value) > maxEventBytes {
				return sseEvent{}, errEventTooLarge
			}
			data.Write(value)
			hasData = true
		case "id":
			ev.id = string(value)
			hasID = true
		}
	}
}

// readLine reads one line without its CRLF, LF or CR terminator.
func (s *sseScanner) readLine() ([]byte, error) {
	var line []byte
	for {
		chunk, err := s.r.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > maxEventBytes {
			return nil, errEventTooLarge
		}
		if err == nil {
			break
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err == io.EOF && len(line) > 0 {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = bytes.TrimSuffix(line, []byte("\n"))
	line = bytes.TrimSuffix(line, []byte("\r"))
	return line, nil
}

// mediaType returns the media type of a Content-Type value without parameters.
func mediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}
