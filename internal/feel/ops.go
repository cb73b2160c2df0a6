package feel

import (
	"math"
	"time"
)

// equal implements FEEL '='. ok is false when the operands are of
// different, incomparable types (the result is then null).
func equal(a, b Value) (eq bool, ok bool) {
	if isNull(a) || isNull(b) {
		return isNull(a) && isNull(b), true
	}
	switch x := a.(type) {
	case Boolean:
		if y, isY := b.(Boolean); isY {
			return x == y, true
		}
	case *Number:
		if y, isY := b.(*Number); isY {
			return x.cmp(y) == 0, true
		}
	case String:
		if y, isY := b.(String); isY {
			return x == y, true
		}
	case Date:
		switch y := b.(type) {
		case Date:
			return x.T.Equal(y.T), true
		}
	case Time:
		if y, isY := b.(Time); isY {
			if (x.Kind == Local) != (y.Kind == Local) {
				return false, true
			}
			return x.utcClock() == y.utcClock(), true
		}
	case DateTime:
		if y, isY := b.(DateTime); isY {
			if (x.Kind == Local) != (y.Kind == Local) {
				return false, true
			}
			return x.T.Equal(y.T), true
		}
	case YearsMonthsDuration:
		if y, isY := b.(YearsMonthsDuration); isY {
			return x == y, true
		}
	case DaysTimeDuration:
		if y, isY := b.(DaysTimeDuration); isY {
			return x == y, true
		}
	case List:
		if y, isY := b.(List); isY {
			if len(x) != len(y) {
				return false, true
			}
			for i := range x {
				eq, ok := equal(x[i], y[i])
				if !ok || !eq {
					return false, ok
				}
			}
			return true, true
		}
	case *Context:
		if y, isY := b.(*Context); isY {
			if x.Len() != y.Len() {
				return false, true
			}
			for _, en := range x.entries {
				w, has := y.Get(en.Key)
				if !has {
					return false, true
				}
				eq, ok := equal(en.Value, w)
				if !ok || !eq {
					return false, ok
				}
			}
			return true, true
		}
	case *Range:
		if y, isY := b.(*Range); isY {
			if x.LowClosed != y.LowClosed || x.HighClosed != y.HighClosed {
				return false, true
			}
			e1, ok1 := boundEqual(x.Low, y.Low)
			e2, ok2 := boundEqual(x.High, y.High)
			return e1 && e2, ok1 && ok2
		}
	case *Function:
		if y, isY := b.(*Function); isY {
			return x == y, true
		}
	}
	return false, false
}

func boundEqual(a, b Value) (bool, bool) {
	if a == nil || b == nil {
		return a == nil && b == nil, true
	}
	return equal(a, b)
}

