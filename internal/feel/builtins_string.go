package feel

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

func stringBuiltins() []sig {
	s1 := func(name, p string, f func(string) Value) sig {
		return sig{name, ps(p), func(e *env, a []Value) (Value, error) {
			s, err := str(a, 0, p)
			if err != nil {
				return nil, err
			}
			return f(s), nil
		}}
	}
	s2 := func(name, p1, p2 string, f func(a, b string) (Value, error)) sig {
		return sig{name, ps(p1, p2), func(e *env, a []Value) (Value, error) {
			x, err := str(a, 0, p1)
			if err != nil {
				return nil, err
			}
			y, err := str(a, 1, p2)
			if err != nil {
				return nil, err
			}
			return f(x, y)
		}}
	}
	return []sig{
		{"substring", ps("string", "start position"), func(e *env, a []Value) (Value, error) {
			return substring(a, false)
		}},
		{"substring", ps("string", "start position", "length"), func(e *env, a []Value) (Value, error) {
			return substring(a, true)
		}},
		s1("string length", "string", func(s string) Value { return numFromInt(utf8.RuneCountInString(s)) }),
		s1("upper case", "string", func(s string) Value { return String(strings.ToUpper(s)) }),
		s1("lower case", "string", func(s string) Value { return String(strings.ToLower(s)) }),
		s2("substring before", "string", "match", func(s, m string) (Value, error) {
			if i := strings.Index(s, m); i >= 0 {
				return String(s[:i]), nil
			}
			return String(""), nil
		}),
		s2("substring after", "string", "match", func(s, m string) (Value, error) {
			if i := strings.Index(s, m); i >= 0 {
				return String(s[i+len(m):]), nil
			}
			return String(""), nil
		}),
		s2("contains", "string", "match", func(s, m string) (Value, error) { return Boolean(strings.Contains(s, m)), nil }),
		s2("starts with", "string", "match", func(s, m string) (Value, error) { return Boolean(strings.HasPrefix(s, m)), nil }),
		s2("ends with", "string", "match", func(s, m string) (Value, error) { return Boolean(strings.HasSuffix(s, m)), nil }),
		{"matches", ps("input", "pattern"), func(e *env, a []Value) (Value, error) { return matches(a, -1) }},
		{"matches", ps("input", "pattern", "flags"), func(e *env, a []Value) (Value, error) { return matches(a, 2) }},
		{"replace", ps("input", "pattern", "replacement"), func(e *env, a []Value) (Value, error) { return replace(a, -1) }},
		{"replace", ps("input", "pattern", "replacement", "flags"), func(e *env, a []Value) (Value, error) { return replace(a, 3) }},
		s2("split", "string", "delimiter", func(s, d string) (Value, error) {
			re, err := compileRegex(d, "")
			if err != nil {
				return nil, err
			}
			parts := re.Split(s, -1)
			out := make(List, len(parts))
			for i, p := range parts {
				out[i] = String(p)
			}
			return out, nil
		}),
		s2("extract", "string", "pattern", func(s, p string) (Value, error) {
			re, err := compileRegex(p, "")
			if err != nil {
				return nil, err
			}
			ms := re.FindAllString(s, -1)
			out := make(List, len(ms))
			for i, m := range ms {
				out[i] = String(m)
			}
			return out, nil
		}),
		s1("trim", "string", func(s string) Value { return String(strings.TrimFunc(s, unicode.IsSpace)) }),
		s1("is blank", "string", func(s string) Value { return Boolean(strings.TrimFunc(s, unicode.IsSpace) == "") }),
		s1("to base64", "value", func(s string) Value { return String(base64.StdEncoding.EncodeToString([]byte(s))) }),
		{"from base64", ps("value"), func(e *env, a []Value) (Value, error) {
			s, err := str(a, 0, "value")
			if err != nil {
				return nil, err
			}
			b, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				return nil, fmt.Errorf("invalid base64: %w", err)
			}
			if !utf8.Valid(b) {
				return nil, fmt.Errorf("decoded value is not valid UTF-8")
			}
			return String(b), nil
		}},
		{"uuid", nil, func(e *env, a []Value) (Value, error) {
			var b [16]byte
			if _, err := rand.Read(b[:]); err != nil {
				return nil, fmt.Errorf("uuid: %w", err)
			}
			b[6] = b[6]&0x0f | 0x40
			b[8] = b[8]&0x3f | 0x80
			return String(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])), nil
		}},
		{"string join", ps("list"), func(e *env, a []Value) (Value, error) { return stringJoin(e, a, "", "", "") }},
		{"string join", ps("list", "delimiter"), func(e *env, a []Value) (Value, error) {
			d := ""
			if !isNull(a[1]) {
				s, err := str(a, 1, "delimiter")
				if err != nil {
					return nil, err
				}
				d = s
			}
			return stringJoin(e, a, d, "", "")
		}},
		{"string join", ps("list", "delimiter", "prefix", "suffix"), func(e *env, a []Value) (Value, error) {
			var parts [3]string
			for i := 1; i <= 3; i++ {
				if !isNull(a[i]) {
					s, err := str(a, i, []string{"", "delimiter", "prefix", "suffix"}[i])
					if err != nil {
						return nil, err
					}
					parts[i-1] = s
				}
			}
			return stringJoin(e, a, parts[0], parts[1], parts[2])
		}},
	}
}

