package webhook_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/oidctest"
	"github.com/orcabpm/orca/internal/webhook"
	"github.com/orcabpm/orca/internal/worker"
)

// startModel is a process whose none start event is a webhook with the
// given connector properties; the instance waits in a user task.
func startModel(id string, props map[string]string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="%s" isExecutable="true">
    <bpmn:startEvent id="hook"><bpmn:extensionElements><zeebe:properties>%s</zeebe:properties></bpmn:extensionElements></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="hook" targetRef="review" />
    <bpmn:userTask id="review"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>`, id, properties(props))
}

// catchModel waits for a webhook at an intermediate catch event,
// correlated by orderId, then in a user task.
func catchModel(id string, props map[string]string) string {
	return fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="m" name="%s-msg"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="%s" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="paid" />
    <bpmn:intermediateCatchEvent id="paid"><bpmn:extensionElements><zeebe:properties>%s</zeebe:properties></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="m" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="paid" targetRef="ship" />
    <bpmn:userTask id="ship"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>`, id, id, properties(props))
}

func properties(props map[string]string) string {
	names := make([]string, 0, len(props))
	for k := range props {
		names = append(names, k)
	}
	sort.Strings(names)
	var b strings.Builder
	for _, k := range names {
		fmt.Fprintf(&b, `<zeebe:property name="%s" value="%s" />`, k, html.EscapeString(props[k]))
	}
	return b.String()
}

func with(base map[string]string, more ...string) map[string]string {
	out := map[string]string{"inbound.type": webhook.Type}
	for k, v := range base {
		out[k] = v
	}
	for i := 0; i+1 < len(more); i += 2 {
		out[more[i]] = more[i+1]
	}
	return out
}

// rig is an engine, its API and the webhooks over real HTTP on loopback.
type rig struct {
	t   *testing.T
	api *cluster.Embedded
	url string
}

func newRig(t *testing.T, opts webhook.Options, wrap func(webhook.Cluster) webhook.Cluster) *rig {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
	var c webhook.Cluster = api
	if wrap != nil {
		c = wrap(api)
	}
	if opts.Secrets == nil {
		opts.Secrets = worker.MapSecrets{"HOOK_PASSWORD": "s3cret"}
	}
	srv := httptest.NewServer(http.StripPrefix("", webhook.New(c, opts)))
	t.Cleanup(func() {
		srv.Close()
		eng.Close()
	})
	return &rig{t: t, api: api, url: srv.URL}
}

func (r *rig) deploy(models ...string) {
	r.t.Helper()
	var res []cluster.Resource
	for i, m := range models {
		res = append(res, cluster.Resource{Name: fmt.Sprintf("m%d.bpmn", i), Content: []byte(m)})
	}
	if _, err := r.api.CreateDeployment(context.Background(), &cluster.DeploymentRequest{Resources: res}); err != nil {
		r.t.Fatalf("deploy: %v", err)
	}
}

type answer struct {
	status int
	header http.Header
	body   string
}

func (r *rig) send(method, path, body string, header ...string) answer {
	r.t.Helper()
	req, _ := http.NewRequest(method, r.url+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{resp.StatusCode, resp.Header, string(b)}
}

// instances lists the process instances of a process with their variables.
func (r *rig) instances(processID string) []map[string]any {
	r.t.Helper()
	ctx := context.Background()
	res, err := r.api.SearchProcessInstances(ctx, &cluster.ProcessInstanceSearchQuery{Filter: &cluster.ProcessInstanceFilter{ProcessInstanceFilterFields: cluster.ProcessInstanceFilterFields{ProcessDefinitionID: &cluster.StringFilter{Filter: cluster.Filter[string]{Eq: &processID}}}}})
	if err != nil {
		r.t.Fatal(err)
	}
	var out []map[string]any
	for _, pi := range res.Items {
		vars := map[string]any{"_key": pi.ProcessInstanceKey.String()}
		k := pi.ProcessInstanceKey
		vs, err := r.api.SearchVariables(ctx, &cluster.VariableSearchQuery{Filter: &cluster.VariableFilter{ProcessInstanceKey: &cluster.KeyFilter{Filter: cluster.Filter[cluster.Key]{Eq: &k}}}}, false)
		if err != nil {
			r.t.Fatal(err)
		}
		for _, v := range vs.Items {
			var x any
			_ = json.Unmarshal([]byte(v.Value), &x)
			vars[v.Name] = x
		}
		out = append(out, vars)
	}
	return out
}

func wantProblem(t *testing.T, a answer, status int, detail string) {
	t.Helper()
	if a.status != status || a.header.Get("Content-Type") != "application/problem+json" || !strings.Contains(a.body, detail) {
		t.Fatalf("answer %d %s %q, want a %d problem mentioning %q", a.status, a.header.Get("Content-Type"), a.body, status, detail)
	}
}

func sign(secret, body string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(body))
	return hex.EncodeToString(m.Sum(nil))
}

