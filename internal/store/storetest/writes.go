package storetest

import (
	"context"
	"database/sql/driver"
	"maps"
	"strings"
	"sync"
)

// Writes counts the statements that change rows (INSERT, UPDATE, DELETE)
// on a wrapped write connection, and the rows they changed, by statement
// kind and table: what a batch costs SQLite, whatever the engine's own
// bookkeeping says.
type Writes struct {
	mu     sync.Mutex
	n      map[string]int
	rows   map[string]int
	params map[string]int
}

// Wrap is a store.Options.WrapWriter.
func (w *Writes) Wrap(c driver.Connector) driver.Connector { return &countingConnector{c, w} }

// Counts returns the statements run so far, keyed "INSERT table" (an
// upsert counts as an INSERT), "UPDATE table", "DELETE table".
func (w *Writes) Counts() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.n)
}

// Rows returns the rows those statements changed, keyed as Counts.
func (w *Writes) Rows() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.rows)
}

// Params returns the arguments bound to those statements (each one the
// driver binds on its own), keyed as Counts.
func (w *Writes) Params() map[string]int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.params)
}

func (w *Writes) count(query string, res driver.Result, params int) {
	k := writeKind(query)
	if k == "" {
		return
	}
	rows, _ := res.RowsAffected()
	w.mu.Lock()
	if w.n == nil {
		w.n, w.rows, w.params = map[string]int{}, map[string]int{}, map[string]int{}
	}
	w.n[k]++
	w.rows[k] += int(rows)
	w.params[k] += params
	w.mu.Unlock()
}

// writeKind names a statement "INSERT table", "UPDATE table" or "DELETE
// table"; "" for anything else (reads, BEGIN, COMMIT, pragmas).
func writeKind(q string) string {
	f := strings.Fields(q)
	if len(f) < 3 {
		return ""
	}
	switch strings.ToUpper(f[0]) {
	case "INSERT", "REPLACE":
		if strings.EqualFold(f[1], "INTO") {
			return "INSERT " + f[2]
		}
		if len(f) > 3 && strings.EqualFold(f[1], "OR") && strings.EqualFold(f[3], "INTO") && len(f) > 4 {
			return "INSERT " + f[4]
		}
	case "UPDATE":
		return "UPDATE " + f[1]
	case "DELETE":
		if strings.EqualFold(f[1], "FROM") {
			return "DELETE " + f[2]
		}
	}
	return ""
}

type countingConnector struct {
	driver.Connector
	w *Writes
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &countingConn{faultyConn{conn, &Faults{}}, c.w}, nil
}

// countingConn passes everything to the real connection, counting the
// writes of direct and prepared statements.
type countingConn struct {
	faultyConn
	w *Writes
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	r, err := c.faultyConn.ExecContext(ctx, query, args)
	if err == nil {
		c.w.count(query, r, len(args))
	}
	return r, err
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.faultyConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &countingStmt{st, c.w, query}, nil
}

type countingStmt struct {
	driver.Stmt
	w     *Writes
	query string
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	var r driver.Result
	var err error
	if e, ok := s.Stmt.(driver.StmtExecContext); ok {
		r, err = e.ExecContext(ctx, args)
	} else {
		return nil, driver.ErrSkip
	}
	if err == nil {
		s.w.count(s.query, r, len(args))
	}
	return r, err
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if q, ok := s.Stmt.(driver.StmtQueryContext); ok {
		return q.QueryContext(ctx, args)
	}
	return nil, driver.ErrSkip
}
