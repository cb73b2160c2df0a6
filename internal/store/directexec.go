package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"math"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Rows written without the driver's binding.
//
// The committer's rows go through statements the write connection
// prepared once (writeStmt). Executing one through the driver binds each
// argument after looking up its parameter's name, allocates C memory for
// each text argument (malloc, copy, free after the step, through the
// transpiled libc's allocator) and collects those allocations in a slice
// per execution: about a seventh of the committer's CPU in
// BenchmarkOneTaskProcess (docs/performance.md). A directStmt executes the
// same prepared statement through SQLite's C API instead: it copies every
// text argument of an execution into one C buffer the store keeps (grown,
// given back only past keepTextBytes) and binds them there with SQLITE_STATIC, then
// steps and resets the statement. The statement and the transaction are the
// driver's: only the binding and the step bypass it.
//
// This reaches into the driver's statement (its unexported pstmt field,
// found by name, as nomutex.go finds the connection's handle). Where it is
// not found, or an execution's arguments are not the plain ordered values
// the store's writes pass, the driver executes the statement as before
// (correct, only slower); TestWritesBindDirectly fails when writes stop
// going the direct way, so that a driver upgrade that moved the field is
// noticed.

// directBinder is what the direct executions of the write connection's
// statements share: a libc thread context and the C buffer of the text
// arguments. Only the write connection's holder uses it (inside
// sql.Conn.Raw), one execution at a time.
type directBinder struct {
	tls   *libc.TLS
	buf   uintptr // C memory for the text arguments of one execution
	size  int
	execs int64 // executions done directly, for tests
	// viaDriver has the driver execute every statement, as before
	// (BenchmarkOneTaskRows compares).
	viaDriver bool
}

// text returns C memory for n bytes, valid until the next call.
func (b *directBinder) text(n int) (uintptr, error) {
	if n <= b.size && b.buf != 0 {
		return b.buf, nil
	}
	size := max(n, 2*b.size, 4096)
	p := libc.Xmalloc(b.tls, uint64(size))
	if p == 0 {
		return 0, errors.New("out of C memory for binding a statement's arguments")
	}
	if b.buf != 0 {
		libc.Xfree(b.tls, b.buf)
	}
	b.buf, b.size = p, size
	return p, nil
}

// keepTextBytes bounds the buffer kept between executions: one that bound
// larger texts (a variable of some MiB) gives its memory back after it.
const keepTextBytes = 1 << 20

// trim frees a buffer grown past keepTextBytes. The statements that bound
// texts there still point into it, but bind again before their next step,
// and a reset does not read their arguments.
func (b *directBinder) trim() {
	if b.size > keepTextBytes {
		libc.Xfree(b.tls, b.buf)
		b.buf, b.size = 0, 0
	}
}

// close frees the buffer and the thread context; the statements that
// pointed into it are finalized already.
func (b *directBinder) close() {
	if b.tls == nil {
		return
	}
	if b.buf != 0 {
		libc.Xfree(b.tls, b.buf)
	}
	b.tls.Close()
	*b = directBinder{viaDriver: b.viaDriver}
}

// directStmt is a statement of the write connection executed through
// SQLite's C API (ExecContext); the driver's statement closes it.
type directStmt struct {
	driver.Stmt
	fallback driver.StmtExecContext
	b        *directBinder
	db       uintptr // sqlite3*
	pstmt    uintptr // sqlite3_stmt*
	params   int     // the statement's parameters
	maxText  int     // the longest text the connection takes (SQLITE_LIMIT_LENGTH)
}

// direct wraps st, prepared on the driver connection dc, for direct
// execution; it returns st unchanged where the driver's handles are not
// found.
func (s *Store) direct(dc any, st driver.Stmt, ex driver.StmtExecContext) driver.StmtExecContext {
	db, pstmt := sqliteHandle(dc), stmtHandle(st)
	if db == 0 || pstmt == 0 || s.binder.viaDriver {
		return ex
	}
	if s.binder.tls == nil {
		s.binder.tls = libc.NewTLS()
	}
	n := int(sqlite3.Xsqlite3_bind_parameter_count(s.binder.tls, pstmt))
	maxText := int(sqlite3.Xsqlite3_limit(s.binder.tls, db, sqlite3.SQLITE_LIMIT_LENGTH, -1))
	return &directStmt{Stmt: st, fallback: ex, b: &s.binder, db: db, pstmt: pstmt, params: n, maxText: maxText}
}

// stmtHandle is the SQLite statement handle (a sqlite3_stmt*) of st, a
// statement of modernc.org/sqlite's driver prepared once, or 0 when st is
// not one or the driver keeps it elsewhere than it did.
func stmtHandle(st driver.Stmt) uintptr { return driverHandle(st, "*sqlite.stmt", "pstmt") }

