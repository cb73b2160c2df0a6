package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// A tool's input schema compiled for the common case: arguments that are
// valid are checked on their raw JSON, without decoding them into maps,
// and then decoded once, straight into the tool's argument struct. The
// compiled schema only tells valid arguments from the others; anything
// it is not sure of (invalid arguments, which need checkArgs' messages, a
// member named twice, an escape in a key or checked string, a member an
// open object allows) goes the generic way: checkArgs, then decodeArgs.
// Both ways accept the same arguments and decode them to the same values
// (TestCompiledSchemaAgrees, FuzzCompiledSchema).

// argSchema is a compiled property schema.
type argSchema struct {
	typ   string                // "object", "array", "boolean", "number", "integer", "string"; "" any
	props map[string]*argSchema // object: its properties; nil: free-form
	// required are the members an object must have (not null).
	required []string
	// open: an object admits members it does not list (they go the
	// generic way).
	open  bool
	items *argSchema // array: its items; nil: anything
	// key: an integer or string that holds an engine key (a number or a
	// string of digits, positive).
	key   bool
	int32 bool
	enum  []string
}

// compileSchema compiles an object schema as checkObject reads it.
func compileSchema(schema map[string]any) *argSchema {
	return compileProp(schema, "", true)
}

func compileProp(schema map[string]any, name string, isObject bool) *argSchema {
	c := &argSchema{}
	if schema == nil {
		return c
	}
	c.typ, _ = schema["type"].(string)
	if isObject {
		c.typ = "object"
	}
	switch c.typ {
	case "object":
		if props, ok := schema["properties"].(map[string]any); ok {
			c.props = make(map[string]*argSchema, len(props))
			for n, p := range props {
				ps, ok := p.(map[string]any)
				if !ok {
					// checkObject treats a member it cannot read as unknown.
					continue
				}
				c.props[n] = compileProp(ps, n, false)
			}
			c.required = asStrings(schema["required"])
			c.open, _ = schema["additionalProperties"].(bool)
		}
	case "array":
		items, _ := schema["items"].(map[string]any)
		c.items = compileProp(items, name, false)
	case "integer", "string":
		c.key = isKeyName(name) && schema[plainValue] != true
		c.int32 = schema["format"] == "int32"
		c.enum = asStrings(schema["enum"])
	}
	return c
}

// valid tells whether raw arguments (an object, valid JSON) are valid
// for the schema, when it can tell without decoding them; false sends
// them the generic way.
func (c *argSchema) valid(raw []byte) bool {
	s := &jsonScan{b: raw}
	if s.peek() != '{' {
		return false
	}
	return c.object(s)
}

// object checks the object at s.
func (c *argSchema) object(s *jsonScan) bool {
	if c.props == nil {
		_, ok := s.value(false)
		return ok
	}
	var presentArr [8][]byte
	present := presentArr[:0]
	ok := s.walk(func(name []byte) bool {
		v := s
		p, ok := c.props[string(name)]
		if !ok {
			return false // unknown (an error) or admitted by an open object: the generic way
		}
		if v.peek() == 'n' {
			v.value(false) // null stands for absent
			return true
		}
		present = append(present, name)
		return p.check(v)
	}, false)
	if !ok {
		return false
	}
	for _, r := range c.required {
		if !slices.ContainsFunc(present, func(n []byte) bool { return string(n) == r }) {
			return false
		}
	}
	return true
}

// check checks the value at s (not null) against c, and consumes it.
func (c *argSchema) check(s *jsonScan) bool {
	first := s.peek()
	switch c.typ {
	case "object":
		if first != '{' {
			return false
		}
		return c.object(s)
	case "array":
		if first != '[' {
			return false
		}
		return s.walk(func([]byte) bool {
			if s.peek() == 'n' {
				_, ok := s.value(false)
				return ok
			}
			return c.items.check(s)
		}, true)
	case "boolean":
		v, _ := s.value(false)
		return string(v) == "true" || string(v) == "false"
	case "number":
		v, _ := s.value(false)
		return isNumber(v)
	case "integer", "string":
		if c.key {
			v, _ := s.value(false)
			n, ok := plainKey(v)
			return ok && n > 0
		}
		if c.typ == "integer" {
			v, _ := s.value(false)
			n, ok := integer(v)
			return ok && (!c.int32 || n >= math.MinInt32 && n <= math.MaxInt32)
		}
		if first != '"' {
			return false
		}
		raw, escaped := s.str()
		if c.enum == nil {
			return true
		}
		return !escaped && slices.Contains(c.enum, string(raw))
	}
	_, ok := s.value(false)
	return ok
}

// isNumber tells whether a valid JSON value is a number.
func isNumber(v []byte) bool {
	return len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9')
}

// integer reads a valid JSON value that is a number written as an integer
// (no fraction, no exponent) that an int64 holds.
func integer(v []byte) (int64, bool) {
	if !isNumber(v) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	return n, err == nil
}

// toolArgs are a call's checked arguments: raw (the compiled schema found
// them valid) or decoded by checkArgs.
type toolArgs struct {
	raw json.RawMessage
	m   map[string]any
}

// decode decodes the arguments into the tool's argument struct (dst, a
// pointer to a zero struct), numbers as json.Number, as decodeArgs does.
// plain: dst holds no interface value, so that numbers decode the same
// either way, and the raw arguments are read without a decoder's buffer.
// fast (newFastArgs of dst's struct type, or nil) sets plain members
// without encoding/json.
func (a toolArgs) decode(dst any, plain bool, fast *fastArgs) error {
	if a.m != nil {
		return decodeArgs(a.m, dst)
	}
	if fast != nil {
		v := reflect.ValueOf(dst).Elem()
		if fast.decode(a.raw, v) {
			return nil
		}
		v.SetZero() // what fast set before it gave up
	}
	if plain {
		return json.Unmarshal(a.raw, dst)
	}
	dec := json.NewDecoder(bytes.NewReader(a.raw))
	dec.UseNumber()
	return dec.Decode(dst)
}

// holdsInterface tells whether a value of type t can hold an interface
// value (where json.Number and float64 differ).
func holdsInterface(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return holdsInterface(t.Elem(), seen)
	case reflect.Map:
		return holdsInterface(t.Key(), seen) || holdsInterface(t.Elem(), seen)
	case reflect.Struct:
		for i := range t.NumField() {
			if holdsInterface(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

// checkToolArgs checks raw arguments against a tool's schema, compiled
// and as map: the arguments to decode, or the violations.
func checkToolArgs(c *argSchema, schema map[string]any, raw json.RawMessage) (toolArgs, []string) {
	if t := bytes.TrimSpace(raw); len(t) > 0 && t[0] == '{' && validJSON(t, stdMaxDepth) && c.valid(t) {
		return toolArgs{raw: t}, nil
	}
	m, errs := checkArgs(schema, raw)
	return toolArgs{m: m}, errs
}

// checkedHandler serves a tool whose arguments are checked against its
// input schema (compiled once, here) before h sees them.
func checkedHandler(t *mcp.Tool, h func(context.Context, *mcp.CallToolRequest, toolArgs) *mcp.CallToolResult) mcp.ToolHandler {
	schema := t.InputSchema.(map[string]any)
	compiled := compileSchema(schema)
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		args, errs := checkToolArgs(compiled, schema, req.Params.Arguments)
		if len(errs) > 0 {
			return invalidResult(errs), nil
		}
		return h(ctx, req, args), nil
	}
}
