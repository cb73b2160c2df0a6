// Package store keeps the engine's state in one SQLite file: the records the
// engine writes (in group-committed transactions from a single writer) and
// the queries the APIs read them with (from a pool of read connections).
package store

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"modernc.org/libc"
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
	// WrapReader, if set, wraps the connector of the read pool: the seam
	// through which tests see the queries the reads run.
	WrapReader func(driver.Connector) driver.Connector
	// CheckUpdates makes every update of a stored row first check that
	// the columns it leaves alone (those not in mutableColumns) hold what
	// the row was inserted with, and panic when one does not: for tests,
	// which run the engine's every path with it.
	CheckUpdates bool
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
	// upserts are the insert statements of the write connection, prepared
	// on its driver connection (upsertStmt); only the writer uses them.
	upserts struct {
		conn   any
		stmts  map[writeStmtKey]driver.StmtExecContext
		shared sharedStmts // of the statements with shared values (sharedinsert.go)
	}
	// binder executes the upserts through SQLite directly (directexec.go).
	binder directBinder
	reads  *stmtCache // prepared statements of the read pool
	ckpt   *checkpointer
	// wal is the writer's walStat (C memory); backstopPages the frames at
	// which the writer checkpoints (walBackstop), backstops how often it
	// did.
	wal           uintptr
	backstopPages int
	backstops     atomic.Int64
	lock          *DirLock
	// checkUpdates: Options.CheckUpdates.
	checkUpdates bool

	searchCaps limits.Search
	// readConns is the read pool's size (Options.ReadConns).
	readConns int
}

// readCacheKiB is the page cache of each read connection, in KiB (SQLite's
// default is 2,000): the scale test's reads (a get by key and five search
// pages over 10,000 active and 100,000 finished instances) take as long
// with 1 MiB as with 2 or 8, and about 10 % longer with 256 KiB; the
// operating system caches the file as well. The read pool holds at most
// ReadConns MiB of pages.
const readCacheKiB = 1024

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
	// temp_store(MEMORY): a statement that may fail part-way (an INSERT of
	// several rows) keeps the pages it changes in a statement journal,
	// which SQLite spills into a temporary file past 64 KiB: about four
	// write system calls per one-task instance, on the commit's path.
	//
	// wal_autocheckpoint: the writer checkpoints only as a backstop; the
	// checkpointer does it on its own connection (checkpoint.go). The
	// writer's WAL hook replaces it (walBackstop) where it can be set.
	wdsn := dsn("&_pragma=synchronous(" + sync + ")&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(" +
		strconv.Itoa(writerCheckpointPages) + ")&_txlock=immediate")
	// Where every commit syncs the WAL, the writer gathers a commit's WAL
	// writes into one system call (walbuf.go).
	if sync != "NORMAL" {
		vfs, err := walBufferVFS()
		if err != nil {
			return nil, err
		}
		if vfs != "" {
			wdsn += "&vfs=" + vfs
		}
	}
	// Each connection without SQLite's connection mutex (nomutex.go).
	tls := libc.NewTLS()
	wal := libc.Xcalloc(tls, 1, uint64(unsafe.Sizeof(walStat{})))
	tls.Close()
	if wal == 0 {
		return nil, errors.New("open: out of memory")
	}
	defer func() {
		if err != nil {
			freeC(wal)
		}
	}()
	wc, err := connector(wdsn, wal)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	if opts.WrapWriter != nil {
		wc = opts.WrapWriter(wc)
	}
	// Commits sync with fdatasync(2), as SQLite's own Linux builds do: the
	// file's data and size, without the timestamps fsync(2) also forces
	// through the file system's journal (a WAL sync took about 10 % less
	// on ext4). The switch is the driver's, process-wide; every store turns
	// it on, and nothing turns it off. Where the system has no fdatasync it
	// stays fsync.
	_, _ = sqlite.Fdatasync(true)
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
	rc, err := connector(dsn("&_pragma=query_only(1)&_pragma=cache_size("+strconv.Itoa(-readCacheKiB)+")"), 0)
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	if opts.WrapReader != nil {
		rc = opts.WrapReader(rc)
	}
	r := sql.OpenDB(rc)
	r.SetMaxOpenConns(opts.ReadConns)
	r.SetMaxIdleConns(opts.ReadConns)
	cc, err := connector(dsn(""), 0)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("open %s for checkpoints: %w", path, err)
	}
	c := sql.OpenDB(cc)
	c.SetMaxOpenConns(1)
	c.SetMaxIdleConns(1)
	c.SetConnMaxLifetime(0)
	s = &Store{path: path, write: w, read: r, reads: newStmtCache(r), readConns: opts.ReadConns, lock: lock, searchCaps: opts.SearchLimits.OrDefault(),
		checkUpdates: opts.CheckUpdates, wal: wal, backstopPages: writerCheckpointPages}
	s.ckpt = startCheckpointer(c)
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
	if len(s.upserts.stmts) > 0 {
		// Statements are closed on their driver connection, as Raw wants.
		if c, err := s.write.Conn(context.Background()); err == nil {
			_ = c.Raw(func(dc any) error {
				if dc == s.upserts.conn {
					for _, st := range s.upserts.stmts {
						if c, ok := st.(driver.Stmt); ok {
							c.Close()
						}
					}
				}
				return nil
			})
			c.Close()
		}
		s.upserts.stmts = nil
	}
	s.binder.close()
	err0 := s.ckpt.stop()
	s.reads.close()
	err1 := s.read.Close()
	err2 := s.write.Close()
	freeC(s.wal) // the writer's connection, which wrote it, is closed
	s.wal = 0
	return errors.Join(err2, err1, err0)
}

