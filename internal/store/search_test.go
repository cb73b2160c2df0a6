package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

func openTest(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// writeRecords writes recs in one transaction (rows added with newFrom)
// and commits it; a write the store refuses is rolled back and its error
// returned.
func writeRecords(t *testing.T, s *Store, newFrom int64, recs ...Record) error {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var rows Rows
	for _, r := range recs {
		if err := rows.AddNewFrom(r, newFrom); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Write(ctx, &rows); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// seed writes 30 process instances: keys 1..30, process ids p0..p2,
// states cycling ACTIVE/COMPLETED/TERMINATED, end dates on even keys only.
func seed(t *testing.T, s *Store) time.Time {
	t.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	states := []string{StateActive, StateCompleted, StateTerminated}
	for k := int64(1); k <= 30; k++ {
		pi := &ProcessInstance{Key: k, ProcessDefinitionKey: 100 + k%3, ProcessID: fmt.Sprintf("p%d", k%3),
			ProcessName: "Name_" + fmt.Sprint(k), Version: int32(k%3 + 1), State: states[k%3],
			StartDate: t0.Add(time.Duration(k) * time.Minute), TenantID: "<default>", RootProcessInstanceKey: k,
			HasIncident: k%5 == 0}
		if k%2 == 0 {
			pi.EndDate = t0.Add(time.Duration(k) * time.Hour)
		}
		if err := tx.Put(ctx, pi); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	return t0
}

func keys(p Page[*ProcessInstance]) []int64 {
	var out []int64
	for _, r := range p.Items {
		out = append(out, r.Key)
	}
	return out
}

func newPI() *ProcessInstance { return new(ProcessInstance) }

func TestSearchFilters(t *testing.T) {
	s := openTest(t)
	t0 := seed(t, s)
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		where []Cond
		want  int64 // total
		first int64
	}{
		{"eq", []Cond{{Column: "process_id", Op: OpEq, Value: "p1"}}, 10, 1},
		{"neq", []Cond{{Column: "process_id", Op: OpNeq, Value: "p1"}}, 20, 2},
		{"in", []Cond{{Column: "state", Op: OpIn, Values: []any{"ACTIVE", "TERMINATED"}}}, 20, 2},
		{"notIn", []Cond{{Column: "key", Op: OpNotIn, Values: []any{int64(1), int64(2)}}}, 28, 3},
		{"exists", []Cond{{Column: "end_date", Op: OpExists, Value: true}}, 15, 2},
		{"not exists", []Cond{{Column: "end_date", Op: OpExists, Value: false}}, 15, 1},
		{"gt time", []Cond{{Column: "start_date", Op: OpGt, Value: t0.Add(25 * time.Minute)}}, 5, 26},
		{"range", []Cond{{Column: "key", Op: OpGte, Value: 10}, {Column: "key", Op: OpLt, Value: 13}}, 3, 10},
		{"bool", []Cond{{Column: "has_incident", Op: OpEq, Value: true}}, 6, 5},
		{"like", []Cond{{Column: "process_name", Op: OpLike, Value: "Name_1?"}}, 10, 10},
		{"like star", []Cond{{Column: "process_name", Op: OpLike, Value: "*_3*"}}, 2, 3},
		{"like escaped", []Cond{{Column: "process_name", Op: OpLike, Value: `Name\_1`}}, 1, 1},
		{"or", []Cond{Or([]Cond{{Column: "key", Op: OpEq, Value: 4}}, []Cond{{Column: "process_id", Op: OpEq, Value: "p0"}, {Column: "key", Op: OpLt, Value: 10}})}, 4, 3},
		{"raw", []Cond{Raw("key % 10 = ?", 7)}, 3, 7},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Search(ctx, s, newPI, Query{Where: tc.where})
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != tc.want || int64(len(p.Items)) != tc.want || p.Items[0].Key != tc.first {
				t.Fatalf("total %d, items %v; want %d items starting at %d", p.Total, keys(p), tc.want, tc.first)
			}
		})
	}
	for _, bad := range []Query{
		{Where: []Cond{{Column: "nope", Op: OpEq, Value: 1}}},
		{Where: []Cond{{Column: "key; DROP TABLE x", Op: OpEq, Value: 1}}},
		{Sort: []Order{{Column: "nope"}}},
		{Where: []Cond{{Column: "key", Op: "$regex", Value: 1}}},
		{After: "not-base64!"},
		{After: "WzFd", From: 3},
	} {
		_, err := Search(ctx, s, newPI, bad)
		if _, ok := err.(*ErrBadQuery); !ok {
			t.Errorf("%+v: got %v, want a bad-query error", bad, err)
		}
	}
}

func TestSearchPaging(t *testing.T) {
	s := openTest(t)
	seed(t, s)
	ctx := context.Background()
	// Sorted by end date descending (nulls last when descending), then key.
	q := Query{Sort: []Order{{Column: "end_date", Desc: true}}, Limit: 7}
	all, err := Search(ctx, s, newPI, Query{Sort: q.Sort, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	want := keys(all)
	if len(want) != 30 || want[0] != 30 || want[14] != 2 || want[15] != 1 {
		t.Fatalf("full order: %v", want)
	}
	// Forward through every page with cursors.
	var got []int64
	var cursors []string
	for page := 0; ; page++ {
		p, err := Search(ctx, s, newPI, q)
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 30 {
			t.Fatalf("total %d", p.Total)
		}
		if len(p.Items) == 0 {
			break
		}
		got = append(got, keys(p)...)
		cursors = append(cursors, p.StartCursor)
		q.After = p.EndCursor
		if page > 10 {
			t.Fatal("paging does not end")
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("forward pages: %v\nwant %v", got, want)
	}
	// Backward from the third page's start gives the second page.
	p, err := Search(ctx, s, newPI, Query{Sort: q.Sort, Limit: 7, Before: cursors[2]})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys(p), want[7:14]) {
		t.Fatalf("backward page: %v, want %v", keys(p), want[7:14])
	}
	// Offset paging.
	p, err = Search(ctx, s, newPI, Query{Sort: q.Sort, Limit: 5, From: 12})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(keys(p), want[12:17]) {
		t.Fatalf("offset page: %v, want %v", keys(p), want[12:17])
	}
}

// BenchmarkSearch is a filtered, sorted first page over 5,000 instances,
// with its total count.
func BenchmarkSearch(b *testing.B) {
	s, err := Open(context.Background(), b.TempDir(), Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	tx, _ := s.Begin(ctx)
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for k := int64(1); k <= 5000; k++ {
		state := []string{StateActive, StateCompleted}[k%2]
		tx.Put(ctx, &ProcessInstance{Key: k, ProcessID: "p", State: state, StartDate: t0.Add(time.Duration(k) * time.Second), TenantID: "<default>", RootProcessInstanceKey: k})
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
	q := Query{Where: []Cond{{Column: "state", Op: OpEq, Value: StateActive}}, Sort: []Order{{Column: "start_date", Desc: true}}, Limit: 50}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := Search(ctx, s, newPI, q)
		if err != nil || p.Total != 2500 || len(p.Items) != 50 {
			b.Fatalf("%v %d %d", err, p.Total, len(p.Items))
		}
	}
}

// A search counts its matches up to MaxExactTotal; past it the total is
// that bound and HasMoreTotal says there are more (the page itself is
// the same).
func TestSearchTotalBound(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for k := int64(1); k <= MaxExactTotal+5; k++ {
		state := StateCompleted
		if k <= 3 {
			state = StateActive
		}
		if err := tx.Put(ctx, &ProcessInstance{Key: k, ProcessID: "p", State: state, TenantID: "<default>", RootProcessInstanceKey: k}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		state string
		total int64
		more  bool
	}{{StateActive, 3, false}, {StateCompleted, MaxExactTotal, true}} {
		p, err := Search(ctx, s, newPI, Query{Where: []Cond{{Column: "state", Op: OpEq, Value: tc.state}}, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != tc.total || p.HasMoreTotal != tc.more || len(p.Items) != min(10, int(tc.total)) {
			t.Errorf("%s: total %d, more %v, %d items; want %d, %v", tc.state, p.Total, p.HasMoreTotal, len(p.Items), tc.total, tc.more)
		}
	}
	p, err := Search(ctx, s, newPI, Query{Where: []Cond{{Column: "state", Op: OpEq, Value: StateCompleted}}, Limit: 10, From: MaxExactTotal - 8})
	if err != nil || len(p.Items) != 10 {
		t.Fatalf("a page past the counted total: %d items, %v; want 10", len(p.Items), err)
	}
}
