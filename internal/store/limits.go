package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/orcabpm/orca/internal/limits"
)

// checkLimits refuses a query beyond the documented search limits, before
// SQLite sees it: its own limits (on variables and expression depth) would
// fail it as an internal error, after a long time.
func checkLimits(q Query, caps limits.Search) error {
	if q.Limit > caps.PageSize {
		return limitError("maxPageSize", int64(caps.PageSize), int64(q.Limit), "the page size")
	}
	terms := 0
	var walk func(cs []Cond) error
	walk = func(cs []Cond) error {
		for _, c := range cs {
			switch c.Op {
			case OpIn, OpNotIn:
				if len(c.Values) > caps.InValues {
					return limitError("maxInValues", int64(caps.InValues), int64(len(c.Values)), "the number of "+string(c.Op)+" values")
				}
				terms += len(c.Values)
			case opOr:
				if len(c.or) > caps.OrBranches {
					return limitError("maxOrBranches", int64(caps.OrBranches), int64(len(c.or)), "the number of $or branches")
				}
				for _, g := range c.or {
					if err := walk(g); err != nil {
						return err
					}
				}
			case opSQL:
				if c.ins > caps.InValues {
					return limitError("maxInValues", int64(caps.InValues), int64(c.ins), "the number of $in values")
				}
				terms += max(1, len(c.args))
			default:
				terms++
			}
			if terms > caps.FilterTerms {
				return limitError("maxFilterTerms", int64(caps.FilterTerms), int64(terms), "the number of filter terms")
			}
		}
		return nil
	}
	return walk(q.Where)
}

func limitError(name string, max, got int64, about string) error {
	le := &limits.Error{Name: name, Max: max, Got: got, About: about}
	return &ErrBadQuery{Msg: le.Error() + "."}
}

// searchTimeout turns a search cut off by MaxSearchTime into a bad query
// naming the limit.
func searchTimeout(ctx context.Context, err error, limit time.Duration) error {
	if err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return &ErrBadQuery{Msg: fmt.Sprintf("The search took longer than the limit maxSearchTime = %s; narrow its filter.", limit)}
	}
	return err
}
