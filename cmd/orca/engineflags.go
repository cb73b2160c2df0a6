package main

import (
	"fmt"
	"os"
	"strconv"

	"github.com/spf13/pflag"

	"github.com/orcabpm/orca/internal/engine"
)

// engineFlags are the engine's bounds on runaway models (docs/engine.md).
type engineFlags struct {
	stepsPerBatch, stepBudget int
	err                       error // a malformed environment variable
}

func (o *engineFlags) add(f *pflag.FlagSet) {
	o.stepsPerBatch = o.envInt("ORCA_STEPS_PER_BATCH", engine.DefaultStepsPerBatch)
	o.stepBudget = o.envInt("ORCA_STEP_BUDGET", engine.DefaultStepBudget)
	f.IntVar(&o.stepsPerBatch, "steps-per-batch", o.stepsPerBatch,
		"follow-up steps a command runs in its own batch before the rest is carried to later batches, interleaved with other commands (env ORCA_STEPS_PER_BATCH)")
	f.IntVar(&o.stepBudget, "step-budget", o.stepBudget,
		"steps a process instance may run without reaching a wait state before it gets an incident naming its loop (env ORCA_STEP_BUDGET)")
}

func (o *engineFlags) envInt(name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		o.err = fmt.Errorf("%s=%q: want a whole number of at least 1", name, v)
		return def
	}
	return n
}

// apply sets the engine options, or says what is wrong with them.
func (o *engineFlags) apply(opts *engine.Options) error {
	if o.err != nil {
		return o.err
	}
	if o.stepsPerBatch < 1 || o.stepBudget < 1 {
		return fmt.Errorf("--steps-per-batch and --step-budget must be at least 1 (got %d and %d)", o.stepsPerBatch, o.stepBudget)
	}
	opts.StepsPerBatch, opts.StepBudget = o.stepsPerBatch, o.stepBudget
	return nil
}
