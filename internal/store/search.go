package store

import (
	"context"
	"database/sql/driver"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Op is a filter operator, named as in Camunda's search API.
type Op string

const (
	OpEq     Op = "$eq"
	OpNeq    Op = "$neq"
	OpExists Op = "$exists" // Value true: not null; false: null
	OpIn     Op = "$in"
	OpNotIn  Op = "$notIn"
	OpLike   Op = "$like" // * any run, ? one character, \ escapes
	OpGt     Op = "$gt"
	OpGte    Op = "$gte"
	OpLt     Op = "$lt"
	OpLte    Op = "$lte"
	opSQL    Op = "sql"
	opOr     Op = "or"
)

// Cond is one condition of a search. Values of time columns are time.Time.
type Cond struct {
	Column string
	Op     Op
	Value  any
	Values []any // $in, $notIn

	sql  string
	args []any
	or   [][]Cond
	ins  int // values of an $in an ExprCond rendered in sql
}

// Raw is a condition written in SQL by trusted code (never from input).
func Raw(sql string, args ...any) Cond { return Cond{Op: opSQL, sql: sql, args: args} }

// Or holds when all conditions of any group hold.
func Or(groups ...[]Cond) Cond { return Cond{Op: opOr, or: groups} }

// Order sorts by a column, or by Expr: an SQL expression over the table's
// row written by trusted code (never from input), for a value derived at
// read time.
type Order struct {
	Column string
	Expr   string
	Desc   bool
}

// sql is what the order sorts by.
func (o Order) sql() string {
	if o.Expr != "" {
		return "(" + o.Expr + ")"
	}
	return o.Column
}

// Query is a search over one table.
type Query struct {
	Where []Cond
	Sort  []Order
	// Limit defaults to 100. From is an offset; After and Before are cursors
	// from an earlier page (at most one of the three).
	Limit  int
	From   int
	After  string
	Before string
}

// Page is one page of results.
type Page[T any] struct {
	Items []T
	// Total counts the matches, up to MaxExactTotal; HasMoreTotal says
	// there are more.
	Total        int64
	HasMoreTotal bool
	StartCursor  string // empty when the page is empty
	EndCursor    string
}

// ErrBadQuery is wrapped by errors caused by the query rather than the store.
type ErrBadQuery struct{ Msg string }

func (e *ErrBadQuery) Error() string { return e.Msg }

func badQuery(format string, args ...any) error {
	return &ErrBadQuery{Msg: fmt.Sprintf(format, args...)}
}

// MaxExactTotal is how far a search counts its matches (Camunda's
// secondary storage counts to 10,000, then answers hasMoreTotalItems).
const MaxExactTotal = 10_000

// Search runs q against the table of mk's records.
func Search[T Record](ctx context.Context, s *Store, mk func() T, q Query) (page Page[T], err error) {
	if err := checkLimits(q, s.searchCaps); err != nil {
		return Page[T]{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, s.searchCaps.Time)
	defer cancel()
	defer func() { err = searchTimeout(ctx, err, s.searchCaps.Time) }()
	proto := mk()
	table := proto.Table()
	cols := tables[table]
	var where []string
	var args []any
	for _, c := range q.Where {
		sql, a, err := condSQL(cols, proto, c)
		if err != nil {
			return Page[T]{}, err
		}
		where = append(where, sql)
		args = append(args, a...)
	}
	order := append([]Order(nil), q.Sort...)
	var exprs []string // the expressions sorted by, selected for the cursors
	for _, o := range order {
		if o.Expr != "" {
			exprs = append(exprs, o.sql())
			continue
		}
		if !slices.Contains(cols, o.Column) {
			return Page[T]{}, badQuery("cannot sort by %q", o.Column)
		}
	}
	order = append(order, Order{Column: "key"})
	if q.Limit <= 0 {
		q.Limit = 100
	}
	if q.From < 0 {
		return Page[T]{}, badQuery("page.from must be zero or more")
	}
	if (q.After != "" || q.Before != "") && q.From > 0 || q.After != "" && q.Before != "" {
		return Page[T]{}, badQuery("use only one of page.from, page.after and page.before")
	}
	whereSQL := ""
	if len(where) > 0 {
		whereSQL = " WHERE " + strings.Join(where, " AND ")
	}
	// Matches are counted up to MaxExactTotal, as Camunda's search counts
	// them: past it the total is a lower bound (HasMoreTotal), and a page of
	// a large history costs what a page of a small one does.
	var total int64
	if err := s.reads.queryRow(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM "+table+whereSQL+" LIMIT ?)",
		append(append([]any(nil), args...), MaxExactTotal+1)...).Scan(&total); err != nil {
		return Page[T]{}, fmt.Errorf("count %s: %w", table, err)
	}
	more := total > MaxExactTotal
	if more {
		total = MaxExactTotal
	}

	backward := q.Before != ""
	pageWhere, pageArgs := where, append([]any(nil), args...)
	if cur := q.After + q.Before; cur != "" {
		vals, err := decodeCursor(cur, len(order))
		if err != nil {
			return Page[T]{}, err
		}
		sql, a := keysetSQL(order, vals, backward)
		pageWhere = append(append([]string(nil), where...), sql)
		pageArgs = append(pageArgs, a...)
	}
	var ob []string
	for _, o := range order {
		desc := o.Desc != backward
		dir := "ASC"
		if desc {
			dir = "DESC"
		}
		ob = append(ob, o.sql()+" "+dir)
	}
	sql := "SELECT " + strings.Join(append(append([]string(nil), cols...), exprs...), ", ") + " FROM " + table
	if len(pageWhere) > 0 {
		sql += " WHERE " + strings.Join(pageWhere, " AND ")
	}
	sql += " ORDER BY " + strings.Join(ob, ", ") + " LIMIT ? OFFSET ?"
	rows, err := s.reads.query(ctx, sql, append(pageArgs, q.Limit, q.From)...)
	if err != nil {
		return Page[T]{}, fmt.Errorf("search %s: %w", table, err)
	}
	defer rows.Close()
	page = Page[T]{Total: total, HasMoreTotal: more}
	var derived [][]any // each row's values of exprs
	for rows.Next() {
		r := mk()
		vals := make([]any, len(exprs))
		dest := r.Columns()
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return Page[T]{}, fmt.Errorf("scan %s: %w", table, err)
		}
		page.Items = append(page.Items, r)
		derived = append(derived, vals)
	}
	if err := rows.Err(); err != nil {
		return Page[T]{}, fmt.Errorf("search %s: %w", table, err)
	}
	if backward {
		slices.Reverse(page.Items)
		slices.Reverse(derived)
	}
	if n := len(page.Items); n > 0 {
		page.StartCursor = encodeCursor(cols, page.Items[0], derived[0], order)
		page.EndCursor = encodeCursor(cols, page.Items[n-1], derived[n-1], order)
	}
	return page, nil
}

