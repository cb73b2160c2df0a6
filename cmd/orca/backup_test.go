package main

import (
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// A backup taken while clients create instances restores into a new data
// directory, Orca starts on it, and every instance the backup holds runs
// to its end: each one acknowledged before the backup began is there.
func TestBackupUnderLoadRestoresAndCompletes(t *testing.T) {
	dir := t.TempDir()
	_, base := startServer(t, dir)
	deployFile(t, base, "testdata/work.bpmn")

	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
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
					t.Error(err)
					return
				}
				mu.Lock()
				acked = append(acked, key)
				mu.Unlock()
			}
		}()
	}
	waitUntil(t, "some instances", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= 100 })
	mu.Lock()
	before := append([]string(nil), acked...)
	mu.Unlock()
	file := filepath.Join(t.TempDir(), "orca-backup.db")
	b := runOrca(t, nil, "backup", "--data-dir", dir, file)
	if err := b.wait(t, 60*time.Second); err != nil {
		t.Fatalf("orca backup: %v\n%s", err, b.out)
	}
	waitUntil(t, "more instances after the backup", func() bool { mu.Lock(); defer mu.Unlock(); return len(acked) >= len(before)+50 })
	close(stop)
	wg.Wait()

	restored := filepath.Join(t.TempDir(), "restored")
	r := runOrca(t, nil, "restore", "--data-dir", restored, file)
	if err := r.wait(t, 60*time.Second); err != nil {
		t.Fatalf("orca restore: %v\n%s", err, r.out)
	}
	_, base2 := startServer(t, restored)
	for _, key := range before {
		var pi struct {
			State string `json:"state"`
		}
		get(t, base2+"/v2/process-instances/"+key, &pi)
		if pi.State != "ACTIVE" {
			t.Fatalf("instance %s in the restored store: %q", key, pi.State)
		}
	}
	active := countInstances(t, base2, "ACTIVE")
	if active < len(before) || active >= len(acked) {
		t.Fatalf("%d active instances restored; %d were acknowledged before the backup, %d in all", active, len(before), len(acked))
	}
	// Work every job: all restored instances complete.
	completed := 0
	for completed < active {
		var res struct {
			Jobs []struct {
				JobKey string `json:"jobKey"`
			} `json:"jobs"`
		}
		post(t, base2+"/v2/jobs/activation", map[string]any{"type": "work", "maxJobsToActivate": 100, "timeout": 60000, "worker": "t", "requestTimeout": 5000}, &res)
		if len(res.Jobs) == 0 {
			t.Fatalf("no more jobs after %d of %d", completed, active)
		}
		for _, j := range res.Jobs {
			post(t, base2+"/v2/jobs/"+j.JobKey+"/completion", map[string]any{}, nil)
			completed++
		}
	}
	if n := countInstances(t, base2, "ACTIVE"); n != 0 {
		t.Fatalf("%d instances still active", n)
	}
	if n := countInstances(t, base2, "COMPLETED"); n != active {
		t.Fatalf("%d instances completed; want %d", n, active)
	}
	t.Logf("backup under load: %d instances acknowledged before it, %d in it, all completed after the restore", len(before), active)
}

func countInstances(t *testing.T, base, state string) int {
	t.Helper()
	var res struct {
		Page struct {
			TotalItems int `json:"totalItems"`
		} `json:"page"`
	}
	post(t, base+"/v2/process-instances/search", map[string]any{"filter": map[string]any{"state": state}, "page": map[string]any{"limit": 1}}, &res)
	return res.Page.TotalItems
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
