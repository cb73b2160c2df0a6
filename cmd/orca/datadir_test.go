package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// A second orca start on a data directory that another one owns exits at
// once, with status 1 and a message naming the owner's PID; the first keeps
// serving.
func TestSecondStartOnHeldDataDirectory(t *testing.T) {
	dir := t.TempDir()
	first, base := startServer(t, dir)

	second := runOrca(t, nil, "start", "--addr", "127.0.0.1:0", "--data-dir", dir, "--workers", "none")
	err := second.wait(t, 30*time.Second)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("second orca start: exit %v, want status 1\n%s", err, second.out)
	}
	want := fmt.Sprintf("data directory %s is in use by another process (PID %d)", dir, first.cmd.Process.Pid)
	if !strings.Contains(second.out.String(), want) {
		t.Fatalf("second orca start said:\n%s\nwant it to contain %q", second.out, want)
	}
	res, err := httpClient.Get(base + "/v2/topology")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("the first orca start stopped serving: %v", err)
	}
	res.Body.Close()

	// Once the owner has stopped, the directory can be taken again.
	first.stop()
	startServer(t, dir)
}

// Keys never repeat across a crash: orca start is killed (SIGKILL) while
// clients create instances; after a restart on the same directory every
// acknowledged instance is there and new keys are all new.
func TestKeysSurviveACrash(t *testing.T) {
	dir := t.TempDir()
	p, base := startServer(t, dir)
	deployFile(t, base, "testdata/work.bpmn")

	var mu sync.Mutex
	acked := map[string]bool{}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				key, err := createInstance(base, "work")
				if err != nil {
					return // the server is gone
				}
				mu.Lock()
				if acked[key] {
					t.Errorf("key %s handed out twice", key)
				}
				acked[key] = true
				mu.Unlock()
			}
		}()
	}
	// Kill it under load, once a good number of creates were acknowledged.
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 200 {
			break
		}
		select {
		case <-p.done:
			t.Fatalf("orca start exited under load: %v", p.err)
		case <-time.After(10 * time.Millisecond):
		}
	}
	p.kill()
	close(stop)
	wg.Wait()

	_, base = startServer(t, dir)
	for key := range acked {
		res, err := httpClient.Get(base + "/v2/process-instances/" + key)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("acknowledged instance %s lost in the crash: %d", key, res.StatusCode)
		}
	}
	for range 50 {
		key, err := createInstance(base, "work")
		if err != nil {
			t.Fatal(err)
		}
		if acked[key] {
			t.Fatalf("key %s handed out again after the restart", key)
		}
		acked[key] = true
	}
	t.Logf("%d instances, no key repeated", len(acked))
}

func deployFile(t *testing.T, base, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	deploy(t, base, path[strings.LastIndex(path, "/")+1:], b)
}

// createInstance starts an instance of processID and returns its key.
func createInstance(base, processID string) (string, error) {
	body, _ := json.Marshal(map[string]any{"processDefinitionId": processID})
	res, err := httpClient.Post(base+"/v2/process-instances", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("create: %d %s", res.StatusCode, data)
	}
	var out struct {
		ProcessInstanceKey string `json:"processInstanceKey"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return "", err
	}
	if _, err := strconv.ParseInt(out.ProcessInstanceKey, 10, 64); err != nil {
		return "", fmt.Errorf("key %q: %w", out.ProcessInstanceKey, err)
	}
	return out.ProcessInstanceKey, nil
}
