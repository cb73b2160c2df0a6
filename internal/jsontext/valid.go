package jsontext

// StdMaxDepth is the deepest nesting json.Valid accepts (encoding/json's
// limit): Valid(b, StdMaxDepth) is json.Valid(b).
const StdMaxDepth = 10000

// Valid tells whether b is one JSON value, with white space around it,
// exactly as json.Valid judges it (strings may hold any byte from 0x20 up,
// in valid UTF-8 or not), whose objects and arrays nest at most maxDepth
// deep (a value inside no object or array is at depth 0). It is one pass,
// with no call per byte and no allocation.
func Valid(b []byte, maxDepth int) bool {
	v := validator{b: b, max: maxDepth}
	return v.value() && Space(b, v.i) == len(b)
}

// validator is Valid's reading: of b, at i, inside depth objects and
// arrays; a struct, so that the recursion passes one pointer (and Valid
// takes bytes only: the gateway's messages; no caller validates strings).
type validator struct {
	b          []byte
	i          int
	depth, max int
}

// value reads the value after white space from i on.
func (v *validator) value() bool {
	b := v.b
	i := Space(b, v.i)
	if i >= len(b) {
		return false
	}
	switch b[i] {
	case '{', '[':
		v.i = i
		return v.container()
	case '"':
		i, _ = String(b, i)
	case 't':
		i = Literal(b, i, "true")
	case 'f':
		i = Literal(b, i, "false")
	case 'n':
		i = Literal(b, i, "null")
	default:
		i = Number(b, i)
	}
	v.i = i
	return i >= 0
}

// container reads the object or array that opens at i.
func (v *validator) container() bool {
	if v.depth++; v.depth > v.max {
		return false
	}
	b := v.b
	closer, object := byte(']'), b[v.i] == '{'
	if object {
		closer = '}'
	}
	if i := Space(b, v.i+1); i < len(b) && b[i] == closer {
		v.i = i + 1
		v.depth--
		return true
	}
	v.i++
	for {
		if object { // the member's name and colon first
			i := Space(b, v.i)
			if i >= len(b) || b[i] != '"' {
				return false
			}
			if i, _ = String(b, i); i < 0 {
				return false
			}
			if i = Space(b, i); i >= len(b) || b[i] != ':' {
				return false
			}
			v.i = i + 1
		}
		if !v.value() {
			return false
		}
		i, closed := Next(b, v.i, closer)
		if v.i = i; i < 0 || closed {
			v.depth--
			return i >= 0
		}
	}
}
