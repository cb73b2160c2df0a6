package feel

import (
	"fmt"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/iso8601"
)

func conversionBuiltins() []sig {
	return []sig{
		{"date", ps("from"), func(e *env, a []Value) (Value, error) {
			switch v := a[0].(type) {
			case String:
				return ParseDate(string(v))
			case DateTime:
				return v.Date(), nil
			case Date:
				return v, nil
			}
			return nil, argErr{"from", "string or date and time", a[0]}
		}},
		{"date", ps("year", "month", "day"), func(e *env, a []Value) (Value, error) {
			y, err := integer(a, 0, "year")
			if err != nil {
				return nil, err
			}
			m, err := integer(a, 1, "month")
			if err != nil {
				return nil, err
			}
			d, err := integer(a, 2, "day")
			if err != nil {
				return nil, err
			}
			if y > 999999999 || y < -999999999 {
				return nil, fmt.Errorf("year %d out of range", y)
			}
			return NewDate(y, time.Month(m), d)
		}},
		{"time", ps("from"), func(e *env, a []Value) (Value, error) {
			switch v := a[0].(type) {
			case String:
				return ParseTime(string(v))
			case DateTime:
				return v.Time(), nil
			case Time:
				return v, nil
			case Date:
				return Time{Kind: Offset}, nil
			}
			return nil, argErr{"from", "string or date and time", a[0]}
		}},
		{"time", ps("hour", "minute", "second"), func(e *env, a []Value) (Value, error) {
			return makeTime(a, nil)
		}},
		{"time", ps("hour", "minute", "second", "offset"), func(e *env, a []Value) (Value, error) {
			if isNull(a[3]) {
				return makeTime(a, nil)
			}
			off, ok := a[3].(DaysTimeDuration)
			if !ok {
				return nil, argErr{"offset", "days and time duration", a[3]}
			}
			return makeTime(a, &off)
		}},
		{"date and time", ps("from"), func(e *env, a []Value) (Value, error) {
			s, err := str(a, 0, "from")
			if err != nil {
				return nil, err
			}
			return ParseDateTime(s)
		}},
		{"date and time", ps("date", "time"), func(e *env, a []Value) (Value, error) {
			var d Date
			switch v := a[0].(type) {
			case Date:
				d = v
			case DateTime:
				d = v.Date()
			default:
				return nil, argErr{"date", "date", a[0]}
			}
			if tz, ok := a[1].(String); ok {
				// date and time(date and time, timezone)
				dt, ok := a[0].(DateTime)
				if !ok {
					return nil, argErr{"date", "date and time", a[0]}
				}
				loc, err := iso8601.LoadZone(string(tz))
				if err != nil {
					return nil, err
				}
				return DateTime{T: dt.T.In(loc), Kind: Zoned}, nil
			}
			t, ok := a[1].(Time)
			if !ok {
				return nil, argErr{"time", "time", a[1]}
			}
			var loc *time.Location
			switch t.Kind {
			case Offset:
				loc = time.FixedZone("", t.Offset)
				if t.Offset == 0 {
					loc = time.UTC
				}
			case Zoned:
				l, err := iso8601.LoadZone(t.Zone)
				if err != nil {
					return nil, err
				}
				loc = l
			}
			return combine(d, t.Clock, t.Kind, loc), nil
		}},
		{"date and time", ps("date", "timezone"), func(e *env, a []Value) (Value, error) {
			dt, ok := a[0].(DateTime)
			if !ok {
				return nil, argErr{"date", "date and time", a[0]}
			}
			tz, err := str(a, 1, "timezone")
			if err != nil {
				return nil, err
			}
			loc, err := iso8601.LoadZone(tz)
			if err != nil {
				return nil, err
			}
			return DateTime{T: dt.T.In(loc), Kind: Zoned}, nil
		}},
		{"duration", ps("from"), func(e *env, a []Value) (Value, error) {
			s, err := str(a, 0, "from")
			if err != nil {
				return nil, err
			}
			return ParseDuration(s)
		}},
		{"years and months duration", ps("from", "to"), func(e *env, a []Value) (Value, error) {
			from, err := dateLike(a[0], "from")
			if err != nil {
				return nil, err
			}
			to, err := dateLike(a[1], "to")
			if err != nil {
				return nil, err
			}
			return YearsMonthsDuration(monthsBetween(from, to)), nil
		}},
		{"number", ps("from"), func(e *env, a []Value) (Value, error) {
			switch v := a[0].(type) {
			case *Number:
				return v, nil
			case String:
				return parseNumberStrict(string(v))
			}
			return nil, argErr{"from", "string", a[0]}
		}},
		{"number", ps("from", "grouping separator", "decimal separator"), func(e *env, a []Value) (Value, error) {
			s, err := str(a, 0, "from")
			if err != nil {
				return nil, err
			}
			group, dsep := "", "."
			if !isNull(a[1]) {
				g, err := str(a, 1, "grouping separator")
				if err != nil {
					return nil, err
				}
				if g != " " && g != "," && g != "." {
					return nil, fmt.Errorf("grouping separator must be ' ', ',' or '.'")
				}
				group = g
			}
			if !isNull(a[2]) {
				d, err := str(a, 2, "decimal separator")
				if err != nil {
					return nil, err
				}
				if d != "," && d != "." {
					return nil, fmt.Errorf("decimal separator must be ',' or '.'")
				}
				dsep = d
			}
			if group != "" && group == dsep {
				return nil, fmt.Errorf("grouping and decimal separator must differ")
			}
			if group != "" {
				s = strings.ReplaceAll(s, group, "")
			}
			if dsep != "." {
				s = strings.ReplaceAll(s, dsep, ".")
			}
			return parseNumberStrict(s)
		}},
		{"string", ps("from"), func(e *env, a []Value) (Value, error) {
			if isNull(a[0]) {
				return Null{}, nil
			}
			if err := e.deepRoom(a[0]); err != nil {
				return nil, err
			}
			return String(Format(a[0])), nil
		}},
		{"context", ps("entries"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "entries")
			if err != nil {
				return nil, err
			}
			c := &Context{}
			for _, it := range l {
				en, ok := it.(*Context)
				if !ok {
					return nil, fmt.Errorf("each entry must be a context with 'key' and 'value', found %s", TypeName(it))
				}
				k, ok1 := en.Get("key")
				v, ok2 := en.Get("value")
				ks, ok3 := k.(String)
				if !ok1 || !ok2 || !ok3 {
					return nil, fmt.Errorf("each entry must be a context with a string 'key' and a 'value'")
				}
				if _, dup := c.Get(string(ks)); dup {
					return nil, fmt.Errorf("duplicate context key '%s'", ks)
				}
				c.set(string(ks), v)
			}
			return c, nil
		}},
		{"context put", ps("context", "key", "value"), func(e *env, a []Value) (Value, error) {
			c, err := ctxArg(a, 0, "context")
			if err != nil {
				return nil, err
			}
			if keys, ok := a[1].(List); ok {
				return contextPutPath(c, keys, a[2])
			}
			k, err := str(a, 1, "key")
			if err != nil {
				return nil, err
			}
			return c.with(k, a[2]), nil
		}},
		{"context put", ps("context", "keys", "value"), func(e *env, a []Value) (Value, error) {
			c, err := ctxArg(a, 0, "context")
			if err != nil {
				return nil, err
			}
			keys, err := list(a, 1, "keys")
			if err != nil {
				return nil, err
			}
			return contextPutPath(c, keys, a[2])
		}},
		{"context merge", ps("contexts"), func(e *env, a []Value) (Value, error) {
			l, err := list(a, 0, "contexts")
			if err != nil {
				return nil, err
			}
			c := &Context{}
			for _, it := range l {
				x, ok := it.(*Context)
				if !ok {
					return nil, fmt.Errorf("expected a list of contexts but found %s", TypeName(it))
				}
				for _, en := range x.entries {
					c.set(en.Key, en.Value)
				}
			}
			return c, nil
		}},
		{"get value", ps("context", "key"), getValue},
		{"get value", ps("m", "key"), getValue},
		{"get value", ps("context", "keys"), getValuePath},
		{"get entries", ps("context"), getEntries},
		{"get entries", ps("m"), getEntries},
	}
}