// TestWebhookAuthentication: each authentication type of the template,
// over real HTTP: the right credentials start an instance with the
// request in the result variable, wrong ones start nothing.
func TestWebhookAuthentication(t *testing.T) {
	issuer := oidctest.New(t, oidctest.Options{})
	forger := oidctest.New(t, oidctest.Options{}) // another key, same key id
	token := func(is *oidctest.Issuer, claims map[string]any) string {
		tok, err := is.Token(claims)
		if err != nil {
			t.Fatal(err)
		}
		return "Bearer " + tok
	}
	future, past := time.Now().Add(time.Hour).Unix(), time.Now().Add(-time.Minute).Unix()
	body := `{"orderId":"o-1","amount":12.5}`
	cases := []struct {
		name  string
		props map[string]string
		good  []string // headers that pass
		bad   map[string][]string
		bad2  map[string]int // status of each bad case (default 401)
	}{
		{name: "none", props: map[string]string{}},
		{name: "basic", props: map[string]string{"inbound.auth.type": "BASIC", "inbound.auth.username": "hook", "inbound.auth.password": "{{secrets.HOOK_PASSWORD}}"},
			good: []string{"Authorization", "Basic aG9vazpzM2NyZXQ="}, // hook:s3cret
			bad:  map[string][]string{"no credentials": nil, "wrong password": {"Authorization", "Basic aG9vazp3cm9uZw=="}, "the secret's name": {"Authorization", "Basic aG9vazp7e3NlY3JldHMuSE9PS19QQVNTV09SRH19"}}},
		{name: "api key", props: map[string]string{"inbound.auth.type": "APIKEY", "inbound.auth.apiKey": "k-123", "inbound.auth.apiKeyLocator": `=split(request.headers.authorization, " ")[2]`},
			good: []string{"Authorization", "Bearer k-123"},
			bad:  map[string][]string{"no key": nil, "wrong key": {"Authorization", "Bearer k-124"}, "key without scheme": {"Authorization", "k-123"}}},
		{name: "api key in a query parameter", props: map[string]string{"inbound.auth.type": "APIKEY", "inbound.auth.apiKey": "k-9", "inbound.auth.apiKeyLocator": "=request.params.key"},
			good: []string{"X-Query", "key=k-9"}},
		{name: "jwt", props: map[string]string{"inbound.auth.type": "JWT", "inbound.auth.jwt.jwkUrl": issuer.URL + "/jwks",
			"inbound.auth.jwt.permissionsExpression": `=if aud = "orders" then roles else []`, "inbound.auth.jwt.requiredPermissions": `=["admin"]`},
			good: []string{"Authorization", token(issuer, map[string]any{"aud": "orders", "roles": []string{"user", "admin"}, "exp": future})},
			bad: map[string][]string{
				"no token":       nil,
				"expired":        {"Authorization", token(issuer, map[string]any{"aud": "orders", "roles": []string{"admin"}, "exp": past})},
				"forged":         {"Authorization", token(forger, map[string]any{"aud": "orders", "roles": []string{"admin"}, "exp": future})},
				"wrong audience": {"Authorization", token(issuer, map[string]any{"aud": "billing", "roles": []string{"admin"}, "exp": future})},
				"missing role":   {"Authorization", token(issuer, map[string]any{"aud": "orders", "roles": []string{"user"}, "exp": future})},
				"not a jwt":      {"Authorization", "Bearer abc.def.ghi"},
			},
			bad2: map[string]int{"wrong audience": 403, "missing role": 403}},
		{name: "hmac", props: map[string]string{"inbound.shouldValidateHmac": "enabled", "inbound.hmacSecret": "shh", "inbound.hmacHeader": "X-Signature",
			"inbound.hmacAlgorithm": "sha_256", "inbound.hmacScopes": `=["BODY"]`},
			good: []string{"X-Signature", "sha256=" + sign("shh", body)},
			bad: map[string][]string{"no signature": nil, "signed with another secret": {"X-Signature", sign("other", body)},
				"signature of another body": {"X-Signature", sign("shh", `{"orderId":"o-1","amount":1000}`)}}},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t, webhook.Options{}, nil)
			id := fmt.Sprintf("orders%d", i)
			r.deploy(startModel(id, with(c.props, "inbound.context", id, "resultVariable", "hook")))
			path := "/inbound/" + id
			for name, h := range c.bad {
				want := 401
				if s, ok := c.bad2[name]; ok {
					want = s
				}
				a := r.send("POST", path, body, h...)
				if a.status != want {
					t.Fatalf("%s: status %d (%s), want %d", name, a.status, a.body, want)
				}
			}
			if n := len(r.instances(id)); n != 0 {
				t.Fatalf("refused requests started %d instances", n)
			}
			good := c.good
			if len(good) == 2 && good[0] == "X-Query" {
				path += "?" + good[1]
				good = nil
			}
			if a := r.send("POST", path, body, good...); a.status != 200 {
				t.Fatalf("the right credentials: %d %s", a.status, a.body)
			}
			is := r.instances(id)
			if len(is) != 1 {
				t.Fatalf("%d instances, want 1", len(is))
			}
			hook, _ := is[0]["hook"].(map[string]any)
			req, _ := hook["request"].(map[string]any)
			if b, _ := json.Marshal(req["body"]); string(b) != `{"amount":12.5,"orderId":"o-1"}` {
				t.Fatalf("hook variable: %v", is[0]["hook"])
			}
		})
	}
}

