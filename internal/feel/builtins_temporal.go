package feel

import (
	"time"
)

func temporalBuiltins() []sig {
	d1 := func(name string, f func(t time.Time) Value) sig {
		return sig{name, ps("date"), func(e *env, a []Value) (Value, error) {
			t, err := dateLike(a[0], "date")
			if err != nil {
				return nil, err
			}
			return f(t), nil
		}}
	}
	return []sig{
		{"now", nil, func(e *env, a []Value) (Value, error) {
			t := e.currentTime()
			if t.Location() == time.UTC {
				return DateTime{T: t, Kind: Offset}, nil
			}
			if name := t.Location().String(); name != "Local" && name != "" {
				return DateTime{T: t, Kind: Zoned}, nil
			}
			return DateTime{T: t.UTC(), Kind: Offset}, nil
		}},
		{"today", nil, func(e *env, a []Value) (Value, error) {
			t := e.currentTime()
			y, m, d := t.Date()
			return Date{T: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}, nil
		}},
		d1("day of week", func(t time.Time) Value { return String(t.Weekday().String()) }),
		d1("day of year", func(t time.Time) Value { return numFromInt(t.YearDay()) }),
		d1("week of year", func(t time.Time) Value { return numFromInt(isoWeek(t)) }),
		d1("month of year", func(t time.Time) Value { return String(t.Month().String()) }),
		d1("last day of month", func(t time.Time) Value {
			y, m, _ := t.Date()
			return Date{T: time.Date(y, m, daysIn(y, m), 0, 0, 0, 0, time.UTC)}
		}),
		{"is", ps("value1", "value2"), func(e *env, a []Value) (Value, error) {
			if TypeName(a[0]) != TypeName(a[1]) {
				return Boolean(false), nil
			}
			switch x := a[0].(type) {
			case Time:
				y := a[1].(Time)
				return Boolean(x == y), nil
			case DateTime:
				y := a[1].(DateTime)
				_, xo := x.T.Zone()
				_, yo := y.T.Zone()
				return Boolean(x.Kind == y.Kind && x.T.Equal(y.T) && xo == yo && x.T.Location().String() == y.T.Location().String()), nil
			}
			eq, ok := equal(a[0], a[1])
			return Boolean(eq && ok), nil
		}},
	}
}

func miscBuiltins() []sig {
	fromAi := func(e *env, a []Value) (Value, error) { return a[0], nil }
	return []sig{
		{"range", ps("from"), rangeFromString},
		{"not", ps("negand"), func(e *env, a []Value) (Value, error) {
			if b, ok := a[0].(Boolean); ok {
				return !b, nil
			}
			return Null{}, nil
		}},
		{"is defined", ps("value"), func(e *env, a []Value) (Value, error) {
			return Boolean(!isNull(a[0])), nil
		}},
		{"get or else", ps("value", "default"), func(e *env, a []Value) (Value, error) {
			if isNull(a[0]) {
				return a[1], nil
			}
			return a[0], nil
		}},
		{"assert", ps("value", "condition"), func(e *env, a []Value) (Value, error) {
			if a[1] != Boolean(true) {
				return nil, fatalError{&AssertionError{Message: "The condition is not fulfilled"}}
			}
			return a[0], nil
		}},
		{"assert", ps("value", "condition", "cause"), func(e *env, a []Value) (Value, error) {
			if a[1] != Boolean(true) {
				msg := Format(a[2])
				return nil, fatalError{&AssertionError{Message: msg}}
			}
			return a[0], nil
		}},
		{"fromAi", ps("value"), fromAi},
		{"fromAi", ps("value", "description"), fromAi},
		{"fromAi", ps("value", "description", "type"), fromAi},
		{"fromAi", ps("value", "description", "type", "schema"), fromAi},
		{"fromAi", ps("value", "description", "type", "schema", "options"), fromAi},
	}
}
