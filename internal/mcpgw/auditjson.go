package mcpgw

import (
	"encoding/json"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/jsontext"
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
	i := jsontext.Space(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		return m
	}
	if j := jsontext.Space(raw, i+1); j < len(raw) && raw[j] == '}' {
		return m
	}
	for i++; ; {
		start, end, after, plain := jsontext.SkipName(raw, i)
		if after < 0 {
			return auditFields{}
		}
		name := raw[start:end]
		if !plain {
			var s string
			if json.Unmarshal(raw[start-1:end+1], &s) != nil {
				return auditFields{}
			}
			name = []byte(s)
		}
		vstart := jsontext.Space(raw, after)
		vend := jsontext.Skip(raw, vstart)
		if vend < 0 {
			return auditFields{}
		}
		if k := auditMember(name); k >= 0 {
			m[k] = raw[vstart:vend]
		}
		var closed bool
		if i, closed = jsontext.Next(raw, vend, '}'); i < 0 {
			return auditFields{}
		} else if closed {
			return m
		}
	}
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
	if n, ok := plainKey(v); ok {
		*dst = n
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
	if v, ok := plainString(v); ok {
		if string(v) == engine.DefaultTenant {
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
