package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/loadgen"
	"github.com/orcabpm/orca/internal/mcpgw"
)

type benchFlags struct {
	instances, reads, clients int
	synchronous               string
	keep                      bool
}

func newBenchCmd() *cobra.Command {
	var bf benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure this machine: start time and idle RSS of orca start, instances per second in process and over /v2, MCP against REST",
		Long: `orca bench measures, on this machine, in temporary data directories:

  - orca start (this binary, no built-in workers, no configuration file): the time from
    starting the process to its first /v2/topology answer, on a new data directory and on
    a restart, and its resident memory (RSS) once idle;
  - one-task instances per second (create, a job worker completes the service task, end):
    in process through the engine's API, and end to end over /v2 with REST job workers;
  - the same read (a process instance by key) over /v2 and as the MCP tool
    getProcessInstance over /mcp/cluster (the official Go MCP client): p50, p99, ratio.

Commits are durable (synchronous=FULL) unless --synchronous says otherwise. Other load on
the machine shows in the figures: run it on a quiet machine, more than once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.Context(), cmd.OutOrStdout(), bf)
		},
	}
	f := cmd.Flags()
	f.IntVar(&bf.instances, "instances", 5000, "one-task instances per throughput run")
	f.IntVar(&bf.reads, "reads", 5000, "reads per protocol in the MCP against REST run")
	f.IntVar(&bf.clients, "clients", 8, "concurrent clients in the MCP against REST run")
	f.StringVar(&bf.synchronous, "synchronous", "FULL", "SQLite synchronous mode of the runs: FULL (durable) or NORMAL")
	f.BoolVar(&bf.keep, "keep", false, "keep the temporary data directories (their paths are printed)")
	return cmd
}

func runBench(ctx context.Context, out io.Writer, bf benchFlags) error {
	if bf.instances < 1 || bf.reads < 1 || bf.clients < 1 {
		return errors.New("--instances, --reads and --clients must be at least 1")
	}
	tmp, err := os.MkdirTemp("", "orca-bench-")
	if err != nil {
		return err
	}
	if bf.keep {
		fmt.Fprintln(out, "data directories under", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	row := func(what, value string) { fmt.Fprintf(out, "%-66s %s\n", what, value) }
	fmt.Fprintf(out, "orca bench: %s, %s/%s, %d CPUs, synchronous=%s\n", versionString(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), bf.synchronous)

	// orca start: start time, idle RSS; then the runs over HTTP against it.
	srvDir := filepath.Join(tmp, "server")
	srv, d, err := benchStart(ctx, srvDir, bf.synchronous)
	if err != nil {
		return err
	}
	row("orca start, new data directory, to the first /v2/topology answer", ms(d)+srv.cpu)
	srv.stop()
	srv, d, err = benchStart(ctx, srvDir, bf.synchronous)
	if err != nil {
		return err
	}
	defer srv.stop()
	row("orca start, restart, to the first /v2/topology answer", ms(d)+srv.cpu)
	time.Sleep(2 * time.Second) // idle: the start's garbage is collected
	if rss, err := processRSS(srv.cmd.Process.Pid); err == nil {
		row("orca start, idle RSS", fmt.Sprintf("%.1f MB", float64(rss)/(1<<20)))
	} else {
		row("orca start, idle RSS", "not measured: "+err.Error())
	}

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
	if err := benchDeploy(ctx, hc, srv.base); err != nil {
		return err
	}
	res, err := loadgen.Load{Instances: bf.instances}.REST(ctx, hc, srv.base)
	if err != nil {
		return fmt.Errorf("end to end run: %w", err)
	}
	row("one-task instances/s end to end over /v2, REST job workers", fmt.Sprintf("%.0f (%d in %s)", res.PerSecond(), res.Instances, res.Elapsed.Round(time.Millisecond)))

	if err := benchReads(ctx, row, hc, srv.base, bf); err != nil {
		return err
	}
	srv.stop()

	// In process.
	e, err := engine.Open(ctx, engine.Options{DataDir: filepath.Join(tmp, "engine"), Synchronous: bf.synchronous})
	if err != nil {
		return err
	}
	defer e.Close()
	if err := loadgen.Deploy(ctx, e); err != nil {
		return err
	}
	res, err = loadgen.Load{Instances: bf.instances}.InProcess(ctx, e)
	if err != nil {
		return fmt.Errorf("in-process run: %w", err)
	}
	row("one-task instances/s in process (engine API)", fmt.Sprintf("%.0f (%d in %s)", res.PerSecond(), res.Instances, res.Elapsed.Round(time.Millisecond)))
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

// benchServer is an orca start run by orca bench.
type benchServer struct {
	cmd  *exec.Cmd
	base string
	done chan struct{}
	log  *bytes.Buffer
	cpu  string // ", N ms of CPU": what it used until it answered (Linux)
}

func (s *benchServer) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.done
	}
}

// benchStart runs this binary's orca start on dir and times it until its
// first /v2/topology answer.
func benchStart(ctx context.Context, dir, synchronous string) (*benchServer, time.Duration, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, 0, err
	}
	exe, err := os.Executable()
	if err != nil {
		return nil, 0, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, err
	}
	addr := l.Addr().String()
	l.Close()
	empty := filepath.Join(dir, "..", "empty.yaml")
	if err := os.WriteFile(empty, []byte("{}\n"), 0o600); err != nil {
		return nil, 0, err
	}
	cmd := exec.Command(exe, "start", "--addr", addr, "--data-dir", dir, "--workers", "none", "--config", empty,
		"--management-addr", "off", "--synchronous", synchronous)
	s := &benchServer{cmd: cmd, base: "http://" + addr, done: make(chan struct{}), log: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = io.Discard, s.log
	hc := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, err
	}
	go func() { _ = cmd.Wait(); close(s.done) }()
	deadline := start.Add(60 * time.Second)
	for {
		res, err := hc.Get(s.base + "/v2/topology")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				d := time.Since(start)
				if cpu, err := processCPU(cmd.Process.Pid); err == nil {
					s.cpu = fmt.Sprintf(" (%s of CPU)", ms(cpu))
				}
				return s, d, nil
			}
		}
		select {
		case <-s.done:
			return nil, 0, fmt.Errorf("orca start exited:\n%s", s.log)
		case <-ctx.Done():
			s.stop()
			return nil, 0, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, 0, fmt.Errorf("orca start did not answer /v2/topology within 60 s:\n%s", s.log)
		}
	}
}

func benchDeploy(ctx context.Context, hc *http.Client, base string) error {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("resources", "bench.bpmn")
	if err != nil {
		return err
	}
	fw.Write([]byte(loadgen.Model))
	mw.Close()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/v2/deployments", &buf)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	res, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("deploy: %d %s", res.StatusCode, b)
	}
	return nil
}

// benchReads times GET /v2/process-instances/{key} against the MCP tool
// getProcessInstance on /mcp/cluster, each with its own clients.
func benchReads(ctx context.Context, row func(string, string), hc *http.Client, base string, bf benchFlags) error {
	b, err := loadgen.Post(ctx, hc, base+"/v2/process-instances", []byte(`{"processDefinitionId":"scale-review"}`))
	if err != nil {
		return err
	}
	key := between(string(b), `"processInstanceKey":"`, `"`)
	if key == "" {
		return fmt.Errorf("no processInstanceKey in %s", b)
	}
	rest := func() (func(context.Context) error, func(), error) {
		return func(ctx context.Context) error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v2/process-instances/"+key, nil)
			res, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer res.Body.Close()
			io.Copy(io.Discard, res.Body)
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("GET /v2/process-instances/%s: %d", key, res.StatusCode)
			}
			return nil
		}, func() {}, nil
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "orca-bench", Version: version}, nil)
	viaMCP := func() (func(context.Context) error, func(), error) {
		cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + mcpgw.PathCluster, HTTPClient: hc}, nil)
		if err != nil {
			return nil, nil, fmt.Errorf("connect to %s: %w", mcpgw.PathCluster, err)
		}
		return func(ctx context.Context) error {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "getProcessInstance", Arguments: map[string]any{"processInstanceKey": key}})
			if err == nil && res.IsError {
				err = errors.New("getProcessInstance answered an error")
			}
			return err
		}, func() { cs.Close() }, nil
	}
	restLat, restRate, err := loadgen.Latencies(ctx, bf.reads, bf.clients, rest)
	if err != nil {
		return err
	}
	mcpLat, mcpRate, err := loadgen.Latencies(ctx, bf.reads, bf.clients, viaMCP)
	if err != nil {
		return err
	}
	p := func(l []time.Duration, q float64) float64 {
		return float64(loadgen.Percentile(l, q).Microseconds()) / 1000
	}
	clients := strconv.Itoa(bf.clients) + " clients"
	row("a process instance by key, REST GET /v2 ("+clients+")", fmt.Sprintf("p50 %.2f ms, p99 %.2f ms, %.0f/s", p(restLat, 50), p(restLat, 99), restRate))
	row("the same, MCP getProcessInstance on /mcp/cluster", fmt.Sprintf("p50 %.2f ms, p99 %.2f ms, %.0f/s", p(mcpLat, 50), p(mcpLat, 99), mcpRate))
	row("MCP against REST", fmt.Sprintf("p50 x%.2f, p99 x%.2f", p(mcpLat, 50)/p(restLat, 50), p(mcpLat, 99)/p(restLat, 99)))
	return nil
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// processRSS is a process's resident set size in bytes (Linux).
func processRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("no /proc on %s", runtime.GOOS)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no VmRSS in /proc status")
}

// processCPU is the user and system CPU time a process used (Linux; in
// clock ticks of 10 ms).
func processCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command (which may hold spaces) in parentheses.
	_, rest, ok := strings.Cut(string(b), ") ")
	if !ok {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(rest)
	if len(f) < 13 {
		return 0, errors.New("malformed /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("malformed /proc stat")
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}
