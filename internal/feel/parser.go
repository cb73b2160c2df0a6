package feel

import (
	"strings"
	"sync"
)

// stopWords end a name made of several words unless the whole sequence is a
// known name (such as "date and time").
var stopWords = map[string]bool{
	"and": true, "or": true, "then": true, "else": true, "return": true, "satisfies": true,
	"in": true, "between": true, "instance": true, "of": true, "for": true, "some": true,
	"every": true, "if": true, "function": true, "true": true, "false": true, "null": true,
	"not": true,
}

type parser struct {
	src  string
	toks []token
	i    int
	// known multi-token names by first token text: builtins, declared names,
	// caller-supplied variable names
	known map[string][]knownName
	depth int
}

type knownName struct {
	name  string
	ntoks int
	texts []string
}

const maxParseDepth = 200

// builtinKnown holds the multi-token builtin function and property names,
// keyed by their first token. It is built once, on first use, and never
// modified.
var builtinKnown = sync.OnceValue(func() map[string][]knownName {
	m := map[string][]knownName{}
	for _, n := range builtinMultiNames() {
		addKnown(m, n)
	}
	for _, n := range propertyNames {
		addKnown(m, n)
	}
	return m
})

func newParser(src string, toks []token, names []string) *parser {
	p := &parser{src: src, toks: toks}
	for _, n := range names {
		p.declare(n)
	}
	return p
}

// addKnown records a name that spans several tokens.
func addKnown(m map[string][]knownName, name string) {
	if !strings.ContainsAny(name, " \t\n.-+*/'") {
		return // a single token needs no help
	}
	ts, err := lex(name)
	if err != nil || len(ts) < 3 { // ts ends with EOF
		return
	}
	ts = ts[:len(ts)-1]
	texts := make([]string, len(ts))
	for i, t := range ts {
		texts[i] = t.text
		if t.kind == tString {
			return
		}
	}
	first := texts[0]
	for _, k := range m[first] {
		if k.name == name {
			return
		}
	}
	m[first] = append(m[first], knownName{name: name, ntoks: len(ts), texts: texts})
}

// declare makes a name declared in the expression or by the caller resolvable.
func (p *parser) declare(name string) {
	if !strings.ContainsAny(name, " \t\n.-+*/'") {
		return
	}
	if p.known == nil {
		p.known = map[string][]knownName{}
	}
	addKnown(p.known, name)
}

func (p *parser) peek() token { return p.toks[p.i] }
func (p *parser) peekAt(k int) token {
	if p.i+k < len(p.toks) {
		return p.toks[p.i+k]
	}
	return p.toks[len(p.toks)-1]
}
func (p *parser) next() token {
	t := p.toks[p.i]
	if t.kind != tEOF {
		p.i++
	}
	return t
}

func (p *parser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tPunct && t.text == s
}

func (p *parser) isKeyword(s string) bool {
	t := p.peek()
	return t.kind == tName && !t.quoted && t.text == s
}

func (p *parser) errAt(pos int, format string, args ...any) error {
	return newSyntaxError(p.src, pos, format, args...)
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return "string " + quote(t.text)
	case tNumber:
		return "number " + t.text
	}
	return "'" + t.text + "'"
}

func (p *parser) expectPunct(s, context string) (token, error) {
	t := p.peek()
	if t.kind == tPunct && t.text == s {
		return p.next(), nil
	}
	return t, p.errAt(t.pos, "expected '%s' %s but found %s", s, context, describe(t))
}

func (p *parser) expectKeyword(s, context string) error {
	t := p.peek()
	if t.kind == tName && !t.quoted && t.text == s {
		p.next()
		return nil
	}
	return p.errAt(t.pos, "expected '%s' %s but found %s", s, context, describe(t))
}

func parse(src string, names []string) (node, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	p := newParser(src, toks, names)
	if p.peek().kind == tEOF {
		return nil, p.errAt(0, "empty expression")
	}
	n, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errAt(t.pos, "unexpected %s after the end of the expression", describe(t))
	}
	return n, nil
}

