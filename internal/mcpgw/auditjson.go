package mcpgw

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
)

// An audit entry reads a few top-level members of a call's arguments and
// result (the keys they name, the definition id, the tenant). auditFields
// finds them with one pass over the JSON, keeping slices of it, instead of
// decoding the whole object into a map for each call.

// auditMembers are the members an entry reads, at the indices below.
var auditMembers = [...]string{"processInstanceKey", "processDefinitionKey", "userTaskKey", "elementInstanceKey",
	"jobKey", "processDefinitionId", "incidentKey", "variableKey", "decisionEvaluationInstanceKey",
	"decisionEvaluationKey", "deploymentKey", "rootProcessInstanceKey", "tenantId"}

// Indices of auditMembers.
const (
	mProcessInstanceKey = iota
	mProcessDefinitionKey
	mUserTaskKey
	mElementInstanceKey
	mJobKey
	mProcessDefinitionID
	mIncidentKey
	mVariableKey
	mDecisionEvaluationInstanceKey
	mDecisionEvaluationKey
	mDeploymentKey
	mRootProcessInstanceKey
	mTenantID
)

// auditMember is the index in auditMembers of a member's name; -1 for
// any other name.
func auditMember(name []byte) int {
	switch string(name) {
	case "processInstanceKey":
		return mProcessInstanceKey
	case "processDefinitionKey":
		return mProcessDefinitionKey
	case "userTaskKey":
		return mUserTaskKey
	case "elementInstanceKey":
		return mElementInstanceKey
	case "jobKey":
		return mJobKey
	case "processDefinitionId":
		return mProcessDefinitionID
	case "incidentKey":
		return mIncidentKey
	case "variableKey":
		return mVariableKey
	case "decisionEvaluationInstanceKey":
		return mDecisionEvaluationInstanceKey
	case "decisionEvaluationKey":
		return mDecisionEvaluationKey
	case "deploymentKey":
		return mDeploymentKey
	case "rootProcessInstanceKey":
		return mRootProcessInstanceKey
	case "tenantId":
		return mTenantID
	}
	return -1
}

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
		if k := auditMember(name); k >= 0 {
			m[k] = raw[i:vend]
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

// keyIn reads the key of member k (an index of auditMembers) into dst,
// unless dst is set.
func keyIn(m *auditFields, k int, dst *int64) {
	if *dst != 0 {
		return
	}
	v := m[k]
	if len(v) == 0 {
		return
	}
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
		// cluster.ParseKey's checks, without the string its error keeps.
		if digits := v[1 : len(v)-1]; len(digits) > 0 && len(digits) <= 25 {
			if n, err := strconv.ParseInt(string(digits), 10, 64); err == nil {
				*dst = n
			}
		}
		return
	}
	var key cluster.Key
	if json.Unmarshal(v, &key) == nil {
		*dst = int64(key)
	}
}

// stringIn reads the string of member k (an index of auditMembers) into
// dst, unless dst is set.
func stringIn(m *auditFields, k int, dst *string) {
	if *dst != "" {
		return
	}
	v := m[k]
	if len(v) >= 2 && v[0] == '"' && bytes.IndexByte(v, '\\') < 0 {
		if v := v[1 : len(v)-1]; string(v) == engine.DefaultTenant {
			*dst = engine.DefaultTenant // the tenant of most entries, without a copy
		} else {
			*dst = string(v)
		}
		return
	}
	if len(v) > 0 {
		// Decoded into a string of its own, which then is on the heap:
		// dst itself would be, for every call (scopeFrom's tenant).
		var s string
		if json.Unmarshal(v, &s) == nil {
			*dst = s
		}
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
	for j := i + 1; j < len(b); {
		q := bytes.IndexByte(b[j:], '"')
		if q < 0 {
			break
		}
		bs := bytes.IndexByte(b[j:j+q], '\\')
		if bs < 0 {
			return j + q + 1, escaped
		}
		escaped = true
		j += bs + 2 // the backslash and the byte it escapes
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
