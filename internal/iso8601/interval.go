package iso8601

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RepeatingInterval is an ISO 8601 repeating interval as used by BPMN timer
// cycles: "R5/PT10S", "R/PT1H", "R3/2024-01-01T10:00:00Z/PT1H",
// "R/PT1H/2024-12-31T00:00:00Z".
type RepeatingInterval struct {
	Repetitions int // -1 means unbounded
	Start       *time.Time
	Interval    Duration
	End         *time.Time
}

// ParseRepeatingInterval parses R[n]/<duration>, R[n]/<start>/<duration> and
// R[n]/<duration>/<end>.
func ParseRepeatingInterval(s string) (RepeatingInterval, error) {
	var ri RepeatingInterval
	head, rest, ok := strings.Cut(s, "/")
	if !ok || rest == "" {
		return ri, fmt.Errorf("%w: repeating interval %q must look like R[n]/[start/]duration[/end]", ErrSyntax, s)
	}
	if head == "" || (head[0] != 'R' && head[0] != 'r') {
		return ri, fmt.Errorf("%w: repeating interval %q must start with 'R'", ErrSyntax, s)
	}
	if head == "R" || head == "r" || head == "R-1" {
		ri.Repetitions = -1
	} else {
		n, err := strconv.Atoi(head[1:])
		if err != nil || n < 0 {
			return ri, fmt.Errorf("%w: repeating interval %q: bad repetition count %q", ErrSyntax, s, head[1:])
		}
		ri.Repetitions = n
	}
	isDur := func(p string) bool {
		return strings.HasPrefix(p, "P") || strings.HasPrefix(p, "-P") || strings.HasPrefix(p, "p")
	}
	if isDur(rest) {
		// <duration> or <duration>/<end>; a duration contains no '/'
		durPart, endPart, hasEnd := strings.Cut(rest, "/")
		d, err := ParseDuration(durPart)
		if err != nil {
			return RepeatingInterval{}, fmt.Errorf("repeating interval %q: %w", s, err)
		}
		ri.Interval = d
		if hasEnd {
			end, err := ParseDateTime(endPart)
			if err != nil {
				return RepeatingInterval{}, fmt.Errorf("repeating interval %q: end: %w", s, err)
			}
			ri.End = &end
		}
	} else {
		// <start>/<duration>; the start may contain '/' in its zone id
		i := strings.LastIndexByte(rest, '/')
		if i < 0 || !isDur(rest[i+1:]) {
			return RepeatingInterval{}, fmt.Errorf("%w: repeating interval %q: expected <start>/<duration>", ErrSyntax, s)
		}
		start, err := ParseDateTime(rest[:i])
		if err != nil {
			return RepeatingInterval{}, fmt.Errorf("repeating interval %q: start: %w", s, err)
		}
		d, err := ParseDuration(rest[i+1:])
		if err != nil {
			return RepeatingInterval{}, fmt.Errorf("repeating interval %q: %w", s, err)
		}
		ri.Start, ri.Interval = &start, d
	}
	if ri.Interval.IsZero() || ri.Interval.Negative {
		return RepeatingInterval{}, fmt.Errorf("%w: repeating interval %q: the interval must be positive", ErrSyntax, s)
	}
	return ri, nil
}

// String returns the ISO 8601 form.
func (ri RepeatingInterval) String() string {
	var b strings.Builder
	b.WriteByte('R')
	if ri.Repetitions >= 0 {
		b.WriteString(strconv.Itoa(ri.Repetitions))
	}
	if ri.Start != nil {
		b.WriteByte('/')
		b.WriteString(FormatDateTime(*ri.Start, true))
	}
	b.WriteByte('/')
	b.WriteString(ri.Interval.String())
	if ri.End != nil {
		b.WriteByte('/')
		b.WriteString(FormatDateTime(*ri.End, true))
	}
	return b.String()
}

// Unbounded reports whether the interval repeats forever.
func (ri RepeatingInterval) Unbounded() bool { return ri.Repetitions < 0 }

// FirstDue returns when the first repetition is due, relative to now when
// the interval has no start: Start if set, otherwise now + Interval.
func (ri RepeatingInterval) FirstDue(now time.Time) time.Time {
	if ri.Start != nil {
		return *ri.Start
	}
	return ri.Interval.AddTo(now)
}

// Next returns the due time following prev.
func (ri RepeatingInterval) Next(prev time.Time) time.Time {
	return ri.Interval.AddTo(prev)
}

// WithRepetitions returns a copy with the repetition count replaced, as used
// when a timer fires and the remaining count is decremented.
func (ri RepeatingInterval) WithRepetitions(n int) RepeatingInterval {
	ri.Repetitions = n
	return ri
}