// TestWebhookCorrelatesAndResists: the intermediate catch event correlates
// by the payload's correlation key; the activation condition filters (422,
// or 200 when unmatched events are consumed), an erroring condition is a
// 422 and the server goes on; a replayed signed request with the same
// message id is acknowledged without correlating a second time; bad
// methods, huge and malformed bodies and unknown webhooks get problems.
func TestWebhookCorrelatesAndResists(t *testing.T) {
	r := newRig(t, webhook.Options{MaxBodyBytes: 4096}, nil)
	hmacProps := []string{"inbound.shouldValidateHmac", "enabled", "inbound.hmacSecret", "shh", "inbound.hmacHeader", "X-Hub-Signature-256"}
	r.deploy(
		catchModel("shop", with(nil, append([]string{"inbound.context", "paid", "inbound.method", "post",
			"correlationKeyExpression", "=request.body.orderId", "messageIdExpression", "=request.body.eventId", "messageTtl", "PT1H",
			"activationCondition", `=request.body.status = "PAID"`, "resultExpression", "={amount: request.body.amount}",
			"inbound.responseExpression", `={statusCode: 202, body: {received: request.body.eventId, type: correlation.type}}`}, hmacProps...)...)),
		startModel("lenient", with(nil, "inbound.context", "lenient", "activationCondition", `=request.body.ok`, "consumeUnmatchedEvents", "true")),
		startModel("broken", with(nil, "inbound.context", "broken", "activationCondition", `=request.body.amount >`)),
	)
	ctx := context.Background()
	for _, o := range []string{"o-1", "o-2"} {
		if _, err := r.api.CreateProcessInstance(ctx, &cluster.ProcessInstanceCreationInstruction{ProcessDefinitionID: "shop", Variables: map[string]any{"orderId": o}}); err != nil {
			t.Fatal(err)
		}
	}
	waiting := func() []string {
		var out []string
		for _, pi := range r.instances("shop") {
			if _, done := pi["amount"]; !done {
				out = append(out, pi["orderId"].(string))
			}
		}
		sort.Strings(out)
		return out
	}
	post := func(body string, extra ...string) answer {
		return r.send("POST", "/inbound/paid", body, append([]string{"X-Hub-Signature-256", "sha256=" + sign("shh", body)}, extra...)...)
	}

	// Not paid yet: refused, nothing correlates.
	wantProblem(t, post(`{"orderId":"o-1","eventId":"e-0","status":"PENDING","amount":5}`), 422, "activation condition")
	// Paid: o-1 moves on, with the result expression's variables.
	a := post(`{"orderId":"o-1","eventId":"e-1","status":"PAID","amount":5}`)
	if a.status != 202 || a.body != `{"received":"e-1","type":"MESSAGE_PUBLISHED"}` {
		t.Fatalf("paid: %d %s", a.status, a.body)
	}
	if w := waiting(); strings.Join(w, ",") != "o-2" {
		t.Fatalf("waiting after the payment of o-1: %v", w)
	}
	// A replay of the signed request (same message id): acknowledged, not
	// published again (Zeebe's message id is unique per name and correlation key).
	replay := `{"orderId":"o-1","eventId":"e-1","status":"PAID","amount":5}`
	a = post(replay)
	if a.status != 202 || !strings.Contains(a.body, "MESSAGE_ALREADY_CORRELATED") {
		t.Fatalf("replayed message id: %d %s", a.status, a.body)
	}
	if w := waiting(); strings.Join(w, ",") != "o-2" {
		t.Fatalf("a replayed message id correlated again: waiting %v", w)
	}
	// A signature of another body, a missing field for the correlation key.
	wantProblem(t, r.send("POST", "/inbound/paid", `{"orderId":"o-2","eventId":"e-9","status":"PAID","amount":1}`, "X-Hub-Signature-256", "sha256="+sign("shh", replay)), 401, "HMAC")
	wantProblem(t, post(`{"eventId":"e-3","status":"PAID"}`), 400, "correlation key")

	// Method, size, shape, unknown webhook.
	wantProblem(t, r.send("GET", "/inbound/paid", ""), 405, "POST")
	wantProblem(t, post(`{"orderId":"o-2","pad":"`+strings.Repeat("x", 5000)+`"}`), 413, "4096")
	wantProblem(t, post(`{"orderId":`), 400, "not valid JSON")
	wantProblem(t, r.send("POST", "/inbound/nope", "{}"), 404, "nope")
	wantProblem(t, r.send("POST", "/inbound/", "{}"), 404, "/inbound/")

	// Unmatched events consumed: 200, no instance. A condition that fails: 422, and the server goes on.
	if a := r.send("POST", "/inbound/lenient", `{"ok":false}`); a.status != 200 || len(r.instances("lenient")) != 0 {
		t.Fatalf("unmatched event: %d %s", a.status, a.body)
	}
	if a := r.send("POST", "/inbound/lenient", `{"ok":true}`); a.status != 200 || len(r.instances("lenient")) != 1 {
		t.Fatalf("matched event: %d %s, %d instances", a.status, a.body, len(r.instances("lenient")))
	}
	wantProblem(t, r.send("POST", "/inbound/broken", `{"amount":1}`), 422, "could not be evaluated")
	if a := post(`{"orderId":"o-2","eventId":"e-4","status":"PAID","amount":7}`); a.status != 202 || len(waiting()) != 0 {
		t.Fatalf("after the attacks o-2 is paid: %d %s, waiting %v", a.status, a.body, waiting())
	}
}

