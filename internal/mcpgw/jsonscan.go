package mcpgw

import (
	"encoding/json"

	"github.com/orcabpm/orca/internal/jsontext"
)

// A scanner over JSON already known to be valid (json.Valid): it finds
// where values begin and end without decoding them, so that the lean path
// reads a message's envelope and checks a call's arguments without
// building maps of them. It never judges validity itself.
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

// str skips a string and returns its contents between the quotes, and
// whether they need decoding to be read: an escape, or a byte beyond
// ASCII (which may be invalid UTF-8, read as U+FFFD).
func (s *jsonScan) str() (raw []byte, escaped bool) {
	start := s.i + 1
	for i := start; i < len(s.b); i++ {
		switch c := s.b[i]; {
		case c == '\\':
			escaped = true
			i++
		case c == '"':
			s.i = i + 1
			return s.b[start:i], escaped
		case c >= 0x80:
			escaped = true
		}
	}
	s.i = len(s.b)
	return s.b[start:], escaped
}

// value skips one value and returns its bytes. dupOK false: it reports
// (ok false) an object anywhere inside that names a member twice.
func (s *jsonScan) value(dupOK bool) ([]byte, bool) {
	s.ws()
	start := s.i
	switch s.b[s.i] {
	case '"':
		s.str()
	case '{':
		ok := s.object(func([]byte) bool {
			v := s
			_, ok := v.value(dupOK)
			return ok
		}, dupOK)
		if !ok {
			return nil, false
		}
	case '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			break
		}
		for {
			if _, ok := s.value(dupOK); !ok {
				return nil, false
			}
			if s.peek() == ',' {
				s.i++
				continue
			}
			s.i++ // ]
			break
		}
	default: // a number, true, false or null
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\n', '\r':
				return s.b[start:s.i], true
			}
			s.i++
		}
	}
	return s.b[start:s.i], true
}

// object walks the members of the object at the scanner, calling member
// with each name (decoded: a slice of the JSON itself unless the name
// holds an escape or a byte beyond ASCII) and the scanner positioned at its
// value, which member must consume. It stops with false when member does,
// or (unless dupOK) when a name comes twice. It allocates only to decode a
// name with escapes, and to remember more than 8 names.
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
		s.ws()
		name, escaped := s.str()
		if escaped {
			var decoded string
			if json.Unmarshal(s.b[s.i-len(name)-2:s.i], &decoded) != nil {
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
		s.ws()
		s.i++ // :
		if !member(name) {
			return false
		}
		if s.peek() == ',' {
			s.i++
			continue
		}
		s.i++ // }
		return true
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
