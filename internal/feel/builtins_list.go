package feel

import (
	"fmt"
	"sort"
)

func listBuiltins() []sig {
	l1 := func(name string, f func(e *env, l List) (Value, error)) sig {
		return sig{name, ps("list"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			return f(e, l)
		}}
	}
	// functions that take a list or varargs
	both := func(name string, f func(e *env, l List) (Value, error)) []sig {
		return []sig{
			l1(name, f),
			{name, ps("c..."), func(e *env, a []Value) (Value, error) {
				l := a[0].(List)
				if len(l) == 0 {
					return nil, fmt.Errorf("expected at least one argument")
				}
				return f(e, l)
			}},
		}
	}
	var out []sig
	out = append(out, both("min", func(e *env, l List) (Value, error) { return extreme(l, -1) })...)
	out = append(out, both("max", func(e *env, l List) (Value, error) { return extreme(l, 1) })...)
	out = append(out, both("sum", sumList)...)
	out = append(out, both("product", func(e *env, l List) (Value, error) {
		if len(l) == 0 {
			return Null{}, nil
		}
		acc := IntNumber(1)
		for _, it := range l {
			n, ok := it.(*Number)
			if !ok {
				return nil, fmt.Errorf("expected a list of numbers but found %s", TypeName(it))
			}
			var err error
			if acc, err = numMul(acc, n); err != nil {
				return nil, err
			}
		}
		return acc, nil
	})...)
	out = append(out, both("mean", func(e *env, l List) (Value, error) {
		if len(l) == 0 {
			return Null{}, nil
		}
		s, err := sumList(e, l)
		if err != nil || isNull(s) {
			return s, err
		}
		return numDiv(s.(*Number), numFromInt(len(l)))
	})...)
	out = append(out, both("median", func(e *env, l List) (Value, error) {
		ns, err := numbers(l)
		if err != nil || len(ns) == 0 {
			return Null{}, err
		}
		sort.Slice(ns, func(i, j int) bool { return ns[i].cmp(ns[j]) < 0 })
		if len(ns)%2 == 1 {
			return ns[len(ns)/2], nil
		}
		s, err := numAdd(ns[len(ns)/2-1], ns[len(ns)/2])
		if err != nil {
			return nil, err
		}
		return numDiv(s, IntNumber(2))
	})...)
	out = append(out, both("stddev", func(e *env, l List) (Value, error) {
		ns, err := numbers(l)
		if err != nil || len(ns) < 2 {
			return Null{}, err
		}
		sum := IntNumber(0)
		for _, n := range ns {
			sum, _ = numAdd(sum, n)
		}
		mean, _ := numDiv(sum, numFromInt(len(ns)))
		sq := IntNumber(0)
		for _, n := range ns {
			d, _ := numSub(n, mean)
			d2, _ := numMul(d, d)
			sq, _ = numAdd(sq, d2)
		}
		v, err := numDiv(sq, numFromInt(len(ns)-1))
		if err != nil {
			return nil, err
		}
		r := &Number{}
		if _, err := dec.Sqrt(&r.d, &v.d); err != nil {
			return nil, err
		}
		return r, nil
	})...)
	out = append(out, both("mode", func(e *env, l List) (Value, error) {
		ns, err := numbers(l)
		if err != nil {
			return nil, err
		}
		sort.Slice(ns, func(i, j int) bool { return ns[i].cmp(ns[j]) < 0 })
		var res List
		best := 0
		for i := 0; i < len(ns); {
			j := i
			for j < len(ns) && ns[j].cmp(ns[i]) == 0 {
				j++
			}
			switch c := j - i; {
			case c > best:
				best = c
				res = List{ns[i]}
			case c == best:
				res = append(res, ns[i])
			}
			i = j
		}
		if res == nil {
			res = List{}
		}
		return res, nil
	})...)
	allFn := func(e *env, l List) (Value, error) {
		sawNull := false
		for _, it := range l {
			b, ok := it.(Boolean)
			if ok && !bool(b) {
				return Boolean(false), nil
			}
			if !ok {
				sawNull = true
			}
		}
		if sawNull {
			return Null{}, nil
		}
		return Boolean(true), nil
	}
	anyFn := func(e *env, l List) (Value, error) {
		sawNull := false
		for _, it := range l {
			b, ok := it.(Boolean)
			if ok && bool(b) {
				return Boolean(true), nil
			}
			if !ok {
				sawNull = true
			}
		}
		if sawNull {
			return Null{}, nil
		}
		return Boolean(false), nil
	}
	out = append(out, both("all", allFn)...)
	out = append(out, both("and", allFn)...)
	out = append(out, both("any", anyFn)...)
	out = append(out, both("or", anyFn)...)
	out = append(out,
		sig{"list contains", ps("list", "element"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			for _, it := range l {
				if eq, ok := equal(it, a[1]); ok && eq {
					return Boolean(true), nil
				}
			}
			return Boolean(false), nil
		}},
		l1("count", func(e *env, l List) (Value, error) { return numFromInt(len(l)), nil }),
		sig{"sublist", ps("list", "start position"), func(e *env, a []Value) (Value, error) { return sublist(a, false) }},
		sig{"sublist", ps("list", "start position", "length"), func(e *env, a []Value) (Value, error) { return sublist(a, true) }},
		sig{"append", ps("list", "items..."), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			items := a[1].(List)
			if err := e.room(int64(len(l)+len(items)) * slotBytes); err != nil {
				return nil, err
			}
			r := make(List, 0, len(l)+len(items))
			return append(append(r, l...), items...), nil
		}},
		sig{"concatenate", ps("lists..."), func(e *env, a []Value) (Value, error) {
			if err := e.room(listsSize(a[0].(List))); err != nil {
				return nil, err
			}
			r := List{}
			for _, it := range a[0].(List) {
				l, ok := it.(List)
				if !ok {
					return nil, fmt.Errorf("expected lists but found %s", TypeName(it))
				}
				r = append(r, l...)
			}
			return r, nil
		}},
		sig{"insert before", ps("list", "position", "newItem"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			i, err := position(a, 1, len(l))
			if err != nil {
				return nil, err
			}
			r := make(List, 0, len(l)+1)
			r = append(r, l[:i]...)
			r = append(r, a[2])
			return append(r, l[i:]...), nil
		}},
		sig{"remove", ps("list", "position"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			i, err := position(a, 1, len(l))
			if err != nil {
				return nil, err
			}
			r := make(List, 0, len(l))
			r = append(r, l[:i]...)
			return append(r, l[i+1:]...), nil
		}},
		l1("reverse", func(e *env, l List) (Value, error) {
			r := make(List, len(l))
			for i, it := range l {
				r[len(l)-1-i] = it
			}
			return r, nil
		}),
		sig{"index of", ps("list", "match"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			r := List{}
			for i, it := range l {
				if eq, ok := equal(it, a[1]); ok && eq {
					r = append(r, numFromInt(i+1))
				}
			}
			return r, nil
		}},
		sig{"union", ps("lists..."), func(e *env, a []Value) (Value, error) {
			if err := e.room(listsSize(a[0].(List))); err != nil {
				return nil, err
			}
			var all List
			for _, it := range a[0].(List) {
				l, ok := it.(List)
				if !ok {
					return nil, fmt.Errorf("expected lists but found %s", TypeName(it))
				}
				all = append(all, l...)
			}
			return distinct(all), nil
		}},
		l1("distinct values", func(e *env, l List) (Value, error) { return distinct(l), nil }),
		l1("duplicate values", func(e *env, l List) (Value, error) {
			r := List{}
			for i, it := range l {
				dup := false
				for j := 0; j < i; j++ {
					if eq, _ := equal(l[j], it); eq {
						dup = true
						break
					}
				}
				if !dup {
					continue
				}
				seen := false
				for _, x := range r {
					if eq, _ := equal(x, it); eq {
						seen = true
						break
					}
				}
				if !seen {
					r = append(r, it)
				}
			}
			return r, nil
		}),
		l1("flatten", func(e *env, l List) (Value, error) {
			if err := e.deepRoom(l); err != nil {
				return nil, err
			}
			r := List{}
			var rec func(List, int) error
			rec = func(x List, depth int) error {
				if depth > 1000 {
					return fmt.Errorf("list nested too deeply")
				}
				for _, it := range x {
					if sub, ok := it.(List); ok {
						if err := rec(sub, depth+1); err != nil {
							return err
						}
					} else {
						r = append(r, it)
					}
				}
				return nil
			}
			if err := rec(l, 0); err != nil {
				return nil, err
			}
			return r, nil
		}),
		l1("sort", func(e *env, l List) (Value, error) {
			r := append(List(nil), l...)
			var bad error
			sort.SliceStable(r, func(i, j int) bool {
				c, ok := compare(r[i], r[j])
				if !ok && bad == nil {
					bad = fmt.Errorf("cannot compare %s with %s", TypeName(r[i]), TypeName(r[j]))
				}
				return c < 0
			})
			if bad != nil {
				return nil, bad
			}
			if r == nil {
				r = List{}
			}
			return r, nil
		}),
		sig{"sort", ps("list", "precedes"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			f, err := function(a, 1, "precedes")
			if err != nil {
				return nil, err
			}
			r := append(List{}, l...)
			var bad error
			sort.SliceStable(r, func(i, j int) bool {
				if bad != nil || !e.step() {
					return false
				}
				v := apply(e, f, r[i], r[j])
				b, ok := v.(Boolean)
				if !ok {
					bad = fmt.Errorf("precedes must return a boolean but returned %s", TypeName(v))
				}
				return bool(b)
			})
			if bad != nil {
				return nil, bad
			}
			return r, nil
		}},
		l1("is empty", func(e *env, l List) (Value, error) { return Boolean(len(l) == 0), nil }),
		sig{"partition", ps("list", "size"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			size, err := integer(a, 1, "size")
			if err != nil {
				return nil, err
			}
			if size <= 0 {
				return nil, fmt.Errorf("size must be positive")
			}
			r := List{}
			for i := 0; i < len(l); i += size {
				j := min(i+size, len(l))
				r = append(r, append(List{}, l[i:j]...))
			}
			return r, nil
		}},
		sig{"list replace", ps("list", "position", "newItem"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			r := append(List{}, l...)
			if f, ok := a[1].(*Function); ok {
				for i, it := range r {
					if apply(e, f, it, a[2]) == Boolean(true) {
						r[i] = a[2]
					}
				}
				return r, nil
			}
			i, err := position(a, 1, len(l))
			if err != nil {
				return nil, err
			}
			r[i] = a[2]
			return r, nil
		}},
		sig{"list replace", ps("list", "match", "newItem"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "list")
			if err != nil {
				return nil, err
			}
			f, err := function(a, 1, "match")
			if err != nil {
				return nil, err
			}
			r := append(List{}, l...)
			for i, it := range r {
				if apply(e, f, it, a[2]) == Boolean(true) {
					r[i] = a[2]
				}
			}
			return r, nil
		}},
	)
	return out
}

