package cluster

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// condition is one operator with its value(s), as the store takes them.
type condition struct {
	op     store.Op
	value  any
	values []any
}

// conditions lists the operators set on a filter property.
func (p *Prop[T, O]) conditions() []condition {
	f := p.Filter
	var cs []condition
	one := func(op store.Op, v *T) {
		if v != nil {
			cs = append(cs, condition{op: op, value: storeValue(*v)})
		}
	}
	one(store.OpEq, f.Eq)
	one(store.OpNeq, f.Neq)
	one(store.OpGt, f.Gt)
	one(store.OpGte, f.Gte)
	one(store.OpLt, f.Lt)
	one(store.OpLte, f.Lte)
	if f.Exists != nil {
		cs = append(cs, condition{op: store.OpExists, value: *f.Exists})
	}
	many := func(op store.Op, vs []T) {
		if vs != nil {
			c := condition{op: op, values: make([]any, len(vs))}
			for i, v := range vs {
				c.values[i] = storeValue(v)
			}
			cs = append(cs, c)
		}
	}
	many(store.OpIn, f.In)
	many(store.OpNotIn, f.NotIn)
	if f.Like != nil {
		cs = append(cs, condition{op: store.OpLike, value: *f.Like})
	}
	return cs
}

// conditioner is any filter property.
type conditioner interface{ conditions() []condition }

func storeValue(v any) any {
	switch t := v.(type) {
	case Key:
		return int64(t)
	case time.Time:
		return t
	case int32:
		return int64(t)
	}
	return v
}

// column says how a filter field maps onto the store: an SQL expression
// over the searched table (trusted text), the values it may take, or a
// function building the conditions itself.
type column struct {
	expr  string
	enum  []string
	build func(v any) ([]store.Cond, error)
}

// searchSpec maps a resource's filter and sort fields onto a table.
type searchSpec struct {
	table  string
	filter map[string]column
	sort   map[string]string // sort field → column; "" sorts by nothing
	// sortExpr sorts fields by SQL expressions (values derived at read
	// time, which the filter computes alike); the field is in sort too.
	sortExpr map[string]string
	base     []store.Cond // always applied
}

// where turns a filter struct (a pointer, possibly nil) into conditions.
func (s *searchSpec) where(filter any) ([]store.Cond, error) {
	conds := append([]store.Cond(nil), s.base...)
	v := reflect.ValueOf(filter)
	if !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return conds, nil
	}
	more, err := s.fieldConds(reflect.Indirect(v))
	return append(conds, more...), err
}

func (s *searchSpec) fieldConds(v reflect.Value) ([]store.Cond, error) {
	var conds []store.Cond
	t := v.Type()
	for i := range t.NumField() {
		sf, fv := t.Field(i), v.Field(i)
		if sf.Anonymous {
			more, err := s.fieldConds(fv)
			if err != nil {
				return nil, err
			}
			conds = append(conds, more...)
			continue
		}
		if fv.IsZero() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		col, ok := s.filter[name]
		if !ok {
			return nil, Errorf(CodeInvalidArgument, "filtering by %q is not supported", name)
		}
		more, err := col.conds(name, fv.Interface())
		if err != nil {
			return nil, err
		}
		conds = append(conds, more...)
	}
	return conds, nil
}

// conds builds the conditions of one filter field.
func (c column) conds(name string, v any) ([]store.Cond, error) {
	if c.build != nil {
		return c.build(v)
	}
	var cs []condition
	switch t := v.(type) {
	case conditioner:
		cs = t.conditions()
	case *string:
		cs = []condition{{op: store.OpEq, value: *t}}
	case *bool:
		cs = []condition{{op: store.OpEq, value: *t}}
	case *int32:
		cs = []condition{{op: store.OpEq, value: int64(*t)}}
	case *Key:
		cs = []condition{{op: store.OpEq, value: int64(*t)}}
	default:
		return nil, fmt.Errorf("filter %s: unexpected %T", name, v)
	}
	out := make([]store.Cond, 0, len(cs))
	for _, x := range cs {
		if err := c.checkEnum(name, x); err != nil {
			return nil, err
		}
		sc, err := store.ExprCond(c.expr, store.Cond{Op: x.op, Value: x.value, Values: x.values})
		if err != nil {
			return nil, badQuery(err)
		}
		out = append(out, sc)
	}
	return out, nil
}

