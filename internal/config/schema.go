package config

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/iso8601"
)

// Kind is what the value of a known key must be.
type Kind int

// The kinds of values a key may hold.
const (
	String   Kind = iota // a scalar, read as text
	Bool                 // true or false
	Int                  // an integer
	Duration             // a Go duration (90s, 2m), days (30d), plain seconds or ISO 8601 (P30D, PT1M), as Spring reads them
	List                 // a list of scalars, or one comma-separated string
	Objects              // a list of maps with the fields named in Key.Fields
	Map                  // a map whose reader checks it (free-form names inside)
)

func (k Kind) want() string {
	switch k {
	case Bool:
		return "a boolean (true or false)"
	case Int:
		return "an integer"
	case Duration:
		return "a duration (such as 90s, 2m, 30d, P30D, or plain seconds)"
	case List:
		return "a list"
	case Objects:
		return "a list of maps"
	case Map:
		return "a map"
	}
	return "a string"
}

// Key is one setting Orca knows.
type Key struct {
	Name   string   // dotted, as documented: camunda.security.authentication.oidc.issuer-uri
	Kind   Kind     //
	Fields []string // Objects: the fields each entry may have
	Values []string // String: the values allowed (any when empty)
	Min    int64    // Int: the least value allowed, when Max > Min
	Max    int64    // Int: the greatest value allowed, when Max > Min
	Help   string   // one line for the documentation
}

// Schema is every setting a configuration file may hold.
type Schema []Key

// node is one level of the schema's tree of relaxed names.
type node struct {
	key      *Key
	children map[string]*node
}

func (s Schema) tree() *node {
	root := &node{children: map[string]*node{}}
	for i := range s {
		n := root
		for _, part := range strings.Split(s[i].Name, ".") {
			c := n.children[canonical(part)]
			if c == nil {
				c = &node{children: map[string]*node{}}
				n.children[canonical(part)] = c
			}
			n = c
		}
		n.key = &s[i]
	}
	return root
}

// Check holds the file against the schema: every key must be known and
// every value of its kind. Each problem is one error naming the key as
// written in the file; all are returned together (errors.Join), sorted.
func (p *Properties) Check(s Schema) error {
	if p.raw == nil {
		return nil
	}
	var errs []string
	checkNode(s.tree(), "", p.raw, &errs)
	if len(errs) == 0 {
		return nil
	}
	sort.Strings(errs)
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = errors.New(e)
	}
	return errors.Join(out...)
}

func checkNode(n *node, path string, v any, errs *[]string) {
	if n.key != nil {
		checkValue(n.key, path, v, errs)
		return
	}
	m, ok := v.(map[string]any)
	if !ok {
		if path == "" {
			*errs = append(*errs, fmt.Sprintf("the file must be a map of settings, got %s", describe(v)))
			return
		}
		*errs = append(*errs, fmt.Sprintf("%s: want a map of settings, got %s", path, describe(v)))
		return
	}
	for k, x := range m {
		// Spring reads a dotted key (camunda.mcp: ...) as nested maps.
		cur, written := n, path
		known := true
		for _, part := range strings.Split(k, ".") {
			written = join(written, part)
			next := cur.children[canonical(part)]
			if next == nil {
				*errs = append(*errs, unknownKey(cur, written, part))
				known = false
				break
			}
			cur = next
		}
		if known {
			checkNode(cur, written, x, errs)
		}
	}
}

func unknownKey(parent *node, written, part string) string {
	msg := written + ": unknown key"
	best, bestD := "", 3
	for name := range parent.children {
		if d := distance(canonical(part), name); d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	if best != "" {
		// Name the sibling as the schema spells it.
		msg += fmt.Sprintf(" (did you mean %s?)", spelled(parent.children[best], best))
	}
	return msg
}

// spelled is a node's name as the schema documents it.
func spelled(n *node, canon string) string {
	for n.key == nil {
		for _, c := range n.children {
			n = c
			break
		}
	}
	parts := strings.Split(n.key.Name, ".")
	for _, p := range parts {
		if canonical(p) == canon {
			return p
		}
	}
	return canon
}

func checkValue(k *Key, path string, v any, errs *[]string) {
	bad := func() { *errs = append(*errs, fmt.Sprintf("%s: want %s, got %s", path, k.Kind.want(), describe(v))) }
	if v == nil {
		return // an empty value is an absent one, as in Spring
	}
	switch k.Kind {
	case String:
		if !scalar(v) {
			bad()
			return
		}
		if len(k.Values) > 0 && !slices.Contains(k.Values, strings.ToLower(strings.TrimSpace(fmt.Sprint(v)))) {
			*errs = append(*errs, fmt.Sprintf("%s: want one of %s, got %s", path, strings.Join(k.Values, ", "), describe(v)))
		}
	case Bool:
		if _, err := parseBool(v); err != nil {
			bad()
		}
	case Int:
		n, err := parseInt(v)
		if err != nil {
			bad()
		} else if err := k.inRange(n); err != nil {
			*errs = append(*errs, fmt.Sprintf("%s: %v", path, err))
		}
	case Duration:
		if _, err := parseDuration(v); err != nil {
			bad()
		}
	case List:
		switch t := v.(type) {
		case []any:
			for i, x := range t {
				if !scalar(x) {
					*errs = append(*errs, fmt.Sprintf("%s[%d]: want a string, got %s", path, i, describe(x)))
				}
			}
		default:
			if !scalar(v) {
				bad()
			}
		}
	case Objects:
		list, ok := v.([]any)
		if !ok {
			bad()
			return
		}
		for i, x := range list {
			m, ok := x.(map[string]any)
			if !ok {
				*errs = append(*errs, fmt.Sprintf("%s[%d]: want a map with %s, got %s", path, i, strings.Join(k.Fields, ", "), describe(x)))
				continue
			}
			for f, fv := range m {
				at := fmt.Sprintf("%s[%d].%s", path, i, f)
				if !slices.ContainsFunc(k.Fields, func(known string) bool { return canonical(known) == canonical(f) }) {
					*errs = append(*errs, fmt.Sprintf("%s: unknown key (known: %s)", at, strings.Join(k.Fields, ", ")))
				} else if !scalar(fv) {
					*errs = append(*errs, fmt.Sprintf("%s: want a string, got %s", at, describe(fv)))
				}
			}
		}
	case Map:
		if _, ok := v.(map[string]any); !ok {
			bad()
		}
	}
}

func scalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

// describe names a value in an error: strings quoted, maps and lists by kind.
func describe(v any) string {
	switch t := v.(type) {
	case string:
		return strconv.Quote(t)
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case nil:
		return "nothing"
	}
	return fmt.Sprint(v)
}

func parseBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		// Spring's spellings.
		switch strings.ToLower(strings.TrimSpace(t)) {
		case "true", "on", "yes", "1":
			return true, nil
		case "false", "off", "no", "0":
			return false, nil
		}
	}
	return false, fmt.Errorf("not a boolean")
}

