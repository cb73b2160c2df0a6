package store

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
	c.Column = expr
	sql, args, err := condSQL([]string{expr}, nil, c)
	if err != nil {
		return Cond{}, err
	}
	return Raw(sql, args...), nil
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
