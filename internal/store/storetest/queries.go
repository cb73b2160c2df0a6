package storetest

import (
	"context"
	"database/sql/driver"
	"slices"
	"sync"
)

// Queries records the statements run on a wrapped connection (the read pool
// through store.Options.WrapReader, the writer through WrapWriter), with
// their arguments: for tests that ask SQLite how it runs them (EXPLAIN
// QUERY PLAN).
type Queries struct {
	mu  sync.Mutex
	all []Query
}

// Query is one query run, with its arguments.
type Query struct {
	SQL  string
	Args []any
}

// Wrap is a store.Options.WrapReader (or WrapWriter).
func (q *Queries) Wrap(c driver.Connector) driver.Connector { return &queriesConnector{c, q} }

// Since returns the queries recorded from mark on (a position from Mark).
func (q *Queries) Since(mark int) []Query {
	q.mu.Lock()
	defer q.mu.Unlock()
	return slices.Clone(q.all[mark:])
}

// Mark is the position of the next query recorded.
func (q *Queries) Mark() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.all)
}

func (q *Queries) record(query string, args []driver.NamedValue) {
	vals := make([]any, len(args))
	for i, a := range args {
		vals[i] = a.Value
	}
	q.mu.Lock()
	q.all = append(q.all, Query{SQL: query, Args: vals})
	q.mu.Unlock()
}

type queriesConnector struct {
	driver.Connector
	q *Queries
}

func (c *queriesConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	return &queriesConn{faultyConn{conn, &Faults{}}, c.q}, nil
}

type queriesConn struct {
	faultyConn
	q *Queries
}

func (c *queriesConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.q.record(query, args)
	return c.faultyConn.QueryContext(ctx, query, args)
}

func (c *queriesConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.q.record(query, args)
	return c.faultyConn.ExecContext(ctx, query, args)
}

func (c *queriesConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.faultyConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &queriesStmt{st, c.q, query}, nil
}

type queriesStmt struct {
	driver.Stmt
	q     *Queries
	query string
}

func (s *queriesStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	s.q.record(s.query, args)
	return qc.QueryContext(ctx, args)
}

func (s *queriesStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	s.q.record(s.query, args)
	return e.ExecContext(ctx, args)
}
