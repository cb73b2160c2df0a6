package cluster

import (
	"context"
	"strings"

	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/store"
)

// The reads Operate's instance page and c8ctl make besides searches: an
// instance's call hierarchy, its element statistics, the incidents below
// an element instance, and the evaluation of a FEEL expression.

// ProcessInstanceCallHierarchyEntry is one process instance of a call
// hierarchy (GET /process-instances/{key}/call-hierarchy).
type ProcessInstanceCallHierarchyEntry struct {
	ProcessInstanceKey   Key `json:"processInstanceKey"`
	ProcessDefinitionKey Key `json:"processDefinitionKey"`
	// ProcessDefinitionName is the process's name, or its id when it has
	// none.
	ProcessDefinitionName string `json:"processDefinitionName"`
}

// ProcessInstanceElementStatisticsResult lists the counts per element of
// one process instance (GET /process-instances/{key}/statistics/element-instances).
type ProcessInstanceElementStatisticsResult struct {
	Items []ProcessElementStatistics `json:"items"`
}

// ExpressionEvaluationRequest is the body of POST /expression/evaluation.
type ExpressionEvaluationRequest struct {
	Expression string         `json:"expression"`
	TenantID   string         `json:"tenantId,omitempty"`
	Variables  map[string]any `json:"variables,omitempty"`
}

// ExpressionEvaluationResult is the value an expression evaluated to and
// the warnings explaining why parts of it became null.
type ExpressionEvaluationResult struct {
	Expression string                        `json:"expression"`
	Result     any                           `json:"result"`
	Warnings   []ExpressionEvaluationWarning `json:"warnings"`
}

// ExpressionEvaluationWarning is one warning of an evaluation.
type ExpressionEvaluationWarning struct {
	Message string `json:"message"`
}

// maxCallDepth bounds the walk up a call hierarchy (the engine bounds the
// depth of calls far below it; this only guards against a corrupt store).
const maxCallDepth = 10_000

// GetProcessInstanceCallHierarchy lists the process instances from the
// root of the instance's call tree down to the instance itself, as
// Camunda does: empty for a root instance.
func (m *Embedded) GetProcessInstanceCallHierarchy(ctx context.Context, key Key) ([]ProcessInstanceCallHierarchyEntry, error) {
	pi, err := get(ctx, m.store, key, "Process instance", func() *store.ProcessInstance { return new(store.ProcessInstance) })
	if err != nil {
		return nil, err
	}
	out := []ProcessInstanceCallHierarchyEntry{}
	if pi.ParentProcessInstanceKey == 0 {
		return out, nil
	}
	chain := []*store.ProcessInstance{pi}
	for p := pi; p.ParentProcessInstanceKey != 0 && len(chain) < maxCallDepth; {
		parent, found, err := store.Get(ctx, m.store, func() *store.ProcessInstance { return new(store.ProcessInstance) }, p.ParentProcessInstanceKey)
		if err != nil {
			return nil, fromEngine(err)
		}
		if !found { // deleted by history cleanup with its root
			break
		}
		chain = append(chain, parent)
		p = parent
	}
	for i := len(chain) - 1; i >= 0; i-- {
		p := chain[i]
		name := p.ProcessName
		if name == "" {
			name = p.ProcessID
		}
		out = append(out, ProcessInstanceCallHierarchyEntry{ProcessInstanceKey: Key(p.Key),
			ProcessDefinitionKey: Key(p.ProcessDefinitionKey), ProcessDefinitionName: name})
	}
	return out, nil
}

// GetProcessInstanceElementStatistics counts, per element of the instance,
// its element instances that are active, active with an incident (on
// themselves or below them), completed and canceled
// (store.InstanceElementStatistics has the rules).
func (m *Embedded) GetProcessInstanceElementStatistics(ctx context.Context, key Key) (*ProcessInstanceElementStatisticsResult, error) {
	if _, err := get(ctx, m.store, key, "Process instance", func() *store.ProcessInstance { return new(store.ProcessInstance) }); err != nil {
		return nil, err
	}
	stats, err := m.store.InstanceElementStatistics(ctx, int64(key))
	if err != nil {
		return nil, fromEngine(err)
	}
	return &ProcessInstanceElementStatisticsResult{Items: elementStatistics(stats)}, nil
}

