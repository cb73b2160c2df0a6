package store

import (
	"context"
	"database/sql"
	"sync"
	"testing"
)

// After a burst that opened every read connection, ReleaseIdle closes the
// idle ones (each holds MiBs of SQLite's C memory), leaves one in use
// working and pooled again, and reads afterwards, prepared statements
// included, open what they need.
func TestReleaseIdleClosesIdleReaders(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	seed(t, s)
	read := func(what string) {
		t.Helper()
		if n, err := s.CountRows(ctx, "process_instances"); err != nil || n != 30 {
			t.Fatalf("%s: %d process instances, %v; want 30", what, n, err)
		}
		if _, err := s.InstanceElementStatistics(ctx, 1); err != nil { // a prepared statement
			t.Fatalf("%s: %v", what, err)
		}
	}
	read("before")
	open := func(want, idle int) {
		t.Helper()
		if st := s.read.Stats(); st.OpenConnections != want || st.Idle != idle {
			t.Fatalf("read pool: %d open, %d idle; want %d, %d", st.OpenConnections, st.Idle, want, idle)
		}
	}
	var conns []*sql.Conn
	for range s.readConns {
		c, err := s.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n int
		if err := c.QueryRowContext(ctx, "SELECT count(*) FROM process_instances").Scan(&n); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
	open(s.readConns, s.readConns)

	busy, err := s.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.ReleaseIdle()
	open(1, 0)
	var n int
	if err := busy.QueryRowContext(ctx, "SELECT count(*) FROM process_instances").Scan(&n); err != nil || n != 30 {
		t.Fatalf("the connection in use across ReleaseIdle: %d, %v", n, err)
	}
	busy.Close()
	open(1, 1) // pooled again

	s.ReleaseIdle()
	open(0, 0)
	read("after")
	if st := s.read.Stats(); st.OpenConnections < 1 || st.OpenConnections > s.readConns {
		t.Fatalf("read pool after the reads: %d open", st.OpenConnections)
	}
}

// ReleaseIdle while readers run: every read succeeds.
func TestReleaseIdleUnderConcurrentReads(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	seed(t, s)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if n, err := s.CountRows(ctx, "process_instances"); err != nil || n != 30 {
					errs <- err
					return
				}
				if _, err := s.InstanceElementStatistics(ctx, 1); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for range 500 {
		s.ReleaseIdle()
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("a read across ReleaseIdle: %v", err)
	}
	if st := s.read.Stats(); st.OpenConnections > s.readConns {
		t.Fatalf("read pool: %d open, more than its %d", st.OpenConnections, s.readConns)
	}
}
