package cluster

import "unicode/utf8"

// AuditErrorMessageMax is how many bytes of a failed call's error message
// an audit entry keeps (the MCP gateway cuts it there). A failed decision
// evaluation's message is its result's JSON, which the evaluation's audit
// entry completes on the engine's writer: clipEvaluationResult bounds what
// is encoded there.
const AuditErrorMessageMax = 1000

// clipEvaluationResult cuts r short past what the first n bytes of its JSON
// encoding show: the encoding of what is left begins with the same n bytes
// as the whole result's (all of it, when shorter), so that an audit entry
// keeping n bytes of the result's JSON encodes about n bytes, not the whole
// result (an evaluated decision's output or inputs may be large). That
// holds for any encoder that writes the fields in their order and each
// byte of a string as one byte or more: encoding/json, with or without
// HTML escaping (invalid UTF-8 as \ufffd included).
//
// It counts, in the order of encoding, a byte for each field, element and
// string's quotes and one for each byte of a string: never more than the
// encoding writes. A string reaching past n bytes keeps its bytes up to
// there (to the end of their last character); the strings after it are
// emptied and the elements after it dropped. r must be a result of its
// own (evaluationResult's): its slices are cut in place.
func clipEvaluationResult(r *EvaluateDecisionResult, n int) {
	c := clipper{left: n}
	c.str(&r.DecisionDefinitionID)
	c.count(1) // decisionDefinitionKey
	c.str(&r.DecisionDefinitionName)
	c.count(3) // decisionDefinitionVersion, decisionEvaluationKey, decisionInstanceKey
	c.str(&r.DecisionRequirementsID)
	c.count(2) // decisionRequirementsKey, evaluatedDecisions
	r.EvaluatedDecisions = clipEach(&c, r.EvaluatedDecisions, func(d *EvaluatedDecisionResult) {
		c.str(&d.DecisionDefinitionID)
		c.str(&d.DecisionDefinitionName)
		c.count(1) // decisionDefinitionVersion
		c.str(&d.DecisionDefinitionType)
		c.str(&d.Output)
		c.str(&d.TenantID)
		c.count(1) // matchedRules
		d.MatchedRules = clipEach(&c, d.MatchedRules, func(m *MatchedDecisionRule) {
			c.str(&m.RuleID)
			c.count(2) // ruleIndex, evaluatedOutputs
			m.EvaluatedOutputs = clipEach(&c, m.EvaluatedOutputs, func(o *EvaluatedOutput) {
				c.str(&o.OutputID)
				c.str(&o.OutputName)
				c.str(&o.OutputValue)
				c.optStr(&o.RuleID)
				c.count(1) // ruleIndex
			})
		})
		c.count(1) // evaluatedInputs
		d.EvaluatedInputs = clipEach(&c, d.EvaluatedInputs, func(in *EvaluatedInput) {
			c.str(&in.InputID)
			c.str(&in.InputName)
			c.str(&in.InputValue)
		})
		c.count(1) // decisionDefinitionKey
		c.str(&d.DecisionEvaluationInstanceKey)
	})
	c.optStr(&r.FailedDecisionDefinitionID)
	c.optStr(&r.FailureMessage)
	c.str(&r.Output)
	c.str(&r.TenantID)
}

// clipper counts down the bytes of an encoding still to be kept.
type clipper struct{ left int }

func (c *clipper) count(n int) { c.left -= n }

// str keeps *s whole while the bytes counted so far fall short, cuts it
// where they reach the end, and empties it past the end.
func (c *clipper) str(s *string) {
	c.left-- // its quotes
	if c.left <= 0 {
		*s = ""
		return
	}
	if len(*s) > c.left {
		*s = (*s)[:runeEnd(*s, c.left)]
	}
	c.left -= len(*s)
}

// optStr is str for a string that may be absent; a string cut is a new one
// (the pointer may be shared), one past the end absent.
func (c *clipper) optStr(s **string) {
	if *s == nil {
		c.count(1)
		return
	}
	if c.left <= 1 { // past the end: null, which is as good as ""
		c.count(1)
		*s = nil
		return
	}
	v := **s
	c.str(&v)
	if len(v) != len(**s) {
		cut := v // only a string cut is moved to the heap
		*s = &cut
	}
}

// runeEnd is the first index from i on where s's next character starts
// (or len(s)): s[:runeEnd(s, i)] encodes as the first bytes of s do, its
// last character whole.
func runeEnd(s string, i int) int {
	for i < len(s) && !utf8.RuneStart(s[i]) {
		i++
	}
	return i
}

// clipEach clips the elements of xs in order (one byte counted for each)
// and drops those past the end.
func clipEach[T any](c *clipper, xs []T, clip func(*T)) []T {
	for i := range xs {
		c.count(1)
		if c.left <= 0 {
			return xs[:i]
		}
		clip(&xs[i])
	}
	return xs
}