func extreme(l List, sign int) (Value, error) {
	if len(l) == 0 {
		return Null{}, nil
	}
	best := l[0]
	for _, it := range l[1:] {
		c, ok := compare(it, best)
		if !ok {
			return nil, fmt.Errorf("cannot compare %s with %s", TypeName(it), TypeName(best))
		}
		if c*sign > 0 {
			best = it
		}
	}
	if len(l) == 1 {
		if _, ok := compare(best, best); !ok {
			return nil, fmt.Errorf("cannot compare values of type %s", TypeName(best))
		}
	}
	return best, nil
}

func sumList(e *env, l List) (Value, error) {
	if len(l) == 0 {
		return Null{}, nil
	}
	acc := IntNumber(0)
	for _, it := range l {
		n, ok := it.(*Number)
		if !ok {
			return nil, fmt.Errorf("expected a list of numbers but found %s", TypeName(it))
		}
		var err error
		if acc, err = numAdd(acc, n); err != nil {
			return nil, err
		}
	}
	return acc, nil
}

func numbers(l List) ([]*Number, error) {
	ns := make([]*Number, len(l))
	for i, it := range l {
		n, ok := it.(*Number)
		if !ok {
			return nil, fmt.Errorf("expected a list of numbers but found %s", TypeName(it))
		}
		ns[i] = n
	}
	return ns, nil
}

