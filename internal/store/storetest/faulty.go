// Package storetest injects storage failures into a store through its
// write connector (store.Options.WrapWriter): commits fail as they would
// on a full disk, until the test heals the "disk".
package storetest

import (
	"context"
	"database/sql/driver"
	"errors"
	"sync"
	"sync/atomic"
)

// ErrDiskFull is the injected failure, worded as SQLite's SQLITE_FULL.
var ErrDiskFull = errors.New("database or disk is full (SQLITE_FULL, injected)")

// Faults decides when the wrapped connection fails.
type Faults struct {
	failing atomic.Bool
	failed  atomic.Int64
	commits atomic.Int64
	held    atomic.Int64
	mu      sync.Mutex
	gate    chan struct{} // while set, commits wait for it to close
}

// Hold makes commits wait (in Commit, with the transaction's rows
// written) until Release: a commit that takes its time, as an fsync does.
func (f *Faults) Hold() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gate == nil {
		f.gate = make(chan struct{})
	}
}

// Release lets the held commits go on (failing them when Fail was called
// meanwhile).
func (f *Faults) Release() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.gate != nil {
		close(f.gate)
		f.gate = nil
	}
}

// Held counts the commits waiting for Release.
func (f *Faults) Held() int64 { return f.held.Load() }

// Fail makes every commit fail (rolled back, as SQLite does on a full
// disk) until Heal.
func (f *Faults) Fail() { f.failing.Store(true) }

// Heal lets commits through again.
func (f *Faults) Heal() { f.failing.Store(false) }

// Failed counts the commits refused so far.
func (f *Faults) Failed() int64 { return f.failed.Load() }

// Commits counts the commits that went through.
func (f *Faults) Commits() int64 { return f.commits.Load() }

// Wrap is a store.Options.WrapWriter.
func (f *Faults) Wrap(c driver.Connector) driver.Connector { return &connector{c, f} }

type connector struct {
	driver.Connector
	f *Faults
}

func (c *connector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &faultyConn{conn, c.f}, nil
}

// faultyConn passes everything to the real connection, and wraps transactions.
type faultyConn struct {
	driver.Conn
	f *Faults
}

func (c *faultyConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	var tx driver.Tx
	var err error
	if b, ok := c.Conn.(driver.ConnBeginTx); ok {
		tx, err = b.BeginTx(ctx, opts)
	} else {
		//lint:ignore SA1019 the fallback database/sql itself uses for drivers without BeginTx
		tx, err = c.Conn.Begin()
	}
	if err != nil {
		return nil, err
	}
	return &faultyTx{tx, c.f}, nil
}

func (c *faultyConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	if p, ok := c.Conn.(driver.ConnPrepareContext); ok {
		return p.PrepareContext(ctx, query)
	}
	return c.Conn.Prepare(query)
}

func (c *faultyConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if e, ok := c.Conn.(driver.ExecerContext); ok {
		return e.ExecContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *faultyConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := c.Conn.(driver.QueryerContext); ok {
		return q.QueryContext(ctx, query, args)
	}
	return nil, driver.ErrSkip
}

func (c *faultyConn) CheckNamedValue(nv *driver.NamedValue) error {
	if ch, ok := c.Conn.(driver.NamedValueChecker); ok {
		return ch.CheckNamedValue(nv)
	}
	return driver.ErrSkip
}

func (c *faultyConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

type faultyTx struct {
	driver.Tx
	f *Faults
}

func (t *faultyTx) Commit() error {
	t.f.mu.Lock()
	gate := t.f.gate
	t.f.mu.Unlock()
	if gate != nil {
		t.f.held.Add(1)
		<-gate
		t.f.held.Add(-1)
	}
	if t.f.failing.Load() {
		t.f.failed.Add(1)
		_ = t.Tx.Rollback()
		return ErrDiskFull
	}
	if err := t.Tx.Commit(); err != nil {
		return err
	}
	t.f.commits.Add(1)
	return nil
}
