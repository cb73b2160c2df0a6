package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Checkpoints: SQLite copies the pages a transaction appended to the WAL
// back into the database file ("checkpoints") once the WAL holds
// wal_autocheckpoint pages (1,000 by default), on the connection whose
// commit crossed the mark, inside that commit. For the store that is the
// engine's committer, whose thread is the engine's throughput: about every
// 15th commit under load also read and wrote 1,000 pages and synced the
// database file.
//
// So a checkpointer goroutine, on a connection of its own, runs PASSIVE
// checkpoints (which never wait for the writer nor stop it) every
// checkpointCommits commits, on the other core. A PASSIVE checkpoint copies
// what was committed before it started, and the writer goes on appending
// meanwhile, so under a steady load it seldom finds the WAL fully copied;
// only then can the WAL start again from its beginning. The writer keeps
// checkpointing itself, as a backstop, once the WAL holds
// writerCheckpointPages pages: by then the checkpointer has copied all but
// the last few commits, so the writer's checkpoint is short, and the WAL
// is reused from its start.
//
// The WAL's bound. SQLite's own backstop (wal_autocheckpoint) is skipped
// when it finds the checkpoint lock taken by the checkpointer, so that
// under a steady load, with the checkpointer's passes overlapping the
// commits, the WAL grew past it by whatever was committed meanwhile (600
// to 2,200 frames seen with a backstop of 100), without a bound. The
// writer's connection therefore reports the WAL's frames after each commit
// (a WAL hook, walHook, in place of SQLite's), and Tx.Commit checkpoints
// once they reach the backstop, waiting for a pass of the checkpointer
// under way rather than skipping (walBackstop). So after each commit the
// WAL holds fewer than writerCheckpointPages frames or is copied whole,
// and the next write starts it again from its beginning: under a steady
// load it never holds more than the backstop plus a commit's frames, but
// where a reader still reads an older snapshot from it (SQLite cannot
// restart a WAL a reader uses; reads are short, bounded by the searches'
// time limit). TestWALStaysBoundedUnderSteadyWrites holds it to that.
const (
	checkpointCommits     = 16
	writerCheckpointPages = 4000
)

// checkpointer runs the background checkpoints of a store.
type checkpointer struct {
	db *sql.DB
	// pass is held during each checkpoint of the checkpointer, and by the
	// writer's backstop while it waits for one.
	pass    sync.Mutex
	commits atomic.Int64 // commits of the writer
	every   int64        // checkpointCommits (tests change it)
	kick    chan struct{}
	quit    chan struct{}
	done    sync.WaitGroup
	runs    atomic.Int64 // checkpoints run, for tests
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, every: checkpointCommits, kick: make(chan struct{}, 1), quit: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c
}

// committed counts a commit of the writer; every checkpointCommits-th
// wakes the checkpointer (never waiting for it).
func (c *checkpointer) committed() {
	if c.commits.Add(1)%c.every != 0 {
		return
	}
	select {
	case c.kick <- struct{}{}:
	default: // a checkpoint is due already
	}
}

func (c *checkpointer) run() {
	defer c.done.Done()
	for {
		select {
		case <-c.quit:
			return
		case <-c.kick:
		}
		// An error (the database busy in an exclusive mode, a disk error)
		// leaves the pages in the WAL, where readers find them; the
		// writer's own checkpoint or the next one here copies them.
		var busy, log, copied int64
		c.pass.Lock()
		_ = c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied)
		c.pass.Unlock()
		c.runs.Add(1)
	}
}

// stop ends the checkpointer and closes its connection; it waits for a
// checkpoint under way.
func (c *checkpointer) stop() error {
	close(c.quit)
	c.done.Wait()
	return c.db.Close()
}

// walStat is what the writer's WAL hook records, in C memory (the
// transpiled SQLite calls the hook with its address).
type walStat struct {
	frames int32 // the WAL's frames after the last commit that wrote any
	_      int32
}

// walHook is the WAL hook of the writer's connection (sqlite3_wal_hook),
// which SQLite calls after each commit that wrote frames, on the
// committing goroutine: it records how many the WAL holds. It replaces
// SQLite's own hook, wal_autocheckpoint's (walBackstop does its work). It
// must return SQLITE_OK: another code fails the COMMIT that called it,
// committed as it is.
func walHook(_ *libc.TLS, arg, _, _ uintptr, frames int32) int32 {
	(*walStat)(cptr(arg)).frames = frames
	return sqlite3.SQLITE_OK
}

// setWALHook makes dc (the writer's connection) record its WAL's frames in
// stat after each commit. It reports whether it could.
func setWALHook(dc any, stat uintptr) bool {
	db := sqliteHandle(dc)
	if db == 0 {
		return false
	}
	var fp uintptr
	*(*func(*libc.TLS, uintptr, uintptr, uintptr, int32) int32)(unsafe.Pointer(&fp)) = walHook
	tls := libc.NewTLS()
	sqlite3.Xsqlite3_wal_hook(tls, db, fp, stat)
	tls.Close()
	return true
}

// walBackstop checkpoints the WAL on the writer's connection once the
// last commit left it at s.backstopPages frames or more (the writer's
// hook counts them), waiting for a checkpoint of the checkpointer under
// way instead of skipping, as SQLite's own backstop did. It runs after a
// commit, on the writer's goroutine, outside any transaction. An error
// leaves the frames in the WAL, where readers find them; the next commit
// tries again.
func (s *Store) walBackstop(ctx context.Context) {
	if s.wal == 0 {
		return
	}
	st := (*walStat)(cptr(s.wal))
	if int(st.frames) < s.backstopPages {
		return
	}
	st.frames = 0
	var busy, log, copied int64
	s.ckpt.pass.Lock()
	defer s.ckpt.pass.Unlock()
	_ = s.write.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied)
	s.backstops.Add(1)
}
