// Package dmn parses and evaluates DMN decision models (DMN 1.1 to 1.5, as
// Camunda Modeler and the DMN TCK write them) on Orca's FEEL: decision
// tables with every hit policy, literal expressions, boxed contexts, lists,
// relations, invocations, function definitions, business knowledge models
// and decision requirements graphs.
//
// A model is parsed and compiled once (Parse) and evaluated many times
// (Model.Evaluate); a Model is safe for concurrent use.
package dmn

import (
	"fmt"
	"strings"
)

// DMN model namespaces by version.
var namespaces = map[string]string{
	"http://www.omg.org/spec/DMN/20151101/dmn.xsd": "1.1",
	"http://www.omg.org/spec/DMN/20180521/MODEL/":  "1.2",
	"https://www.omg.org/spec/DMN/20191111/MODEL/": "1.3",
	"https://www.omg.org/spec/DMN/20211108/MODEL/": "1.4",
	"https://www.omg.org/spec/DMN/20230324/MODEL/": "1.5",
}

// dmnVersion returns the DMN version of a model namespace ("" if unknown).
// The scheme (http or https) is not significant.
func dmnVersion(ns string) string {
	if v, ok := namespaces[ns]; ok {
		return v
	}
	for k, v := range namespaces {
		if strings.TrimPrefix(strings.TrimPrefix(k, "https://"), "http://") == strings.TrimPrefix(strings.TrimPrefix(ns, "https://"), "http://") {
			return v
		}
	}
	return ""
}

// Problem is one reason a model is invalid.
type Problem struct {
	ElementID string // id of the offending element, or of its nearest ancestor with one
	Line      int    // line of the offending element, 0 when unknown
	Message   string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.ElementID != "" {
		fmt.Fprintf(&b, "element '%s': ", p.ElementID)
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError rejects a model and lists every problem found.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = p.String()
	}
	return fmt.Sprintf("invalid DMN model (%d problem(s)): %s", len(e.Problems), strings.Join(parts, "; "))
}

// Decision types as Camunda names them.
const (
	TypeDecisionTable      = "DECISION_TABLE"
	TypeLiteralExpression  = "LITERAL_EXPRESSION"
	TypeContext            = "CONTEXT"
	TypeList               = "LIST"
	TypeRelation           = "RELATION"
	TypeInvocation         = "INVOCATION"
	TypeFunctionDefinition = "FUNCTION_DEFINITION"
	TypeConditional        = "CONDITIONAL"
	TypeFilter             = "FILTER"
	TypeIteration          = "ITERATION"
	TypeQuantified         = "QUANTIFIED"
	TypeNone               = "NONE"
)

// Decision is one decision of a model.
type Decision struct {
	ID         string
	Name       string
	VersionTag string // Camunda's versionTag attribute, if any
	Type       string // TypeDecisionTable, TypeLiteralExpression, ...
	// RequiredDecisions, RequiredInputs and RequiredKnowledge hold the ids
	// of the elements this decision's information and knowledge
	// requirements point at.
	RequiredDecisions []string
	RequiredInputs    []string
	RequiredKnowledge []string

	// resultName is the name dependent decisions see the result under: the
	// variable's name, else the decision's id (as Camunda's dmn-scala does)
	resultName string
	line       int
	typ        *typeInfo
	logic      expr
	reqDec     []*Decision
	reqInput   []*inputData
	reqBKM     []*bkm
	noScope    bool // no requirements: evaluates against the caller's variables alone
}

// InputData is an input of a decision requirements graph.
type InputData struct {
	ID, Name string
}

type inputData struct {
	InputData
	typ *typeInfo
}

// BusinessKnowledgeModel is a reusable function of a model.
type BusinessKnowledgeModel struct {
	ID, Name   string
	Parameters []string
}

type bkm struct {
	BusinessKnowledgeModel
	fn     *funcDef
	reqBKM []*bkm
	reqSvc []*decisionService
	typ    *typeInfo
}

type decisionService struct {
	id, name       string
	outputs        []*Decision
	inputDecisions []*Decision
	inputData      []*inputData
	encapsulated   []*Decision
	typ            *typeInfo
	params         []string
}

// Model is a parsed and compiled DMN model: one decision requirements graph
// (the definitions element) with its decisions. It is immutable and safe for
// concurrent use.
type Model struct {
	ID        string // the definitions' id: Camunda's decision requirements id
	Name      string
	Namespace string
	Version   string // DMN version of the namespace: "1.1" to "1.5"

	decisions []*Decision
	byID      map[string]*Decision
	byName    map[string]*Decision
	inputs    []*inputData
	bkms      []*bkm
	bkmByName map[string]*bkm
	services  map[string]*decisionService // by id and by name
	opts      Options
	dotted    bool // some name contains a '.'
}

// Decisions returns the model's decisions in document order.
func (m *Model) Decisions() []*Decision { return append([]*Decision(nil), m.decisions...) }

// Decision returns the decision with the given id.
func (m *Model) Decision(id string) (*Decision, bool) {
	d, ok := m.byID[id]
	return d, ok
}

// InputData returns the model's input data elements in document order.
func (m *Model) InputData() []InputData {
	out := make([]InputData, len(m.inputs))
	for i, in := range m.inputs {
		out[i] = in.InputData
	}
	return out
}

// BusinessKnowledgeModels returns the model's business knowledge models.
func (m *Model) BusinessKnowledgeModels() []BusinessKnowledgeModel {
	out := make([]BusinessKnowledgeModel, len(m.bkms))
	for i, b := range m.bkms {
		out[i] = b.BusinessKnowledgeModel
	}
	return out
}

// DecisionByName returns the decision with the given name.
func (m *Model) DecisionByName(name string) (*Decision, bool) {
	d, ok := m.byName[name]
	return d, ok
}