func distinct(l List) List {
	r := List{}
	for _, it := range l {
		dup := false
		for _, x := range r {
			if eq, _ := equal(x, it); eq {
				dup = true
				break
			}
		}
		if !dup {
			r = append(r, it)
		}
	}
	return r
}

// position converts a 1-based (or negative from the end) position into an index.
func position(a []Value, i, n int) (int, error) {
	p, err := integer(a, i, "position")
	if err != nil {
		return 0, err
	}
	switch {
	case p > 0 && p <= n:
		return p - 1, nil
	case p < 0 && -p <= n:
		return n + p, nil
	}
	return 0, fmt.Errorf("position %d is out of range for a list of size %d", p, n)
}

func sublist(a []Value, withLen bool) (Value, error) {
	l, err := list(a, 0, "list")
	if err != nil {
		return nil, err
	}
	start, err := position(a, 1, len(l))
	if err != nil {
		return nil, err
	}
	end := len(l)
	if withLen {
		n, err := integer(a, 2, "length")
		if err != nil {
			return nil, err
		}
		if n < 0 {
			return nil, fmt.Errorf("length must not be negative")
		}
		if start+n < end {
			end = start + n
		}
	}
	return append(List{}, l[start:end]...), nil
}

// listsSize is the size of the list concatenating lists (non-lists count
// as one item; the builtin rejects them).
func listsSize(lists List) int64 {
	var n int64
	for _, it := range lists {
		if l, ok := it.(List); ok {
			n += int64(len(l)) * slotBytes
		}
	}
	return n
}
