package dmn

import (
	"context"
	"regexp"
	"strings"
	"sync"

	"github.com/orcabpm/orca/internal/feel"
)

// Decision tables are evaluated on the engine's hot path. Most input
// entries are comparisons with literals ("< 18", "\"gold\",\"silver\"",
// "[1..5]") and most output entries are literals; those are decided here
// without a FEEL evaluation. Everything else goes through FEEL. The
// results are the same (TestFastPathMatchesFEEL checks it).

// Compiled on first use: a server with no decisions does not pay for them.
var (
	literalRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^(?:-?[0-9]+(?:\.[0-9]+)?|"(?:[^"\\]|\\.)*"|true|false)$`)
	})
	pathRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*$`)
	})
)

var feelKeywords = map[string]bool{
	"true": true, "false": true, "null": true, "not": true, "and": true, "or": true, "if": true, "then": true,
	"else": true, "for": true, "in": true, "return": true, "some": true, "every": true, "satisfies": true,
	"instance": true, "of": true, "function": true, "between": true,
}

// constant evaluates a literal text once; ok is false for anything else.
func constant(text string) (feel.Value, bool) {
	text = strings.TrimSpace(text)
	if !literalRe().MatchString(text) {
		return nil, false
	}
	x, err := feel.Compile(text)
	if err != nil {
		return nil, false
	}
	v, err := x.Evaluate(context.Background(), nil)
	if err != nil {
		return nil, false
	}
	switch v.(type) {
	case *feel.Number, feel.String, feel.Boolean:
		return v, true
	}
	return nil, false
}

// fastTest is a disjunction of literal comparisons.
type fastTest struct {
	items []fastItem
}

type fastItem struct {
	op                 string // "=", "<", "<=", ">", ">=", or "range"
	v                  feel.Value
	lo, hi             feel.Value
	loClosed, hiClosed bool
}

// compileFastTest recognises unary tests made only of literal comparisons
// and literal ranges; nil means "use FEEL".
func compileFastTest(text string) *fastTest {
	parts := splitTopLevel(text)
	if parts == nil {
		return nil
	}
	ft := &fastTest{}
	for _, p := range parts {
		p = strings.TrimSpace(p)
		it, ok := fastItemOf(p)
		if !ok {
			return nil
		}
		ft.items = append(ft.items, it)
	}
	return ft
}

func fastItemOf(p string) (fastItem, bool) {
	for _, op := range []string{"<=", ">=", "<", ">"} {
		if rest, ok := strings.CutPrefix(p, op); ok {
			v, ok := constant(rest)
			if !ok {
				return fastItem{}, false
			}
			if _, isBool := v.(feel.Boolean); isBool {
				return fastItem{}, false
			}
			return fastItem{op: op, v: v}, true
		}
	}
	if len(p) >= 2 && (p[0] == '[' || p[0] == '(' || p[0] == ']') && (p[len(p)-1] == ']' || p[len(p)-1] == ')' || p[len(p)-1] == '[') {
		inner := p[1 : len(p)-1]
		lo, hi, ok := strings.Cut(inner, "..")
		if !ok || strings.Contains(hi, "..") {
			return fastItem{}, false
		}
		lv, ok1 := constant(lo)
		hv, ok2 := constant(hi)
		if !ok1 || !ok2 {
			return fastItem{}, false
		}
		if _, isBool := lv.(feel.Boolean); isBool {
			return fastItem{}, false
		}
		if _, isBool := hv.(feel.Boolean); isBool {
			return fastItem{}, false
		}
		return fastItem{op: "range", lo: lv, hi: hv, loClosed: p[0] == '[', hiClosed: p[len(p)-1] == ']'}, true
	}
	v, ok := constant(p)
	if !ok {
		return fastItem{}, false
	}
	return fastItem{op: "=", v: v}, true
}

// splitTopLevel splits at commas outside strings and brackets; nil when
// the text is not well formed enough to split.
func splitTopLevel(s string) []string {
	var parts []string
	depth, start := 0, 0
	inStr := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inStr:
			if c == '\\' {
				i++
			} else if c == '"' {
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	if inStr {
		return nil
	}
	return append(parts, s[start:])
}

// match reports whether the input satisfies one of the items.
func (ft *fastTest) match(in feel.Value) bool {
	for i := range ft.items {
		if ft.items[i].match(in) {
			return true
		}
	}
	return false
}

func (it *fastItem) match(in feel.Value) bool {
	switch it.op {
	case "=":
		if b, isBool := it.v.(feel.Boolean); isBool {
			if _, inBool := in.(feel.Boolean); !inBool {
				// FEEL: a boolean unary test on a non-boolean input is its own value
				return bool(b)
			}
		}
		eq, ok := feel.Equal(in, it.v)
		return ok && eq
	case "range":
		c, ok := feel.Compare(it.lo, in)
		if !ok || c > 0 || (c == 0 && !it.loClosed) {
			return false
		}
		c, ok = feel.Compare(in, it.hi)
		return ok && (c < 0 || (c == 0 && it.hiClosed))
	}
	c, ok := feel.Compare(in, it.v)
	if !ok {
		return false
	}
	switch it.op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	}
	return false
}

// fastPath resolves an input expression that is a variable or a path of
// context entries without FEEL; ok false means "use FEEL".
type fastPath struct {
	segs []string
}

func compileFastPath(text string) *fastPath {
	text = strings.TrimSpace(text)
	if !pathRe().MatchString(text) {
		return nil
	}
	segs := strings.Split(text, ".")
	for _, s := range segs {
		if feelKeywords[s] {
			return nil
		}
	}
	return &fastPath{segs: segs}
}

func (fp *fastPath) eval(vars feel.Variables) (feel.Value, bool) {
	raw, ok := vars.Lookup(fp.segs[0])
	if !ok {
		return nil, false
	}
	v := feel.FromJSON(raw)
	for _, s := range fp.segs[1:] {
		cx, ok := v.(*feel.Context)
		if !ok {
			return nil, false
		}
		x, ok := cx.Get(s)
		if !ok {
			return nil, false
		}
		v = x
	}
	return v, true
}