// compare orders two values of the same comparable type.
func compare(a, b Value) (int, bool) {
	switch x := a.(type) {
	case *Number:
		if y, ok := b.(*Number); ok {
			return x.cmp(y), true
		}
	case String:
		if y, ok := b.(String); ok {
			switch {
			case x < y:
				return -1, true
			case x > y:
				return 1, true
			}
			return 0, true
		}
	case Date:
		if y, ok := b.(Date); ok {
			return x.T.Compare(y.T), true
		}
	case Time:
		if y, ok := b.(Time); ok {
			if (x.Kind == Local) != (y.Kind == Local) {
				return 0, false
			}
			return cmpInt(int64(x.utcClock()), int64(y.utcClock())), true
		}
	case DateTime:
		if y, ok := b.(DateTime); ok {
			if (x.Kind == Local) != (y.Kind == Local) {
				return 0, false
			}
			return x.T.Compare(y.T), true
		}
	case YearsMonthsDuration:
		if y, ok := b.(YearsMonthsDuration); ok {
			return cmpInt(int64(x), int64(y)), true
		}
	case DaysTimeDuration:
		if y, ok := b.(DaysTimeDuration); ok {
			return cmpInt(int64(x), int64(y)), true
		}
	}
	return 0, false
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// arithmetic implements + - * / ** for all supported operand types. A
// non-empty message explains why the result is null.
func arithmetic(op string, a, b Value) (Value, string) {
	if isNull(a) || isNull(b) {
		return Null{}, ""
	}
	switch x := a.(type) {
	case *Number:
		switch y := b.(type) {
		case *Number:
			var r *Number
			var err error
			switch op {
			case "+":
				r, err = numAdd(x, y)
			case "-":
				r, err = numSub(x, y)
			case "*":
				r, err = numMul(x, y)
			case "/":
				r, err = numDiv(x, y)
			case "**":
				r, err = numPow(x, y)
			}
			if err != nil {
				return Null{}, err.Error()
			}
			return r, ""
		case YearsMonthsDuration:
			if op == "*" {
				return mulYM(y, x)
			}
		case DaysTimeDuration:
			if op == "*" {
				return mulDT(y, x)
			}
		}
	case String:
		if y, ok := b.(String); ok && op == "+" {
			return x + y, ""
		}
	case Date:
		switch y := b.(type) {
		case YearsMonthsDuration:
			if op == "+" || op == "-" {
				m := int64(y)
				if op == "-" {
					m = -m
				}
				t, ok := addMonths(x.T, m)
				if !ok {
					return Null{}, "date out of range"
				}
				return Date{T: t}, ""
			}
		case DaysTimeDuration:
			if op == "+" || op == "-" {
				d := time.Duration(y)
				if op == "-" {
					d = -d
				}
				t := x.T.Add(d)
				return Date{T: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}, ""
			}
		case Date:
			if op == "-" {
				return subTimes(x.T, y.T)
			}
		case DateTime:
			if op == "-" {
				// the date is midnight in the date-time's location
				return subTimes(time.Date(x.T.Year(), x.T.Month(), x.T.Day(), 0, 0, 0, 0, y.T.Location()), y.T)
			}
		}
	case DateTime:
		switch y := b.(type) {
		case YearsMonthsDuration:
			if op == "+" || op == "-" {
				m := int64(y)
				if op == "-" {
					m = -m
				}
				t, ok := addMonths(x.T, m)
				if !ok {
					return Null{}, "date and time out of range"
				}
				return DateTime{T: t, Kind: x.Kind}, ""
			}
		case DaysTimeDuration:
			if op == "+" || op == "-" {
				d := time.Duration(y)
				if op == "-" {
					d = -d
				}
				return DateTime{T: x.T.Add(d), Kind: x.Kind}, ""
			}
		case DateTime:
			if op == "-" {
				if (x.Kind == Local) != (y.Kind == Local) {
					return Null{}, "cannot subtract a date and time with a time zone from one without"
				}
				return subTimes(x.T, y.T)
			}
		case Date:
			if op == "-" {
				return subTimes(x.T, time.Date(y.T.Year(), y.T.Month(), y.T.Day(), 0, 0, 0, 0, x.T.Location()))
			}
		}
	case Time:
		switch y := b.(type) {
		case DaysTimeDuration:
			if op == "+" || op == "-" {
				d := time.Duration(y) % day
				if op == "-" {
					d = -d
				}
				c := (x.Clock + d) % day
				if c < 0 {
					c += day
				}
				r := x
				r.Clock = c
				return r, ""
			}
		case Time:
			if op == "-" {
				if (x.Kind == Local) != (y.Kind == Local) {
					return Null{}, "cannot subtract a time with an offset from a local time"
				}
				ax := x.Clock - time.Duration(x.Offset)*time.Second
				by := y.Clock - time.Duration(y.Offset)*time.Second
				return DaysTimeDuration(ax - by), ""
			}
		}
	case YearsMonthsDuration:
		switch y := b.(type) {
		case YearsMonthsDuration:
			switch op {
			case "+":
				return x + y, ""
			case "-":
				return x - y, ""
			case "/":
				if y == 0 {
					return Null{}, "division by zero"
				}
				r, err := numDiv(IntNumber(int64(x)), IntNumber(int64(y)))
				if err != nil {
					return Null{}, err.Error()
				}
				return r, ""
			}
		case *Number:
			switch op {
			case "*":
				return mulYM(x, y)
			case "/":
				if y.d.IsZero() {
					return Null{}, "division by zero"
				}
				q, err := numDiv(IntNumber(int64(x)), y)
				if err != nil {
					return Null{}, err.Error()
				}
				return YearsMonthsDuration(truncInt(q)), ""
			}
		case Date:
			if op == "+" {
				return arithmetic(op, b, a)
			}
		case DateTime:
			if op == "+" {
				return arithmetic(op, b, a)
			}
		}
	case DaysTimeDuration:
		switch y := b.(type) {
		case DaysTimeDuration:
			switch op {
			case "+":
				if s, ok := addDur(time.Duration(x), time.Duration(y)); ok {
					return DaysTimeDuration(s), ""
				}
				return Null{}, "duration overflow"
			case "-":
				if s, ok := addDur(time.Duration(x), -time.Duration(y)); ok {
					return DaysTimeDuration(s), ""
				}
				return Null{}, "duration overflow"
			case "/":
				if y == 0 {
					return Null{}, "division by zero"
				}
				r, err := numDiv(IntNumber(int64(x)), IntNumber(int64(y)))
				if err != nil {
					return Null{}, err.Error()
				}
				return r, ""
			}
		case *Number:
			switch op {
			case "*":
				return mulDT(x, y)
			case "/":
				if y.d.IsZero() {
					return Null{}, "division by zero"
				}
				q, err := numDiv(IntNumber(int64(x)), y)
				if err != nil {
					return Null{}, err.Error()
				}
				return DaysTimeDuration(truncInt(q)), ""
			}
		case Date, DateTime, Time:
			if op == "+" {
				return arithmetic(op, b, a)
			}
		}
	}
	return Null{}, "cannot apply '" + op + "' to " + TypeName(a) + " and " + TypeName(b)
}

func subTimes(a, b time.Time) (Value, string) {
	d := a.Sub(b)
	if d == math.MaxInt64 || d == math.MinInt64 {
		return Null{}, "duration overflow"
	}
	return DaysTimeDuration(d), ""
}

func addDur(a, b time.Duration) (time.Duration, bool) {
	s := a + b
	if (b > 0 && s < a) || (b < 0 && s > a) {
		return 0, false
	}
	return s, true
}

// truncInt truncates n toward zero; out-of-range values yield 0.
func truncInt(n *Number) int64 {
	i, _ := truncNumber(n).Int64()
	return i
}

func mulYM(x YearsMonthsDuration, y *Number) (Value, string) {
	r, err := numMul(IntNumber(int64(x)), y)
	if err != nil {
		return Null{}, err.Error()
	}
	return YearsMonthsDuration(truncInt(r)), ""
}

func mulDT(x DaysTimeDuration, y *Number) (Value, string) {
	r, err := numMul(IntNumber(int64(x)), y)
	if err != nil {
		return Null{}, err.Error()
	}
	f := r.Float64()
	if f > math.MaxInt64 || f < math.MinInt64 {
		return Null{}, "duration overflow"
	}
	return DaysTimeDuration(truncInt(r)), ""
}

// negateValue implements unary minus.
func negateValue(v Value) (Value, string) {
	switch x := v.(type) {
	case Null:
		return Null{}, ""
	case *Number:
		return numNeg(x), ""
	case YearsMonthsDuration:
		return -x, ""
	case DaysTimeDuration:
		return -x, ""
	}
	return Null{}, "cannot negate " + TypeName(v)
}