// blocking holds instance creations until released, to fill the webhooks'
// bound on concurrent requests.
type blocking struct {
	webhook.Cluster
	in      chan struct{}
	release chan struct{}
}

func (b *blocking) CreateProcessInstance(ctx context.Context, req *cluster.ProcessInstanceCreationInstruction) (*cluster.CreateProcessInstanceResult, error) {
	b.in <- struct{}{}
	<-b.release
	return b.Cluster.CreateProcessInstance(ctx, req)
}

// TestWebhookFloodIsBounded: with two requests in flight (the bound), a
// third is answered 429 at once; the two finish once the cluster answers.
func TestWebhookFloodIsBounded(t *testing.T) {
	b := &blocking{in: make(chan struct{}, 10), release: make(chan struct{})}
	r := newRig(t, webhook.Options{MaxConcurrent: 2}, func(c webhook.Cluster) webhook.Cluster { b.Cluster = c; return b })
	r.deploy(startModel("flood", with(nil, "inbound.context", "flood")))
	var wg sync.WaitGroup
	statuses := make(chan int, 2)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := http.Post(r.url+"/inbound/flood", "application/json", bytes.NewReader([]byte(`{}`)))
			if err != nil {
				statuses <- 0
				return
			}
			resp.Body.Close()
			statuses <- resp.StatusCode
		}()
	}
	<-b.in
	<-b.in // both are in flight
	a := r.send("POST", "/inbound/flood", `{}`)
	wantProblem(t, a, 429, "Too many")
	if a.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	close(b.release)
	wg.Wait()
	close(statuses)
	for s := range statuses {
		if s != 200 {
			t.Fatalf("a request in flight got %d", s)
		}
	}
	if n := len(r.instances("flood")); n != 2 {
		t.Fatalf("%d instances, want 2", n)
	}
}

