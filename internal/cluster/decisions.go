package cluster

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// Decisions: Camunda 8.9's decision definitions, decision requirements,
// decision evaluation and decision instances.

// DeploymentDecision is a decision of a deployment (DeploymentDecisionResult).
type DeploymentDecision struct {
	DecisionDefinitionID    string `json:"decisionDefinitionId"`
	Version                 int32  `json:"version"`
	Name                    string `json:"name"`
	TenantID                string `json:"tenantId"`
	DecisionRequirementsID  string `json:"decisionRequirementsId"`
	DecisionDefinitionKey   Key    `json:"decisionDefinitionKey"`
	DecisionRequirementsKey Key    `json:"decisionRequirementsKey"`
}

// DeploymentDecisionRequirements is a decision requirements graph of a
// deployment (DeploymentDecisionRequirementsResult).
type DeploymentDecisionRequirements struct {
	DecisionRequirementsID   string `json:"decisionRequirementsId"`
	DecisionRequirementsName string `json:"decisionRequirementsName"`
	Version                  int32  `json:"version"`
	ResourceName             string `json:"resourceName"`
	TenantID                 string `json:"tenantId"`
	DecisionRequirementsKey  Key    `json:"decisionRequirementsKey"`
}

// DecisionDefinition is one version of a deployed decision.
type DecisionDefinition struct {
	DecisionDefinitionID        string `json:"decisionDefinitionId"`
	DecisionDefinitionKey       Key    `json:"decisionDefinitionKey"`
	DecisionRequirementsID      string `json:"decisionRequirementsId"`
	DecisionRequirementsKey     Key    `json:"decisionRequirementsKey"`
	DecisionRequirementsName    string `json:"decisionRequirementsName"`
	DecisionRequirementsVersion int32  `json:"decisionRequirementsVersion"`
	Name                        string `json:"name"`
	TenantID                    string `json:"tenantId"`
	Version                     int32  `json:"version"`
}

// DecisionDefinitionFilter selects decision definitions.
type DecisionDefinitionFilter struct {
	DecisionDefinitionID        *string `json:"decisionDefinitionId,omitempty"`
	Name                        *string `json:"name,omitempty"`
	IsLatestVersion             *bool   `json:"isLatestVersion,omitempty"`
	Version                     *int32  `json:"version,omitempty"`
	DecisionRequirementsID      *string `json:"decisionRequirementsId,omitempty"`
	TenantID                    *string `json:"tenantId,omitempty"`
	DecisionDefinitionKey       *Key    `json:"decisionDefinitionKey,omitempty"`
	DecisionRequirementsKey     *Key    `json:"decisionRequirementsKey,omitempty"`
	DecisionRequirementsName    *string `json:"decisionRequirementsName,omitempty"`
	DecisionRequirementsVersion *int32  `json:"decisionRequirementsVersion,omitempty"`
}

// DecisionRequirements is one version of a deployed decision requirements
// graph.
type DecisionRequirements struct {
	DecisionRequirementsID   string `json:"decisionRequirementsId"`
	DecisionRequirementsKey  Key    `json:"decisionRequirementsKey"`
	DecisionRequirementsName string `json:"decisionRequirementsName"`
	ResourceName             string `json:"resourceName"`
	TenantID                 string `json:"tenantId"`
	Version                  int32  `json:"version"`
}

// DecisionRequirementsFilter selects decision requirements.
type DecisionRequirementsFilter struct {
	DecisionRequirementsName *string `json:"decisionRequirementsName,omitempty"`
	DecisionRequirementsID   *string `json:"decisionRequirementsId,omitempty"`
	DecisionRequirementsKey  *Key    `json:"decisionRequirementsKey,omitempty"`
	Version                  *int32  `json:"version,omitempty"`
	TenantID                 *string `json:"tenantId,omitempty"`
	ResourceName             *string `json:"resourceName,omitempty"`
}

