package mcpgw

import (
	"bytes"
	"encoding/json"

	"github.com/orcabpm/orca/internal/jsontext"
)

// A scanner over JSON already known to be valid (json.Valid): it finds
// where values begin and end without decoding them, so that the lean path
// reads a message's envelope and checks a call's arguments without
// building maps of them. Where a piece ends is jsontext's to say (its
// functions for valid text); what the scanner adds is the walk (callbacks
// for an object's members and an array's elements) and the gateway's rule
// that an object names each member once.
type jsonScan struct {
	b []byte
	i int
}

func (s *jsonScan) ws() {
	s.i = jsontext.Space(s.b, s.i)
}

// peek is the next byte after white space; 0 at the end.
func (s *jsonScan) peek() byte {
	s.ws()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// str skips the string at the scanner and returns its contents between
// the quotes, and whether they need decoding to be read (an escape, or
// invalid UTF-8, read as U+FFFD: jsontext.SkipString).
func (s *jsonScan) str() (raw []byte, escaped bool) {
	start := s.i + 1
	end, plain := jsontext.SkipString(s.b, s.i)
	if end < 0 { // not in valid JSON: the rest, to be decoded (and refused)
		s.i = len(s.b)
		return s.b[min(start, len(s.b)):], true
	}
	s.i = end
	return s.b[start : end-1], !plain
}

// value skips one value and returns its bytes. dupOK false: it reports
// (ok false) an object anywhere inside that names a member twice.
func (s *jsonScan) value(dupOK bool) ([]byte, bool) {
	s.ws()
	start := s.i
	switch c := s.b[start]; {
	case c == '{' && !dupOK:
		if !s.object(func([]byte) bool { _, ok := s.value(false); return ok }, false) {
			return nil, false
		}
	case c == '[' && !dupOK:
		// An array with no object inside names nothing twice: skipped whole.
		if end := jsontext.Skip(s.b, start); end >= 0 && bytes.IndexByte(s.b[start:end], '{') < 0 {
			s.i = end
			break
		}
		if !s.array(func() bool { _, ok := s.value(false); return ok }) {
			return nil, false
		}
	default:
		end := jsontext.Skip(s.b, start)
		if end < 0 { // not in valid JSON
			return nil, false
		}
		s.i = end
	}
	return s.b[start:s.i], true
}

// array walks the elements of the array at the scanner, calling element
// with the scanner positioned at each, which element must consume. It
// stops with false when element does.
func (s *jsonScan) array(element func() bool) bool {
	s.ws()
	s.i++ // [
	if s.peek() == ']' {
		s.i++
		return true
	}
	for {
		if !element() {
			return false
		}
		i, closed := jsontext.Next(s.b, s.i, ']')
		if s.i = i; i < 0 || closed {
			return i >= 0
		}
	}
}

// object walks the members of the object at the scanner, calling member
// with each name (decoded: a slice of the JSON itself unless the name
// needs decoding) and the scanner positioned at its value, which member
// must consume. It stops with false when member does, or (unless dupOK)
// when a name comes twice. It allocates only to decode a name, and to
// remember more than 8 names.
func (s *jsonScan) object(member func(name []byte) bool, dupOK bool) bool {
	s.ws()
	s.i++ // {
	var seenArr [8][]byte
	seen := seenArr[:0]
	if s.peek() == '}' {
		s.i++
		return true
	}
	for {
		start, end, after, plain := jsontext.SkipName(s.b, s.i)
		if after < 0 { // not in valid JSON
			return false
		}
		name := s.b[start:end]
		if !plain {
			var decoded string
			if json.Unmarshal(s.b[start-1:end+1], &decoded) != nil {
				return false
			}
			name = []byte(decoded)
		}
		if !dupOK {
			for _, n := range seen {
				if string(n) == string(name) {
					return false
				}
			}
			seen = append(seen, name)
		}
		s.i = after
		if !member(name) {
			return false
		}
		i, closed := jsontext.Next(s.b, s.i, '}')
		if s.i = i; i < 0 || closed {
			return i >= 0
		}
	}
}

// member is one member of an object: its name, decoded, and its value.
type member struct {
	name  []byte
	value json.RawMessage
}

// objectMembers reads the members of a valid JSON object (and nothing
// after it but white space), in order; false when data is no object or
// names a member twice. At most max members are read: more is false.
func objectMembers(data []byte, dst []member, max int) ([]member, bool) {
	s := &jsonScan{b: data}
	if s.peek() != '{' {
		return nil, false
	}
	ok := s.object(func(name []byte) bool {
		v := s
		if len(dst) == max {
			return false
		}
		val, ok := v.value(true)
		dst = append(dst, member{name, val})
		return ok
	}, false)
	if !ok || s.peek() != 0 {
		return nil, false
	}
	return dst, true
}

// get is the value of the member named name; nil when there is none.
func get(ms []member, name string) json.RawMessage {
	for _, m := range ms {
		if string(m.name) == name {
			return m.value
		}
	}
	return nil
}

// validJSON tells whether data is valid JSON, exactly as json.Valid
// judges it, that nests objects and arrays at most maxDepth deep (as go-sdk
// counts them): the lean path's check of a message, in one pass and
// without the standard scanner's call per byte.
func validJSON(data []byte, maxDepth int) bool {
	return jsontext.Valid(data, maxDepth)
}

// stdMaxDepth is the deepest nesting json.Valid accepts:
// validJSON(data, stdMaxDepth) is json.Valid(data).
const stdMaxDepth = jsontext.StdMaxDepth
