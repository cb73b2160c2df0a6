package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/dmn"
	"github.com/orcabpm/orca/internal/feel"
	"github.com/orcabpm/orca/internal/store"
)

// DeployedDecisionRequirements is one decision requirements graph (a .dmn
// resource) of a deployment.
type DeployedDecisionRequirements struct {
	DecisionRequirementsKey int64
	DecisionRequirementsID  string
	Name                    string
	Version                 int32
	ResourceName            string
	TenantID                string
}

// DeployedDecision is one decision of a deployment.
type DeployedDecision struct {
	DecisionKey             int64
	DecisionID              string
	Name                    string
	Version                 int32
	DecisionRequirementsID  string
	DecisionRequirementsKey int64
	TenantID                string
}

// isDMN reports whether a resource name is a DMN model.
func isDMN(name string) bool { return strings.EqualFold(path.Ext(name), ".dmn") }

// parsedDRG is a validated .dmn resource of a deployment.
type parsedDRG struct {
	Resource
	checksum string
	model    *dmn.Model
	reqs     dmn.DecisionRequirements
}

// parseDRG parses and validates a DMN model; every problem is named.
func (e *Engine) parseDRG(r Resource) (parsedDRG, []string) {
	m, err := dmn.ParseWith(r.Content, dmn.Options{Now: e.Now})
	if err != nil {
		var ve *dmn.ValidationError
		if errors.As(err, &ve) {
			out := make([]string, len(ve.Problems))
			for i, p := range ve.Problems {
				out[i] = fmt.Sprintf("'%s': %s", r.Name, p)
			}
			return parsedDRG{}, out
		}
		return parsedDRG{}, []string{fmt.Sprintf("'%s': %v", r.Name, err)}
	}
	reqs := m.Requirements()
	var problems []string
	if reqs.ID == "" {
		problems = append(problems, fmt.Sprintf("'%s': Expected the decision requirements graph (the definitions element) to have an id, but it has none", r.Name))
	}
	if len(reqs.Decisions) == 0 {
		problems = append(problems, fmt.Sprintf("'%s': Expected at least one decision in the DMN model, but found none", r.Name))
	}
	sum := sha256.Sum256(r.Content)
	return parsedDRG{Resource: r, checksum: hex.EncodeToString(sum[:]), model: m, reqs: reqs}, problems
}

// checkDRGs finds what makes DMN resources of one deployment conflict.
func checkDRGs(drgs []parsedDRG) []string {
	var problems []string
	drgIDs := map[string]string{}
	decIDs := map[string]string{}
	for _, d := range drgs {
		if other, dup := drgIDs[d.reqs.ID]; dup {
			problems = append(problems, fmt.Sprintf("Expected the decision requirements ids to be unique within a deployment but found a duplicated id '%s' in the resources '%s' and '%s'.", d.reqs.ID, other, d.Name))
		}
		drgIDs[d.reqs.ID] = d.Name
		for _, dec := range d.reqs.Decisions {
			if other, dup := decIDs[dec.ID]; dup {
				problems = append(problems, fmt.Sprintf("Expected the decision ids to be unique within a deployment but found a duplicated id '%s' in the resources '%s' and '%s'.", dec.ID, other, d.Name))
			}
			decIDs[dec.ID] = d.Name
		}
	}
	return problems
}

// decisionState holds the deployed decisions and their graphs.
type decisionState struct {
	drgs      map[string][]*store.DecisionRequirements // tenant\x00id -> versions, oldest first
	decisions map[string][]*store.DecisionDefinition   // tenant\x00id -> versions, oldest first
	drgByKey  map[int64]*store.DecisionRequirements
	byKey     map[int64]*store.DecisionDefinition
	byDRG     map[int64][]*store.DecisionDefinition
	models    *modelCache // parsed graphs by requirements key, filled on use
}