func condSQL(cols []string, proto Record, c Cond) (string, []any, error) {
	switch c.Op {
	case opSQL:
		return "(" + c.sql + ")", c.args, nil
	case opOr:
		var parts []string
		var args []any
		for _, g := range c.or {
			var and []string
			for _, gc := range g {
				s, a, err := condSQL(cols, proto, gc)
				if err != nil {
					return "", nil, err
				}
				and = append(and, s)
				args = append(args, a...)
			}
			if len(and) == 0 {
				and = []string{"1"}
			}
			parts = append(parts, "("+strings.Join(and, " AND ")+")")
		}
		if len(parts) == 0 {
			return "1", nil, nil
		}
		return "(" + strings.Join(parts, " OR ") + ")", args, nil
	}
	if !slices.Contains(cols, c.Column) {
		return "", nil, badQuery("cannot filter by %q", c.Column)
	}
	col := c.Column
	v := sqlValue(c.Value)
	switch c.Op {
	case OpEq, "":
		if v == nil {
			return col + " IS NULL", nil, nil
		}
		return col + " = ?", []any{v}, nil
	case OpNeq:
		if v == nil {
			return col + " IS NOT NULL", nil, nil
		}
		return "(" + col + " IS NULL OR " + col + " != ?)", []any{v}, nil
	case OpExists:
		b, _ := c.Value.(bool)
		if b {
			return col + " IS NOT NULL", nil, nil
		}
		return col + " IS NULL", nil, nil
	case OpGt, OpGte, OpLt, OpLte:
		op := map[Op]string{OpGt: ">", OpGte: ">=", OpLt: "<", OpLte: "<="}[c.Op]
		return col + " " + op + " ?", []any{v}, nil
	case OpIn, OpNotIn:
		if len(c.Values) == 0 {
			if c.Op == OpIn {
				return "0", nil, nil
			}
			return "1", nil, nil
		}
		args := make([]any, len(c.Values))
		for i, x := range c.Values {
			args[i] = sqlValue(x)
		}
		ph := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")
		if c.Op == OpIn {
			return col + " IN (" + ph + ")", args, nil
		}
		return "(" + col + " IS NULL OR " + col + " NOT IN (" + ph + "))", args, nil
	case OpLike:
		s, ok := c.Value.(string)
		if !ok {
			return "", nil, badQuery("$like needs a string")
		}
		return col + ` LIKE ? ESCAPE '\'`, []any{likePattern(s)}, nil
	}
	return "", nil, badQuery("unknown operator %q", c.Op)
}

