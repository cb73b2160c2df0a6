package engine

import "github.com/orcabpm/orca/internal/bpmn"

// tookFlow records that a token moved along f in scope (Zeebe's
// SEQUENCE_FLOW_TAKEN): the flow's id joins its process instance's taken
// flows, once, and is written with the batch that took it. A flow taken
// again (a loop) changes nothing, so what is kept per instance is bounded
// by its model's flows, and an instance's row is written only when it
// takes a flow for the first time (most batches write it anyway).
func (w *writer) tookFlow(scope *inst, f *bpmn.SequenceFlow) {
	root := scope.root()
	if root.pi == nil {
		return
	}
	for _, id := range root.pi.TakenFlows {
		if id == f.ID {
			return
		}
	}
	root.pi.TakenFlows = append(root.pi.TakenFlows, f.ID)
	w.st.touch(root.pi)
}