// upsertSQL inserts rows (replacing a row of the same key).
func upsertSQL(table string, cols []string, rows int) string {
	var b strings.Builder
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES %s ON CONFLICT(key) DO UPDATE SET ", table,
		strings.Join(cols, ", "), strings.TrimSuffix(strings.Repeat(row+", ", rows), ", "))
	for i, c := range cols[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = excluded.%s", c, c)
	}
	return b.String()
}

type writeStmtKey struct {
	table     string
	update    bool
	keepState bool   // an update that leaves the indexedState column out
	rows      int    // rows of an insert
	shared    uint64 // of an insert, the columns bound once for all its rows (sharedinsert.go)
}

// metaStmtKey is the upsert of a named counter (Tx.SetMeta).
var metaStmtKey = writeStmtKey{table: "meta"}

const metaUpsertSQL = "INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value"

// updateSQL updates a row by key. Where the table has mutableColumns, it
// sets those (without the indexedState column when keepState: setColumns),
// from the arguments each of them, then the key (updateArgs), as
// anonymous parameters: the driver looks a named one's name up (and copies
// it) on every execution.
// Elsewhere its parameters are numbered as the table's columns (those of
// the insert), so that both statements take the same arguments, and
// columns that never change once a row is inserted and that an index
// holds (fixedColumns) are left out: SQLite rewrites the entries of every
// index whose columns an UPDATE sets.
func updateSQL(table string, cols []string, keepState bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "UPDATE %s SET ", table)
	if _, ok := mutableColumns[table]; ok {
		for i, c := range setColumns(table, keepState) {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s = ?", c)
		}
		b.WriteString(" WHERE key = ?")
		return b.String()
	}
	n := 0
	for i, c := range cols[1:] {
		if slices.Contains(fixedColumns[table], c) {
			continue
		}
		if n > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = ?%d", c, i+2)
		n++
	}
	b.WriteString(" WHERE key = ?1")
	return b.String()
}

// Tx is one write transaction.
type Tx struct {
	s    *Store
	conn *sql.Conn // the write connection, held for the transaction
	tx   *sql.Tx
	rows Rows // the rows of Put, encoded
	// lost is set when a part of the transaction whose failure its caller
	// does not fail the transaction for (DeleteHistory) could not undo
	// itself: SQLite rolled back the whole transaction (a statement without
	// a statement journal failing on a full disk, an I/O error). The
	// statements after it would each commit on their own, so every later
	// step fails with it, Commit included: the transaction fails as a whole.
	lost error
}

// Begin starts a write transaction. Only one can be open at a time: the
// engine's single writer owns the write connection.
func (s *Store) Begin(ctx context.Context) (*Tx, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("begin: %w", err)
	}
	return &Tx{s: s, conn: conn, tx: tx}, nil
}