func parseInt(v any) (int64, error) {
	switch t := v.(type) {
	case int:
		return int64(t), nil
	case int64:
		return t, nil
	case uint64:
		if t <= 1<<63-1 {
			return int64(t), nil
		}
	case string:
		return strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	}
	return 0, fmt.Errorf("not an integer")
}

func parseDuration(v any) (time.Duration, error) {
	switch t := v.(type) {
	case int:
		return time.Duration(t) * time.Second, nil
	case string:
		s := strings.TrimSpace(t)
		if n, err := strconv.Atoi(s); err == nil {
			return time.Duration(n) * time.Second, nil
		}
		if strings.HasPrefix(strings.ToUpper(strings.TrimLeft(s, "+-")), "P") {
			return parseISODuration(s)
		}
		// Spring's simple form also has days: 30d.
		if days, ok := strings.CutSuffix(s, "d"); ok {
			if n, err := strconv.Atoi(days); err == nil {
				return time.Duration(n) * 24 * time.Hour, nil
			}
		}
		return time.ParseDuration(s)
	}
	return 0, fmt.Errorf("not a duration")
}

// parseISODuration reads an ISO 8601 duration as Java's Duration.parse
// (Spring's other form) does: PnDTnHnMnS, days being 24 hours; years,
// months and weeks have no fixed length and are refused.
func parseISODuration(s string) (time.Duration, error) {
	d, err := iso8601.ParseDuration(s)
	if err != nil {
		return 0, err
	}
	if d.Years != 0 || d.Months != 0 || d.Weeks != 0 {
		return 0, fmt.Errorf("duration %q: years, months and weeks have no fixed length; use days", s)
	}
	out := time.Duration(d.Days)*24*time.Hour + d.Time
	if d.Negative {
		out = -out
	}
	return out, nil
}

// distance is the edit distance of two short names (for "did you mean").
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Lookup reads a scalar property with where it came from: the environment
// variable's name, or the key (from the file).
func (p *Properties) Lookup(key string) (value, from string, ok bool) {
	for _, n := range envNames(key) {
		if v, ok := p.env(n); ok {
			return v, n + " (" + key + ")", true
		}
	}
	v, ok := p.String(key)
	return v, key, ok
}

// Bool reads a boolean property; ok is false when it is absent. A value
// that is not true or false is an error naming the key (and the
// environment variable it came from).
func (p *Properties) Bool(key string) (b, ok bool, err error) {
	v, from, ok := p.Lookup(key)
	if !ok {
		return false, false, nil
	}
	b, err = parseBool(v)
	if err != nil {
		return false, false, fmt.Errorf("%s: want %s, got %q", from, Bool.want(), v)
	}
	return b, true, nil
}

// Int reads an integer property, as Bool does.
func (p *Properties) Int(key string) (n int64, ok bool, err error) {
	v, from, ok := p.Lookup(key)
	if !ok {
		return 0, false, nil
	}
	n, err = parseInt(v)
	if err != nil {
		return 0, false, fmt.Errorf("%s: want %s, got %q", from, Int.want(), v)
	}
	return n, true, nil
}

// Duration reads a duration property (a Go duration or plain seconds), as
// Bool does.
func (p *Properties) Duration(key string) (d time.Duration, ok bool, err error) {
	v, from, ok := p.Lookup(key)
	if !ok {
		return 0, false, nil
	}
	d, err = parseDuration(v)
	if err != nil {
		return 0, false, fmt.Errorf("%s: want %s, got %q", from, Duration.want(), v)
	}
	return d, true, nil
}

// File is the configuration file that was read, "" when none was.
func (p *Properties) File() string { return p.path }

// inRange checks an integer against the key's bounds.
func (k *Key) inRange(n int64) error {
	if k.Max > k.Min && (n < k.Min || n > k.Max) {
		return fmt.Errorf("want an integer from %d to %d, got %d", k.Min, k.Max, n)
	}
	return nil
}
