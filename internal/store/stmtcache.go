package store

import (
	"context"
	"database/sql"
	"sync"
)

// maxCachedStmts bounds the read statements kept prepared: searches build
// their SQL from the filters given, so the set of texts is open-ended;
// past the bound a query is prepared for its one use, as without a cache.
const maxCachedStmts = 512

// stmtCache keeps the read pool's statements prepared, keyed by their
// text: parsing and planning a query is a large part of a read by key
// (about as much as running it), and each *sql.Stmt is prepared once per
// pool connection and then reused.
type stmtCache struct {
	db *sql.DB
	mu sync.Mutex
	m  map[string]*sql.Stmt
}

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}}
}

// stmt returns q prepared, or nil when the cache is full or preparing
// failed (the caller then runs q unprepared, which reports the error).
func (c *stmtCache) stmt(ctx context.Context, q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if st, ok := c.m[q]; ok {
		return st
	}
	if len(c.m) >= maxCachedStmts {
		return nil
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.m[q] = st
	return st
}

// query runs q on the read pool, prepared.
func (c *stmtCache) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, q, args...)
}

// queryRow runs q on the read pool, prepared, for one row.
func (c *stmtCache) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := c.stmt(ctx, q); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, q, args...)
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, st := range c.m {
		st.Close()
		delete(c.m, q)
	}
}