// TestWebhookMessageStartBoundaryAndRedeployment: a message start event
// webhook starts an instance per correlation key (a second request for a
// key with an active instance starts none, as Zeebe's message start
// events do); a boundary event webhook interrupts the task it is attached
// to; a new version of a process serves its new webhook id at once and
// no longer the old one.
func TestWebhookMessageStartBoundaryAndRedeployment(t *testing.T) {
	r := newRig(t, webhook.Options{}, nil)
	msgStart := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="m" name="ticket-msg" />
  <bpmn:process id="tickets" isExecutable="true">
    <bpmn:startEvent id="hook"><bpmn:extensionElements><zeebe:properties>%s</zeebe:properties></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="hook" targetRef="work" />
    <bpmn:userTask id="work"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>`, properties(with(nil, "inbound.context", "tickets", "correlationKeyExpression", "=request.body.ticket", "resultVariable", "hook")))
	boundary := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="m" name="cancel-msg"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="orders" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="pack" />
    <bpmn:userTask id="pack"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:boundaryEvent id="cancelled" attachedToRef="pack"><bpmn:extensionElements><zeebe:properties>%s</zeebe:properties></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="m" /></bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f2" sourceRef="cancelled" targetRef="end" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f3" sourceRef="pack" targetRef="end2" />
    <bpmn:endEvent id="end2" />
  </bpmn:process>
</bpmn:definitions>`, properties(with(nil, "inbound.context", "cancel", "correlationKeyExpression", "=request.body.orderId")))
	r.deploy(msgStart, boundary, startModel("versions", with(nil, "inbound.context", "v1")))

	for _, body := range []string{`{"ticket":"T-1"}`, `{"ticket":"T-1"}`, `{"ticket":"T-2"}`} {
		if a := r.send("POST", "/inbound/tickets", body); a.status != 200 {
			t.Fatalf("ticket %s: %d %s", body, a.status, a.body)
		}
	}
	if n := len(r.instances("tickets")); n != 2 {
		t.Fatalf("%d ticket instances, want 2 (one per ticket while active)", n)
	}

	ctx := context.Background()
	res, err := r.api.CreateProcessInstance(ctx, &cluster.ProcessInstanceCreationInstruction{ProcessDefinitionID: "orders", Variables: map[string]any{"orderId": "o-7"}})
	if err != nil {
		t.Fatal(err)
	}
	if a := r.send("POST", "/inbound/cancel", `{"orderId":"o-7"}`); a.status != 200 {
		t.Fatalf("cancel: %d %s", a.status, a.body)
	}
	pi, err := r.api.GetProcessInstance(ctx, res.ProcessInstanceKey)
	if err != nil || pi.State != "COMPLETED" {
		t.Fatalf("the boundary event did not end the order: %+v, %v", pi, err)
	}

	if a := r.send("POST", "/inbound/v1", `{}`); a.status != 200 {
		t.Fatalf("v1: %d %s", a.status, a.body)
	}
	r.deploy(startModel("versions", with(nil, "inbound.context", "v2")))
	// The cluster tells of the deployment in a goroutine of its own: the
	// webhooks follow it within moments, as Camunda's runtime activates
	// the connectors of a deployment after it.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if a := r.send("POST", "/inbound/v2", `{`); a.status != http.StatusNotFound { // malformed: found, then refused
			break
		}
	}
	wantProblem(t, r.send("POST", "/inbound/v1", `{}`), 404, "v1")
	if a := r.send("POST", "/inbound/v2", `{}`); a.status != 200 {
		t.Fatalf("v2 after the redeployment: %d %s", a.status, a.body)
	}
	if n := len(r.instances("versions")); n != 2 {
		t.Fatalf("%d instances of versions, want 2", n)
	}
}