// DecisionEvaluationInstruction evaluates a decision: by key, or the
// latest version of an id.
type DecisionEvaluationInstruction struct {
	DecisionDefinitionID  string         `json:"decisionDefinitionId,omitempty"`
	DecisionDefinitionKey *Key           `json:"decisionDefinitionKey,omitempty"`
	Variables             map[string]any `json:"variables,omitempty"`
	TenantID              string         `json:"tenantId,omitempty"`
}

// EvaluateDecisionResult is the outcome of an evaluation.
type EvaluateDecisionResult struct {
	DecisionDefinitionID       string                    `json:"decisionDefinitionId"`
	DecisionDefinitionKey      Key                       `json:"decisionDefinitionKey"`
	DecisionDefinitionName     string                    `json:"decisionDefinitionName"`
	DecisionDefinitionVersion  int32                     `json:"decisionDefinitionVersion"`
	DecisionEvaluationKey      Key                       `json:"decisionEvaluationKey"`
	DecisionInstanceKey        Key                       `json:"decisionInstanceKey"`
	DecisionRequirementsID     string                    `json:"decisionRequirementsId"`
	DecisionRequirementsKey    Key                       `json:"decisionRequirementsKey"`
	EvaluatedDecisions         []EvaluatedDecisionResult `json:"evaluatedDecisions"`
	FailedDecisionDefinitionID *string                   `json:"failedDecisionDefinitionId"`
	FailureMessage             *string                   `json:"failureMessage"`
	Output                     string                    `json:"output"`
	TenantID                   string                    `json:"tenantId"`
}

// DecisionEvaluationFailed is an evaluation that failed (FailureMessage
// set), as an audit entry riding its command sees it (AuditRider): Camunda
// answers it as a result, not an error, and the MCP tool as a tool error
// carrying that result. The result is cut short past what the entry keeps
// of its JSON (the first AuditErrorMessageMax bytes are the whole
// result's).
type DecisionEvaluationFailed struct{ Result *EvaluateDecisionResult }

func (f *DecisionEvaluationFailed) Error() string {
	if f.Result.FailureMessage == nil {
		return "the decision evaluation failed"
	}
	return *f.Result.FailureMessage
}

// EvaluatedDecisionResult is one decision evaluated in an evaluation.
type EvaluatedDecisionResult struct {
	DecisionDefinitionID          string                `json:"decisionDefinitionId"`
	DecisionDefinitionName        string                `json:"decisionDefinitionName"`
	DecisionDefinitionVersion     int32                 `json:"decisionDefinitionVersion"`
	DecisionDefinitionType        string                `json:"decisionDefinitionType"`
	Output                        string                `json:"output"`
	TenantID                      string                `json:"tenantId"`
	MatchedRules                  []MatchedDecisionRule `json:"matchedRules"`
	EvaluatedInputs               []EvaluatedInput      `json:"evaluatedInputs"`
	DecisionDefinitionKey         Key                   `json:"decisionDefinitionKey"`
	DecisionEvaluationInstanceKey string                `json:"decisionEvaluationInstanceKey"`
}

// EvaluatedInput is an evaluated input of a decision table; the value is
// JSON.
type EvaluatedInput struct {
	InputID    string `json:"inputId"`
	InputName  string `json:"inputName"`
	InputValue string `json:"inputValue"`
}

// MatchedDecisionRule is a rule of a decision table that matched.
type MatchedDecisionRule struct {
	RuleID           string            `json:"ruleId"`
	RuleIndex        int               `json:"ruleIndex"`
	EvaluatedOutputs []EvaluatedOutput `json:"evaluatedOutputs"`
}

// EvaluatedOutput is an output of a matched rule; the value is JSON.
type EvaluatedOutput struct {
	OutputID    string  `json:"outputId"`
	OutputName  string  `json:"outputName"`
	OutputValue string  `json:"outputValue"`
	RuleID      *string `json:"ruleId"`
	RuleIndex   *int    `json:"ruleIndex"`
}

