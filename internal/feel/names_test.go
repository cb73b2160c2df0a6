package feel

import (
	"slices"
	"testing"
)

func TestNames(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want []string
	}{
		{"x > 1", []string{"x"}},
		{"x > 1 and y < 5", []string{"x", "y"}},
		{"x.y.z = true", []string{"x"}},
		{"count(items) > limit", []string{"items", "limit"}},
		{"if a then b else a", []string{"a", "b"}},
		{`{k: v}.k = "s"`, []string{"v"}},
		{"1 + 2", nil},
	} {
		x, err := Compile(tc.src)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if got := x.Names(); !slices.Equal(got, tc.want) {
			t.Errorf("Names(%s) = %v, want %v", tc.src, got, tc.want)
		}
	}
}
