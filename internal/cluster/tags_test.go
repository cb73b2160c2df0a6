package cluster

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

// validTag accepts exactly what Camunda's tag pattern accepts.
func TestValidTagMatchesCamundaPattern(t *testing.T) {
	camunda := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_\-:.]{0,99}$`)
	cases := []string{
		"", "a", "Z", "1", "_a", "-a", ":a", ".a", "a1", "a_b-c:d.e", "a b", "a/b", "a\n", "a\x00", "é", "aé",
		"priority:high", "env.prod", "v1.2.3", "A" + strings.Repeat("b", 99), "A" + strings.Repeat("b", 100),
		strings.Repeat("x", 100), strings.Repeat("x", 101), "a$", "a+", "a*", "ab\u00a0",
	}
	alphabet := []byte("aZ09_-:. /é\x00")
	r := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := make([]byte, r.IntN(104))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		cases = append(cases, string(b))
	}
	for _, c := range cases {
		if got, want := validTag(c), camunda.MatchString(c); got != want {
			t.Errorf("validTag(%q) = %v, Camunda's pattern says %v", c, got, want)
		}
	}
}

// A creation with an invalid tag is refused before anything is created.
func TestCheckTags(t *testing.T) {
	if err := checkTags([]string{"ok", "also.ok"}); err != nil {
		t.Errorf("valid tags refused: %v", err)
	}
	err := checkTags([]string{"ok", "not ok"})
	if err == nil || !strings.Contains(err.Error(), "'not ok' is not valid") {
		t.Errorf("invalid tag: got %v", err)
	}
	if err := checkTags(strings.Split("a,b,c,d,e,f,g,h,i,j,k", ",")); err == nil {
		t.Error("11 tags accepted")
	}
}
