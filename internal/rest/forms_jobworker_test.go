package rest_test

import (
	"testing"
)

// Job-worker user tasks (no zeebe:userTask) are jobs of type
// io.camunda.zeebe:userTask; Zeebe tells their worker the form in the
// io.camunda.zeebe:formKey header: an embedded form's or a custom form key
// as written, a linked form (formId) as the key of the form deployed when
// the job is created. A linked form not deployed yet is a FORM_NOT_FOUND
// incident; resolved after the form is deployed, the job carries its key.
func TestJobWorkerUserTaskForms(t *testing.T) {
	e := newEnv(t)
	e.deploy("jobworker-forms.bpmn")
	pi := e.start("jw-forms", nil)

	jobs := e.activate("io.camunda.zeebe:userTask", 5)
	if len(jobs) != 1 || jobs[0]["elementId"] != "note" {
		t.Fatalf("jobs: %v", jobs)
	}
	h := jobs[0]["customHeaders"].(map[string]any)
	if h["io.camunda.zeebe:formKey"] != "camunda-forms:bpmn:userTaskForm_note" || h["io.camunda.zeebe:assignee"] != "demo" ||
		h["io.camunda.zeebe:candidateGroups"] != `["ops","sales"]` {
		t.Fatalf("embedded form's job headers: %v", h)
	}
	e.completeJob(jobs[0], map[string]any{"note": "hi"})

	// The linked form is not deployed: an incident naming it, no job.
	e.waitIncident(pi)
	incs, _ := e.search("/v2/incidents/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}})
	if len(incs) != 1 || incs[0]["errorType"] != "FORM_NOT_FOUND" || incs[0]["elementId"] != "review" ||
		incs[0]["errorMessage"] != "Expected to find a form with id 'order-review', but no form with this id is found, at least a form with this id should be available. To resolve the Incident please deploy a form with the same id" {
		t.Fatalf("incidents: %v", incs)
	}
	if jobs := e.activate("io.camunda.zeebe:userTask", 5); len(jobs) != 0 {
		t.Fatalf("a job was created without its form: %v", jobs)
	}

	formKey := formsOf(t, e.deploy("order-review.form"))[0]["formKey"].(string)
	e.ok(204, "POST", "/v2/incidents/"+incs[0]["incidentKey"].(string)+"/resolution", map[string]any{})
	jobs = e.activate("io.camunda.zeebe:userTask", 5)
	if len(jobs) != 1 || jobs[0]["elementId"] != "review" {
		t.Fatalf("jobs after the resolution: %v", jobs)
	}
	h = jobs[0]["customHeaders"].(map[string]any)
	if h["io.camunda.zeebe:formKey"] != formKey || h["channel"] != "web" {
		t.Fatalf("linked form's job headers: %v, want formKey %s", h, formKey)
	}
	// The key names the form through the forms API, as a worker would use it.
	if f := e.ok(200, "GET", "/v2/forms/"+formKey, nil).obj(t); f["formId"] != "order-review" {
		t.Fatalf("form by the header's key: %v", f)
	}
	e.completeJob(jobs[0], nil)

	jobs = e.activate("io.camunda.zeebe:userTask", 5)
	if len(jobs) != 1 || jobs[0]["customHeaders"].(map[string]any)["io.camunda.zeebe:formKey"] != "my-app:approve" {
		t.Fatalf("custom form key's job: %v", jobs)
	}
	e.completeJob(jobs[0], nil)
	if s := e.instanceState(pi); s != "COMPLETED" {
		t.Fatalf("instance %s", s)
	}
	// Job-worker user tasks are jobs, not Camunda user tasks.
	if tasks, _ := e.search("/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi}}); len(tasks) != 0 {
		t.Fatalf("user tasks: %v", tasks)
	}
}