func newDecisionState() *decisionState {
	return &decisionState{drgs: map[string][]*store.DecisionRequirements{}, decisions: map[string][]*store.DecisionDefinition{},
		drgByKey: map[int64]*store.DecisionRequirements{}, byKey: map[int64]*store.DecisionDefinition{},
		byDRG: map[int64][]*store.DecisionDefinition{}, models: &modelCache{m: map[int64]*dmn.Model{}}}
}

func (ds *decisionState) addDRG(r *store.DecisionRequirements) {
	k := latestKey(r.TenantID, r.DecisionRequirementsID)
	ds.drgs[k] = append(ds.drgs[k], r)
	ds.drgByKey[r.Key] = r
}

func (ds *decisionState) addDecision(d *store.DecisionDefinition) {
	k := latestKey(d.TenantID, d.DecisionID)
	ds.decisions[k] = append(ds.decisions[k], d)
	ds.byKey[d.Key] = d
	ds.byDRG[d.DecisionRequirementsKey] = append(ds.byDRG[d.DecisionRequirementsKey], d)
}

func (ds *decisionState) latestDecision(tenant, id string) *store.DecisionDefinition {
	vs := ds.decisions[latestKey(tenant, id)]
	if len(vs) == 0 {
		return nil
	}
	return vs[len(vs)-1]
}

// loadDecisions restores the deployed decisions; their models are parsed
// when first evaluated.
func (st *state) loadDecisions(ctx context.Context, s *store.Store) error {
	st.dmn = newDecisionState()
	drgs, err := store.LoadAll(ctx, s, func() *store.DecisionRequirements { return new(store.DecisionRequirements) }, "1 ORDER BY version")
	if err != nil {
		return err
	}
	for _, r := range drgs {
		st.dmn.addDRG(r)
	}
	decs, err := store.LoadAll(ctx, s, func() *store.DecisionDefinition { return new(store.DecisionDefinition) }, "1 ORDER BY version")
	if err != nil {
		return err
	}
	for _, d := range decs {
		st.dmn.addDecision(d)
	}
	return nil
}

// deployDRG records a decision requirements graph and its decisions. An
// unchanged graph (same checksum and resource name as its latest version)
// keeps its version and its decisions theirs, as in Zeebe; the deployment
// is remembered for bindingType "deployment".
func (w *writer) deployDRG(deploymentKey int64, tenant string, pd parsedDRG) (DeployedDecisionRequirements, []DeployedDecision) {
	ds := w.st.dmn
	vs := ds.drgs[latestKey(tenant, pd.reqs.ID)]
	version := int32(1)
	if len(vs) > 0 {
		latest := vs[len(vs)-1]
		if latest.Checksum == pd.checksum && latest.ResourceName == pd.Name {
			if !slices.Contains(latest.DeploymentKeys, deploymentKey) {
				latest.DeploymentKeys = append(latest.DeploymentKeys, deploymentKey)
				w.st.touch(latest)
			}
			var decs []DeployedDecision
			for _, d := range ds.byDRG[latest.Key] {
				if !slices.Contains(d.DeploymentKeys, deploymentKey) {
					d.DeploymentKeys = append(d.DeploymentKeys, deploymentKey)
					w.st.touch(d)
				}
				decs = append(decs, deployedDecision(d))
			}
			return deployedDRG(latest), decs
		}
		version = latest.Version + 1
	}
	res := &store.Resource{Key: w.st.newKey(), DeploymentKey: deploymentKey, Name: pd.Name, Checksum: pd.checksum,
		Content: pd.Content, TenantID: tenant, DeployTime: w.now}
	w.st.touch(res)
	drg := &store.DecisionRequirements{Key: w.st.newKey(), DecisionRequirementsID: pd.reqs.ID, Name: pd.reqs.Name,
		Version: version, ResourceKey: res.Key, ResourceName: pd.Name, DeploymentKey: deploymentKey,
		DeploymentKeys: []int64{deploymentKey}, Checksum: pd.checksum, TenantID: tenant, DeployTime: w.now}
	ds.addDRG(drg)
	ds.models.put(drg.Key, pd.model)
	w.st.touch(drg)
	var decs []DeployedDecision
	for _, dec := range pd.reqs.Decisions {
		v := int32(1)
		if latest := ds.latestDecision(tenant, dec.ID); latest != nil {
			v = latest.Version + 1
		}
		d := &store.DecisionDefinition{Key: w.st.newKey(), DecisionID: dec.ID, Name: dec.Name, Version: v,
			VersionTag: dec.VersionTag, DecisionRequirementsKey: drg.Key, DecisionRequirementsID: drg.DecisionRequirementsID,
			DecisionRequirementsName: drg.Name, DecisionRequirementsVersion: drg.Version, DeploymentKey: deploymentKey,
			DeploymentKeys: []int64{deploymentKey}, TenantID: tenant, DeployTime: w.now}
		ds.addDecision(d)
		w.st.touch(d)
		decs = append(decs, deployedDecision(d))
	}
	return deployedDRG(drg), decs
}

