package webhook_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/a2a"
	"github.com/orcabpm/orca/internal/a2a/a2atest"
	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/webhook"
	"github.com/orcabpm/orca/internal/worker"
)

// a2aPushModel is Camunda's A2A push notification pattern as its example
// wires it: the A2A client sends the message in notification mode (the
// webhook URL, a token per instance, Bearer credentials from a secret),
// a gateway asks whether the answer needs waiting for, and an A2A Client
// Webhook intermediate catch event (inbound.type
// io.camunda.agenticai:a2aclient:webhook:0) waits for the push, correlated
// by the task id and the token as the template's two expressions build
// it. The instance then waits in a user task with the pushed task.
func a2aPushModel(hookURL string) string {
	q := func(s string) string { return strings.ReplaceAll(s, `"`, "&#34;") }
	return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:message id="m" name="a2a-push-done"><bpmn:extensionElements><zeebe:subscription correlationKey="` +
		q(`=internal_clientResponse.result.id + (if is defined(internal_clientResponse.pushNotificationData.token) then ("-" + internal_clientResponse.pushNotificationData.token) else "")`) + `" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="a2a-push" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send" />
    <bpmn:serviceTask id="send">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="io.camunda.agenticai:a2aclient:0" retries="1" />
        <zeebe:ioMapping>
          <zeebe:input source="=a2aUrl" target="data.connection.url" />
          <zeebe:input source="standalone" target="data.connectorMode.type" />
          <zeebe:input source="sendMessage" target="data.connectorMode.operation.type" />
          <zeebe:input source="=question" target="data.connectorMode.operation.params.text" />
          <zeebe:input source="notification" target="data.connectorMode.operation.settings.responseRetrievalMode.type" />
          <zeebe:input source="` + hookURL + `" target="data.connectorMode.operation.settings.responseRetrievalMode.webhookUrl" />
          <zeebe:input source="=token" target="data.connectorMode.operation.settings.responseRetrievalMode.token" />
          <zeebe:input source="` + q(`=["Bearer"]`) + `" target="data.connectorMode.operation.settings.responseRetrievalMode.authenticationSchemes" />
          <zeebe:input source="{{secrets.A2A_PUSH_KEY}}" target="data.connectorMode.operation.settings.responseRetrievalMode.credentials" />
          <zeebe:input source="=3" target="data.connectorMode.operation.settings.historyLength" />
          <zeebe:input source="=timeout" target="data.connectorMode.operation.settings.timeout" />
        </zeebe:ioMapping>
        <zeebe:taskHeaders><zeebe:header key="resultVariable" value="clientResponse" /></zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="needsWait" />
    <bpmn:exclusiveGateway id="needsWait" default="f4" />
    <bpmn:sequenceFlow id="f3" sourceRef="needsWait" targetRef="wait"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">` +
		q(`=clientResponse.result.kind = "task" and list contains(["submitted", "working"], clientResponse.result.status.state)`) + `</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="needsWait" targetRef="review" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:extensionElements>
        <zeebe:ioMapping><zeebe:input source="=clientResponse" target="internal_clientResponse" /></zeebe:ioMapping>
        <zeebe:properties>
          <zeebe:property name="inbound.type" value="io.camunda.agenticai:a2aclient:webhook:0" />
          <zeebe:property name="inbound.context" value="a2a-hook" />
          <zeebe:property name="inbound.clientResponse" value="=internal_clientResponse" />
          <zeebe:property name="inbound.shouldValidateHmac" value="disabled" />
          <zeebe:property name="inbound.auth.type" value="APIKEY" />
          <zeebe:property name="inbound.auth.apiKey" value="{{secrets.A2A_PUSH_KEY}}" />
          <zeebe:property name="inbound.auth.apiKeyLocator" value="` + q(`=split(request.headers.authorization, " ")[2]`) + `" />
          <zeebe:property name="activationCondition" value="` + q(`=is defined(request.body.status.state) and not(list contains(["submitted", "working"], request.body.status.state))`) + `" />
          <zeebe:property name="correlationKeyExpression" value="` + q("=request.body.id + (if is defined(request.headers.`x-a2a-notification-token`) then (\"-\" + request.headers.`x-a2a-notification-token`) else \"\")") + `" />
          <zeebe:property name="messageIdExpression" value="=request.body.id" />
          <zeebe:property name="deduplicationModeManualFlag" value="false" />
          <zeebe:property name="deduplicationMode" value="AUTO" />
          <zeebe:property name="resultExpression" value="={completed: request.body}" />
        </zeebe:properties>
      </bpmn:extensionElements>
      <bpmn:messageEventDefinition messageRef="m" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="review" />
    <bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>`
}

