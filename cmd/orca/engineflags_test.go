package main

import (
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/engine"
)

func TestEngineFlags(t *testing.T) {
	t.Setenv("ORCA_STEP_BUDGET", "5000")
	var o engineFlags
	f := pflag.NewFlagSet("start", pflag.ContinueOnError)
	o.add(f)
	if err := f.Parse([]string{"--steps-per-batch", "50"}); err != nil {
		t.Fatal(err)
	}
	var opts engine.Options
	if err := o.apply(&opts); err != nil {
		t.Fatal(err)
	}
	if opts.StepsPerBatch != 50 || opts.StepBudget != 5000 {
		t.Fatalf("options %d %d, want 50 (flag) and 5000 (env)", opts.StepsPerBatch, opts.StepBudget)
	}

	t.Setenv("ORCA_STEPS_PER_BATCH", "lots")
	var bad engineFlags
	bad.add(pflag.NewFlagSet("start", pflag.ContinueOnError))
	if err := bad.apply(&opts); err == nil || !strings.Contains(err.Error(), "ORCA_STEPS_PER_BATCH") {
		t.Fatalf("a malformed ORCA_STEPS_PER_BATCH: %v", err)
	}
	var zero engineFlags
	f = pflag.NewFlagSet("start", pflag.ContinueOnError)
	t.Setenv("ORCA_STEPS_PER_BATCH", "")
	zero.add(f)
	if err := f.Parse([]string{"--step-budget", "0"}); err != nil {
		t.Fatal(err)
	}
	if err := zero.apply(&opts); err == nil {
		t.Fatal("--step-budget 0 was accepted")
	}
}
