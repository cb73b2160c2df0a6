package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// Embedded is the API served by the engine in this process: commands go to
// the engine, searches and gets read its store.
type Embedded struct {
	eng   *engine.Engine
	store *store.Store
	opts  EmbeddedOptions
	// models caches parsed process models by definition key (forms.go).
	models sync.Map
	// deployed are told after each deployment (watch.go).
	deployed deployWatchers
}

// EmbeddedOptions describe the node for the topology.
type EmbeddedOptions struct {
	Host string // the host clients reach the node at (default "localhost")
	Port int32  // the port of the REST API (default 8080)
}

var _ API = (*Embedded)(nil)

// NewEmbedded serves the API with an open engine.
func NewEmbedded(e *engine.Engine, opts EmbeddedOptions) *Embedded {
	if opts.Host == "" {
		opts.Host = "localhost"
	}
	if opts.Port == 0 {
		opts.Port = 8080
	}
	return &Embedded{eng: e, store: e.Store(), opts: opts}
}

// fromEngine converts the engine's rejections to API errors.
func fromEngine(err error) error {
	if err == nil {
		return nil
	}
	var ee *engine.Error
	if errors.As(err, &ee) {
		return &Error{Code: Code(ee.Code), Detail: ee.Message}
	}
	var bq *store.ErrBadQuery
	if errors.As(err, &bq) {
		return &Error{Code: CodeInvalidArgument, Detail: bq.Msg}
	}
	return err
}

func notFound(what string, key Key) error {
	return Errorf(CodeNotFound, "%s with key '%d' not found", what, key)
}

// Cluster

// Topology is one broker with one partition, unhealthy while the storage
// fails (commits are being retried, or the engine gave up on them).
func (m *Embedded) Topology(context.Context) (*Topology, error) {
	id := "orca"
	health := "healthy"
	if !m.eng.Storage().Healthy {
		health = "unhealthy"
	}
	return &Topology{
		Brokers: []BrokerInfo{{NodeID: 0, Host: m.opts.Host, Port: m.opts.Port, Version: Version,
			Partitions: []Partition{{PartitionID: 1, Role: "leader", Health: health}}}},
		ClusterID: &id, ClusterSize: 1, PartitionsCount: 1, ReplicationFactor: 1,
		GatewayVersion: Version, LastCompletedChangeID: "-1",
	}, nil
}

func (m *Embedded) PinClock(ctx context.Context, req *ClockPinRequest) error {
	if req == nil || req.Timestamp == nil {
		return Errorf(CodeInvalidArgument, "No timestamp provided.")
	}
	if *req.Timestamp < 0 {
		return Errorf(CodeInvalidArgument, "The value for timestamp is '%d' but must be not negative.", *req.Timestamp)
	}
	return fromEngine(m.eng.PinClock(ctx, time.UnixMilli(*req.Timestamp)))
}

func (m *Embedded) ResetClock(ctx context.Context) error { return fromEngine(m.eng.ResetClock(ctx)) }

// Deployments and process definitions

func (m *Embedded) CreateDeployment(ctx context.Context, req *DeploymentRequest) (*DeploymentResult, error) {
	rs := make([]engine.Resource, len(req.Resources))
	for i, r := range req.Resources {
		rs[i] = engine.Resource{Name: r.Name, Content: r.Content}
	}
	res, err := m.eng.Deploy(ctx, req.TenantID, rs)
	if err != nil {
		return nil, fromEngine(err)
	}
	out := &DeploymentResult{DeploymentKey: Key(res.DeploymentKey), TenantID: res.TenantID, Deployments: []DeploymentMetadata{}}
	for _, p := range res.Processes {
		out.Deployments = append(out.Deployments, DeploymentMetadata{ProcessDefinition: &DeploymentProcess{
			ProcessDefinitionID: p.ProcessID, ProcessDefinitionVersion: p.Version, ResourceName: p.ResourceName,
			TenantID: p.TenantID, ProcessDefinitionKey: Key(p.ProcessDefinitionKey)}})
	}
	for _, d := range res.Decisions {
		out.Deployments = append(out.Deployments, DeploymentMetadata{DecisionDefinition: &DeploymentDecision{
			DecisionDefinitionID: d.DecisionID, Version: d.Version, Name: d.Name, TenantID: d.TenantID,
			DecisionRequirementsID: d.DecisionRequirementsID, DecisionDefinitionKey: Key(d.DecisionKey),
			DecisionRequirementsKey: Key(d.DecisionRequirementsKey)}})
	}
	for _, d := range res.DecisionRequirements {
		out.Deployments = append(out.Deployments, DeploymentMetadata{DecisionRequirements: &DeploymentDecisionRequirements{
			DecisionRequirementsID: d.DecisionRequirementsID, DecisionRequirementsName: d.Name, Version: d.Version,
			ResourceName: d.ResourceName, TenantID: d.TenantID, DecisionRequirementsKey: Key(d.DecisionRequirementsKey)}})
	}
	for _, f := range res.Forms {
		out.Deployments = append(out.Deployments, DeploymentMetadata{Form: &DeploymentForm{FormID: f.FormID,
			Version: f.Version, ResourceName: f.ResourceName, TenantID: f.TenantID, FormKey: Key(f.FormKey)}})
	}
	m.deployed.notify()
	return out, nil
}

