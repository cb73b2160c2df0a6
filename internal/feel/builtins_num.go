package feel

import (
	"crypto/rand"
	"fmt"
	"math/big"

	"github.com/cockroachdb/apd/v3"
)

func numericBuiltins() []sig {
	n1 := func(name, p string, f func(n *Number) (Value, error)) sig {
		return sig{name, ps(p), func(e *env, a []Value) (Value, error) {
			n, err := num(a, 0, p)
			if err != nil {
				return nil, err
			}
			return f(n)
		}}
	}
	rounding := func(name string, mode apd.Rounder, withDefault bool) []sig {
		out := []sig{{name, ps("n", "scale"), func(e *env, a []Value) (Value, error) {
			n, err := num(a, 0, "n")
			if err != nil {
				return nil, err
			}
			s, err := integer(a, 1, "scale")
			if err != nil {
				return nil, err
			}
			return roundTo(n, s, mode)
		}}}
		if withDefault {
			out = append(out, sig{name, ps("n"), func(e *env, a []Value) (Value, error) {
				n, err := num(a, 0, "n")
				if err != nil {
					return nil, err
				}
				return roundTo(n, 0, mode)
			}})
		}
		return out
	}
	var out []sig
	out = append(out, rounding("decimal", apd.RoundHalfEven, false)...)
	out = append(out, rounding("floor", apd.RoundFloor, true)...)
	out = append(out, rounding("ceiling", apd.RoundCeiling, true)...)
	out = append(out, rounding("round up", apd.RoundUp, true)...)
	out = append(out, rounding("round down", apd.RoundDown, true)...)
	out = append(out, rounding("round half up", apd.RoundHalfUp, true)...)
	out = append(out, rounding("round half down", apd.RoundHalfDown, true)...)
	out = append(out,
		sig{"abs", ps("n"), func(e *env, a []Value) (Value, error) {
			switch v := a[0].(type) {
			case *Number:
				r := &Number{}
				r.d.Abs(&v.d)
				return r, nil
			case YearsMonthsDuration:
				if v < 0 {
					return -v, nil
				}
				return v, nil
			case DaysTimeDuration:
				if v < 0 {
					return -v, nil
				}
				return v, nil
			}
			return nil, argErr{"n", "number", a[0]}
		}},
		sig{"modulo", ps("dividend", "divisor"), func(e *env, a []Value) (Value, error) {
			x, err := num(a, 0, "dividend")
			if err != nil {
				return nil, err
			}
			y, err := num(a, 1, "divisor")
			if err != nil {
				return nil, err
			}
			if y.d.IsZero() {
				return nil, fmt.Errorf("division by zero")
			}
			// x - y * floor(x / y)
			q, err := numDiv(x, y)
			if err != nil {
				return nil, err
			}
			fq := &Number{}
			if _, err := dec.Floor(&fq.d, &q.d); err != nil {
				return nil, err
			}
			p, err := numMul(y, fq)
			if err != nil {
				return nil, err
			}
			return numSub(x, p)
		}},
		n1("sqrt", "number", func(n *Number) (Value, error) {
			if n.d.Negative && !n.d.IsZero() {
				return nil, fmt.Errorf("cannot take the square root of a negative number")
			}
			r := &Number{}
			_, err := dec.Sqrt(&r.d, &n.d)
			return r, err
		}),
		n1("log", "number", func(n *Number) (Value, error) {
			if n.d.Sign() <= 0 {
				return nil, fmt.Errorf("log is defined for positive numbers only")
			}
			r := &Number{}
			_, err := dec.Ln(&r.d, &n.d)
			return r, err
		}),
		n1("exp", "number", func(n *Number) (Value, error) {
			r := &Number{}
			if _, err := dec.Exp(&r.d, &n.d); err != nil {
				return nil, err
			}
			return r, nil
		}),
		n1("odd", "number", func(n *Number) (Value, error) {
			if !n.IsInteger() {
				return nil, fmt.Errorf("odd requires an integer")
			}
			return Boolean(isOdd(n)), nil
		}),
		n1("even", "number", func(n *Number) (Value, error) {
			if !n.IsInteger() {
				return nil, fmt.Errorf("even requires an integer")
			}
			return Boolean(!isOdd(n)), nil
		}),
		sig{"random number", nil, func(e *env, a []Value) (Value, error) {
			// 18 random decimal digits in [0, 1)
			v, err := rand.Int(rand.Reader, big.NewInt(1_000_000_000_000_000_000))
			if err != nil {
				return nil, fmt.Errorf("random number: %w", err)
			}
			r := &Number{}
			r.d.SetFinite(v.Int64(), -18)
			return r, nil
		}},
	)
	return out
}

func isOdd(n *Number) bool {
	var r apd.Decimal
	r.Reduce(&n.d)
	if r.Exponent > 0 {
		return false
	}
	c := r.Coeff
	var two, m apd.BigInt
	two.SetInt64(2)
	m.Rem(&c, &two)
	return m.Sign() != 0
}

func roundTo(n *Number, scale int, mode apd.Rounder) (Value, error) {
	if scale < -6111 || scale > 6176 {
		return nil, fmt.Errorf("scale %d is out of range", scale)
	}
	if -int(n.d.Exponent) <= scale {
		return n, nil
	}
	ctx := dec
	ctx.Rounding = mode
	ctx.Precision = 1000
	r := &Number{}
	if _, err := ctx.Quantize(&r.d, &n.d, int32(-scale)); err != nil {
		return nil, err
	}
	return r, nil
}