// DecisionInstance is one evaluated decision, as searches list it.
type DecisionInstance struct {
	DecisionDefinitionID          string    `json:"decisionDefinitionId"`
	DecisionDefinitionKey         Key       `json:"decisionDefinitionKey"`
	DecisionDefinitionName        string    `json:"decisionDefinitionName"`
	DecisionDefinitionType        string    `json:"decisionDefinitionType"`
	DecisionDefinitionVersion     int32     `json:"decisionDefinitionVersion"`
	DecisionEvaluationInstanceKey string    `json:"decisionEvaluationInstanceKey"`
	DecisionEvaluationKey         Key       `json:"decisionEvaluationKey"`
	ElementInstanceKey            *Key      `json:"elementInstanceKey"`
	EvaluationDate                time.Time `json:"evaluationDate"`
	EvaluationFailure             *string   `json:"evaluationFailure"`
	ProcessDefinitionKey          *Key      `json:"processDefinitionKey"`
	ProcessInstanceKey            *Key      `json:"processInstanceKey"`
	Result                        string    `json:"result"`
	RootDecisionDefinitionKey     Key       `json:"rootDecisionDefinitionKey"`
	RootProcessInstanceKey        *Key      `json:"rootProcessInstanceKey"`
	State                         string    `json:"state"`
	TenantID                      string    `json:"tenantId"`
}

// DecisionInstanceDetail is one evaluated decision with its inputs and
// matched rules, as a get returns it.
type DecisionInstanceDetail struct {
	DecisionInstance
	EvaluatedInputs []EvaluatedInput      `json:"evaluatedInputs"`
	MatchedRules    []MatchedDecisionRule `json:"matchedRules"`
}

// DecisionInstanceFilter selects decision instances.
type DecisionInstanceFilter struct {
	DecisionEvaluationInstanceKey *Prop[string, keyKind] `json:"decisionEvaluationInstanceKey,omitempty"`
	State                         *EnumFilter            `json:"state,omitempty"`
	EvaluationFailure             *string                `json:"evaluationFailure,omitempty"`
	EvaluationDate                *DateFilter            `json:"evaluationDate,omitempty"`
	DecisionDefinitionID          *string                `json:"decisionDefinitionId,omitempty"`
	DecisionDefinitionName        *string                `json:"decisionDefinitionName,omitempty"`
	DecisionDefinitionVersion     *int32                 `json:"decisionDefinitionVersion,omitempty"`
	DecisionDefinitionType        *string                `json:"decisionDefinitionType,omitempty"`
	TenantID                      *string                `json:"tenantId,omitempty"`
	DecisionEvaluationKey         *Key                   `json:"decisionEvaluationKey,omitempty"`
	ProcessDefinitionKey          *Key                   `json:"processDefinitionKey,omitempty"`
	ProcessInstanceKey            *Key                   `json:"processInstanceKey,omitempty"`
	DecisionDefinitionKey         *KeyFilter             `json:"decisionDefinitionKey,omitempty"`
	ElementInstanceKey            *KeyFilter             `json:"elementInstanceKey,omitempty"`
	RootDecisionDefinitionKey     *KeyFilter             `json:"rootDecisionDefinitionKey,omitempty"`
	DecisionRequirementsKey       *KeyFilter             `json:"decisionRequirementsKey,omitempty"`
}

type (
	DecisionDefinitionSearchQuery   = SearchQuery[DecisionDefinitionFilter]
	DecisionRequirementsSearchQuery = SearchQuery[DecisionRequirementsFilter]
	DecisionInstanceSearchQuery     = SearchQuery[DecisionInstanceFilter]
)

