package feel

import "fmt"

// bound is a range endpoint; inf is -1 or +1 for an unbounded end.
type bound struct {
	v   Value
	inf int
}

func cmpBound(a, b bound) (int, error) {
	if a.inf != 0 || b.inf != 0 {
		return cmpInt(int64(a.inf), int64(b.inf)), nil
	}
	c, ok := compare(a.v, b.v)
	if !ok {
		return 0, fmt.Errorf("cannot compare %s with %s", TypeName(a.v), TypeName(b.v))
	}
	return c, nil
}

// span is a range or a point (a point is the closed range [p..p]).
type span struct {
	start, end     bound
	startIn, endIn bool
	isPoint        bool
}

func toSpan(v Value) (span, error) {
	if isNull(v) {
		return span{}, fmt.Errorf("expected a point or range but found null")
	}
	if r, ok := v.(*Range); ok {
		s := span{startIn: r.LowClosed, endIn: r.HighClosed}
		if r.Low == nil || isNull(r.Low) {
			s.start = bound{inf: -1}
		} else {
			s.start = bound{v: r.Low}
		}
		if r.High == nil || isNull(r.High) {
			s.end = bound{inf: 1}
		} else {
			s.end = bound{v: r.High}
		}
		return s, nil
	}
	return span{start: bound{v: v}, end: bound{v: v}, startIn: true, endIn: true, isPoint: true}, nil
}

type rangeRel func(a, b span, c func(x, y bound) int) bool

func rangeBuiltin(name string, rel rangeRel, paramSets ...[2]string) []sig {
	fn := func(e *env, args []Value) (Value, error) {
		a, err := toSpan(args[0])
		if err != nil {
			return nil, err
		}
		b, err := toSpan(args[1])
		if err != nil {
			return nil, err
		}
		var cmpErr error
		c := func(x, y bound) int {
			r, err := cmpBound(x, y)
			if err != nil && cmpErr == nil {
				cmpErr = err
			}
			return r
		}
		r := rel(a, b, c)
		if cmpErr != nil {
			return nil, cmpErr
		}
		return Boolean(r), nil
	}
	var out []sig
	for _, p := range paramSets {
		out = append(out, sig{name, ps(p[0], p[1]), fn})
	}
	return out
}

var (
	pp = [2]string{"point1", "point2"}
	pr = [2]string{"point", "range"}
	rp = [2]string{"range", "point"}
	rr = [2]string{"range1", "range2"}
)

func rangeBuiltins() []sig {
	var out []sig
	add := func(s []sig) { out = append(out, s...) }
	add(rangeBuiltin("before", func(a, b span, c func(x, y bound) int) bool {
		d := c(a.end, b.start)
		return d < 0 || (d == 0 && (!a.endIn || !b.startIn))
	}, pp, pr, rp, rr))
	add(rangeBuiltin("after", func(a, b span, c func(x, y bound) int) bool {
		d := c(a.start, b.end)
		return d > 0 || (d == 0 && (!a.startIn || !b.endIn))
	}, pp, pr, rp, rr))
	add(rangeBuiltin("meets", func(a, b span, c func(x, y bound) int) bool {
		return a.endIn && b.startIn && c(a.end, b.start) == 0
	}, rr))
	add(rangeBuiltin("met by", func(a, b span, c func(x, y bound) int) bool {
		return a.startIn && b.endIn && c(a.start, b.end) == 0
	}, rr))
	add(rangeBuiltin("overlaps", func(a, b span, c func(x, y bound) int) bool {
		d1 := c(a.end, b.start)
		d2 := c(a.start, b.end)
		return (d1 > 0 || (d1 == 0 && a.endIn && b.startIn)) && (d2 < 0 || (d2 == 0 && a.startIn && b.endIn))
	}, rr))
	overlapsBefore := func(a, b span, c func(x, y bound) int) bool {
		d1 := c(a.start, b.start)
		d2 := c(a.end, b.start)
		d3 := c(a.end, b.end)
		return (d1 < 0 || (d1 == 0 && a.startIn && !b.startIn)) &&
			(d2 > 0 || (d2 == 0 && a.endIn && b.startIn)) &&
			(d3 < 0 || (d3 == 0 && (!a.endIn || b.endIn)))
	}
	add(rangeBuiltin("overlaps before", overlapsBefore, rr))
	add(rangeBuiltin("overlaps after", func(a, b span, c func(x, y bound) int) bool {
		return overlapsBefore(b, a, c)
	}, rr))
	add(rangeBuiltin("finishes", func(a, b span, c func(x, y bound) int) bool {
		if a.isPoint {
			return b.endIn && c(b.end, a.end) == 0
		}
		d := c(a.start, b.start)
		return a.endIn == b.endIn && c(a.end, b.end) == 0 && (d > 0 || (d == 0 && (!a.startIn || b.startIn)))
	}, pr, rr))
	add(rangeBuiltin("finished by", func(a, b span, c func(x, y bound) int) bool {
		if b.isPoint {
			return a.endIn && c(a.end, b.end) == 0
		}
		d := c(a.start, b.start)
		return a.endIn == b.endIn && c(a.end, b.end) == 0 && (d < 0 || (d == 0 && (a.startIn || !b.startIn)))
	}, rp, rr))
	includes := func(a, b span, c func(x, y bound) int) bool {
		if b.isPoint {
			d1 := c(a.start, b.start)
			d2 := c(a.end, b.start)
			return (d1 < 0 && d2 > 0) || (d1 == 0 && a.startIn) || (d2 == 0 && a.endIn)
		}
		d1 := c(a.start, b.start)
		d2 := c(a.end, b.end)
		return (d1 < 0 || (d1 == 0 && (a.startIn || !b.startIn))) && (d2 > 0 || (d2 == 0 && (a.endIn || !b.endIn)))
	}
	add(rangeBuiltin("includes", includes, rp, rr))
	add(rangeBuiltin("during", func(a, b span, c func(x, y bound) int) bool { return includes(b, a, c) }, pr, rr))
	add(rangeBuiltin("starts", func(a, b span, c func(x, y bound) int) bool {
		if a.isPoint {
			return b.startIn && c(b.start, a.start) == 0
		}
		d := c(a.end, b.end)
		return c(a.start, b.start) == 0 && a.startIn == b.startIn && (d < 0 || (d == 0 && (!a.endIn || b.endIn)))
	}, pr, rr))
	add(rangeBuiltin("started by", func(a, b span, c func(x, y bound) int) bool {
		if b.isPoint {
			return a.startIn && c(a.start, b.start) == 0
		}
		d := c(b.end, a.end)
		return c(a.start, b.start) == 0 && a.startIn == b.startIn && (d < 0 || (d == 0 && (!b.endIn || a.endIn)))
	}, rp, rr))
	add(rangeBuiltin("coincides", func(a, b span, c func(x, y bound) int) bool {
		return c(a.start, b.start) == 0 && c(a.end, b.end) == 0 && a.startIn == b.startIn && a.endIn == b.endIn
	}, pp, rr))
	return out
}
