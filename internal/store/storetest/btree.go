package storetest

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// BTreeWrites records every row change of a wrapped write connection
// (SQLite's pre-update hook: the table, the old and the new row) with the
// columns the statement that made it sets, and counts from them the B-tree
// entries SQLite writes, table by table and index by index (Entries):
// what a write costs SQLite beyond its rows, whatever its values.
type BTreeWrites struct {
	mu     sync.Mutex
	cur    string // the statement being run
	events []rowEvent
	conns  []sqlite.DBStatus
}

type rowEvent struct {
	table    string
	op       int32
	query    string
	old, new []any
}

// Wrap is a store.Options.WrapWriter.
func (b *BTreeWrites) Wrap(c driver.Connector) driver.Connector { return &btreeConnector{c, b} }

type btreeConnector struct {
	driver.Connector
	b *BTreeWrites
}

type preUpdateHooker interface {
	RegisterPreUpdateHook(sqlite.PreUpdateHookFn)
}

func (c *btreeConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	h, ok := conn.(preUpdateHooker)
	if !ok {
		conn.Close()
		return nil, fmt.Errorf("storetest: %T has no pre-update hook", conn)
	}
	h.RegisterPreUpdateHook(c.b.hook)
	if st, ok := conn.(sqlite.DBStatus); ok {
		c.b.mu.Lock()
		c.b.conns = append(c.b.conns, st)
		c.b.mu.Unlock()
	}
	return &btreeConn{faultyConn{conn, &Faults{}}, c.b}, nil
}

// hook runs inside the statement (on the writer's goroutine).
func (b *BTreeWrites) hook(d sqlite.SQLitePreUpdateData) {
	ev := rowEvent{table: d.TableName, op: d.Op}
	n := d.Count()
	if d.Op != sqlite3.SQLITE_INSERT {
		ev.old = make([]any, n)
		_ = d.Old(ev.old...)
	}
	if d.Op != sqlite3.SQLITE_DELETE {
		ev.new = make([]any, n)
		_ = d.New(ev.new...)
	}
	b.mu.Lock()
	ev.query = b.cur
	b.events = append(b.events, ev)
	b.mu.Unlock()
}

func (b *BTreeWrites) running(q string) {
	b.mu.Lock()
	b.cur = q
	b.mu.Unlock()
}

type btreeConn struct {
	faultyConn
	b *BTreeWrites
}

func (c *btreeConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.b.running(query)
	return c.faultyConn.ExecContext(ctx, query, args)
}

func (c *btreeConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.b.running(query)
	return c.faultyConn.QueryContext(ctx, query, args)
}

func (c *btreeConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	st, err := c.faultyConn.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	return &btreeStmt{st, c.b, query}, nil
}

type btreeStmt struct {
	driver.Stmt
	b     *BTreeWrites
	query string
}

func (s *btreeStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	e, ok := s.Stmt.(driver.StmtExecContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	s.b.running(s.query)
	return e.ExecContext(ctx, args)
}

func (s *btreeStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	q, ok := s.Stmt.(driver.StmtQueryContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	s.b.running(s.query)
	return q.QueryContext(ctx, args)
}

// PageFetches counts the pages the wrapped connections have asked SQLite's
// page cache for so far (hits and misses): the B-tree pages every seek,
// insert and delete walks, whatever the load on the machine. Call it while
// the connection is idle.
func (b *BTreeWrites) PageFetches() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := 0
	for _, c := range b.conns {
		hit, _, _ := c.Status(sqlite.DBStatusCacheHit, false)
		miss, _, _ := c.Status(sqlite.DBStatusCacheMiss, false)
		n += hit + miss
	}
	return n
}

// Mark is a position in the recorded changes (for Entries).
func (b *BTreeWrites) Mark() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.events)
}

// index is one index of a table: the table's columns it refers to (in its
// key, its expressions or its WHERE), and its WHERE.
type index struct {
	name  string
	cols  []string
	where string
}