func deployedDRG(r *store.DecisionRequirements) DeployedDecisionRequirements {
	return DeployedDecisionRequirements{DecisionRequirementsKey: r.Key, DecisionRequirementsID: r.DecisionRequirementsID,
		Name: r.Name, Version: r.Version, ResourceName: r.ResourceName, TenantID: r.TenantID}
}

func deployedDecision(d *store.DecisionDefinition) DeployedDecision {
	return DeployedDecision{DecisionKey: d.Key, DecisionID: d.DecisionID, Name: d.Name, Version: d.Version,
		DecisionRequirementsID: d.DecisionRequirementsID, DecisionRequirementsKey: d.DecisionRequirementsKey, TenantID: d.TenantID}
}

// modelCache holds parsed decision requirements graphs by key. Models are
// immutable; the cache is shared with evaluations running outside the
// writer, so a model parsed after a restart costs the writer nothing.
type modelCache struct {
	mu sync.Mutex
	m  map[int64]*dmn.Model
}

func (c *modelCache) get(key int64) *dmn.Model {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.m[key]
}

func (c *modelCache) put(key int64, m *dmn.Model) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[key] = m
}

// modelSource says where a decision's graph is: its key and the resource
// holding its XML.
type modelSource struct {
	cache       *modelCache
	drgKey      int64
	resourceKey int64
	drgID       string
}

// source finds the graph of a decision.
func (ds *decisionState) source(d *store.DecisionDefinition) (modelSource, error) {
	drg := ds.drgByKey[d.DecisionRequirementsKey]
	if drg == nil {
		return modelSource{}, fmt.Errorf("no drg found for id '%s'", d.DecisionRequirementsID)
	}
	return modelSource{cache: ds.models, drgKey: drg.Key, resourceKey: drg.ResourceKey, drgID: drg.DecisionRequirementsID}, nil
}

// load returns the parsed graph, parsing its resource the first time it is
// used after a restart.
func (src modelSource) load(ctx context.Context, e *Engine) (*dmn.Model, error) {
	if m := src.cache.get(src.drgKey); m != nil {
		return m, nil
	}
	r, ok, err := store.Get(ctx, e.store, func() *store.Resource { return new(store.Resource) }, src.resourceKey)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("no drg found for id '%s'", src.drgID)
	}
	m, err := dmn.ParseWith(r.Content, dmn.Options{Now: e.Now})
	if err != nil {
		return nil, fmt.Errorf("the deployed decision requirements graph '%s' does not parse: %w", src.drgID, err)
	}
	src.cache.put(src.drgKey, m)
	return m, nil
}

// model returns the parsed graph of a decision.
func (w *writer) model(ctx context.Context, d *store.DecisionDefinition) (*dmn.Model, error) {
	src, err := w.st.dmn.source(d)
	if err != nil {
		return nil, err
	}
	return src.load(ctx, w.e)
}