func (c column) checkEnum(name string, x condition) error {
	if c.enum == nil || x.op == store.OpLike || x.op == store.OpExists {
		return nil
	}
	vals := x.values
	if x.values == nil {
		vals = []any{x.value}
	}
	for _, v := range vals {
		if s, _ := v.(string); !slices.Contains(c.enum, s) {
			return Errorf(CodeInvalidArgument, "Unexpected value '%v' for enum field '%s'. Use any of the following values: [%s]",
				v, name, strings.Join(c.enum, ", "))
		}
	}
	return nil
}

// query builds a store query from a search request.
func (s *searchSpec) query(filter any, sort []SortRequest, page *PageRequest) (store.Query, error) {
	var q store.Query
	where, err := s.where(filter)
	if err != nil {
		return q, err
	}
	q.Where = where
	for _, o := range sort {
		col, ok := s.sort[o.Field]
		if !ok {
			fields := make([]string, 0, len(s.sort))
			for f := range s.sort {
				fields = append(fields, f)
			}
			slices.Sort(fields)
			return q, Errorf(CodeInvalidArgument, "Unexpected value '%s' for enum field 'field'. Use any of the following values: [%s]",
				o.Field, strings.Join(fields, ", "))
		}
		var desc bool
		switch strings.ToUpper(o.Order) {
		case "", "ASC":
		case "DESC":
			desc = true
		default:
			return q, Errorf(CodeInvalidArgument, "Unexpected value '%s' for enum field 'order'. Use any of the following values: [ASC, DESC]", o.Order)
		}
		if expr := s.sortExpr[o.Field]; expr != "" {
			q.Sort = append(q.Sort, store.Order{Expr: expr, Desc: desc})
		} else if col != "" {
			q.Sort = append(q.Sort, store.Order{Column: col, Desc: desc})
		}
	}
	q.Limit = DefaultPageLimit
	if page != nil {
		if page.Limit != nil {
			if *page.Limit < 1 || *page.Limit > MaxPageLimit {
				return q, Errorf(CodeInvalidArgument, "The value for page.limit is '%d' but must be between 1 and %d.", *page.Limit, MaxPageLimit)
			}
			q.Limit = int(*page.Limit)
		}
		n := 0
		if page.From != nil {
			if *page.From < 0 {
				return q, Errorf(CodeInvalidArgument, "The value for page.from is '%d' but must be 0 or more.", *page.From)
			}
			q.From = int(*page.From)
			n++
		}
		if page.After != nil {
			q.After = *page.After
			n++
		}
		if page.Before != nil {
			q.Before = *page.Before
			n++
		}
		if n > 1 {
			return q, Errorf(CodeInvalidArgument, "Only one of [from, after, before] can be set in page.")
		}
		if (page.After != nil && *page.After == "") || (page.Before != nil && *page.Before == "") {
			return q, Errorf(CodeInvalidArgument, "The page cursor must not be empty.")
		}
	}
	return q, nil
}

func badQuery(err error) error {
	return &Error{Code: CodeInvalidArgument, Detail: err.Error()}
}

// resultPage converts a store page.
func resultPage[R any, T any](p store.Page[R], conv func(R) T) *SearchResult[T] {
	res := &SearchResult[T]{Items: make([]T, 0, len(p.Items)), Page: PageResponse{TotalItems: p.Total, HasMoreTotalItems: p.HasMoreTotal}}
	for _, r := range p.Items {
		res.Items = append(res.Items, conv(r))
	}
	if p.StartCursor != "" {
		res.Page.StartCursor = &p.StartCursor
		res.Page.EndCursor = &p.EndCursor
	}
	return res
}