func (m *Embedded) SearchProcessDefinitions(ctx context.Context, q *ProcessDefinitionSearchQuery) (*SearchResult[ProcessDefinition], error) {
	res, err := search(ctx, m.store, processDefinitionSpec(), q, func() *store.ProcessDefinition { return new(store.ProcessDefinition) }, processDefinition)
	if err == nil {
		for i := range res.Items {
			res.Items[i].HasStartForm = m.hasStartForm(ctx, res.Items[i].ProcessDefinitionKey)
		}
	}
	return res, err
}

func (m *Embedded) GetProcessDefinition(ctx context.Context, key Key) (*ProcessDefinition, error) {
	r, err := get(ctx, m.store, key, "Process definition", func() *store.ProcessDefinition { return new(store.ProcessDefinition) })
	if err != nil {
		return nil, err
	}
	pd := processDefinition(r)
	pd.HasStartForm = m.hasStartForm(ctx, key)
	return &pd, nil
}

func (m *Embedded) GetProcessDefinitionXML(ctx context.Context, key Key) ([]byte, error) {
	pd, err := get(ctx, m.store, key, "Process definition", func() *store.ProcessDefinition { return new(store.ProcessDefinition) })
	if err != nil {
		return nil, err
	}
	r, err := get(ctx, m.store, Key(pd.ResourceKey), "Resource", func() *store.Resource { return new(store.Resource) })
	if err != nil {
		return nil, err
	}
	return r.Content, nil
}

// Process instances

