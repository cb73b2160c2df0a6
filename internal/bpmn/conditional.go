package bpmn

import "strings"

// conditionalStart records a conditional start event of a process. As in
// Zeebe, the conditions of a process's conditional start events must
// differ: an evaluation starts one instance per start event that holds.
func (b *builder) conditionalStart(e *Element, n *node) {
	if e.Conditional != nil && e.Conditional.Condition.Raw != "" {
		cond := conditionText(e)
		for _, other := range b.proc.ConditionalStarts {
			if conditionText(other) == cond {
				b.problem(e.ID, n.Line, "the condition '%s' is also the condition of the conditional start event '%s'; the conditions of a process's conditional start events must differ", cond, other.ID)
				return
			}
		}
	}
	b.proc.ConditionalStarts = append(b.proc.ConditionalStarts, e)
}

// conditionText is the condition of a conditional event without its "="
// and surrounding blanks.
func conditionText(e *Element) string {
	if e.Conditional == nil {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(e.Conditional.Condition.Raw), "="))
}
