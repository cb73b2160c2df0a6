package engine

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// triggerKinds are the processes of triggers.bpmn, with the element the
// event completes.
var triggerKinds = []struct{ process, catch string }{
	{"trigMessage", "mcatch"},
	{"trigSignal", "scatch"},
	{"trigTimer", "tcatch"},
	{"trigError", "ecatch"},
	{"trigEscalation", "xcatch"},
	{"trigGateway", "gcatch"},
	{"trigConditional", "ccatch"},
	{"trigCondStart", "qcatch"},
	{"trigRootCond", "rcatch"},
	{"trigCondGateway", "kcatch"},
	{"trigSignalGateway", "wcatch"},
}

// deliverTrigger starts an instance of a trigger process and delivers its
// event with payload; it reports the instance once the event is
// acknowledged (the timer's event is the clock: it fires after the
// restart).
func deliverTrigger(ctx context.Context, e *Engine, process string, n int) (int64, bool) {
	id := fmt.Sprintf("t-%d", n)
	payload := map[string]any{"payload": "p-" + id}
	if process == "trigRootCond" {
		// The evaluation of a conditional start event is the event: it
		// creates the instance.
		res, err := e.EvaluateConditionals(ctx, EvaluateConditionalsRequest{Variables: map[string]any{"id": id, "payload": "p-" + id, "rootCond": true}})
		if err != nil || len(res.ProcessInstances) != 1 {
			return 0, false
		}
		return res.ProcessInstances[0].ProcessInstanceKey, true
	}
	res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: process, Variables: map[string]any{"id": id}})
	if err != nil {
		return 0, false
	}
	pi := res.ProcessInstanceKey
	job := func(typ string) (ActivatedJob, bool) {
		for tries := 0; tries < 50; tries++ {
			jobs, err := e.ActivateJobs(ctx, ActivateJobsRequest{Type: typ, Worker: "crash", Timeout: time.Hour, MaxJobs: 100, RequestTimeout: time.Second})
			if err != nil {
				return ActivatedJob{}, false
			}
			var found ActivatedJob
			ok := false
			for _, j := range jobs {
				if j.ProcessInstanceKey == pi {
					found, ok = j, true
				}
			}
			if ok {
				return found, true
			}
		}
		return ActivatedJob{}, false
	}
	switch process {
	case "trigMessage":
		_, err = e.PublishMessage(ctx, PublishMessageRequest{Name: "trig-msg", CorrelationKey: id, Variables: payload})
	case "trigGateway":
		_, err = e.PublishMessage(ctx, PublishMessageRequest{Name: "trig-gw", CorrelationKey: id, Variables: payload})
	case "trigSignal":
		_, err = e.BroadcastSignal(ctx, SignalRequest{Name: "trig-sig-" + id, Variables: payload})
	case "trigSignalGateway":
		_, err = e.BroadcastSignal(ctx, SignalRequest{Name: "trig-sgw-" + id, Variables: payload})
	case "trigTimer", "trigConditional", "trigCondStart", "trigCondGateway":
		// The timer's event is the clock; the conditions read payload.
		err = e.SetVariables(ctx, pi, payload, false)
	case "trigError":
		j, ok := job("trig-error")
		if !ok {
			return 0, false
		}
		err = e.ThrowError(ctx, j.Key, "boom", "", payload)
	case "trigEscalation":
		j, ok := job("trig-esc")
		if !ok {
			return 0, false
		}
		err = e.CompleteJob(ctx, j.Key, payload)
	}
	return pi, err == nil
}

// finishTriggered lets an instance whose event happened finish: its
// incident is resolved once limit is set. It checks that the event's
// element completed once and the event's variables arrived.
func finishTriggered(h *harness, process, catch string, pi int64) {
	h.t.Helper()
	inc := h.activeIncident(pi)
	if err := h.e.SetVariables(h.ctx, pi, map[string]any{"limit": 1}, false); err != nil {
		h.t.Fatal(err)
	}
	if err := h.e.ResolveIncident(h.ctx, inc.Key); err != nil {
		h.t.Fatal(err)
	}
	p := h.instance(pi)
	if p.State != store.StateCompleted {
		h.t.Fatalf("%s instance %d is %s after its event's incident was resolved; elements %v", process, pi, p.State, h.elementStates(pi))
	}
	states := h.elementStates(pi)
	if got := states[catch]; len(got) != 1 || got[0] != store.StateCompleted {
		h.t.Fatalf("%s instance %d: %s is %v, want completed once (elements %v)", process, pi, catch, got, states)
	}
	id := h.vars(pi)["id"]
	if got, want := h.vars(pi)["got"], `"p-`+id[1:len(id)-1]+`"`; got != want {
		h.t.Fatalf("%s instance %d: got = %s, want the event's payload %s", process, pi, got, want)
	}
}

func TestTriggersFinishOnceWithTheirVariables(t *testing.T) {
	h := newHarness(t)
	h.deploy("triggers.bpmn")
	var pis []int64
	for i, k := range triggerKinds {
		pi, ok := deliverTrigger(h.ctx, h.e, k.process, i)
		if !ok {
			t.Fatalf("%s: the event was not delivered", k.process)
		}
		pis = append(pis, pi)
	}
	h.restart()
	h.pin(time.Now().Add(2 * time.Hour)) // the timer's event
	for i, k := range triggerKinds {
		finishTriggered(h, k.process, k.catch, pis[i])
	}
}

// everyKind reports whether triggered (process instance -> index in
// triggerKinds) holds at least n instances of every trigger kind.
func everyKind(triggered map[int64]int, n int) bool {
	counts := make([]int, len(triggerKinds))
	for _, k := range triggered {
		counts[k]++
	}
	for _, c := range counts {
		if c < n {
			return false
		}
	}
	return true
}