func getValue(e *env, a []Value) (Value, error) {
	c, err := ctxArg(a, 0, "context")
	if err != nil {
		return nil, err
	}
	if keys, ok := a[1].(List); ok {
		return getPath(c, keys), nil
	}
	k, err := str(a, 1, "key")
	if err != nil {
		return nil, err
	}
	if v, ok := c.Get(k); ok {
		return v, nil
	}
	return Null{}, nil
}

func getValuePath(e *env, a []Value) (Value, error) {
	c, err := ctxArg(a, 0, "context")
	if err != nil {
		return nil, err
	}
	keys, err := list(a, 1, "keys")
	if err != nil {
		return nil, err
	}
	return getPath(c, keys), nil
}

func getEntries(e *env, a []Value) (Value, error) {
	c, err := ctxArg(a, 0, "context")
	if err != nil {
		return nil, err
	}
	out := make(List, len(c.entries))
	for i, en := range c.entries {
		out[i] = NewContext(Entry{"key", String(en.Key)}, Entry{"value", en.Value})
	}
	return out, nil
}

func parseNumberStrict(s string) (Value, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return nil, fmt.Errorf("cannot convert %q to a number", s)
	}
	for i, r := range t {
		if !(r >= '0' && r <= '9' || r == '.' || ((r == '-' || r == '+') && i == 0) || r == 'e' || r == 'E' || r == '-' || r == '+') {
			return nil, fmt.Errorf("cannot convert %q to a number", s)
		}
	}
	n, err := ParseNumber(t)
	if err != nil {
		return nil, err
	}
	return n, nil
}