// DecisionAPI is the decision part of the cluster API.
type DecisionAPI interface {
	SearchDecisionDefinitions(ctx context.Context, q *DecisionDefinitionSearchQuery) (*SearchResult[DecisionDefinition], error)
	GetDecisionDefinition(ctx context.Context, key Key) (*DecisionDefinition, error)
	GetDecisionDefinitionXML(ctx context.Context, key Key) ([]byte, error)
	SearchDecisionRequirements(ctx context.Context, q *DecisionRequirementsSearchQuery) (*SearchResult[DecisionRequirements], error)
	GetDecisionRequirements(ctx context.Context, key Key) (*DecisionRequirements, error)
	GetDecisionRequirementsXML(ctx context.Context, key Key) ([]byte, error)
	EvaluateDecision(ctx context.Context, req *DecisionEvaluationInstruction) (*EvaluateDecisionResult, error)
	SearchDecisionInstances(ctx context.Context, q *DecisionInstanceSearchQuery) (*SearchResult[DecisionInstance], error)
	// GetDecisionInstance takes Camunda's decisionEvaluationInstanceKey,
	// "<decisionEvaluationKey>-<index>".
	GetDecisionInstance(ctx context.Context, key string) (*DecisionInstanceDetail, error)
}

var decisionTypes = []string{"DECISION_TABLE", "LITERAL_EXPRESSION", "UNSPECIFIED", "UNKNOWN"}

var decisionDefinitionSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "decision_definitions",
		filter: map[string]column{
			"decisionDefinitionId":        exprFilter("decision_definitions.decision_id"),
			"name":                        exprFilter("decision_definitions.name"),
			"version":                     exprFilter("decision_definitions.version"),
			"decisionRequirementsId":      exprFilter("decision_definitions.decision_requirements_id"),
			"tenantId":                    exprFilter("decision_definitions.tenant_id"),
			"decisionDefinitionKey":       exprFilter("decision_definitions.key"),
			"decisionRequirementsKey":     exprFilter("decision_definitions.decision_requirements_key"),
			"decisionRequirementsName":    exprFilter("decision_definitions.decision_requirements_name"),
			"decisionRequirementsVersion": exprFilter("decision_definitions.decision_requirements_version"),
			"isLatestVersion": {build: func(v any) ([]store.Cond, error) {
				op := "="
				if !*v.(*bool) {
					op = "<"
				}
				return []store.Cond{store.Raw("decision_definitions.version " + op + " (SELECT MAX(d2.version) FROM decision_definitions d2 " +
					"WHERE d2.decision_id = decision_definitions.decision_id AND d2.tenant_id = decision_definitions.tenant_id)")}, nil
			}},
		},
		sort: map[string]string{"decisionDefinitionKey": "key", "decisionDefinitionId": "decision_id", "name": "name",
			"version": "version", "decisionRequirementsId": "decision_requirements_id",
			"decisionRequirementsKey": "decision_requirements_key", "decisionRequirementsName": "decision_requirements_name",
			"decisionRequirementsVersion": "decision_requirements_version", "tenantId": "tenant_id"},
	}
})

var decisionRequirementsSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "decision_requirements",
		filter: map[string]column{
			"decisionRequirementsName": exprFilter("decision_requirements.name"),
			"decisionRequirementsId":   exprFilter("decision_requirements.decision_requirements_id"),
			"decisionRequirementsKey":  exprFilter("decision_requirements.key"),
			"version":                  exprFilter("decision_requirements.version"),
			"tenantId":                 exprFilter("decision_requirements.tenant_id"),
			"resourceName":             exprFilter("decision_requirements.resource_name"),
		},
		sort: map[string]string{"decisionRequirementsKey": "key", "decisionRequirementsName": "name", "version": "version",
			"decisionRequirementsId": "decision_requirements_id", "tenantId": "tenant_id"},
	}
})

