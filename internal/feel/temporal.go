package feel

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/iso8601"
)

const day = 24 * time.Hour

// NewDate returns the date y-m-d, or an error when it does not exist.
func NewDate(y int, m time.Month, d int) (Date, error) {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || t.Month() != m || t.Day() != d {
		return Date{}, fmt.Errorf("invalid date %d-%02d-%02d", y, m, d)
	}
	return Date{T: t}, nil
}

func atoiStrict(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	return n, err == nil
}

// ParseDate parses "yyyy-mm-dd" (optionally signed, years beyond 9999 allowed).
func ParseDate(s string) (Date, error) {
	neg := false
	in := s
	if strings.HasPrefix(in, "-") {
		neg, in = true, in[1:]
	}
	parts := strings.Split(in, "-")
	if len(parts) != 3 || len(parts[0]) < 4 || len(parts[0]) > 9 || len(parts[1]) != 2 || len(parts[2]) != 2 {
		return Date{}, fmt.Errorf("invalid date %q, expected yyyy-mm-dd", s)
	}
	if len(parts[0]) > 4 && parts[0][0] == '0' {
		return Date{}, fmt.Errorf("invalid date %q: years with more than four digits must not start with 0", s)
	}
	y, ok1 := atoiStrict(parts[0])
	m, ok2 := atoiStrict(parts[1])
	d, ok3 := atoiStrict(parts[2])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("invalid date %q, expected yyyy-mm-dd", s)
	}
	if neg {
		y = -y
	}
	dt, err := NewDate(y, time.Month(m), d)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: %w", s, err)
	}
	return dt, nil
}

// parseClock parses "hh:mm:ss[.fff]" and returns the offset part that follows.
func parseClock(s string) (time.Duration, string, error) {
	if len(s) < 8 || s[2] != ':' || s[5] != ':' {
		return 0, "", fmt.Errorf("invalid time %q, expected hh:mm:ss", s)
	}
	h, ok1 := atoiStrict(s[0:2])
	m, ok2 := atoiStrict(s[3:5])
	sec, ok3 := atoiStrict(s[6:8])
	if !ok1 || !ok2 || !ok3 || h > 23 || m > 59 || sec > 59 {
		return 0, "", fmt.Errorf("invalid time %q", s)
	}
	rest := s[8:]
	var ns int64
	if strings.HasPrefix(rest, ".") {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			i++
		}
		frac := rest[1:i]
		if frac == "" {
			return 0, "", fmt.Errorf("invalid time %q: empty fraction", s)
		}
		if len(frac) > 9 {
			frac = frac[:9]
		}
		frac += strings.Repeat("0", 9-len(frac))
		ns, _ = strconv.ParseInt(frac, 10, 64)
		rest = rest[i:]
	}
	c := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(sec)*time.Second + time.Duration(ns)
	return c, rest, nil
}

// parseZone parses "", "Z", "±hh:mm", "@zone" or "[zone]".
func parseZone(s string) (TimeKind, int, *time.Location, string, error) {
	switch {
	case s == "":
		return Local, 0, nil, "", nil
	case s == "Z" || s == "z":
		return Offset, 0, time.UTC, "", nil
	case s[0] == '@' || s[0] == '[':
		id := s[1:]
		if s[0] == '[' {
			if !strings.HasSuffix(id, "]") {
				return 0, 0, nil, "", fmt.Errorf("invalid zone %q", s)
			}
			id = id[:len(id)-1]
		}
		loc, err := iso8601.LoadZone(id)
		if err != nil {
			return 0, 0, nil, "", err
		}
		return Zoned, 0, loc, id, nil
	case s[0] == '+' || s[0] == '-':
		body := s[1:]
		var h, m, sec int
		var ok bool
		switch {
		case len(body) == 5 && body[2] == ':':
			h, ok = atoiStrict(body[0:2])
			if ok {
				m, ok = atoiStrict(body[3:5])
			}
		case len(body) == 8 && body[2] == ':' && body[5] == ':':
			h, ok = atoiStrict(body[0:2])
			if ok {
				m, ok = atoiStrict(body[3:5])
			}
			if ok {
				sec, ok = atoiStrict(body[6:8])
			}
		case len(body) == 4:
			h, ok = atoiStrict(body[0:2])
			if ok {
				m, ok = atoiStrict(body[2:4])
			}
		case len(body) == 2:
			h, ok = atoiStrict(body)
		}
		if !ok || h > 18 || m > 59 || sec > 59 {
			return 0, 0, nil, "", fmt.Errorf("invalid offset %q", s)
		}
		off := h*3600 + m*60 + sec
		if s[0] == '-' {
			off = -off
		}
		return Offset, off, time.FixedZone("", off), "", nil
	}
	return 0, 0, nil, "", fmt.Errorf("invalid zone or offset %q", s)
}

