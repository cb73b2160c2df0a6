package crashtest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/orcabpm/orca/internal/crashtest"
)

const childEnv = "ORCA_CRASHTEST_SELF_DIR"

// TestCountingChild writes one file per number, then acknowledges it,
// until it is killed.
func TestCountingChild(t *testing.T) {
	dir := crashtest.ChildDir(t, childEnv)
	for i := 1; ; i++ {
		if err := os.WriteFile(filepath.Join(dir, strconv.Itoa(i)), nil, 0o600); err != nil {
			crashtest.Abort(err)
		}
		fmt.Println("ACK", i)
	}
}

// The parent reads the child's acknowledgements, kills it where it asks,
// and gets the child's data directory back with every acknowledged
// number's file in it.
func TestRunKillsWhereAsked(t *testing.T) {
	acked := 0
	dir := crashtest.Run(t, childEnv, "TestCountingChild", func(f []string) bool {
		if len(f) == 2 && f[0] == "ACK" {
			acked, _ = strconv.Atoi(f[1])
		}
		return acked == 50
	})
	if acked < 50 {
		t.Fatalf("killed after %d acknowledgements, asked at 50", acked)
	}
	for i := 1; i <= acked; i++ {
		if _, err := os.Stat(filepath.Join(dir, strconv.Itoa(i))); err != nil {
			t.Fatalf("acknowledged %d: %v", i, err)
		}
	}
}