// TestWebhookVerificationExpression: a verification challenge (Slack's
// url_verification) is answered by inbound.verificationExpression before
// the method and authentication checks and starts nothing; another
// request goes through the webhook as usual.
func TestWebhookVerificationExpression(t *testing.T) {
	r := newRig(t, webhook.Options{}, nil)
	r.deploy(startModel("verified", with(nil, "inbound.context", "verified", "inbound.method", "post",
		"inbound.auth.type", "BASIC", "inbound.auth.username", "u", "inbound.auth.password", "{{secrets.HOOK_PASSWORD}}",
		"inbound.verificationExpression", `=if request.body.type = "url_verification" then {body: {challenge: request.body.challenge}, statusCode: 202} else null`,
		"resultVariable", "req")))
	a := r.send("PUT", "/inbound/verified", `{"type":"url_verification","challenge":"c-123"}`)
	if a.status != http.StatusAccepted || strings.TrimSpace(a.body) != `{"challenge":"c-123"}` {
		t.Fatalf("the challenge: %d %s", a.status, a.body)
	}
	if n := len(r.instances("verified")); n != 0 {
		t.Fatalf("the challenge started %d instances", n)
	}
	wantProblem(t, r.send("POST", "/inbound/verified", `{"type":"event"}`), http.StatusUnauthorized, "")
	if a := r.send("POST", "/inbound/verified", `{"type":"event"}`, "Authorization", "Basic dTpzM2NyZXQ="); a.status != http.StatusOK {
		t.Fatalf("an event: %d %s", a.status, a.body)
	}
	if n := len(r.instances("verified")); n != 1 {
		t.Fatalf("%d instances after one event, want 1", n)
	}
}