// likePattern turns Camunda's wildcards (* and ?, \ escaping) into SQL LIKE's.
func likePattern(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch ch {
		case '\\':
			if i+1 < len(s) {
				i++
				ch = s[i]
			}
			if ch == '%' || ch == '_' || ch == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(ch)
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		case '%', '_':
			b.WriteByte('\\')
			b.WriteByte(ch)
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}

// sqlValue converts a filter value to what the column stores.
func sqlValue(v any) any {
	switch t := v.(type) {
	case time.Time:
		return t.UnixMilli()
	case bool:
		if t {
			return 1
		}
		return 0
	}
	return v
}

// keysetSQL selects the rows after (or before) a cursor position under the
// sort order, with SQLite's NULLS FIRST ordering.
func keysetSQL(order []Order, vals []any, backward bool) (string, []any) {
	var ors []string
	var args []any
	for i := range order {
		var ands []string
		for j := 0; j < i; j++ {
			if vals[j] == nil {
				ands = append(ands, order[j].sql()+" IS NULL")
			} else {
				ands = append(ands, order[j].sql()+" = ?")
				args = append(args, vals[j])
			}
		}
		after := order[i].Desc == backward // moving towards larger values
		col := order[i].sql()
		switch {
		case after && vals[i] == nil:
			ands = append(ands, col+" IS NOT NULL")
		case after:
			ands = append(ands, col+" > ?")
			args = append(args, vals[i])
		case vals[i] == nil:
			ands = append(ands, "0")
		default:
			ands = append(ands, "("+col+" < ? OR "+col+" IS NULL)")
			args = append(args, vals[i])
		}
		ors = append(ors, "("+strings.Join(ands, " AND ")+")")
	}
	return "(" + strings.Join(ors, " OR ") + ")", args
}

func encodeCursor(cols []string, r Record, derived []any, order []Order) string {
	ptrs := r.Columns()
	vals := make([]any, len(order))
	for i, o := range order {
		if o.Expr != "" {
			v := derived[0]
			derived = derived[1:]
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			vals[i] = v
			continue
		}
		vals[i] = columnValue(ptrs[slices.Index(cols, o.Column)])
	}
	b, _ := json.Marshal(vals)
	return base64.StdEncoding.EncodeToString(b)
}

func decodeCursor(s string, n int) ([]any, error) {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, badQuery("the cursor %q is not valid", s)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	var vals []any
	if err := dec.Decode(&vals); err != nil || len(vals) != n {
		return nil, badQuery("the cursor %q does not belong to this search", s)
	}
	for i, v := range vals {
		if num, ok := v.(json.Number); ok {
			if iv, err := num.Int64(); err == nil {
				vals[i] = iv
			} else if fv, err := num.Float64(); err == nil {
				vals[i] = fv
			}
		}
	}
	return vals, nil
}

// columnValue reads what a column pointer stores, as SQLite would see it.
func columnValue(p any) any {
	if v, ok := p.(driver.Valuer); ok {
		x, _ := v.Value()
		return x
	}
	switch t := p.(type) {
	case *int64:
		return *t
	case *int32:
		return int64(*t)
	case *int:
		return int64(*t)
	case *string:
		return *t
	case *bool:
		if *t {
			return int64(1)
		}
		return int64(0)
	}
	return nil
}
