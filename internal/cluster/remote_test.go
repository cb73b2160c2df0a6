package cluster_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/oidctest"
	"github.com/orcabpm/orca/internal/rest"
)

// parityModel has a service task, a user task and a message catch event,
// so that one instance goes through jobs, incidents, user tasks and
// message correlation.
const parityModel = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="m" name="paid"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="parity" name="Parity &lt;check&gt;" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work" />
    <bpmn:serviceTask id="work" name="Work"><bpmn:extensionElements><zeebe:taskDefinition type="parity-work" /><zeebe:taskHeaders><zeebe:header key="k" value="v" /></zeebe:taskHeaders></bpmn:extensionElements></bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="review" />
    <bpmn:userTask id="review" name="Review"><bpmn:extensionElements><zeebe:userTask /><zeebe:assignmentDefinition candidateGroups="ops" /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="wait" />
    <bpmn:intermediateCatchEvent id="wait"><bpmn:messageEventDefinition messageRef="m" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`

// pair is one engine reached twice: directly (the embedded back end) and
// through its REST API v2 on loopback (a Remote).
type pair struct {
	t        *testing.T
	embedded *cluster.Embedded
	remote   *cluster.Remote
}

func newPair(t *testing.T) *pair {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	m := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	srv := rest.New(m, rest.Options{})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Drain()
		hs.Close()
		eng.Close()
	})
	opts := cluster.RemoteOptions{BaseURL: hs.URL}
	if path := os.Getenv("ORCA_CONTRACT_LOG"); path != "" {
		opts.HTTPClient = &http.Client{Transport: newRecorder(t, path)}
	}
	r, err := cluster.NewRemote(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &pair{t: t, embedded: m, remote: r}
}

// recorder appends every exchange of the Remote to a JSON Lines file, for
// the contract check in the e2e tier (scripts/e2e/sdk/contract.mjs): each
// request must validate against Camunda's request schemas and each answer
// against its response schemas.
type recorder struct {
	mu sync.Mutex
	f  *os.File
}

type exchange struct {
	Method      string          `json:"method"`
	Path        string          `json:"path"`
	Query       string          `json:"query,omitempty"`
	ContentType string          `json:"contentType,omitempty"`
	Request     json.RawMessage `json:"request,omitempty"`
	Status      int             `json:"status"`
	Response    json.RawMessage `json:"response,omitempty"`
}

func newRecorder(t *testing.T, path string) *recorder {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &recorder{f: f}
}

func (rec *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	x := exchange{Method: req.Method, Path: strings.TrimPrefix(req.URL.Path, "/v2"), Query: req.URL.RawQuery, ContentType: req.Header.Get("Content-Type")}
	if req.Body != nil {
		b, err := io.ReadAll(req.Body)
		if err != nil {
			return nil, err
		}
		req.Body = io.NopCloser(bytes.NewReader(b))
		if json.Valid(b) {
			x.Request = b
		}
	}
	res, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(b))
	x.Status = res.StatusCode
	if json.Valid(b) {
		x.Response = b
	}
	line, _ := json.Marshal(x)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	_, err = rec.f.Write(append(line, '\n'))
	return res, err
}

// query decodes a search query (or request) from JSON, as REST would.
func query[Q any](t *testing.T, s string) *Q {
	t.Helper()
	q := new(Q)
	if err := json.Unmarshal([]byte(s), q); err != nil {
		t.Fatalf("query %s: %v", s, err)
	}
	return q
}

// same asserts that a read answers the same through both back ends.
func same[R any](p *pair, what string, read func(cluster.API) (R, error)) R {
	p.t.Helper()
	want, werr := read(p.embedded)
	got, gerr := read(p.remote)
	if werr != nil || gerr != nil {
		if werr == nil || gerr == nil || werr.Error() != gerr.Error() {
			p.t.Fatalf("%s: embedded error %v, remote error %v", what, werr, gerr)
		}
		return got
	}
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if !bytes.Equal(wj, gj) {
		p.t.Fatalf("%s differs:\nembedded %s\nremote   %s", what, wj, gj)
	}
	return got
}

// TestRemoteParity drives one process instance through every kind of
// command with the Remote and checks that each read answers the same
// through the REST client as from the embedded engine.
func TestRemoteParity(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	r := p.remote

	dep, err := r.CreateDeployment(ctx, &cluster.DeploymentRequest{Resources: []cluster.Resource{{Name: `parity "1".bpmn`, Content: []byte(parityModel)}}})
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	if len(dep.Deployments) != 1 || dep.Deployments[0].ProcessDefinition == nil || dep.Deployments[0].ProcessDefinition.ResourceName != `parity "1".bpmn` {
		t.Fatalf("deployment answer: %+v", dep)
	}
	pdKey := dep.Deployments[0].ProcessDefinition.ProcessDefinitionKey
	same(p, "topology", func(a cluster.API) (*cluster.Topology, error) { return a.Topology(ctx) })
	same(p, "process definition", func(a cluster.API) (*cluster.ProcessDefinition, error) { return a.GetProcessDefinition(ctx, pdKey) })
	same(p, "process definitions", func(a cluster.API) (*cluster.SearchResult[cluster.ProcessDefinition], error) {
		return a.SearchProcessDefinitions(ctx, nil)
	})
	xml := same(p, "XML", func(a cluster.API) ([]byte, error) { return a.GetProcessDefinitionXML(ctx, pdKey) })
	if string(xml) != parityModel {
		t.Fatalf("the XML read back is not the deployed file")
	}
	same(p, "start form", func(a cluster.API) (*cluster.Form, error) { return a.GetStartProcessForm(ctx, pdKey) })

	created, err := r.CreateProcessInstance(ctx, query[cluster.ProcessInstanceCreationInstruction](t,
		`{"processDefinitionId":"parity","variables":{"orderId":"o-1","note":"<b> & </b>"}}`))
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	pi := created.ProcessInstanceKey
	same(p, "process instance", func(a cluster.API) (*cluster.ProcessInstance, error) { return a.GetProcessInstance(ctx, pi) })

	// A job failed without retries raises an incident; new retries and a
	// resolution make it activatable again.
	act := &cluster.JobActivationRequest{Type: "parity-work", Worker: "w", Timeout: 60000, MaxJobsToActivate: 5, RequestTimeout: 5000}
	jobs, err := r.ActivateJobs(ctx, act)
	if err != nil || len(jobs.Jobs) != 1 || jobs.Jobs[0].CustomHeaders["k"] != "v" || string(jobs.Jobs[0].Variables["note"]) != `"<b> & </b>"` {
		t.Fatalf("activate: %+v, %v", jobs, err)
	}
	job := jobs.Jobs[0].JobKey
	if err := r.FailJob(ctx, job, &cluster.JobFailRequest{Retries: 0, ErrorMessage: "no disk"}); err != nil {
		t.Fatalf("fail: %v", err)
	}
	inc := same(p, "incidents", func(a cluster.API) (*cluster.SearchResult[cluster.Incident], error) {
		return a.SearchIncidents(ctx, query[cluster.IncidentSearchQuery](t, fmt.Sprintf(`{"filter":{"processInstanceKey":"%d"}}`, pi)))
	})
	if len(inc.Items) != 1 || inc.Items[0].ErrorMessage != "no disk" {
		t.Fatalf("incident: %+v", inc.Items)
	}
	same(p, "incident", func(a cluster.API) (*cluster.Incident, error) { return a.GetIncident(ctx, inc.Items[0].IncidentKey) })
	same(p, "instance incidents", func(a cluster.API) (*cluster.SearchResult[cluster.Incident], error) {
		return a.SearchProcessInstanceIncidents(ctx, pi, nil)
	})
	retries := int32(1)
	if err := r.UpdateJob(ctx, job, &cluster.JobUpdateRequest{Changeset: &cluster.JobChangeset{Retries: &retries}}); err != nil {
		t.Fatalf("update job: %v", err)
	}
	if err := r.ResolveIncident(ctx, inc.Items[0].IncidentKey, nil); err != nil {
		t.Fatalf("resolve: %v", err)
	}
	jobs, err = r.ActivateJobs(ctx, act)
	if err != nil || len(jobs.Jobs) != 1 {
		t.Fatalf("activate again: %+v, %v", jobs, err)
	}
	same(p, "jobs", func(a cluster.API) (*cluster.SearchResult[cluster.Job], error) {
		return a.SearchJobs(ctx, query[cluster.JobSearchQuery](t, fmt.Sprintf(`{"filter":{"processInstanceKey":"%d"}}`, pi)))
	})
	if err := r.CompleteJob(ctx, jobs.Jobs[0].JobKey, &cluster.JobCompletionRequest{Variables: map[string]any{"done": true}}); err != nil {
		t.Fatalf("complete job: %v", err)
	}

	// The user task: assign, read its variables and form, complete.
	tasks := same(p, "user tasks", func(a cluster.API) (*cluster.SearchResult[cluster.UserTask], error) {
		return a.SearchUserTasks(ctx, query[cluster.UserTaskSearchQuery](t, `{"filter":{"state":"CREATED","processDefinitionId":"parity"}}`))
	})
	if len(tasks.Items) != 1 {
		t.Fatalf("user tasks: %+v", tasks.Items)
	}
	ut := tasks.Items[0].UserTaskKey
	assignee := "alice"
	if err := r.AssignUserTask(ctx, ut, &cluster.UserTaskAssignmentRequest{Assignee: &assignee}); err != nil {
		t.Fatalf("assign: %v", err)
	}
	same(p, "user task", func(a cluster.API) (*cluster.UserTask, error) { return a.GetUserTask(ctx, ut) })
	same(p, "user task form", func(a cluster.API) (*cluster.Form, error) { return a.GetUserTaskForm(ctx, ut) })
	for _, truncate := range []bool{true, false} {
		same(p, "user task variables", func(a cluster.API) (*cluster.SearchResult[cluster.VariableSearchResult], error) {
			return a.SearchUserTaskVariables(ctx, ut, nil, truncate)
		})
		same(p, "user task effective variables", func(a cluster.API) (*cluster.SearchResult[cluster.VariableSearchResult], error) {
			return a.SearchUserTaskEffectiveVariables(ctx, ut, nil, truncate)
		})
	}
	if err := r.UnassignUserTask(ctx, ut); err != nil {
		t.Fatalf("unassign: %v", err)
	}
	if err := r.CompleteUserTask(ctx, ut, &cluster.UserTaskCompletionRequest{Variables: map[string]any{"approved": true}}); err != nil {
		t.Fatalf("complete task: %v", err)
	}

	// The message catch event: the subscription is visible, a publication
	// completes the instance.
	subs := same(p, "message subscriptions", func(a cluster.API) (*cluster.SearchResult[cluster.MessageSubscription], error) {
		return a.SearchMessageSubscriptions(ctx, query[cluster.MessageSubscriptionSearchQuery](t, fmt.Sprintf(`{"filter":{"processInstanceKey":"%d"}}`, pi)))
	})
	if len(subs.Items) != 1 || subs.Items[0].CorrelationKey == nil || *subs.Items[0].CorrelationKey != "o-1" {
		t.Fatalf("subscriptions: %+v", subs.Items)
	}
	if _, err := r.PublishMessage(ctx, &cluster.MessagePublicationRequest{Name: "paid", CorrelationKey: "o-1", Variables: map[string]any{"amount": 12}}); err != nil {
		t.Fatalf("publish: %v", err)
	}
	got := same(p, "completed instance", func(a cluster.API) (*cluster.ProcessInstance, error) { return a.GetProcessInstance(ctx, pi) })
	if got.State != "COMPLETED" {
		t.Fatalf("instance state %s, want COMPLETED", got.State)
	}
	flows := same(p, "sequence flows", func(a cluster.API) (*cluster.ProcessInstanceSequenceFlowsResult, error) {
		return a.GetProcessInstanceSequenceFlows(ctx, pi)
	})
	if len(flows.Items) != 4 || flows.Items[0].ElementID != "f1" || flows.Items[3].SequenceFlowID != pi.String()+"_f4" {
		t.Fatalf("sequence flows: %+v", flows.Items)
	}
	same(p, "call hierarchy of a root", func(a cluster.API) ([]cluster.ProcessInstanceCallHierarchyEntry, error) {
		return a.GetProcessInstanceCallHierarchy(ctx, pi)
	})
	stats := same(p, "element statistics of the instance", func(a cluster.API) (*cluster.ProcessInstanceElementStatisticsResult, error) {
		return a.GetProcessInstanceElementStatistics(ctx, pi)
	})
	if len(stats.Items) == 0 {
		t.Fatalf("element statistics of the instance: none")
	}
	same(p, "expression", func(a cluster.API) (*cluster.ExpressionEvaluationResult, error) {
		return a.EvaluateExpression(ctx, &cluster.ExpressionEvaluationRequest{Expression: "=x * 2 + y", Variables: map[string]any{"x": 20, "y": 2}})
	})
	same(p, "expression with a warning", func(a cluster.API) (*cluster.ExpressionEvaluationResult, error) {
		return a.EvaluateExpression(ctx, &cluster.ExpressionEvaluationRequest{Expression: "=nothing.here"})
	})
	eis := same(p, "element instances", func(a cluster.API) (*cluster.SearchResult[cluster.ElementInstance], error) {
		return a.SearchElementInstances(ctx, query[cluster.ElementInstanceSearchQuery](t, fmt.Sprintf(`{"filter":{"processInstanceKey":"%d"},"sort":[{"field":"elementInstanceKey"}]}`, pi)))
	})
	same(p, "incidents below an element instance", func(a cluster.API) (*cluster.SearchResult[cluster.Incident], error) {
		return a.SearchElementInstanceIncidents(ctx, eis.Items[0].ElementInstanceKey, nil)
	})
	vars := same(p, "variables", func(a cluster.API) (*cluster.SearchResult[cluster.VariableSearchResult], error) {
		return a.SearchVariables(ctx, query[cluster.VariableSearchQuery](t, fmt.Sprintf(`{"filter":{"processInstanceKey":"%d"},"sort":[{"field":"name"}]}`, pi)), false)
	})
	if len(vars.Items) != 5 { // amount, approved, done, note, orderId
		t.Fatalf("variables: %+v", vars.Items)
	}
	same(p, "variable", func(a cluster.API) (*cluster.Variable, error) { return a.GetVariable(ctx, vars.Items[0].VariableKey) })
	same(p, "instances", func(a cluster.API) (*cluster.SearchResult[cluster.ProcessInstance], error) {
		return a.SearchProcessInstances(ctx, query[cluster.ProcessInstanceSearchQuery](t, `{"filter":{"processDefinitionId":"parity"}}`))
	})

	// Variables set and an instance cancelled through the remote.
	second, err := r.CreateProcessInstance(ctx, &cluster.ProcessInstanceCreationInstruction{ProcessDefinitionKey: &pdKey})
	if err != nil {
		t.Fatalf("create second: %v", err)
	}
	if err := r.SetVariables(ctx, second.ProcessInstanceKey, query[cluster.SetVariableRequest](t, `{"variables":{"x":1}}`)); err != nil {
		t.Fatalf("set variables: %v", err)
	}
	if err := r.CancelProcessInstance(ctx, second.ProcessInstanceKey, nil); err != nil {
		t.Fatalf("cancel: %v", err)
	}
	got = same(p, "cancelled instance", func(a cluster.API) (*cluster.ProcessInstance, error) {
		return a.GetProcessInstance(ctx, second.ProcessInstanceKey)
	})
	if got.State != "TERMINATED" {
		t.Fatalf("cancelled instance state %s, want TERMINATED", got.State)
	}
	if _, err := r.BroadcastSignal(ctx, &cluster.SignalBroadcastRequest{SignalName: "nobody-listens"}); err != nil {
		t.Fatalf("signal: %v", err)
	}
}

// parityDecision is a decision table with one input.
const parityDecision = `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="riskDrg" name="Risk" namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="risk" name="Risk">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="i"><inputExpression id="ie" typeRef="number"><text>score</text></inputExpression></input>
      <output id="o" name="risk" typeRef="string" />
      <rule id="low"><inputEntry id="l1"><text>&lt; 50</text></inputEntry><outputEntry id="l2"><text>"low"</text></outputEntry></rule>
      <rule id="high"><inputEntry id="h1"><text>&gt;= 50</text></inputEntry><outputEntry id="h2"><text>"high"</text></outputEntry></rule>
    </decisionTable>
  </decision>
