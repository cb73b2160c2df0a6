// Package store keeps the engine's state in one SQLite file: the records the
// engine writes (in group-committed transactions from a single writer) and
// the queries the APIs read them with (from a pool of read connections).
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"modernc.org/sqlite" // the pure-Go SQLite driver, registered as "sqlite"

	"github.com/orcabpm/orca/internal/limits"
)

// Options tune durability.
type Options struct {
	// Synchronous is SQLite's synchronous pragma: "FULL" (default: a
	// committed transaction survives power loss) or "NORMAL" (survives a
	// process crash; a power loss may lose the last commits).
	Synchronous string
	// ReadConns is the size of the read pool (default 4).
	ReadConns int
	// WrapWriter, if set, wraps the connector of the write connection: the
	// seam through which tests inject storage failures (a full disk, a
	// database locked by another process).
	WrapWriter func(driver.Connector) driver.Connector
	// Lock is the data directory's lock when the caller took it already
	// (LockDir); the store then owns it and releases it on Close. Nil: Open
	// takes it.
	Lock *DirLock
	// SearchLimits are the caps on one search (zero fields: the documented
	// defaults).
	SearchLimits limits.Search
}

// Store is one open data directory.
type Store struct {
	path  string
	write *sql.DB
	read  *sql.DB
	stmts map[string]*sql.Stmt // upsert statement per table, on the write connection
	reads *stmtCache           // prepared statements of the read pool
	lock  *DirLock

	searchCaps limits.Search
}

// FileName is the database file inside the data directory.
const FileName = "orca.db"

// Open opens (creating if needed) the store in dir, which it owns until
// Close: a second Open of the same directory, in this process or another,
// fails with a *LockedError while the first is open.
func Open(ctx context.Context, dir string, opts Options) (s *Store, err error) {
	lock := opts.Lock
	if lock == nil {
		if lock, err = LockDir(dir); err != nil {
			return nil, err
		}
	}
	defer func() {
		if err != nil {
			lock.Release()
		}
	}()
	sync := strings.ToUpper(opts.Synchronous)
	if sync == "" {
		sync = "FULL"
	}
	if sync != "FULL" && sync != "NORMAL" && sync != "EXTRA" {
		return nil, fmt.Errorf("synchronous must be FULL, NORMAL or EXTRA, not %q", opts.Synchronous)
	}
	if opts.ReadConns <= 0 {
		opts.ReadConns = 4
	}
	path := filepath.Join(dir, FileName)
	dsn := func(extra string) string {
		return "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=foreign_keys(0)" + extra
	}
	wc, err := sqlite.NewConnector(dsn("&_pragma=synchronous(" + sync + ")&_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if opts.WrapWriter != nil {
		wc = opts.WrapWriter(wc)
	}
	w := sql.OpenDB(wc)
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// One transaction: a new data directory's tables and indexes cost one
	// commit (one fsync), not one each.
	if _, err := w.ExecContext(ctx, "BEGIN IMMEDIATE;\n"+schema+"\nCOMMIT;"); err != nil {
		_, _ = w.ExecContext(ctx, "ROLLBACK")
		w.Close()
		return nil, fmt.Errorf("create schema in %s: %w", path, err)
	}
	if err := migrate(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("upgrade schema in %s: %w", path, err)
	}
	// Statistics for the query planner, bounded in cost (analysis_limit:
	// about a thousand rows an index, whatever the table's size), refreshed
	// where a table grew or shrank much since: a search over a large history
	// then walks the index that serves its order and filter instead of
	// sorting every match.
	if _, err := w.ExecContext(ctx, "PRAGMA analysis_limit=1000; PRAGMA optimize=0x10002"); err != nil {
		w.Close()
		return nil, fmt.Errorf("query planner statistics in %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", dsn("&_pragma=query_only(1)"))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	s = &Store{path: path, write: w, read: r, stmts: map[string]*sql.Stmt{}, reads: newStmtCache(r), lock: lock, searchCaps: opts.SearchLimits.OrDefault()}
	for table, cols := range tables {
		st, err := w.PrepareContext(ctx, upsertSQL(table, cols))
		if err != nil {
			s.closeDB()
			return nil, fmt.Errorf("prepare upsert for %s: %w", table, err)
		}
		s.stmts[table] = st
	}
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes both pools and gives the data directory up. The WAL is
// checkpointed by SQLite on the last close.
func (s *Store) Close() error {
	err := s.closeDB()
	s.lock.Release()
	return err
}

func (s *Store) closeDB() error {
	for _, st := range s.stmts {
		st.Close()
	}
	s.reads.close()
	err1 := s.read.Close()
	err2 := s.write.Close()
	if err2 != nil {
		return err2
	}
	return err1
}

func upsertSQL(table string, cols []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES (%s) ON CONFLICT(key) DO UPDATE SET ", table,
		strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", "))
	for i, c := range cols[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = excluded.%s", c, c)
	}
	return b.String()
}

// Tx is one write transaction.
type Tx struct {
	s  *Store
	tx *sql.Tx
	// stmts are the insert statements bound to this transaction, by table:
	// a batch writes many rows of few tables, and binding a statement to
	// the transaction once per table instead of once per row saves the
	// writer's commit path a wrapper, a lock and a close per row.
	stmts map[string]*sql.Stmt
}

// Begin starts a write transaction. Only one can be open at a time: the
// engine's single writer owns the write connection.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{s: s, tx: tx}, nil
}

