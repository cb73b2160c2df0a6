// Package config reads Orca's settings in Camunda's terms: properties such
// as camunda.security.authentication.method from application.yaml and from
// the environment (CAMUNDA_SECURITY_AUTHENTICATION_METHOD), the way Spring
// Boot binds them (relaxed names: issuer-uri, issuerUri and ISSUERURI are
// one property). Flags, which override both, are the caller's business.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"
)

// Properties are the settings of one start: from a YAML file and the
// environment, the environment winning.
type Properties struct {
	file map[string]any // canonical dotted key → scalar or []any
	raw  any            // the YAML document as written (for Raw)
	path string         // the file read, "" for none
	env  func(string) (string, bool)
}

// Load reads the YAML file at path (absent: no file settings, unless
// required) and takes the environment from env (nil: os.LookupEnv).
func Load(path string, required bool, env func(string) (string, bool)) (*Properties, error) {
	if env == nil {
		env = os.LookupEnv
	}
	p := &Properties{file: map[string]any{}, env: env}
	if path == "" {
		return p, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !required {
		return p, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	var doc any
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	flatten("", doc, p.file)
	p.raw, p.path = doc, path
	return p, nil
}

// canonical is a property name in Spring's relaxed form: lower case,
// without dashes and underscores.
func canonical(key string) string {
	// strings.Map, not a strings.Replacer: a Replacer built per call
	// allocates a 256-entry table each time, and a start canonicalises
	// every key of the schema (megabytes of garbage).
	return strings.Map(func(r rune) rune {
		if r == '-' || r == '_' {
			return -1
		}
		return unicode.ToLower(r)
	}, key)
}

func flatten(prefix string, v any, out map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			flatten(join(prefix, canonical(k)), x, out)
		}
	case []any:
		out[prefix] = t
		for i, x := range t {
			flatten(join(prefix, strconv.Itoa(i)), x, out)
		}
	default:
		out[prefix] = t
	}
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// envNames are the environment variables that may hold a property:
// camunda.security.authentication.oidc.issuer-uri is
// CAMUNDA_SECURITY_AUTHENTICATION_OIDC_ISSUERURI or ..._ISSUER_URI.
func envNames(key string) []string {
	upper := func(dash rune) func(rune) rune {
		return func(r rune) rune {
			switch r {
			case '.':
				return '_'
			case '-':
				return dash
			}
			return unicode.ToUpper(r)
		}
	}
	plain := strings.Map(upper(-1), key)
	dashed := strings.Map(upper('_'), key)
	if plain == dashed {
		return []string{plain}
	}
	return []string{plain, dashed}
}

// String reads a scalar property.
func (p *Properties) String(key string) (string, bool) {
	for _, n := range envNames(key) {
		if v, ok := p.env(n); ok {
			return v, true
		}
	}
	canon := canonicalKey(key)
	if v, ok := p.file[canon]; ok && v != nil {
		if _, list := v.([]any); !list {
			return fmt.Sprint(v), true
		}
	}
	return "", false
}

func canonicalKey(key string) string {
	parts := strings.Split(key, ".")
	for i, s := range parts {
		parts[i] = canonical(s)
	}
	return strings.Join(parts, ".")
}

// List reads a list property: a YAML list or a comma-separated string; in
// the environment comma-separated or indexed (NAME_0, NAME_1, ...).
func (p *Properties) List(key string) []string {
	for _, n := range envNames(key) {
		if v, ok := p.env(n); ok {
			return splitList(v)
		}
		var out []string
		for i := 0; ; i++ {
			v, ok := p.env(n + "_" + strconv.Itoa(i))
			if !ok {
				break
			}
			out = append(out, v)
		}
		if out != nil {
			return out
		}
	}
	switch v := p.file[canonicalKey(key)].(type) {
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	case nil:
		return nil
	default:
		return splitList(fmt.Sprint(v))
	}
}

func splitList(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

// Objects reads a list of objects, such as camunda.security.initialization.users:
// each a map of canonical field name to value. The environment's indexed
// form (..._USERS_0_USERNAME) overrides the file's entries field by field.
func (p *Properties) Objects(key string, fields ...string) []map[string]string {
	byIndex := map[int]map[string]string{}
	canon := canonicalKey(key)
	for k, v := range p.file {
		rest, ok := strings.CutPrefix(k, canon+".")
		if !ok {
			continue
		}
		idx, field, ok := strings.Cut(rest, ".")
		i, err := strconv.Atoi(idx)
		if !ok || err != nil || strings.Contains(field, ".") || v == nil {
			continue
		}
		if byIndex[i] == nil {
			byIndex[i] = map[string]string{}
		}
		byIndex[i][field] = fmt.Sprint(v)
	}
	for i := 0; i < 100; i++ {
		for _, f := range fields {
			for _, n := range envNames(key + "." + strconv.Itoa(i) + "." + f) {
				if v, ok := p.env(n); ok {
					if byIndex[i] == nil {
						byIndex[i] = map[string]string{}
					}
					byIndex[i][canonical(f)] = v
				}
			}
		}
	}
	idx := make([]int, 0, len(byIndex))
	for i := range byIndex {
		idx = append(idx, i)
	}
	sort.Ints(idx)
	out := make([]map[string]string, 0, len(idx))
	for _, i := range idx {
		out = append(out, byIndex[i])
	}
	return out
}

// Raw returns the part of the file under key as written (maps keep their
// keys' spelling, which matters for environment variables and headers);
// the path is matched with relaxed names. Nil when absent.
func (p *Properties) Raw(key string) any {
	cur := p.raw
	for _, part := range strings.Split(key, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		var next any
		found := false
		for k, v := range m {
			if canonical(k) == canonical(part) {
				next, found = v, true
				break
			}
		}
		if !found {
			return nil
		}
		cur = next
	}
	return cur
}
