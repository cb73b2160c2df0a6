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

// Child is a child process running a child test.
type Child struct {
	// Dir is the child's data directory.
	Dir string

	t     *testing.T
	name  string
	cmd   *exec.Cmd
	lines *bufio.Scanner
}

// Start runs the test named child in a child process with a new data
// directory passed in the environment variable env. It skips t with
// -short and inside a child process. The child is killed when t ends, if
// KillWhen has not seen it end.
func Start(t *testing.T, env, child string) *Child {
	t.Helper()
	if os.Getenv(env) != "" {
		t.Skip("inside the child")
	}
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	c := &Child{Dir: t.TempDir(), t: t, name: child}
	c.cmd = exec.Command(os.Args[0], "-test.run=^"+child+"$", "-test.count=1")
	c.cmd.Env = append(os.Environ(), env+"="+c.Dir)
	c.cmd.Stderr = os.Stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // a test that failed in KillWhen leaves no child running
		if c.cmd.ProcessState == nil {
			_ = c.cmd.Process.Kill()
			_ = c.cmd.Wait()
		}
	})
	c.lines = bufio.NewScanner(stdout)
	return c
}

// KillWhen calls line with the fields of each line the child prints to its
// stdout; when line returns true, it kills the child with SIGKILL (once)
// and reads on (still calling line) until the pipe closes, then waits for
// the child. A line beginning with ERR fails the test, and so does a child
// that ended before it was killed.
func (c *Child) KillWhen(line func(fields []string) (kill bool)) {
	c.t.Helper()
	killed := false
	last := ""
	for c.lines.Scan() {
		last = c.lines.Text()
		f := strings.Fields(last)
		if len(f) > 0 && f[0] == "ERR" {
			c.t.Fatalf("child %s: %s", c.name, last)
		}
		// line sees every line, those read after the kill too: a child
		// acknowledges more than the line that asked for the kill before
		// the signal lands, and the caller must count those as well.
		if kill := line(f); kill && !killed {
			// SIGKILL: no chance to commit, flush or close anything.
			if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				c.t.Fatal(err)
			}
			killed = true
		}
	}
	_ = c.cmd.Wait() // killed: an error by design
	if !killed {
		c.t.Fatalf("child %s ended before it was killed; its last line: %q", c.name, last)
	}
}

// Run starts the child test (Start), kills it where line asks (KillWhen)
// and returns its data directory.
func Run(t *testing.T, env, child string, line func(fields []string) (kill bool)) string {
	t.Helper()
	c := Start(t, env, child)
	c.KillWhen(line)
	return c.Dir
}
