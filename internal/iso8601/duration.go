// Package iso8601 parses and formats the ISO 8601 forms used by BPMN timers
// and by FEEL: durations, date-times (with Zeebe's zone-id extensions) and
// repeating intervals.
package iso8601

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ErrSyntax is wrapped by every parse error of this package.
var ErrSyntax = errors.New("invalid ISO 8601 value")

// Duration is an ISO 8601 duration. The calendar components (years, months,
// weeks, days) are kept apart from the exact time component because their
// length depends on the date they are added to. All components are
// non-negative; Negative applies to the whole duration.
type Duration struct {
	Negative bool
	Years    int64
	Months   int64
	Weeks    int64
	Days     int64
	Time     time.Duration
}

// ParseDuration parses PnYnMnWnDTnHnMnS with an optional leading '-' (or
// '+'). Only the seconds component may carry a fraction ('.' or ',').
func ParseDuration(s string) (Duration, error) {
	var d Duration
	in := s
	if in == "" {
		return d, fmt.Errorf("%w: empty duration", ErrSyntax)
	}
	switch in[0] {
	case '-':
		d.Negative = true
		in = in[1:]
	case '+':
		in = in[1:]
	}
	if in == "" || (in[0] != 'P' && in[0] != 'p') {
		return Duration{}, fmt.Errorf("%w: duration %q must start with 'P'", ErrSyntax, s)
	}
	in = in[1:]
	if in == "" {
		return Duration{}, fmt.Errorf("%w: duration %q has no components", ErrSyntax, s)
	}
	inTime := false
	seen := 0
	const (
		dateOrder = "YMWD"
		timeOrder = "HMS"
	)
	last := -1
	for in != "" {
		if in[0] == 'T' || in[0] == 't' {
			if inTime {
				return Duration{}, fmt.Errorf("%w: duration %q has more than one 'T'", ErrSyntax, s)
			}
			inTime = true
			last = -1
			in = in[1:]
			if in == "" {
				return Duration{}, fmt.Errorf("%w: duration %q has no time components after 'T'", ErrSyntax, s)
			}
			continue
		}
		i := 0
		for i < len(in) && (in[i] >= '0' && in[i] <= '9' || in[i] == '.' || in[i] == ',') {
			i++
		}
		if i == 0 {
			return Duration{}, fmt.Errorf("%w: duration %q: expected a number at %q", ErrSyntax, s, in)
		}
		if i == len(in) {
			return Duration{}, fmt.Errorf("%w: duration %q: number %q lacks a designator", ErrSyntax, s, in)
		}
		num := strings.ReplaceAll(in[:i], ",", ".")
		des := in[i] &^ 0x20 // upper case
		in = in[i+1:]
		order := dateOrder
		if inTime {
			order = timeOrder
		}
		pos := strings.IndexByte(order, des)
		if pos < 0 {
			where := "date"
			if inTime {
				where = "time"
			}
			return Duration{}, fmt.Errorf("%w: duration %q: unexpected designator %q in the %s part", ErrSyntax, s, string(des), where)
		}
		if pos <= last {
			return Duration{}, fmt.Errorf("%w: duration %q: designator %q out of order", ErrSyntax, s, string(des))
		}
		last = pos
		seen++
		if strings.Contains(num, ".") {
			if !inTime || des != 'S' {
				return Duration{}, fmt.Errorf("%w: duration %q: only seconds may have a fraction", ErrSyntax, s)
			}
			f, err := strconv.ParseFloat(num, 64)
			if err != nil || f*1e9 > math.MaxInt64 {
				return Duration{}, fmt.Errorf("%w: duration %q: bad seconds %q", ErrSyntax, s, num)
			}
			whole, frac, _ := strings.Cut(num, ".")
			w, err := strconv.ParseInt(whole, 10, 64)
			if whole == "" {
				w, err = 0, nil
			}
			if err != nil {
				return Duration{}, fmt.Errorf("%w: duration %q: bad seconds %q", ErrSyntax, s, num)
			}
			if len(frac) > 9 {
				frac = frac[:9]
			}
			frac += strings.Repeat("0", 9-len(frac))
			ns, _ := strconv.ParseInt(frac, 10, 64)
			add, ok := mulAdd(w, int64(time.Second), ns)
			if !ok {
				return Duration{}, fmt.Errorf("%w: duration %q is too long", ErrSyntax, s)
			}
			if d.Time, ok = addDur(d.Time, time.Duration(add)); !ok {
				return Duration{}, fmt.Errorf("%w: duration %q is too long", ErrSyntax, s)
			}
			continue
		}
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			return Duration{}, fmt.Errorf("%w: duration %q: number %q out of range", ErrSyntax, s, num)
		}
		if !inTime {
			switch des {
			case 'Y':
				d.Years = n
			case 'M':
				d.Months = n
			case 'W':
				d.Weeks = n
			case 'D':
				d.Days = n
			}
			continue
		}
		unit := time.Second
		switch des {
		case 'H':
			unit = time.Hour
		case 'M':
			unit = time.Minute
		}
		v, ok := mulAdd(n, int64(unit), 0)
		if !ok {
			return Duration{}, fmt.Errorf("%w: duration %q is too long", ErrSyntax, s)
		}
		if d.Time, ok = addDur(d.Time, time.Duration(v)); !ok {
			return Duration{}, fmt.Errorf("%w: duration %q is too long", ErrSyntax, s)
		}
	}
	if seen == 0 {
		return Duration{}, fmt.Errorf("%w: duration %q has no components", ErrSyntax, s)
	}
	return d, nil
}

