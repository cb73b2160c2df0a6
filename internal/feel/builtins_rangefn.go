package feel

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// range(from) (DMN 1.5): a range from its literal text, e.g. "[1..3]",
// "(18..21]", "[@\"2020-01-01\"..@\"2020-12-31\"]". Endpoints must be
// literals (numbers, strings, temporal literals or date/time/duration
// calls on a string literal) of one type, low not above high.
func rangeFromString(_ *env, a []Value) (Value, error) {
	s, ok := a[0].(String)
	if !ok {
		return nil, errors.New("range: expected a string")
	}
	text := strings.TrimSpace(string(s))
	if len(text) < 2 || !strings.ContainsRune("[(]", rune(text[0])) || !strings.ContainsRune("])[", rune(text[len(text)-1])) {
		return nil, errors.New("range: not a range literal")
	}
	lo, hi, ok := splitRangeLiteral(text[1 : len(text)-1])
	if !ok {
		return nil, errors.New("range: not a range literal")
	}
	low, err := rangeEndpoint(lo)
	if err != nil {
		return nil, err
	}
	high, err := rangeEndpoint(hi)
	if err != nil {
		return nil, err
	}
	if TypeName(low) != TypeName(high) {
		return nil, errors.New("range: endpoints of different types")
	}
	if c, ok := compare(low, high); !ok || c > 0 {
		return nil, errors.New("range: low endpoint above high endpoint")
	}
	return &Range{Low: low, High: high, LowClosed: text[0] == '[', HighClosed: text[len(text)-1] == ']'}, nil
}

// splitRangeLiteral splits "a..b" at the ".." outside string literals.
func splitRangeLiteral(s string) (string, string, bool) {
	inStr := false
	for i := 0; i+1 < len(s); i++ {
		switch {
		case inStr && s[i] == '\\':
			i++
		case s[i] == '"':
			inStr = !inStr
		case !inStr && s[i] == '.' && s[i+1] == '.':
			lo, hi := strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+2:])
			if lo == "" || hi == "" || strings.Contains(hi, "..") && !strings.Contains(hi, `"`) {
				return "", "", false
			}
			return lo, hi, true
		}
	}
	return "", "", false
}

// Compiled on first use: most processes never call range().
var (
	rangeNumberRe   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^-?[0-9]+(?:\.[0-9]+)?$`) })
	rangeStringRe   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^"(?:[^"\\]|\\.)*"$`) })
	rangeTemporalRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(@|date and time|date|time|duration)\s*\(?\s*("(?:[^"\\]|\\.)*")\s*\)?$`)
	})
)

func rangeEndpoint(src string) (Value, error) {
	switch {
	case rangeNumberRe().MatchString(src):
		return ParseNumber(src)
	case rangeStringRe().MatchString(src):
		s, err := strconv.Unquote(src)
		if err != nil {
			return nil, err
		}
		return String(s), nil
	}
	m := rangeTemporalRe().FindStringSubmatch(src)
	if m == nil || (m[1] == "@") == (strings.Contains(src, "(") && strings.HasSuffix(src, ")")) {
		return nil, errors.New("range: endpoint is not a literal")
	}
	lit, err := strconv.Unquote(m[2])
	if err != nil {
		return nil, err
	}
	kind := m[1]
	if kind == "@" {
		switch {
		case strings.HasPrefix(lit, "P") || strings.HasPrefix(lit, "-P"):
			kind = "duration"
		case strings.Contains(lit, "T"):
			kind = "date and time"
		case strings.Contains(lit, ":"):
			kind = "time"
		default:
			kind = "date"
		}
	}
	switch kind {
	case "date":
		return ParseDate(lit)
	case "time":
		return ParseTime(lit)
	case "date and time":
		return ParseDateTime(lit)
	}
	return ParseDuration(lit)
}
