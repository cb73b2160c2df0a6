package feel

import (
	"context"
	"fmt"
	"strings"
	"time"
)

type evalFn func(e *env) Value

// env is the state of one evaluation.
type env struct {
	ctx      context.Context
	vars     Variables
	frame    *frame
	warnings []Warning
	steps    int
	built    int64 // bytes of strings, lists and contexts built (see charge)
	depth    int
	limits   Limits
	err      error
	now      func() time.Time
	nowVal   time.Time
	hasNow   bool
	input    Value
	hasInput bool
}

// frame holds the values of one runtime scope. item is set for filter
// scopes, whose context entries are visible by name.
type frame struct {
	parent *frame
	slots  []Value
	item   Value
}

func (e *env) warn(kind WarningKind, format string, args ...any) {
	if len(e.warnings) < 100 {
		e.warnings = append(e.warnings, Warning{Kind: kind, Message: fmt.Sprintf(format, args...)})
	}
}

// fail records a fatal error; evaluation unwinds by returning null.
func (e *env) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// step counts work and checks limits and cancellation; false means stop.
func (e *env) step() bool {
	if e.err != nil {
		return false
	}
	e.steps++
	if e.steps > e.limits.MaxSteps {
		e.fail(fmt.Errorf("%w: more than %d steps", ErrLimitExceeded, e.limits.MaxSteps))
		return false
	}
	if e.steps&1023 == 0 {
		if err := e.ctx.Err(); err != nil {
			e.fail(fmt.Errorf("feel: evaluation cancelled: %w", err))
			return false
		}
	}
	return true
}

func (e *env) currentTime() time.Time {
	if !e.hasNow {
		e.nowVal = e.now()
		e.hasNow = true
	}
	return e.nowVal
}

// lookupGlobal resolves a name against the variables, then builtins.
func (e *env) lookupGlobal(name string) Value {
	if name == "?" && e.hasInput {
		return e.input
	}
	if raw, ok := e.vars.Lookup(name); ok {
		return FromJSON(raw)
	}
	if b, ok := builtinsByName()[name]; ok {
		return b.value()
	}
	e.warn(NoVariableFound, "no variable found with name '%s'", name)
	return Null{}
}

// scope is the compile-time mirror of a frame.
type scope struct {
	parent  *scope
	names   []string
	dynamic bool
}

type compiler struct {
	src string
	sc  *scope
}

func (c *compiler) push(names []string, dynamic bool) {
	c.sc = &scope{parent: c.sc, names: names, dynamic: dynamic}
}

func (c *compiler) pop() { c.sc = c.sc.parent }

// resolution describes where a name lives.
type resolution struct {
	found   bool
	hops    int
	slot    int
	dynHops []int // filter scopes passed on the way (innermost first)
}

func (c *compiler) resolve(name string) resolution {
	var r resolution
	hops := 0
	for s := c.sc; s != nil; s = s.parent {
		if s.dynamic {
			r.dynHops = append(r.dynHops, hops)
		}
		for i, n := range s.names {
			if n == name {
				r.found, r.hops, r.slot = true, hops, i
				return r
			}
		}
		hops++
	}
	return r
}

func (c *compiler) text(n node) string {
	p, e := n.span()
	if p < 0 || e > len(c.src) || p > e {
		return ""
	}
	return c.src[p:e]
}

func constFn(v Value) evalFn { return func(*env) Value { return v } }