// ExecContext binds args (one per parameter, in order) and steps the
// statement to its end. Arguments of another shape go through the driver.
// A context that ended fails it before it starts, as the driver does; one
// that ends while it runs does not interrupt it (a batch's statement is
// short, and the committer's context never ends).
func (d *directStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(args) != d.params {
		return d.fallback.ExecContext(ctx, args)
	}
	text := 0
	for j, a := range args {
		if a.Ordinal != j+1 || a.Name != "" {
			return d.fallback.ExecContext(ctx, args)
		}
		switch v := a.Value.(type) {
		case nil, int64, float64, bool:
		case string:
			if err := fitText(len(v), d.maxText); err != nil {
				return nil, fmt.Errorf("bind parameter %d: %w", j+1, err)
			}
			text += len(v)
		default: // blobs, times: the driver's conversions
			return d.fallback.ExecContext(ctx, args)
		}
	}
	tls := d.b.tls
	buf, err := d.b.text(text)
	if err != nil {
		return nil, err
	}
	defer d.b.trim()
	off := uintptr(0)
	for j, a := range args {
		i := int32(j + 1)
		var rc int32
		switch v := a.Value.(type) {
		case nil:
			rc = sqlite3.Xsqlite3_bind_null(tls, d.pstmt, i)
		case int64:
			rc = sqlite3.Xsqlite3_bind_int64(tls, d.pstmt, i, v)
		case float64:
			rc = sqlite3.Xsqlite3_bind_double(tls, d.pstmt, i, v)
		case bool:
			n := int32(0)
			if v {
				n = 1
			}
			rc = sqlite3.Xsqlite3_bind_int(tls, d.pstmt, i, n)
		case string:
			p := buf + off
			if len(v) > 0 {
				copy(unsafe.Slice((*byte)(cptr(p)), len(v)), v)
			}
			off += uintptr(len(v))
			// SQLITE_STATIC (0): SQLite reads the text where it is, which
			// stays put until the next execution binds again.
			rc = sqlite3.Xsqlite3_bind_text(tls, d.pstmt, i, p, int32(len(v)), 0) // fits: fitText
		}
		if rc != sqlite3.SQLITE_OK {
			err := d.errorf("bind parameter", rc, i)
			sqlite3.Xsqlite3_reset(tls, d.pstmt)
			return nil, err
		}
	}
	d.b.execs++
	rc := sqlite3.Xsqlite3_step(tls, d.pstmt)
	for rc == sqlite3.SQLITE_ROW { // a write returns no rows; drained as sqlite3_exec would
		rc = sqlite3.Xsqlite3_step(tls, d.pstmt)
	}
	if rc != sqlite3.SQLITE_DONE {
		err := d.errorf("step", rc, 0)
		sqlite3.Xsqlite3_reset(tls, d.pstmt)
		return nil, err
	}
	if rc := sqlite3.Xsqlite3_reset(tls, d.pstmt); rc != sqlite3.SQLITE_OK {
		return nil, d.errorf("reset", rc, 0)
	}
	return directResult(sqlite3.Xsqlite3_changes64(tls, d.db)), nil
}

// fitText refuses a text of n bytes that SQLite would not take whole: one
// longer than the connection's SQLITE_LIMIT_LENGTH (max, a billion bytes
// unless set lower), which SQLite refuses at the bind, and one whose
// length does not fit the bind's 32-bit length, which the conversion would
// cut short (or turn negative: SQLite would then read up to a NUL byte).
// It runs before the text is copied into the binding's buffer.
func fitText(n, max int) error {
	if n > max || n > math.MaxInt32 {
		return fmt.Errorf("a text of %d bytes is longer than SQLite takes (%d bytes): string or blob too big (%d: SQLITE_TOOBIG)",
			n, min(max, math.MaxInt32), sqlite3.SQLITE_TOOBIG)
	}
	return nil
}

// errorf is SQLite's error for rc, with the connection's message.
func (d *directStmt) errorf(what string, rc, param int32) error {
	tls := d.b.tls
	msg := libc.GoString(sqlite3.Xsqlite3_errmsg(tls, d.db))
	code := libc.GoString(sqlite3.Xsqlite3_errstr(tls, rc))
	if param != 0 {
		what = fmt.Sprintf("%s %d", what, param)
	}
	return fmt.Errorf("%s: %s (%d: %s)", what, msg, rc, code)
}

// directResult is the rows a direct execution changed.
type directResult int64

func (r directResult) LastInsertId() (int64, error) {
	return 0, errors.New("the store's writes do not read the last insert id")
}

func (r directResult) RowsAffected() (int64, error) { return int64(r), nil }
