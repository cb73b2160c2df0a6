package store

import (
	"context"
	"testing"
)

// Searches whose SQL differs (an $in list of a new length each time) keep
// answering correctly past the number of statements the read pool keeps
// prepared, and the prepared ones keep answering after it is full.
func TestSearchPastStatementCache(t *testing.T) {
	s := openTest(t)
	seed(t, s)
	ctx := context.Background()
	search := func(n int) int64 {
		t.Helper()
		vals := make([]any, n)
		for i := range vals {
			vals[i] = int64(i + 1) // keys 1..n; only 1..30 exist
		}
		p, err := Search(ctx, s, newPI, Query{Where: []Cond{{Column: "key", Op: OpIn, Values: vals}}, Limit: 5})
		if err != nil {
			t.Fatalf("search with %d values: %v", n, err)
		}
		return p.Total
	}
	for n := 1; n <= maxCachedStmts+50; n++ {
		if got, want := search(n), int64(min(n, 30)); got != want {
			t.Fatalf("search with %d values: total %d, want %d", n, got, want)
		}
	}
	if got := len(s.reads.m); got != maxCachedStmts {
		t.Errorf("%d statements prepared, want the bound %d", got, maxCachedStmts)
	}
	if got := search(7); got != 7 {
		t.Errorf("cached search after the cache filled: total %d, want 7", got)
	}
	if _, found, err := Get(ctx, s, newPI, 3); err != nil || !found {
		t.Errorf("get by key after the cache filled: found %v, %v", found, err)
	}
}