// orca is an engine with the A2A client worker and the webhooks served on
// one loopback address that outlives a restart of the engine.
type orca struct {
	t       *testing.T
	dir     string
	url     string
	secrets worker.MapSecrets
	handler atomic.Pointer[http.Handler]

	eng    *engine.Engine
	api    *cluster.Embedded
	reads  *clusterReads // what the webhooks read of api since the last start
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

func newOrca(t *testing.T) *orca {
	o := &orca{t: t, dir: t.TempDir(), secrets: worker.MapSecrets{"A2A_PUSH_KEY": "push-key-1"}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := o.handler.Load()
		if h == nil {
			http.Error(w, "orca is down", http.StatusServiceUnavailable)
			return
		}
		(*h).ServeHTTP(w, r)
	}))
	o.url = srv.URL
	t.Cleanup(func() {
		o.stop()
		srv.Close()
	})
	o.start()
	return o
}

func (o *orca) start() {
	o.t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: o.dir, Synchronous: "NORMAL"})
	if err != nil {
		o.t.Fatal(err)
	}
	o.eng, o.api = eng, cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	o.reads = &clusterReads{Embedded: o.api}
	wh := webhook.New(o.reads, webhook.Options{Secrets: o.secrets})
	var h http.Handler = wh
	o.handler.Store(&h)
	ctx, cancel := context.WithCancel(context.Background())
	o.cancel = cancel
	o.wg.Add(2)
	go func() {
		defer o.wg.Done()
		if err := wh.PollA2A(ctx, a2a.NewClient(nil)); err != nil {
			o.t.Error(err)
		}
	}()
	go func() {
		defer o.wg.Done()
		worker.Run(ctx, o.api, worker.Config{Type: a2a.JobType, PollTimeout: 200 * time.Millisecond, FetchVariables: []string{"data"},
			Handler: worker.Connector(a2a.NewClient(nil).Connector(), o.secrets, worker.DefaultResultVariable("toolCallResult"), worker.InputVariables("data"))})
	}()
}

// stop shuts the webhooks, the worker and the engine down.
func (o *orca) stop() {
	if o.eng == nil {
		return
	}
	o.handler.Store(nil)
	o.cancel()
	o.wg.Wait()
	_ = o.eng.Close()
	o.eng = nil
}

func (o *orca) deploy(model string) {
	o.t.Helper()
	if _, err := o.api.CreateDeployment(context.Background(), &cluster.DeploymentRequest{Resources: []cluster.Resource{{Name: "a2a.bpmn", Content: []byte(model)}}}); err != nil {
		o.t.Fatal(err)
	}
}

func (o *orca) startInstance(vars map[string]any) cluster.Key {
	return o.startProcess("a2a-push", vars)
}

func (o *orca) startProcess(id string, vars map[string]any) cluster.Key {
	o.t.Helper()
	res, err := o.api.CreateProcessInstance(context.Background(), &cluster.ProcessInstanceCreationInstruction{ProcessDefinitionID: id, Variables: vars})
	if err != nil {
		o.t.Fatal(err)
	}
	return res.ProcessInstanceKey
}

