package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
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
// is reused from its start. (While a checkpoint of the checkpointer runs,
// the writer's own finds the checkpoint lock taken and is skipped, so the
// WAL may grow past the backstop by what is committed meanwhile.)
const (
	checkpointCommits     = 16
	writerCheckpointPages = 4000
)

// checkpointer runs the background checkpoints of a store.
type checkpointer struct {
	db      *sql.DB
	commits atomic.Int64 // commits of the writer
	kick    chan struct{}
	quit    chan struct{}
	done    sync.WaitGroup
	runs    atomic.Int64 // checkpoints run, for tests
}

func startCheckpointer(db *sql.DB) *checkpointer {
	c := &checkpointer{db: db, kick: make(chan struct{}, 1), quit: make(chan struct{})}
	c.done.Add(1)
	go c.run()
	return c
}

// committed counts a commit of the writer; every checkpointCommits-th
// wakes the checkpointer (never waiting for it).
func (c *checkpointer) committed() {
	if c.commits.Add(1)%checkpointCommits != 0 {
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
		_ = c.db.QueryRowContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &log, &copied)
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
