//go:build !linux

package store

// walBufferVFS: the WAL write buffer (walbuf.go) is built for Linux only;
// elsewhere the writer uses the system's VFS.
func walBufferVFS() (string, error) { return "", nil }