func (c *compiler) compile(n node) evalFn {
	switch n := n.(type) {
	case *numLit:
		return constFn(n.val)
	case *strLit:
		return constFn(String(n.val))
	case *boolLit:
		return constFn(Boolean(n.val))
	case *nullLit:
		return constFn(Null{})
	case *atLit:
		v, err := parseTemporal(n.val)
		if err != nil {
			msg := err.Error()
			return func(e *env) Value {
				e.warn(InvalidArgument, "invalid temporal literal @%s: %s", quote(n.val), msg)
				return Null{}
			}
		}
		return constFn(v)
	case *nameRef:
		return c.compileName(n.name)
	case *pathExpr:
		return c.compilePath(n)
	case *filterExpr:
		return c.compileFilter(n)
	case *callExpr:
		return c.compileCall(n)
	case *binary:
		return c.compileBinary(n)
	case *negate:
		x := c.compile(n.x)
		return func(e *env) Value {
			v, msg := negateValue(x(e))
			if msg != "" {
				e.warn(InvalidType, "%s", msg)
			}
			return v
		}
	case *between:
		x, lo, hi := c.compile(n.x), c.compile(n.lo), c.compile(n.hi)
		return func(e *env) Value {
			v, l, h := x(e), lo(e), hi(e)
			if isNull(v) || isNull(l) || isNull(h) {
				return Null{}
			}
			c1, ok1 := compare(l, v)
			c2, ok2 := compare(v, h)
			if !ok1 || !ok2 {
				e.warn(NotComparable, "cannot compare %s with %s and %s", TypeName(v), TypeName(l), TypeName(h))
				return Null{}
			}
			return Boolean(c1 <= 0 && c2 <= 0)
		}
	case *inExpr:
		return c.compileIn(n)
	case *unaryCmp:
		// a unary comparison used as a value is a range ("< 10" is (null..10)),
		// or for "!=" a unary test function
		x := c.compile(n.x)
		op := n.op
		return func(e *env) Value {
			v := x(e)
			if op != "!=" && !isRangeEndpoint(v) {
				e.warn(InvalidType, "a range endpoint must be a number, string, date, time or duration, found %s", TypeName(v))
				return Null{}
			}
			switch op {
			case "<":
				return &Range{High: v}
			case "<=":
				return &Range{High: v, HighClosed: true}
			case ">":
				return &Range{Low: v}
			case ">=":
				return &Range{Low: v, LowClosed: true}
			case "=":
				return &Range{Low: v, High: v, LowClosed: true, HighClosed: true}
			}
			f := &Function{Params: []string{"x"}}
			f.call = func(e *env, args []Value) Value { return cmpTest(e, "!=", args[0], v) }
			return f
		}
	case *notTest:
		tests := make([]evalFn, len(n.tests))
		for i, t := range n.tests {
			tests[i] = c.compile(t)
		}
		return func(e *env) Value {
			for _, t := range tests {
				switch t(e) {
				case Boolean(true):
					return Boolean(false)
				}
			}
			return Boolean(true)
		}
	case *anyTest:
		return constFn(Boolean(true))
	case *rangeLit:
		return c.compileRange(n)
	case *listLit:
		items := make([]evalFn, len(n.items))
		for i, it := range n.items {
			items[i] = c.compile(it)
		}
		return func(e *env) Value {
			l := make(List, len(items))
			for i, it := range items {
				l[i] = it(e)
			}
			return e.charge(l)
		}
	case *ctxLit:
		return c.compileContext(n)
	case *ifExpr:
		cond, th, el := c.compile(n.cond), c.compile(n.then), c.compile(n.els)
		return func(e *env) Value {
			if b, ok := cond(e).(Boolean); ok && bool(b) {
				return th(e)
			}
			return el(e)
		}
	case *forExpr:
		return c.compileFor(n)
	case *quantExpr:
		return c.compileQuant(n)
	case *funcDef:
		return c.compileFuncDef(n)
	case *instanceOf:
		x := c.compile(n.x)
		typ := n.typ
		return func(e *env) Value { return Boolean(instanceOfType(x(e), typ)) }
	}
	return func(e *env) Value {
		e.warn(InvalidType, "unsupported expression")
		return Null{}
	}
}

func parseTemporal(s string) (Value, error) {
	switch {
	case strings.HasPrefix(s, "P") || strings.HasPrefix(s, "-P"):
		return ParseDuration(s)
	case strings.Contains(s, "T"):
		return ParseDateTime(s)
	case len(s) >= 3 && s[2] == ':':
		return ParseTime(s)
	}
	return ParseDate(s)
}