// TestWebhookElementsShareAnId: two catch events of one process with the
// same webhook settings (deduplicationMode AUTO) share the webhook id, and
// each request goes to the element whose activation condition accepts it,
// as Camunda's runtime picks among the elements of one executable; a
// request that both accept is refused when they would correlate
// differently, and one that neither accepts is a 422.
func TestWebhookElementsShareAnId(t *testing.T) {
	r := newRig(t, webhook.Options{}, nil)
	common := `<zeebe:property name="inbound.type" value="io.camunda:webhook:1" />
          <zeebe:property name="inbound.context" value="decisions" />
          <zeebe:property name="inbound.auth.type" value="APIKEY" />
          <zeebe:property name="inbound.auth.apiKey" value="k-1" />
          <zeebe:property name="inbound.auth.apiKeyLocator" value="=get value(request.headers, &#34;x-api-key&#34;)" />
          <zeebe:property name="deduplicationMode" value="AUTO" />
          <zeebe:property name="correlationKeyExpression" value="=request.body.orderId" />
          <zeebe:property name="resultExpression" value="={decision: request.body.decision}" />`
	model := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:message id="ma" name="approved"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
  <bpmn:message id="mr" name="rejected"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
  <bpmn:process id="decide" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="race" />
    <bpmn:eventBasedGateway id="race" />
    <bpmn:sequenceFlow id="f2" sourceRef="race" targetRef="approvedEvt" />
    <bpmn:sequenceFlow id="f3" sourceRef="race" targetRef="rejectedEvt" />
    <bpmn:intermediateCatchEvent id="approvedEvt"><bpmn:extensionElements><zeebe:properties>%s
          <zeebe:property name="activationCondition" value="=request.body.decision = &#34;approve&#34; or request.body.decision = &#34;both&#34;" /></zeebe:properties></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="ma" /></bpmn:intermediateCatchEvent>
    <bpmn:intermediateCatchEvent id="rejectedEvt"><bpmn:extensionElements><zeebe:properties>%s
          <zeebe:property name="activationCondition" value="=request.body.decision = &#34;reject&#34; or request.body.decision = &#34;both&#34;" /></zeebe:properties></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="mr" /></bpmn:intermediateCatchEvent>
    <bpmn:sequenceFlow id="f4" sourceRef="approvedEvt" targetRef="ship" />
    <bpmn:sequenceFlow id="f5" sourceRef="rejectedEvt" targetRef="refund" />
    <bpmn:userTask id="ship"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:userTask id="refund"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
  </bpmn:process>
</bpmn:definitions>`, common, common)
	r.deploy(model)
	ctx := context.Background()
	keys := map[string]cluster.Key{}
	for _, id := range []string{"O-1", "O-2"} {
		res, err := r.api.CreateProcessInstance(ctx, &cluster.ProcessInstanceCreationInstruction{ProcessDefinitionID: "decide", Variables: map[string]any{"orderId": id}})
		if err != nil {
			t.Fatal(err)
		}
		keys[id] = res.ProcessInstanceKey
	}
	wantProblem(t, r.send("POST", "/inbound/decisions", `{"orderId":"O-1","decision":"approve"}`), http.StatusUnauthorized, "")
	wantProblem(t, r.send("POST", "/inbound/decisions", `{"orderId":"O-1","decision":"maybe"}`, "X-API-Key", "k-1"), http.StatusUnprocessableEntity, "activation condition")
	wantProblem(t, r.send("POST", "/inbound/decisions", `{"orderId":"O-1","decision":"both"}`, "X-API-Key", "k-1"), http.StatusBadRequest, "different message names")
	if a := r.send("POST", "/inbound/decisions", `{"orderId":"O-1","decision":"approve"}`, "X-API-Key", "k-1"); a.status != http.StatusOK {
		t.Fatalf("approve O-1: %d %s", a.status, a.body)
	}
	if a := r.send("POST", "/inbound/decisions", `{"orderId":"O-2","decision":"reject"}`, "X-API-Key", "k-1"); a.status != http.StatusOK {
		t.Fatalf("reject O-2: %d %s", a.status, a.body)
	}
	for id, want := range map[string]string{"O-1": "ship", "O-2": "refund"} {
		key, el, active := keys[id], want, "ACTIVE"
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := r.api.SearchElementInstances(ctx, &cluster.ElementInstanceSearchQuery{Filter: &cluster.ElementInstanceFilter{
				ProcessInstanceKey: &key, ElementID: &el, State: &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: &active}}}})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Items) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s never reached %s", id, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}
