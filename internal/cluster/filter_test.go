package cluster

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

func TestFilterDecoding(t *testing.T) {
	tests := []struct {
		name, in string
		into     func() any
		want     string // JSON of the decoded value, or "error: part"
	}{
		{"plain string", `"a"`, func() any { return new(StringFilter) }, `"a"`},
		{"operators", `{"$like":"a*","$neq":"b"}`, func() any { return new(StringFilter) }, `{"$neq":"b","$like":"a*"}`},
		{"string $gt", `{"$gt":"a"}`, func() any { return new(StringFilter) }, `error: $gt`},
		{"unknown operator", `{"$regex":"a"}`, func() any { return new(StringFilter) }, `error: $regex`},
		{"int range", `{"$gte":1,"$lt":5}`, func() any { return new(IntFilter) }, `{"$gte":1,"$lt":5}`},
		{"int $like", `{"$like":"1"}`, func() any { return new(IntFilter) }, `error: $like`},
		{"int not a number", `"one"`, func() any { return new(IntFilter) }, `error: `},
		{"key plain", `"2251799813685249"`, func() any { return new(KeyFilter) }, `"2251799813685249"`},
		{"key $in", `{"$in":["1","2"]}`, func() any { return new(KeyFilter) }, `{"$in":["1","2"]}`},
		{"key not digits", `"12a"`, func() any { return new(KeyFilter) }, `error: `},
		{"key $gt", `{"$gt":"1"}`, func() any { return new(KeyFilter) }, `error: $gt`},
		{"date", `{"$lt":"2026-01-02T03:04:05Z"}`, func() any { return new(DateFilter) }, `{"$lt":"2026-01-02T03:04:05Z"}`},
		{"date not RFC 3339", `"2026-01-02"`, func() any { return new(DateFilter) }, `error: `},
		{"exists", `{"$exists":false}`, func() any { return new(StringFilter) }, `{"$exists":false}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := tc.into()
			err := json.Unmarshal([]byte(tc.in), v)
			if part, ok := strings.CutPrefix(tc.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), part) {
					t.Fatalf("error %v, want one mentioning %q", err, part)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(v)
			if string(got) != tc.want {
				t.Errorf("decoded %s, want %s", got, tc.want)
			}
		})
	}
}

func TestKeyJSON(t *testing.T) {
	var k Key
	for _, in := range []string{`"2251799813685249"`, `2251799813685249`} {
		if err := json.Unmarshal([]byte(in), &k); err != nil || k != 2251799813685249 {
			t.Errorf("%s: %v %v", in, k, err)
		}
	}
	for _, in := range []string{`""`, `"x"`, `1.5`, `true`, `"99999999999999999999"`} {
		if err := json.Unmarshal([]byte(in), &k); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
	if b, _ := json.Marshal(Key(42)); string(b) != `"42"` {
		t.Errorf("marshalled %s", b)
	}
}

func TestJavaHash(t *testing.T) {
	for s, want := range map[string]int32{"": 0, "a": 97, "boom": 3029739, "hello world": 1794106052, "😀": 1772899} {
		if got := javaHash(s); got != want {
			t.Errorf("javaHash(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestTruncation(t *testing.T) {
	long := `"` + strings.Repeat("é", 5000) + `"` // 2 bytes a character
	v := variableResult(true)(&store.Variable{Value: long})
	if !v.IsTruncated || len(v.Value) > truncateAt || !strings.HasPrefix(long, v.Value) || !json.Valid([]byte(`"`+v.Value[1:]+`"`)) {
		t.Errorf("truncated to %d bytes, truncated=%v", len(v.Value), v.IsTruncated)
	}
	if v := variableResult(false)(&store.Variable{Value: long}); v.IsTruncated || v.Value != long {
		t.Error("truncated without being asked")
	}
}
