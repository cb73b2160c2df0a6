package engine

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// decodeJSON decodes a stored variable value for FEEL: objects as
// map[string]any, arrays as []any, numbers as json.Number (their text, no
// precision lost), strings, booleans and null; nil when s is not one JSON
// value. It gives what encoding/json's Decoder with UseNumber gives, without
// its allocations (a variable is decoded each time a command reads it
// first): values stored by the engine are compact, valid JSON, and what the
// fast path does not handle exactly as encoding/json (escaped or invalid
// UTF-8 strings, deep nesting, anything malformed) is handed to it.
func decodeJSON(s string) any {
	p := jsonParser{s: s}
	v, ok := p.value(0)
	if ok {
		p.space()
		if p.i == len(s) {
			return v
		}
	}
	return decodeJSONSlow(s)
}

// decodeJSONSlow is encoding/json's decoding of one value with UseNumber
// (trailing data after the first value is ignored, as a Decoder does).
func decodeJSONSlow(s string) any {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	return v
}

// jsonParser is the fast path of decodeJSON: it gives up (ok false) on
// anything it does not decode exactly as encoding/json does.
type jsonParser struct {
	s string
	i int
}

// maxFastDepth bounds the nesting the fast path follows (encoding/json
// allows 10,000 and reports an error past it).
const maxFastDepth = 100

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

func (p *jsonParser) value(depth int) (any, bool) {
	p.space()
	if p.i >= len(p.s) || depth > maxFastDepth {
		return nil, false
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object(depth)
	case c == '[':
		return p.array(depth)
	case c == '"':
		return p.str()
	case c == 't':
		return true, p.literal("true")
	case c == 'f':
		return false, p.literal("false")
	case c == 'n':
		return nil, p.literal("null")
	case c == '-' || c >= '0' && c <= '9':
		return p.number()
	}
	return nil, false
}

func (p *jsonParser) literal(lit string) bool {
	if !strings.HasPrefix(p.s[p.i:], lit) {
		return false
	}
	p.i += len(lit)
	return true
}

func (p *jsonParser) object(depth int) (any, bool) {
	p.i++ // {
	m := map[string]any{}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return m, true
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, false
		}
		k, ok := p.str()
		if !ok {
			return nil, false
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, false
		}
		p.i++
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		m[k.(string)] = v
		p.space()
		if p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return m, true
		default:
			return nil, false
		}
	}
}

func (p *jsonParser) array(depth int) (any, bool) {
	p.i++ // [
	a := []any{}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return a, true
	}
	for {
		v, ok := p.value(depth + 1)
		if !ok {
			return nil, false
		}
		a = append(a, v)
		p.space()
		if p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return a, true
		default:
			return nil, false
		}
	}
}

// str reads a string without escapes or control characters, in valid
// UTF-8; anything else is left to encoding/json.
func (p *jsonParser) str() (any, bool) {
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"':
			v := p.s[start:j]
			if !utf8.ValidString(v) {
				return nil, false
			}
			p.i = j + 1
			return v, true
		case c == '\\' || c < 0x20:
			return nil, false
		}
	}
	return nil, false
}

// number reads a number as JSON's grammar has it: -?int frac? exp?.
func (p *jsonParser) number() (any, bool) {
	s, i := p.s, p.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return nil, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		d := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == d {
			return nil, false
		}
	}
	n := json.Number(s[p.i:i])
	p.i = i
	return n, true
}