// Put inserts or replaces a record.
func (t *Tx) Put(ctx context.Context, r Record) error {
	t.rows.Reset()
	if err := t.rows.Add(r); err != nil {
		return err
	}
	return t.Write(ctx, &t.rows)
}

// Rows are records encoded for writing: a snapshot of their columns, which
// the records may change afterwards without changing what is written.
// The writer encodes a batch's records while it owns them and writes them
// later (Tx.Write).
type Rows struct {
	rows []encodedRow
	args []driver.NamedValue
	// Scratch of Tx.Write: the rows to insert, and one statement's
	// arguments.
	pending []int
	multi   []driver.NamedValue
	enc     argEncoder
	check   *Rows // scratch of Check
}

type encodedRow struct {
	table      string
	start, end int  // the row's values in Rows.args
	stored     bool // probably in the store already: update it
	// keepState: the indexedState column holds what the row was last
	// written with (stateSealer); an update leaves it out.
	keepState bool
	// Of a row Encode made, until Seal: its record, and the value of its
	// indexedState column as encoded (stateSealer).
	rec   Record
	state string
}

// Len is the number of rows.
func (b *Rows) Len() int { return len(b.rows) }

// Reset empties b, keeping its memory.
func (b *Rows) Reset() {
	clear(b.args) // drop the references to the values
	clear(b.rows) // and to the records
	// and to the last statement's arguments: Write clears an insert's
	// after it, not an update's.
	clear(b.multi)
	b.rows, b.args, b.multi = b.rows[:0], b.args[:0], b.multi[:0]
	b.enc.reset()
}

// Encode encodes r's columns as AddNewFrom does, as a new row when i < 0,
// else into row i, which it replaces (r changed again since it was
// encoded there; the row keeps its place in the order of writing). It
// returns r's row. Whether an update of the row may leave its indexed
// state out is decided by Seal, once every row is encoded: the writer
// encodes a record each time a command changed it, and only the last of
// them is written.
func (b *Rows) Encode(i int, r Record, newFrom int64) (int, error) {
	if err := b.add(r, newFrom, true); err != nil {
		return i, err
	}
	n := len(b.rows) - 1
	if i < 0 {
		return n, nil
	}
	b.rows[i], b.rows[n] = b.rows[n], encodedRow{}
	b.rows = b.rows[:n]
	return i, nil
}

// Seal completes the rows Encode made, in one pass once the batch is
// encoded: each row's record remembers the indexed state it is written with
// (stateSealer), and an update leaves that column out where the row was
// written with the same before.
func (b *Rows) Seal() {
	for i := range b.rows {
		row := &b.rows[i]
		if row.rec == nil {
			continue
		}
		if s, ok := row.rec.(stateSealer); ok {
			row.keepState = s.sealState(row.state) && row.stored
		}
		row.rec, row.state = nil, ""
	}
}

// Check encodes r again and compares it with row i, which Encode made of r:
// an error names the first column that differs, that is a change of r since
// it was encoded that whoever made it did not report (the engine's touch).
// For tests (Options.CheckUpdates).
func (b *Rows) Check(i int, r Record, newFrom int64) error {
	if b.check == nil {
		b.check = new(Rows)
	}
	c := b.check
	c.Reset()
	if err := c.add(r, newFrom, true); err != nil {
		return err
	}
	row := b.rows[i]
	got, want := c.args, b.args[row.start:row.end]
	if len(got) != len(want) || row.table != r.Table() {
		return fmt.Errorf("row %d: %s row of %d columns encoded, now %s of %d", i, row.table, len(want), r.Table(), len(got))
	}
	for j := range got {
		if !sameValue(got[j].Value, want[j].Value) {
			return fmt.Errorf("%s %v: column %s changed after its row was encoded (%v, now %v), and the change was not reported",
				row.table, want[0].Value, tables[row.table][j], want[j].Value, got[j].Value)
		}
	}
	return nil
}

func sameValue(a, b driver.Value) bool {
	if x, ok := a.([]byte); ok {
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	}
	if _, ok := b.([]byte); ok {
		return false
	}
	return a == b
}

// Add encodes r's columns, to be inserted or replaced.
func (b *Rows) Add(r Record) error { return b.add(r, 0, false) }

