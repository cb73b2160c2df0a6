package webhook

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"unicode/utf16"
)

// HMAC scopes as Camunda's webhook connector names them in
// inbound.hmacScopes.
const (
	scopeURL    = "URL"
	scopeBody   = "BODY"
	scopeParams = "PARAMETERS"
)

// signedData returns the byte strings a signature may cover for the given
// scopes, following Camunda's webhook connector:
//
//   - BODY: the raw body.
//   - URL and BODY (and URL, PARAMETERS and BODY for a method other than
//     GET): the request URL without the query, then the body's pairs in
//     key order, each key followed by its value (a form body, or a JSON
//     object whose values are strings); another JSON body is written
//     compactly instead.
//   - URL and PARAMETERS (and all three for GET): the request URL, "?",
//     and the query parameters as key=value joined with "&", each part
//     form-encoded. Camunda's runtime keeps the parameters in a Java
//     HashMap, so the order is that map's; Orca accepts that order and the
//     order of the query as sent (older runtimes kept it).
//
// Any other combination is refused, as Camunda refuses it.
func signedData(scopes []string, r *http.Request, raw []byte) ([][]byte, error) {
	kind, err := scopeKind(scopes, r.Method)
	if err != nil {
		return nil, err
	}
	switch kind {
	case signURLParams:
		ordered, hashed, err := queryPairs(r.URL.RawQuery)
		if err != nil {
			return nil, err
		}
		u := requestURL(r) + "?"
		out := [][]byte{[]byte(u + joinPairs(ordered))}
		if h := joinPairs(hashed); h != joinPairs(ordered) {
			out = append(out, []byte(u+h))
		}
		return out, nil
	case signURLBody:
		b, err := bodyData(r.Header.Get("Content-Type"), raw)
		if err != nil {
			return nil, err
		}
		return [][]byte{[]byte(requestURL(r) + b)}, nil
	}
	return [][]byte{raw}, nil
}

// What a signature covers.
const (
	signBody = iota
	signURLParams
	signURLBody
)

// scopeKind picks what a signature covers from the scopes and the method.
func scopeKind(scopes []string, method string) (int, error) {
	set := map[string]bool{}
	for _, s := range scopes {
		set[strings.ToUpper(s)] = true
	}
	is := func(want ...string) bool {
		if len(want) != len(set) {
			return false
		}
		for _, w := range want {
			if !set[w] {
				return false
			}
		}
		return true
	}
	switch {
	case len(set) == 0 || is(scopeBody):
		return signBody, nil
	case is(scopeURL, scopeParams), is(scopeURL, scopeParams, scopeBody) && method == http.MethodGet:
		return signURLParams, nil
	case is(scopeURL, scopeBody), is(scopeURL, scopeParams, scopeBody):
		return signURLBody, nil
	}
	return 0, fmt.Errorf("%w: %v (the webhook connector supports BODY; URL and BODY; URL and PARAMETERS; URL, PARAMETERS and BODY)", errScopes, scopes)
}

// requestURL is the URL the client called, without the query, as a Java
// servlet reports it: scheme, host (without the scheme's default port)
// and the path as sent.
func requestURL(r *http.Request) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	host = strings.TrimSuffix(host, map[string]string{"http": ":80", "https": ":443"}[scheme])
	path, _, _ := strings.Cut(r.RequestURI, "?")
	if path == "" || !strings.HasPrefix(path, "/") {
		path = r.URL.EscapedPath()
	}
	return scheme + "://" + host + path
}

// errScopes: the webhook asks for a combination of scopes no signature
// can cover.
var errScopes = errors.New("unsupported HMAC scopes")

type pair struct{ k, v string }

