package mcpgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/mcpgw"
	"github.com/orcabpm/orca/internal/rest"
)

// fields810 are Camunda 8.10's additions to message subscriptions.
var fields810 = []string{"messageSubscriptionType", "processDefinitionName", "processDefinitionVersion", "toolName", "toolProperties", "inboundConnectorType"}

// camunda89 makes Orca's REST API answer message subscription searches as
// a Camunda 8.9 cluster does: no start event subscriptions, none of 8.10's
// fields, and 8.10's filters rejected (400) or ignored.
func camunda89(next http.Handler, rejects bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v2/message-subscriptions/search" {
			next.ServeHTTP(w, r)
			return
		}
		body, _ := io.ReadAll(r.Body)
		q := map[string]any{}
		_ = json.Unmarshal(body, &q)
		filter, _ := q["filter"].(map[string]any)
		if filter == nil {
			filter = map[string]any{}
		}
		for _, f := range fields810 {
			if _, ok := filter[f]; ok && rejects {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"type":"about:blank","title":"INVALID_ARGUMENT","status":400,"detail":"Request property [filter.` + f + `] cannot be parsed"}`))
				return
			}
			delete(filter, f)
		}
		filter["messageSubscriptionType"] = "PROCESS_EVENT" // 8.9 knows no others
		q["filter"] = filter
		body, _ = json.Marshal(q)
		r2 := r.Clone(r.Context())
		r2.Body = io.NopCloser(bytes.NewReader(body))
		r2.ContentLength = int64(len(body))
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r2)
		var page map[string]any
		if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &page) != nil {
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		items, _ := page["items"].([]any)
		for _, it := range items {
			for _, f := range fields810 {
				delete(it.(map[string]any), f)
			}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(page)
	})
}

// TestProcessesOnCamunda89: /mcp/processes in front of a cluster before
// Camunda 8.10, whose message subscription search lists no start events:
// the process tools are read from the latest definitions' XML, named with
// the definition's key, started by message correlation, and a superseded
// version's name answers that the tool was removed.
func TestProcessesOnCamunda89(t *testing.T) {
	for _, rejects := range []bool{true, false} {
		name := "8.10 filters ignored"
		if rejects {
			name = "8.10 filters rejected"
		}
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			eng, err := engine.Open(ctx, engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
			if err != nil {
				t.Fatal(err)
			}
			api := cluster.NewEmbedded(eng, cluster.EmbeddedOptions{})
			clusterSrv := rest.New(api, rest.Options{})
			chs := httptest.NewServer(camunda89(clusterSrv, rejects))
			remote, err := cluster.NewRemote(cluster.RemoteOptions{BaseURL: chs.URL, DeploymentPoll: 20 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			gw, err := mcpgw.New(remote, mcpgw.Options{Version: "test", Processes: true})
			if err != nil {
				t.Fatal(err)
			}
			mux := http.NewServeMux()
			gw.Register(mux, func(h http.Handler) http.Handler { return h })
			hs := httptest.NewServer(mux)
			t.Cleanup(func() { hs.Close(); remote.Close(); clusterSrv.Drain(); chs.Close(); eng.Close() })

			deploy := func(xml []byte) cluster.Key {
				t.Helper()
				dep, err := remote.CreateDeployment(ctx, &cluster.DeploymentRequest{Resources: []cluster.Resource{{Name: "order.bpmn", Content: xml}}})
				if err != nil {
					t.Fatal(err)
				}
				return dep.Deployments[0].ProcessDefinition.ProcessDefinitionKey
			}
			v1 := deploy(toolBPMN("order", "order-start", "io.camunda.tool:name", "place_order", "io.camunda.tool:purpose", "Places an order.",
				"io.camunda.tool:inputs", "orderId: required string, the order's id."))
			deploy(toolBPMN("plain", "plain-start"))

			cs, err := mcp.NewClient(&mcp.Implementation{Name: "t", Version: "1"}, nil).Connect(ctx, &mcp.StreamableClientTransport{Endpoint: hs.URL + mcpgw.PathProcesses}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer cs.Close()
			tool := "place_order_" + v1.String()
			tools := listTools(t, cs)
			if tools[tool] == nil {
				t.Fatalf("no %s among %v", tool, names(tools))
			}
			if !strings.Contains(tools[tool].Description, "Places an order.") {
				t.Fatalf("description %q", tools[tool].Description)
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: map[string]any{"orderId": "o-1"}})
			if err != nil {
				t.Fatalf("call %s: %v", tool, err)
			}
			if res.IsError {
				t.Fatalf("call %s: %s", tool, text(res))
			}
			var started struct {
				ProcessInstanceKey json.Number `json:"processInstanceKey"`
			}
			if err := json.Unmarshal([]byte(text(res)), &started); err != nil {
				t.Fatalf("answer %s", text(res))
			}
			k, _ := started.ProcessInstanceKey.Int64()
			pi, err := api.GetProcessInstance(ctx, cluster.Key(k))
			if err != nil || pi.ProcessDefinitionID != "order" {
				t.Fatalf("the started instance: %+v, %v", pi, err)
			}
			// The waiting receive task's subscription reads as 8.9 lists it.
			subs, err := remote.SearchMessageSubscriptions(ctx, nil)
			if err != nil || len(subs.Items) != 1 || subs.Items[0].MessageSubscriptionType != cluster.SubscriptionProcessEvent {
				t.Fatalf("process event subscriptions: %+v, %v", subs, err)
			}

			// A new version supersedes the tool.
			v2 := deploy(toolBPMN("order", "order-start", "io.camunda.tool:name", "place_order", "io.camunda.tool:purpose", "Places an order, v2."))
			if je := callErr(t, cs, tool); !strings.Contains(string(je.Data), "has been removed. Please refresh the tool list.") {
				t.Fatalf("the superseded tool: %s %s", je.Message, je.Data)
			}
			if tools := listTools(t, cs); tools["place_order_"+v2.String()] == nil || tools[tool] != nil {
				t.Fatalf("after the new version: %v", names(tools))
			}
		})
	}
}
