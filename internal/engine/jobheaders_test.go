package engine

import (
	"maps"
	"strings"
	"testing"
)

// headersModel is a service task with custom headers (currency is
// replaced per deployment) followed by a job-worker user task, whose jobs
// carry the element's headers and the task's own assignment headers.
const headersModel = `<bpmn:process id="hdr" isExecutable="true">
  <bpmn:startEvent id="s" />
  <bpmn:serviceTask id="pay">
    <bpmn:extensionElements>
      <zeebe:taskDefinition type="pay" />
      <zeebe:taskHeaders>
        <zeebe:header key="currency" value="CURRENCY" />
        <zeebe:header key="note" value="a &lt;b&gt; &amp; &quot;c&quot;" />
      </zeebe:taskHeaders>
    </bpmn:extensionElements>
  </bpmn:serviceTask>
  <bpmn:userTask id="review">
    <bpmn:extensionElements>
      <zeebe:assignmentDefinition assignee="=who" />
      <zeebe:taskHeaders><zeebe:header key="kind" value="invoice" /></zeebe:taskHeaders>
    </bpmn:extensionElements>
  </bpmn:userTask>
  <bpmn:endEvent id="e" />
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="pay" />
  <bpmn:sequenceFlow id="f2" sourceRef="pay" targetRef="review" />
  <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="e" />
</bpmn:process>`

// TestJobHeadersPerDefinition: every job gets its element's custom headers
// as deployed in its own definition (a redeployment with other headers
// gets them, while instances of the first version keep theirs), a
// job-worker user task's job adds its own assignee, a worker that changes
// the headers it was handed changes nobody else's job, and the stored job
// rows hold what the workers were given, also across a restart.
func TestJobHeadersPerDefinition(t *testing.T) {
	h := newHarness(t)
	deploy := func(currency string) int64 {
		t.Helper()
		xml := bpmnHead + strings.Replace(headersModel, "CURRENCY", currency, 1) + "\n</bpmn:definitions>\n"
		res, err := h.e.Deploy(h.ctx, "", []Resource{{Name: "hdr.bpmn", Content: []byte(xml)}})
		if err != nil || len(res.Processes) != 1 {
			t.Fatalf("deploy: %+v, %v", res, err)
		}
		return res.Processes[0].ProcessDefinitionKey
	}
	start := func(def int64, who string) int64 {
		t.Helper()
		res, err := h.e.CreateProcessInstance(h.ctx, CreateInstanceRequest{ProcessDefinitionKey: def, Variables: map[string]any{"who": who}})
		if err != nil {
			t.Fatal(err)
		}
		return res.ProcessInstanceKey
	}
	const note = `a <b> & "c"`
	// jobsOf activates the jobs of a type and checks each one's headers
	// (by its instance) against what was handed out and what was stored.
	jobsOf := func(typ string, want map[int64]map[string]string) map[int64]ActivatedJob {
		t.Helper()
		got := map[int64]ActivatedJob{}
		for _, j := range h.jobs(typ, 10) {
			got[j.ProcessInstanceKey] = j
			w, ok := want[j.ProcessInstanceKey]
			if !ok {
				t.Fatalf("a %s job of instance %d, not expected", typ, j.ProcessInstanceKey)
			}
			if !maps.Equal(j.CustomHeaders, w) {
				t.Errorf("instance %d's %s job: headers %v, want %v", j.ProcessInstanceKey, typ, j.CustomHeaders, w)
			}
			if r := h.jobRecord(j.Key); !maps.Equal(r.CustomHeaders, w) {
				t.Errorf("instance %d's %s job as stored: headers %v, want %v", j.ProcessInstanceKey, typ, r.CustomHeaders, w)
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%d %s jobs, want %d", len(got), typ, len(want))
		}
		return got
	}

	v1 := deploy("EUR")
	a, b := start(v1, "alice"), start(v1, "bob")
	eur := map[string]string{"currency": "EUR", "note": note}
	first := jobsOf("pay", map[int64]map[string]string{a: eur, b: eur})
	// A worker's change to the headers it holds is its own.
	first[a].CustomHeaders["currency"] = "XXX"
	delete(first[a].CustomHeaders, "note")

	v2 := deploy("GBP")
	c, d := start(v2, "carol"), start(v1, "dave")
	gbp := map[string]string{"currency": "GBP", "note": note}
	jobsOf("pay", map[int64]map[string]string{c: gbp, d: eur})

	// The user task's jobs: the element's header and each its assignee.
	for _, j := range first {
		h.complete(j.Key, nil)
	}
	if r := h.jobRecord(first[a].Key); !maps.Equal(r.CustomHeaders, eur) {
		t.Errorf("instance %d's first job as stored once completed, after its worker changed its headers: %v", a, r.CustomHeaders)
	}
	review := func(who string) map[string]string {
		return map[string]string{"kind": "invoice", "io.camunda.zeebe:assignee": who}
	}
	jobsOf("io.camunda.zeebe:userTask", map[int64]map[string]string{a: review("alice"), b: review("bob")})

	// After a restart the definitions are read again: new jobs get the same.
	h.restart()
	e, f := start(v1, "erin"), start(v2, "frank")
	jobsOf("pay", map[int64]map[string]string{e: eur, f: gbp})
}