// DecisionOrigin says what asked for an evaluation: a business rule task's
// element instance, or nobody (the REST API).
type DecisionOrigin struct {
	ProcessDefinitionKey   int64
	ProcessInstanceKey     int64
	RootProcessInstanceKey int64
	ElementInstanceKey     int64
}

// DecisionEvaluation is a recorded evaluation: the decision asked for, its
// result, and every decision evaluated (its required decisions first).
type DecisionEvaluation struct {
	EvaluationKey int64
	Decision      *store.DecisionDefinition
	Output        string // the result as JSON ("null" after a failure)
	Value         any    // the result as JSON-shaped Go values
	Instances     []*store.DecisionInstance
	// FailedDecisionID and FailureMessage are set when the evaluation
	// failed, as Zeebe reports it.
	FailedDecisionID string
	FailureMessage   string
}

// decisionRun is an evaluation done and not yet recorded.
type decisionRun struct {
	evaluated []dmn.DecisionResult
	output    string // JSON
	value     any
	failedID  string
	failure   string
}

// runDecision evaluates a decision of a model; it needs no engine state, so
// the REST API's evaluations run outside the writer.
func runDecision(ctx context.Context, m *dmn.Model, decisionID string, vars feel.Variables) (decisionRun, error) {
	run := decisionRun{output: "null"}
	res, err := m.EvaluateVars(ctx, decisionID, vars)
	if err != nil {
		var ee *dmn.EvaluationError
		if !errors.As(err, &ee) {
			return run, err
		}
		run.evaluated = ee.Decisions
		run.failedID = ee.DecisionID
		run.failure = fmt.Sprintf("Expected to evaluate decision '%s', but %v", decisionID, ee.Err)
		return run, nil
	}
	run.evaluated = res.Decisions
	run.output = dmn.JSON(res.Value)
	run.value = res.Output()
	return run, nil
}

// evaluateDecision evaluates a deployed decision against variables and
// records one decision instance per evaluated decision.
func (w *writer) evaluateDecision(ctx context.Context, d *store.DecisionDefinition, vars feel.Variables, origin DecisionOrigin) (*DecisionEvaluation, error) {
	m, err := w.model(ctx, d)
	if err != nil {
		return nil, fmt.Errorf("Expected to evaluate decision '%s', but %w", d.DecisionID, err)
	}
	run, err := runDecision(ctx, m, d.DecisionID, vars)
	if err != nil {
		return nil, err
	}
	return w.recordEvaluation(d, m, run, origin), nil
}