// AddNewFrom encodes r's columns, where keys from newFrom on are new (made
// since the last transaction that wrote rows): a row with a smaller key was
// probably stored before, and is updated (inserted when it was not). An
// update leaves the index entries of columns that never change after the
// insert (fixedColumns) untouched, where replacing the row rewrites every
// index of the table.
func (b *Rows) AddNewFrom(r Record, newFrom int64) error { return b.add(r, newFrom, false) }

// add encodes r's row; with deferSeal, Seal decides what the row's update
// leaves out.
func (b *Rows) add(r Record, newFrom int64, deferSeal bool) error {
	start := len(b.args)
	if a, ok := r.(argsAppender); ok {
		b.enc.args, b.enc.err, b.enc.start = b.args, nil, start
		a.appendArgs(&b.enc)
		b.args, b.enc.args = b.enc.args, nil
		if err := b.enc.err; err != nil {
			clear(b.args[start:])
			b.args = b.args[:start]
			return fmt.Errorf("write %s: %w", r.Table(), err)
		}
		for i := start; i < len(b.args); i++ {
			b.args[i].Ordinal = i - start + 1
		}
		return b.sealed(r, start, newFrom, deferSeal)
	}
	for i, c := range r.Columns() {
		var v driver.Value
		switch p := c.(type) {
		case *int64:
			v = *p
		case *string:
			v = *p
		case *bool:
			v = *p
		case *int32:
			v = int64(*p)
		case *int:
			v = int64(*p)
		case *[]byte:
			v = *p
		case driver.Valuer:
			var err error
			if v, err = p.Value(); err != nil {
				b.args = b.args[:start]
				return fmt.Errorf("write %s: column %d: %w", r.Table(), i+1, err)
			}
		default:
			b.args = b.args[:start]
			return fmt.Errorf("write %s: column %d: unsupported %T", r.Table(), i+1, c)
		}
		b.args = append(b.args, driver.NamedValue{Ordinal: i + 1, Value: v})
	}
	return b.sealed(r, start, newFrom, deferSeal)
}

// sealed records r's row, whose values are b.args[start:].
func (b *Rows) sealed(r Record, start int, newFrom int64, deferSeal bool) error {
	stored := false
	if k, ok := b.args[start].Value.(int64); ok && k < newFrom {
		stored = true
	}
	row := encodedRow{table: r.Table(), start: start, end: len(b.args), stored: stored}
	if s, ok := r.(stateSealer); ok {
		if deferSeal {
			row.rec, row.state = r, s.indexedState()
		} else {
			row.keepState = s.sealState(s.indexedState()) && stored
		}
	}
	b.rows = append(b.rows, row)
	return nil
}

// stateSealer is a record whose table has an indexedState column: it
// remembers the column's value each time its row is sealed for writing
// (Rows.add, Rows.Seal), and says whether the value is the one it was last
// sealed with. A sealed batch is committed before the next one is written,
// or the engine stops and reloads its records from the store, so "last
// sealed" is what the store holds when this row is written.
// Options.CheckUpdates checks it: an update that leaves the column out
// fails the engine's tests when the stored row holds another value.
type stateSealer interface {
	indexedState() string
	sealState(encoded string) (unchanged bool)
}

