package jsontext

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Decode decodes the first JSON value in s as encoding/json's Decoder with
// UseNumber does: objects as map[string]any, arrays as []any, numbers as
// json.Number (their text: no precision lost), strings, booleans and nil
// for null; nil when s begins with no valid value (what follows the first
// value is not read, as a Decoder does not).
//
// It decodes compact, plain JSON (as the engine stores variables) itself,
// allocating only the maps and slices it returns, and hands to encoding/json
// what it would not decode exactly as encoding/json does: strings with
// escapes or invalid UTF-8, nesting deeper than 100, anything after the
// value, anything malformed.
func Decode(s string) any {
	if v, i := decode(s, 0, 0); i >= 0 && Space(s, i) == len(s) {
		return v
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	return v
}

// maxDecodeDepth bounds the nesting decode follows (encoding/json's limit
// is StdMaxDepth).
const maxDecodeDepth = 100

// decode reads the value after white space from s[i] on, inside depth
// objects and arrays: the value and the index after it; -1 for what it
// leaves to encoding/json.
func decode(s string, i, depth int) (any, int) {
	if i = Space(s, i); i >= len(s) {
		return nil, -1
	}
	switch c := s[i]; c {
	case '{', '[':
		if depth++; depth > maxDecodeDepth {
			return nil, -1
		}
		if c == '{' {
			return decodeObject(s, i, depth)
		}
		return decodeArray(s, i, depth)
	case '"':
		end, escaped := String(s, i)
		if end < 0 || escaped || !utf8.ValidString(s[i+1:end-1]) {
			return nil, -1
		}
		return s[i+1 : end-1], end
	case 't':
		return true, Literal(s, i, "true")
	case 'f':
		return false, Literal(s, i, "false")
	case 'n':
		return nil, Literal(s, i, "null")
	default:
		end := Number(s, i)
		if end < 0 {
			return nil, -1
		}
		return json.Number(s[i:end]), end
	}
}

func decodeObject(s string, i, depth int) (any, int) {
	m := map[string]any{}
	if i = Space(s, i+1); i < len(s) && s[i] == '}' {
		return m, i + 1
	}
	for {
		start, end, after, escaped := name(s, i)
		if after < 0 || escaped || !utf8.ValidString(s[start:end]) {
			return nil, -1
		}
		v, j := decode(s, after, depth)
		if j < 0 {
			return nil, -1
		}
		m[s[start:end]] = v
		var closed bool
		if i, closed = Next(s, j, '}'); i < 0 {
			return nil, -1
		} else if closed {
			return m, i
		}
	}
}

func decodeArray(s string, i, depth int) (any, int) {
	a := []any{}
	if i = Space(s, i+1); i < len(s) && s[i] == ']' {
		return a, i + 1
	}
	for {
		v, j := decode(s, i, depth)
		if j < 0 {
			return nil, -1
		}
		a = append(a, v)
		var closed bool
		if i, closed = Next(s, j, ']'); i < 0 {
			return nil, -1
		} else if closed {
			return a, i
		}
	}
}
