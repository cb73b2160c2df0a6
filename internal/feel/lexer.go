package feel

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

type tokKind uint8

const (
	tEOF tokKind = iota
	tName
	tNumber
	tString
	tPunct
)

type token struct {
	kind tokKind
	text string // punct text, name text, decoded string value, number text
	pos  int    // byte offset of the first byte
	end  int    // byte offset after the last byte
	// quoted is set for backtick names, which are never keywords
	quoted bool
}

// SyntaxError reports a malformed expression.
type SyntaxError struct {
	Pos  int // byte offset into the source
	Line int // 1-based
	Col  int // 1-based, in characters
	Msg  string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("syntax error at line %d, column %d: %s", e.Line, e.Col, e.Msg)
}

func newSyntaxError(src string, pos int, format string, args ...any) *SyntaxError {
	if pos > len(src) {
		pos = len(src)
	}
	line, col := 1, 1
	for _, r := range src[:pos] {
		if r == '\n' {
			line++
			col = 1
		} else {
			col++
		}
	}
	return &SyntaxError{Pos: pos, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func isNameStart(r rune) bool {
	return r == '_' || r == '?' || r == '$' || unicode.IsLetter(r) || (r > 0x7f && (unicode.Is(unicode.Mn, r) || unicode.Is(unicode.So, r)))
}

func isNamePart(r rune) bool {
	return isNameStart(r) || unicode.IsDigit(r) || r == '\u00B7' || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

var punct3 = []string{"..."}
var punct2 = []string{"..", "**", "!=", "<=", ">=", "->"}

func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		// whitespace
		if c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' {
			i++
			continue
		}
		if c >= 0x80 {
			r, size := utf8.DecodeRuneInString(src[i:])
			if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
				i += size
				continue
			}
		}
		// comments
		if c == '/' && i+1 < len(src) && src[i+1] == '/' {
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		}
		if c == '/' && i+1 < len(src) && src[i+1] == '*' {
			end := strings.Index(src[i+2:], "*/")
			if end < 0 {
				return nil, newSyntaxError(src, i, "unterminated comment /* ... */")
			}
			i += 2 + end + 2
			continue
		}
		start := i
		switch {
		case c >= '0' && c <= '9' || (c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9' && !(i > 0 && src[i-1] == '.')):
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			if i+1 < len(src) && src[i] == '.' && src[i+1] >= '0' && src[i+1] <= '9' {
				i++
				for i < len(src) && src[i] >= '0' && src[i] <= '9' {
					i++
				}
			} else if i < len(src) && src[i] == '.' && !(i+1 < len(src) && src[i+1] == '.') && !(i+1 < len(src) && isNameStartByte(src[i+1:])) {
				// "1." is a number
				i++
			}
			// exponent
			if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
				j := i + 1
				if j < len(src) && (src[j] == '+' || src[j] == '-') {
					j++
				}
				if j < len(src) && src[j] >= '0' && src[j] <= '9' {
					for j < len(src) && src[j] >= '0' && src[j] <= '9' {
						j++
					}
					i = j
				}
			}
			toks = append(toks, token{kind: tNumber, text: src[start:i], pos: start, end: i})
		case c == '"':
			s, n, err := lexString(src, i)
			if err != nil {
				return nil, err
			}
			i = n
			toks = append(toks, token{kind: tString, text: s, pos: start, end: i})
		case c == '`':
			end := strings.IndexByte(src[i+1:], '`')
			if end < 0 {
				return nil, newSyntaxError(src, i, "unterminated `name`")
			}
			toks = append(toks, token{kind: tName, text: src[i+1 : i+1+end], pos: start, end: i + 2 + end, quoted: true})
			i += end + 2
		default:
			r, size := utf8.DecodeRuneInString(src[i:])
			if r == utf8.RuneError && size <= 1 {
				return nil, newSyntaxError(src, i, "invalid UTF-8 byte 0x%02x", src[i])
			}
			if isNameStart(r) {
				i += size
				for i < len(src) {
					r, size := utf8.DecodeRuneInString(src[i:])
					if !isNamePart(r) {
						break
					}
					i += size
				}
				toks = append(toks, token{kind: tName, text: src[start:i], pos: start, end: i})
				continue
			}
			matched := ""
			for _, p := range punct3 {
				if strings.HasPrefix(src[i:], p) {
					matched = p
				}
			}
			if matched == "" {
				for _, p := range punct2 {
					if strings.HasPrefix(src[i:], p) {
						matched = p
						break
					}
				}
			}
			if matched == "" {
				if strings.ContainsRune("()[]{},.:=<>+-*/@'!", r) {
					matched = string(r)
				} else {
					return nil, newSyntaxError(src, i, "unexpected character %q", r)
				}
			}
			i += len(matched)
			toks = append(toks, token{kind: tPunct, text: matched, pos: start, end: i})
		}
	}
	toks = append(toks, token{kind: tEOF, pos: len(src), end: len(src)})
	return toks, nil
}

func isNameStartByte(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isNameStart(r)
}

func lexString(src string, i int) (string, int, error) {
	start := i
	i++
	var b strings.Builder
	for {
		if i >= len(src) {
			return "", 0, newSyntaxError(src, start, "unterminated string literal")
		}
		c := src[i]
		if c == '"' {
			return b.String(), i + 1, nil
		}
		if c != '\\' {
			b.WriteByte(c)
			i++
			continue
		}
		if i+1 >= len(src) {
			return "", 0, newSyntaxError(src, i, "unterminated escape sequence")
		}
		e := src[i+1]
		switch e {
		case '"', '\\', '\'', '/':
			b.WriteByte(e)
			i += 2
		case 'n':
			b.WriteByte('\n')
			i += 2
		case 't':
			b.WriteByte('\t')
			i += 2
		case 'r':
			b.WriteByte('\r')
			i += 2
		case 'b':
			b.WriteByte('\b')
			i += 2
		case 'f':
			b.WriteByte('\f')
			i += 2
		case 'u', 'U':
			n := 4
			if e == 'U' {
				n = 6
			}
			if i+2+n > len(src) {
				return "", 0, newSyntaxError(src, i, "incomplete unicode escape")
			}
			v, err := strconv.ParseUint(src[i+2:i+2+n], 16, 32)
			if err != nil {
				return "", 0, newSyntaxError(src, i, "invalid unicode escape %q", src[i:i+2+n])
			}
			i += 2 + n
			r := rune(v)
			// surrogate pair
			if r >= 0xD800 && r < 0xDC00 && i+6 <= len(src) && src[i] == '\\' && src[i+1] == 'u' {
				if lo, err := strconv.ParseUint(src[i+2:i+6], 16, 32); err == nil && lo >= 0xDC00 && lo < 0xE000 {
					r = (r-0xD800)<<10 + (rune(lo) - 0xDC00) + 0x10000
					i += 6
				}
			}
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			b.WriteRune(r)
		default:
			// unknown escape: keep both characters, as feel-scala does for regex escapes
			b.WriteByte('\\')
			b.WriteByte(e)
			i += 2
		}
	}
}
