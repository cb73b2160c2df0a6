// Package crashtest kills a test's load with SIGKILL so that the test can
// check what survived. The load runs in a child process: the test binary
// itself, running one test (the child test) on a data directory the parent
// passes in an environment variable. The child prints a line for every
// command it had acknowledged, the parent reads them, kills the child at a
// point of its choosing and then opens the data directory to check that
// every acknowledged command is there, once.
package crashtest

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
)

// ChildDir returns the data directory the parent passed in the environment
// variable env. Outside a child process it skips t: a child test only runs
// when a parent runs it.
func ChildDir(t testing.TB, env string) string {
	t.Helper()
	dir := os.Getenv(env)
	if dir == "" {
		t.Skip("runs only as the child process of a crash test")
	}
	return dir
}

// Abort reports err to the parent, as an ERR line that fails the parent's
// test, and ends the child.
func Abort(err error) {
	fmt.Println("ERR", err)
	os.Exit(2)
}

// Run runs the test named child in a child process with a new data
// directory passed in the environment variable env, and returns that
// directory once the child has ended. It calls line with the fields of
// each line the child prints to its stdout; when line returns true, Run
// kills the child with SIGKILL (once) and reads on until the pipe closes.
// A line beginning with ERR fails t, and so does a child that ended before
// it was killed. Run skips t with -short and inside a child process.
func Run(t *testing.T, env, child string, line func(fields []string) (kill bool)) string {
	t.Helper()
	if os.Getenv(env) != "" {
		t.Skip("inside the child")
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+dir)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ended := false
	defer func() { // a test that failed in line leaves no child running
		if !ended {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	killed := false
	last := ""
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		last = sc.Text()
		f := strings.Fields(last)
		if len(f) > 0 && f[0] == "ERR" {
			t.Fatalf("child %s: %s", child, last)
		}
		if !killed && line(f) {
			// SIGKILL: no chance to commit, flush or close anything.
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
	}
	_ = cmd.Wait() // killed: an error by design
	ended = true
	if !killed {
		t.Fatalf("child %s ended before it was killed; its last line: %q", child, last)
	}
	return dir
}
