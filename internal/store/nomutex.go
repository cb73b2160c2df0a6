package store

import (
	"context"
	"database/sql/driver"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// Connections without SQLite's connection mutex.
//
// The driver opens every connection SQLITE_OPEN_FULLMUTEX (hard-coded in
// its newConn; it has no option for another mode), so that every call
// into SQLite on it (each bind of a parameter, each step, each reset)
// takes and releases the connection's recursive mutex, a pthread mutex
// the transpiled C library emulates in Go: about a tenth of the one-task
// benchmark's CPU, most of it on the engine's committer.
//
// The mutex protects nothing here. database/sql never uses one driver
// connection from two goroutines at once (it holds the connection's lock
// around every call into it, Conn.Raw included), and the driver itself is
// not safe for concurrent use of one connection whatever SQLite's mode
// (its per-connection state and libc TLS are used before SQLite's mutex is
// reached: doc.go of modernc.org/sqlite). The one call the driver makes
// from another goroutine, sqlite3_interrupt when a context ends, takes no
// mutex in any mode. So each connection the store opens is switched to what
// SQLITE_OPEN_NOMUTEX opens: SQLite's connection handle keeps its mutex in
// one field (sqlite3.mutex), which NOMUTEX leaves NULL and every
// sqlite3_mutex_enter/leave then skips. SQLite's process-wide mutexes (the
// page cache's, the VFS's, the memory allocator's) stay as they are: other
// connections, on other goroutines, share what they guard.
//
// This reaches into the driver's internals (its connection's unexported
// db field, found by name) and SQLite's (the handle's layout, as the
// transpiled library declares it: a rename fails the build). Where the
// field is not found the connection keeps its mutex (correct, only
// slower), and TestConnectionsHaveNoMutex fails, so that a driver upgrade
// that moved it is noticed.

// connector is the driver's connector for dsn, whose connections have no
// connection mutex; with walStat (C memory), each records its WAL's
// frames there after each commit (setWALHook).
func connector(dsn string, walStat uintptr) (driver.Connector, error) {
	c, err := sqlite.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return noMutexConnector{c, walStat}, nil
}

// noMutexConnector opens connections as its Connector does, then drops
// each one's SQLite connection mutex (dropConnMutex) and sets its WAL hook
// where it has a walStat.
type noMutexConnector struct {
	driver.Connector
	walStat uintptr
}

func (c noMutexConnector) Connect(ctx context.Context) (driver.Conn, error) {
	dc, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	dropConnMutex(dc)
	if c.walStat != 0 {
		setWALHook(dc, c.walStat)
	}
	return dc, nil
}

// sqliteHandle is the SQLite connection handle (a sqlite3*) of dc, a
// connection of modernc.org/sqlite's driver, or 0 when dc is not one or
// the driver keeps it elsewhere than it did.
func sqliteHandle(dc any) uintptr { return driverHandle(dc, "*sqlite.conn", "db") }

// driverHandle is the uintptr field named field of x, a value of
// modernc.org/sqlite's driver of type typ, or 0 when x is not one or the
// driver keeps no such field.
func driverHandle(x any, typ, field string) uintptr {
	v := reflect.ValueOf(x)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct ||
		v.Type().String() != typ || v.Elem().Type().PkgPath() != "modernc.org/sqlite" {
		return 0
	}
	f := v.Elem().FieldByName(field)
	if !f.IsValid() || f.Kind() != reflect.Uintptr {
		return 0
	}
	return uintptr(f.Uint())
}

// dropConnMutex frees the connection mutex of dc's SQLite handle and
// leaves the handle without one, as SQLITE_OPEN_NOMUTEX would have opened
// it. It must run before dc is used from any goroutine but the caller's
// (Connect's). It reports whether it found the handle.
func dropConnMutex(dc driver.Conn) bool {
	db := sqliteHandle(dc)
	if db == 0 {
		return false
	}
	h := (*sqlite3.Tsqlite3)(cptr(db))
	m := h.Fmutex
	if m == 0 {
		return true
	}
	h.Fmutex = 0
	tls := libc.NewTLS()
	sqlite3.Xsqlite3_mutex_free(tls, m)
	tls.Close()
	return true
}

// connMutex is the connection mutex of dc's SQLite handle (0: none), and
// whether dc has a handle the store can see: for tests.
func connMutex(dc any) (mutex uintptr, ok bool) {
	db := sqliteHandle(dc)
	if db == 0 {
		return 0, false
	}
	tls := libc.NewTLS()
	defer tls.Close()
	return sqlite3.Xsqlite3_db_mutex(tls, db), true
}

// cptr is the C address p as a pointer (SQLite's memory, which Go's
// collector neither moves nor frees).
func cptr(p uintptr) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(&p)) }

// freeC frees C memory (0: nothing).
func freeC(p uintptr) {
	if p == 0 {
		return
	}
	tls := libc.NewTLS()
	libc.Xfree(tls, p)
	tls.Close()
}