// Conditions shared by several resources.

// exprFilter is a column for an expression over the searched table.
func exprFilter(expr string, enum ...string) column { return column{expr: expr, enum: enum} }

// variableFilters selects rows owning variables that match every filter:
// those whose keyExpr is among the ownerCol of the matching variables (v),
// optionally restricted further by where. The subquery is uncorrelated, so
// SQLite runs it once, through the index on variable names.
func variableFilters(keyExpr, ownerCol, where string) column {
	return column{build: func(v any) ([]store.Cond, error) {
		var out []store.Cond
		for _, f := range v.([]VariableValueFilter) {
			if f.Name == "" {
				return nil, Errorf(CodeInvalidArgument, "A variable filter needs a name.")
			}
			sql := keyExpr + " IN (SELECT " + ownerCol + " FROM variables v WHERE v.name = ?" + where
			args := []any{f.Name}
			var parts []store.Cond
			if f.Value != nil {
				for _, c := range f.Value.conditions() {
					sc, err := store.ExprCond("v.value", store.Cond{Op: c.op, Value: c.value, Values: c.values})
					if err != nil {
						return nil, badQuery(err)
					}
					s, a := rawSQL(sc)
					sql += " AND " + s
					args = append(args, a...)
					parts = append(parts, sc)
				}
			}
			out = append(out, store.Raw(sql+")", args...).Counting(parts...))
		}
		return out, nil
	}}
}

// tagFilter selects rows whose JSON tag array (expr) holds every tag.
func tagFilter(expr string) column {
	return column{build: func(v any) ([]store.Cond, error) {
		var out []store.Cond
		for _, tag := range v.([]string) {
			out = append(out, store.Raw("EXISTS (SELECT 1 FROM json_each("+expr+") WHERE json_each.value = ?)", tag))
		}
		return out, nil
	}}
}

// jsonArrayFilter selects rows whose JSON array (expr) has an element
// matching the string filter.
func jsonArrayFilter(expr string) column {
	return column{build: func(v any) ([]store.Cond, error) {
		sql := "EXISTS (SELECT 1 FROM json_each(" + expr + ") WHERE 1"
		var args []any
		var parts []store.Cond
		for _, c := range v.(*StringFilter).conditions() {
			if c.op == store.OpExists {
				// An array with any element exists.
				if b, _ := c.value.(bool); !b {
					return []store.Cond{store.Raw("NOT EXISTS (SELECT 1 FROM json_each(" + expr + "))")}, nil
				}
				continue
			}
			sc, err := store.ExprCond("json_each.value", store.Cond{Op: c.op, Value: c.value, Values: c.values})
			if err != nil {
				return nil, badQuery(err)
			}
			s, a := rawSQL(sc)
			sql += " AND " + s
			args = append(args, a...)
			parts = append(parts, sc)
		}
		return []store.Cond{store.Raw(sql+")", args...).Counting(parts...)}, nil
	}}
}

// subquery selects rows whose key (keyExpr) is among the keys (keyCol) of
// rows of another table matching the given conditions.
func subquery(keyExpr, table, keyCol string, base string, conds []store.Cond) store.Cond {
	sql := keyExpr + " IN (SELECT " + keyCol + " FROM " + table + " WHERE " + base
	var args []any
	for _, c := range conds {
		s, a := rawSQL(c)
		sql += " AND " + s
		args = append(args, a...)
	}
	return store.Raw(sql+")", args...)
}

// rawSQL is the SQL of a condition built by this package (always Raw).
func rawSQL(c store.Cond) (string, []any) {
	s, a, ok := store.RawSQL(c)
	if !ok {
		panic("cluster: condition is not raw SQL")
	}
	return s, a
}