var decisionInstanceSpec = sync.OnceValue(func() *searchSpec {
	return &searchSpec{
		table: "decision_instances",
		filter: map[string]column{
			"decisionEvaluationInstanceKey": exprFilter("decision_instances.instance_key"),
			"state":                         exprFilter("decision_instances.state", "EVALUATED", "FAILED", "UNSPECIFIED", "UNKNOWN"),
			"evaluationFailure":             exprFilter("NULLIF(decision_instances.evaluation_failure, '')"),
			"evaluationDate":                exprFilter("decision_instances.evaluation_date"),
			"decisionDefinitionId":          exprFilter("decision_instances.decision_id"),
			"decisionDefinitionName":        exprFilter("decision_instances.decision_name"),
			"decisionDefinitionVersion":     exprFilter("decision_instances.decision_version"),
			"decisionDefinitionType":        exprFilter("decision_instances.decision_type", decisionTypes...),
			"tenantId":                      exprFilter("decision_instances.tenant_id"),
			"decisionEvaluationKey":         exprFilter("decision_instances.evaluation_key"),
			"processDefinitionKey":          exprFilter("decision_instances.process_definition_key"),
			"processInstanceKey":            exprFilter("decision_instances.process_instance_key"),
			"decisionDefinitionKey":         exprFilter("decision_instances.decision_definition_key"),
			"elementInstanceKey":            exprFilter("decision_instances.element_instance_key"),
			"rootDecisionDefinitionKey":     exprFilter("decision_instances.root_decision_definition_key"),
			"decisionRequirementsKey":       exprFilter("decision_instances.decision_requirements_key"),
		},
		sort: map[string]string{"decisionDefinitionId": "decision_id", "decisionDefinitionKey": "decision_definition_key",
			"decisionDefinitionName": "decision_name", "decisionDefinitionType": "decision_type",
			"decisionDefinitionVersion": "decision_version", "decisionEvaluationInstanceKey": "key",
			"decisionEvaluationKey": "evaluation_key", "elementInstanceKey": "element_instance_key",
			"evaluationDate": "evaluation_date", "evaluationFailure": "evaluation_failure",
			"processDefinitionKey": "process_definition_key", "processInstanceKey": "process_instance_key",
			"rootDecisionDefinitionKey": "root_decision_definition_key", "state": "state", "tenantId": "tenant_id"},
	}
})

func decisionDefinition(r *store.DecisionDefinition) DecisionDefinition {
	return DecisionDefinition{DecisionDefinitionID: r.DecisionID, DecisionDefinitionKey: Key(r.Key),
		DecisionRequirementsID: r.DecisionRequirementsID, DecisionRequirementsKey: Key(r.DecisionRequirementsKey),
		DecisionRequirementsName: r.DecisionRequirementsName, DecisionRequirementsVersion: r.DecisionRequirementsVersion,
		Name: r.Name, TenantID: r.TenantID, Version: r.Version}
}

func decisionRequirements(r *store.DecisionRequirements) DecisionRequirements {
	return DecisionRequirements{DecisionRequirementsID: r.DecisionRequirementsID, DecisionRequirementsKey: Key(r.Key),
		DecisionRequirementsName: r.Name, ResourceName: r.ResourceName, TenantID: r.TenantID, Version: r.Version}
}

func decisionInstance(r *store.DecisionInstance) DecisionInstance {
	return DecisionInstance{DecisionDefinitionID: r.DecisionID, DecisionDefinitionKey: Key(r.DecisionDefinitionKey),
		DecisionDefinitionName: r.DecisionName, DecisionDefinitionType: r.DecisionType,
		DecisionDefinitionVersion: r.DecisionVersion, DecisionEvaluationInstanceKey: r.InstanceKey,
		DecisionEvaluationKey: Key(r.EvaluationKey), ElementInstanceKey: keyRef(r.ElementInstanceKey),
		EvaluationDate: r.EvaluationDate.UTC(), EvaluationFailure: optString(r.EvaluationFailure),
		ProcessDefinitionKey: keyRef(r.ProcessDefinitionKey), ProcessInstanceKey: keyRef(r.ProcessInstanceKey),
		Result: r.Result, RootDecisionDefinitionKey: Key(r.RootDecisionDefinitionKey),
		RootProcessInstanceKey: keyRef(r.RootProcessInstanceKey), State: r.State, TenantID: r.TenantID}
}