func (c *compiler) compileName(name string) evalFn {
	r := c.resolve(name)
	if len(r.dynHops) == 0 {
		if !r.found {
			return func(e *env) Value { return e.lookupGlobal(name) }
		}
		hops, slot := r.hops, r.slot
		switch hops {
		case 0:
			return func(e *env) Value { return e.frame.slots[slot] }
		case 1:
			return func(e *env) Value { return e.frame.parent.slots[slot] }
		}
		return func(e *env) Value {
			f := e.frame
			for i := 0; i < hops; i++ {
				f = f.parent
			}
			return f.slots[slot]
		}
	}
	dyn := r.dynHops
	found, hops, slot := r.found, r.hops, r.slot
	return func(e *env) Value {
		f := e.frame
		h := 0
		for _, dh := range dyn {
			for h < dh {
				f = f.parent
				h++
			}
			if ctx, ok := f.item.(*Context); ok {
				if v, ok := ctx.Get(name); ok {
					return v
				}
			}
		}
		if !found {
			return e.lookupGlobal(name)
		}
		for h < hops {
			f = f.parent
			h++
		}
		return f.slots[slot]
	}
}

// compilePath compiles a.b.c. When the root is a variable, the JSON value is
// walked directly so that only the selected part is converted.
func (c *compiler) compilePath(n *pathExpr) evalFn {
	var segs []string
	var x node = n
	for {
		p, ok := x.(*pathExpr)
		if !ok {
			break
		}
		segs = append(segs, p.name)
		x = p.x
	}
	for i, j := 0, len(segs)-1; i < j; i, j = i+1, j-1 {
		segs[i], segs[j] = segs[j], segs[i]
	}
	if root, ok := x.(*nameRef); ok {
		r := c.resolve(root.name)
		if !r.found && len(r.dynHops) == 0 && root.name != "?" {
			name := root.name
			return func(e *env) Value {
				raw, ok := e.vars.Lookup(name)
				if !ok {
					return pathValue(e, e.lookupGlobal(name), segs)
				}
				for i, seg := range segs {
					m, isMap := raw.(map[string]any)
					if !isMap {
						return pathValue(e, FromJSON(raw), segs[i:])
					}
					raw, ok = m[seg]
					if !ok {
						e.warn(NoContextEntryFound, "no context entry found with key '%s'", seg)
						return Null{}
					}
				}
				return FromJSON(raw)
			}
		}
	}
	base := c.compile(x)
	return func(e *env) Value { return pathValue(e, base(e), segs) }
}

func pathValue(e *env, v Value, segs []string) Value {
	for _, s := range segs {
		v = member(e, v, s)
	}
	return v
}

// member implements "v.name".
func member(e *env, v Value, name string) Value {
	switch x := v.(type) {
	case *Context:
		if r, ok := x.Get(name); ok {
			return r
		}
		e.warn(NoContextEntryFound, "no context entry found with key '%s'", name)
		return Null{}
	case List:
		out := make(List, len(x))
		for i, it := range x {
			out[i] = member(e, it, name)
		}
		return out
	case Null, nil:
		return Null{}
	}
	if r, ok := property(v, name); ok {
		return r
	}
	e.warn(NoPropertyFound, "no property '%s' on a value of type %s", name, TypeName(v))
	return Null{}
}

func (c *compiler) compileFilter(n *filterExpr) evalFn {
	x := c.compile(n.x)
	// constant index
	if idx, ok := constIndex(n.filter); ok {
		return func(e *env) Value {
			return indexList(e, x(e), idx)
		}
	}
	c.push([]string{"item"}, true)
	f := c.compile(n.filter)
	c.pop()
	return func(e *env) Value {
		v := x(e)
		var l List
		switch lv := v.(type) {
		case List:
			l = lv
		case Null, nil:
			return Null{}
		default:
			l = List{v}
		}
		saved := e.frame
		defer func() { e.frame = saved }()
		if len(l) == 0 {
			e.frame = &frame{parent: saved, slots: []Value{Null{}}}
			r := f(e)
			if n, isNum := r.(*Number); isNum {
				_ = n
				return Null{}
			}
			return List{}
		}
		out := List{}
		for i, it := range l {
			if !e.step() {
				return Null{}
			}
			e.frame = &frame{parent: saved, slots: []Value{it}, item: it}
			r := f(e)
			if i == 0 {
				if num, isNum := r.(*Number); isNum {
					e.frame = saved
					i, ok := num.Int64()
					if !ok {
						return Null{}
					}
					return indexList(e, l, i)
				}
			}
			if b, ok := r.(Boolean); ok && bool(b) {
				out = append(out, it)
			}
		}
		return out
	}
}