</definitions>`

// TestRemoteDecisionParity: decisions deploy, evaluate and read the same
// through the Remote.
func TestRemoteDecisionParity(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	dep, err := p.remote.CreateDeployment(ctx, &cluster.DeploymentRequest{Resources: []cluster.Resource{{Name: "risk.dmn", Content: []byte(parityDecision)}}})
	if err != nil {
		t.Fatalf("deploy: %v", err)
	}
	var ddKey, drKey cluster.Key
	for _, d := range dep.Deployments {
		if d.DecisionDefinition != nil {
			ddKey = d.DecisionDefinition.DecisionDefinitionKey
		}
		if d.DecisionRequirements != nil {
			drKey = d.DecisionRequirements.DecisionRequirementsKey
		}
	}
	if ddKey == 0 || drKey == 0 {
		t.Fatalf("deployment answer: %+v", dep)
	}
	res, err := p.remote.EvaluateDecision(ctx, &cluster.DecisionEvaluationInstruction{DecisionDefinitionID: "risk", Variables: map[string]any{"score": 72}})
	if err != nil {
		t.Fatalf("evaluate: %v", err)
	}
	if !strings.Contains(string(res.Output), "high") {
		t.Fatalf("evaluation output %s, want high", res.Output)
	}
	same(p, "decision definition", func(a cluster.API) (*cluster.DecisionDefinition, error) { return a.GetDecisionDefinition(ctx, ddKey) })
	same(p, "decision definitions", func(a cluster.API) (*cluster.SearchResult[cluster.DecisionDefinition], error) {
		return a.SearchDecisionDefinitions(ctx, nil)
	})
	same(p, "decision XML", func(a cluster.API) ([]byte, error) { return a.GetDecisionDefinitionXML(ctx, ddKey) })
	same(p, "decision requirements", func(a cluster.API) (*cluster.DecisionRequirements, error) {
		return a.GetDecisionRequirements(ctx, drKey)
	})
	same(p, "decision requirements search", func(a cluster.API) (*cluster.SearchResult[cluster.DecisionRequirements], error) {
		return a.SearchDecisionRequirements(ctx, nil)
	})
	same(p, "decision requirements XML", func(a cluster.API) ([]byte, error) { return a.GetDecisionRequirementsXML(ctx, drKey) })
	insts := same(p, "decision instances", func(a cluster.API) (*cluster.SearchResult[cluster.DecisionInstance], error) {
		return a.SearchDecisionInstances(ctx, nil)
	})
	if len(insts.Items) != 1 {
		t.Fatalf("decision instances: %+v", insts.Items)
	}
	same(p, "decision instance", func(a cluster.API) (*cluster.DecisionInstanceDetail, error) {
		return a.GetDecisionInstance(ctx, insts.Items[0].DecisionEvaluationInstanceKey)
	})
}

// TestRemoteErrors: a rejected request reads the same through the Remote
// as from the embedded engine (code and detail), so that MCP tools and the
// console say the same thing in front of either.
func TestRemoteErrors(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	missing := cluster.Key(2251799813685249)
	bad := cluster.Key(-1)
	cases := []struct {
		name string
		call func(cluster.API) error
	}{
		{"get missing instance", func(a cluster.API) error { _, err := a.GetProcessInstance(ctx, missing); return err }},
		{"flows of a missing instance", func(a cluster.API) error { _, err := a.GetProcessInstanceSequenceFlows(ctx, missing); return err }},
		{"call hierarchy of a missing instance", func(a cluster.API) error { _, err := a.GetProcessInstanceCallHierarchy(ctx, missing); return err }},
		{"statistics of a missing instance", func(a cluster.API) error { _, err := a.GetProcessInstanceElementStatistics(ctx, missing); return err }},
		{"incidents below a missing element instance", func(a cluster.API) error {
			_, err := a.SearchElementInstanceIncidents(ctx, missing, nil)
			return err
		}},
		{"expression that does not parse", func(a cluster.API) error {
			_, err := a.EvaluateExpression(ctx, &cluster.ExpressionEvaluationRequest{Expression: "=(1"})
			return err
		}},
		{"create unknown process", func(a cluster.API) error {
			_, err := a.CreateProcessInstance(ctx, &cluster.ProcessInstanceCreationInstruction{ProcessDefinitionID: "nope"})
			return err
		}},
		{"cancel missing instance", func(a cluster.API) error { return a.CancelProcessInstance(ctx, missing, nil) }},
		{"complete missing job", func(a cluster.API) error { return a.CompleteJob(ctx, missing, &cluster.JobCompletionRequest{}) }},
		{"resolve missing incident", func(a cluster.API) error { return a.ResolveIncident(ctx, missing, nil) }},
		{"deploy nothing", func(a cluster.API) error { _, err := a.CreateDeployment(ctx, &cluster.DeploymentRequest{}); return err }},
		{"deploy broken BPMN", func(a cluster.API) error {
			_, err := a.CreateDeployment(ctx, &cluster.DeploymentRequest{Resources: []cluster.Resource{{Name: "x.bpmn", Content: []byte("<not-bpmn")}}})
			return err
		}},
		{"missing XML", func(a cluster.API) error { _, err := a.GetProcessDefinitionXML(ctx, missing); return err }},
		{"missing form", func(a cluster.API) error { _, err := a.GetForm(ctx, missing); return err }},
		{"negative key", func(a cluster.API) error { _, err := a.GetUserTask(ctx, bad); return err }},
		{"activate without type", func(a cluster.API) error {
			_, err := a.ActivateJobs(ctx, &cluster.JobActivationRequest{MaxJobsToActivate: 1})
			return err
		}},
	}
	// Requests the REST layer rejects itself, in its own words: only the
	// code must match.
	restWords := map[string]bool{"deploy nothing": true}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want := c.call(p.embedded)
			got := c.call(p.remote)
			var we, ge *cluster.Error
			if !errors.As(want, &we) || !errors.As(got, &ge) {
				t.Fatalf("want *cluster.Error from both: embedded %v, remote %v", want, got)
			}
			if ge.Code != we.Code {
				t.Fatalf("code: embedded %s, remote %s (%s)", we.Code, ge.Code, ge.Detail)
			}
			if !restWords[c.name] && ge.Detail != we.Detail {
				t.Fatalf("detail: embedded %q, remote %q", we.Detail, ge.Detail)
			}
		})
	}
}

// TestRemoteFaults: a cluster that is down, overloaded, slow or answering
// nonsense gives a clear error with the right code, in bounded time.
func TestRemoteFaults(t *testing.T) {
	ctx := context.Background()
	handler := func(status int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	serve := func(h http.Handler) string {
		hs := httptest.NewServer(h)
		t.Cleanup(hs.Close)
		return hs.URL
	}
	// A listener that is closed at once: nobody answers on its port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()
	hang := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))

	cases := []struct {
		name   string
		url    string
		opts   func(*cluster.RemoteOptions)
		code   cluster.Code
		detail string
	}{
		{"down", down, nil, cluster.CodeUnavailable, "cannot be reached"},
		{"backpressure", serve(handler(503, `{"type":"about:blank","title":"RESOURCE_EXHAUSTED","status":503,"detail":"Expected to handle request, but there was backpressure."}`)),
			nil, cluster.CodeUnavailable, "backpressure"},
		{"slower than the timeout", hang, func(o *cluster.RemoteOptions) { o.RequestTimeout = 100 * time.Millisecond }, cluster.CodeDeadlineExceeded, "did not answer in time"},
		{"not a problem", serve(handler(502, `<html>bad gateway</html>`)), nil, cluster.CodeInternal, "bad gateway"},
		{"unauthorized", serve(handler(401, `{"title":"UNAUTHORIZED","status":401,"detail":"no token"}`)), nil, cluster.CodeUnauthorized, "no token"},
		{"garbage", serve(handler(200, `{"processInstanceKey":`)), nil, cluster.CodeInternal, "cannot be read"},
		{"too large", serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = w.Write([]byte(`{"state":"` + strings.Repeat("x", 4096) + `"}`))
		})), func(o *cluster.RemoteOptions) { o.MaxAnswerBytes = 1024 }, cluster.CodeInternal, "larger than 1024 bytes"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := cluster.RemoteOptions{BaseURL: c.url}
			if c.opts != nil {
				c.opts(&o)
			}
			r, err := cluster.NewRemote(o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = r.GetProcessInstance(ctx, 1)
			if err == nil {
				t.Fatal("want an error")
			}
			if cluster.CodeOf(err) != c.code || !strings.Contains(err.Error(), c.detail) {
				t.Fatalf("got %v (code %s), want code %s and %q", err, cluster.CodeOf(err), c.code, c.detail)
			}
		})
	}
}

// TestRemoteRenewsARejectedToken: the cluster answers 401 to a token it
// considers expired; the client fetches one new token and sends the
// request once more. A cluster that keeps refusing gets no third try.
func TestRemoteRenewsARejectedToken(t *testing.T) {
	is := oidctest.New(t, oidctest.Options{Clients: []oidctest.Client{{ID: "worker", Secret: "s3cret"}}})
	var seen []string
	refuse := map[string]bool{}
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		seen = append(seen, tok)
		if len(seen) == 1 || refuse["all"] {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"title":"UNAUTHORIZED","status":401,"detail":"The token has expired."}`))
			return
		}
		_, _ = w.Write([]byte(`{"processInstanceKey":"7","state":"ACTIVE"}`))
	}))
	defer hs.Close()
	r, err := cluster.NewRemote(cluster.RemoteOptions{BaseURL: hs.URL, ClientID: "worker", ClientSecret: "s3cret", TokenURL: is.URL + "/token", Audience: "zeebe-api"})
	if err != nil {
		t.Fatal(err)
	}
	pi, err := r.GetProcessInstance(context.Background(), 7)
	if err != nil || pi.State != "ACTIVE" {
		t.Fatalf("after one rejected token: %+v, %v", pi, err)
	}
	if len(seen) != 2 || seen[0] == seen[1] || is.Count("client_credentials") != 2 {
		t.Fatalf("want two requests with two different tokens, two tokens issued; got %d requests, %d issued", len(seen), is.Count("client_credentials"))
	}
	// The token is kept: the next request takes no new one.
	if _, err := r.GetProcessInstance(context.Background(), 7); err != nil || is.Count("client_credentials") != 2 {
		t.Fatalf("the next request: %v, %d tokens issued", err, is.Count("client_credentials"))
	}
	refuse["all"] = true
	_, err = r.GetProcessInstance(context.Background(), 7)
	if cluster.CodeOf(err) != cluster.CodeUnauthorized || !strings.Contains(err.Error(), "expired") || is.Count("client_credentials") != 3 {
		t.Fatalf("a cluster that refuses every token: %v, %d tokens issued (want UNAUTHORIZED after one renewal)", err, is.Count("client_credentials"))
	}
	// Wrong client credentials are a clear error naming the client.
	bad, _ := cluster.NewRemote(cluster.RemoteOptions{BaseURL: hs.URL, ClientID: "worker", ClientSecret: "wrong", TokenURL: is.URL + "/token"})
	if _, err := bad.GetProcessInstance(context.Background(), 7); cluster.CodeOf(err) != cluster.CodeUnauthorized || !strings.Contains(err.Error(), `rejected the client credentials of "worker"`) {
		t.Fatalf("wrong secret: %v", err)
	}
}