func evaluatedInputs(r *store.DecisionInstance) []EvaluatedInput {
	out := make([]EvaluatedInput, 0, len(r.EvaluatedInputs))
	for _, in := range r.EvaluatedInputs {
		out = append(out, EvaluatedInput{InputID: in.ID, InputName: in.Name, InputValue: in.Value})
	}
	return out
}

func matchedRules(r *store.DecisionInstance) []MatchedDecisionRule {
	out := make([]MatchedDecisionRule, 0, len(r.MatchedRules))
	for _, mr := range r.MatchedRules {
		rule := MatchedDecisionRule{RuleID: mr.ID, RuleIndex: mr.Index, EvaluatedOutputs: make([]EvaluatedOutput, 0, len(mr.Outputs))}
		for _, o := range mr.Outputs {
			id, idx := mr.ID, mr.Index
			rule.EvaluatedOutputs = append(rule.EvaluatedOutputs, EvaluatedOutput{OutputID: o.ID, OutputName: o.Name,
				OutputValue: o.Value, RuleID: &id, RuleIndex: &idx})
		}
		out = append(out, rule)
	}
	return out
}

func (m *Embedded) SearchDecisionDefinitions(ctx context.Context, q *DecisionDefinitionSearchQuery) (*SearchResult[DecisionDefinition], error) {
	return search(ctx, m.store, decisionDefinitionSpec(), q, func() *store.DecisionDefinition { return new(store.DecisionDefinition) }, decisionDefinition)
}

func (m *Embedded) GetDecisionDefinition(ctx context.Context, key Key) (*DecisionDefinition, error) {
	r, err := get(ctx, m.store, key, "Decision definition", func() *store.DecisionDefinition { return new(store.DecisionDefinition) })
	if err != nil {
		return nil, err
	}
	d := decisionDefinition(r)
	return &d, nil
}

// GetDecisionDefinitionXML returns the DMN XML of the graph the decision
// is part of, as Camunda does.
func (m *Embedded) GetDecisionDefinitionXML(ctx context.Context, key Key) ([]byte, error) {
	r, err := get(ctx, m.store, key, "Decision definition", func() *store.DecisionDefinition { return new(store.DecisionDefinition) })
	if err != nil {
		return nil, err
	}
	return m.GetDecisionRequirementsXML(ctx, Key(r.DecisionRequirementsKey))
}

func (m *Embedded) SearchDecisionRequirements(ctx context.Context, q *DecisionRequirementsSearchQuery) (*SearchResult[DecisionRequirements], error) {
	return search(ctx, m.store, decisionRequirementsSpec(), q, func() *store.DecisionRequirements { return new(store.DecisionRequirements) }, decisionRequirements)
}

func (m *Embedded) GetDecisionRequirements(ctx context.Context, key Key) (*DecisionRequirements, error) {
	r, err := get(ctx, m.store, key, "Decision requirements", func() *store.DecisionRequirements { return new(store.DecisionRequirements) })
	if err != nil {
		return nil, err
	}
	d := decisionRequirements(r)
	return &d, nil
}

func (m *Embedded) GetDecisionRequirementsXML(ctx context.Context, key Key) ([]byte, error) {
	r, err := get(ctx, m.store, key, "Decision requirements", func() *store.DecisionRequirements { return new(store.DecisionRequirements) })
	if err != nil {
		return nil, err
	}
	res, err := get(ctx, m.store, Key(r.ResourceKey), "Resource", func() *store.Resource { return new(store.Resource) })
	if err != nil {
		return nil, err
	}
	return res.Content, nil
}

