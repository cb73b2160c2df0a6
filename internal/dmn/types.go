package dmn

import (
	"context"
	"strings"

	"github.com/orcabpm/orca/internal/feel"
)

// typeInfo is a resolved DMN type: a FEEL base type, an item definition
// with components, a collection or a function type. A nil *typeInfo is Any.
type typeInfo struct {
	name       string
	base       string // FEEL type name (feel.TypeName) or "" for structured types
	collection bool
	elem       *typeInfo // element type of a collection
	components []component
	allowed    *feel.Expression // allowed values (unary tests) of the value
	fn         *fnType
}

type component struct {
	name string
	typ  *typeInfo
}

type fnType struct {
	params []*typeInfo
	out    *typeInfo
}

var baseTypes = map[string]string{
	"number":                    "NUMBER",
	"string":                    "STRING",
	"boolean":                   "BOOLEAN",
	"date":                      "DATE",
	"time":                      "TIME",
	"dateTime":                  "DATE_TIME",
	"date and time":             "DATE_TIME",
	"dayTimeDuration":           "DAYS_TIME_DURATION",
	"days and time duration":    "DAYS_TIME_DURATION",
	"yearMonthDuration":         "YEARS_MONTHS_DURATION",
	"years and months duration": "YEARS_MONTHS_DURATION",
	"context":                   "CONTEXT",
	"list":                      "LIST",
	"function":                  "FUNCTION",
	"range":                     "RANGE",
}

// variableType resolves the typeRef of e's <variable> child.
func (c *compiler) variableType(e *elem) *typeInfo {
	v := c.child(e, "variable")
	if v == nil {
		return nil
	}
	return c.typeRef(v.attr("typeRef"), v)
}

// typeRef resolves a type reference; unknown references are Any.
func (c *compiler) typeRef(ref string, at *elem) *typeInfo {
	ref = strings.TrimSpace(ref)
	if ref == "" || ref == "Any" {
		return nil
	}
	if t, ok := c.types[ref]; ok {
		return t
	}
	if it, ok := c.items[ref]; ok {
		if c.resolved == nil {
			c.resolved = map[string]bool{}
		}
		if c.resolved[ref] {
			return nil // recursive type: treat as Any
		}
		c.resolved[ref] = true
		t := c.itemDefinition(it)
		c.types[ref] = t
		return t
	}
	name := ref
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	if b, ok := baseTypes[name]; ok {
		return &typeInfo{name: name, base: b}
	}
	if strings.HasPrefix(name, "list<") || strings.HasPrefix(name, "context<") || strings.HasPrefix(name, "function<") || strings.HasPrefix(name, "range<") {
		return nil
	}
	// qualified names of imported types and unknown names are Any
	return nil
}

func (c *compiler) itemDefinition(it *elem) *typeInfo {
	t := &typeInfo{name: it.attr("name")}
	var inner *typeInfo
	if fi := c.child(it, "functionItem"); fi != nil {
		ft := &fnType{out: c.typeRef(fi.attr("outputTypeRef"), fi)}
		for _, p := range c.all(fi, "parameters") {
			ft.params = append(ft.params, c.typeRef(p.attr("typeRef"), p))
		}
		inner = &typeInfo{base: "FUNCTION", fn: ft}
	} else if comps := c.all(it, "itemComponent"); len(comps) > 0 {
		inner = &typeInfo{name: t.name}
		for _, ic := range comps {
			inner.components = append(inner.components, component{name: ic.attr("name"), typ: c.itemDefinition(ic)})
		}
	} else if tr, ok := c.childText(it, "typeRef"); ok {
		base := c.typeRef(strings.TrimSpace(tr), it)
		if base != nil {
			cp := *base
			inner = &cp
		}
	}
	constraint := func(local string) *feel.Expression {
		if av := c.child(it, local); av != nil {
			if txt, ok := c.childText(av, "text"); ok && strings.TrimSpace(txt) != "" {
				return c.unaryTests(txt, av, it.attr("id"))
			}
		}
		return nil
	}
	allowed, typeConstraint := constraint("allowedValues"), constraint("typeConstraint")
	if it.attr("isCollection") == "true" {
		// allowed values constrain the items, a type constraint the list
		t.collection = true
		t.base = "LIST"
		if allowed != nil {
			if inner == nil {
				inner = &typeInfo{}
			}
			inner.allowed = allowed
		}
		t.elem = inner
		t.allowed = typeConstraint
		return t
	}
	if allowed == nil {
		allowed = typeConstraint
	}
	if inner == nil {
		if allowed == nil {
			return nil
		}
		inner = &typeInfo{}
	}
	inner.name = t.name
	if allowed != nil {
		inner.allowed = allowed
	}
	return inner
}

func (c *compiler) childText(e *elem, local string) (string, bool) {
	k := c.child(e, local)
	if k == nil {
		return "", false
	}
	return k.Text, true
}

// conforms reports whether v is an instance of t.
func conforms(ctx context.Context, v feel.Value, t *typeInfo) bool {
	if t == nil {
		return true
	}
	if _, isNull := v.(feel.Null); isNull || v == nil {
		return true
	}
	if t.collection {
		l, ok := v.(feel.List)
		if !ok {
			return false
		}
		for _, x := range l {
			if !conforms(ctx, x, t.elem) {
				return false
			}
		}
		return allowedOK(ctx, v, t)
	}
	if t.base != "" {
		tn := feel.TypeName(v)
		switch t.base {
		case "TIME":
			if tn != "TIME" && tn != "LOCAL_TIME" {
				return false
			}
		case "DATE_TIME":
			if tn != "DATE_TIME" && tn != "LOCAL_DATE_TIME" {
				return false
			}
		default:
			if tn != t.base {
				return false
			}
		}
	}
	if len(t.components) > 0 {
		cx, ok := v.(*feel.Context)
		if !ok {
			return false
		}
		for _, comp := range t.components {
			x, ok := cx.Get(comp.name)
			if !ok {
				return false
			}
			if !conforms(ctx, x, comp.typ) {
				return false
			}
		}
	}
	return allowedOK(ctx, v, t)
}

func allowedOK(ctx context.Context, v feel.Value, t *typeInfo) bool {
	if t.allowed == nil {
		return true
	}
	r, _, err := t.allowed.EvaluateTest(ctx, v, nil)
	return err == nil && r == feel.Boolean(true)
}

// coerce converts v to t as DMN 1.5 prescribes: singleton lists unwrap to
// their item for non-collection types, single values wrap for collection
// types, and a value that does not conform becomes null.
func coerce(ctx context.Context, v feel.Value, t *typeInfo) feel.Value {
	if t == nil || v == nil {
		return v
	}
	if _, isNull := v.(feel.Null); isNull {
		return v
	}
	if conforms(ctx, v, t) {
		return v
	}
	if l, ok := v.(feel.List); ok && !t.collection && len(l) == 1 && conforms(ctx, l[0], t) {
		return l[0]
	}
	if t.collection {
		if _, isList := v.(feel.List); !isList && conforms(ctx, v, t.elem) {
			return feel.List{v}
		}
	}
	return feel.Null{}
}