// validTag reports whether t is a tag as Camunda accepts it: a letter, then
// up to 99 letters, digits, '_', '-', ':' or '.' (the pattern
// ^[A-Za-z][A-Za-z0-9_\-:.]{0,99}$, checked by hand: compiled, that
// pattern's 99 repetitions cost 43 KB of memory for as long as Orca runs).
func validTag(t string) bool {
	if len(t) == 0 || len(t) > 100 || !isASCIILetter(t[0]) {
		return false
	}
	for i := 1; i < len(t); i++ {
		c := t[i]
		if !isASCIILetter(c) && (c < '0' || c > '9') && c != '_' && c != '-' && c != ':' && c != '.' {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func checkTags(tags []string) error {
	if len(tags) > 10 {
		return Errorf(CodeInvalidArgument, "Expected at most 10 tags, but got %d.", len(tags))
	}
	for _, t := range tags {
		if !validTag(t) {
			return Errorf(CodeInvalidArgument, "The tag '%s' is not valid: a tag starts with a letter, followed by letters, digits, '_', '-', ':' or '.', at most 100 characters.", t)
		}
	}
	return nil
}

func (m *Embedded) CreateProcessInstance(ctx context.Context, req *ProcessInstanceCreationInstruction) (*CreateProcessInstanceResult, error) {
	if req.ProcessDefinitionKey == nil && req.ProcessDefinitionID == "" {
		return nil, Errorf(CodeInvalidArgument, "At least one of [processDefinitionId, processDefinitionKey] is required.")
	}
	if req.ProcessDefinitionKey != nil && req.ProcessDefinitionID != "" {
		return nil, Errorf(CodeInvalidArgument, "Only one of [processDefinitionId, processDefinitionKey] is allowed.")
	}
	if len(req.RuntimeInstructions) > 0 {
		return nil, Errorf(CodeInvalidArgument, "runtimeInstructions are not supported yet.")
	}
	if req.RequestTimeout < 0 {
		return nil, Errorf(CodeInvalidArgument, "The value for requestTimeout is '%d' but must be 0 or more.", req.RequestTimeout)
	}
	if err := checkTags(req.Tags); err != nil {
		return nil, err
	}
	er := engine.CreateInstanceRequest{
		ProcessID: req.ProcessDefinitionID, TenantID: req.TenantID, Variables: req.Variables,
		AwaitCompletion: req.AwaitCompletion, FetchVariables: req.FetchVariables,
		RequestTimeout: time.Duration(req.RequestTimeout) * time.Millisecond, Tags: req.Tags, BusinessID: req.BusinessID,
	}
	for _, si := range req.StartInstructions {
		if si.ElementID == "" {
			return nil, Errorf(CodeInvalidArgument, "No elementId provided in startInstructions.")
		}
		er.StartAt = append(er.StartAt, si.ElementID)
	}
	if req.ProcessDefinitionKey != nil {
		er.ProcessDefinitionKey = int64(*req.ProcessDefinitionKey)
	}
	if v := req.ProcessDefinitionVersion; v != nil && *v < -1 {
		return nil, Errorf(CodeInvalidArgument, "The value for processDefinitionVersion is '%d' but must be a version (1 or more), or -1 for the latest.", *v)
	}
	if req.ProcessDefinitionVersion != nil && *req.ProcessDefinitionVersion > 0 {
		er.Version = *req.ProcessDefinitionVersion
	}
	res, err := m.eng.CreateProcessInstance(ctx, er)
	if err != nil {
		return nil, fromEngine(err)
	}
	out := &CreateProcessInstanceResult{
		ProcessDefinitionID: res.ProcessID, ProcessDefinitionVersion: res.Version, TenantID: res.TenantID,
		Variables: res.Variables, ProcessDefinitionKey: Key(res.ProcessDefinitionKey),
		ProcessInstanceKey: Key(res.ProcessInstanceKey), Tags: nonNil(res.Tags), BusinessID: optString(res.BusinessID),
	}
	if out.Variables == nil {
		out.Variables = map[string]json.RawMessage{}
	}
	return out, nil
}

func (m *Embedded) processInstanceSpec(ctx context.Context) *searchSpec {
	f := processInstanceFilter()
	f["incidentErrorHashCode"] = column{build: func(v any) ([]store.Cond, error) {
		return m.errorHashFilter(ctx, v.(*IntFilter))
	}}
	return &searchSpec{table: "process_instances", filter: f, sort: processInstanceSort}
}

func (m *Embedded) SearchProcessInstances(ctx context.Context, q *ProcessInstanceSearchQuery) (*SearchResult[ProcessInstance], error) {
	if q == nil {
		q = &ProcessInstanceSearchQuery{}
	}
	spec := m.processInstanceSpec(ctx)
	sq, err := spec.query(nil, q.Sort, q.Page)
	if err != nil {
		return nil, err
	}
	if f := q.Filter; f != nil {
		cs, err := processInstanceConds(spec, &f.ProcessInstanceFilterFields)
		if err != nil {
			return nil, err
		}
		sq.Where = append(sq.Where, cs...)
		if f.Or != nil {
			groups := make([][]store.Cond, len(f.Or))
			for i := range f.Or {
				if groups[i], err = processInstanceConds(spec, &f.Or[i]); err != nil {
					return nil, err
				}
			}
			sq.Where = append(sq.Where, store.Or(groups...))
		}
	}
	return runQuery(ctx, m.store, sq, func() *store.ProcessInstance { return new(store.ProcessInstance) }, processInstance)
}

func processInstanceConds(spec *searchSpec, f *ProcessInstanceFilterFields) ([]store.Cond, error) {
	cs, err := spec.where(f)
	if err != nil {
		return nil, err
	}
	ec, err := elementConds(f)
	return append(cs, ec...), err
}

// errorHashFilter selects process instances with an incident whose error
// message has a Java String.hashCode matching f, as Camunda's
// incidentErrorHashCode filter does.
func (m *Embedded) errorHashFilter(ctx context.Context, f *IntFilter) ([]store.Cond, error) {
	incs, err := store.Select(ctx, m.store, func() *store.Incident { return new(store.Incident) }, "")
	if err != nil {
		return nil, err
	}
	var msgs []any
	seen := map[string]bool{}
	for _, inc := range incs {
		if !seen[inc.ErrorMessage] && matchInt(f, int64(javaHash(inc.ErrorMessage))) {
			msgs = append(msgs, inc.ErrorMessage)
		}
		seen[inc.ErrorMessage] = true
	}
	in, err := store.ExprCond("incidents.error_message", store.Cond{Op: store.OpIn, Values: msgs})
	if err != nil {
		return nil, err
	}
	return []store.Cond{subquery("process_instances.key", "incidents", "process_instance_key", "1", []store.Cond{in})}, nil
}

// javaHash is Java's String.hashCode over UTF-16 code units.
func javaHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + int32(0xD800+(r>>10))
			h = 31*h + int32(0xDC00+(r&0x3FF))
			continue
		}
		h = 31*h + int32(r)
	}
	return h
}

// matchInt evaluates an integer filter in Go.
func matchInt(f *IntFilter, v int64) bool {
	for _, c := range f.conditions() {
		x, _ := c.value.(int64)
		ok := true
		switch c.op {
		case store.OpEq:
			ok = v == x
		case store.OpNeq:
			ok = v != x
		case store.OpGt:
			ok = v > x
		case store.OpGte:
			ok = v >= x
		case store.OpLt:
			ok = v < x
		case store.OpLte:
			ok = v <= x
		case store.OpExists:
			ok = c.value == true
		case store.OpIn:
			ok = slices.Contains(c.values, any(v))
		}
		if !ok {
			return false
		}
	}
	return true
}