// recordEvaluation stores an evaluation as decision instances: the
// decisions evaluated in order, then the one that failed.
func (w *writer) recordEvaluation(d *store.DecisionDefinition, m *dmn.Model, run decisionRun, origin DecisionOrigin) *DecisionEvaluation {
	ev := &DecisionEvaluation{EvaluationKey: w.st.newKey(), Decision: d, Output: run.output, Value: run.value,
		FailedDecisionID: run.failedID, FailureMessage: run.failure}
	keys := map[string]*store.DecisionDefinition{}
	for _, x := range w.st.dmn.byDRG[d.DecisionRequirementsKey] {
		keys[x.DecisionID] = x
	}
	add := func(dr dmn.DecisionResult, failure string) {
		e := dr.Evaluated()
		in := &store.DecisionInstance{Key: w.st.newKey(), EvaluationKey: ev.EvaluationKey, Index: int32(len(ev.Instances) + 1),
			State: store.DecisionEvaluated, EvaluationDate: w.now, EvaluationFailure: failure, DecisionID: e.DecisionID,
			DecisionName: e.DecisionName, DecisionType: e.DecisionType, DecisionRequirementsKey: d.DecisionRequirementsKey,
			RootDecisionDefinitionKey: d.Key, ProcessDefinitionKey: origin.ProcessDefinitionKey,
			ProcessInstanceKey: origin.ProcessInstanceKey, RootProcessInstanceKey: origin.RootProcessInstanceKey,
			ElementInstanceKey: origin.ElementInstanceKey, Result: e.Output, TenantID: d.TenantID,
			EvaluatedInputs: []store.DecisionInput{}, MatchedRules: []store.DecisionRule{}}
		if failure != "" {
			in.State = store.DecisionFailed
		}
		in.InstanceKey = fmt.Sprintf("%d-%d", ev.EvaluationKey, in.Index)
		if def := keys[e.DecisionID]; def != nil {
			in.DecisionDefinitionKey, in.DecisionVersion = def.Key, def.Version
		} else {
			in.DecisionDefinitionKey, in.DecisionVersion = -1, -1
		}
		for _, x := range e.EvaluatedInputs {
			in.EvaluatedInputs = append(in.EvaluatedInputs, store.DecisionInput{ID: x.InputID, Name: x.InputName, Value: x.InputValue})
		}
		for _, r := range e.MatchedRules {
			rule := store.DecisionRule{ID: r.RuleID, Index: r.RuleIndex, Outputs: []store.DecisionOutput{}}
			for _, o := range r.EvaluatedOutputs {
				rule.Outputs = append(rule.Outputs, store.DecisionOutput{ID: o.OutputID, Name: o.OutputName, Value: o.OutputValue})
			}
			in.MatchedRules = append(in.MatchedRules, rule)
		}
		w.st.touch(in)
		ev.Instances = append(ev.Instances, in)
	}
	for _, dr := range run.evaluated {
		add(dr, "")
	}
	if run.failedID != "" {
		failed := dmn.DecisionResult{DecisionID: run.failedID, Value: feel.Null{}}
		if fd, ok := m.Decision(run.failedID); ok {
			failed.DecisionName, failed.DecisionType = fd.Name, fd.Type
		}
		add(failed, run.failure)
	}
	return ev
}

// DecisionRef names the decision to evaluate: by key, else the latest
// version of an id.
type DecisionRef struct {
	Key int64
	ID  string
}

// EvaluateDecision evaluates a deployed decision with variables, as
// Camunda's POST /v2/decision-definitions/evaluation: a failed evaluation
// is a result (FailureMessage set) and is recorded, an unknown decision an
// error. The evaluation itself runs outside the engine's writer, so a
// costly decision (up to FEEL's budgets) holds up no other command; the
// writer only resolves the decision and records the outcome. An audit
// entry riding ctx (WithAuditRide) is written by the command that records
// the evaluation, or by the lookup if it fails (passRide): an evaluation
// that ends between them (the caller gone, the model not loading) has no command
// to carry it, and Settle says so.
func (e *Engine) EvaluateDecision(ctx context.Context, tenantID string, ref DecisionRef, variables map[string]any) (*DecisionEvaluation, error) {
	if tenantID == "" {
		tenantID = DefaultTenant
	}
	type target struct {
		d   *store.DecisionDefinition
		src modelSource
	}
	t, err := do(passRide(ctx), e, func(w *writer) (target, error) {
		ds := w.st.dmn
		var d *store.DecisionDefinition
		switch {
		case ref.ID != "":
			if d = ds.latestDecision(tenantID, ref.ID); d == nil {
				return target{}, errorf(CodeNotFound, "Expected to evaluate decision '%s', but no decision found for id '%s'", ref.ID, ref.ID)
			}
		case ref.Key > 0:
			if d = ds.byKey[ref.Key]; d == nil || d.TenantID != tenantID {
				return target{}, errorf(CodeNotFound, "Expected to evaluate decision '%d', but no decision found for key '%d'", ref.Key, ref.Key)
			}
		default:
			return target{}, errorf(CodeInvalidArgument, "Expected either a decision id or a valid decision key, but none provided")
		}
		src, err := ds.source(d)
		if err != nil {
			return target{}, errorf(CodeNotFound, "Expected to evaluate decision '%s', but %v", d.DecisionID, err)
		}
		dd := *d // the writer may add deployment keys to d meanwhile
		return target{d: &dd, src: src}, nil
	})
	if err != nil {
		return nil, err
	}
	m, err := t.src.load(ctx, e)
	if err != nil {
		return nil, err
	}
	run, err := runDecision(ctx, m, t.d.DecisionID, feel.MapVariables(variables))
	if err == nil {
		err = ctx.Err() // a caller that left gets no recorded failure
	}
	if err != nil {
		return nil, err
	}
	return do(ctx, e, func(w *writer) (*DecisionEvaluation, error) {
		return w.recordEvaluation(t.d, m, run, DecisionOrigin{}), nil
	})
}

