//go:build !unix

package engine

import "time"

// processCPU: not measured here.
func processCPU() (user, sys time.Duration) { return 0, 0 }