func (m *Embedded) GetProcessInstance(ctx context.Context, key Key) (*ProcessInstance, error) {
	r, err := get(ctx, m.store, key, "Process instance", func() *store.ProcessInstance { return new(store.ProcessInstance) })
	if err != nil {
		return nil, err
	}
	pi := processInstance(r)
	return &pi, nil
}

func (m *Embedded) CancelProcessInstance(ctx context.Context, key Key, _ *CancelProcessInstanceRequest) error {
	return fromEngine(m.eng.CancelProcessInstance(ctx, int64(key)))
}

func (m *Embedded) SearchProcessInstanceIncidents(ctx context.Context, key Key, q *IncidentSearchQuery) (*SearchResult[Incident], error) {
	return m.searchIncidentsWhere(ctx, q, store.Raw("incidents.process_instance_key = ? OR incidents.root_process_instance_key = ?", int64(key), int64(key)))
}

// searchIncidentsWhere runs an incident search with one more condition:
// the incidents of what the search is below.
func (m *Embedded) searchIncidentsWhere(ctx context.Context, q *IncidentSearchQuery, below store.Cond) (*SearchResult[Incident], error) {
	if q == nil {
		q = &IncidentSearchQuery{}
	}
	sq, err := incidentSpec().query(q.Filter, q.Sort, q.Page)
	if err != nil {
		return nil, err
	}
	sq.Where = append(sq.Where, below)
	return runQuery(ctx, m.store, sq, func() *store.Incident { return new(store.Incident) }, incident)
}

// Element instances

func (m *Embedded) SearchElementInstances(ctx context.Context, q *ElementInstanceSearchQuery) (*SearchResult[ElementInstance], error) {
	return search(ctx, m.store, elementInstanceSpec(), q, func() *store.ElementInstance { return new(store.ElementInstance) }, elementInstance)
}

func (m *Embedded) GetElementInstance(ctx context.Context, key Key) (*ElementInstance, error) {
	r, err := get(ctx, m.store, key, "Element instance", func() *store.ElementInstance { return new(store.ElementInstance) })
	if err != nil {
		return nil, err
	}
	if r.Type == "PROCESS" {
		return nil, notFound("Element instance", key)
	}
	ei := elementInstance(r)
	return &ei, nil
}

func (m *Embedded) SetVariables(ctx context.Context, key Key, req *SetVariableRequest) error {
	if req.Variables == nil {
		return Errorf(CodeInvalidArgument, "No variables provided.")
	}
	return fromEngine(m.eng.SetVariables(ctx, int64(key), req.Variables, req.Local))
}

// User tasks

func (m *Embedded) SearchUserTasks(ctx context.Context, q *UserTaskSearchQuery) (*SearchResult[UserTask], error) {
	return search(ctx, m.store, userTaskSpec(), q, func() *store.UserTask { return new(store.UserTask) }, userTask)
}

func (m *Embedded) GetUserTask(ctx context.Context, key Key) (*UserTask, error) {
	r, err := get(ctx, m.store, key, "User task", func() *store.UserTask { return new(store.UserTask) })
	if err != nil {
		return nil, err
	}
	ut := userTask(r)
	return &ut, nil
}

func (m *Embedded) UpdateUserTask(ctx context.Context, key Key, req *UserTaskUpdateRequest) error {
	if req == nil || req.Changeset == nil && req.Action == nil {
		return Errorf(CodeInvalidArgument, `No update data provided. Provide at least an "action" or a non-null "changeset".`)
	}
	var c engine.UserTaskChanges
	if cs := req.Changeset; cs != nil {
		var err error
		if c.DueDate, err = changeDate("dueDate", cs.DueDate); err != nil {
			return err
		}
		if c.FollowUpDate, err = changeDate("followUpDate", cs.FollowUpDate); err != nil {
			return err
		}
		c.CandidateGroups, c.CandidateUsers, c.Priority = cs.CandidateGroups, cs.CandidateUsers, cs.Priority
	}
	return fromEngine(m.eng.UpdateUserTask(ctx, int64(key), c))
}

// changeDate parses a date of a changeset: empty clears it.
func changeDate(name string, s *string) (*time.Time, error) {
	if s == nil {
		return nil, nil
	}
	var t time.Time
	if *s != "" {
		var err error
		if t, err = time.Parse(time.RFC3339Nano, *s); err != nil {
			return nil, Errorf(CodeInvalidArgument, "The provided %s '%s' cannot be parsed as a date according to RFC 3339, section 5.6.", name, *s)
		}
	}
	return &t, nil
}

func (m *Embedded) AssignUserTask(ctx context.Context, key Key, req *UserTaskAssignmentRequest) error {
	if req.Assignee == nil || strings.TrimSpace(*req.Assignee) == "" {
		return Errorf(CodeInvalidArgument, "No assignee provided.")
	}
	override := req.AllowOverride == nil || *req.AllowOverride
	return fromEngine(m.eng.AssignUserTask(ctx, int64(key), *req.Assignee, override))
}

