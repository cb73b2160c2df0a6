package feel

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// doublings builds a context whose entries each double the one before,
// n times, starting from seed and combining two copies with combine.
func doublings(seed string, n int, combine func(prev string) string) string {
	var b strings.Builder
	b.WriteString("{d0: " + seed)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, ", d%d: %s", i, combine(fmt.Sprintf("d%d", i-1)))
	}
	fmt.Fprintf(&b, "}.d%d", n)
	return b.String()
}

// TestMemoryLimits: a short expression that doubles a value again and again
// fails with ErrLimitExceeded instead of taking the process's memory.
func TestMemoryLimits(t *testing.T) {
	cases := map[string]string{
		"string doubled 30 times":  doublings(`"xxxxxxxx"`, 30, func(p string) string { return p + " + " + p }),
		"list doubled 30 times":    doublings(`[1,2,3,4]`, 30, func(p string) string { return "concatenate(" + p + ", " + p + ")" }),
		"nested lists, as string":  "string(" + doublings(`["xxxxxxxx"]`, 30, func(p string) string { return "[" + p + ", " + p + "]" }) + ")",
		"nested lists, flattened":  "flatten(" + doublings(`["xxxxxxxx"]`, 30, func(p string) string { return "[" + p + ", " + p + "]" }) + ")",
		"nested lists as a result": doublings(`["xxxxxxxx"]`, 30, func(p string) string { return "[" + p + ", " + p + "]" }),
		"string join of doublings": "string join(" + doublings(`["xxxxxxxxxxxxxxxx"]`, 30, func(p string) string { return "concatenate(" + p + ", " + p + ")" }) + ")",
		"doubling via partial":     `for i in 1..30 return if i = 1 then "xxxxxxxxxxxxxxxx" else partial[i-1] + partial[i-1]`,
		"many large strings":       "count(for i in 1..200 return string join(for j in 1..100 return " + doublings(`"xxxxxxxx"`, 11, func(p string) string { return p + " + " + p }) + "))",
		"context with huge values": doublings(`"xxxxxxxx"`, 22, func(p string) string { return p + " + " + p }) + " + " + doublings(`"xxxxxxxx"`, 22, func(p string) string { return p + " + " + p }),
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			if len(src) > 2048 {
				t.Fatalf("expression of %d bytes; the attack is a short one", len(src))
			}
			x, err := Compile(src)
			if err != nil {
				t.Fatal(err)
			}
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err = x.Evaluate(context.Background(), nil)
			if !errors.Is(err, ErrLimitExceeded) {
				t.Fatalf("err = %v, want ErrLimitExceeded", err)
			}
			if !strings.Contains(err.Error(), "bytes") {
				t.Errorf("error %q does not name the memory limit", err)
			}
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			if grown := after.TotalAlloc - before.TotalAlloc; grown > 2<<30 {
				t.Errorf("evaluation allocated %d MiB before failing", grown>>20)
			}
		})
	}
}

// TestMemoryLimitsAllowOrdinaryWork: values well under the limits, and many
// small ones, still evaluate; the limits can be raised and lowered.
func TestMemoryLimitsAllowOrdinaryWork(t *testing.T) {
	ok := []string{
		doublings(`"xxxxxxxx"`, 18, func(p string) string { return p + " + " + p }), // 2 MiB string
		doublings(`[1,2,3,4]`, 16, func(p string) string { return "concatenate(" + p + ", " + p + ")" }),
		`count(for i in 1..100000 return string(i))`,
	}
	for _, src := range ok {
		x, err := Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := x.Evaluate(context.Background(), nil); err != nil {
			t.Errorf("%.60s...: %v", src, err)
		}
	}
	src := doublings(`"xxxxxxxx"`, 10, func(p string) string { return p + " + " + p }) // 8 KiB
	small, err := CompileWith(src, Options{Limits: Limits{MaxValueBytes: 4096}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := small.Evaluate(context.Background(), nil); !errors.Is(err, ErrLimitExceeded) || !strings.Contains(err.Error(), "4096") {
		t.Errorf("with MaxValueBytes 4096: err = %v, want the limit named", err)
	}
}
