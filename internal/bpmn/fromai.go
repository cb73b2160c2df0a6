package bpmn

import "fmt"

// OutputFromAiParameters collects the fromAi calls of an element's output
// mappings, in modelling order: the parameters a start event exposes as
// a process tool's input (the MCP processes server), as an ad-hoc
// activity's input mappings do for the AI agent. A malformed call is an
// error naming its mapping.
func OutputFromAiParameters(e *Element) ([]FromAiParameter, error) {
	var out []FromAiParameter
	for _, m := range e.Outputs {
		if m.Source.FEEL == nil {
			continue
		}
		for _, call := range m.Source.FEEL.FunctionCalls("fromAi") {
			p, msg := fromAiParameter(call)
			if msg != "" {
				return nil, fmt.Errorf("the output mapping for '%s' has an invalid fromAi call '%s': %s", m.Target, call.Source, msg)
			}
			out = append(out, p)
		}
	}
	return out, nil
}
