package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// Every connection the store opens, the writer's, each of the read pool's
// and the checkpointer's, runs without SQLite's connection mutex; a
// connection the driver opens by itself still has one. When this fails
// after an upgrade of modernc.org/sqlite, the driver moved its handle
// (nomutex.go's sqliteHandle) or opens connections another way: read its
// conn.go before changing dropConnMutex.
func TestConnectionsHaveNoMutex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir, Options{ReadConns: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	check := func(what string, db *sql.DB, want bool) *sql.Conn {
		t.Helper()
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		err = c.Raw(func(dc any) error {
			m, ok := connMutex(dc)
			if !ok {
				return fmt.Errorf("%s: no SQLite handle found in the driver's connection %T", what, dc)
			}
			if has := m != 0; has != want {
				return fmt.Errorf("%s: connection mutex %#x, want one: %v", what, m, want)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	check("writer", s.write, false).Close()
	check("checkpointer", s.ckpt.db, false).Close()
	// Hold each read connection, so that the next one is another.
	var held []*sql.Conn
	for i := range 3 {
		held = append(held, check(fmt.Sprintf("reader %d", i), s.read, false))
	}
	for _, c := range held {
		c.Close()
	}

	// The driver's own connections keep theirs: the switch is the store's.
	plain, err := sql.Open("sqlite", "file:"+s.Path()+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	check("the driver's own connection", plain, true).Close()
}

// Readers, cancelled in the middle of their queries (the driver interrupts
// SQLite from the goroutine that watches the context), the writer and the
// checkpointer run at once, each on its own connection without a
// connection mutex: every commit is whole, every read ends with rows or
// with its context's error, and the file is sound. Run it with -race as
// well.
func TestConnectionsWithoutMutexUnderConcurrentUse(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, t.TempDir(), Options{ReadConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const commits = 160
	done := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	var reads, cancelled sync.Map
	for r := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last int64
			for i := 0; ; i++ {
				select {
				case <-done:
					return
				default:
				}
				qctx, cancel := context.WithCancel(ctx)
				if i%3 == 2 {
					// Cancelled while it runs (or before: either way it
					// ends with the context's error or its rows).
					go cancel()
				}
				// A query long enough to be interrupted: a self-join of the
				// variables (bounded), then the count the writer's commits
				// keep a multiple of 32.
				var n, joined int64
				err := s.reads.queryRow(qctx, "SELECT (SELECT count(*) FROM variables), (SELECT count(*) FROM (SELECT 1 FROM variables a, variables b LIMIT 20000))").Scan(&n, &joined)
				cancel()
				switch {
				case err == nil:
					if n%32 != 0 || n < last {
						errs <- fmt.Errorf("reader %d saw %d variables after %d: not whole commits", r, n, last)
						return
					}
					last = n
					reads.Store(r, i)
				case errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "interrupted"):
					cancelled.Store(r, i)
				default:
					errs <- fmt.Errorf("reader %d: %w", r, err)
					return
				}
			}
		}()
	}
	next := int64(1)
	writeBatches(t, s, commits, &next)
	// The checkpointer was kicked every checkpointCommits commits (kicks
	// that find one due already are dropped): it ran, while the readers
	// went on.
	waitFor(t, "a checkpoint", func() bool { return s.ckpt.runs.Load() > 0 })
	close(done)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	count := func(m *sync.Map) (n int) {
		m.Range(func(any, any) bool { n++; return true })
		return n
	}
	if count(&reads) == 0 {
		t.Fatal("no read finished")
	}
	t.Logf("readers with finished reads: %d, with cancelled reads: %d", count(&reads), count(&cancelled))
	var check string
	if err := s.read.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q, %v", check, err)
	}
	var n int64
	if err := s.read.QueryRowContext(ctx, "SELECT count(*) FROM variables").Scan(&n); err != nil || n != commits*32 {
		t.Fatalf("%d variables (%v), want %d", n, err, commits*32)
	}
}

// restoreConnMutex gives the connection of db (a pool of one) a connection
// mutex again, as the driver opens it: for benchmarks of what it costs.
func restoreConnMutex(tb testing.TB, db *sql.DB) {
	tb.Helper()
	c, err := db.Conn(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	err = c.Raw(func(dc any) error {
		h := sqliteHandle(dc)
		if h == 0 {
			return fmt.Errorf("no SQLite handle in %T", dc)
		}
		tls := libc.NewTLS()
		defer tls.Close()
		m := sqlite3.Xsqlite3_mutex_alloc(tls, sqlite3.SQLITE_MUTEX_RECURSIVE)
		if m == 0 {
			return errors.New("no mutex allocated")
		}
		(*sqlite3.Tsqlite3)(cptr(h)).Fmutex = m
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}