// SearchElementInstanceIncidents searches the incidents raised on the
// element instance or anywhere below it, including the process instances
// its call activities started, with the query's filter, sort and page.
func (m *Embedded) SearchElementInstanceIncidents(ctx context.Context, key Key, q *IncidentSearchQuery) (*SearchResult[Incident], error) {
	ei, err := m.elementOrProcess(ctx, key)
	if err != nil {
		return nil, err
	}
	return m.searchIncidentsWhere(ctx, q, store.IncidentsBelow(ei.Key, ei.RootProcessInstanceKey))
}

// EvaluateExpression evaluates an expression as Zeebe reads one in a
// model: "=..." is FEEL, evaluated against the given variables and the
// engine's clock; anything else is a static string. A FEEL expression that
// does not parse or fails (an assertion, a limit) is an invalid argument;
// parts that evaluate to null are reported as warnings.
func (m *Embedded) EvaluateExpression(ctx context.Context, req *ExpressionEvaluationRequest) (*ExpressionEvaluationResult, error) {
	if req == nil || strings.TrimSpace(req.Expression) == "" {
		return nil, Errorf(CodeInvalidArgument, "No expression provided.")
	}
	out := &ExpressionEvaluationResult{Expression: req.Expression, Warnings: []ExpressionEvaluationWarning{}}
	src, isFEEL := strings.CutPrefix(strings.TrimSpace(req.Expression), "=")
	if !isFEEL {
		out.Result = req.Expression
		return out, nil
	}
	x, err := feel.CompileWith(src, feel.Options{Now: m.eng.Now})
	if err != nil {
		return nil, Errorf(CodeInvalidArgument, "Failed to parse expression '%s': %v", req.Expression, err)
	}
	v, warns, err := x.EvaluateDetailed(ctx, feel.MapVariables(req.Variables))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		// An assertion that failed or an exceeded execution limit.
		return nil, Errorf(CodeInvalidArgument, "Failed to evaluate expression '%s': %v", req.Expression, err)
	}
	out.Result = feel.ToJSON(v)
	for _, w := range warns {
		out.Warnings = append(out.Warnings, ExpressionEvaluationWarning{Message: w.Message})
	}
	return out, nil
}

// GetProcessInstanceCallHierarchy asks the cluster for the call hierarchy
// of a process instance (Camunda 8.8 and later).
func (r *Remote) GetProcessInstanceCallHierarchy(ctx context.Context, key Key) ([]ProcessInstanceCallHierarchyEntry, error) {
	out, err := remoteGet[[]ProcessInstanceCallHierarchyEntry](ctx, r, "/process-instances/"+key.String()+"/call-hierarchy")
	if err != nil {
		return nil, err
	}
	return *out, nil
}

// GetProcessInstanceElementStatistics asks the cluster for the counts per
// element of a process instance.
func (r *Remote) GetProcessInstanceElementStatistics(ctx context.Context, key Key) (*ProcessInstanceElementStatisticsResult, error) {
	return remoteGet[ProcessInstanceElementStatisticsResult](ctx, r, "/process-instances/"+key.String()+"/statistics/element-instances")
}

// SearchElementInstanceIncidents asks the cluster for the incidents below
// an element instance.
func (r *Remote) SearchElementInstanceIncidents(ctx context.Context, key Key, q *IncidentSearchQuery) (*SearchResult[Incident], error) {
	return remotePost[SearchResult[Incident]](ctx, r, "/element-instances/"+key.String()+"/incidents/search", q)
}

// EvaluateExpression asks the cluster to evaluate an expression (Camunda
// 8.9 and later).
func (r *Remote) EvaluateExpression(ctx context.Context, req *ExpressionEvaluationRequest) (*ExpressionEvaluationResult, error) {
	return remotePost[ExpressionEvaluationResult](ctx, r, "/expression/evaluation", req)
}
