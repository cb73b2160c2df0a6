//go:build !unix && !windows

package store

import (
	"errors"
	"os"
)

var errLocked = errors.New("locked")

// lockFile cannot lock on this platform: the directory is not protected.
func lockFile(*os.File) error { return nil }

func unlockFile(*os.File) {}
