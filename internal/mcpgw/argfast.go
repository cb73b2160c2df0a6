package mcpgw

import (
	"encoding"
	"encoding/json"
	"reflect"
	"strings"

	"github.com/orcabpm/orca/internal/cluster"
)

// Arguments the compiled schema found valid are mostly a few members of
// plain kinds: a key, an id, a flag. fastArgs sets those straight into the
// tool's argument struct from the scanned JSON, without encoding/json's
// decoder (its state machine, reflection per member, and the allocations
// of cluster.Key's UnmarshalJSON). It takes only what it reads exactly as
// json.Unmarshal does; anything else (an escape, a null, a number that
// is no integer, a member of another kind or of no field) sends the whole
// decode back to encoding/json (FuzzFastArgs holds the two to the same
// values).

// fastArgs sets the members of a struct type's plain fields.
type fastArgs struct {
	fields map[string]fastField // by JSON name, as the struct's tags spell it
}

// fastField is a field fastArgs sets.
type fastField struct {
	index int
	kind  fastKind
	ptr   bool         // the field is a pointer to its kind
	typ   reflect.Type // the field's type, or its element's when ptr
}

type fastKind uint8

const (
	fastOther fastKind = iota // not set here: encoding/json decodes it
	fastString
	fastBool
	fastInt
	fastKey // cluster.Key
)

var (
	keyType             = reflect.TypeFor[cluster.Key]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// newFastArgs reads a struct type's fields as encoding/json names them; nil
// when t is no struct or embeds one (encoding/json's promotion rules are
// not repeated here).
func newFastArgs(t reflect.Type) *fastArgs {
	if t.Kind() != reflect.Struct {
		return nil
	}
	f := &fastArgs{fields: map[string]fastField{}}
	for i := range t.NumField() {
		sf := t.Field(i)
		if sf.Anonymous {
			return nil
		}
		if !sf.IsExported() {
			continue
		}
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if name == "" {
			name = sf.Name
		}
		field := fastField{index: i, typ: sf.Type}
		if field.typ.Kind() == reflect.Pointer {
			field.ptr, field.typ = true, field.typ.Elem()
		}
		field.kind = kindOf(field.typ)
		if opts != "" && strings.Contains(","+opts+",", ",string,") {
			field.kind = fastOther
		}
		if _, dup := f.fields[name]; dup {
			return nil // encoding/json's rules for clashing names are its own
		}
		f.fields[name] = field
	}
	return f
}

func kindOf(t reflect.Type) fastKind {
	if t == keyType {
		return fastKey
	}
	if reflect.PointerTo(t).Implements(jsonUnmarshalerType) || reflect.PointerTo(t).Implements(textUnmarshalerType) {
		return fastOther
	}
	switch t.Kind() {
	case reflect.String:
		return fastString
	case reflect.Bool:
		return fastBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return fastInt
	}
	return fastOther
}

// decode sets dst (a struct of the type newFastArgs read) from raw, a
// valid JSON object; false when it cannot, leaving dst partly set.
func (f *fastArgs) decode(raw []byte, dst reflect.Value) bool {
	s := &jsonScan{b: raw}
	if s.peek() != '{' {
		return false
	}
	ok := s.walk(func(name []byte) bool {
		v := s
		field, ok := f.fields[string(name)]
		if !ok || field.kind == fastOther {
			return false // no field by that exact name (encoding/json may fold its case), or not a plain kind
		}
		out := dst.Field(field.index)
		if field.ptr {
			p := reflect.New(field.typ)
			out.Set(p)
			out = p.Elem()
		}
		switch first := v.peek(); field.kind {
		case fastString:
			if first != '"' {
				return false
			}
			raw, escaped := v.str()
			if escaped {
				return false
			}
			out.SetString(string(raw))
		case fastBool:
			lit, _ := v.value(true)
			switch string(lit) {
			case "true":
				out.SetBool(true)
			case "false":
				out.SetBool(false)
			default:
				return false
			}
		case fastInt:
			lit, _ := v.value(true)
			n, ok := integer(lit)
			if !ok || out.OverflowInt(n) {
				return false
			}
			out.SetInt(n)
		case fastKey:
			lit, _ := v.value(true)
			n, ok := plainKey(lit)
			if !ok {
				return false
			}
			out.SetInt(n)
		}
		return true
	}, false)
	return ok && s.peek() == 0
}