// ParseTime parses "hh:mm:ss[.f][Z|±hh:mm|@zone]".
func ParseTime(s string) (Time, error) {
	c, rest, err := parseClock(s)
	if err != nil {
		return Time{}, err
	}
	kind, off, loc, zone, err := parseZone(rest)
	if err != nil {
		return Time{}, fmt.Errorf("invalid time %q: %w", s, err)
	}
	if kind == Zoned {
		// a time has no date; use the zone's standard offset at the epoch
		_, off = time.Date(1970, 1, 1, 0, 0, 0, 0, loc).Zone()
	}
	return Time{Clock: c, Kind: kind, Offset: off, Zone: zone}, nil
}

// ParseDateTime parses "yyyy-mm-ddThh:mm:ss[.f][Z|±hh:mm|@zone]"; a bare
// date yields midnight.
func ParseDateTime(s string) (DateTime, error) {
	ds, ts, hasT := strings.Cut(s, "T")
	d, err := ParseDate(ds)
	if err != nil {
		return DateTime{}, fmt.Errorf("invalid date and time %q: %w", s, err)
	}
	if !hasT {
		return DateTime{T: d.T, Kind: Local}, nil
	}
	c, rest, err := parseClock(ts)
	if err != nil {
		return DateTime{}, fmt.Errorf("invalid date and time %q: %w", s, err)
	}
	kind, _, loc, _, err := parseZone(rest)
	if err != nil {
		return DateTime{}, fmt.Errorf("invalid date and time %q: %w", s, err)
	}
	return combine(d, c, kind, loc), nil
}

func combine(d Date, c time.Duration, kind TimeKind, loc *time.Location) DateTime {
	y, m, dd := d.T.Date()
	if loc == nil {
		loc = time.UTC
	}
	h := int(c / time.Hour)
	mi := int(c % time.Hour / time.Minute)
	sec := int(c % time.Minute / time.Second)
	ns := int(c % time.Second)
	return DateTime{T: time.Date(y, m, dd, h, mi, sec, ns, loc), Kind: kind}
}