// queryPairs reads the query as Camunda's runtime does: pairs split at
// "&" and the first "=", keys that are blank skipped, both sides
// form-decoded, the first value of a repeated key kept. It returns them
// in the query's order and in the iteration order of a Java HashMap.
func queryPairs(q string) (ordered, hashed []pair, err error) {
	if strings.TrimSpace(q) == "" {
		return nil, nil, nil
	}
	seen := map[string]bool{}
	for _, part := range strings.Split(q, "&") {
		k, v, _ := strings.Cut(part, "=")
		if strings.TrimSpace(k) == "" {
			continue
		}
		dk, err1 := url.QueryUnescape(k)
		dv, err2 := url.QueryUnescape(v)
		if err := errors.Join(err1, err2); err != nil {
			return nil, nil, fmt.Errorf("the query cannot be decoded: %w", err)
		}
		if !seen[dk] {
			seen[dk] = true
			ordered = append(ordered, pair{dk, dv})
		}
	}
	return ordered, javaHashMapOrder(ordered), nil
}

func joinPairs(ps []pair) string {
	var b strings.Builder
	for i, p := range ps {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(formEncode(p.k) + "=" + formEncode(p.v))
	}
	return b.String()
}

// formEncode encodes as java.net.URLEncoder does with UTF-8: letters,
// digits and ".-*_" stay, a space becomes "+", every other byte %XX.
func formEncode(s string) string {
	const hexd = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '-', c == '*', c == '_':
			b.WriteByte(c)
		case c == ' ':
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexd[c>>4])
			b.WriteByte(hexd[c&15])
		}
	}
	return b.String()
}

// javaHashMapOrder orders distinct string keys as a java.util.HashMap
// filled in this order with the default capacity iterates them: by bucket
// (the spread String.hashCode masked by the table size), then by insertion.
func javaHashMapOrder(ps []pair) []pair {
	n := 16
	for float64(len(ps)) > 0.75*float64(n) {
		n *= 2
	}
	bucket := func(s string) int {
		var h int32
		for _, c := range utf16.Encode([]rune(s)) {
			h = 31*h + int32(c)
		}
		u := uint32(h)
		return int((u ^ u>>16) & uint32(n-1))
	}
	out := append([]pair(nil), ps...)
	sort.SliceStable(out, func(i, j int) bool { return bucket(out[i].k) < bucket(out[j].k) })
	return out
}

// bodyData is the body's part of the URL and BODY scopes.
func bodyData(contentType string, raw []byte) (string, error) {
	if mt, _, _ := mime.ParseMediaType(contentType); mt == "application/x-www-form-urlencoded" {
		// Camunda decodes the whole body first, then splits it.
		s, err := url.QueryUnescape(string(raw))
		if err != nil {
			return "", fmt.Errorf("the form body cannot be decoded: %w", err)
		}
		m := map[string]string{}
		for _, part := range strings.Split(s, "&") {
			fields := javaSplit(part, "=")
			if len(fields) == 0 {
				return "", errors.New("the form body has a field without a name")
			}
			if _, dup := m[fields[0]]; dup {
				return "", fmt.Errorf("the form body repeats the field %q", fields[0])
			}
			m[fields[0]] = ""
			if len(fields) > 1 {
				m[fields[0]] = fields[1]
			}
		}
		return sortedConcat(m), nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "", fmt.Errorf("the body is not JSON: %w", err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return "", fmt.Errorf("the body is not JSON: %w", err)
		}
		return b.String(), nil
	}
	m := map[string]string{}
	for k, x := range obj {
		s, ok := x.(string)
		if !ok {
			return "", fmt.Errorf("the JSON body's field %q is not a string; signing URL and BODY takes an object of strings", k)
		}
		m[k] = s
	}
	if len(m) == 0 {
		return "", errors.New("the JSON body is an empty object")
	}
	return sortedConcat(m), nil
}

// javaSplit splits as Java's String.split does: trailing empty fields are
// dropped (so "a=" is ["a"] and "=" is []), an empty string is [""].
func javaSplit(s, sep string) []string {
	if s == "" {
		return []string{""}
	}
	f := strings.Split(s, sep)
	for len(f) > 0 && f[len(f)-1] == "" {
		f = f[:len(f)-1]
	}
	return f
}

// sortedConcat writes each key then its value, keys in Java's String order
// (by UTF-16 code unit).
func sortedConcat(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return utf16Less(keys[i], keys[j]) })
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + m[k])
	}
	return b.String()
}

func utf16Less(a, b string) bool {
	x, y := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			return x[i] < y[i]
		}
	}
	return len(x) < len(y)
}
