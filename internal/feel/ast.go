package feel

// node is an AST node. Spans are byte offsets into the source.
type node interface {
	span() (pos, end int)
}

type base struct{ pos, end int }

func (b base) span() (int, int) { return b.pos, b.end }

type (
	numLit struct {
		base
		val *Number
	}
	strLit struct {
		base
		val string
	}
	boolLit struct {
		base
		val bool
	}
	nullLit struct{ base }
	atLit   struct {
		base
		val string
	}
	nameRef struct {
		base
		name string
	}
	pathExpr struct {
		base
		x    node
		name string
	}
	filterExpr struct {
		base
		x, filter node
	}
	callArg struct {
		name string // empty for positional
		x    node
	}
	callExpr struct {
		base
		fn    node // *nameRef for named functions
		args  []callArg
		named bool
	}
	binary struct {
		base
		op   string // + - * / ** = != < <= > >= and or
		l, r node
	}
	negate struct {
		base
		x node
	}
	between struct {
		base
		x, lo, hi node
	}
	inExpr struct {
		base
		x     node
		tests []node
	}
	// unaryCmp is a unary test such as "< 5" (op is one of < <= > >= = !=).
	unaryCmp struct {
		base
		op string
		x  node
	}
	// notTest is the unary test "not(t1, t2, ...)".
	notTest struct {
		base
		tests []node
	}
	// anyTest is the unary test "-".
	anyTest  struct{ base }
	rangeLit struct {
		base
		lo, hi             node // nil for unbounded
		loClosed, hiClosed bool
	}
	listLit struct {
		base
		items []node
	}
	ctxEntry struct {
		key string
		x   node
	}
	ctxLit struct {
		base
		entries []ctxEntry
	}
	ifExpr struct {
		base
		cond, then, els node
	}
	iterator struct {
		name string
		x    node
		to   node // non-nil for "i in a..b"
	}
	forExpr struct {
		base
		iters []iterator
		body  node
	}
	quantExpr struct {
		base
		every bool
		iters []iterator
		cond  node
	}
	funcDef struct {
		base
		params []string
		types  []*typeSpec // nil entries for untyped parameters
		body   node
	}
	instanceOf struct {
		base
		x   node
		typ *typeSpec
	}
)

// typeSpec is a FEEL type as used by "instance of" and typed parameters.
type typeSpec struct {
	name   string      // "number", "list", "context", "function", "range", "Any", "Null", ...
	elem   *typeSpec   // list<T>, range<T>
	fields []typeField // context<a: T>
	params []*typeSpec // function<A, B> -> R
	result *typeSpec
}

type typeField struct {
	name string
	typ  *typeSpec
}
