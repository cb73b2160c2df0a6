package main

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/config"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

const retentionBPMN = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="quick" isExecutable="true">
    <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e" /><bpmn:endEvent id="e" />
  </bpmn:process>
  <bpmn:process id="wait" isExecutable="true">
    <bpmn:startEvent id="ws" /><bpmn:sequenceFlow id="wf1" sourceRef="ws" targetRef="t" />
    <bpmn:userTask id="t"><bpmn:extensionElements><zeebe:userTask /></bpmn:extensionElements></bpmn:userTask>
    <bpmn:sequenceFlow id="wf2" sourceRef="t" targetRef="we" /><bpmn:endEvent id="we" />
  </bpmn:process>
</bpmn:definitions>`

// orca start with Camunda's history settings in its file (a time to live
// of zero, short intervals): a finished instance disappears from the API,
// an active one stays, with its variables.
func TestStartHistoryCleanup(t *testing.T) {
	cfg := writeFile(t, "orca.yaml", `camunda:
  data:
    secondary-storage:
      rdbms:
        history:
          default-history-ttl: PT0S
          min-history-cleanup-interval: 50ms
          max-history-cleanup-interval: PT0.2S
          default-batch-operation-history-ttl: P5D
          usage-metrics-ttl: P730D
`)
	port := freePort(t)
	runOrca(t, nil, "start", "--config", cfg, "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", t.TempDir(), "--workers", "none", "--management-addr", "off")
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/v2/topology")
	deploy(t, base, "retention.bpmn", []byte(retentionBPMN))
	var quick, wait struct {
		Key string `json:"processInstanceKey"`
	}
	post(t, base+"/v2/process-instances", map[string]any{"processDefinitionId": "wait", "variables": map[string]any{"keep": 1}}, &wait)
	post(t, base+"/v2/process-instances", map[string]any{"processDefinitionId": "quick"}, &quick)
	status := func(key string) int {
		res, err := http.Get(base + "/v2/process-instances/" + key)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	eventually(t, "the finished instance to be cleaned up", func() bool { return status(quick.Key) == http.StatusNotFound })
	if got := status(wait.Key); got != http.StatusOK {
		t.Fatalf("the active instance: GET answered %d, want 200", got)
	}
	var vars struct {
		Items []struct{ Name, Value string } `json:"items"`
	}
	post(t, base+"/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": wait.Key}}, &vars)
	if len(vars.Items) != 1 || vars.Items[0].Name != "keep" {
		t.Fatalf("the active instance's variables: %+v", vars.Items)
	}
}

// The history settings: Camunda's defaults, the keep-all switch, and
// errors naming the key.
func TestHistorySettings(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		check      func(t *testing.T, got engine.Retention)
		err        string
	}{
		{"defaults", "", func(t *testing.T, r engine.Retention) {
			if !r.Enabled || r.TTL != 30*24*time.Hour || r.DecisionTTL != r.TTL || r.MinInterval != time.Minute || r.MaxInterval != time.Hour {
				t.Errorf("%+v", r)
			}
		}, ""},
		{"keep all", "orca.history.keep-all: true\n", func(t *testing.T, r engine.Retention) {
			if r.Enabled {
				t.Errorf("%+v", r)
			}
		}, ""},
		{"ttl", historyPrefix + "default-history-ttl: P7D\n" + historyPrefix + "history-cleanup-batch-size: 500\n", func(t *testing.T, r engine.Retention) {
			if r.TTL != 7*24*time.Hour || r.DecisionTTL != r.TTL || r.RowBatch != 500 {
				t.Errorf("%+v", r)
			}
		}, ""},
		{"zero", historyPrefix + "default-history-ttl: PT0S\n" + historyPrefix + "decision-instance-ttl: 1h\n", func(t *testing.T, r engine.Retention) {
			if !r.Enabled || r.TTL != 0 || r.DecisionTTL != time.Hour {
				t.Errorf("%+v", r)
			}
		}, ""},
		{"negative", historyPrefix + "default-history-ttl: -P1D\n", nil, historyPrefix + "default-history-ttl: want a duration of zero or more, got -24h0m0s"},
		{"months", historyPrefix + "default-history-ttl: P1M\n", nil, "want a duration"},
		{"intervals", historyPrefix + "min-history-cleanup-interval: 2h\n", nil, "is shorter than"},
		{"batch", historyPrefix + "history-cleanup-process-instance-batch-size: 0\n", nil, "want an integer from 1 to 100000, got 0"},
		{"usage", historyPrefix + "max-history-cleanup-usage: 0.5\n", func(t *testing.T, r engine.Retention) {
			if r.Usage != 0.5 || r.Usage == engine.DefaultRetention().Usage {
				t.Errorf("%+v", r)
			}
		}, ""},
		{"usage beyond", historyPrefix + "max-history-cleanup-usage: 2\n", nil, `want a number above 0 and at most 1, got "2"`},
		// Camunda's settings for what Orca does not keep load, checked as
		// Camunda checks them, and change nothing.
		{"camunda's batch operation and usage metrics keys", historyPrefix + "default-batch-operation-history-ttl: P5D\n" +
			historyPrefix + "batch-operation-cancel-process-instance-history-ttl: P1D\n" + historyPrefix + "usage-metrics-cleanup: P1D\n" +
			historyPrefix + "usage-metrics-ttl: P730D\n", func(t *testing.T, r engine.Retention) {
			d := engine.DefaultRetention()
			r.Now, d.Now = nil, nil
			if !reflect.DeepEqual(r, d) {
				t.Errorf("inert keys changed the retention: %+v", r)
			}
		}, ""},
		{"usage metrics ttl zero", historyPrefix + "usage-metrics-ttl: PT0S\n", nil, historyPrefix + "usage-metrics-ttl: want a positive duration, got 0s"},
		{"batch operation ttl negative", historyPrefix + "batch-operation-resolve-incident-history-ttl: -PT1S\n", nil, "batch-operation-resolve-incident-history-ttl: want a positive duration"},
		{"batch operation ttl text", historyPrefix + "default-batch-operation-history-ttl: soon\n", nil, "default-batch-operation-history-ttl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := writeFile(t, "orca.yaml", tc.file)
			props, err := config.Load(path, true, func(string) (string, bool) { return "", false })
			if err == nil {
				err = props.Check(settings())
			}
			var r engine.Retention
			if err == nil {
				r, err = historySettings(props)
			}
			if err == nil {
				_, err = inertHistorySettings(props)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, r)
		})
	}
}

// A SIGKILL while the history cleanup deletes (small runs, back to back)
// leaves a consistent store: no row without its instance, the active
// instance and its variables there; the next orca start finishes the
// cleanup.
func TestHistoryCleanupSurvivesKill(t *testing.T) {
	cfg := writeFile(t, "orca.yaml", `camunda:
  data:
    secondary-storage:
      rdbms:
        history:
          default-history-ttl: PT0S
          min-history-cleanup-interval: 1s
          max-history-cleanup-interval: 1s
          history-cleanup-batch-size: 7
          history-cleanup-process-instance-batch-size: 3
