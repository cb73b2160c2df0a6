//go:build linux

package store

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// The WAL write buffer.
//
// SQLite appends a transaction's pages to the WAL as frames at commit, each
// with two write system calls (the frame's 24-byte header, then the page),
// and then syncs the file: about 110 writes for a commit of the one-task
// benchmark's usual batch, every one on the engine's committer. The
// writer's connection opens its files through a VFS of its own
// (walBufVFS): the system's ("unix") for every file but the WAL, whose
// writes it gathers, while they follow each other in the file, into one
// buffer it writes (in calls of up to 124 KiB) before anything else touches
// the file: a sync, a read, a size or truncation, a file control or a close.
//
// That is safe only where every commit syncs the WAL (synchronous FULL or
// EXTRA): SQLite publishes a commit's frames to other connections (the
// wal-index header) after that sync, so no reader looks for a frame still
// in the buffer. With NORMAL it publishes them unsynced, and the writer
// does not use this VFS. A write that fails reports its error at the sync
// (or whatever flushed it), which fails the commit, as the write's own
// error would have; a crash loses the buffer, as it would have lost the
// writes not yet synced.

// walBufVFS is the name of the VFS, registered once per process (SQLite's
// registry of VFSs is the process's).
const walBufVFS = "orca-walbuf"

// walBufSize is the buffer of each WAL file, in C memory; a commit's frames
// beyond it go out in several writes.
const walBufSize = 1 << 20

// walWriteMax is the most the system VFS writes in one call: it takes at
// most 128 KiB - 1 (SQLite's seekAndWriteFd).
const walWriteMax = 31 * 4096

// walFileHdr begins each file of the VFS: the sqlite3_file SQLite sees,
// followed by the system VFS's own file (inner).
type walFileHdr struct {
	_ sqlite3.Tsqlite3_file
	_ uintptr
}

// walFile is the state of one open WAL file.
type walFile struct {
	buf uintptr // walBufSize bytes of C memory; 0 until the first write
	n   int     // bytes buffered
	off int64   // the file offset of the first

	// For tests: SQLite's writes, the system's, and the flushes a write
	// elsewhere in the file forced.
	writes, sysWrites, gaps int
}

// walBuf is the registration: process-wide, as SQLite's VFS registry is.
var walBuf struct {
	once sync.Once
	err  error
	sys  uintptr // the system's VFS, which does the I/O
	// io are the methods of the WAL files (a sqlite3_io_methods in C
	// memory: the transpiled SQLite may not point into Go's).
	io   uintptr
	mu   sync.Mutex
	open map[uintptr]*walFile // by the sqlite3_file SQLite passes
}

// walBufferVFS registers walBufVFS, once, and returns its name.
func walBufferVFS() (string, error) {
	walBuf.once.Do(func() { walBuf.err = doRegisterWALBuf() })
	return walBufVFS, walBuf.err
}