// Entries counts the B-tree entries written by the row changes recorded
// since mark, keyed by the B-tree's name (a table's or an index's), reading
// the schema from the database file at path. It follows what SQLite does:
// a row inserted or deleted writes its table's entry and one entry in each
// index whose WHERE it meets; an updated row rewrites its table's entry
// and, for each index that refers to a column the statement sets (whatever
// the column's value), deletes the old row's entry and inserts the new
// row's (each where the row meets the index's WHERE).
func (b *BTreeWrites) Entries(ctx context.Context, path string, mark int) (map[string]int, error) {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return nil, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	b.mu.Lock()
	events := slices.Clone(b.events[mark:])
	b.mu.Unlock()

	cols := map[string][]string{}
	idx := map[string][]index{}
	load := func(table string) error {
		if _, ok := cols[table]; ok {
			return nil
		}
		rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?) ORDER BY cid", table)
		if err != nil {
			return err
		}
		var cs []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			cs = append(cs, c)
		}
		rows.Close()
		cols[table] = cs
		rows, err = db.QueryContext(ctx, "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL", table)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var name, q string
			if err := rows.Scan(&name, &q); err != nil {
				return err
			}
			ix := index{name: name}
			body := q[strings.Index(q, "("):]
			if i := strings.Index(strings.ToUpper(body), " WHERE "); i >= 0 {
				ix.where = body[i+len(" WHERE "):]
			}
			words := map[string]bool{}
			for _, w := range wordRE.FindAllString(body, -1) {
				words[strings.ToLower(w)] = true
			}
			for _, c := range cs {
				if words[c] {
					ix.cols = append(ix.cols, c)
				}
			}
			idx[table] = append(idx[table], ix)
		}
		return rows.Err()
	}
	// meets evaluates an index's WHERE on a row (of the table's columns).
	meets := func(table string, ix index, row []any) (bool, error) {
		if ix.where == "" {
			return true, nil
		}
		var sel []string
		for i, c := range cols[table] {
			sel = append(sel, fmt.Sprintf("?%d AS %s", i+1, c))
		}
		var ok bool
		err := db.QueryRowContext(ctx, "SELECT coalesce(("+ix.where+"), 0) <> 0 FROM (SELECT "+strings.Join(sel, ", ")+")", row...).Scan(&ok)
		return ok, err
	}
	out := map[string]int{}
	for _, ev := range events {
		if err := load(ev.table); err != nil {
			return nil, err
		}
		out[ev.table]++
		var set []string
		if ev.op == sqlite3.SQLITE_UPDATE {
			set = setColumns(ev.query)
		}
		for _, ix := range idx[ev.table] {
			if ev.op == sqlite3.SQLITE_UPDATE && !slices.ContainsFunc(ix.cols, func(c string) bool { return slices.Contains(set, c) }) {
				continue
			}
			for _, row := range [][]any{ev.old, ev.new} {
				if row == nil {
					continue
				}
				ok, err := meets(ev.table, ix, row)
				if err != nil {
					return nil, fmt.Errorf("index %s: %w", ix.name, err)
				}
				if ok {
					out[ix.name]++
				}
			}
		}
	}
	return out, nil
}

var (
	wordRE = regexp.MustCompile(`[A-Za-z_][A-Za-z0-9_]*`)
	setRE  = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)\s*=`)
)

// setColumns are the columns an UPDATE (or an upsert's DO UPDATE) sets.
func setColumns(q string) []string {
	u := strings.ToUpper(q)
	i := strings.LastIndex(u, " SET ")
	if i < 0 {
		return nil
	}
	s := q[i+len(" SET "):]
	if j := strings.LastIndex(strings.ToUpper(s), " WHERE "); j >= 0 {
		s = s[:j]
	}
	var out []string
	for _, m := range setRE.FindAllStringSubmatch(s, -1) {
		out = append(out, strings.ToLower(m[1]))
	}
	return out
}