`)
	dir := t.TempDir()
	port := freePort(t)
	args := []string{"start", "--config", cfg, "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", dir, "--workers", "none", "--management-addr", "off"}
	p := runOrca(t, nil, args...)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	waitHTTP(t, base+"/v2/topology")
	deploy(t, base, "retention.bpmn", []byte(retentionBPMN))
	var wait struct {
		Key string `json:"processInstanceKey"`
	}
	post(t, base+"/v2/process-instances", map[string]any{"processDefinitionId": "wait", "variables": map[string]any{"keep": 1}}, &wait)
	const finished = 400
	for range finished {
		post(t, base+"/v2/process-instances", map[string]any{"processDefinitionId": "quick", "variables": map[string]any{"x": 1}}, nil)
	}
	completed := func() int {
		var res struct {
			Page struct {
				TotalItems int `json:"totalItems"`
			} `json:"page"`
		}
		post(t, base+"/v2/process-instances/search", map[string]any{"filter": map[string]any{"state": "COMPLETED"}}, &res)
		return res.Page.TotalItems
	}
	eventually(t, "the cleanup to be under way", func() bool { return completed() < finished })
	p.kill()

	s, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	left, err := s.CountRows(context.Background(), "process_instances")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("killed with %d of %d process instances left", left, finished+1)
	orphans, err := s.OrphanRows(context.Background())
	if err != nil || len(orphans) > 0 {
		t.Fatalf("after a SIGKILL during the cleanup: rows without their instance %v %v", orphans, err)
	}
	s.Close()

	p = runOrca(t, nil, args...)
	waitHTTP(t, base+"/v2/topology")
	// The cleanup runs as fast as its share of the writer allows (a few
	// hundred small runs here): it must finish, however slow the machine
	// (under the race detector, beside other tests), and not stall.
	for last := completed(); last > 0; {
		eventually(t, fmt.Sprintf("the cleanup to go on after the restart (%d finished instances left)", last),
			func() bool { return completed() < last })
		last = completed()
	}
	var vars struct {
		Items []struct{ Name, Value string } `json:"items"`
	}
	post(t, base+"/v2/variables/search", map[string]any{"filter": map[string]any{"processInstanceKey": wait.Key}}, &vars)
	if len(vars.Items) != 1 || vars.Items[0].Name != "keep" {
		t.Fatalf("the active instance's variables after the kill and the cleanup: %+v", vars.Items)
	}
	_ = p
}
