package store

import (
	"context"
	"testing"
)

// Every read connection keeps a page cache of readCacheKiB, however many
// the pool opens: the read pool's memory is bounded by ReadConns of them.
func TestReadPoolCacheSize(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	conns := make([]interface {
		Close() error
	}, 0, 4)
	for i := range 4 {
		c, err := s.read.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
		var kib int
		if err := c.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&kib); err != nil {
			t.Fatal(err)
		}
		if kib != -readCacheKiB {
			t.Fatalf("read connection %d: cache_size %d, want %d (KiB)", i, kib, -readCacheKiB)
		}
	}
	for _, c := range conns {
		c.Close()
	}
}
