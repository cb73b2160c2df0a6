package engine

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/crashtest"
	"github.com/orcabpm/orca/internal/store"
)

func TestRestartResumesEveryWaitState(t *testing.T) {
	h := newHarness(t)
	h.deploy("order.bpmn", "gateways.bpmn", "usertask.bpmn", "messages.bpmn", "timers.bpmn")
	t0 := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	h.pin(t0)
	order := h.start("order", map[string]any{"order": map[string]any{"total": 4}})
	activated := h.job("charge-card") // activated before the restart
	routing := h.start("routing", map[string]any{"amount": 5000, "channels": []string{"mail"}})
	h.complete(h.job("risk").Key, nil) // the parallel join holds one token
	review := h.start("review", map[string]any{"reviewer": "kim", "urgent": false})
	payment := h.start("payment", map[string]any{"orderId": "o-r"})
	reminder := h.start("reminder", map[string]any{"delay": "PT10M"})
	lastKey := reminder

	h.restart()
	h.pin(t0)

	// The activated job is still held by its worker; it comes back after its timeout.
	if n := len(h.jobs("charge-card", 5)); n != 0 {
		t.Fatalf("%d charge-card jobs handed out while the first is held", n)
	}
	h.pin(t0.Add(2 * time.Minute))
	if j := h.job("charge-card"); j.Key != activated.Key || string(j.Variables["cents"]) != "400" {
		t.Fatalf("job after restart: %+v", j)
	}
	h.complete(activated.Key, map[string]any{"receipt": map[string]any{"id": "x"}})
	h.wantState(order, store.StateCompleted)

	h.complete(h.job("fraud").Key, nil)
	h.complete(h.job("mail").Key, nil)
	h.wantState(routing, store.StateCompleted)

	ut := h.userTasks(review)[0]
	if err := h.e.CompleteUserTask(h.ctx, ut.Key, map[string]any{"approved": false}); err != nil {
		t.Fatal(err)
	}
	h.wantState(review, store.StateCompleted)

	for _, name := range []string{"payment-received", "shipped"} {
		if _, err := h.e.CorrelateMessage(h.ctx, PublishMessageRequest{Name: name, CorrelationKey: "o-r"}); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	h.wantState(payment, store.StateCompleted)

	h.pin(t0.Add(10 * time.Minute))
	h.wantState(reminder, store.StateCompleted)

	if k := h.start("order", nil); k <= lastKey {
		t.Fatalf("key %d reused after restart (last before: %d)", k, lastKey)
	}
}

// crashDirEnv carries the data directory to the child process of
// TestCrashRecovery.
const crashDirEnv = "ORCA_CRASH_CHILD_DIR"

// TestCrashChild is the load that TestCrashRecovery kills. It prints a line
// for every command the engine acknowledged, and runs until killed.
func TestCrashChild(t *testing.T) {
	dir := crashtest.ChildDir(t, crashDirEnv)
	ctx := context.Background()
	e, err := Open(ctx, Options{DataDir: dir})
	if err != nil {
		crashtest.Abort(err)
	}
	var out sync.Mutex
	ack := func(format string, args ...any) {
		out.Lock()
		defer out.Unlock()
		fmt.Fprintf(os.Stdout, format+"\n", args...) // unbuffered: one write per line
	}
	h := &harness{t: t, ctx: ctx, dir: dir, e: e}
	h.deploy("order.bpmn", "timers.bpmn", "boundaries.bpmn", "eventsub.bpmn", "adhoc.bpmn", "triggers.bpmn",
		"listeners.bpmn", "tasklisteners.bpmn", "compensation.bpmn")
	ack("DEPLOYED")
	go func() { // listeners and compensation, each instance left in the middle (the child is killed, never waits)
		for n := 0; ; n++ {
			// An execution listener done, the next one's job out.
			if res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "listened", Variables: map[string]any{"amount": n}}); err == nil {
				if j, ok := crashPick(ctx, e, "el-start-1", res.ProcessInstanceKey); ok && e.CompleteJob(ctx, j.Key, map[string]any{"fromStart1": n}) == nil {
					ack("LISTEN %d %d", res.ProcessInstanceKey, n)
				}
			}
			// A user task's completion requested, its completing listener's job out.
			if res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "reviewed", Variables: map[string]any{"owner": ""}}); err == nil {
				pi := res.ProcessInstanceKey
				if j, ok := crashPick(ctx, e, "tl-create", pi); ok && e.CompleteJob(ctx, j.Key, nil) == nil {
					key, _ := strconv.ParseInt(j.CustomHeaders["io.camunda.zeebe:userTaskKey"], 10, 64)
					if e.CompleteUserTask(ctx, key, map[string]any{"late": n}) == nil {
						ack("TASK %d %d", pi, n)
					}
				}
			}
			// Bookings compensated, the handlers' jobs out.
			if res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "booking", Variables: map[string]any{"failed": true, "cards": []int{1}}}); err == nil {
				pi, ok := res.ProcessInstanceKey, true
				for _, typ := range []string{"book-hotel", "book-flight", "charge"} {
					j, got := crashPick(ctx, e, typ, pi)
					ok = ok && got && e.CompleteJob(ctx, j.Key, nil) == nil
				}
				if ok {
					ack("COMP %d", pi)
				}
			}
		}
	}()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // every trigger kind: each instance left between its event and the event's completion
		defer wg.Done()
		for n := 0; ; n++ {
			k := n % len(triggerKinds)
			if pi, ok := deliverTrigger(ctx, e, triggerKinds[k].process, 1_000_000_000+n); ok {
				ack("TRIG %d %d", k, pi)
			}
		}
	}()
	wg.Add(1)
	go func() { // ad-hoc turns: each instance left with an active inner instance and a live job
		defer wg.Done()
		pick := func(typ string, pi int64) (ActivatedJob, bool) {
			for tries := 0; tries < 50; tries++ {
				jobs, err := e.ActivateJobs(ctx, ActivateJobsRequest{Type: typ, Worker: "crash", Timeout: time.Minute, MaxJobs: 100, RequestTimeout: time.Second})
				if err != nil {
					return ActivatedJob{}, false
				}
				for _, j := range jobs {
					if j.ProcessInstanceKey == pi {
						return j, true
					}
				}
			}
			return ActivatedJob{}, false
		}
		for {
			res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "agent"})
			if err != nil {
				continue
			}
			pi := res.ProcessInstanceKey
			j, ok := pick("agent", pi)
			if !ok {
				continue
			}
			turn := &JobResult{AdHoc: &AdHocResult{ActivateElements: []AdHocActivation{
				{ElementID: "search", Variables: map[string]any{"toolCall": map[string]any{"id": "1", "q": "x"}, "toolCallResult": ""}},
				{ElementID: "review", Variables: map[string]any{"toolCall": map[string]any{"id": "2"}, "toolCallResult": ""}},
			}}}
			if e.CompleteJobWithResult(ctx, j.Key, nil, turn) != nil {
				continue
			}
			s, ok := pick("search", pi)
			if !ok || e.CompleteJob(ctx, s.Key, map[string]any{"searchResult": "r"}) != nil {
				continue
			}
			ack("AGENT %d", pi)
		}
	}()
	for w := 0; w < 4; w++ {
		wg.Add(2)
		go func(w int) { // creators
			defer wg.Done()
			for i := 0; ; i++ {
				n := w*1_000_000 + i
				res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"n": n, "order": map[string]any{"total": 1}}})
				if err != nil {
					continue
				}
				ack("PI %d %d", res.ProcessInstanceKey, n)
				if i%10 == 0 {
					res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "reminder", Variables: map[string]any{"delay": "PT1H"}})
					if err == nil {
						ack("TIMER %d", res.ProcessInstanceKey)
					}
					// A boundary timer (PT1H) and an event sub-process timer (R2/PT1H) pending.
					res, err = e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "fulfil", Variables: map[string]any{"orderId": fmt.Sprint(n), "total": 1}})
					if err == nil {
						ack("BOUNDARY %d", res.ProcessInstanceKey)
					}
					res, err = e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "subscription", Variables: map[string]any{"orderId": fmt.Sprint(n)}})
					if err == nil {
						ack("ESP %d", res.ProcessInstanceKey)
					}
				}
			}
		}(w)
		go func(w int) { // workers
			defer wg.Done()
			for {
				jobs, err := e.ActivateJobs(ctx, ActivateJobsRequest{Type: "charge-card", Worker: "crash", Timeout: time.Minute, MaxJobs: 8, RequestTimeout: time.Second})
				if err != nil {
					continue
				}
				for _, j := range jobs {
					id := fmt.Sprintf("r-%d", j.Key)
					if err := e.CompleteJob(ctx, j.Key, map[string]any{"receipt": map[string]any{"id": id}}); err == nil {
						ack("DONE %d %d", j.Key, j.ProcessInstanceKey)
					}
				}
			}
		}(w)
	}
	wg.Wait()
}

