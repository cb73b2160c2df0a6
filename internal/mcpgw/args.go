package mcpgw

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"unicode"

	"github.com/orcabpm/orca/internal/cluster"
)

// Arguments are checked against the tool's input schema before they are
// decoded, so that an agent learns exactly which argument is wrong, in
// Camunda's form "<argument>: <message>". Keys are accepted as JSON
// numbers or as strings of digits wherever they appear (Camunda advertises
// top-level keys as int64 numbers and filter keys as strings; keys of
// partition 4 and up exceed what a JavaScript number holds exactly).

// checkArgs validates raw arguments against an object schema and returns
// the violations, each "<path>: <message>".
func checkArgs(schema map[string]any, raw json.RawMessage) (map[string]any, []string) {
	args := map[string]any{}
	if t := bytes.TrimSpace(raw); len(t) > 0 && !bytes.Equal(t, []byte("null")) {
		dec := json.NewDecoder(bytes.NewReader(t))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, []string{"arguments: not valid JSON: " + err.Error()}
		}
		m, ok := v.(map[string]any)
		if !ok {
			return nil, []string{"arguments: expected an object"}
		}
		args = m
	}
	var errs []string
	checkObject(schema, args, "", &errs)
	return args, errs
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

// keyLabel names a key argument as Camunda's messages do: incidentKey is
// "Incident key".
func keyLabel(name string) string {
	var b strings.Builder
	for i, r := range name {
		if unicode.IsUpper(r) {
			b.WriteByte(' ')
			r = unicode.ToLower(r)
		}
		if i == 0 {
			r = unicode.ToUpper(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// plainValue marks a property schema (in the schema a tool's arguments are
// checked against, not the one listed) whose value is no engine key,
// whatever its name: a process tool's inputs.
const plainValue = "x-orca-plain-value"

// isKeyName tells whether an argument holds an engine key: the arguments
// named ...Key, except the correlation key of messages.
func isKeyName(name string) bool {
	// decisionEvaluationInstanceKey is "<key>-<index>", not a key.
	return strings.HasSuffix(name, "Key") && name != "correlationKey" && name != "decisionEvaluationInstanceKey"
}

func checkObject(schema map[string]any, obj map[string]any, path string, errs *[]string) {
	props, _ := schema["properties"].(map[string]any)
	if props == nil {
		return // a free-form object, such as variables
	}
	for _, r := range asStrings(schema["required"]) {
		if obj[r] == nil {
			msg := "must not be null."
			if isKeyName(r) && path == "" {
				msg = keyLabel(r) + " must not be null."
			}
			*errs = append(*errs, join(path, r)+": "+msg)
		}
	}
	for _, name := range sortedKeys(obj) {
		ps, ok := props[name].(map[string]any)
		if !ok {
			if open, _ := schema["additionalProperties"].(bool); open {
				continue // a process tool's variables
			}
			*errs = append(*errs, fmt.Sprintf("%s: unknown argument; expected one of [%s].", join(path, name), strings.Join(sortedKeys(props), ", ")))
			continue
		}
		checkValue(ps, name, obj[name], join(path, name), path == "", errs)
	}
}

func checkValue(schema map[string]any, name string, v any, path string, top bool, errs *[]string) {
	if v == nil {
		return // null stands for absent
	}
	fail := func(format string, args ...any) { *errs = append(*errs, path+": "+fmt.Sprintf(format, args...)) }
	switch schema["type"] {
	case "object":
		m, ok := v.(map[string]any)
		if !ok {
			fail("must be an object.")
			return
		}
		checkObject(schema, m, path, errs)
	case "array":
		a, ok := v.([]any)
		if !ok {
			fail("must be an array.")
			return
		}
		items, _ := schema["items"].(map[string]any)
		for i, x := range a {
			checkValue(items, name, x, fmt.Sprintf("%s[%d]", path, i), false, errs)
		}
	case "boolean":
		if _, ok := v.(bool); !ok {
			fail("must be a boolean.")
		}
	case "number":
		if _, ok := v.(json.Number); !ok {
			fail("must be a number.")
		}
	case "integer":
		if isKeyName(name) && schema[plainValue] != true {
			if k, ok := keyValue(v); !ok || k <= 0 {
				if top {
					fail("%s must be a positive number.", keyLabel(name))
				} else {
					fail("must be a positive number.")
				}
			}
			return
		}
		n, ok := v.(json.Number)
		if !ok {
			fail("must be an integer.")
			return
		}
		i, err := n.Int64()
		if err != nil {
			fail("must be an integer, not %s.", n)
			return
		}
		if schema["format"] == "int32" && (i < math.MinInt32 || i > math.MaxInt32) {
			fail("must be a 32-bit integer.")
		}
	case "string":
		if isKeyName(name) && schema[plainValue] != true {
			if k, ok := keyValue(v); !ok || k <= 0 {
				fail("%s is not a valid key: expected a string of digits.", describe(v))
			}
			return
		}
		s, ok := v.(string)
		if !ok {
			fail("must be a string.")
			return
		}
		if enum := asStrings(schema["enum"]); enum != nil && !slices.Contains(enum, s) {
			fail("'%s' is not one of [%s].", s, strings.Join(enum, ", "))
		}
	}
}

// keyValue reads a key given as a number or a string of digits.
func keyValue(v any) (cluster.Key, bool) {
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	default:
		return 0, false
	}
	k, err := cluster.ParseKey(s)
	return k, err == nil
}

func describe(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func asStrings(v any) []string {
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(a))
	for _, x := range a {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// decodeArgs decodes checked arguments into the tool's argument struct.
func decodeArgs(args map[string]any, dst any) error {
	b, err := json.Marshal(args)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(dst)
}
