package feel

import (
	"sort"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Value is a FEEL value. The concrete types are Null, Boolean, *Number,
// String, Date, Time, DateTime, YearsMonthsDuration, DaysTimeDuration, List,
// *Context, *Range and *Function. Values are immutable once built.
type Value interface {
	feelValue()
}

// Null is FEEL's null.
type Null struct{}

// Boolean is a FEEL boolean.
type Boolean bool

// Number is a FEEL number: a decimal with 34 significant digits
// (IEEE 754 decimal128 precision), as in feel-scala.
type Number struct {
	d apd.Decimal
}

// String is a FEEL string.
type String string

// Date is a calendar date; T is midnight UTC of that date.
type Date struct {
	T time.Time
}

// TimeKind tells how a Time or DateTime relates to a time zone.
type TimeKind uint8

const (
	// Local has no offset and no zone.
	Local TimeKind = iota
	// Offset carries a fixed UTC offset ("Z" or "+01:00").
	Offset
	// Zoned carries an IANA zone id ("@Europe/Berlin").
	Zoned
)

// Time is a time of day, possibly with an offset or zone.
type Time struct {
	Clock  time.Duration // since midnight, [0, 24h)
	Kind   TimeKind
	Offset int    // seconds east of UTC, when Kind != Local
	Zone   string // IANA id, when Kind == Zoned
}

// DateTime is a date and time. For Local values T is in UTC and carries the
// wall clock; for Offset and Zoned values T carries the instant in its location.
type DateTime struct {
	T    time.Time
	Kind TimeKind
}

// YearsMonthsDuration is a duration counted in months.
type YearsMonthsDuration int64

// DaysTimeDuration is an exact duration.
type DaysTimeDuration time.Duration

// List is a FEEL list.
type List []Value

// Entry is one key/value pair of a Context.
type Entry struct {
	Key   string
	Value Value
}

// Context is a FEEL context: entries in insertion order, unique keys.
type Context struct {
	entries []Entry
	index   map[string]int // built for larger contexts
}

// Range is a FEEL range (interval). A nil bound is unbounded.
type Range struct {
	Low, High             Value
	LowClosed, HighClosed bool
}

// Function is a FEEL function value: a builtin, a user-defined function, or
// a unary test.
type Function struct {
	Name   string
	Params []string
	// variadic: the last parameter collects all remaining arguments
	Variadic bool
	call     func(e *env, args []Value) Value
	// lenient functions (made by NewFunction) take fewer arguments than
	// parameters; the missing ones are null
	lenient bool
	// for builtins, the overloads, used when named args select a signature
	builtin *builtin
}

func (Null) feelValue()                {}
func (Boolean) feelValue()             {}
func (*Number) feelValue()             {}
func (String) feelValue()              {}
func (Date) feelValue()                {}
func (Time) feelValue()                {}
func (DateTime) feelValue()            {}
func (YearsMonthsDuration) feelValue() {}
func (DaysTimeDuration) feelValue()    {}
func (List) feelValue()                {}
func (*Context) feelValue()            {}
func (*Range) feelValue()              {}
func (*Function) feelValue()           {}

// NewContext builds a context from entries; later duplicates replace earlier ones.
func NewContext(entries ...Entry) *Context {
	c := &Context{entries: make([]Entry, 0, len(entries))}
	for _, en := range entries {
		c.set(en.Key, en.Value)
	}
	return c
}

// set mutates c; only for contexts under construction.
func (c *Context) set(k string, v Value) {
	if i, ok := c.indexOf(k); ok {
		c.entries[i].Value = v
		return
	}
	c.entries = append(c.entries, Entry{k, v})
	if c.index != nil {
		c.index[k] = len(c.entries) - 1
	} else if len(c.entries) > 8 {
		c.index = make(map[string]int, len(c.entries)*2)
		for i, en := range c.entries {
			c.index[en.Key] = i
		}
	}
}

func (c *Context) indexOf(k string) (int, bool) {
	if c.index != nil {
		i, ok := c.index[k]
		return i, ok
	}
	for i := range c.entries {
		if c.entries[i].Key == k {
			return i, true
		}
	}
	return 0, false
}

// Get returns the value stored under k.
func (c *Context) Get(k string) (Value, bool) {
	if c == nil {
		return nil, false
	}
	i, ok := c.indexOf(k)
	if !ok {
		return nil, false
	}
	return c.entries[i].Value, true
}

// Len returns the number of entries.
func (c *Context) Len() int { return len(c.entries) }

// Entries returns a copy of the entries in order.
func (c *Context) Entries() []Entry { return append([]Entry(nil), c.entries...) }

// Keys returns the keys in order.
func (c *Context) Keys() []string {
	ks := make([]string, len(c.entries))
	for i, en := range c.entries {
		ks[i] = en.Key
	}
	return ks
}

// with returns a copy of c with k set to v.
func (c *Context) with(k string, v Value) *Context {
	n := &Context{entries: make([]Entry, len(c.entries), len(c.entries)+1)}
	copy(n.entries, c.entries)
	if len(n.entries) > 8 {
		n.index = make(map[string]int, len(n.entries)+1)
		for i, en := range n.entries {
			n.index[en.Key] = i
		}
	}
	n.set(k, v)
	return n
}

// TypeName returns the feel-scala type name of v: "NULL", "BOOLEAN",
// "NUMBER", "STRING", "DATE", "TIME", "DATE_TIME", "DAYS_TIME_DURATION",
// "YEARS_MONTHS_DURATION", "LIST", "CONTEXT", "RANGE", "FUNCTION".
func TypeName(v Value) string {
	switch v := v.(type) {
	case nil, Null:
		return "NULL"
	case Boolean:
		return "BOOLEAN"
	case *Number:
		return "NUMBER"
	case String:
		return "STRING"
	case Date:
		return "DATE"
	case Time:
		if v.Kind == Local {
			return "LOCAL_TIME"
		}
		return "TIME"
	case DateTime:
		if v.Kind == Local {
			return "LOCAL_DATE_TIME"
		}
		return "DATE_TIME"
	case YearsMonthsDuration:
		return "YEARS_MONTHS_DURATION"
	case DaysTimeDuration:
		return "DAYS_TIME_DURATION"
	case List:
		return "LIST"
	case *Context:
		return "CONTEXT"
	case *Range:
		return "RANGE"
	case *Function:
		return "FUNCTION"
	}
	return "UNKNOWN"
}

func isNull(v Value) bool {
	switch v.(type) {
	case nil, Null:
		return true
	}
	return false
}

// sortedKeys returns the keys of a JSON object in a stable order.
func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Format renders v the way FEEL's string() function does: strings inside
// lists and contexts are quoted, top-level strings are not.
func Format(v Value) string {
	var b strings.Builder
	format(&b, v, false)
	return b.String()
}

func format(b *strings.Builder, v Value, nested bool) {
	switch v := v.(type) {
	case nil, Null:
		b.WriteString("null")
	case Boolean:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case *Number:
		b.WriteString(v.String())
	case String:
		if nested {
			b.WriteString(quote(string(v)))
		} else {
			b.WriteString(string(v))
		}
	case Date:
		b.WriteString(v.String())
	case Time:
		b.WriteString(v.String())
	case DateTime:
		b.WriteString(v.String())
	case YearsMonthsDuration:
		b.WriteString(v.String())
	case DaysTimeDuration:
		b.WriteString(v.String())
	case List:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteString(", ")
			}
			format(b, x, true)
		}
		b.WriteByte(']')
	case *Context:
		b.WriteByte('{')
		for i, en := range v.entries {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(en.Key)
			b.WriteString(":")
			format(b, en.Value, true)
		}
		b.WriteByte('}')
	case *Range:
		if v.LowClosed {
			b.WriteByte('[')
		} else {
			b.WriteByte('(')
		}
		if v.Low != nil {
			format(b, v.Low, true)
		}
		b.WriteString("..")
		if v.High != nil {
			format(b, v.High, true)
		}
		if v.HighClosed {
			b.WriteByte(']')
		} else {
			b.WriteByte(')')
		}
	case *Function:
		b.WriteString("function(")
		b.WriteString(strings.Join(v.Params, ", "))
		b.WriteString(")")
	default:
		b.WriteString("?")
	}
}

func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