func constIndex(n node) (int64, bool) {
	if num, ok := n.(*numLit); ok {
		return num.val.Int64()
	}
	return 0, false
}

func indexList(e *env, v Value, idx int64) Value {
	var l List
	switch lv := v.(type) {
	case List:
		l = lv
	case Null, nil:
		return Null{}
	default:
		l = List{v}
	}
	n := int64(len(l))
	switch {
	case idx > 0 && idx <= n:
		return l[idx-1]
	case idx < 0 && -idx <= n:
		return l[n+idx]
	}
	e.warn(InvalidArgument, "index %d is out of range for a list of size %d", idx, n)
	return Null{}
}

func (c *compiler) compileBinary(n *binary) evalFn {
	l, r := c.compile(n.l), c.compile(n.r)
	op := n.op
	switch op {
	case "and":
		return func(e *env) Value {
			a := l(e)
			if a == Boolean(false) {
				return a
			}
			b := r(e)
			if b == Boolean(false) {
				return b
			}
			_, aok := a.(Boolean)
			_, bok := b.(Boolean)
			if aok && bok {
				return Boolean(true)
			}
			return Null{}
		}
	case "or":
		return func(e *env) Value {
			a := l(e)
			if a == Boolean(true) {
				return a
			}
			b := r(e)
			if b == Boolean(true) {
				return b
			}
			_, aok := a.(Boolean)
			_, bok := b.(Boolean)
			if aok && bok {
				return Boolean(false)
			}
			return Null{}
		}
	case "=", "!=":
		neg := op == "!="
		return func(e *env) Value {
			a, b := l(e), r(e)
			eq, ok := equal(a, b)
			if !ok {
				e.warn(NotComparable, "cannot compare %s with %s", TypeName(a), TypeName(b))
				return Null{}
			}
			return Boolean(eq != neg)
		}
	case "<", "<=", ">", ">=":
		return func(e *env) Value { return cmpOp(e, op, l(e), r(e)) }
	}
	return func(e *env) Value {
		a, b := l(e), r(e)
		if sa, ok := a.(String); ok {
			if sb, ok := b.(String); ok && op == "+" {
				if err := e.room(int64(len(sa)) + int64(len(sb))); err != nil {
					e.fail(err.(fatalError).err)
					return Null{}
				}
			}
		}
		v, msg := arithmetic(op, a, b)
		if msg != "" {
			e.warn(InvalidType, "%s", msg)
		}
		return e.charge(v)
	}
}

func cmpOp(e *env, op string, a, b Value) Value {
	if isNull(a) || isNull(b) {
		return Null{}
	}
	c, ok := compare(a, b)
	if !ok {
		e.warn(NotComparable, "cannot compare %s with %s", TypeName(a), TypeName(b))
		return Null{}
	}
	switch op {
	case "<":
		return Boolean(c < 0)
	case "<=":
		return Boolean(c <= 0)
	case ">":
		return Boolean(c > 0)
	}
	return Boolean(c >= 0)
}

// cmpTest evaluates "x op v" for unary comparison tests.
func cmpTest(e *env, op string, x, v Value) Value {
	switch op {
	case "=", "!=":
		eq, ok := equal(x, v)
		if !ok {
			return Null{}
		}
		return Boolean(eq != (op == "!="))
	}
	return cmpOp(e, op, x, v)
}

func usesQuestionMark(n node) bool {
	found := false
	walk(n, func(m node) bool {
		if r, ok := m.(*nameRef); ok && r.name == "?" {
			found = true
		}
		return !found
	})
	return found
}

