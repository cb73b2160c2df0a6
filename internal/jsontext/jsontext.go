// Package jsontext reads JSON text (RFC 8259) by hand, judging it exactly
// as encoding/json does, where encoding/json's scanner (a call per byte)
// or its decoder (reflection and allocations) costs too much: the MCP
// gateway's check of every message on its lean path (Valid), its walks
// over messages, arguments and results (Skip, SkipString, SkipName, Next)
// and the engine's decoding of variables (Decode).
//
// The grammar's pieces (white space, literals, strings, numbers, an
// object member's name, the separators) are written once here, each a
// function of the text and the index where the piece begins that returns
// the index after it (-1 when the text holds no such piece there), over
// strings and byte slices alike, so that callers walk a text without
// copying or allocating. Text already known to be valid (Valid said so,
// or encoding/json wrote it) is walked faster by Skip, SkipString and
// SkipName, which find where a piece ends without judging it (skip.go).
package jsontext

// Text is JSON text: a string or a byte slice.
type Text interface{ ~string | ~[]byte }

// Space returns the index of the first byte at or after i that is not
// JSON white space; len(b) when there is none.
func Space[T Text](b T, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// Literal returns the index after lit ("true", "false" or "null") at b[i];
// -1 when b does not hold it there.
func Literal[T Text](b T, i int, lit string) int {
	if len(b)-i < len(lit) {
		return -1
	}
	// Byte by byte: string(b[i:j]) == lit would, for a byte slice in a
	// generic function, not be sure to be compared without a copy.
	for j := 0; j < len(lit); j++ {
		if b[i+j] != lit[j] {
			return -1
		}
	}
	return i + len(lit)
}

// String reads the string whose opening quote is b[i]: the index after its
// closing quote, and whether it holds an escape (without one, its contents
// are the bytes between the quotes); -1 when it is malformed (a control
// character, a bad escape, no closing quote). Its contents may be invalid
// UTF-8: encoding/json accepts that, and reads such bytes as U+FFFD.
func String[T Text](b T, i int) (end int, escaped bool) {
	for j := i + 1; j < len(b); j++ {
		switch c := b[j]; {
		case c == '"':
			return j + 1, escaped
		case c < 0x20:
			return -1, escaped
		case c == '\\':
			escaped = true
			if j++; j >= len(b) {
				return -1, escaped
			}
			switch b[j] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if j+4 >= len(b) { // four digits, and the closing quote yet to come
					return -1, escaped
				}
				for k := j + 1; k <= j+4; k++ {
					if h := b[k]; !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
						return -1, escaped
					}
				}
				j += 4
			default:
				return -1, escaped
			}
		}
	}
	return -1, escaped
}

// Number reads the number at b[i], -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?,
// and returns the index after it; -1 when there is none.
func Number[T Text](b T, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if i = digits(b, i); i < 0 {
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i = digits(b, i+1); i < 0 {
			return -1
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i = digits(b, i); i < 0 {
			return -1
		}
	}
	return i
}

// digits returns the index after the digits from b[i] on; -1 when there
// is none.
func digits[T Text](b T, i int) int {
	start := i
	for i < len(b) && '0' <= b[i] && b[i] <= '9' {
		i++
	}
	if i == start {
		return -1
	}
	return i
}

// Next reads what follows an object's member or an array's element, after
// white space: a comma (more follows) or the closer ('}' or ']'); the
// index after it, and whether it was the closer. -1 when it is neither.
func Next[T Text](b T, i int, closer byte) (int, bool) {
	if i = Space(b, i); i < len(b) {
		switch b[i] {
		case ',':
			return i + 1, false
		case closer:
			return i + 1, true
		}
	}
	return -1, false
}

// name reads an object member's name and the colon after it, from b[i] on
// (white space first): the index after the name's opening quote, the index
// of its closing one, and the index after the colon; after -1 when they
// are not there.
func name[T Text](b T, i int) (start, end, after int, escaped bool) {
	if i = Space(b, i); i >= len(b) || b[i] != '"' {
		return 0, 0, -1, false
	}
	if end, escaped = String(b, i); end < 0 {
		return 0, 0, -1, false
	}
	if after = Space(b, end); after >= len(b) || b[after] != ':' {
		return 0, 0, -1, false
	}
	return i + 1, end - 1, after + 1, escaped
}
