package store

import (
	"context"
	"testing"
)

// BenchmarkOpenNew measures opening a new data directory (durable): the
// schema's creation and the planner statistics, a part of orca start's
// first start.
func BenchmarkOpenNew(b *testing.B) {
	for range b.N {
		s, err := Open(context.Background(), b.TempDir(), Options{})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}