// Write inserts or replaces the rows, in their order.
func (t *Tx) Write(ctx context.Context, b *Rows) error {
	if t.lost != nil {
		return t.lost
	}
	if len(b.rows) == 0 {
		return nil
	}
	err := t.conn.Raw(func(dc any) error {
		// Stored rows are updated one by one; the others (and stored ones
		// not found) are inserted several to a statement, by table.
		b.pending = b.pending[:0]
		for i, r := range b.rows {
			if r.stored {
				st, err := t.s.writeStmt(ctx, dc, writeStmtKey{table: r.table, update: true, keepState: r.keepState})
				if err != nil {
					return err
				}
				args := b.args[r.start:r.end]
				if idx, ok := updateArgs[updateShape{r.table, r.keepState}]; ok {
					if t.s.checkUpdates {
						if err := checkUpdate(ctx, dc, r.table, r.keepState, args); err != nil {
							return err
						}
					}
					b.multi = b.multi[:0]
					for n, i := range idx {
						a := args[i]
						a.Ordinal = n + 1
						b.multi = append(b.multi, a)
					}
					args = b.multi
				}
				res, err := st.ExecContext(ctx, args)
				if err != nil {
					return fmt.Errorf("update %s: %w", r.table, err)
				}
				if n, err := res.RowsAffected(); err == nil && n == 1 {
					continue
				}
				// Not stored after all: insert it.
			}
			b.pending = append(b.pending, i)
		}
		// Group by table, keeping the order within a table.
		slices.SortStableFunc(b.pending, func(i, j int) int { return strings.Compare(b.rows[i].table, b.rows[j].table) })
		for len(b.pending) > 0 {
			table := b.rows[b.pending[0]].table
			n := 1
			for n < len(b.pending) && n < maxRowsPerInsert && b.rows[b.pending[n]].table == table {
				n++
			}
			k := writeStmtKey{table: table, rows: n}
			if m := sharedMask(b, b.pending[:n], table); m != 0 {
				if k.shared = m; !t.s.useShared(k) {
					k.shared = 0
				}
			}
			st, err := t.s.writeStmt(ctx, dc, k)
			if err != nil {
				return err
			}
			b.multi = b.multi[:0]
			if k.shared != 0 {
				b.appendSharedArgs(b.pending[:n], k.shared)
			} else {
				for _, i := range b.pending[:n] {
					r := b.rows[i]
					for _, a := range b.args[r.start:r.end] {
						a.Ordinal = len(b.multi) + 1
						b.multi = append(b.multi, a)
					}
				}
			}
			_, err = st.ExecContext(ctx, b.multi)
			clear(b.multi)
			if err != nil {
				return fmt.Errorf("write %s: %w", table, err)
			}
			b.pending = b.pending[n:]
		}
		return nil
	})
	if ce := (*changedColumnError)(nil); errors.As(err, &ce) {
		panic(err) // a bug of the engine's (Options.CheckUpdates): fail its tests loudly
	}
	return err
}

// changedColumnError is a column an update leaves alone that the engine
// changed after the insert (Options.CheckUpdates).
type changedColumnError struct{ msg string }

func (e *changedColumnError) Error() string { return e.msg }

// maxRowsPerInsert bounds the rows of one INSERT statement: one statement
// of n rows costs SQLite much less than n statements (the statement's
// set-up, its cursors on the table and each index, its reset), and each
// row count is a statement of its own, prepared once.
const maxRowsPerInsert = 16

// writeStmt is the insert (or, with update, the update) statement of a
// table, prepared on the driver connection dc. Rows are written through the driver directly, without
// database/sql's per-statement argument conversion and bookkeeping (a
// fifth of the writer's time went there): only the writer uses the write
// connection's statements, one transaction at a time.
func (s *Store) writeStmt(ctx context.Context, dc any, k writeStmtKey) (driver.StmtExecContext, error) {
	if s.upserts.conn != dc {
		// A new connection (database/sql replaced a broken one): the old
		// statements went with the old connection.
		s.upserts.conn, s.upserts.stmts = dc, map[writeStmtKey]driver.StmtExecContext{}
		s.upserts.shared = sharedStmts{}
	}
	if st := s.upserts.stmts[k]; st != nil {
		return st, nil
	}
	table := k.table
	p, ok := dc.(driver.ConnPrepareContext)
	if !ok {
		return nil, fmt.Errorf("write %s: the driver cannot prepare statements", table)
	}
	var q string
	if k == metaStmtKey {
		q = metaUpsertSQL
	} else {
		cols, ok := tables[table]
		if !ok {
			return nil, fmt.Errorf("write %s: unknown table", table)
		}
		q = upsertSQL(table, cols, max(k.rows, 1))
		if k.shared != 0 {
			q = sharedUpsertSQL(table, cols, k.rows, k.shared)
		}
		if k.update {
			q = updateSQL(table, cols, k.keepState)
		}
	}
	st, err := p.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", q, err)
	}
	ex, ok := st.(driver.StmtExecContext)
	if !ok {
		st.Close()
		return nil, fmt.Errorf("write %s: the driver's statements take no context", table)
	}
	ex = s.direct(dc, st, ex)
	s.upserts.stmts[k] = ex
	if k.shared != 0 {
		s.keepShared(k)
	}
	return ex, nil
}