// Put inserts or replaces a record.
func (t *Tx) Put(ctx context.Context, r Record) error {
	table := r.Table()
	st := t.stmts[table]
	if st == nil {
		st = t.tx.StmtContext(ctx, t.s.stmts[table])
		if t.stmts == nil {
			t.stmts = map[string]*sql.Stmt{}
		}
		t.stmts[table] = st
	}
	if _, err := st.ExecContext(ctx, execArgs(r.Columns())...); err != nil {
		return fmt.Errorf("write %s: %w", r.Table(), err)
	}
	return nil
}

// execArgs turns the column pointers of a record (shared with Scan) into
// the values they point at, as database/sql would through reflection, for
// the common column types; other columns (Valuers) are left as they are.
func execArgs(cols []any) []any {
	for i, c := range cols {
		switch p := c.(type) {
		case *int64:
			cols[i] = *p
		case *string:
			cols[i] = *p
		case *bool:
			cols[i] = *p
		case *int32:
			cols[i] = int64(*p)
		case *int:
			cols[i] = int64(*p)
		case *[]byte:
			cols[i] = *p
		}
	}
	return cols
}

// SetMeta stores a named counter.
func (t *Tx) SetMeta(ctx context.Context, name string, v int64) error {
	_, err := t.tx.ExecContext(ctx, "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value", name, v)
	if err != nil {
		return fmt.Errorf("write meta %s: %w", name, err)
	}
	return nil
}

// Commit makes the transaction durable.
func (t *Tx) Commit() error {
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// Rollback abandons the transaction.
func (t *Tx) Rollback() error { return t.tx.Rollback() }

// AbortWrite rolls back whatever a failed commit may have left open on the
// write connection (SQLite keeps a transaction whose COMMIT failed busy), so
// that the next Begin starts clean.
func (s *Store) AbortWrite(ctx context.Context) {
	_, _ = s.write.ExecContext(ctx, "ROLLBACK")
}

// Meta reads a named counter (0 when unset).
func (s *Store) Meta(ctx context.Context, name string) (int64, error) {
	var v int64
	err := s.write.QueryRowContext(ctx, "SELECT value FROM meta WHERE name = ?", name).Scan(&v)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read meta %s: %w", name, err)
	}
	return v, nil
}

// LoadAll reads, on the write connection (used at start-up, before the
// writer runs), every row of r's table matching where, appending new records
// made by mk.
func LoadAll[T Record](ctx context.Context, s *Store, mk func() T, where string, args ...any) ([]T, error) {
	return selectRows(ctx, s.write.QueryContext, mk, where, args...)
}

// queryFunc runs a query: a pool's QueryContext, or a statement cache's.
type queryFunc func(ctx context.Context, q string, args ...any) (*sql.Rows, error)

func selectRows[T Record](ctx context.Context, query queryFunc, mk func() T, where string, args ...any) ([]T, error) {
	proto := mk()
	q := "SELECT " + strings.Join(tables[proto.Table()], ", ") + " FROM " + proto.Table()
	if where != "" {
		q += " WHERE " + where
	}
	rows, err := query(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", proto.Table(), err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		r := mk()
		if err := rows.Scan(r.Columns()...); err != nil {
			return nil, fmt.Errorf("scan %s: %w", proto.Table(), err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("query %s: %w", proto.Table(), err)
	}
	return out, nil
}

// Get reads one record by key from the read pool; found is false when absent.
func Get[T Record](ctx context.Context, s *Store, mk func() T, key int64) (rec T, found bool, err error) {
	rs, err := selectRows(ctx, s.reads.query, mk, "key = ?", key)
	if err != nil || len(rs) == 0 {
		return rec, false, err
	}
	return rs[0], true, nil
}

// Select reads records matching where from the read pool.
func Select[T Record](ctx context.Context, s *Store, mk func() T, where string, args ...any) ([]T, error) {
	return selectRows(ctx, s.reads.query, mk, where, args...)
}

// timeCol stores a time.Time as Unix milliseconds, the zero time as NULL.
type timeCol struct{ t *time.Time }

func (c timeCol) Value() (driver.Value, error) {
	if c.t.IsZero() {
		return nil, nil
	}
	return c.t.UnixMilli(), nil
}

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.t = time.Time{}
	case int64:
		*c.t = time.UnixMilli(v).UTC()
	default:
		return fmt.Errorf("time column: unexpected %T", src)
	}
	return nil
}

// keyCol stores a key, with 0 (no key) as NULL.
type keyCol struct{ k *int64 }

func (c keyCol) Value() (driver.Value, error) {
	if *c.k == 0 {
		return nil, nil
	}
	return *c.k, nil
}

func (c keyCol) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.k = 0
	case int64:
		*c.k = v
	default:
		return fmt.Errorf("key column: unexpected %T", src)
	}
	return nil
}

// jsonCol stores any JSON-encodable value as text.
type jsonCol struct{ v any }

func (c jsonCol) Value() (driver.Value, error) {
	b, err := json.Marshal(c.v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func (c jsonCol) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case nil:
		return nil
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		return fmt.Errorf("json column: unexpected %T", src)
	}
	return json.Unmarshal(b, c.v)
}

// nullString stores a string, with "" as NULL.
type nullString struct{ s *string }

func (c nullString) Value() (driver.Value, error) {
	if *c.s == "" {
		return nil, nil
	}
	return *c.s, nil
}

func (c nullString) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*c.s = ""
	case string:
		*c.s = v
	case []byte:
		*c.s = string(v)
	default:
		return fmt.Errorf("string column: unexpected %T", src)
	}
	return nil
}

// subTypeCol stores a message subscription's type, which its element
// instance key decides, so that searches filter and sort by it; reading
// it back changes nothing.
type subTypeCol struct{ r *MessageSubscription }

func (c subTypeCol) Value() (driver.Value, error) { return c.r.Type(), nil }
func (c subTypeCol) Scan(any) error               { return nil }