func TestCrashRecovery(t *testing.T) {
	instances := map[int64]int64{} // process instance -> n
	done := map[int64]int64{}      // job -> process instance
	var timers, boundaries, esps, agents, comps []int64
	listens, tasks := map[int64]int64{}, map[int64]int64{}
	triggered := map[int64]int{} // process instance -> index in triggerKinds
	dir := crashtest.Run(t, crashDirEnv, "TestCrashChild", func(f []string) bool {
		if len(f) == 0 {
			return false
		}
		switch f[0] {
		case "PI":
			instances[atoi(t, f[1])] = atoi(t, f[2])
		case "DONE":
			done[atoi(t, f[1])] = atoi(t, f[2])
		case "TIMER":
			timers = append(timers, atoi(t, f[1]))
		case "BOUNDARY":
			boundaries = append(boundaries, atoi(t, f[1]))
		case "ESP":
			esps = append(esps, atoi(t, f[1]))
		case "AGENT":
			agents = append(agents, atoi(t, f[1]))
		case "TRIG":
			triggered[atoi(t, f[2])] = int(atoi(t, f[1]))
		case "LISTEN":
			listens[atoi(t, f[1])] = atoi(t, f[2])
		case "TASK":
			tasks[atoi(t, f[1])] = atoi(t, f[2])
		case "COMP":
			comps = append(comps, atoi(t, f[1]))
		}
		return len(done) >= 400 && len(timers) >= 5 && len(esps) >= 5 && len(agents) >= 5 && everyKind(triggered, 3) &&
			len(listens) >= 3 && len(tasks) >= 3 && len(comps) >= 3
	})
	t.Logf("killed after %d acknowledged instances, %d acknowledged job completions, %d timer, %d boundary-timer, %d event-sub-process-timer, %d ad-hoc, %d triggered, %d execution-listener, %d task-listener and %d compensation instances",
		len(instances), len(done), len(timers), len(boundaries), len(esps), len(agents), len(triggered), len(listens), len(tasks), len(comps))

	h := &harness{t: t, ctx: context.Background(), dir: dir}
	h.open()
	defer h.e.Close()
	// Every acknowledged instance is there with its variables.
	for key, n := range instances {
		p := h.instance(key)
		if p.ProcessID != "order" {
			t.Fatalf("instance %d: %+v", key, p)
		}
		if got := h.vars(key)["n"]; got != strconv.FormatInt(n, 10) {
			t.Fatalf("instance %d: n = %q, want %d", key, got, n)
		}
		if len(p.TakenFlows) == 0 || p.TakenFlows[0] != "f1" {
			t.Fatalf("instance %d: taken flows %v, want f1 first", key, p.TakenFlows)
		}
	}
	// Every acknowledged completion took effect.
	for job, piKey := range done {
		if j := h.jobRecord(job); j.State != store.JobCompleted {
			t.Fatalf("acknowledged job %d is %s", job, j.State)
		}
		h.wantState(piKey, store.StateCompleted)
		h.wantFlows(piKey, "f1", "f2")
		if got := h.vars(piKey)["receiptId"]; got != strconv.Quote(fmt.Sprintf("r-%d", job)) {
			t.Fatalf("instance %d: receiptId = %s", piKey, got)
		}
	}
	// Boundary and event sub-process timers fire once, not twice, however
	// often the clock moves.
	later := time.Now().Add(90 * time.Minute)
	h.pin(later)
	h.pin(later.Add(time.Second))
	for _, k := range boundaries {
		if uts := h.userTasks(k); len(uts) != 1 || uts[0].ElementID != "remind" {
			t.Fatalf("instance %d: %d reminder tasks after the boundary timer, want 1", k, len(uts))
		}
	}
	nudges := map[int64]int{}
	for _, j := range h.jobs("nudge", 10_000) {
		nudges[j.ProcessInstanceKey]++
	}
	for _, k := range esps {
		if nudges[k] != 1 {
			t.Fatalf("instance %d: %d event sub-process nudges after the first tick, want 1", k, nudges[k])
		}
	}

	// Timers still fire; held jobs time out; every instance can finish.
	h.pin(time.Now().Add(2 * time.Hour))

	// Every acknowledged event (message, signal, timer, error, escalation,
	// the event-based gateway's chosen flow) is applied once, with its
	// variables, when its instance goes on after the restart.
	for pi, k := range triggered {
		finishTriggered(h, triggerKinds[k].process, triggerKinds[k].catch, pi)
		if triggerKinds[k].process == "trigGateway" { // the chosen flow, taken after the restart
			h.wantFlows(pi, "g0", "g1", "g3")
		}
	}

	// Each acknowledged ad-hoc turn left a live agent job: its next turn
	// completes the sub-process.
	agentJobs := map[int64]ActivatedJob{}
	for _, j := range h.jobs("agent", 10_000) {
		agentJobs[j.ProcessInstanceKey] = j
	}
	for _, pi := range agents {
		j, ok := agentJobs[pi]
		if !ok {
			t.Fatalf("ad-hoc instance %d has no activatable agent job after the restart", pi)
		}
		if string(j.Variables["toolCallResults"]) != `[{"content":"r","id":"1"}]` {
			t.Fatalf("ad-hoc instance %d: toolCallResults %s", pi, j.Variables["toolCallResults"])
		}
		final := &JobResult{AdHoc: &AdHocResult{CompletionConditionFulfilled: true, CancelRemainingInstances: true}}
		if err := h.e.CompleteJobWithResult(h.ctx, j.Key, nil, final); err != nil {
			t.Fatalf("ad-hoc instance %d: %v", pi, err)
		}
		h.wantState(pi, store.StateCompleted)
	}
	for _, k := range timers {
		h.wantState(k, store.StateCompleted)
	}
	crashCheckListenersAndCompensation(h, listens, tasks, comps)
	const orders = "state = 'ACTIVE' AND process_id IN ('order', 'nightly', 'reminder')"
	active, err := store.Select(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, orders)
	if err != nil {
		t.Fatal(err)
	}
	for len(active) > 0 {
		// The nightly timer start event of timers.bpmn fired too.
		jobs := append(h.jobs("charge-card", 100), h.jobs("report", 100)...)
		if len(jobs) == 0 {
			for _, a := range active {
				js, _ := store.Select(h.ctx, h.e.Store(), func() *store.Job { return new(store.Job) }, "process_instance_key = ?", a.Key)
				for _, j := range js {
					t.Logf("instance %d job %+v", a.Key, *j)
				}
				t.Logf("instance %d: %+v elements %v", a.Key, *a, h.elementStates(a.Key))
			}
			t.Fatalf("%d instances active but no job to work on", len(active))
		}
		for _, j := range jobs {
			h.complete(j.Key, map[string]any{"receipt": map[string]any{"id": "after"}})
		}
		active, err = store.Select(h.ctx, h.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, orders)
		if err != nil {
			t.Fatal(err)
		}
	}
}