func makeTime(a []Value, off *DaysTimeDuration) (Value, error) {
	h, err := integer(a, 0, "hour")
	if err != nil {
		return nil, err
	}
	m, err := integer(a, 1, "minute")
	if err != nil {
		return nil, err
	}
	sn, err := num(a, 2, "second")
	if err != nil {
		return nil, err
	}
	if h < 0 || h > 23 || m < 0 || m > 59 {
		return nil, fmt.Errorf("invalid time %d:%d", h, m)
	}
	f := sn.Float64()
	if f < 0 || f >= 60 {
		return nil, fmt.Errorf("invalid seconds %s", sn)
	}
	ns, _ := numMul(sn, IntNumber(1e9))
	nsi := truncInt(ns)
	t := Time{Clock: time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(nsi)}
	if off != nil {
		d := time.Duration(*off)
		if d%time.Second != 0 || d > 18*time.Hour || d < -18*time.Hour {
			return nil, fmt.Errorf("invalid offset %s", off)
		}
		t.Kind = Offset
		t.Offset = int(d / time.Second)
	}
	return t, nil
}

func dateLike(v Value, p string) (time.Time, error) {
	switch x := v.(type) {
	case Date:
		return x.T, nil
	case DateTime:
		return x.T, nil
	}
	return time.Time{}, argErr{p, "date or date and time", v}
}

func contextPutPath(c *Context, keys List, v Value) (Value, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("keys must not be empty")
	}
	k, ok := keys[0].(String)
	if !ok {
		return nil, fmt.Errorf("keys must be strings")
	}
	if len(keys) == 1 {
		return c.with(string(k), v), nil
	}
	inner, ok := c.Get(string(k))
	ic, isCtx := inner.(*Context)
	if !ok || isNull(inner) {
		ic = &Context{}
	} else if !isCtx {
		return nil, fmt.Errorf("cannot put a value into the %s at key '%s'", TypeName(inner), k)
	}
	nv, err := contextPutPath(ic, keys[1:], v)
	if err != nil {
		return nil, err
	}
	return c.with(string(k), nv), nil
}

func getPath(c *Context, keys List) Value {
	var cur Value = c
	for _, k := range keys {
		ks, ok := k.(String)
		cc, isCtx := cur.(*Context)
		if !ok || !isCtx {
			return Null{}
		}
		v, found := cc.Get(string(ks))
		if !found {
			return Null{}
		}
		cur = v
	}
	return cur
}
