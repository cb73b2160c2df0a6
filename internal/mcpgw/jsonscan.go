package mcpgw

import (
	"bytes"
	"encoding/json"
	"strconv"

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
	c := s.b[start]
	if !dupOK && c == '{' {
		return s.unique(start)
	}
	end := jsontext.Skip(s.b, start)
	if !dupOK && c == '[' && end >= 0 && bytes.IndexByte(s.b[start:end], '{') >= 0 {
		return s.unique(start) // (an array with no object inside names nothing twice)
	}
	if end < 0 { // not in valid JSON
		return nil, false
	}
	s.i = end
	return s.b[start:end], true
}

// unique skips the object or array at start as value does, checking that
// no object in it names a member twice.
func (s *jsonScan) unique(start int) ([]byte, bool) {
	s.i = start
	if !s.walk(func([]byte) bool { _, ok := s.value(false); return ok }, false) {
		return nil, false
	}
	return s.b[start:s.i], true
}

// walk walks the members of the object, or the elements of the array, at
// the scanner, calling each with the scanner positioned at the value and
// the member's name (decoded: a slice of the JSON itself unless the name
// needs decoding; nil for an array's element); each must consume the
// value. It stops with false when each does, or (unless dupOK) when an
// object names a member twice. It allocates only to decode a name, and
// to remember more than 8 names.
func (s *jsonScan) walk(each func(name []byte) bool, dupOK bool) bool {
	s.ws()
	object, closer := s.b[s.i] == '{', byte(']')
	if object {
		closer = '}'
	}
	s.i++
	if s.peek() == closer {
		s.i++
		return true
	}
	var seenArr [8][]byte
	seen := seenArr[:0]
	for {
		var name []byte
		if object {
			start, end, after, plain := jsontext.SkipName(s.b, s.i)
			if after < 0 { // not in valid JSON
				return false
			}
			name = s.b[start:end]
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
		}
		if !each(name) {
			return false
		}
		i, closed := jsontext.Next(s.b, s.i, closer)
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
	ok := s.walk(func(name []byte) bool {
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

// plainString is the contents of v, a JSON value, when it is a string
// that reads as it stands (jsontext.SkipString); ok false when v is no
// string, or one that needs decoding.
func plainString(v []byte) (contents []byte, ok bool) {
	if len(v) < 2 || v[0] != '"' {
		return nil, false
	}
	if end, plain := jsontext.SkipString(v, 0); !plain || end != len(v) {
		return nil, false
	}
	return v[1 : len(v)-1], true
}

// plainKey reads a key from v, a JSON value, as cluster.Key's
// UnmarshalJSON does (a string of digits, or a number), with
// cluster.ParseKey's checks but without the string its error keeps; ok
// false when it is no key, or a string that needs decoding (which
// encoding/json may still read as one).
func plainKey(v []byte) (int64, bool) {
	digits, ok := plainString(v)
	if !ok {
		if len(v) > 0 && v[0] == '"' {
			return 0, false
		}
		digits = v
	}
	if len(digits) == 0 || len(digits) > 25 {
		return 0, false
	}
	n, err := strconv.ParseInt(string(digits), 10, 64)
	return n, err == nil
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