func doRegisterWALBuf() error {
	tls := libc.NewTLS()
	defer tls.Close()
	sys := sqlite3.Xsqlite3_vfs_find(tls, 0)
	if sys == 0 {
		return errors.New("WAL write buffer: SQLite has no default VFS")
	}
	walBuf.sys = sys
	walBuf.open = map[uintptr]*walFile{}
	name, err := libc.CString(walBufVFS)
	if err != nil {
		return err
	}
	v := libc.Xmalloc(tls, uint64(unsafe.Sizeof(sqlite3.Tsqlite3_vfs{})))
	if v == 0 {
		return errors.New("WAL write buffer: out of memory")
	}
	vfs := (*sqlite3.Tsqlite3_vfs)(cptr(v))
	*vfs = *(*sqlite3.Tsqlite3_vfs)(cptr(sys))
	vfs.FpNext = 0
	vfs.FzName = name
	vfs.FszOsFile += int32(unsafe.Sizeof(walFileHdr{}))
	setFunc(&vfs.FxOpen, walBufOpen)

	io := libc.Xcalloc(tls, 1, uint64(unsafe.Sizeof(sqlite3.Tsqlite3_io_methods{})))
	if io == 0 {
		return errors.New("WAL write buffer: out of memory")
	}
	walBuf.io = io
	m := (*sqlite3.Tsqlite3_io_methods)(cptr(io))
	m.FiVersion = 1 // a WAL file has no shared memory nor memory map
	setFunc(&m.FxClose, walBufClose)
	setFunc(&m.FxRead, walBufRead)
	setFunc(&m.FxWrite, walBufWrite)
	setFunc(&m.FxTruncate, walBufTruncate)
	setFunc(&m.FxSync, walBufSync)
	setFunc(&m.FxFileSize, walBufFileSize)
	setFunc(&m.FxLock, walBufLock)
	setFunc(&m.FxUnlock, walBufUnlock)
	setFunc(&m.FxCheckReservedLock, walBufCheckReservedLock)
	setFunc(&m.FxFileControl, walBufFileControl)
	setFunc(&m.FxSectorSize, walBufSectorSize)
	setFunc(&m.FxDeviceCharacteristics, walBufDeviceCharacteristics)
	if rc := sqlite3.Xsqlite3_vfs_register(tls, v, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("WAL write buffer: register the VFS: SQLite error %d", rc)
	}
	return nil
}

// setFunc stores the Go function f in a C function pointer field, as the
// transpiled SQLite stores and calls them.
func setFunc[F any](field *uintptr, f F) { *(*F)(unsafe.Pointer(field)) = f }

// fn is the function in a C function pointer field.
func fn[F any](p uintptr) F { return *(*F)(unsafe.Pointer(&p)) }

// inner is the system VFS's file inside the file p, and its methods.
func inner(p uintptr) (uintptr, *sqlite3.Tsqlite3_io_methods) {
	in := p + unsafe.Sizeof(walFileHdr{})
	return in, (*sqlite3.Tsqlite3_io_methods)(cptr((*sqlite3.Tsqlite3_file)(cptr(in)).FpMethods))
}

func walBufOpen(tls *libc.TLS, pVfs, zName, pFile uintptr, flags int32, pOutFlags uintptr) int32 {
	sys := (*sqlite3.Tsqlite3_vfs)(cptr(walBuf.sys))
	open := fn[func(*libc.TLS, uintptr, uintptr, uintptr, int32, uintptr) int32](sys.FxOpen)
	if flags&sqlite3.SQLITE_OPEN_WAL == 0 {
		// Any other file is the system's own, methods and all.
		return open(tls, walBuf.sys, zName, pFile, flags, pOutFlags)
	}
	(*sqlite3.Tsqlite3_file)(cptr(pFile)).FpMethods = 0
	in, _ := inner(pFile)
	rc := open(tls, walBuf.sys, zName, in, flags, pOutFlags)
	if (*sqlite3.Tsqlite3_file)(cptr(in)).FpMethods == 0 {
		return rc // nothing to close
	}
	walBuf.mu.Lock()
	walBuf.open[pFile] = &walFile{}
	walBuf.mu.Unlock()
	(*sqlite3.Tsqlite3_file)(cptr(pFile)).FpMethods = walBuf.io
	return rc
}

func openWAL(p uintptr) *walFile {
	walBuf.mu.Lock()
	f := walBuf.open[p]
	walBuf.mu.Unlock()
	return f
}

type (
	xWrite = func(*libc.TLS, uintptr, uintptr, int32, int64) int32
	xInt   = func(*libc.TLS, uintptr, int32) int32
	xPtr   = func(*libc.TLS, uintptr, uintptr) int32
	xFile  = func(*libc.TLS, uintptr) int32
)

// flush writes what p's buffer holds.
func flush(tls *libc.TLS, p uintptr) int32 {
	f := openWAL(p)
	if f.n == 0 {
		return sqlite3.SQLITE_OK
	}
	in, m := inner(p)
	write := fn[xWrite](m.FxWrite)
	n := f.n
	f.n = 0 // written or failed, it is not written again
	for done := 0; done < n; {
		c := min(n-done, walWriteMax)
		f.sysWrites++
		if rc := write(tls, in, f.buf+uintptr(done), int32(c), f.off+int64(done)); rc != sqlite3.SQLITE_OK {
			return rc
		}
		done += c
	}
	return sqlite3.SQLITE_OK
}

