package feel

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// dec is the decimal128 context used for all arithmetic. It is never mutated.
var dec = apd.Context{
	Precision:   34,
	MaxExponent: 6144,
	MinExponent: -6143,
	Traps:       apd.DefaultTraps,
	Rounding:    apd.RoundHalfEven,
}

// NewNumber returns a Number holding a copy of d.
func NewNumber(d *apd.Decimal) *Number {
	n := &Number{}
	n.d.Set(d)
	return n
}

// IntNumber returns the Number i.
func IntNumber(i int64) *Number {
	n := &Number{}
	n.d.SetInt64(i)
	return n
}

// ParseNumber parses a decimal string such as "12", "-1.5", "1e3".
func ParseNumber(s string) (*Number, error) {
	n := &Number{}
	if _, _, err := dec.SetString(&n.d, strings.TrimSpace(s)); err != nil {
		return nil, fmt.Errorf("invalid number %q: %w", s, err)
	}
	if n.d.Form != apd.Finite {
		return nil, fmt.Errorf("invalid number %q: not finite", s)
	}
	return n, nil
}

// FloatNumber converts f; NaN and infinities are rejected.
func FloatNumber(f float64) (*Number, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %v is not finite", f)
	}
	return ParseNumber(strconv.FormatFloat(f, 'g', -1, 64))
}

// Decimal returns a copy of the decimal.
func (n *Number) Decimal() *apd.Decimal {
	d := new(apd.Decimal)
	d.Set(&n.d)
	return d
}

// Int64 returns n as an int64 when n is integral and in range.
func (n *Number) Int64() (int64, bool) {
	var r apd.Decimal
	r.Reduce(&n.d)
	if r.Exponent < 0 || r.Exponent > 18 {
		if r.IsZero() {
			return 0, true
		}
		return 0, false
	}
	i, err := r.Int64()
	if err != nil {
		return 0, false
	}
	return i, true
}

// IsInteger reports whether n has no fractional part.
func (n *Number) IsInteger() bool {
	if n.d.Exponent >= 0 {
		return true
	}
	var r apd.Decimal
	r.Reduce(&n.d)
	return r.Exponent >= 0
}

// Float64 returns n as a float64 (possibly rounded).
func (n *Number) Float64() float64 {
	f, _ := n.d.Float64()
	return f
}

// String renders n in plain notation without trailing fractional zeros.
func (n *Number) String() string {
	var r apd.Decimal
	r.Reduce(&n.d)
	if r.IsZero() {
		return "0"
	}
	return r.Text('f')
}

func (n *Number) cmp(o *Number) int { return n.d.Cmp(&o.d) }

type decOp func(d, x, y *apd.Decimal) (apd.Condition, error)

func arith(op decOp, a, b *Number) (*Number, error) {
	r := &Number{}
	if _, err := op(&r.d, &a.d, &b.d); err != nil {
		return nil, err
	}
	if r.d.Form != apd.Finite {
		return nil, fmt.Errorf("result is not a finite number")
	}
	return r, nil
}

func numAdd(a, b *Number) (*Number, error) { return arith(dec.Add, a, b) }
func numSub(a, b *Number) (*Number, error) { return arith(dec.Sub, a, b) }
func numMul(a, b *Number) (*Number, error) { return arith(dec.Mul, a, b) }
func numDiv(a, b *Number) (*Number, error) {
	if b.d.IsZero() {
		return nil, fmt.Errorf("division by zero")
	}
	return arith(dec.Quo, a, b)
}

func numPow(a, b *Number) (*Number, error) {
	if i, ok := b.Int64(); ok {
		if i > 999999999 || i < -999999999 {
			return nil, fmt.Errorf("exponent %d is out of range", i)
		}
		if a.d.IsZero() && i < 0 {
			return nil, fmt.Errorf("division by zero")
		}
		return arith(dec.Pow, a, b)
	}
	// non-integer exponent: decimal Pow is exact enough, but may fail for negative bases
	if a.d.Negative {
		return nil, fmt.Errorf("cannot raise a negative number to a non-integer power")
	}
	return arith(dec.Pow, a, b)
}

func numNeg(a *Number) *Number {
	r := &Number{}
	r.d.Neg(&a.d)
	return r
}

// numFromInt is a small helper for builtins.
func numFromInt(i int) *Number { return IntNumber(int64(i)) }

// toInt converts an integral number in int range.
func toInt(n *Number) (int, bool) {
	i, ok := n.Int64()
	if !ok || i > math.MaxInt32 || i < math.MinInt32 {
		return 0, false
	}
	return int(i), true
}
