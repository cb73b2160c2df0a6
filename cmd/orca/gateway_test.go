package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/oidctest"
)

// toolProcess is a process whose message start event is an MCP tool, and
// which waits in a receive task.
const toolProcess = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d">
  <bpmn:process id="order" name="Order" isExecutable="true">
    <bpmn:startEvent id="start" zeebe:modelerTemplate="io.camunda.mcp.start-message"><bpmn:extensionElements><zeebe:properties>
      <zeebe:property name="io.camunda.tool:name" value="place_order" />
      <zeebe:property name="io.camunda.tool:purpose" value="Places an order." />
    </zeebe:properties></bpmn:extensionElements><bpmn:messageEventDefinition messageRef="m" /></bpmn:startEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait" />
    <bpmn:receiveTask id="wait" messageRef="w" />
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
  <bpmn:message id="m" name="order-start" />
  <bpmn:message id="w" name="order-done"><bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements></bpmn:message>
</bpmn:definitions>`

// bearer adds a token to every request.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

// waitListening waits until url answers anything (a 401 included).
func waitListening(t *testing.T, p *orcaProc, url string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.done:
			t.Fatalf("orca exited: %v\n%s", p.err, p.out)
		case <-time.After(20 * time.Millisecond):
		}
		if res, err := httpClient.Get(url); err == nil {
			res.Body.Close()
			return
		}
	}
	t.Fatalf("%s does not answer:\n%s", url, p.out)
}

// TestGatewayInFrontOfCluster runs orca gateway in front of an orca start
// that wants OIDC tokens of its own audience: the gateway serves the MCP
// endpoints and /v2 behind its own authentication, reaches the cluster
// with its own client credentials (a client's token is never passed on:
// the cluster would refuse it), offers the cluster's process tools on
// /mcp/processes, and survives the cluster going away and coming back.
func TestGatewayInFrontOfCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two orca processes")
	}
	is := oidctest.New(t, oidctest.Options{Clients: []oidctest.Client{{ID: "orca-gateway", Secret: "gw-secret"}}})
	dir := t.TempDir()
	none := filepath.Join(dir, "none.yaml")
	if err := os.WriteFile(none, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	clusterPort, gatewayPort := freePort(t), freePort(t)
	clusterBase := fmt.Sprintf("http://127.0.0.1:%d", clusterPort)
	gatewayBase := fmt.Sprintf("http://127.0.0.1:%d", gatewayPort)
	startCluster := func() *orcaProc {
		p := runOrca(t, nil, "start", "--addr", fmt.Sprintf("127.0.0.1:%d", clusterPort), "--data-dir", filepath.Join(dir, "data"),
			"--workers", "none", "--synchronous", "NORMAL", "--config", none, "--management-addr", "off", "--console=false",
			"--auth-method", "oidc", "--oidc-issuer-uri", is.URL, "--oidc-audience", "cluster-api")
		waitListening(t, p, clusterBase+"/v2/topology")
		return p
	}
	clusterProc := startCluster()
	gw := runOrca(t, nil, "gateway", "--addr", fmt.Sprintf("127.0.0.1:%d", gatewayPort), "--config", none,
		"--cluster-url", clusterBase, "--cluster-auth", "OAUTH", "--client-id", "orca-gateway", "--client-secret", "gw-secret",
		"--oauth-url", is.URL+"/token", "--token-audience", "cluster-api", "--cluster-timeout", "5s", "--deployment-poll", "100ms",
		"--auth-method", "oidc", "--oidc-issuer-uri", is.URL, "--oidc-audience", "gateway-api")
	waitListening(t, gw, gatewayBase+"/v2/topology")

	userToken := is.AccessToken(t, "alice", "gateway-api")
	user := &http.Client{Transport: bearer{userToken}, Timeout: 30 * time.Second}

	// Orca's own authentication in front: no token, no answer.
	res, err := httpClient.Post(gatewayBase+"/mcp/cluster", "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the gateway answered %d without a token", res.StatusCode)
	}
	// The web console is served by the gateway too.
	res, err = httpClient.Get(gatewayBase + "/")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.Contains(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(string(page), "Orca") {
		t.Fatalf("the console at the gateway: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	// The client's token is not the cluster's: passed on, it would fail.
	res, err = user.Get(clusterBase + "/v2/topology")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("the cluster accepted a token for the gateway's audience: %d", res.StatusCode)
	}

	// Deploy through the gateway's /v2: the cluster has the process.
	front, err := cluster.NewRemote(cluster.RemoteOptions{BaseURL: gatewayBase, HTTPClient: user})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := front.CreateDeployment(ctx, &cluster.DeploymentRequest{Resources: []cluster.Resource{{Name: "order.bpmn", Content: []byte(toolProcess)}}}); err != nil {
		t.Fatalf("deploy through the gateway: %v", err)
	}

	connect := func(path string) *mcp.ClientSession {
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "gateway-test", Version: "1"}, nil).Connect(ctx,
			&mcp.StreamableClientTransport{Endpoint: gatewayBase + path, HTTPClient: user}, nil)
		if err != nil {
			t.Fatalf("connect %s: %v", path, err)
		}
		t.Cleanup(func() { cs.Close() })
		return cs
	}
	call := func(cs *mcp.ClientSession, name string, args map[string]any) *mcp.CallToolResult {
		t.Helper()
		r, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return r
	}
	text := func(r *mcp.CallToolResult) string {
		var b strings.Builder
		for _, c := range r.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				b.WriteString(tc.Text)
			}
		}
		return b.String()
	}

	clusterTools := connect("/mcp/cluster")
	if r := call(clusterTools, "getClusterStatus", map[string]any{}); r.IsError || !strings.Contains(text(r), "HEALTHY") {
		t.Fatalf("getClusterStatus: %s", text(r))
	}

	// The process tool, from the cluster's subscriptions.
	processes := connect("/mcp/processes")
	var tool string
	tools, err := processes.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tl := range tools.Tools {
		if strings.HasPrefix(tl.Name, "place_order_") {
			tool = tl.Name
		}
	}
	if tool == "" {
		t.Fatalf("no place_order tool on /mcp/processes: %+v", tools.Tools)
	}
	r := call(processes, tool, map[string]any{"orderId": "o-7"})
	if r.IsError {
		t.Fatalf("%s: %s", tool, text(r))
	}
	var started struct {
		ProcessInstanceKey json.Number `json:"processInstanceKey"` // a number, as Camunda answers
	}
	if err := json.Unmarshal([]byte(text(r)), &started); err != nil || started.ProcessInstanceKey == "" {
		t.Fatalf("%s answered %s", tool, text(r))
	}
	pi := started.ProcessInstanceKey.String()
	r = call(clusterTools, "getProcessInstance", map[string]any{"processInstanceKey": pi})
	if r.IsError || !strings.Contains(text(r), `"ACTIVE"`) {
		t.Fatalf("getProcessInstance: %s", text(r))
	}

	// The cluster goes away: tools say so, the gateway stays up.
	clusterProc.stop()
	r = call(clusterTools, "getProcessInstance", map[string]any{"processInstanceKey": pi})
	if !r.IsError || !strings.Contains(text(r), "UNAVAILABLE") {
		t.Fatalf("with the cluster down getProcessInstance answered: %s", text(r))
	}
	// ... and comes back: the same instance, from its data directory.
	startCluster()
	r = call(clusterTools, "getProcessInstance", map[string]any{"processInstanceKey": pi})
	if r.IsError || !strings.Contains(text(r), `"ACTIVE"`) {
		t.Fatalf("after the cluster came back getProcessInstance answered: %s", text(r))
	}
	if n := is.Count("client_credentials"); n < 1 {
		t.Fatalf("the gateway took no token of its own")
	}
}
