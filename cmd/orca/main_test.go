package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestMain lets a test run orca itself: the test binary with ORCA_TEST_MAIN=1
// in its environment is the orca command (no go build needed).
func TestMain(m *testing.M) {
	if os.Getenv("ORCA_TEST_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var httpClient = &http.Client{Timeout: 30 * time.Second}

// orcaProc is an orca process run by a test.
type orcaProc struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error // the exit, once done is closed
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// runOrca starts `orca ARGS...`; the process is stopped (SIGINT, then
// SIGKILL) at the end of the test, and its output logged if the test failed.
func runOrca(t *testing.T, env []string, args ...string) *orcaProc {
	t.Helper()
	return runOrcaIn(t, "", env, args...)
}

// runOrcaIn is runOrca in the working directory dir ("" for the test's).
func runOrcaIn(t *testing.T, dir string, env []string, args ...string) *orcaProc {
	t.Helper()
	exe, err := filepath.Abs(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "ORCA_TEST_MAIN=1"), env...)
	p := &orcaProc{cmd: cmd, out: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			t.Logf("--- orca %v:\n%s", args, p.out)
		}
	})
	return p
}

// stop interrupts the process and waits for it (killing it after 20 s).
func (p *orcaProc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(20 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// kill ends the process with SIGKILL, as a crash or power cut would.
func (p *orcaProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// wait waits for the process to exit by itself.
func (p *orcaProc) wait(t *testing.T, within time.Duration) error {
	t.Helper()
	select {
	case <-p.done:
		return p.err
	case <-time.After(within):
		t.Fatalf("orca %v still running after %s", p.cmd.Args[1:], within)
		return nil
	}
}

// startServer runs `orca start` on dataDir with a free port and no built-in
// workers, and waits until it answers /v2/topology. It returns the base URL.
func startServer(t *testing.T, dataDir string, extra ...string) (*orcaProc, string) {
	t.Helper()
	port := freePort(t)
	none := filepath.Join(t.TempDir(), "none.yaml")
	if err := os.WriteFile(none, []byte("{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"start", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", dataDir,
		"--workers", "none", "--synchronous", "NORMAL", "--config", none, "--management-addr", "off"}, extra...)
	p := runOrca(t, nil, args...)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case <-p.done:
			t.Fatalf("orca start exited: %v\n%s", p.err, p.out)
		case <-ctx.Done():
			t.Fatalf("orca start did not answer /v2/topology:\n%s", p.out)
		case <-time.After(20 * time.Millisecond):
		}
		if res, err := httpClient.Get(base + "/v2/topology"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 || res.StatusCode == 401 { // 401: up, with authentication
				return p, base
			}
		}
	}
}
