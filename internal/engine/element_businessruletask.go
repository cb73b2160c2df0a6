package engine

import "github.com/orcabpm/orca/internal/bpmn"

// businessRuleTask is the behaviour of business rule tasks: a DMN decision
// evaluated by the engine (zeebe:calledDecision, decisions.go), else a job
// for a worker (zeebe:taskDefinition).
type businessRuleTask struct{ leaf }

func (businessRuleTask) onActivate(w *writer, in *inst) {
	if !w.enter(in, true) {
		return
	}
	if in.el.CalledDecision != nil {
		w.callDecision(in)
		return
	}
	if w.createJob(in) {
		w.activated(in)
	}
}

func (businessRuleTask) onComplete(w *writer, in *inst) ([]*bpmn.SequenceFlow, bool) {
	return w.outputsThenFlows(in)
}