func (c *compiler) compileIn(n *inExpr) evalFn {
	x := c.compile(n.x)
	type test struct {
		fn     evalFn
		cmp    string // for unary comparisons
		usesQ  bool
		isList bool
	}
	tests := make([]test, len(n.tests))
	anyQ := false
	for _, t := range n.tests {
		if usesQuestionMark(t) {
			anyQ = true
		}
	}
	if anyQ {
		c.push([]string{"?"}, false)
	}
	for i, t := range n.tests {
		switch tt := t.(type) {
		case *unaryCmp:
			tests[i] = test{fn: c.compile(tt.x), cmp: tt.op}
		default:
			_, isList := t.(*listLit)
			tests[i] = test{fn: c.compile(t), usesQ: usesQuestionMark(t), isList: isList}
		}
	}
	if anyQ {
		c.pop()
	}
	return func(e *env) Value {
		v := x(e)
		saved := e.frame
		if anyQ {
			e.frame = &frame{parent: saved, slots: []Value{v}}
			defer func() { e.frame = saved }()
		}
		sawNull := false
		for _, t := range tests {
			var r Value
			tv := t.fn(e)
			switch {
			case t.cmp != "":
				r = cmpTest(e, t.cmp, v, tv)
			case t.usesQ:
				r = tv
			default:
				r = testValue(e, v, tv)
			}
			if r == Boolean(true) {
				return r
			}
			if isNull(r) {
				sawNull = true
			}
		}
		if sawNull {
			return Null{}
		}
		return Boolean(false)
	}
}

// testValue checks input v against the value of a positive unary test.
func testValue(e *env, v, t Value) Value {
	switch tv := t.(type) {
	case *Range:
		return rangeContains(e, tv, v)
	case List:
		if l, ok := v.(List); ok {
			if eq, ok := equal(l, tv); ok && eq {
				return Boolean(true)
			}
		}
		for _, it := range tv {
			if r, ok := it.(*Range); ok {
				if rangeContains(e, r, v) == Boolean(true) {
					return Boolean(true)
				}
				continue
			}
			if eq, ok := equal(v, it); ok && eq {
				return Boolean(true)
			}
		}
		return Boolean(false)
	case *Function:
		return tv.call(e, []Value{v})
	case Boolean:
		if _, isBool := v.(Boolean); !isBool {
			return tv
		}
	}
	eq, ok := equal(v, t)
	if !ok {
		e.warn(NotComparable, "cannot compare %s with %s", TypeName(v), TypeName(t))
		return Null{}
	}
	return Boolean(eq)
}

func rangeContains(e *env, r *Range, v Value) Value {
	if isNull(v) {
		return Null{}
	}
	if r.Low != nil {
		if isNull(r.Low) {
			return Null{}
		}
		c, ok := compare(r.Low, v)
		if !ok {
			e.warn(NotComparable, "cannot compare %s with range of %s", TypeName(v), TypeName(r.Low))
			return Null{}
		}
		if c > 0 || (c == 0 && !r.LowClosed) {
			return Boolean(false)
		}
	}
	if r.High != nil {
		if isNull(r.High) {
			return Null{}
		}
		c, ok := compare(v, r.High)
		if !ok {
			e.warn(NotComparable, "cannot compare %s with range of %s", TypeName(v), TypeName(r.High))
			return Null{}
		}
		if c > 0 || (c == 0 && !r.HighClosed) {
			return Boolean(false)
		}
	}
	return Boolean(true)
}

func (c *compiler) compileRange(n *rangeLit) evalFn {
	var lo, hi evalFn
	if n.lo != nil {
		lo = c.compile(n.lo)
	}
	if n.hi != nil {
		hi = c.compile(n.hi)
	}
	lc, hc := n.loClosed, n.hiClosed
	return func(e *env) Value {
		r := &Range{LowClosed: lc, HighClosed: hc}
		if lo != nil {
			r.Low = lo(e)
		}
		if hi != nil {
			r.High = hi(e)
		}
		for _, b := range []Value{r.Low, r.High} {
			if b != nil && !isNull(b) && !isRangeEndpoint(b) {
				e.warn(InvalidType, "a range endpoint must be a number, string, date, time or duration, found %s", TypeName(b))
				return Null{}
			}
		}
		if r.Low != nil && r.High != nil && !isNull(r.Low) && !isNull(r.High) {
			if _, ok := compare(r.Low, r.High); !ok {
				e.warn(InvalidType, "range bounds %s and %s are not comparable", TypeName(r.Low), TypeName(r.High))
				return Null{}
			}
		}
		return r
	}
}

