package store

import "time"

// DecisionRequirements is one version of a deployed decision requirements
// graph (a .dmn resource's definitions element); its XML is the resource
// ResourceKey names.
type DecisionRequirements struct {
	Key                    int64
	DecisionRequirementsID string
	Name                   string
	Version                int32
	ResourceKey            int64
	ResourceName           string
	// DeploymentKey is the deployment that created this version;
	// DeploymentKeys are every deployment that contained it (an unchanged
	// resource deployed again keeps its version).
	DeploymentKey  int64
	DeploymentKeys []int64
	Checksum       string
	TenantID       string
	DeployTime     time.Time
}

func (*DecisionRequirements) Table() string { return "decision_requirements" }
func (r *DecisionRequirements) Columns() []any {
	return []any{&r.Key, &r.DecisionRequirementsID, &r.Name, &r.Version, &r.ResourceKey, &r.ResourceName,
		&r.DeploymentKey, jsonCol{&r.DeploymentKeys}, &r.Checksum, &r.TenantID, timeCol{&r.DeployTime}}
}

// DecisionDefinition is one version of a deployed decision.
type DecisionDefinition struct {
	Key                         int64
	DecisionID                  string
	Name                        string
	Version                     int32
	VersionTag                  string
	DecisionRequirementsKey     int64
	DecisionRequirementsID      string
	DecisionRequirementsName    string
	DecisionRequirementsVersion int32
	DeploymentKey               int64
	DeploymentKeys              []int64
	TenantID                    string
	DeployTime                  time.Time
}

func (*DecisionDefinition) Table() string { return "decision_definitions" }
func (r *DecisionDefinition) Columns() []any {
	return []any{&r.Key, &r.DecisionID, &r.Name, &r.Version, &r.VersionTag, &r.DecisionRequirementsKey,
		&r.DecisionRequirementsID, &r.DecisionRequirementsName, &r.DecisionRequirementsVersion, &r.DeploymentKey,
		jsonCol{&r.DeploymentKeys}, &r.TenantID, timeCol{&r.DeployTime}}
}

// Decision instance states, as the REST API names them.
const (
	DecisionEvaluated = "EVALUATED"
	DecisionFailed    = "FAILED"
)

// DecisionInstance is one decision evaluated in one evaluation: the
// requested decision or one it required. InstanceKey is Camunda's
// decisionEvaluationInstanceKey, "<EvaluationKey>-<Index>".
type DecisionInstance struct {
	Key                       int64
	InstanceKey               string
	EvaluationKey             int64
	Index                     int32 // 1-based, in evaluation order
	State                     string
	EvaluationDate            time.Time
	EvaluationFailure         string
	DecisionDefinitionKey     int64
	DecisionID                string
	DecisionName              string
	DecisionType              string
	DecisionVersion           int32
	DecisionRequirementsKey   int64
	RootDecisionDefinitionKey int64
	ProcessDefinitionKey      int64
	ProcessInstanceKey        int64
	RootProcessInstanceKey    int64
	ElementInstanceKey        int64
	Result                    string // the decision's output as JSON
	EvaluatedInputs           []DecisionInput
	MatchedRules              []DecisionRule
	TenantID                  string
}

// DecisionInput is an evaluated input of a decision table; Value is JSON.
type DecisionInput struct {
	ID    string `json:"inputId"`
	Name  string `json:"inputName"`
	Value string `json:"inputValue"`
}

// DecisionRule is a matched rule of a decision table with its outputs.
type DecisionRule struct {
	ID      string           `json:"ruleId"`
	Index   int              `json:"ruleIndex"`
	Outputs []DecisionOutput `json:"evaluatedOutputs"`
}

// DecisionOutput is an output of a matched rule; Value is JSON.
type DecisionOutput struct {
	ID    string `json:"outputId"`
	Name  string `json:"outputName"`
	Value string `json:"outputValue"`
}

func (*DecisionInstance) Table() string { return "decision_instances" }
func (r *DecisionInstance) Columns() []any {
	return []any{&r.Key, &r.InstanceKey, &r.EvaluationKey, &r.Index, &r.State, timeCol{&r.EvaluationDate},
		&r.EvaluationFailure, &r.DecisionDefinitionKey, &r.DecisionID, &r.DecisionName, &r.DecisionType,
		&r.DecisionVersion, &r.DecisionRequirementsKey, &r.RootDecisionDefinitionKey, keyCol{&r.ProcessDefinitionKey},
		keyCol{&r.ProcessInstanceKey}, keyCol{&r.RootProcessInstanceKey}, keyCol{&r.ElementInstanceKey}, &r.Result,
		jsonCol{&r.EvaluatedInputs}, jsonCol{&r.MatchedRules}, &r.TenantID}
}