// SetMeta stores a named counter, through a statement the write connection
// prepared once (not on every commit).
func (t *Tx) SetMeta(ctx context.Context, name string, v int64) error {
	if t.lost != nil {
		return t.lost
	}
	err := t.conn.Raw(func(dc any) error {
		st, err := t.s.writeStmt(ctx, dc, metaStmtKey)
		if err != nil {
			return err
		}
		_, err = st.ExecContext(ctx, []driver.NamedValue{{Ordinal: 1, Value: name}, {Ordinal: 2, Value: v}})
		return err
	})
	if err != nil {
		return fmt.Errorf("write meta %s: %w", name, err)
	}
	return nil
}

// Commit makes the transaction durable. A transaction lost under one of its
// parts (Tx.lost) is rolled back instead, and Commit fails with the part's
// error.
func (t *Tx) Commit() error {
	if t.lost != nil {
		_ = t.tx.Rollback() // whatever SQLite left open
		t.conn.Close()
		return fmt.Errorf("commit: %w", t.lost)
	}
	err := t.tx.Commit()
	t.conn.Close()
	if err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	t.s.ckpt.committed()
	t.s.walBackstop(context.Background())
	return nil
}

// Rollback abandons the transaction.
func (t *Tx) Rollback() error {
	err := t.tx.Rollback()
	t.conn.Close()
	return err
}

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
	if scanTrivial(b, c.v) {
		return nil
	}
	if d, ok := c.v.(interface{ decodeJSON([]byte) error }); ok {
		return d.decodeJSON(b)
	}
	return json.Unmarshal(b, c.v)
}

// scanTrivial decodes the values most lists and maps of the store hold
// (null, [] and {}: a user task's candidates, headers and tags) as
// encoding/json does, without it (about half a microsecond a column, for
// every row a restart or a search reads); it reports whether it did.
func scanTrivial(b []byte, v any) bool {
	switch p := v.(type) {
	case *[]string:
		switch string(b) {
		case "null":
			*p = nil
			return true
		case "[]":
			if *p == nil {
				*p = []string{}
			} else {
				*p = (*p)[:0]
			}
			return true
		}
	case *map[string]string:
		switch string(b) {
		case "null":
			*p = nil
			return true
		case "{}":
			if *p == nil {
				*p = map[string]string{}
			}
			return true
		}
	}
	return false
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

// checkUpdate compares the stored row of args' key with args in every
// column an update leaves alone (Options.CheckUpdates); a row not stored
// passes (it is inserted).
func checkUpdate(ctx context.Context, dc any, table string, keepState bool, args []driver.NamedValue) error {
	cols := tables[table]
	set := setColumns(table, keepState)
	var fixed []string
	var want []driver.Value
	for i, c := range cols[1:] {
		if !slices.Contains(set, c) {
			fixed = append(fixed, c)
			want = append(want, args[i+1].Value)
		}
	}
	q, ok := dc.(driver.QueryerContext)
	if !ok {
		return fmt.Errorf("check update of %s: the driver cannot query", table)
	}
	rows, err := q.QueryContext(ctx, "SELECT "+strings.Join(fixed, ", ")+" FROM "+table+" WHERE key = ?", []driver.NamedValue{{Ordinal: 1, Value: args[0].Value}})
	if err != nil {
		return fmt.Errorf("check update of %s: %w", table, err)
	}
	defer rows.Close()
	got := make([]driver.Value, len(fixed))
	if err := rows.Next(got); err != nil {
		return nil // not stored: inserted
	}
	norm := func(v driver.Value) driver.Value {
		switch v := v.(type) {
		case bool:
			if v {
				return int64(1)
			}
			return int64(0)
		case []byte:
			return string(v)
		}
		return v
	}
	for i, c := range fixed {
		if norm(got[i]) != norm(want[i]) {
			return &changedColumnError{fmt.Sprintf("update of %s %v: column %s changed after the insert (%v, now %v), but this update writes only %v (store.mutableColumns, indexedState)",
				table, args[0].Value, c, got[i], want[i], set)}
		}
	}
	return nil
}