// waitAt waits until the instance has an active element elementID.
func (o *orca) waitAt(pi cluster.Key, elementID string) {
	o.t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		if o.activeAt(pi, elementID) {
			return
		}
		if time.Now().After(deadline) {
			inc, _ := o.api.SearchIncidents(context.Background(), &cluster.IncidentSearchQuery{})
			for _, i := range inc.Items {
				o.t.Logf("incident: %s", i.ErrorMessage)
			}
			o.t.Fatalf("instance %s never reached %s", pi, elementID)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (o *orca) activeAt(pi cluster.Key, elementID string) bool {
	o.t.Helper()
	res, err := o.api.SearchElementInstances(context.Background(), &cluster.ElementInstanceSearchQuery{Filter: &cluster.ElementInstanceFilter{
		ProcessInstanceKey: &pi, ElementID: &elementID, State: &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: ptr("ACTIVE")}}}})
	if err != nil {
		o.t.Fatal(err)
	}
	return len(res.Items) > 0
}

func ptr[T any](v T) *T { return &v }

// variable reads a process instance's variable as JSON text.
func (o *orca) variable(pi cluster.Key, name string) string {
	o.t.Helper()
	res, err := o.api.SearchVariables(context.Background(), &cluster.VariableSearchQuery{Filter: &cluster.VariableFilter{
		ProcessInstanceKey: &cluster.KeyFilter{Filter: cluster.Filter[cluster.Key]{Eq: &pi}},
		Name:               &cluster.StringFilter{Filter: cluster.Filter[string]{Eq: &name}}}}, false)
	if err != nil {
		o.t.Fatal(err)
	}
	for _, v := range res.Items {
		if v.ScopeKey == pi {
			return v.Value
		}
	}
	return ""
}

