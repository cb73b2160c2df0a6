//go:build !unix

package mcpgw_test

import (
	"runtime"
	"time"
)

// processCPU is not measured here: the CPU figures read 0.
func processCPU() time.Duration { return 0 }

func runtimeGOMAXPROCS() int { return runtime.GOMAXPROCS(0) }
