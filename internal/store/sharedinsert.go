package store

import (
	"database/sql/driver"
	"fmt"
	"strings"
)

// Shared values. A multi-row INSERT binds every column of every row: 22
// parameters a row for an audit log entry, each bound by the driver on
// its own (a text is copied into C memory, and freed after the step), a
// fifth of what an entry costs the writer. The entries of a group of MCP
// reads mostly say the same (who called, which tool, on which endpoint,
// with what result, at the batch's time), so where all the rows of one
// statement hold the same value in a column, the statement binds that
// value once and every row refers to it (SQLite's numbered parameters):
// the rows written are the same, the parameters bound fewer (for a read
// entry, 22 a row become about 2 a row plus 20 a statement).
//
// Each set of shared columns is a statement of its own, prepared once on
// the write connection. A set is prepared the second time it is seen (a
// set seen once may never come again), and at most maxSharedStmts such
// statements are kept (the oldest prepared is closed first), so an
// unsteady mix of entries costs at most a few preparations, never an
// unbounded set of statements.

// sharedValueTables are the tables whose inserts bind shared values once.
var sharedValueTables = map[string]bool{"audit_logs": true}

const (
	// maxSharedStmts bounds the statements with shared values kept on
	// the write connection.
	maxSharedStmts = 32
	// maxSeenShapes bounds the shapes remembered as seen once.
	maxSeenShapes = 256
)

// sharedStmts is the writer's bookkeeping of its statements with shared
// values (Store.upserts).
type sharedStmts struct {
	seen     map[writeStmtKey]bool // shapes seen once, not prepared
	prepared []writeStmtKey        // oldest first
}

// sharedMask is the columns (bit i: column i) whose value is the same in
// every row of b's rows, when a statement over them may share it; 0 when
// none is or the table does not share values.
func sharedMask(b *Rows, rows []int, table string) uint64 {
	if len(rows) < 2 || !sharedValueTables[table] || len(tables[table]) > 64 {
		return 0
	}
	first := b.rows[rows[0]]
	width := first.end - first.start
	var mask uint64 = 1<<width - 1
	for _, i := range rows[1:] {
		r := b.rows[i]
		if r.end-r.start != width {
			return 0
		}
		for c := 0; c < width; c++ {
			if mask&(1<<c) != 0 && !sameValue(b.args[first.start+c].Value, b.args[r.start+c].Value) {
				mask &^= 1 << c
			}
		}
	}
	return mask
}

// useShared tells whether the insert of k's shape (with k.shared set)
// should be run: prepared already, or seen before (then it is prepared).
func (s *Store) useShared(k writeStmtKey) bool {
	if _, ok := s.upserts.stmts[k]; ok {
		return true
	}
	sh := &s.upserts.shared
	if sh.seen[k] {
		delete(sh.seen, k)
		return true
	}
	if sh.seen == nil || len(sh.seen) >= maxSeenShapes {
		sh.seen = map[writeStmtKey]bool{}
	}
	sh.seen[k] = true
	return false
}

// keepShared records a statement with shared values just prepared, and
// closes the oldest kept beyond maxSharedStmts.
func (s *Store) keepShared(k writeStmtKey) {
	sh := &s.upserts.shared
	sh.prepared = append(sh.prepared, k)
	for len(sh.prepared) > maxSharedStmts {
		old := sh.prepared[0]
		sh.prepared = sh.prepared[1:]
		if st, ok := s.upserts.stmts[old].(driver.Stmt); ok {
			st.Close()
		}
		delete(s.upserts.stmts, old)
	}
}

// sharedUpsertSQL is upsertSQL for rows whose columns in shared hold one
// value. Its arguments are the shared columns' values, then each row's
// other columns', row by row (appendSharedArgs): the column list names the
// shared columns first, and each row refers to their values as ?1, ?2, ...
// and takes its own as anonymous parameters, numbered on from there. (The
// driver looks a named parameter's name up, a string made each time, once
// a parameter, not once a use.)
func sharedUpsertSQL(table string, cols []string, rows int, shared uint64) string {
	var names []string
	var refs []string
	for c, name := range cols {
		if shared&(1<<c) != 0 {
			names = append(names, name)
			refs = append(refs, fmt.Sprintf("?%d", len(refs)+1))
		}
	}
	for c, name := range cols {
		if shared&(1<<c) == 0 {
			names = append(names, name)
			refs = append(refs, "?")
		}
	}
	var b strings.Builder
	row := "(" + strings.Join(refs, ", ") + ")"
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES %s ON CONFLICT(key) DO UPDATE SET ", table, strings.Join(names, ", "),
		strings.TrimSuffix(strings.Repeat(row+", ", rows), ", "))
	for i, c := range cols[1:] {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = excluded.%s", c, c)
	}
	return b.String()
}

// appendSharedArgs appends the arguments of sharedUpsertSQL's statement
// over rows to b.multi.
func (b *Rows) appendSharedArgs(rows []int, shared uint64) {
	add := func(a driver.NamedValue) {
		a.Ordinal = len(b.multi) + 1
		b.multi = append(b.multi, a)
	}
	first := b.rows[rows[0]]
	for c, a := range b.args[first.start:first.end] {
		if shared&(1<<c) != 0 {
			add(a)
		}
	}
	for _, i := range rows {
		r := b.rows[i]
		for c, a := range b.args[r.start:r.end] {
			if shared&(1<<c) == 0 {
				add(a)
			}
		}
	}
}
