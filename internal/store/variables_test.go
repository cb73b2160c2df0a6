package store

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// putVariables writes n variables in one transaction: names name0..name(n-1)
// (or all named name when same), each in its own scope from scope0 on.
func putVariables(tb testing.TB, s *Store, name string, same bool, n int, scope0 int64, value string) {
	tb.Helper()
	ctx := context.Background()
	tx, err := s.Begin(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < n; i++ {
		nm := name
		if !same {
			nm = fmt.Sprintf("%s%d", name, i)
		}
		v := &Variable{Key: scope0*1_000_000 + int64(i) + 1, Name: nm, Value: value, ScopeKey: scope0 + int64(i),
			ProcessInstanceKey: scope0, RootProcessInstanceKey: scope0, TenantID: "<default>"}
		if err := tx.Put(ctx, v); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
}

// TestVariablesIndexHoldsPrefixes: the index that serves variable filters
// holds a prefix of each value, not the value, and equality, $like, $in and
// range filters still find variables, large ones included.
func TestVariablesIndexHoldsPrefixes(t *testing.T) {
	s := openTest(t)
	ctx := context.Background()
	big := `"` + strings.Repeat("x", 4<<20) + `"`
	putVariables(t, s, "payload", true, 1, 1, big)
	putVariables(t, s, "payload", true, 3, 10, `"small"`)
	long := `"` + strings.Repeat("a", 100) + `-1"`
	putVariables(t, s, "payload", true, 1, 20, long)
	putVariables(t, s, "payload", true, 1, 21, `"`+strings.Repeat("a", 100)+`-2"`)

	var sql string
	if err := s.read.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'variables' AND sql LIKE '%value%'`).Scan(&sql); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(sql, "substr(value, 1, 64)") {
		t.Errorf("the variables index is %q, want it on a prefix of the value", sql)
	}

	count := func(c Cond) int {
		t.Helper()
		rc, err := ExprCond("variables.value", c)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Search(ctx, s, func() *Variable { return new(Variable) }, Query{Where: []Cond{{Column: "name", Op: OpEq, Value: "payload"}, rc}})
		if err != nil {
			t.Fatal(err)
		}
		return int(p.Total)
	}
	for _, tc := range []struct {
		name string
		c    Cond
		want int
	}{
		{"$eq small", Cond{Op: OpEq, Value: `"small"`}, 3},
		{"$eq 4 MiB", Cond{Op: OpEq, Value: big}, 1},
		{"$eq sharing a 100-character prefix", Cond{Op: OpEq, Value: long}, 1},
		{"$eq none", Cond{Op: OpEq, Value: `"nothing"`}, 0},
		{"$like", Cond{Op: OpLike, Value: `"a*"`}, 2},
		{"$like prefix of 4 MiB", Cond{Op: OpLike, Value: `"xxx*`}, 1},
		{"$in", Cond{Op: OpIn, Values: []any{`"small"`, long}}, 4},
		{"$neq", Cond{Op: OpNeq, Value: `"small"`}, 3},
		{"$gt", Cond{Op: OpGt, Value: `"b"`}, 4},
	} {
		if got := count(tc.c); got != tc.want {
			t.Errorf("%s: %d variables, want %d", tc.name, got, tc.want)
		}
	}

	// The equality filter goes through the index, not a scan of every value.
	rc, _ := ExprCond("v.value", Cond{Op: OpEq, Value: `"small"`})
	rsql, args, _ := RawSQL(rc)
	p := explainPlan(t, s.read, "SELECT v.key FROM variables v WHERE v.name = ? AND "+rsql, append([]any{"payload"}, args...)...)
	if !strings.Contains(p, "variables_name_prefix (name=? AND <expr>=?)") {
		t.Errorf("plan %q does not search the prefix index by name and prefix", p)
	}
}

// BenchmarkVariablesAfterLargeOne writes 100,000 small variables in one
// transaction into a store that holds one 4 MiB variable of the same name
// (the shape of an instance created with 100,000 variables after a large
// agentContext), and, for comparison, into an empty store.
func BenchmarkVariablesAfterLargeOne(b *testing.B) {
	for _, large := range []bool{false, true} {
		b.Run(fmt.Sprintf("after4MiB=%v", large), func(b *testing.B) {
			s, err := Open(context.Background(), b.TempDir(), Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if large {
				putVariables(b, s, "payload", true, 1, 1, `"`+strings.Repeat("x", 4<<20)+`"`)
			}
			scope := int64(1000)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				putVariables(b, s, "payload", true, 100_000, scope, `"`+strings.Repeat("x", 100)+`"`)
				scope += 200_000
			}
		})
	}
}