func (m *Embedded) UnassignUserTask(ctx context.Context, key Key) error {
	return fromEngine(m.eng.UnassignUserTask(ctx, int64(key)))
}

func (m *Embedded) CompleteUserTask(ctx context.Context, key Key, req *UserTaskCompletionRequest) error {
	var vars map[string]any
	if req != nil {
		vars = req.Variables
	}
	return fromEngine(m.eng.CompleteUserTask(ctx, int64(key), vars))
}

func (m *Embedded) SearchUserTaskVariables(ctx context.Context, key Key, q *UserTaskVariableSearchQuery, truncate bool) (*SearchResult[VariableSearchResult], error) {
	return m.searchUserTaskVariables(ctx, key, q, truncate, false)
}

func (m *Embedded) SearchUserTaskEffectiveVariables(ctx context.Context, key Key, q *UserTaskVariableSearchQuery, truncate bool) (*SearchResult[VariableSearchResult], error) {
	return m.searchUserTaskVariables(ctx, key, q, truncate, true)
}

// searchUserTaskVariables searches the variables of the task's scope chain:
// all of them, or (effective) only those no inner scope shadows by name.
func (m *Embedded) searchUserTaskVariables(ctx context.Context, key Key, q *UserTaskVariableSearchQuery, truncate, effective bool) (*SearchResult[VariableSearchResult], error) {
	ut, err := get(ctx, m.store, key, "User task", func() *store.UserTask { return new(store.UserTask) })
	if err != nil {
		return nil, err
	}
	if q == nil {
		q = &UserTaskVariableSearchQuery{}
	}
	sq, err := variableSpec().query(q.Filter, q.Sort, q.Page)
	if err != nil {
		return nil, err
	}
	// The task sees its own variables and those of every enclosing scope up
	// to its process instance.
	scopes, err := m.ScopeKeys(ctx, Key(ut.ElementInstanceKey))
	if err != nil {
		return nil, err
	}
	if effective {
		sq.Where = append(sq.Where, innermostVariables(scopes))
	} else {
		sq.Where = append(sq.Where, scopeVariables(scopes))
	}
	return runQuery(ctx, m.store, sq, func() *store.Variable { return new(store.Variable) }, variableResult(truncate))
}

// scopeVariables selects the variables of the scopes.
func scopeVariables(scopes []Key) store.Cond {
	marks := strings.Repeat(", ?", len(scopes))[2:]
	args := make([]any, len(scopes))
	for i, k := range scopes {
		args[i] = int64(k)
	}
	return store.Raw("variables.scope_key IN ("+marks+")", args...)
}

// innermostVariables selects the variables of the scopes (innermost first)
// that no inner scope of them shadows by name.
func innermostVariables(scopes []Key) store.Cond {
	var in, rank strings.Builder
	var inArgs, rankArgs []any
	rank.WriteString("CASE %s")
	for i, k := range scopes {
		if i > 0 {
			in.WriteString(", ")
		}
		in.WriteString("?")
		inArgs = append(inArgs, int64(k))
		fmt.Fprintf(&rank, " WHEN ? THEN %d", i)
		rankArgs = append(rankArgs, int64(k))
	}
	rank.WriteString(" END")
	outer := fmt.Sprintf(rank.String(), "variables.scope_key")
	inner := fmt.Sprintf(rank.String(), "v2.scope_key")
	sql := "variables.scope_key IN (" + in.String() + ") AND NOT EXISTS (SELECT 1 FROM variables v2 WHERE v2.name = variables.name AND v2.scope_key IN (" +
		in.String() + ") AND " + inner + " < " + outer + ")"
	args := append(append(append(append([]any{}, inArgs...), inArgs...), rankArgs...), rankArgs...)
	return store.Raw(sql, args...)
}

// Jobs

func (m *Embedded) ActivateJobs(ctx context.Context, req *JobActivationRequest) (*JobActivationResult, error) {
	if req.TenantFilter != "" && req.TenantFilter != "PROVIDED" && req.TenantFilter != "ASSIGNED" {
		return nil, Errorf(CodeInvalidArgument, "Unexpected value '%s' for enum field 'tenantFilter'. Use any of the following values: [PROVIDED, ASSIGNED]", req.TenantFilter)
	}
	jobs, err := m.eng.ActivateJobs(ctx, engine.ActivateJobsRequest{
		Type: req.Type, Worker: req.Worker, Timeout: time.Duration(req.Timeout) * time.Millisecond,
		MaxJobs: int(req.MaxJobsToActivate), FetchVariables: req.FetchVariable,
		RequestTimeout: time.Duration(req.RequestTimeout) * time.Millisecond, TenantIDs: req.TenantIDs,
	})
	out := &JobActivationResult{Jobs: []ActivatedJob{}}
	if err != nil {
		if ctx.Err() != nil && len(jobs) == 0 {
			return out, nil // the caller left or the server stops: nothing was activated
		}
		return nil, fromEngine(err)
	}
	for _, j := range jobs {
		vars := j.Variables
		if vars == nil {
			vars = map[string]json.RawMessage{}
		}
		out.Jobs = append(out.Jobs, ActivatedJob{
			Type: j.Type, ProcessDefinitionID: j.ProcessID, ProcessDefinitionVersion: j.ProcessVersion,
			ElementID: j.ElementID, CustomHeaders: nonNilMap(j.CustomHeaders), Worker: j.Worker, Retries: j.Retries,
			Deadline: j.Deadline.UnixMilli(), Variables: vars, TenantID: j.TenantID, JobKey: Key(j.Key),
			ProcessInstanceKey: Key(j.ProcessInstanceKey), ProcessDefinitionKey: Key(j.ProcessDefinitionKey),
			ElementInstanceKey: Key(j.ElementInstanceKey), Kind: j.Kind, ListenerEventType: j.ListenerEventType,
			Tags: nonNil(j.Tags), RootProcessInstanceKey: keyRef(j.RootProcessInstanceKey),
		})
	}
	return out, nil
}

