//go:build unix

package mcpgw

import (
	"syscall"
	"time"
)

// processTimes is the user and system CPU time this process has used.
func processTimes() (user, sys time.Duration) {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())
}
