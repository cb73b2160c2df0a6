// Package limits holds the documented caps on what one request or command
// may carry, and the checks that enforce them. The engine and the REST and
// MCP layers check against the same numbers, so a value too large for one is
// too large for all, whether it came from a request, a worker, a connector
// or a FEEL expression.
package limits

import (
	"encoding/json"
	"fmt"
	"time"
)

// The caps. Each is named in the errors that enforce it.
const (
	// MaxVariableBytes bounds the JSON text of one variable value.
	MaxVariableBytes = 4 << 20
	// MaxCommandVariableBytes bounds the JSON texts of all variables one
	// command sets together (a create, a job completion, a set-variables).
	MaxCommandVariableBytes = 16 << 20
	// MaxVariablesPerCommand bounds how many variables one command sets.
	MaxVariablesPerCommand = 10_000
	// MaxVariableNameBytes bounds a variable's name.
	MaxVariableNameBytes = 4096
	// MaxFilterTerms bounds the values one search filter compares against,
	// counting every field, operator, $in value and $or branch.
	MaxFilterTerms = 5000
	// MaxInValues bounds the values of one $in or $notIn list.
	MaxInValues = 1000
	// MaxOrBranches bounds the branches of one $or.
	MaxOrBranches = 100
	// MaxPageSize bounds the items one search page returns.
	MaxPageSize = 10_000
	// MaxSearchTime bounds the time one search may take.
	MaxSearchTime = 10 * time.Second
)

// Error is a value or request beyond a cap. Name is the cap's name as the
// README documents it (maxVariableBytes, ...).
type Error struct {
	Name  string // the cap, e.g. "maxVariableBytes"
	Max   int64
	Got   int64
	About string // what was measured, e.g. "variable 'order'"
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s is %d, more than the limit %s = %d", e.About, e.Got, e.Name, e.Max)
}

// VariableCount checks how many variables one command sets, before they
// are encoded.
func VariableCount(n int) error {
	if n > MaxVariablesPerCommand {
		return &Error{Name: "maxVariablesPerCommand", Max: MaxVariablesPerCommand, Got: int64(n), About: "the number of variables"}
	}
	return nil
}

// Variables checks the variables one command sets against the variable
// caps: each value's JSON text, their sum, their number and their names.
func Variables(vars map[string]json.RawMessage) error {
	if err := VariableCount(len(vars)); err != nil {
		return err
	}
	var total int64
	for name, v := range vars {
		if len(name) > MaxVariableNameBytes {
			return &Error{Name: "maxVariableNameBytes", Max: MaxVariableNameBytes, Got: int64(len(name)), About: fmt.Sprintf("the name of variable '%.40s...' in bytes", name)}
		}
		if len(v) > MaxVariableBytes {
			return &Error{Name: "maxVariableBytes", Max: MaxVariableBytes, Got: int64(len(v)), About: fmt.Sprintf("the value of variable '%s' in bytes", name)}
		}
		total += int64(len(v))
	}
	if total > MaxCommandVariableBytes {
		return &Error{Name: "maxCommandVariableBytes", Max: MaxCommandVariableBytes, Got: total, About: "the values of all variables together in bytes"}
	}
	return nil
}

// Search are the caps on one search, which a server may set lower or
// higher than the documented defaults (orca.limits.* in the configuration).
// A zero field takes its default.
type Search struct {
	InValues    int           // maxInValues
	OrBranches  int           // maxOrBranches
	FilterTerms int           // maxFilterTerms
	PageSize    int           // maxPageSize
	Time        time.Duration // maxSearchTime
}

// OrDefault fills the zero fields with the documented defaults.
func (s Search) OrDefault() Search {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&s.InValues, MaxInValues)
	def(&s.OrBranches, MaxOrBranches)
	def(&s.FilterTerms, MaxFilterTerms)
	def(&s.PageSize, MaxPageSize)
	if s.Time <= 0 {
		s.Time = MaxSearchTime
	}
	return s
}