func (m *Embedded) SearchJobs(ctx context.Context, q *JobSearchQuery) (*SearchResult[Job], error) {
	return search(ctx, m.store, jobSpec(), q, func() *store.Job { return new(store.Job) }, job)
}

func (m *Embedded) UpdateJob(ctx context.Context, key Key, req *JobUpdateRequest) error {
	if req.Changeset == nil || req.Changeset.Retries == nil && req.Changeset.Timeout == nil {
		return Errorf(CodeInvalidArgument, "No update data provided: the changeset needs retries or timeout.")
	}
	var u engine.UpdateJobRequest
	u.Retries = req.Changeset.Retries
	if t := req.Changeset.Timeout; t != nil {
		d := time.Duration(*t) * time.Millisecond
		u.Timeout = &d
	}
	return fromEngine(m.eng.UpdateJob(ctx, int64(key), u))
}

func (m *Embedded) CompleteJob(ctx context.Context, key Key, req *JobCompletionRequest) error {
	var vars map[string]any
	var result *engine.JobResult
	if req != nil {
		vars = req.Variables
		if r := strings.TrimSpace(string(req.Result)); r != "" && r != "null" {
			var err error
			if result, err = jobResult(req.Result); err != nil {
				return err
			}
		}
	}
	return fromEngine(m.eng.CompleteJobWithResult(ctx, int64(key), vars, result))
}

// jobResult reads a job completion's result: ad-hoc sub-process results
// are run; user task results need task listeners, which Orca lacks.
func jobResult(raw json.RawMessage) (*engine.JobResult, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	var r JobResult
	if err := dec.Decode(&r); err != nil {
		return nil, Errorf(CodeInvalidArgument, "The job result is not valid: %v.", err)
	}
	switch r.Type {
	case "adHocSubProcess":
		if r.Denied != nil || r.DeniedReason != nil || len(r.Corrections) > 0 {
			return nil, Errorf(CodeInvalidArgument, "An ad-hoc sub-process job result cannot have 'denied', 'deniedReason' or 'corrections'.")
		}
		ah := &engine.AdHocResult{
			CompletionConditionFulfilled: r.IsCompletionConditionFulfilled,
			CancelRemainingInstances:     r.IsCancelRemainingInstances,
		}
		for _, a := range r.ActivateElements {
			if a.ElementID == "" {
				return nil, Errorf(CodeInvalidArgument, "Every element to activate needs an elementId.")
			}
			ah.ActivateElements = append(ah.ActivateElements, engine.AdHocActivation{ElementID: a.ElementID, Variables: a.Variables})
		}
		return &engine.JobResult{AdHoc: ah}, nil
	case "userTask":
		return userTaskResult(r)
	case "":
		return nil, Errorf(CodeInvalidArgument, "The job result needs a 'type': 'adHocSubProcess' or 'userTask'.")
	}
	return nil, Errorf(CodeInvalidArgument, "Unknown job result type '%s'; expected 'adHocSubProcess' or 'userTask'.", r.Type)
}