// Zeebe's incident types of business rule tasks: the decision cannot be
// found, or its evaluation failed.
const (
	incCalledDecision     = "CALLED_DECISION_ERROR"
	incDecisionEvaluation = "DECISION_EVALUATION_ERROR"
)

// callDecision evaluates the decision a business rule task calls against
// the variables it sees, records the evaluation and completes the task with
// the result in its resultVariable; a decision that cannot be found or
// fails is an incident, and resolving it evaluates again.
func (w *writer) callDecision(in *inst) {
	cd := in.el.CalledDecision
	view := scopeView{st: w.st, scope: in}
	id, err := w.evalString(cd.DecisionID, view, false)
	if err != nil {
		w.raise(in, incExtractValue, err.Error(), 0)
		return
	}
	d, msg := w.calledDecision(in, id, cd, view)
	if d == nil {
		w.raise(in, incCalledDecision, msg, 0)
		return
	}
	root := in.root()
	ev, err := w.evaluateDecision(context.Background(), d, view, DecisionOrigin{ProcessDefinitionKey: in.def.rec.Key,
		ProcessInstanceKey: root.key(), RootProcessInstanceKey: root.rec.RootProcessInstanceKey, ElementInstanceKey: in.key()})
	if err != nil {
		w.raise(in, incCalledDecision, err.Error(), 0)
		return
	}
	if ev.FailedDecisionID != "" {
		w.raise(in, incDecisionEvaluation, ev.FailureMessage, 0)
		return
	}
	w.activated(in)
	w.completeWithVariables(in, map[string]json.RawMessage{cd.ResultVariable: json.RawMessage(ev.Output)})
}

// calledDecision finds the decision by the task's binding type, or says
// why not as Zeebe does.
func (w *writer) calledDecision(in *inst, id string, cd *bpmn.CalledDecision, view scopeView) (*store.DecisionDefinition, string) {
	tenant := in.rec.TenantID
	vs := w.st.dmn.decisions[latestKey(tenant, id)]
	switch cd.BindingType {
	case bpmn.BindingDeployment:
		dk := in.def.rec.DeploymentKey
		for i := len(vs) - 1; i >= 0; i-- {
			if slices.Contains(vs[i].DeploymentKeys, dk) {
				return vs[i], ""
			}
		}
		return nil, fmt.Sprintf("Expected to evaluate decision '%s' with binding type 'deployment', "+
			"but no such decision found in the deployment with key %d which contained the current process. "+
			"To resolve this incident, migrate the process instance to a process definition "+
			"that is deployed together with the intended decision to evaluate.", id, dk)
	case bpmn.BindingVersionTag:
		tag, err := w.evalString(cd.VersionTag, view, false)
		if err != nil {
			return nil, err.Error()
		}
		for i := len(vs) - 1; i >= 0; i-- {
			if vs[i].VersionTag == tag {
				return vs[i], ""
			}
		}
		return nil, fmt.Sprintf("Expected to evaluate decision with id '%s' and version tag '%s', but no such decision found. "+
			"To resolve this incident, deploy a decision with the given id and version tag.", id, tag)
	default:
		if len(vs) > 0 {
			return vs[len(vs)-1], ""
		}
		return nil, fmt.Sprintf("Expected to evaluate decision '%s', but no decision found for id '%s'", id, id)
	}
}
