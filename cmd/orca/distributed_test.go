package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/npmtest"
	"github.com/orcabpm/orca/internal/worker"
)

// TestDistributedAgent is the distributed case of Camunda's docs with real
// processes: the engine in `orca start` (no workers), the AI agent in one
// `orca worker`, the MCP client workers in another, the regular tool's
// worker here, all talking over the REST API v2; the LLM is a stub.
func TestDistributedAgent(t *testing.T) {
	if os.Getenv("ORCA_E2E") != "1" {
		t.Skip("set ORCA_E2E=1 (scripts/e2e.sh does): builds orca, runs three processes, installs server-everything from npm")
	}
	node, script := npmtest.ServerEverything(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "orca")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	// Direct: the workers and clients talk to orca start. Through the
	// gateway: to orca gateway in front of it (jobs, MCP tool discovery and
	// the user task all go through the gateway).
	for _, viaGateway := range []bool{false, true} {
		name := "direct"
		if viaGateway {
			name = "through orca gateway"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			stub := llmtest.NewOpenAI(t,
				llmtest.Turn{ToolCalls: []llm.ToolCall{
					{ID: "c1", Name: "Lookup", Arguments: json.RawMessage(`{"q":"distributed"}`)},
					{ID: "c2", Name: "MCP_Everything___echo", Arguments: json.RawMessage(`{"message":"from afar"}`)},
					{ID: "c3", Name: "MCP_OrcaCluster___getClusterStatus", Arguments: json.RawMessage(`{}`)},
				}},
				llmtest.Turn{Text: "All three tools answered."},
			)
			// The port is picked once the stub listens: picked before, the
			// stub's server could be given the same freed port, and orca
			// start's readiness probe would then ask the stub (seen in CI).
			port := freePort(t)
			base := fmt.Sprintf("http://127.0.0.1:%d", port)
			config := filepath.Join(dir, "application.yaml")
			yaml := fmt.Sprintf("camunda:\n  connector:\n    agenticai:\n      mcp:\n        client:\n          clients:\n            everything:\n              type: stdio\n              stdio:\n                command: %s\n                args: [%s, stdio]\n", node, script)
			if err := os.WriteFile(config, []byte(yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "none.yaml"), []byte("{}\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			run := func(name string, env []string, args ...string) {
				cmd := exec.Command(bin, args...)
				cmd.Env = append(os.Environ(), env...)
				logf, err := os.Create(filepath.Join(dir, name+".log"))
				if err != nil {
					t.Fatal(err)
				}
				cmd.Stdout, cmd.Stderr = logf, logf
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() {
					cmd.Process.Signal(os.Interrupt)
					done := make(chan struct{})
					go func() { cmd.Wait(); close(done) }()
					select {
					case <-done:
					case <-time.After(10 * time.Second):
						cmd.Process.Kill()
					}
					if t.Failed() {
						b, _ := os.ReadFile(logf.Name())
						t.Logf("--- %s log:\n%s", name, b)
					}
				})
			}
			run("orca-start", nil, "start", "--addr", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", filepath.Join(dir, "data"),
				"--workers", "none", "--synchronous", "NORMAL", "--config", filepath.Join(dir, "none.yaml"))
			waitHTTP(t, base+"/v2/topology")
			if viaGateway {
				// Everything below talks to orca gateway, which fronts the cluster.
				gport := freePort(t)
				run("orca-gateway", nil, "gateway", "--addr", fmt.Sprintf("127.0.0.1:%d", gport), "--cluster-url", base,
					"--config", filepath.Join(dir, "none.yaml"), "--console=false", "--deployment-poll", "200ms")
				base = fmt.Sprintf("http://127.0.0.1:%d", gport)
				waitHTTP(t, base+"/v2/topology")
			}
			run("orca-worker-agent", []string{"LLM_KEY=k-dist"}, "worker", "--workers", "agent", "--cluster-url", base, "--config", filepath.Join(dir, "none.yaml"))
			run("orca-worker-mcp", nil, "worker", "--workers", "mcp", "--cluster-url", base, "--config", config)

			remote, err := cluster.NewRemote(cluster.RemoteOptions{BaseURL: base})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			go worker.Run(ctx, remote, worker.Config{Type: "lookup", PollTimeout: 500 * time.Millisecond, Handler: worker.HandlerFunc(func(ctx context.Context, job *worker.Job) (*worker.Completion, error) {
				vars, _ := job.Variables()
				return &worker.Completion{Variables: map[string]any{"found": "found: " + vars["q"].(string)}}, nil
			})})

			model, err := os.ReadFile("../../internal/agent/testdata/e2e-agent.bpmn")
			if err != nil {
				t.Fatal(err)
			}
			deploy(t, base, "e2e-agent.bpmn", model)
			provider := map[string]any{"type": "openaiCompatible", "openaiCompatible": map[string]any{"endpoint": stub.URL + "/v1",
				"authentication": map[string]any{"apiKey": "{{secrets.LLM_KEY}}"}, "model": map[string]any{"model": "stub"}}}
			var created struct {
				ProcessInstanceKey string `json:"processInstanceKey"`
			}
			post(t, base+"/v2/process-instances", map[string]any{"processDefinitionId": "e2e-agent", "variables": map[string]any{
				"provider": provider, "question": "Check everything.", "orcaMcpUrl": base + "/mcp/cluster"}}, &created)
			pi := created.ProcessInstanceKey

			// Approve the call to the cluster, as a person would in Tasklist.
			var task string
			eventually(t, "the approval task", func() bool {
				var res struct {
					Items []struct {
						UserTaskKey string `json:"userTaskKey"`
					} `json:"items"`
				}
				post(t, base+"/v2/user-tasks/search", map[string]any{"filter": map[string]any{"processInstanceKey": pi, "state": "CREATED"}}, &res)
				if len(res.Items) == 1 {
					task = res.Items[0].UserTaskKey
				}
				return task != ""
			})
			post(t, base+"/v2/user-tasks/"+task+"/completion", map[string]any{}, nil)
			eventually(t, "the agent's answer", func() bool {
				var pi2 struct {
					State string `json:"state"`
				}
				get(t, base+"/v2/process-instances/"+pi, &pi2)
				return pi2.State == "COMPLETED"
			})
			reqs := stub.Requests()
			if len(reqs) != 2 {
				t.Fatalf("%d LLM calls", len(reqs))
			}
			for _, want := range []string{"found: distributed", "Echo: from afar", "HEALTHY"} {
				if !strings.Contains(string(reqs[1].Body), want) {
					t.Fatalf("the second LLM call lacks %q:\n%s", want, reqs[1].Body)
				}
			}
			if auth := reqs[0].Header.Get("Authorization"); auth != "Bearer k-dist" {
				t.Fatalf("the agent worker did not resolve the secret from its environment: %q", auth)
			}
		})
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitHTTP(t *testing.T, url string) {
	t.Helper()
	eventually(t, url, func() bool {
		res, err := http.Get(url)
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func deploy(t *testing.T, base, name string, content []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("resources", name)
	fw.Write(content)
	mw.Close()
	res, err := http.Post(base+"/v2/deployments", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("deploy: %d %s", res.StatusCode, b)
	}
}

func post(t *testing.T, url string, body, out any) {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("POST %s: %d %s", url, res.StatusCode, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("POST %s: %v: %s", url, err, data)
		}
	}
}

func get(t *testing.T, url string, out any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	data, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}
