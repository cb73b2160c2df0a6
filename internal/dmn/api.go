package dmn

import (
	"bytes"
	"encoding/json"

	"github.com/orcabpm/orca/internal/feel"
)

// DecisionRequirements describes a model for deployment: its decision
// requirements graph (the definitions element) and the decisions in it.
// Versions are assigned by whoever stores deployments, per decision id and
// per requirements id, as Camunda does.
type DecisionRequirements struct {
	ID         string // decisionRequirementsId
	Name       string // decisionRequirementsName
	Namespace  string
	DMNVersion string // "1.1" to "1.5"
	Decisions  []DecisionDefinition
}

// DecisionDefinition describes one decision for deployment.
type DecisionDefinition struct {
	ID         string // decisionDefinitionId
	Name       string
	VersionTag string // Camunda's versionTag attribute, "" if none
	// Type is Camunda's decision type: DECISION_TABLE, LITERAL_EXPRESSION
	// or UNKNOWN for the other boxed expressions Orca evaluates.
	Type                   string
	DecisionRequirementsID string
	RequiredDecisions      []string
}

// Requirements returns the model's decision requirements graph and its
// decisions in document order.
func (m *Model) Requirements() DecisionRequirements {
	dr := DecisionRequirements{ID: m.ID, Name: m.Name, Namespace: m.Namespace, DMNVersion: m.Version}
	for _, d := range m.decisions {
		dr.Decisions = append(dr.Decisions, DecisionDefinition{
			ID: d.ID, Name: d.Name, VersionTag: d.VersionTag, Type: camundaType(d.Type),
			DecisionRequirementsID: m.ID, RequiredDecisions: append([]string(nil), d.RequiredDecisions...),
		})
	}
	return dr
}

func camundaType(t string) string {
	switch t {
	case TypeDecisionTable, TypeLiteralExpression:
		return t
	}
	return "UNKNOWN"
}

// EvaluatedDecision is one decision of an evaluation in the shape Camunda's
// REST API and decision instances report it: values are JSON documents.
type EvaluatedDecision struct {
	DecisionID      string               `json:"decisionDefinitionId"`
	DecisionName    string               `json:"decisionDefinitionName"`
	DecisionType    string               `json:"decisionDefinitionType"`
	Output          string               `json:"output"`
	EvaluatedInputs []EvaluatedInputJSON `json:"evaluatedInputs"`
	MatchedRules    []MatchedRuleJSON    `json:"matchedRules"`
}

// EvaluatedInputJSON is an evaluated input with its value as JSON.
type EvaluatedInputJSON struct {
	InputID    string `json:"inputId"`
	InputName  string `json:"inputName"`
	InputValue string `json:"inputValue"`
}

// MatchedRuleJSON is a matched rule with its outputs as JSON.
type MatchedRuleJSON struct {
	RuleID           string                `json:"ruleId"`
	RuleIndex        int                   `json:"ruleIndex"`
	EvaluatedOutputs []EvaluatedOutputJSON `json:"evaluatedOutputs"`
}

// EvaluatedOutputJSON is an output of a matched rule with its value as JSON.
type EvaluatedOutputJSON struct {
	OutputID    string `json:"outputId"`
	OutputName  string `json:"outputName"`
	OutputValue string `json:"outputValue"`
}

// Evaluated returns the decision's result in Camunda's shape.
func (r *DecisionResult) Evaluated() EvaluatedDecision {
	e := EvaluatedDecision{
		DecisionID: r.DecisionID, DecisionName: r.DecisionName, DecisionType: camundaType(r.DecisionType),
		Output: JSON(r.Value), EvaluatedInputs: []EvaluatedInputJSON{}, MatchedRules: []MatchedRuleJSON{},
	}
	for _, in := range r.EvaluatedInputs {
		e.EvaluatedInputs = append(e.EvaluatedInputs, EvaluatedInputJSON{InputID: in.InputID, InputName: in.InputName, InputValue: JSON(in.Value)})
	}
	for _, mr := range r.MatchedRules {
		m := MatchedRuleJSON{RuleID: mr.RuleID, RuleIndex: mr.RuleIndex, EvaluatedOutputs: []EvaluatedOutputJSON{}}
		for _, o := range mr.EvaluatedOutputs {
			m.EvaluatedOutputs = append(m.EvaluatedOutputs, EvaluatedOutputJSON{OutputID: o.OutputID, OutputName: o.OutputName, OutputValue: JSON(o.Value)})
		}
		e.MatchedRules = append(e.MatchedRules, m)
	}
	return e
}

// JSON renders a FEEL value as a JSON document (no HTML escaping), as
// Camunda reports decision outputs and inputs.
func JSON(v feel.Value) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(feel.ToJSON(v)); err != nil {
		return "null"
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}
