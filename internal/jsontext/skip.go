package jsontext

import (
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// Text known to be valid JSON (Valid said so, or encoding/json wrote it)
// is walked without judging it again: these functions find where a piece
// ends, as the grammar's functions do on valid text, but look for less
// (a string's closing quote, not each byte's class; the bracket that
// closes an object or array, counting brackets and skipping strings).
// They are the gateway's: its scanner's (mcpgw/jsonscan.go) and its audit
// entries' reading of arguments and results (mcpgw/auditjson.go).
// On text that is not valid their answers mean nothing, but they read
// nothing outside the text and always return.

// Skip returns the index after the value that begins at b[i] (no white
// space first), in valid text; -1 when b ends first.
func Skip(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		end, _, _ := stringEnd(b, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _, _ := stringEnd(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	case 't':
		return Literal(b, i, "true")
	case 'f':
		return Literal(b, i, "false")
	case 'n':
		return Literal(b, i, "null")
	}
	return Number(b, i)
}

// SkipString reads the string whose opening quote is b[i], in valid text:
// the index after its closing quote (-1 when b ends first), and whether
// its contents (the bytes between the quotes) are its value as they
// stand: no escape, and valid UTF-8 (encoding/json reads each invalid
// byte as U+FFFD). Only a string that is not plain needs decoding.
func SkipString(b []byte, i int) (end int, plain bool) {
	end, escaped, high := stringEnd(b, i)
	return end, end >= 0 && !escaped && (!high || utf8.Valid(b[i+1:end-1]))
}

// SkipName reads an object member's name and the colon after it, from
// b[i] on (white space first), in valid text: where the name's contents
// begin and end (b[start:end] is the name between its quotes), the index
// after the colon, and whether the name is plain (SkipString); after -1
// when they are not there.
func SkipName(b []byte, i int) (start, end, after int, plain bool) {
	if i = Space(b, i); i >= len(b) || b[i] != '"' {
		return 0, 0, -1, false
	}
	// stringEnd itself, not SkipString: a call less for every member.
	end, escaped, high := stringEnd(b, i)
	if end < 0 {
		return 0, 0, -1, false
	}
	if after = Space(b, end); after >= len(b) || b[after] != ':' {
		return 0, 0, -1, false
	}
	return i + 1, end - 1, after + 1, !escaped && (!high || utf8.Valid(b[i+1:end-1]))
}

// stringEnd returns the index after the closing quote of the string whose
// opening quote is b[i] (-1 when b ends first), whether the string holds
// an escape, and whether a byte beyond ASCII. It reads eight bytes at a
// time, stopping at the first that is a quote, a backslash or (until one
// is found) beyond ASCII: faster than a loop over each byte, and than
// bytes.IndexByte's calls for the short strings most names and values are.
func stringEnd(b []byte, i int) (end int, escaped, high bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	// zero marks the zero bytes of v with their high bit; exactly for the
	// first of them (what it marks after that does not matter here).
	zero := func(v uint64) uint64 { return (v - ones) &^ v & highs }
	for j := i + 1; ; {
		for j+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[j:])
			m := zero(w^'"'*ones) | zero(w^'\\'*ones)
			if !high {
				m |= w & highs
			}
			if m != 0 {
				j += bits.TrailingZeros64(m) / 8
				break
			}
			j += 8
		}
		if j >= len(b) {
			return -1, false, false
		}
		switch c := b[j]; {
		case c == '"':
			return j + 1, escaped, high
		case c == '\\':
			escaped = true
			j += 2 // the backslash and the byte it escapes
		case c >= utf8.RuneSelf:
			high = true
			j++
		default: // the last bytes of b, fewer than eight
			j++
		}
	}
}
