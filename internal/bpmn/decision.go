package bpmn

// CalledDecision is zeebe:calledDecision on a business rule task: the DMN
// decision the engine evaluates, and the variable its result goes to.
type CalledDecision struct {
	DecisionID     Expression
	ResultVariable string
	BindingType    string // BindingLatest (default), BindingDeployment or BindingVersionTag
	VersionTag     Expression
}

// calledDecision reads zeebe:calledDecision, reporting what Zeebe's
// validation reports.
func (b *builder) calledDecision(e *Element, n *node) {
	cd := &CalledDecision{BindingType: n.attr("bindingType"), ResultVariable: n.attr("resultVariable")}
	if id := n.attr("decisionId"); id == "" {
		b.problem(e.ID, n.Line, "Attribute 'decisionId' must be present and not empty")
	} else {
		cd.DecisionID = b.expr(e.ID, n.Line, "decision id", id)
	}
	if cd.ResultVariable == "" {
		b.problem(e.ID, n.Line, "Attribute 'resultVariable' must be present and not empty")
	}
	switch cd.BindingType {
	case "":
		cd.BindingType = BindingLatest
	case BindingLatest, BindingDeployment:
	case BindingVersionTag:
		if tag := n.attr("versionTag"); tag == "" {
			b.problem(e.ID, n.Line, "Attribute 'versionTag' must be present and not empty if 'bindingType=versionTag'")
		} else {
			cd.VersionTag = b.expr(e.ID, n.Line, "version tag", tag)
		}
	default:
		b.problem(e.ID, n.Line, "the called decision's bindingType '%s' is not one of latest, deployment, versionTag", cd.BindingType)
	}
	e.CalledDecision = cd
}