func (c *compiler) compileContext(n *ctxLit) evalFn {
	var names []string
	slotOf := make([]int, len(n.entries))
	for i, en := range n.entries {
		idx := -1
		for j, nm := range names {
			if nm == en.key {
				idx = j
			}
		}
		if idx < 0 {
			idx = len(names)
			names = append(names, en.key)
		}
		slotOf[i] = idx
	}
	// entries see earlier entries: compile each with the full scope; slots of
	// entries not yet evaluated hold null.
	fns := make([]evalFn, len(n.entries))
	for i, en := range n.entries {
		// entry i sees the entries before it; the slot layout is shared
		visible := make([]string, len(names))
		for j := 0; j < i; j++ {
			visible[slotOf[j]] = names[slotOf[j]]
		}
		if _, isFunc := en.x.(*funcDef); isFunc {
			// a function entry may call itself recursively
			visible[slotOf[i]] = names[slotOf[i]]
		}
		for j := range visible {
			if visible[j] == "" {
				visible[j] = "\x00"
			}
		}
		c.push(visible, false)
		fns[i] = c.compile(en.x)
		c.pop()
	}
	keys := make([]string, len(n.entries))
	for i, en := range n.entries {
		keys[i] = en.key
	}
	nslots := len(names)
	if nslots != len(n.entries) {
		return func(e *env) Value {
			e.warn(InvalidArgument, "context has duplicate keys")
			return Null{}
		}
	}
	return func(e *env) Value {
		saved := e.frame
		f := &frame{parent: saved, slots: make([]Value, nslots)}
		for i := range f.slots {
			f.slots[i] = Null{}
		}
		e.frame = f
		ctx := &Context{entries: make([]Entry, 0, len(fns))}
		for i, fn := range fns {
			v := fn(e)
			f.slots[slotOf[i]] = v
			ctx.set(keys[i], v)
		}
		e.frame = saved
		return e.charge(ctx)
	}
}

// iterate runs the cartesian product of iterators, calling body with a fresh
// frame per combination. It returns false when stopped by a limit.
func (c *compiler) compileIterators(its []iterator, extra []string) ([]evalFn, []evalFn, []string) {
	names := make([]string, 0, len(its)+len(extra))
	for _, it := range its {
		names = append(names, it.name)
	}
	names = append(names, extra...)
	// each iterator's collection may refer to earlier iteration variables
	c.push(names, false)
	colls := make([]evalFn, len(its))
	tos := make([]evalFn, len(its))
	for i, it := range its {
		colls[i] = c.compile(it.x)
		if it.to != nil {
			tos[i] = c.compile(it.to)
		}
	}
	return colls, tos, names
}

// iterValues turns an iteration source into a sequence of values.
func iterValues(e *env, from Value, to Value, hasTo bool) (func(yield func(Value) bool), bool) {
	if hasTo {
		return numberSeq(e, from, to, true, true)
	}
	switch v := from.(type) {
	case List:
		return func(yield func(Value) bool) {
			for _, x := range v {
				if !yield(x) {
					return
				}
			}
		}, true
	case *Range:
		if v.Low == nil || v.High == nil {
			e.warn(InvalidArgument, "cannot iterate over an unbounded range")
			return nil, false
		}
		if c, ok := compare(v.Low, v.High); ok && c > 0 {
			e.warn(InvalidArgument, "cannot iterate over a range whose start is after its end")
			return nil, false
		}
		return numberSeq(e, v.Low, v.High, v.LowClosed, v.HighClosed)
	case Null, nil:
		return nil, false
	}
	return func(yield func(Value) bool) { yield(from) }, true
}

