package rest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/rest"
)

// formsOf lists the forms of a deployment answer.
func formsOf(t *testing.T, dep map[string]any) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, d := range dep["deployments"].([]any) {
		if f, ok := d.(map[string]any)["form"].(map[string]any); ok {
			out = append(out, f)
		}
	}
	return out
}

func testdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// openEnvAt serves an engine on a data directory (to restart on the same one).
func openEnvAt(t *testing.T, dir string) (*env, func()) {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: dir, Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	srv := rest.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), rest.Options{MaxBodyBytes: 64 << 10})
	hs := httptest.NewServer(srv)
	stop := func() {
		srv.Drain()
		hs.Close()
		eng.Close()
	}
	return &env{t: t, url: hs.URL, eng: eng, srv: srv}, stop
}

func TestForms(t *testing.T) {
	dir := t.TempDir()
	e, stop := openEnvAt(t, dir)

	// A process whose forms are not deployed yet: the start form is absent,
	// and the user task's linked form is an incident naming the form id.
	dep := e.deploy("forms.bpmn")
	pdKey := dep["deployments"].([]any)[0].(map[string]any)["processDefinition"].(map[string]any)["processDefinitionKey"].(string)
	if pd := e.ok(200, "GET", "/v2/process-definitions/"+pdKey, nil).obj(t); pd["hasStartForm"] != true {
		t.Errorf("hasStartForm: %v", pd)
	}
	if r := e.ok(http.StatusNoContent, "GET", "/v2/process-definitions/"+pdKey+"/form", nil); len(r.body) != 0 {
		t.Errorf("start form before deployment: %s", r.body)
	}
	pi := e.start("forms", map[string]any{"customer": "Ada"})
	incs, _ := e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(incs) != 1 || incs[0]["errorType"] != "FORM_NOT_FOUND" || incs[0]["elementId"] != "review" ||
		incs[0]["errorMessage"] != "Expected to find a form with id 'order-review', but no form with this id is found, at least a form with this id should be available. To resolve the Incident please deploy a form with the same id" {
		t.Fatalf("incidents: %v", incs)
	}
	if tasks, _ := e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}}); len(tasks) != 0 {
		t.Fatalf("a task was created without its form: %v", tasks)
	}

	// Forms deploy alone, versioned by their id.
	dep = e.deploy("order-review.form", "order-start.form")
	forms := formsOf(t, dep)
	if len(forms) != 2 || forms[0]["formId"] != "order-review" || forms[0]["version"].(float64) != 1 ||
		forms[0]["resourceName"] != "order-review.form" || forms[0]["tenantId"] != "<default>" {
		t.Fatalf("deployed forms: %v", dep)
	}
	reviewKey := forms[0]["formKey"].(string)
	got := e.ok(200, "GET", "/v2/forms/"+reviewKey, nil).obj(t)
	requireFields(t, got, "tenantId", "formId", "schema", "version", "formKey")
	if got["formId"] != "order-review" || got["schema"] != testdata(t, "order-review.form") || got["formKey"] != reviewKey {
		t.Fatalf("form: %v", got)
	}
	start := e.ok(200, "GET", "/v2/process-definitions/"+pdKey+"/form", nil).obj(t)
	if start["formId"] != "order-start" || !strings.Contains(start["schema"].(string), `"customer"`) {
		t.Fatalf("start form: %v", start)
	}

	// Resolving the incident creates the task with the form's key.
	e.ok(204, "POST", "/v2/incidents/"+incs[0]["incidentKey"].(string)+"/resolution", map[string]any{})
	tasks, _ := e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(tasks) != 1 || tasks[0]["formKey"] != reviewKey {
		t.Fatalf("task after resolution: %v", tasks)
	}
	taskKey := tasks[0]["userTaskKey"].(string)
	if f := e.ok(200, "GET", "/v2/user-tasks/"+taskKey+"/form", nil).obj(t); f["formKey"] != reviewKey || f["formId"] != "order-review" {
		t.Fatalf("task form: %v", f)
	}

	// The same form again keeps its version; a changed one is version 2.
	if f := formsOf(t, e.deploy("order-review.form"))[0]; f["version"].(float64) != 1 || f["formKey"] != reviewKey {
		t.Fatalf("unchanged form redeployed: %v", f)
	}
	v2 := strings.Replace(testdata(t, "order-review.form"), `"v1"`, `"v2"`, 1)
	r := e.deployRaw([]string{"order-review.form"}, map[string][]byte{"order-review.form": []byte(v2)}, "")
	if r.status != 200 {
		t.Fatalf("deploy v2: %d %s", r.status, r.body)
	}
	v2Key := formsOf(t, r.obj(t))[0]["formKey"].(string)
	if v2Key == reviewKey {
		t.Fatal("a changed form kept its key")
	}

	// The embedded form of the next task.
	e.ok(204, "POST", "/v2/user-tasks/"+taskKey+"/completion", map[string]any{"variables": map[string]any{"approved": true}})
	tasks, _ = e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "elementId": "note"}})
	if len(tasks) != 1 || tasks[0]["formKey"] != nil {
		t.Fatalf("note task: %v", tasks)
	}
	if f := e.ok(200, "GET", "/v2/user-tasks/"+tasks[0]["userTaskKey"].(string)+"/form", nil).obj(t); f["formId"] != "note-form" || !strings.Contains(f["schema"].(string), `"note"`) {
		t.Fatalf("embedded form: %v", f)
	}

	// Binding types survive a restart: deployment (the form deployed with the
	// process) and versionTag (an expression for the id).
	stop()
	e, stop = openEnvAt(t, dir)
	defer stop()
	parts := map[string][]byte{"forms-bound.bpmn": []byte(testdata(t, "forms-bound.bpmn")), "order-review.form": []byte(v2)}
	if r := e.deployRaw([]string{"forms-bound.bpmn", "order-review.form"}, parts, ""); r.status != 200 {
		t.Fatalf("deploy: %d %s", r.status, r.body)
	}
	pi = e.start("forms-bound", map[string]any{"formName": "order-review"})
	tasks, _ = e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	byElement := map[string]any{}
	for _, t := range tasks {
		byElement[t["elementId"].(string)] = t["formKey"]
	}
	if byElement["byDeployment"] != v2Key || byElement["byTag"] != reviewKey {
		t.Fatalf("bound forms: %v (v1 %s, v2 %s)", byElement, reviewKey, v2Key)
	}

	// Bad forms are rejected with every problem, and nothing is deployed.
	bad := map[string][]byte{"a.form": []byte(`{"components":[]}`), "b.form": []byte(`[1]`), "c.form": []byte(`{"id":"x"}`), "d.form": []byte(`{"id":"x"}`)}
	r = e.deployRaw([]string{"a.form", "b.form", "c.form", "d.form"}, bad, "")
	e.problem(r, 400, "INVALID_ARGUMENT", "'a.form': Expected the form id to be filled")
	for _, want := range []string{"'b.form': the form is not a JSON object", "duplicated id 'x'"} {
		if !strings.Contains(string(r.body), want) {
			t.Errorf("problem lacks %q: %s", want, r.body)
		}
	}
	e.problem(e.do("GET", "/v2/forms/12345", nil), 404, "NOT_FOUND", "Form with key '12345' not found")
	e.problem(e.do("GET", "/v2/user-tasks/12345/form", nil), 404, "NOT_FOUND", "12345")
}