func mulAdd(a, b, c int64) (int64, bool) {
	if a != 0 && (a > math.MaxInt64/b) {
		return 0, false
	}
	r := a * b
	if r > math.MaxInt64-c {
		return 0, false
	}
	return r + c, true
}

func addDur(a, b time.Duration) (time.Duration, bool) {
	if a > math.MaxInt64-b {
		return 0, false
	}
	return a + b, true
}

// IsZero reports whether all components are zero.
func (d Duration) IsZero() bool {
	return d.Years == 0 && d.Months == 0 && d.Weeks == 0 && d.Days == 0 && d.Time == 0
}

// AddTo adds the duration to t: the calendar part with AddDate (so P1M added
// to 31 January normalizes like time.AddDate), then the exact time part.
func (d Duration) AddTo(t time.Time) time.Time {
	sign := int64(1)
	if d.Negative {
		sign = -1
	}
	if d.Years != 0 || d.Months != 0 || d.Weeks != 0 || d.Days != 0 {
		t = t.AddDate(int(sign*d.Years), int(sign*d.Months), int(sign*(d.Weeks*7+d.Days)))
	}
	return t.Add(time.Duration(sign) * d.Time)
}

// Approximate returns the duration as a time.Duration, counting a year as 365
// days, a month as 30 days and a day as 24 hours. Use AddTo for exact results.
func (d Duration) Approximate() time.Duration {
	days := d.Years*365 + d.Months*30 + d.Weeks*7 + d.Days
	r := time.Duration(days)*24*time.Hour + d.Time
	if d.Negative {
		return -r
	}
	return r
}

// String returns the canonical ISO 8601 form, e.g. "P1Y2M3DT4H5M6.5S"; the
// zero duration is "PT0S".
func (d Duration) String() string {
	if d.IsZero() {
		return "PT0S"
	}
	var b strings.Builder
	if d.Negative {
		b.WriteByte('-')
	}
	b.WriteByte('P')
	writeComp := func(n int64, des byte) {
		if n != 0 {
			b.WriteString(strconv.FormatInt(n, 10))
			b.WriteByte(des)
		}
	}
	writeComp(d.Years, 'Y')
	writeComp(d.Months, 'M')
	writeComp(d.Weeks, 'W')
	writeComp(d.Days, 'D')
	if d.Time != 0 {
		b.WriteByte('T')
		b.WriteString(FormatTimePart(d.Time))
	}
	return b.String()
}

// FormatTimePart formats a non-negative exact duration as the part after the
// 'T' of an ISO duration, e.g. "1H30M", "0.5S".
func FormatTimePart(t time.Duration) string {
	var b strings.Builder
	h := int64(t / time.Hour)
	t -= time.Duration(h) * time.Hour
	m := int64(t / time.Minute)
	t -= time.Duration(m) * time.Minute
	if h != 0 {
		b.WriteString(strconv.FormatInt(h, 10))
		b.WriteByte('H')
	}
	if m != 0 {
		b.WriteString(strconv.FormatInt(m, 10))
		b.WriteByte('M')
	}
	if t != 0 || (h == 0 && m == 0) {
		sec := int64(t / time.Second)
		ns := int64(t % time.Second)
		b.WriteString(strconv.FormatInt(sec, 10))
		if ns != 0 {
			frac := strings.TrimRight(fmt.Sprintf("%09d", ns), "0")
			b.WriteByte('.')
			b.WriteString(frac)
		}
		b.WriteByte('S')
	}
	return b.String()
}