func substring(a []Value, withLen bool) (Value, error) {
	s, err := str(a, 0, "string")
	if err != nil {
		return nil, err
	}
	startN, err := num(a, 1, "start position")
	if err != nil {
		return nil, err
	}
	start := int(truncInt(startN))
	runes := []rune(s)
	n := len(runes)
	if start < 0 {
		start = n + start + 1
		if start < 1 {
			start = 1
		}
	}
	if start == 0 {
		start = 1
	}
	if start > n {
		return String(""), nil
	}
	end := n
	if withLen {
		lN, err := num(a, 2, "length")
		if err != nil {
			return nil, err
		}
		l := truncInt(lN)
		if l < 0 {
			return nil, fmt.Errorf("length must not be negative")
		}
		if int64(start-1)+l < int64(end) {
			end = start - 1 + int(l)
		}
	}
	return String(runes[start-1 : end]), nil
}

func stringJoin(e *env, a []Value, delim, prefix, suffix string) (Value, error) {
	l, err := list(a, 0, "list")
	if err != nil {
		return nil, err
	}
	n := int64(len(prefix)+len(suffix)) + int64(len(l))*int64(len(delim))
	for _, it := range l {
		if s, ok := it.(String); ok {
			n += int64(len(s))
		}
	}
	if err := e.room(n); err != nil {
		return nil, err
	}
	parts := make([]string, 0, len(l))
	for _, it := range l {
		switch v := it.(type) {
		case String:
			parts = append(parts, string(v))
		case Null:
		default:
			return nil, fmt.Errorf("expected a list of strings but found %s", TypeName(it))
		}
	}
	return String(prefix + strings.Join(parts, delim) + suffix), nil
}

// compileRegex translates an XML Schema / Java style pattern with FEEL flags
// (s, m, i, x) to Go's RE2 syntax.
func compileRegex(pattern, flags string) (*regexp.Regexp, error) {
	var goFlags strings.Builder
	for _, f := range flags {
		switch f {
		case 's', 'm', 'i':
			goFlags.WriteRune(f)
		case 'x':
			pattern = stripRegexWhitespace(pattern)
		case 'q':
			pattern = regexp.QuoteMeta(pattern)
		default:
			return nil, fmt.Errorf("invalid regex flag %q", f)
		}
	}
	p := pattern
	if goFlags.Len() > 0 {
		p = "(?" + goFlags.String() + ")" + p
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, fmt.Errorf("invalid pattern %q: %w", pattern, err)
	}
	return re, nil
}

func stripRegexWhitespace(p string) string {
	var b strings.Builder
	inClass := false
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\' && i+1 < len(p) && p[i+1] != ' ':
			b.WriteByte(c)
			b.WriteByte(p[i+1])
			i++
			continue
		case c == '[':
			inClass = true
		case c == ']':
			inClass = false
		case !inClass && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func regexArgs(a []Value, fi int) (string, *regexp.Regexp, error) {
	in, err := str(a, 0, "input")
	if err != nil {
		return "", nil, err
	}
	pat, err := str(a, 1, "pattern")
	if err != nil {
		return "", nil, err
	}
	flags := ""
	if fi >= 0 && !isNull(a[fi]) {
		f, err := str(a, fi, "flags")
		if err != nil {
			return "", nil, err
		}
		flags = f
	}
	re, err := compileRegex(pat, flags)
	return in, re, err
}

func matches(a []Value, fi int) (Value, error) {
	in, re, err := regexArgs(a, fi)
	if err != nil {
		return nil, err
	}
	return Boolean(re.MatchString(in)), nil
}

func replace(a []Value, fi int) (Value, error) {
	in, re, err := regexArgs(a, fi)
	if err != nil {
		return nil, err
	}
	repl, err := str(a, 2, "replacement")
	if err != nil {
		return nil, err
	}
	return String(re.ReplaceAllString(in, convertReplacement(repl))), nil
}

// convertReplacement turns Java/XPath "$1" and "\$" into Go's "${1}" and "$$".
func convertReplacement(r string) string {
	var b strings.Builder
	for i := 0; i < len(r); i++ {
		c := r[i]
		switch {
		case c == '\\' && i+1 < len(r):
			if r[i+1] == '$' {
				b.WriteString("$$")
			} else {
				b.WriteByte(r[i+1])
			}
			i++
		case c == '$':
			j := i + 1
			for j < len(r) && r[j] >= '0' && r[j] <= '9' {
				j++
			}
			if j == i+1 {
				b.WriteString("$$")
				continue
			}
			b.WriteString("${" + r[i+1:j] + "}")
			i = j - 1
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