// crashPick activates the job of a type that belongs to an instance.
func crashPick(ctx context.Context, e *Engine, typ string, pi int64) (ActivatedJob, bool) {
	for tries := 0; tries < 50; tries++ {
		jobs, err := e.ActivateJobs(ctx, ActivateJobsRequest{Type: typ, Worker: "crash", Timeout: time.Minute, MaxJobs: 100, RequestTimeout: time.Second})
		if err != nil {
			return ActivatedJob{}, false
		}
		for _, j := range jobs {
			if j.ProcessInstanceKey == pi {
				return j, true
			}
		}
	}
	return ActivatedJob{}, false
}

// crashCheckListenersAndCompensation finishes, after the restart, the
// instances the child left in the middle of a listener or a compensation:
// the pending listener or handlers have one job each, nothing done runs
// again, and the variables acknowledged are there.
func crashCheckListenersAndCompensation(h *harness, listens, tasks map[int64]int64, comps []int64) {
	h.t.Helper()
	byInstance := func(typ string) map[int64][]ActivatedJob {
		m := map[int64][]ActivatedJob{}
		for _, j := range h.jobs(typ, 10_000) {
			m[j.ProcessInstanceKey] = append(m[j.ProcessInstanceKey], j)
		}
		return m
	}
	first, second := byInstance("el-start-1"), byInstance("el-start-2")
	for pi, n := range listens {
		if len(first[pi]) != 0 || len(second[pi]) != 1 {
			h.t.Fatalf("listened %d: %d first and %d second start listener jobs after the restart, want 0 and 1", pi, len(first[pi]), len(second[pi]))
		}
		if got := string(second[pi][0].Variables["fromStart1"]); got != strconv.FormatInt(n, 10) {
			h.t.Fatalf("listened %d: the first listener's variable is %s, want %d", pi, got, n)
		}
	}
	completing := byInstance("tl-complete")
	for pi, n := range tasks {
		if len(completing[pi]) != 1 {
			h.t.Fatalf("reviewed %d: %d completing listener jobs after the restart, want 1", pi, len(completing[pi]))
		}
		h.complete(completing[pi][0].Key, nil)
		h.wantState(pi, store.StateCompleted)
		h.wantVars(pi, map[string]string{"late": strconv.FormatInt(n, 10)})
	}
	handlers := map[string]map[int64][]ActivatedJob{}
	for _, typ := range []string{"undo-hotel", "undo-flight", "refund"} {
		handlers[typ] = byInstance(typ)
	}
	for _, pi := range comps {
		for typ, m := range handlers {
			if len(m[pi]) != 1 {
				h.t.Fatalf("booking %d: %d %s handler jobs after the restart, want 1", pi, len(m[pi]), typ)
			}
			h.complete(m[pi][0].Key, nil)
		}
		h.wantState(pi, store.StateCompleted)
	}
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("bad number %q", s)
	}
	return n
}

// A pinned clock is state, as in Zeebe: it survives a restart (so a job's
// timeout or a timer is not judged against the real time in between), and a
// reset does too.
func TestPinnedClockSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	t0 := time.Now().Add(-30 * 24 * time.Hour).UTC().Truncate(time.Millisecond)
	h.pin(t0)
	h.restart()
	if got := h.e.Now(); !got.Equal(t0) {
		t.Fatalf("clock after restart = %v, want the pinned %v", got, t0)
	}
	if err := h.e.ResetClock(h.ctx); err != nil {
		t.Fatal(err)
	}
	h.restart()
	if got := h.e.Now(); got.Sub(t0) < 29*24*time.Hour {
		t.Fatalf("clock after reset and restart = %v, want the real time", got)
	}
}