// TestRemoteAgentInstanceParity records an agent instance through the
// Remote, as a remote `orca worker` running an AI agent does, and reads it,
// its search and its history the same through both back ends.
func TestRemoteAgentInstanceParity(t *testing.T) {
	p := newPair(t)
	ctx := context.Background()
	r := p.remote
	if _, err := r.CreateDeployment(ctx, &cluster.DeploymentRequest{Resources: []cluster.Resource{{Name: "parity.bpmn", Content: []byte(parityModel)}}}); err != nil {
		t.Fatalf("deploy: %v", err)
	}
	if _, err := r.CreateProcessInstance(ctx, query[cluster.ProcessInstanceCreationInstruction](t, `{"processDefinitionId":"parity","variables":{"orderId":"o-9"}}`)); err != nil {
		t.Fatalf("create: %v", err)
	}
	jobs, err := r.ActivateJobs(ctx, &cluster.JobActivationRequest{Type: "parity-work", Worker: "w", Timeout: 60000, MaxJobsToActivate: 1, RequestTimeout: 5000})
	if err != nil || len(jobs.Jobs) != 1 {
		t.Fatalf("activate: %+v, %v", jobs, err)
	}
	job := jobs.Jobs[0]
	created, err := r.CreateAgentInstance(ctx, &cluster.AgentInstanceCreationRequest{ElementInstanceKey: job.ElementInstanceKey,
		Definition: &cluster.AgentInstanceDefinition{Model: "m1", Provider: "anthropic", SystemPrompt: "Be kind <always>."}})
	if err != nil {
		t.Fatalf("create agent instance: %v", err)
	}
	key := created.AgentInstanceKey
	lease, calls := "7", int32(1)
	up, err := r.UpdateAgentInstance(ctx, key, &cluster.AgentInstanceUpdateRequest{ElementInstanceKey: job.ElementInstanceKey, Status: "THINKING",
		Metrics: &cluster.AgentInstanceMetricsDelta{ModelCalls: &calls}, JobKey: &job.JobKey, JobLease: &lease,
		History: []cluster.AgentInstanceHistoryItem{{HistoryItemID: "h1", LoopIteration: 1, Role: "USER",
			Content: []cluster.AgentContent{cluster.AgentText("hi & bye")}, ProducedAt: time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)}}})
	if err != nil || len(up.CreatedHistory) != 1 || up.CreatedHistory[0].IsDuplicate {
		t.Fatalf("update: %+v, %v", up, err)
	}
	if _, err := r.CreateAgentInstanceHistoryItem(ctx, key, &cluster.AgentInstanceHistoryItemRequest{ElementInstanceKey: job.ElementInstanceKey,
		JobKey: job.JobKey, JobLease: lease, Role: "ASSISTANT", Content: []cluster.AgentContent{cluster.AgentText("hello")},
		ProducedAt: time.Date(2026, 12, 5, 9, 0, 1, 0, time.UTC)}); err != nil {
		t.Fatalf("append: %v", err)
	}
	if err := r.CompleteJob(ctx, job.JobKey, &cluster.JobCompletionRequest{}); err != nil {
		t.Fatalf("complete: %v", err)
	}
	got := same(p, "agent instance", func(a cluster.API) (*cluster.AgentInstance, error) { return a.GetAgentInstance(ctx, key) })
	if got.Status != "THINKING" || got.Metrics.ModelCalls != 1 || got.Definition.SystemPrompt != "Be kind <always>." {
		t.Fatalf("agent instance: %+v", got)
	}
	same(p, "agent instances", func(a cluster.API) (*cluster.SearchResult[cluster.AgentInstance], error) {
		return a.SearchAgentInstances(ctx, query[cluster.AgentInstanceSearchQuery](t, `{"filter":{"status":"THINKING"},"sort":[{"field":"creationDate","order":"DESC"}]}`))
	})
	hist := same(p, "agent history", func(a cluster.API) (*cluster.SearchResult[cluster.AgentInstanceHistoryItemResult], error) {
		return a.SearchAgentInstanceHistory(ctx, key, nil)
	})
	if len(hist.Items) != 2 || hist.Items[0].CommitStatus != "COMMITTED" || *hist.Items[0].Content[0].Text != "hi & bye" {
		t.Fatalf("history: %+v", hist.Items)
	}
	same(p, "unknown agent instance", func(a cluster.API) (*cluster.AgentInstance, error) { return a.GetAgentInstance(ctx, 2251799813999999) })
	same(p, "history of an unknown agent instance", func(a cluster.API) (*cluster.SearchResult[cluster.AgentInstanceHistoryItemResult], error) {
		return a.SearchAgentInstanceHistory(ctx, 2251799813999999, nil)
	})
	if _, err := r.CreateAgentInstance(ctx, &cluster.AgentInstanceCreationRequest{ElementInstanceKey: job.ElementInstanceKey,
		Definition: &cluster.AgentInstanceDefinition{}}); err == nil {
		t.Fatal("an agent instance for a completed element instance was created")
	}
}