func (p *parser) enter() error {
	p.depth++
	if p.depth > maxParseDepth {
		return p.errAt(p.peek().pos, "expression is nested too deeply")
	}
	return nil
}

func (p *parser) parseExpr() (node, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	return p.parseDisjunction()
}

func (p *parser) parseDisjunction() (node, error) {
	l, err := p.parseConjunction()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		p.next()
		r, err := p.parseConjunction()
		if err != nil {
			return nil, err
		}
		l = &binary{base: spanOf(l, r), op: "or", l: l, r: r}
	}
	return l, nil
}

func spanOf(a, b node) base {
	p, _ := a.span()
	_, e := b.span()
	return base{p, e}
}

func (p *parser) parseConjunction() (node, error) {
	l, err := p.parseComparison()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		p.next()
		r, err := p.parseComparison()
		if err != nil {
			return nil, err
		}
		l = &binary{base: spanOf(l, r), op: "and", l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseComparison() (node, error) {
	l, err := p.parseAdditive()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		switch {
		case t.kind == tPunct && (t.text == "=" || t.text == "!=" || t.text == "<" || t.text == "<=" || t.text == ">" || t.text == ">="):
			p.next()
			r, err := p.parseAdditive()
			if err != nil {
				return nil, err
			}
			l = &binary{base: spanOf(l, r), op: t.text, l: l, r: r}
		case p.isKeyword("between"):
			p.next()
			lo, err := p.parseAdditive()
			if err != nil {
				return nil, err
			}
			if err := p.expectKeyword("and", "in 'x between a and b'"); err != nil {
				return nil, err
			}
			hi, err := p.parseAdditive()
			if err != nil {
				return nil, err
			}
			l = &between{base: spanOf(l, hi), x: l, lo: lo, hi: hi}
		case p.isKeyword("in"):
			p.next()
			tests, err := p.parseInTests()
			if err != nil {
				return nil, err
			}
			l = &inExpr{base: spanOf(l, tests[len(tests)-1]), x: l, tests: tests}
		case p.isKeyword("instance") && p.peekAt(1).kind == tName && p.peekAt(1).text == "of":
			p.next()
			p.next()
			typ, err := p.parseType()
			if err != nil {
				return nil, err
			}
			pos, _ := l.span()
			l = &instanceOf{base: base{pos, p.toks[p.i-1].end}, x: l, typ: typ}
		default:
			return l, nil
		}
	}
}

// parseInTests parses the right side of "in": a positive unary test or a
// parenthesized list of them.
func (p *parser) parseInTests() ([]node, error) {
	if p.isPunct("(") {
		save := p.i
		p.next()
		var tests []node
		ok := true
		for {
			t, err := p.parseUnaryTest()
			if err != nil {
				ok = false
				break
			}
			tests = append(tests, t)
			if p.isPunct(",") {
				p.next()
				continue
			}
			if p.isPunct(")") {
				p.next()
				return tests, nil
			}
			ok = false
			break
		}
		_ = ok
		p.i = save
	}
	t, err := p.parseUnaryTest()
	if err != nil {
		return nil, err
	}
	return []node{t}, nil
}

// parseUnaryTest parses one positive unary test: "< e", "<= e", "> e",
// ">= e", "= e", "!= e", or an expression (value, list, range).
func (p *parser) parseUnaryTest() (node, error) {
	t := p.peek()
	if t.kind == tPunct {
		switch t.text {
		case "<", "<=", ">", ">=", "=", "!=":
			p.next()
			x, err := p.parseAdditive()
			if err != nil {
				return nil, err
			}
			_, end := x.span()
			return &unaryCmp{base: base{t.pos, end}, op: t.text, x: x}, nil
		}
	}
	return p.parseExpr()
}

// ParseUnaryTests-mode entry: "-", "not(...)", or comma separated tests.
func (p *parser) parseUnaryTests() ([]node, bool, error) {
	if p.isPunct("-") && p.peekAt(1).kind == tEOF {
		t := p.next()
		return []node{&anyTest{base{t.pos, t.end}}}, false, nil
	}
	negated := false
	if p.isKeyword("not") && p.peekAt(1).kind == tPunct && p.peekAt(1).text == "(" {
		// "not(...)" over the whole test list
		save := p.i
		p.next()
		p.next()
		tests, err := p.parseTestList(")")
		if err == nil && p.isPunct(")") && p.peekAt(1).kind == tEOF {
			p.next()
			return tests, true, nil
		}
		p.i = save
	}
	tests, err := p.parseTestList("")
	if err != nil {
		return nil, false, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, false, p.errAt(t.pos, "unexpected %s in unary tests", describe(t))
	}
	return tests, negated, nil
}

func (p *parser) parseTestList(closer string) ([]node, error) {
	var tests []node
	for {
		t, err := p.parseUnaryTest()
		if err != nil {
			return nil, err
		}
		tests = append(tests, t)
		if !p.isPunct(",") {
			return tests, nil
		}
		p.next()
	}
}

func (p *parser) parseAdditive() (node, error) {
	l, err := p.parseMultiplicative()
	if err != nil {
		return nil, err
	}
	for p.isPunct("+") || p.isPunct("-") {
		op := p.next().text
		r, err := p.parseMultiplicative()
		if err != nil {
			return nil, err
		}
		l = &binary{base: spanOf(l, r), op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseMultiplicative() (node, error) {
	l, err := p.parseExponent()
	if err != nil {
		return nil, err
	}
	for p.isPunct("*") || p.isPunct("/") {
		op := p.next().text
		r, err := p.parseExponent()
		if err != nil {
			return nil, err
		}
		l = &binary{base: spanOf(l, r), op: op, l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseExponent() (node, error) {
	l, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.isPunct("**") {
		p.next()
		r, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		l = &binary{base: spanOf(l, r), op: "**", l: l, r: r}
	}
	return l, nil
}

func (p *parser) parseUnary() (node, error) {
	if p.isPunct("-") {
		t := p.next()
		if err := p.enter(); err != nil {
			return nil, err
		}
		defer func() { p.depth-- }()
		x, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		if n, ok := x.(*numLit); ok {
			_, end := x.span()
			return &numLit{base: base{t.pos, end}, val: numNeg(n.val)}, nil
		}
		_, end := x.span()
		return &negate{base: base{t.pos, end}, x: x}, nil
	}
	if p.isPunct("+") {
		// unary plus is accepted and ignored
		p.next()
		return p.parseUnary()
	}
	return p.parsePostfix()
}

func (p *parser) parsePostfix() (node, error) {
	x, err := p.parsePrimary()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		if t.kind != tPunct {
			return x, nil
		}
		pos, _ := x.span()
		switch t.text {
		case ".":
			p.next()
			nt := p.peek()
			if nt.kind != tName {
				return nil, p.errAt(nt.pos, "expected a name after '.' but found %s", describe(nt))
			}
			name, end := p.parseNameTokens(true)
			x = &pathExpr{base: base{pos, end}, x: x, name: name}
		case "[":
			if !p.startsExpr(p.peekAt(1)) {
				// "[" closes a range like "[1..10[" here, it does not open a filter
				return x, nil
			}
			p.next()
			f, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			ct, err := p.expectPunct("]", "to close the filter")
			if err != nil {
				return nil, err
			}
			x = &filterExpr{base: base{pos, ct.end}, x: x, filter: f}
		case "(":
			p.next()
			args, named, err := p.parseArgs()
			if err != nil {
				return nil, err
			}
			x = &callExpr{base: base{pos, p.toks[p.i-1].end}, fn: x, args: args, named: named}
		default:
			return x, nil
		}
	}
}

// parseArgs parses the arguments after '(' up to and including ')'.
func (p *parser) parseArgs() ([]callArg, bool, error) {
	var args []callArg
	named := false
	if p.isPunct(")") {
		p.next()
		return nil, false, nil
	}
	for {
		// a named argument is name tokens followed by ':'
		name := ""
		if p.peek().kind == tName {
			j := p.i
			for p.toks[j].kind == tName || (p.toks[j].kind == tPunct && p.toks[j].text != ":" && p.toks[j].text != "," && p.toks[j].text != "(" && p.toks[j].text != ")" && p.toks[j].text != "[" && p.toks[j].text != "{" && j > p.i) {
				j++
				if j-p.i > 12 {
					break
				}
			}
			if p.toks[j].kind == tPunct && p.toks[j].text == ":" && j > p.i {
				name = normalizeName(p.src[p.toks[p.i].pos:p.toks[j-1].end])
				p.i = j + 1
			}
		}
		if len(args) > 0 && (name != "") != named {
			return nil, false, p.errAt(p.peek().pos, "cannot mix named and positional arguments")
		}
		named = name != ""
		x, err := p.parseExpr()
		if err != nil {
			return nil, false, err
		}
		args = append(args, callArg{name: name, x: x})
		if p.isPunct(",") {
			p.next()
			continue
		}
		if _, err := p.expectPunct(")", "to close the argument list"); err != nil {
			return nil, false, err
		}
		return args, named, nil
	}
}

func normalizeName(s string) string {
	if !strings.ContainsAny(s, " \t\n\r") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// parseNameTokens reads a name starting at the current token. It prefers the
// longest known multi-token name; otherwise it joins plain words that are not
// keywords, since two adjacent names are never valid FEEL otherwise.
func (p *parser) parseNameTokens(afterDot bool) (string, int) {
	first := p.peek()
	if first.quoted {
		p.next()
		return first.text, first.end
	}
	best := 0
	cands := builtinKnown()[first.text]
	if extra := p.known[first.text]; len(extra) > 0 {
		cands = append(append([]knownName(nil), cands...), extra...)
	}
	for _, k := range cands {
		if k.ntoks <= best || p.i+k.ntoks > len(p.toks) {
			continue
		}
		match := true
		for j, txt := range k.texts {
			t := p.toks[p.i+j]
			if t.text != txt || t.kind == tString || t.kind == tEOF {
				match = false
				break
			}
		}
		if match {
			best = k.ntoks
		}
	}
	if best > 0 {
		start := p.i
		p.i += best
		last := p.toks[p.i-1]
		return normalizeName(p.src[p.toks[start].pos:last.end]), last.end
	}
	p.next()
	end := first.end
	if stopWords[first.text] && !afterDot {
		return first.text, end
	}
	for {
		t := p.peek()
		if t.kind != tName || t.quoted || stopWords[t.text] {
			break
		}
		// "x y" where y is a known multi-token name start is still joined
		p.next()
		end = t.end
	}
	return normalizeName(p.src[first.pos:end]), end
}

func (p *parser) parsePrimary() (node, error) {
	t := p.peek()
	switch t.kind {
	case tEOF:
		return nil, p.errAt(t.pos, "unexpected end of expression")
	case tNumber:
		p.next()
		n, err := ParseNumber(t.text)
		if err != nil {
			return nil, p.errAt(t.pos, "invalid number %q", t.text)
		}
		return &numLit{base: base{t.pos, t.end}, val: n}, nil
	case tString:
		p.next()
		return &strLit{base: base{t.pos, t.end}, val: t.text}, nil
	case tPunct:
		switch t.text {
		case "@":
			p.next()
			st := p.peek()
			if st.kind != tString {
				return nil, p.errAt(st.pos, "expected a string after '@' (like @\"2024-01-01\") but found %s", describe(st))
			}
			p.next()
			return &atLit{base: base{t.pos, st.end}, val: st.text}, nil
		case "(":
			return p.parseParenOrRange()
		case "[":
			return p.parseListOrRange()
		case "]":
			// "]a..b]" is a range with an open start
			p.next()
			return p.parseRangeRest(t.pos, false)
		case "{":
			return p.parseContext()
		case "<", "<=", ">", ">=", "=", "!=":
			// unary comparison used as a value, e.g. in a list of tests
			p.next()
			x, err := p.parseAdditive()
			if err != nil {
				return nil, err
			}
			_, end := x.span()
			return &unaryCmp{base: base{t.pos, end}, op: t.text, x: x}, nil
		}
		return nil, p.errAt(t.pos, "unexpected %s", describe(t))
	}
	// names and keywords
	if !t.quoted {
		switch t.text {
		case "true", "false":
			p.next()
			return &boolLit{base: base{t.pos, t.end}, val: t.text == "true"}, nil
		case "null":
			p.next()
			return &nullLit{base{t.pos, t.end}}, nil
		case "if":
			return p.parseIf()
		case "for":
			return p.parseFor()
		case "some", "every":
			if p.peekAt(1).kind == tName {
				return p.parseQuantified()
			}
		case "function":
			if p.peekAt(1).kind == tPunct && p.peekAt(1).text == "(" {
				return p.parseFuncDef()
			}
		case "then", "else", "return", "satisfies", "in", "between", "instance", "of":
			return nil, p.errAt(t.pos, "unexpected keyword '%s'", t.text)
		case "and", "or", "not":
			if !(p.peekAt(1).kind == tPunct && p.peekAt(1).text == "(") {
				return nil, p.errAt(t.pos, "unexpected keyword '%s'", t.text)
			}
			p.next()
			return &nameRef{base: base{t.pos, t.end}, name: t.text}, nil
		}
	}
	name, end := p.parseNameTokens(false)
	return &nameRef{base: base{t.pos, end}, name: name}, nil
}

func (p *parser) parseParenOrRange() (node, error) {
	open := p.next()
	x, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if p.isPunct("..") {
		p.next()
		return p.parseRangeTail(open.pos, false, x)
	}
	if _, err := p.expectPunct(")", "to close the parenthesis"); err != nil {
		return nil, err
	}
	return x, nil
}

func (p *parser) parseListOrRange() (node, error) {
	open := p.next()
	if p.isPunct("]") {
		c := p.next()
		return &listLit{base: base{open.pos, c.end}}, nil
	}
	first, err := p.parseListItem()
	if err != nil {
		return nil, err
	}
	if p.isPunct("..") {
		p.next()
		return p.parseRangeTail(open.pos, true, first)
	}
	items := []node{first}
	for p.isPunct(",") {
		p.next()
		it, err := p.parseListItem()
		if err != nil {
			return nil, err
		}
		items = append(items, it)
	}
	c, err := p.expectPunct("]", "to close the list")
	if err != nil {
		return nil, err
	}
	return &listLit{base: base{open.pos, c.end}, items: items}, nil
}

// parseListItem allows unary comparisons ("< 5") as list items, which is
// how lists of unary tests are written.
func (p *parser) parseListItem() (node, error) {
	return p.parseUnaryTest()
}

// parseRangeRest parses "a..b]" after an opening ']'.
func (p *parser) parseRangeRest(pos int, loClosed bool) (node, error) {
	lo, err := p.parseAdditive()
	if err != nil {
		return nil, err
	}
	if _, err := p.expectPunct("..", "in the range"); err != nil {
		return nil, err
	}
	return p.parseRangeTail(pos, loClosed, lo)
}

func (p *parser) parseRangeTail(pos int, loClosed bool, lo node) (node, error) {
	hi, err := p.parseAdditive()
	if err != nil {
		return nil, err
	}
	t := p.peek()
	if t.kind != tPunct || (t.text != "]" && t.text != ")" && t.text != "[") {
		return nil, p.errAt(t.pos, "expected ']', ')' or '[' to close the range but found %s", describe(t))
	}
	p.next()
	return &rangeLit{base: base{pos, t.end}, lo: lo, hi: hi, loClosed: loClosed, hiClosed: t.text == "]"}, nil
}

func (p *parser) parseContext() (node, error) {
	open := p.next()
	c := &ctxLit{}
	if p.isPunct("}") {
		cl := p.next()
		c.base = base{open.pos, cl.end}
		return c, nil
	}
	for {
		kt := p.peek()
		var key string
		switch kt.kind {
		case tString:
			p.next()
			key = kt.text
		case tName, tNumber:
			// a key is everything up to ':'
			j := p.i
			for p.toks[j].kind != tEOF && !(p.toks[j].kind == tPunct && (p.toks[j].text == ":" || p.toks[j].text == "," || p.toks[j].text == "}")) {
				j++
			}
			if j == p.i {
				return nil, p.errAt(kt.pos, "expected a context key")
			}
			if kt.quoted && j == p.i+1 {
				key = kt.text
			} else {
				key = normalizeName(p.src[kt.pos:p.toks[j-1].end])
			}
			p.i = j
		default:
			return nil, p.errAt(kt.pos, "expected a context key (a name or a string) but found %s", describe(kt))
		}
		if _, err := p.expectPunct(":", "after the context key"); err != nil {
			return nil, err
		}
		p.declare(key)
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		c.entries = append(c.entries, ctxEntry{key: key, x: x})
		if p.isPunct(",") {
			p.next()
			continue
		}
		cl, err := p.expectPunct("}", "to close the context")
		if err != nil {
			return nil, err
		}
		c.base = base{open.pos, cl.end}
		return c, nil
	}
}

func (p *parser) parseIf() (node, error) {
	start := p.next()
	cond, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("then", "after the if condition"); err != nil {
		return nil, err
	}
	th, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("else", "after the then branch (FEEL requires 'else')"); err != nil {
		return nil, err
	}
	el, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	_, end := el.span()
	return &ifExpr{base: base{start.pos, end}, cond: cond, then: th, els: el}, nil
}

func (p *parser) parseIterators(what string) ([]iterator, error) {
	var its []iterator
	for {
		nt := p.peek()
		if nt.kind != tName || (!nt.quoted && stopWords[nt.text]) {
			return nil, p.errAt(nt.pos, "expected a variable name in '%s' but found %s", what, describe(nt))
		}
		name, _ := p.parseNameTokens(false)
		if err := p.expectKeyword("in", "after the "+what+" variable"); err != nil {
			return nil, err
		}
		x, err := p.parseExpr()
		if err != nil {
			return nil, err
		}
		it := iterator{name: name, x: x}
		if p.isPunct("..") {
			p.next()
			to, err := p.parseExpr()
			if err != nil {
				return nil, err
			}
			it.to = to
		}
		p.declare(name)
		its = append(its, it)
		if p.isPunct(",") {
			p.next()
			continue
		}
		return its, nil
	}
}

func (p *parser) parseFor() (node, error) {
	start := p.next()
	its, err := p.parseIterators("for")
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("return", "after the for iteration contexts"); err != nil {
		return nil, err
	}
	body, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	_, end := body.span()
	return &forExpr{base: base{start.pos, end}, iters: its, body: body}, nil
}

func (p *parser) parseQuantified() (node, error) {
	start := p.next()
	its, err := p.parseIterators(start.text)
	if err != nil {
		return nil, err
	}
	if err := p.expectKeyword("satisfies", "after the "+start.text+" iteration contexts"); err != nil {
		return nil, err
	}
	cond, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	_, end := cond.span()
	return &quantExpr{base: base{start.pos, end}, every: start.text == "every", iters: its, cond: cond}, nil
}

func (p *parser) parseFuncDef() (node, error) {
	start := p.next()
	p.next() // (
	var params []string
	var types []*typeSpec
	if !p.isPunct(")") {
		for {
			nt := p.peek()
			if nt.kind != tName {
				return nil, p.errAt(nt.pos, "expected a parameter name but found %s", describe(nt))
			}
			name, _ := p.parseNameTokens(false)
			var typ *typeSpec
			if p.isPunct(":") {
				p.next()
				t, err := p.parseType()
				if err != nil {
					return nil, err
				}
				typ = t
			}
			types = append(types, typ)
			for _, q := range params {
				if q == name {
					return nil, p.errAt(nt.pos, "duplicate parameter '%s'", name)
				}
			}
			params = append(params, name)
			p.declare(name)
			if p.isPunct(",") {
				p.next()
				continue
			}
			break
		}
	}
	if _, err := p.expectPunct(")", "to close the parameter list"); err != nil {
		return nil, err
	}
	if p.isKeyword("external") {
		return nil, p.errAt(p.peek().pos, "external functions are not supported")
	}
	body, err := p.parseExpr()
	if err != nil {
		return nil, err
	}
	_, end := body.span()
	return &funcDef{base: base{start.pos, end}, params: params, types: types, body: body}, nil
}

// parseType parses a type for "instance of" and parameter declarations.
func (p *parser) parseType() (*typeSpec, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	t := p.peek()
	if t.kind != tName {
		return nil, p.errAt(t.pos, "expected a type name but found %s", describe(t))
	}
	// type names may have several words: "date and time", "days and time duration"
	var words []string
	for p.peek().kind == tName {
		w := p.peek().text
		if len(words) > 0 && !(w == "and" || w == "time" || w == "duration" || w == "months" || w == "years" || w == "days") {
			break
		}
		words = append(words, w)
		p.next()
	}
	ts := &typeSpec{name: strings.Join(words, " ")}
	if p.isPunct("<") {
		p.next()
		switch ts.name {
		case "list", "range":
			el, err := p.parseType()
			if err != nil {
				return nil, err
			}
			ts.elem = el
		case "context":
			for !p.isPunct(">") {
				nt := p.peek()
				if nt.kind != tName && nt.kind != tString {
					return nil, p.errAt(nt.pos, "expected a context type field but found %s", describe(nt))
				}
				name := nt.text
				p.next()
				if _, err := p.expectPunct(":", "after the context type field"); err != nil {
					return nil, err
				}
				ft, err := p.parseType()
				if err != nil {
					return nil, err
				}
				ts.fields = append(ts.fields, typeField{name, ft})
				if p.isPunct(",") {
					p.next()
				}
			}
		case "function":
			for !p.isPunct(">") {
				pt, err := p.parseType()
				if err != nil {
					return nil, err
				}
				ts.params = append(ts.params, pt)
				if p.isPunct(",") {
					p.next()
				} else if !p.isPunct(">") {
					return nil, p.errAt(p.peek().pos, "expected ',' or '>' in the function type")
				}
			}
		default:
			return nil, p.errAt(t.pos, "type '%s' takes no type parameters", ts.name)
		}
		if _, err := p.expectPunct(">", "to close the type parameters"); err != nil {
			return nil, err
		}
		if ts.name == "function" {
			if _, err := p.expectPunct("->", "after the function parameter types"); err != nil {
				return nil, err
			}
			rt, err := p.parseType()
			if err != nil {
				return nil, err
			}
			ts.result = rt
		}
	}
	return ts, nil
}

// startsExpr reports whether t can begin an expression.
func (p *parser) startsExpr(t token) bool {
	switch t.kind {
	case tEOF:
		return false
	case tPunct:
		switch t.text {
		case "(", "[", "{", "-", "+", "@", "<", "<=", ">", ">=", "=", "!=":
			return true
		}
		return false
	case tName:
		switch t.text {
		case "and", "or", "then", "else", "return", "satisfies", "in", "between", "instance", "of":
			return t.quoted
		}
	}
	return true
}