// userTaskResult reads a task listener's result: a denial, or corrections
// of the task's attributes (an empty date clears it).
func userTaskResult(r JobResult) (*engine.JobResult, error) {
	if len(r.ActivateElements) > 0 || r.IsCompletionConditionFulfilled || r.IsCancelRemainingInstances {
		return nil, Errorf(CodeInvalidArgument, "A user task job result cannot have ad-hoc sub-process fields.")
	}
	ut := &engine.UserTaskResult{}
	if r.Denied != nil {
		ut.Denied = *r.Denied
	}
	if r.DeniedReason != nil {
		ut.DeniedReason = *r.DeniedReason
	}
	if c := strings.TrimSpace(string(r.Corrections)); c != "" && c != "null" {
		var raw struct {
			Assignee        *string   `json:"assignee"`
			DueDate         *string   `json:"dueDate"`
			FollowUpDate    *string   `json:"followUpDate"`
			CandidateUsers  *[]string `json:"candidateUsers"`
			CandidateGroups *[]string `json:"candidateGroups"`
			Priority        *int32    `json:"priority"`
		}
		dec := json.NewDecoder(strings.NewReader(c))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&raw); err != nil {
			return nil, Errorf(CodeInvalidArgument, "The user task corrections are not valid: %v.", err)
		}
		corr := &engine.UserTaskCorrections{Assignee: raw.Assignee, CandidateUsers: raw.CandidateUsers,
			CandidateGroups: raw.CandidateGroups, Priority: raw.Priority}
		for _, d := range []struct {
			in  *string
			out **time.Time
			f   string
		}{{raw.DueDate, &corr.DueDate, "dueDate"}, {raw.FollowUpDate, &corr.FollowUpDate, "followUpDate"}} {
			if d.in == nil {
				continue
			}
			var t time.Time
			if *d.in != "" {
				var err error
				if t, err = time.Parse(time.RFC3339, *d.in); err != nil {
					return nil, Errorf(CodeInvalidArgument, "The corrected %s '%s' is not an RFC 3339 date-time.", d.f, *d.in)
				}
			}
			*d.out = &t
		}
		ut.Corrections = corr
	}
	return &engine.JobResult{UserTask: ut}, nil
}

// Signals

func (m *Embedded) BroadcastSignal(ctx context.Context, req *SignalBroadcastRequest) (*SignalBroadcastResult, error) {
	if req.SignalName == "" {
		return nil, Errorf(CodeInvalidArgument, "No signalName provided.")
	}
	res, err := m.eng.BroadcastSignal(ctx, engine.SignalRequest{Name: req.SignalName, Variables: req.Variables, TenantID: req.TenantID})
	if err != nil {
		return nil, fromEngine(err)
	}
	return &SignalBroadcastResult{TenantID: res.TenantID, SignalKey: Key(res.SignalKey)}, nil
}

// Ad-hoc sub-processes

func (m *Embedded) ActivateAdHocActivities(ctx context.Context, key Key, req *AdHocActivityActivationRequest) error {
	var acts []engine.AdHocActivation
	for _, a := range req.Elements {
		if a.ElementID == "" {
			return Errorf(CodeInvalidArgument, "Every element to activate needs an elementId.")
		}
		acts = append(acts, engine.AdHocActivation{ElementID: a.ElementID, Variables: a.Variables})
	}
	return fromEngine(m.eng.ActivateAdHocActivities(ctx, int64(key), acts, req.CancelRemainingInstances))
}

func (m *Embedded) FailJob(ctx context.Context, key Key, req *JobFailRequest) error {
	if req == nil {
		req = &JobFailRequest{}
	}
	return fromEngine(m.eng.FailJob(ctx, int64(key), engine.FailJobRequest{
		Retries: req.Retries, ErrorMessage: req.ErrorMessage,
		RetryBackOff: time.Duration(req.RetryBackOff) * time.Millisecond, Variables: req.Variables,
	}))
}

func (m *Embedded) ThrowJobError(ctx context.Context, key Key, req *JobErrorRequest) error {
	msg := ""
	if req.ErrorMessage != nil {
		msg = *req.ErrorMessage
	}
	return fromEngine(m.eng.ThrowError(ctx, int64(key), req.ErrorCode, msg, req.Variables))
}

// Messages

func (m *Embedded) PublishMessage(ctx context.Context, req *MessagePublicationRequest) (*MessagePublicationResult, error) {
	res, err := m.eng.PublishMessage(ctx, engine.PublishMessageRequest{
		Name: req.Name, CorrelationKey: req.CorrelationKey, TimeToLive: time.Duration(req.TimeToLive) * time.Millisecond,
		MessageID: req.MessageID, Variables: req.Variables, TenantID: req.TenantID,
	})
	if err != nil {
		return nil, fromEngine(err)
	}
	return &MessagePublicationResult{TenantID: res.TenantID, MessageKey: Key(res.MessageKey)}, nil
}

func (m *Embedded) CorrelateMessage(ctx context.Context, req *MessageCorrelationRequest) (*MessageCorrelationResult, error) {
	res, err := m.eng.CorrelateMessage(ctx, engine.PublishMessageRequest{
		Name: req.Name, CorrelationKey: req.CorrelationKey, Variables: req.Variables, TenantID: req.TenantID,
		BusinessID: req.BusinessID,
	})
	if err != nil {
		return nil, fromEngine(err)
	}
	return &MessageCorrelationResult{TenantID: res.TenantID, MessageKey: Key(res.MessageKey),
		ProcessInstanceKey: Key(res.ProcessInstanceKey)}, nil
}

