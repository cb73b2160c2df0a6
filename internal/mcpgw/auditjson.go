package mcpgw

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/orcabpm/orca/internal/cluster"
)

// An audit entry reads a few top-level members of a call's arguments and
// result (the keys they name, the definition id, the tenant). auditFields
// finds them with one pass over the JSON, keeping slices of it, instead of
// decoding the whole object into a map for each call.

// auditMembers are the members an entry reads.
var auditMembers = [...]string{"processInstanceKey", "processDefinitionKey", "userTaskKey", "elementInstanceKey",
	"jobKey", "processDefinitionId", "incidentKey", "variableKey", "decisionEvaluationInstanceKey",
	"decisionEvaluationKey", "deploymentKey", "rootProcessInstanceKey", "tenantId"}

// auditFields holds the raw values of auditMembers in a JSON object; nil for
// those it lacks. When a member repeats, the last one counts, as for
// encoding/json.
type auditFields [len(auditMembers)][]byte

// topLevel reads auditMembers of raw; none if raw is not a JSON object.
func topLevel(raw []byte) (m auditFields) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return m
	}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return m
	}
	for i < len(raw) {
		if raw[i] != '"' {
			return auditFields{}
		}
		end, escaped := skipString(raw, i)
		if end < 0 {
			return auditFields{}
		}
		name := raw[i+1 : end-1]
		if escaped {
			var s string
			if json.Unmarshal(raw[i:end], &s) != nil {
				return auditFields{}
			}
			name = []byte(s)
		}
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			return auditFields{}
		}
		i = skipSpace(raw, i+1)
		vend := skipValue(raw, i)
		if vend < 0 {
			return auditFields{}
		}
		for k, n := range auditMembers {
			if len(n) == len(name) && n == string(name) {
				m[k] = raw[i:vend]
				break
			}
		}
		i = skipSpace(raw, vend)
		if i >= len(raw) {
			return auditFields{}
		}
		switch raw[i] {
		case ',':
			i = skipSpace(raw, i+1)
		case '}':
			return m
		default:
			return auditFields{}
		}
	}
	return auditFields{}
}

// get is the raw value of the member name (one of auditMembers).
func (m *auditFields) get(name string) []byte {
	for k, n := range auditMembers {
		if n == name {
			return m[k]
		}
	}
	return nil
}

// keyIn reads the key m names name into dst, unless dst is set.
func keyIn(m *auditFields, name string, dst *int64) {
	if *dst != 0 {
		return
	}
	v := m.get(name)
	if len(v) == 0 {
		return
	}
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
		// cluster.ParseKey's checks, without the string its error keeps.
		if digits := v[1 : len(v)-1]; len(digits) > 0 && len(digits) <= 25 {
			if k, err := strconv.ParseInt(string(digits), 10, 64); err == nil {
				*dst = k
			}
		}
		return
	}
	var k cluster.Key
	if json.Unmarshal(v, &k) == nil {
		*dst = int64(k)
	}
}

// stringIn reads the string m names name into dst, unless dst is set.
func stringIn(m *auditFields, name string, dst *string) {
	if *dst != "" {
		return
	}
	v := m.get(name)
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
		*dst = string(v[1 : len(v)-1])
		return
	}
	if len(v) > 0 {
		_ = json.Unmarshal(v, dst)
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index after the string starting at b[i] (a
// quote) and whether it holds escapes; -1 if it does not end.
func skipString(b []byte, i int) (int, bool) {
	escaped := false
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			escaped = true
			j++
		case '"':
			return j + 1, escaped
		}
	}
	return -1, false
}

// skipValue returns the index after the JSON value starting at b[i]; -1
// if it does not end. It checks the nesting, not the whole grammar: the
// JSON it reads has been decoded (arguments) or encoded (results) already.
func skipValue(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		end, _ := skipString(b, i)
		return end
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, _ := skipString(b, j)
				if end < 0 {
					return -1
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	j := i
	for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\t' && b[j] != '\n' && b[j] != '\r' {
		j++
	}
	if j == i {
		return -1
	}
	return j
}
