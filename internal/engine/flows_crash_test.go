package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/orcabpm/orca/internal/crashtest"
	"github.com/orcabpm/orca/internal/store"
)

// flowsCrashDirEnv carries the data directory to the child process of
// TestFlowsAndListenersSurviveSIGKILL.
const flowsCrashDirEnv = "ORCA_FLOWS_CRASH_CHILD_DIR"

// TestFlowsCrashChild is the load TestFlowsAndListenersSurviveSIGKILL
// kills: instances whose flows are taken one step per batch (chain.bpmn),
// and instances left with their process's first start listener done (lp).
// It prints a line for every acknowledged command and runs until killed.
func TestFlowsCrashChild(t *testing.T) {
	dir := crashtest.ChildDir(t, flowsCrashDirEnv)
	ctx := context.Background()
	e, err := Open(ctx, Options{DataDir: dir, StepsPerBatch: 1})
	if err != nil {
		crashtest.Abort(err)
	}
	h := &harness{t: t, ctx: ctx, dir: dir, e: e}
	h.deployXML("chain.bpmn", chainModel)
	h.deployXML("lp.bpmn", listenedProcess)
	fmt.Println("DEPLOYED")
	for n := 0; ; n++ {
		if res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "chain"}); err == nil {
			fmt.Printf("CHAIN %d\n", res.ProcessInstanceKey)
		}
		res, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "lp"})
		if err != nil {
			continue
		}
		if j, ok := crashPick(ctx, e, "lp-1", res.ProcessInstanceKey); ok && e.CompleteJob(ctx, j.Key, map[string]any{"one": n}) == nil {
			fmt.Printf("LP %d %d\n", res.ProcessInstanceKey, n)
		}
	}
}

// SIGKILL while instances take their flows one batch at a time and while
// processes' start listeners run: after the restart every instance's
// stored flows match the elements it entered, each finishes with every
// flow listed once, and every acknowledged listener completion counts
// (its variable is there, it does not run again, the next one runs once).
func TestFlowsAndListenersSurviveSIGKILL(t *testing.T) {
	var chains []int64
	listened := map[int64]int64{}
	dir := crashtest.Run(t, flowsCrashDirEnv, "TestFlowsCrashChild", func(f []string) bool {
		switch {
		case len(f) == 2 && f[0] == "CHAIN":
			chains = append(chains, atoi(t, f[1]))
		case len(f) == 3 && f[0] == "LP":
			listened[atoi(t, f[1])] = atoi(t, f[2])
		}
		return len(chains) >= 30 && len(listened) >= 30
	})
	h := &harness{t: t, ctx: context.Background(), dir: dir, opts: Options{StepsPerBatch: 1}}
	h.open()
	defer h.e.Close()
	for _, pi := range chains {
		flowsMatchElements(h, pi)
	}
	for i, pi := range chains {
		for n := 0; h.instance(pi).State == store.StateActive; n++ {
			if n > 50 {
				t.Fatalf("chain %d still active: %v", pi, h.elementStates(pi))
			}
			h.batch()
		}
		h.wantFlows(pi, "in", "a", "b", "c", "out", "toEnd")
		if i == 0 {
			t.Logf("killed after %d acknowledged chains and %d listened instances", len(chains), len(listened))
		}
	}
	second := map[int64]ActivatedJob{}
	for _, j := range h.jobs("lp-2", 10_000) {
		if _, dup := second[j.ProcessInstanceKey]; dup {
			t.Fatalf("instance %d has two second listener jobs", j.ProcessInstanceKey)
		}
		second[j.ProcessInstanceKey] = j
	}
	first := map[int64]bool{}
	for _, j := range h.jobs("lp-1", 10_000) {
		first[j.ProcessInstanceKey] = true
	}
	for pi, n := range listened {
		j, ok := second[pi]
		if !ok || first[pi] {
			t.Fatalf("listened %d: second listener job %v, first listener again %v (elements %v)", pi, ok, first[pi], h.elementStates(pi))
		}
		if got := string(j.Variables["one"]); got != fmt.Sprint(n) {
			t.Fatalf("listened %d: the first listener's variable is %s, want %d", pi, got, n)
		}
		if len(h.elementStates(pi)) != 0 {
			t.Fatalf("listened %d entered elements before its start listeners were done: %v", pi, h.elementStates(pi))
		}
	}
}
