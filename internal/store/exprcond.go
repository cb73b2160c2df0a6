package store

import (
	"fmt"

	"github.com/orcabpm/orca/internal/limits"
)

// ExprCond renders c as a condition on expr, a column, an SQL expression or
// a column of another table, written by trusted code (never from input). It
// serves conditions that a table's own columns cannot express: values
// inside subqueries, JSON array elements, empty strings read as absent.
// Values are bound as parameters, as with Cond. The result is a Raw
// condition.
func ExprCond(expr string, c Cond) (Cond, error) {
	if c.Op == opSQL || c.Op == opOr {
		return c, nil
	}
	if (c.Op == OpIn || c.Op == OpNotIn) && len(c.Values) > limits.MaxInValues {
		return Cond{}, limitError("maxInValues", limits.MaxInValues, int64(len(c.Values)), "the number of "+string(c.Op)+" values")
	}
	c.Column = expr
	sql, args, err := condSQL([]string{expr}, nil, c)
	if err != nil {
		return Cond{}, err
	}
	if s, ok := c.Value.(string); ok && (c.Op == OpEq || c.Op == "") && isVariableValue(expr) {
		// The variables index holds a prefix of each value, not the value:
		// state the prefix too, so that SQLite finds the row through it.
		sql = "(" + ValuePrefixSQL(expr) + " = ? AND " + sql + ")"
		args = append([]any{valuePrefix(s)}, args...)
	}
	raw := Raw(sql, args...)
	if c.Op == OpIn || c.Op == OpNotIn {
		raw.ins = len(c.Values)
	}
	return raw, nil
}

// ValuePrefixChars is how many characters of a variable's value the index
// on (name, value prefix) holds. Holding the prefix rather than the value
// keeps the index small whatever the values' sizes, so that writes stay fast
// after large variables; equality filters find rows through the prefix and
// then compare whole values.
const ValuePrefixChars = 64

// ValuePrefixSQL is the indexed expression for the value column expr.
func ValuePrefixSQL(expr string) string {
	return fmt.Sprintf("substr(%s, 1, %d)", expr, ValuePrefixChars)
}

// valuePrefix is what ValuePrefixSQL yields for a value s.
func valuePrefix(s string) string {
	n := 0
	for i := range s {
		if n == ValuePrefixChars {
			return s[:i]
		}
		n++
	}
	return s
}

// isVariableValue tells the value column of variables, as the cluster's
// searches name it (the table itself, or the alias v in subqueries).
func isVariableValue(expr string) bool {
	return expr == "variables.value" || expr == "v.value"
}

// RawSQL returns the SQL text and arguments of a Raw condition (such as
// ExprCond makes), for embedding in a larger Raw condition; ok is false for
// other conditions.
func RawSQL(c Cond) (sql string, args []any, ok bool) {
	if c.Op != opSQL {
		return "", nil, false
	}
	return "(" + c.sql + ")", c.args, true
}

// Counting makes a raw condition built from parts (ExprConds rendered into
// its SQL) count their $in values against the search limits, as the parts
// would.
func (c Cond) Counting(parts ...Cond) Cond {
	for _, p := range parts {
		c.ins += p.ins
	}
	return c
}