func (m *Embedded) EvaluateDecision(ctx context.Context, req *DecisionEvaluationInstruction) (*EvaluateDecisionResult, error) {
	var ref engine.DecisionRef
	switch {
	case req.DecisionDefinitionID != "" && req.DecisionDefinitionKey != nil:
		return nil, Errorf(CodeInvalidArgument, "Only one of [decisionDefinitionId, decisionDefinitionKey] is allowed.")
	case req.DecisionDefinitionID != "":
		ref.ID = req.DecisionDefinitionID
	case req.DecisionDefinitionKey != nil:
		ref.Key = int64(*req.DecisionDefinitionKey)
	default:
		return nil, Errorf(CodeInvalidArgument, "At least one of [decisionDefinitionId, decisionDefinitionKey] is required.")
	}
	ev, err := m.eng.EvaluateDecision(ctx, req.TenantID, ref, req.Variables)
	if err != nil {
		return nil, fromEngine(err)
	}
	return evaluationResult(ev), nil
}

// evaluationResult converts a recorded evaluation.
func evaluationResult(ev *engine.DecisionEvaluation) *EvaluateDecisionResult {
	d := ev.Decision
	out := &EvaluateDecisionResult{DecisionDefinitionID: d.DecisionID, DecisionDefinitionKey: Key(d.Key),
		DecisionDefinitionName: d.Name, DecisionDefinitionVersion: d.Version, DecisionEvaluationKey: Key(ev.EvaluationKey),
		DecisionInstanceKey: Key(ev.EvaluationKey), DecisionRequirementsID: d.DecisionRequirementsID,
		DecisionRequirementsKey: Key(d.DecisionRequirementsKey), EvaluatedDecisions: []EvaluatedDecisionResult{},
		FailedDecisionDefinitionID: optString(ev.FailedDecisionID), FailureMessage: optString(ev.FailureMessage),
		Output: ev.Output, TenantID: d.TenantID}
	for _, in := range ev.Instances {
		if in.State == store.DecisionFailed {
			continue // the failure is named above; Zeebe lists the decisions evaluated
		}
		out.EvaluatedDecisions = append(out.EvaluatedDecisions, EvaluatedDecisionResult{DecisionDefinitionID: in.DecisionID,
			DecisionDefinitionName: in.DecisionName, DecisionDefinitionVersion: in.DecisionVersion,
			DecisionDefinitionType: in.DecisionType, Output: in.Result, TenantID: in.TenantID,
			MatchedRules: matchedRules(in), EvaluatedInputs: evaluatedInputs(in),
			DecisionDefinitionKey: Key(in.DecisionDefinitionKey), DecisionEvaluationInstanceKey: in.InstanceKey})
	}
	return out
}

func (m *Embedded) SearchDecisionInstances(ctx context.Context, q *DecisionInstanceSearchQuery) (*SearchResult[DecisionInstance], error) {
	return search(ctx, m.store, decisionInstanceSpec(), q, func() *store.DecisionInstance { return new(store.DecisionInstance) }, decisionInstance)
}

func (m *Embedded) GetDecisionInstance(ctx context.Context, key string) (*DecisionInstanceDetail, error) {
	evalKey, idx, ok := strings.Cut(key, "-")
	_, err1 := strconv.ParseInt(evalKey, 10, 64)
	_, err2 := strconv.ParseInt(idx, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return nil, Errorf(CodeInvalidArgument, "The value '%s' of the path parameter 'decisionEvaluationInstanceKey' is not valid: expected <decisionEvaluationKey>-<index>.", key)
	}
	rs, err := store.Select(ctx, m.store, func() *store.DecisionInstance { return new(store.DecisionInstance) }, "instance_key = ?", key)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, Errorf(CodeNotFound, "Decision instance with key '%s' not found", key)
	}
	r := rs[0]
	return &DecisionInstanceDetail{DecisionInstance: decisionInstance(r), EvaluatedInputs: evaluatedInputs(r), MatchedRules: matchedRules(r)}, nil
}
