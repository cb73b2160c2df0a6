package bpmn

import (
	"fmt"
	"strings"
	"time"

	"github.com/adhocore/gronx"

	"github.com/orcabpm/orca/internal/iso8601"
)

// Timer is one occurrence of an evaluated timer definition.
type Timer struct {
	Due time.Time
	// Repetitions is the number of occurrences left, this one included:
	// 1 for dates and durations, -1 for an unbounded cycle.
	Repetitions int
	// Cycle is the cycle the next occurrence is computed from: an ISO 8601
	// repeating interval or a cron expression; empty for dates and durations.
	Cycle string
}

// EvalTimer turns the value of a timer definition (a literal, or the string
// result of its expression) into its first occurrence after now, as Zeebe
// does: a duration counts from now, a date is absolute (and due at once when
// past), a cycle is an ISO 8601 repeating interval or a cron expression.
func EvalTimer(kind TimerKind, value string, now time.Time) (Timer, error) {
	value = strings.TrimSpace(value)
	switch kind {
	case TimerDuration:
		d, err := iso8601.ParseDuration(value)
		if err != nil {
			return Timer{}, fmt.Errorf("invalid duration '%s': %w", value, err)
		}
		return Timer{Due: d.AddTo(now), Repetitions: 1}, nil
	case TimerDate:
		t, err := iso8601.ParseDateTime(value)
		if err != nil {
			return Timer{}, fmt.Errorf("invalid date '%s': %w", value, err)
		}
		return Timer{Due: t, Repetitions: 1}, nil
	case TimerCycle:
		if strings.HasPrefix(value, "R") || strings.HasPrefix(value, "r") {
			ri, err := iso8601.ParseRepeatingInterval(value)
			if err != nil {
				return Timer{}, fmt.Errorf("invalid cycle '%s': %w", value, err)
			}
			if ri.Interval.IsZero() {
				return Timer{}, fmt.Errorf("invalid cycle '%s': the interval must not be zero", value)
			}
			if ri.Repetitions == 0 {
				return Timer{}, fmt.Errorf("invalid cycle '%s': the cycle has no repetitions", value)
			}
			return Timer{Due: ri.FirstDue(now), Repetitions: ri.Repetitions, Cycle: value}, nil
		}
		if !gronx.IsValid(value) {
			return Timer{}, fmt.Errorf("invalid cycle '%s': neither an ISO 8601 repeating interval nor a cron expression", value)
		}
		next, err := gronx.NextTickAfter(value, now, false)
		if err != nil {
			return Timer{}, fmt.Errorf("invalid cycle '%s': %w", value, err)
		}
		return Timer{Due: next, Repetitions: -1, Cycle: value}, nil
	}
	return Timer{}, fmt.Errorf("unknown timer kind %q", kind)
}

// Next returns the occurrence after t, or false when the cycle is exhausted.
func (t Timer) Next() (Timer, bool) {
	if t.Cycle == "" || t.Repetitions == 1 {
		return Timer{}, false
	}
	reps := t.Repetitions
	if reps > 0 {
		reps--
	}
	if strings.HasPrefix(t.Cycle, "R") || strings.HasPrefix(t.Cycle, "r") {
		ri, err := iso8601.ParseRepeatingInterval(t.Cycle)
		if err != nil {
			return Timer{}, false
		}
		next := ri.Next(t.Due)
		if ri.End != nil && next.After(*ri.End) {
			return Timer{}, false
		}
		return Timer{Due: next, Repetitions: reps, Cycle: t.Cycle}, true
	}
	next, err := gronx.NextTickAfter(t.Cycle, t.Due, false)
	if err != nil {
		return Timer{}, false
	}
	return Timer{Due: next, Repetitions: -1, Cycle: t.Cycle}, true
}

func checkStaticTimer(kind TimerKind, value string) error {
	_, err := EvalTimer(kind, value, time.Now())
	return err
}