func walBufWrite(tls *libc.TLS, p, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	f := openWAL(p)
	f.writes++
	if f.n > 0 && (iOfst != f.off+int64(f.n) || f.n+int(iAmt) > walBufSize) {
		if iOfst != f.off+int64(f.n) {
			f.gaps++
		}
		if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
			return rc
		}
	}
	if f.buf == 0 && int(iAmt) < walBufSize {
		f.buf = libc.Xmalloc(tls, walBufSize)
	}
	if f.buf == 0 || int(iAmt) >= walBufSize {
		// Too large to gather (SQLite writes a frame at a time).
		f.sysWrites++
		in, m := inner(p)
		return fn[xWrite](m.FxWrite)(tls, in, zBuf, iAmt, iOfst)
	}
	if f.n == 0 {
		f.off = iOfst
	}
	libc.Xmemcpy(tls, f.buf+uintptr(f.n), zBuf, uint64(iAmt))
	f.n += int(iAmt)
	return sqlite3.SQLITE_OK
}

func walBufRead(tls *libc.TLS, p, zBuf uintptr, iAmt int32, iOfst int64) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	in, m := inner(p)
	return fn[xWrite](m.FxRead)(tls, in, zBuf, iAmt, iOfst)
}

func walBufSync(tls *libc.TLS, p uintptr, flags int32) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	in, m := inner(p)
	return fn[xInt](m.FxSync)(tls, in, flags)
}

func walBufTruncate(tls *libc.TLS, p uintptr, size int64) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	in, m := inner(p)
	return fn[func(*libc.TLS, uintptr, int64) int32](m.FxTruncate)(tls, in, size)
}

func walBufFileSize(tls *libc.TLS, p, pSize uintptr) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	in, m := inner(p)
	return fn[xPtr](m.FxFileSize)(tls, in, pSize)
}

func walBufFileControl(tls *libc.TLS, p uintptr, op int32, pArg uintptr) int32 {
	if rc := flush(tls, p); rc != sqlite3.SQLITE_OK {
		return rc
	}
	in, m := inner(p)
	return fn[func(*libc.TLS, uintptr, int32, uintptr) int32](m.FxFileControl)(tls, in, op, pArg)
}

func walBufClose(tls *libc.TLS, p uintptr) int32 {
	rc := flush(tls, p)
	in, m := inner(p)
	if rc2 := fn[xFile](m.FxClose)(tls, in); rc == sqlite3.SQLITE_OK {
		rc = rc2
	}
	walBuf.mu.Lock()
	f := walBuf.open[p]
	delete(walBuf.open, p)
	walBuf.mu.Unlock()
	if f.buf != 0 {
		libc.Xfree(tls, f.buf)
	}
	return rc
}

func walBufLock(tls *libc.TLS, p uintptr, lock int32) int32 {
	in, m := inner(p)
	return fn[xInt](m.FxLock)(tls, in, lock)
}

func walBufUnlock(tls *libc.TLS, p uintptr, lock int32) int32 {
	in, m := inner(p)
	return fn[xInt](m.FxUnlock)(tls, in, lock)
}

func walBufCheckReservedLock(tls *libc.TLS, p, pResOut uintptr) int32 {
	in, m := inner(p)
	return fn[xPtr](m.FxCheckReservedLock)(tls, in, pResOut)
}

func walBufSectorSize(tls *libc.TLS, p uintptr) int32 {
	in, m := inner(p)
	return fn[xFile](m.FxSectorSize)(tls, in)
}

func walBufDeviceCharacteristics(tls *libc.TLS, p uintptr) int32 {
	in, m := inner(p)
	return fn[xFile](m.FxDeviceCharacteristics)(tls, in)
}