func numberSeq(e *env, from, to Value, loClosed, hiClosed bool) (func(yield func(Value) bool), bool) {
	a, ok1 := from.(*Number)
	b, ok2 := to.(*Number)
	if !ok1 || !ok2 {
		if d1, ok := from.(Date); ok {
			if d2, ok := to.(Date); ok {
				return dateSeq(d1, d2, loClosed, hiClosed), true
			}
		}
		e.warn(InvalidType, "a range to iterate must have integer bounds, found %s and %s", TypeName(from), TypeName(to))
		return nil, false
	}
	x, okx := a.Int64()
	y, oky := b.Int64()
	if !okx || !oky {
		e.warn(InvalidType, "a range to iterate must have integer bounds")
		return nil, false
	}
	step := int64(1)
	if y < x {
		step = -1
	}
	if !loClosed {
		x += step
	}
	if !hiClosed {
		y -= step
	}
	return func(yield func(Value) bool) {
		if (step > 0 && x > y) || (step < 0 && x < y) {
			return
		}
		for i := x; ; i += step {
			if !yield(IntNumber(i)) {
				return
			}
			if i == y {
				return
			}
		}
	}, true
}

func dateSeq(a, b Date, loClosed, hiClosed bool) func(yield func(Value) bool) {
	step := day
	if b.T.Before(a.T) {
		step = -day
	}
	x, y := a.T, b.T
	if !loClosed {
		x = x.Add(step)
	}
	if !hiClosed {
		y = y.Add(-step)
	}
	return func(yield func(Value) bool) {
		if (step > 0 && x.After(y)) || (step < 0 && x.Before(y)) {
			return
		}
		for t := x; ; t = t.Add(step) {
			if !yield(Date{T: t}) || t.Equal(y) {
				return
			}
		}
	}
}

func (c *compiler) compileFor(n *forExpr) evalFn {
	colls, tos, names := c.compileIterators(n.iters, []string{"partial"})
	body := c.compile(n.body)
	c.pop()
	nIt := len(n.iters)
	partialSlot := len(names) - 1
	return func(e *env) Value {
		saved := e.frame
		defer func() { e.frame = saved }()
		results := List{}
		cur := make([]Value, len(names))
		for i := range cur {
			cur[i] = Null{}
		}
		ok := true
		var rec func(level int) bool
		rec = func(level int) bool {
			if level == nIt {
				if !e.step() {
					return false
				}
				slots := make([]Value, len(cur))
				copy(slots, cur)
				slots[partialSlot] = results
				e.frame = &frame{parent: saved, slots: slots}
				results = append(results, body(e))
				return e.err == nil
			}
			e.frame = &frame{parent: saved, slots: cur}
			from := colls[level](e)
			var to Value
			if tos[level] != nil {
				to = tos[level](e)
			}
			seq, good := iterValues(e, from, to, tos[level] != nil)
			if !good {
				ok = false
				return false
			}
			cont := true
			seq(func(v Value) bool {
				cur[level] = v
				cont = rec(level + 1)
				return cont
			})
			return cont
		}
		rec(0)
		if !ok || e.err != nil {
			return Null{}
		}
		return e.charge(results)
	}
}

func (c *compiler) compileQuant(n *quantExpr) evalFn {
	colls, tos, names := c.compileIterators(n.iters, nil)
	cond := c.compile(n.cond)
	c.pop()
	every := n.every
	nIt := len(n.iters)
	return func(e *env) Value {
		saved := e.frame
		defer func() { e.frame = saved }()
		cur := make([]Value, len(names))
		decided := false
		ok := true
		var rec func(level int) bool
		rec = func(level int) bool {
			if level == nIt {
				if !e.step() {
					return false
				}
				slots := make([]Value, len(cur))
				copy(slots, cur)
				e.frame = &frame{parent: saved, slots: slots}
				r := cond(e)
				if every && r != Boolean(true) {
					decided = true
					return false
				}
				if !every && r == Boolean(true) {
					decided = true
					return false
				}
				return true
			}
			e.frame = &frame{parent: saved, slots: cur}
			from := colls[level](e)
			var to Value
			if tos[level] != nil {
				to = tos[level](e)
			}
			seq, good := iterValues(e, from, to, tos[level] != nil)
			if !good {
				ok = false
				return false
			}
			cont := true
			seq(func(v Value) bool {
				cur[level] = v
				cont = rec(level + 1)
				return cont
			})
			return cont
		}
		rec(0)
		if !ok || e.err != nil {
			return Null{}
		}
		if every {
			return Boolean(!decided)
		}
		return Boolean(decided)
	}
}