// Date returns the date part.
func (dt DateTime) Date() Date {
	y, m, d := dt.T.Date()
	return Date{T: time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Time returns the time part.
func (dt DateTime) Time() Time {
	h, m, s := dt.T.Clock()
	c := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute + time.Duration(s)*time.Second + time.Duration(dt.T.Nanosecond())
	t := Time{Clock: c, Kind: dt.Kind}
	if dt.Kind != Local {
		_, t.Offset = dt.T.Zone()
		if dt.Kind == Zoned {
			t.Zone = dt.T.Location().String()
		}
	}
	return t
}

func pad2(b *strings.Builder, n int) {
	if n < 10 {
		b.WriteByte('0')
	}
	b.WriteString(strconv.Itoa(n))
}

func writeDate(b *strings.Builder, y int, m time.Month, d int) {
	if y < 0 {
		b.WriteByte('-')
		y = -y
	}
	ys := strconv.Itoa(y)
	for i := len(ys); i < 4; i++ {
		b.WriteByte('0')
	}
	b.WriteString(ys)
	b.WriteByte('-')
	pad2(b, int(m))
	b.WriteByte('-')
	pad2(b, d)
}

func writeClock(b *strings.Builder, c time.Duration) {
	pad2(b, int(c/time.Hour))
	b.WriteByte(':')
	pad2(b, int(c%time.Hour/time.Minute))
	b.WriteByte(':')
	pad2(b, int(c%time.Minute/time.Second))
	if ns := int(c % time.Second); ns != 0 {
		b.WriteByte('.')
		b.WriteString(strings.TrimRight(fmt.Sprintf("%09d", ns), "0"))
	}
}

func writeOffset(b *strings.Builder, off int) {
	if off == 0 {
		b.WriteByte('Z')
		return
	}
	if off < 0 {
		b.WriteByte('-')
		off = -off
	} else {
		b.WriteByte('+')
	}
	pad2(b, off/3600)
	b.WriteByte(':')
	pad2(b, off%3600/60)
	if off%60 != 0 {
		b.WriteByte(':')
		pad2(b, off%60)
	}
}

// String returns "yyyy-mm-dd".
func (d Date) String() string {
	var b strings.Builder
	y, m, dd := d.T.Date()
	writeDate(&b, y, m, dd)
	return b.String()
}

// String returns "hh:mm:ss[.f][offset|@zone]".
func (t Time) String() string {
	var b strings.Builder
	writeClock(&b, t.Clock)
	switch t.Kind {
	case Offset:
		writeOffset(&b, t.Offset)
	case Zoned:
		b.WriteByte('@')
		b.WriteString(t.Zone)
	}
	return b.String()
}

// String returns "yyyy-mm-ddThh:mm:ss[.f][offset|@zone]".
func (dt DateTime) String() string {
	var b strings.Builder
	y, m, d := dt.T.Date()
	writeDate(&b, y, m, d)
	b.WriteByte('T')
	h, mi, s := dt.T.Clock()
	writeClock(&b, time.Duration(h)*time.Hour+time.Duration(mi)*time.Minute+time.Duration(s)*time.Second+time.Duration(dt.T.Nanosecond()))
	switch dt.Kind {
	case Offset:
		_, off := dt.T.Zone()
		writeOffset(&b, off)
	case Zoned:
		b.WriteByte('@')
		b.WriteString(dt.T.Location().String())
	}
	return b.String()
}

// isoString is the form stored in process variables: zoned date-times as
// "2024-01-01T10:00:00+01:00[Europe/Berlin]".
func (dt DateTime) isoString() string {
	if dt.Kind != Zoned {
		return dt.String()
	}
	var b strings.Builder
	y, m, d := dt.T.Date()
	writeDate(&b, y, m, d)
	b.WriteByte('T')
	h, mi, s := dt.T.Clock()
	writeClock(&b, time.Duration(h)*time.Hour+time.Duration(mi)*time.Minute+time.Duration(s)*time.Second+time.Duration(dt.T.Nanosecond()))
	_, off := dt.T.Zone()
	writeOffset(&b, off)
	b.WriteByte('[')
	b.WriteString(dt.T.Location().String())
	b.WriteByte(']')
	return b.String()
}

// String returns "P1Y2M", "-P3M", "P0M".
func (d YearsMonthsDuration) String() string {
	m := int64(d)
	if m == 0 {
		return "P0M"
	}
	var b strings.Builder
	if m < 0 {
		b.WriteByte('-')
		m = -m
	}
	b.WriteByte('P')
	if y := m / 12; y != 0 {
		b.WriteString(strconv.FormatInt(y, 10))
		b.WriteByte('Y')
	}
	if mm := m % 12; mm != 0 {
		b.WriteString(strconv.FormatInt(mm, 10))
		b.WriteByte('M')
	}
	return b.String()
}

// String returns "P1DT2H3M4.5S", "-PT1H", "PT0S".
func (d DaysTimeDuration) String() string {
	v := time.Duration(d)
	if v == 0 {
		return "PT0S"
	}
	var b strings.Builder
	if v < 0 {
		b.WriteByte('-')
		if v == math.MinInt64 {
			v = math.MaxInt64
		} else {
			v = -v
		}
	}
	b.WriteByte('P')
	if days := v / day; days != 0 {
		b.WriteString(strconv.FormatInt(int64(days), 10))
		b.WriteByte('D')
		v -= days * day
	}
	if v != 0 {
		b.WriteByte('T')
		b.WriteString(iso8601.FormatTimePart(v))
	}
	return b.String()
}

// ParseDuration parses an ISO 8601 duration into a YearsMonthsDuration (when
// it has only year and month components) or a DaysTimeDuration.
func ParseDuration(s string) (Value, error) {
	d, err := iso8601.ParseDuration(s)
	if err != nil {
		return nil, err
	}
	datePart, _, _ := strings.Cut(strings.ToUpper(s), "T")
	ym := strings.ContainsAny(datePart, "YM")
	if ym {
		if d.Weeks != 0 || d.Days != 0 || d.Time != 0 {
			return nil, fmt.Errorf("duration %q mixes years/months with days/time", s)
		}
		m := d.Years*12 + d.Months
		if d.Years > math.MaxInt32 || m > math.MaxInt32*12 {
			return nil, fmt.Errorf("duration %q is too long", s)
		}
		if d.Negative {
			m = -m
		}
		return YearsMonthsDuration(m), nil
	}
	days := d.Weeks*7 + d.Days
	if days > math.MaxInt64/int64(day)-1 {
		return nil, fmt.Errorf("duration %q is too long", s)
	}
	total := time.Duration(days) * day
	if total > math.MaxInt64-d.Time {
		return nil, fmt.Errorf("duration %q is too long", s)
	}
	total += d.Time
	if d.Negative {
		total = -total
	}
	return DaysTimeDuration(total), nil
}

// addMonths adds months to t, clamping the day to the end of the month
// (2024-01-31 + 1 month = 2024-02-29), as java.time does.
func addMonths(t time.Time, months int64) (time.Time, bool) {
	y, m, d := t.Date()
	total := int64(y)*12 + int64(m-1) + months
	if total > 999999999*12 || total < -999999999*12 {
		return time.Time{}, false
	}
	ny := int(floorDiv(total, 12))
	nm := time.Month(total-int64(ny)*12) + 1
	last := daysIn(ny, nm)
	if d > last {
		d = last
	}
	h, mi, s := t.Clock()
	return time.Date(ny, nm, d, h, mi, s, t.Nanosecond(), t.Location()), true
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// monthsBetween returns the whole months from a to b (negative if b < a),
// like java.time.Period.between(...).toTotalMonths().
func monthsBetween(a, b time.Time) int64 {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	total := int64(by-ay)*12 + int64(bm-am)
	// compare the remaining day/time part
	aRest, bRest := ad, bd
	if total > 0 && bRest < aRest {
		total--
	} else if total < 0 && bRest > aRest {
		total++
	}
	return total
}

// utcClock returns the time of day normalized to UTC for comparison, or the
// local clock for local times.
func (t Time) utcClock() time.Duration {
	if t.Kind == Local {
		return t.Clock
	}
	c := t.Clock - time.Duration(t.Offset)*time.Second
	c %= day
	if c < 0 {
		c += day
	}
	return c
}

func isoWeek(t time.Time) int {
	_, w := t.ISOWeek()
	return w
}
