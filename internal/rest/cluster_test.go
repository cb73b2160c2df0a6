package rest_test

import (
	"bytes"
	"net/http"
	"os"
	"strings"
	"testing"
)

func TestTopologyAndStatus(t *testing.T) {
	e := newEnv(t)
	top := e.ok(http.StatusOK, "GET", "/v2/topology", nil).obj(t)
	requireFields(t, top, "brokers", "clusterId", "clusterSize", "partitionsCount", "replicationFactor", "gatewayVersion", "lastCompletedChangeId")
	if v := top["gatewayVersion"].(string); !strings.HasPrefix(v, "8.9") {
		t.Errorf("gatewayVersion %q", v)
	}
	brokers := top["brokers"].([]any)
	if len(brokers) != 1 {
		t.Fatalf("brokers %v", brokers)
	}
	p := brokers[0].(map[string]any)["partitions"].([]any)[0].(map[string]any)
	if p["role"] != "leader" || p["health"] != "healthy" {
		t.Errorf("partition %v", p)
	}
	if r := e.do("GET", "/v2/status", nil); r.status != http.StatusNoContent {
		t.Errorf("status: %d", r.status)
	}
}

func TestClock(t *testing.T) {
	e := newEnv(t)
	e.ok(http.StatusNoContent, "PUT", "/v2/clock", map[string]any{"timestamp": 1767225600000})
	if got := e.eng.Now().UnixMilli(); got != 1767225600000 {
		t.Fatalf("clock at %d after pinning", got)
	}
	e.deploy("service.bpmn")
	pi := e.start("service", nil)
	got := e.ok(http.StatusOK, "GET", "/v2/process-instances/"+pi, nil).obj(t)
	if got["startDate"] != "2026-01-01T00:00:00Z" {
		t.Errorf("startDate %v under the pinned clock", got["startDate"])
	}
	e.ok(http.StatusNoContent, "POST", "/v2/clock/reset", nil)
	if d := e.eng.Now().Year(); d < 2026 {
		t.Errorf("clock not reset: %v", e.eng.Now())
	}
	e.problem(e.do("PUT", "/v2/clock", `{}`), 400, "INVALID_ARGUMENT", "timestamp")
	e.problem(e.do("PUT", "/v2/clock", `{"timestamp":"soon"}`), 400, "INVALID_ARGUMENT", "timestamp")
}

func TestDeployments(t *testing.T) {
	e := newEnv(t)
	res := e.deploy("service.bpmn", "tasks.bpmn")
	requireFields(t, res, "deploymentKey", "tenantId", "deployments")
	if res["tenantId"] != "<default>" {
		t.Errorf("tenantId %v", res["tenantId"])
	}
	deps := res["deployments"].([]any)
	if len(deps) != 3 {
		t.Fatalf("deployments %v, want 3 processes", deps)
	}
	ids := map[string]bool{}
	for _, d := range deps {
		m := d.(map[string]any)
		requireFields(t, m, "processDefinition", "decisionDefinition", "decisionRequirements", "form", "resource")
		pd := m["processDefinition"].(map[string]any)
		requireFields(t, pd, "processDefinitionId", "processDefinitionVersion", "resourceName", "tenantId", "processDefinitionKey")
		ids[pd["processDefinitionId"].(string)] = true
		if m["form"] != nil || m["resource"] != nil {
			t.Errorf("absent artefacts must be null: %v", m)
		}
	}
	if !ids["service"] || !ids["review"] || !ids["payment"] {
		t.Errorf("deployed %v", ids)
	}

	bad := []byte(`<definitions><process id="x"></definitions`)
	e.problem(e.deployRaw([]string{"broken.bpmn"}, map[string][]byte{"broken.bpmn": bad}, ""), 400, "INVALID_ARGUMENT", "broken.bpmn")
	e.problem(e.deployRaw(nil, nil, ""), 400, "INVALID_ARGUMENT", "resources")
	e.problem(e.do("POST", "/v2/deployments", `{"resources":[]}`), 400, "INVALID_ARGUMENT", "multipart")
	big := bytes.Repeat([]byte("x"), 70<<10)
	e.problem(e.deployRaw([]string{"big.bpmn"}, map[string][]byte{"big.bpmn": big}, ""), 400, "INVALID_ARGUMENT", "larger than")
}

func TestProcessDefinitions(t *testing.T) {
	e := newEnv(t)
	e.deploy("service.bpmn")
	v2, _ := os.ReadFile("testdata/service.bpmn")
	v2 = bytes.Replace(v2, []byte(`name="Do work"`), []byte(`name="Do more work"`), 1)
	r := e.deployRaw([]string{"service.bpmn"}, map[string][]byte{"service.bpmn": v2}, "")
	if r.status != 200 {
		t.Fatalf("deploy v2: %s", r.body)
	}

	items, page := e.search("/v2/process-definitions/search", map[string]any{"sort": []any{map[string]any{"field": "version", "order": "DESC"}}})
	if page["totalItems"].(float64) != 2 || len(items) != 2 || items[0]["version"].(float64) != 2 {
		t.Fatalf("definitions %v %v", items, page)
	}
	requireFields(t, items[0], "name", "resourceName", "version", "versionTag", "processDefinitionId", "tenantId", "processDefinitionKey", "hasStartForm")
	if items[0]["versionTag"] != "v1" || items[0]["name"] != "Service" {
		t.Errorf("definition %v", items[0])
	}
	latest, _ := e.search("/v2/process-definitions/search", map[string]any{"filter": map[string]any{"isLatestVersion": true}})
	if len(latest) != 1 || latest[0]["version"].(float64) != 2 {
		t.Errorf("latest %v", latest)
	}
	like, _ := e.search("/v2/process-definitions/search", map[string]any{"filter": map[string]any{"processDefinitionId": map[string]any{"$like": "serv*"}, "version": 1}})
	if len(like) != 1 {
		t.Errorf("like %v", like)
	}

	key := items[0]["processDefinitionKey"].(string)
	got := e.ok(200, "GET", "/v2/process-definitions/"+key, nil).obj(t)
	if got["processDefinitionKey"] != key || got["version"].(float64) != 2 {
		t.Errorf("get %v", got)
	}
	xml := e.ok(200, "GET", "/v2/process-definitions/"+key+"/xml", nil)
	if !strings.HasPrefix(xml.header.Get("Content-Type"), "text/xml") || !bytes.Equal(xml.body, v2) {
		t.Errorf("xml %q: %.80s", xml.header.Get("Content-Type"), xml.body)
	}
	e.problem(e.do("GET", "/v2/process-definitions/123", nil), 404, "NOT_FOUND", "123")
	e.problem(e.do("GET", "/v2/process-definitions/123/xml", nil), 404, "NOT_FOUND", "123")
	e.problem(e.do("GET", "/v2/process-definitions/abc", nil), 400, "INVALID_ARGUMENT", "abc")
}