func (c *compiler) compileFuncDef(n *funcDef) evalFn {
	c.push(n.params, false)
	body := c.compile(n.body)
	c.pop()
	params, types := n.params, n.types
	return func(e *env) Value {
		captured, capturedVars := e.frame, e.vars
		fn := &Function{Params: params}
		fn.call = func(e *env, args []Value) Value {
			if !e.step() {
				return Null{}
			}
			if e.depth >= e.limits.MaxDepth {
				e.fail(fmt.Errorf("%w: function calls nested deeper than %d", ErrLimitExceeded, e.limits.MaxDepth))
				return Null{}
			}
			slots := make([]Value, len(params))
			for i := range slots {
				if i < len(args) && args[i] != nil {
					slots[i] = args[i]
				} else {
					slots[i] = Null{}
				}
				if i < len(types) && types[i] != nil && knownType(types[i].name) && !isNull(slots[i]) && !instanceOfType(slots[i], types[i]) {
					e.warn(InvalidType, "parameter '%s' expects %s but got %s", params[i], types[i].name, TypeName(slots[i]))
					return Null{}
				}
			}
			// the body sees the variables of the evaluation that made the
			// function (a closure), not those of the caller
			saved, savedVars := e.frame, e.vars
			e.frame = &frame{parent: captured, slots: slots}
			e.vars = capturedVars
			e.depth++
			v := body(e)
			e.depth--
			e.frame, e.vars = saved, savedVars
			return v
		}
		return fn
	}
}

// walk visits n and its children in source order while visit returns true.
func walk(n node, visit func(node) bool) {
	if n == nil || !visit(n) {
		return
	}
	switch n := n.(type) {
	case *pathExpr:
		walk(n.x, visit)
	case *filterExpr:
		walk(n.x, visit)
		walk(n.filter, visit)
	case *callExpr:
		walk(n.fn, visit)
		for _, a := range n.args {
			walk(a.x, visit)
		}
	case *binary:
		walk(n.l, visit)
		walk(n.r, visit)
	case *negate:
		walk(n.x, visit)
	case *between:
		walk(n.x, visit)
		walk(n.lo, visit)
		walk(n.hi, visit)
	case *inExpr:
		walk(n.x, visit)
		for _, t := range n.tests {
			walk(t, visit)
		}
	case *unaryCmp:
		walk(n.x, visit)
	case *notTest:
		for _, t := range n.tests {
			walk(t, visit)
		}
	case *rangeLit:
		if n.lo != nil {
			walk(n.lo, visit)
		}
		if n.hi != nil {
			walk(n.hi, visit)
		}
	case *listLit:
		for _, it := range n.items {
			walk(it, visit)
		}
	case *ctxLit:
		for _, en := range n.entries {
			walk(en.x, visit)
		}
	case *ifExpr:
		walk(n.cond, visit)
		walk(n.then, visit)
		walk(n.els, visit)
	case *forExpr:
		for _, it := range n.iters {
			walk(it.x, visit)
			if it.to != nil {
				walk(it.to, visit)
			}
		}
		walk(n.body, visit)
	case *quantExpr:
		for _, it := range n.iters {
			walk(it.x, visit)
			if it.to != nil {
				walk(it.to, visit)
			}
		}
		walk(n.cond, visit)
	case *funcDef:
		walk(n.body, visit)
	case *instanceOf:
		walk(n.x, visit)
	}
}

// isRangeEndpoint reports whether v may bound a range.
func isRangeEndpoint(v Value) bool {
	switch v.(type) {
	case *Number, String, Date, Time, DateTime, YearsMonthsDuration, DaysTimeDuration:
		return true
	}
	return false
}