func (m *Embedded) SearchMessageSubscriptions(ctx context.Context, q *MessageSubscriptionSearchQuery) (*SearchResult[MessageSubscription], error) {
	return search(ctx, m.store, messageSubscriptionSpec(), q, func() *store.MessageSubscription { return new(store.MessageSubscription) }, messageSubscription)
}

// Incidents

func (m *Embedded) SearchIncidents(ctx context.Context, q *IncidentSearchQuery) (*SearchResult[Incident], error) {
	return search(ctx, m.store, incidentSpec(), q, func() *store.Incident { return new(store.Incident) }, incident)
}

func (m *Embedded) GetIncident(ctx context.Context, key Key) (*Incident, error) {
	r, err := get(ctx, m.store, key, "Incident", func() *store.Incident { return new(store.Incident) })
	if err != nil {
		return nil, err
	}
	inc := incident(r)
	return &inc, nil
}

func (m *Embedded) ResolveIncident(ctx context.Context, key Key, _ *IncidentResolutionRequest) error {
	return fromEngine(m.eng.ResolveIncident(ctx, int64(key)))
}

// Variables

func (m *Embedded) SearchVariables(ctx context.Context, q *VariableSearchQuery, truncate bool) (*SearchResult[VariableSearchResult], error) {
	return search(ctx, m.store, variableSpec(), q, func() *store.Variable { return new(store.Variable) }, variableResult(truncate))
}

func (m *Embedded) GetVariable(ctx context.Context, key Key) (*Variable, error) {
	r, err := get(ctx, m.store, key, "Variable", func() *store.Variable { return new(store.Variable) })
	if err != nil {
		return nil, err
	}
	v := variable(r)
	return &v, nil
}

// Reads

func get[R store.Record](ctx context.Context, s *store.Store, key Key, what string, mk func() R) (R, error) {
	r, found, err := store.Get(ctx, s, mk, int64(key))
	if err != nil {
		return r, fmt.Errorf("read %s %d: %w", strings.ToLower(what), key, err)
	}
	if !found {
		return r, notFound(what, key)
	}
	return r, nil
}

func search[F any, R store.Record, T any](ctx context.Context, s *store.Store, spec *searchSpec, q *SearchQuery[F], mk func() R, conv func(R) T) (*SearchResult[T], error) {
	if q == nil {
		q = &SearchQuery[F]{}
	}
	sq, err := spec.query(q.Filter, q.Sort, q.Page)
	if err != nil {
		return nil, err
	}
	return runQuery(ctx, s, sq, mk, conv)
}

func runQuery[R store.Record, T any](ctx context.Context, s *store.Store, sq store.Query, mk func() R, conv func(R) T) (*SearchResult[T], error) {
	page, err := store.Search(ctx, s, mk, sq)
	if err != nil {
		return nil, fromEngine(err)
	}
	return resultPage(page, conv), nil
}

// ScopeKeys walks the flow scopes of an element instance up to its process
// instance (the process's own scope has the process instance's key; it has
// no element_instances row, but files from before hold one).
func (m *Embedded) ScopeKeys(ctx context.Context, key Key) ([]Key, error) {
	var out []Key
	for k := int64(key); k != 0 && len(out) < 1000; {
		ei, ok, err := store.Get(ctx, m.store, func() *store.ElementInstance { return new(store.ElementInstance) }, k)
		if err != nil {
			return nil, err
		}
		if !ok {
			_, isInstance, err := store.Get(ctx, m.store, func() *store.ProcessInstance { return new(store.ProcessInstance) }, k)
			if err != nil {
				return nil, err
			}
			if isInstance {
				out = append(out, Key(k))
			} else if len(out) == 0 {
				return nil, Errorf(CodeNotFound, "Element instance with key '%d' not found", key)
			}
			break
		}
		out = append(out, Key(ei.Key))
		if ei.Key == ei.ProcessInstanceKey {
			break
		}
		k = ei.FlowScopeKey
	}
	return out, nil
}

// elementOrProcess reads an element instance, or, for the key of a process
// instance, the process's own scope (which has no element_instances row:
// store.ProcessInstance.Scope), as far as its key and root go.
func (m *Embedded) elementOrProcess(ctx context.Context, key Key) (*store.ElementInstance, error) {
	ei, found, err := store.Get(ctx, m.store, func() *store.ElementInstance { return new(store.ElementInstance) }, int64(key))
	if err != nil {
		return nil, fmt.Errorf("read element instance %d: %w", key, err)
	}
	if found {
		return ei, nil
	}
	pi, found, err := store.Get(ctx, m.store, func() *store.ProcessInstance { return new(store.ProcessInstance) }, int64(key))
	if err != nil {
		return nil, fmt.Errorf("read element instance %d: %w", key, err)
	}
	if !found {
		return nil, notFound("Element instance", key)
	}
	return &store.ElementInstance{Key: pi.Key, ProcessInstanceKey: pi.Key, RootProcessInstanceKey: pi.RootProcessInstanceKey}, nil
}