// TestA2APushNotificationsCorrelate: the A2A client in notification mode
// hands the remote agent the webhook, the instance's token and the Bearer
// credentials; the remote agent pushes task updates to /inbound/a2a-hook
// over real HTTP. A completed push continues the waiting instance with the
// task in Camunda's shape; a working push is refused by the activation
// condition; a push with wrong credentials is refused 401; one with
// another instance's token correlates to nothing; the same push twice is
// taken once; a push that arrives before the catch event is reached waits
// for it; a push after Orca restarted still correlates; and a remote agent
// that hangs gives an incident that says so.
func TestA2APushNotificationsCorrelate(t *testing.T) {
	remote := a2atest.New(t, "Weather agent", "Knows the weather")
	o := newOrca(t)
	hook := o.url + "/inbound/a2a-hook"
	o.deploy(a2aPushModel(hook))
	ctx := context.Background()
	vars := func(token string) map[string]any {
		return map[string]any{"a2aUrl": remote.URL, "question": "Weather in Paris?", "token": token, "timeout": "PT5S"}
	}
	lastTask := func() string { ids := remote.Tasks(); return ids[len(ids)-1] }

	t.Run("push continues the instance", func(t *testing.T) {
		pi := o.startInstance(vars("tok-a"))
		o.waitAt(pi, "wait")
		id := lastTask()
		if pc := remote.PushConfig(id); pc["url"] != hook || pc["token"] != "tok-a" ||
			fmt.Sprint(pc["authentication"]) != "map[credentials:push-key-1 schemes:[Bearer]]" {
			t.Fatalf("push config the remote agent got: %v", pc)
		}
		if st, err := remote.Push(ctx, id, "working", "", ""); err != nil || st != http.StatusUnprocessableEntity {
			t.Fatalf("a working push: %d %v, want 422 (activation condition)", st, err)
		}
		if st, err := remote.Push(ctx, id, "completed", "", ""); err != nil || st != http.StatusOK {
			t.Fatalf("the completed push: %d %v", st, err)
		}
		o.waitAt(pi, "review")
		got := o.variable(pi, "completed")
		want := fmt.Sprintf(`{"artifacts":[{"artifactId":"answer","contents":[{"text":"echo: Weather in Paris?","type":"text"}]}],"contextId":"ctx-1","id":"%s","kind":"task","status":{"state":"completed"}}`, id)
		if got != want {
			t.Fatalf("completed = %s\nwant        %s", got, want)
		}
		// The same push again is acknowledged and not published twice.
		if st, err := remote.Push(ctx, id, "completed", "", ""); err != nil || st != http.StatusOK {
			t.Fatalf("the repeated push: %d %v", st, err)
		}
		if n := o.messages("a2a-push-done", id+"-tok-a"); n != 1 {
			t.Fatalf("%d messages published for the task, want 1", n)
		}
	})

	t.Run("bad credentials and a foreign token", func(t *testing.T) {
		pi := o.startInstance(vars("tok-b"))
		o.waitAt(pi, "wait")
		id := lastTask()
		if st, err := remote.Push(ctx, id, "failed", "", "Bearer wrong-key"); err != nil || st != http.StatusUnauthorized {
			t.Fatalf("a push with wrong credentials: %d %v, want 401", st, err)
		}
		if st, err := remote.Push(ctx, id, "failed", "tok-other", ""); err != nil || st != http.StatusOK {
			t.Fatalf("a push with another token: %d %v", st, err)
		}
		if n := o.messages("a2a-push-done", id+"-tok-b"); n != 0 {
			t.Fatalf("%d messages for the instance's key after the refused pushes", n)
		}
		if !o.activeAt(pi, "wait") {
			t.Fatal("a push with a foreign token continued the instance")
		}
		if st, err := remote.Push(ctx, id, "input-required", "", ""); err != nil || st != http.StatusOK {
			t.Fatalf("the right push: %d %v", st, err)
		}
		o.waitAt(pi, "review")
		if got := o.variable(pi, "completed"); !strings.Contains(got, `"state":"input-required"`) {
			t.Fatalf("completed = %s, want the right push's task (input-required)", got)
		}
	})

	t.Run("push before the catch event", func(t *testing.T) {
		pushed := make(chan int, 1)
		remote.BeforeAnswer = func(id string) {
			st, err := remote.Push(ctx, id, "completed", "", "")
			if err != nil {
				t.Error(err)
			}
			pushed <- st
		}
		defer func() { remote.BeforeAnswer = nil }()
		pi := o.startInstance(vars("tok-c"))
		if st := <-pushed; st != http.StatusOK {
			t.Fatalf("the early push: %d", st)
		}
		o.waitAt(pi, "review")
		if got := o.variable(pi, "completed"); !strings.Contains(got, `"state":"completed"`) {
			t.Fatalf("completed = %s", got)
		}
	})

	t.Run("restart between the send and the push", func(t *testing.T) {
		pi := o.startInstance(vars("tok-d"))
		o.waitAt(pi, "wait")
		id := lastTask()
		o.stop()
		if st, _ := remote.Push(ctx, id, "completed", "", ""); st != http.StatusServiceUnavailable {
			t.Fatalf("a push while Orca is down: %d", st)
		}
		o.start()
		if st, err := remote.Push(ctx, id, "completed", "", ""); err != nil || st != http.StatusOK {
			t.Fatalf("the push after the restart: %d %v", st, err)
		}
		o.waitAt(pi, "review")
		if got := o.variable(pi, "completed"); !strings.Contains(got, `"id":"`+id+`"`) {
			t.Fatalf("completed = %s", got)
		}
	})

	t.Run("remote agent hangs", func(t *testing.T) {
		remote.Hang = true
		defer func() { remote.Hang = false }()
		v := vars("tok-e")
		v["timeout"] = "PT1S"
		pi := o.startInstance(v)
		deadline := time.Now().Add(15 * time.Second)
		for {
			inc, err := o.api.SearchIncidents(ctx, &cluster.IncidentSearchQuery{Filter: &cluster.IncidentFilter{ProcessInstanceKey: &cluster.KeyFilter{Filter: cluster.Filter[cluster.Key]{Eq: &pi}}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(inc.Items) > 0 {
				if msg := inc.Items[0].ErrorMessage; msg != "the remote agent did not answer within 1s" {
					t.Fatalf("incident message %q", msg)
				}
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("no incident for a remote agent that hangs")
			}
			time.Sleep(20 * time.Millisecond)
		}
	})
}

// messages counts the published messages of a name and correlation key.
func (o *orca) messages(name, key string) int {
	o.t.Helper()
	ms, err := store.Select(context.Background(), o.eng.Store(), func() *store.Message { return new(store.Message) },
		"name = ? AND correlation_key = ?", name, key)
	if err != nil {
		o.t.Fatal(err)
	}
	return len(ms)
}

// a2aPollModel is Camunda's A2A polling pattern as its example wires it:
// the A2A client sends the message in polling mode and answers at once,
// a gateway asks whether the task needs waiting for, and an A2A Client
// Polling intermediate catch event (inbound.type
// io.camunda.agenticai:a2aclient:polling:0) reads the task until it
// settled, correlated by the task id (pollingData.id).
func a2aPollModel() string {
	q := func(s string) string { return strings.ReplaceAll(s, `"`, "&#34;") }
	return `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:message id="m" name="a2a-poll-done"><bpmn:extensionElements><zeebe:subscription correlationKey="=internal_clientResponse.pollingData.id" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="a2a-poll" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="send" />
    <bpmn:serviceTask id="send">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="io.camunda.agenticai:a2aclient:0" retries="1" />
        <zeebe:ioMapping>
          <zeebe:input source="=a2aUrl" target="data.connection.url" />
          <zeebe:input source="standalone" target="data.connectorMode.type" />
          <zeebe:input source="sendMessage" target="data.connectorMode.operation.type" />
          <zeebe:input source="=question" target="data.connectorMode.operation.params.text" />
          <zeebe:input source="polling" target="data.connectorMode.operation.settings.responseRetrievalMode.type" />
          <zeebe:input source="=3" target="data.connectorMode.operation.settings.historyLength" />
          <zeebe:input source="PT5S" target="data.connectorMode.operation.settings.timeout" />
        </zeebe:ioMapping>
        <zeebe:taskHeaders><zeebe:header key="resultVariable" value="clientResponse" /></zeebe:taskHeaders>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="send" targetRef="needsPolling" />
    <bpmn:exclusiveGateway id="needsPolling" default="f4" />
    <bpmn:sequenceFlow id="f3" sourceRef="needsPolling" targetRef="wait"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">` +
		q(`=clientResponse.result.kind = "task" and list contains(["submitted", "working"], clientResponse.result.status.state)`) + `</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f4" sourceRef="needsPolling" targetRef="review" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:extensionElements>
        <zeebe:ioMapping><zeebe:input source="=clientResponse" target="internal_clientResponse" /></zeebe:ioMapping>
        <zeebe:properties>
          <zeebe:property name="inbound.type" value="io.camunda.agenticai:a2aclient:polling:0" />
          <zeebe:property name="data.connection.url" value="=a2aUrl" />
          <zeebe:property name="data.clientResponse" value="=internal_clientResponse" />
          <zeebe:property name="data.historyLength" value="3" />
          <zeebe:property name="data.processPollingInterval" value="PT0.1S" />
          <zeebe:property name="data.taskPollingInterval" value="PT0.1S" />
          <zeebe:property name="activationCondition" value="` + q("=if result.kind = \"task\" then\n  is defined(result.status.state) and not(list contains([\"submitted\", \"working\"], result.status.state))\nelse\n  true") + `" />
          <zeebe:property name="correlationKeyExpression" value="=pollingData.id" />
          <zeebe:property name="deduplicationModeManualFlag" value="false" />
          <zeebe:property name="deduplicationMode" value="AUTO" />
          <zeebe:property name="resultExpression" value="={response: result}" />
        </zeebe:properties>
      </bpmn:extensionElements>
      <bpmn:messageEventDefinition messageRef="m" />
    </bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="review" />
    <bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>`
}

// TestA2APollingCorrelates: the A2A client in polling mode answers with
// the submitted task; the polling catch event reads it with tasks/get
// until it completed and continues the instance with the task in
// Camunda's shape, also when Orca restarted while the instance waited and
// when the remote agent failed some polls; an instance whose task is
// unknown to the remote agent keeps waiting.
func TestA2APollingCorrelates(t *testing.T) {
	remote := a2atest.New(t, "Weather agent", "Knows the weather")
	remote.WorkingPolls = 3
	o := newOrca(t)
	o.deploy(a2aPollModel())
	vars := map[string]any{"a2aUrl": remote.URL, "question": "Weather in Rome?"}

	pi := o.startProcess("a2a-poll", vars)
	o.waitAt(pi, "review")
	id := remote.Tasks()[0]
	want := fmt.Sprintf(`{"artifacts":[{"artifactId":"answer","contents":[{"text":"echo: Weather in Rome?","type":"text"}]}],"contextId":"ctx-1","id":"%s","kind":"task","status":{"state":"completed"}}`, id)
	if got := o.variable(pi, "response"); got != want {
		t.Fatalf("response = %s\nwant       %s", got, want)
	}
	var methods []string
	for _, r := range remote.Requests() {
		methods = append(methods, r["method"].(string))
		if r["method"] == "tasks/get" {
			if p := r["params"].(map[string]any); p["id"] != id || p["historyLength"] != float64(3) {
				t.Fatalf("tasks/get params %v", p)
			}
		}
	}
	if got := strings.Join(methods, ","); got != "message/send,tasks/get,tasks/get,tasks/get,tasks/get" {
		t.Fatalf("the remote agent's requests: %s", got)
	}

	// Orca restarts while the instance waits: the polling goes on.
	remote.WorkingPolls = 1 << 30
	pi = o.startProcess("a2a-poll", vars)
	o.waitAt(pi, "wait")
	id = remote.Tasks()[1]
	waitFor(t, func() bool { return remote.Polls(id) >= 2 })
	o.stop()
	o.start()
	n := remote.Polls(id)
	waitFor(t, func() bool { return remote.Polls(id) > n })
	if !o.activeAt(pi, "wait") {
		t.Fatal("a working task continued the instance")
	}
	remote.Complete(id)
	o.waitAt(pi, "review")
	if got := o.variable(pi, "response"); !strings.Contains(got, `"state":"completed"`) {
		t.Fatalf("response = %s", got)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestA2APollingSurvivesAHangingAgent: while one remote agent hangs on
// tasks/get, the instance waiting for another is polled and continues;
// the hanging one keeps waiting.
func TestA2APollingSurvivesAHangingAgent(t *testing.T) {
	healthy := a2atest.New(t, "Healthy", "answers")
	healthy.WorkingPolls = 2
	hanging := a2atest.New(t, "Hanging", "never answers a poll")
	hanging.HangPolls = true
	o := newOrca(t)
	o.deploy(a2aPollModel())
	stuck := o.startProcess("a2a-poll", map[string]any{"a2aUrl": hanging.URL, "question": "q1"})
	o.waitAt(stuck, "wait")
	waitFor(t, func() bool { return len(hanging.Requests()) >= 2 }) // message/send, then a tasks/get that hangs
	ok := o.startProcess("a2a-poll", map[string]any{"a2aUrl": healthy.URL, "question": "q2"})
	o.waitAt(ok, "review")
	if !o.activeAt(stuck, "wait") {
		t.Fatal("the instance of the hanging agent moved on")
	}
}

// TestA2AWebhookRefusesWhatIsNoTask: a push whose body is no A2A task (a
// message, a task without id or state, a file part, malformed JSON, an
// unknown state) is a 400 and correlates nothing.
func TestA2AWebhookRefusesWhatIsNoTask(t *testing.T) {
	o := newOrca(t)
	o.deploy(a2aPushModel(o.url + "/inbound/a2a-hook"))
	for _, body := range []string{
		`{"kind":"message","messageId":"m","role":"agent","parts":[]}`,
		`{"kind":"task","status":{"state":"completed"}}`,
		`{"kind":"task","id":"t"}`,
		`{"kind":"task","id":"t","status":{"state":"done"}}`,
		`{"kind":"task","id":"t","status":{"state":"completed"},"artifacts":[{"artifactId":"a","parts":[{"kind":"file","file":{"uri":"file:///etc/passwd"}}]}]}`,
		`[1,2,3]`,
		`{"kind":"task",`,
	} {
		req, _ := http.NewRequest("POST", o.url+"/inbound/a2a-hook", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer push-key-1")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: %d, want 400", body, resp.StatusCode)
		}
	}
	if n := o.messages("a2a-push-done", "t"); n != 0 {
		t.Fatalf("%d messages published", n)
	}
}

// asReceiveTask turns a model's catch event "wait" into a receive task, as
// Camunda's ...-receive.v0 templates apply the connectors.
func asReceiveTask(model string) string {
	model = strings.Replace(model, `<bpmn:intermediateCatchEvent id="wait">`, `<bpmn:receiveTask id="wait" messageRef="m">`, 1)
	model = strings.Replace(model, `<bpmn:messageEventDefinition messageRef="m" />
    </bpmn:intermediateCatchEvent>`, `</bpmn:receiveTask>`, 1)
	return model
}

// TestA2AReceiveTasks: both A2A inbound connectors also wait in a receive
// task (templates ...webhook.receive.v0 and ...polling.receive.v0).
func TestA2AReceiveTasks(t *testing.T) {
	remote := a2atest.New(t, "Weather agent", "Knows the weather")
	o := newOrca(t)
	push, poll := asReceiveTask(a2aPushModel(o.url+"/inbound/a2a-hook")), asReceiveTask(a2aPollModel())
	if !strings.Contains(push, `<bpmn:receiveTask id="wait"`) || !strings.Contains(poll, `</bpmn:receiveTask>`) {
		t.Fatal("the models were not rewritten")
	}
	o.deploy(push)
	o.deploy(poll)
	pi := o.startInstance(map[string]any{"a2aUrl": remote.URL, "question": "q", "token": "tok-r", "timeout": "PT5S"})
	o.waitAt(pi, "wait")
	if st, err := remote.Push(context.Background(), remote.Tasks()[0], "completed", "", ""); err != nil || st != http.StatusOK {
		t.Fatalf("push: %d %v", st, err)
	}
	o.waitAt(pi, "review")
	pi = o.startProcess("a2a-poll", map[string]any{"a2aUrl": remote.URL, "question": "q"})
	o.waitAt(pi, "review")
	if got := o.variable(pi, "response"); !strings.Contains(got, `"state":"completed"`) {
		t.Fatalf("response = %s", got)
	}
}

// TestA2APollingGivesUpWithATimer: a receive task polling a task that
// never settles is left by its timer boundary event, and the polling of
// that task stops.
func TestA2APollingGivesUpWithATimer(t *testing.T) {
	remote := a2atest.New(t, "Slow agent", "never done")
	remote.WorkingPolls = 1 << 30
	o := newOrca(t)
	model := asReceiveTask(a2aPollModel())
	model = strings.Replace(model, `<bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="review" />`,
		`<bpmn:sequenceFlow id="f5" sourceRef="wait" targetRef="review" />
    <bpmn:boundaryEvent id="tooLong" attachedToRef="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f6" sourceRef="tooLong" targetRef="gaveUp" />
    <bpmn:userTask id="gaveUp"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>`, 1)
	o.deploy(model)
	pi := o.startProcess("a2a-poll", map[string]any{"a2aUrl": remote.URL, "question": "q"})
	o.waitAt(pi, "gaveUp")
	id := remote.Tasks()[0]
	if remote.Polls(id) == 0 {
		t.Fatal("the task was never polled")
	}
	// The polling stops: a second instance, which waits on a task of its
	// own with no timer, is polled three more times (three rounds of the
	// poller), and meanwhile the first task is polled once at most (a poll
	// already under way when the instance left).
	o.deploy(strings.Replace(asReceiveTask(a2aPollModel()), `id="a2a-poll"`, `id="a2a-poll-2"`, 1))
	n := remote.Polls(id)
	o.startProcess("a2a-poll-2", map[string]any{"a2aUrl": remote.URL, "question": "q2"})
	var other string
	waitFor(t, func() bool {
		for _, tid := range remote.Tasks() {
			if tid != id {
				other = tid
				return true
			}
		}
		return false
	})
	waitFor(t, func() bool { return remote.Polls(other) >= 3 })
	if m := remote.Polls(id); m > n+1 {
		t.Fatalf("the task was polled %d more times after the instance left", m-n)
	}
}
