package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
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
	instances, reads, clients, starts int
	synchronous                       string
	keep                              bool
}

func newBenchCmd() *cobra.Command {
	var bf benchFlags
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure this machine: start time and idle RSS of orca start, instances per second in process and over /v2, MCP against REST",
		Long: `orca bench measures, on this machine, in temporary data directories:

  - orca start (this binary as a user starts it: built-in workers, management endpoints,
    console and MCP gateway on; no configuration file): the time from starting the process
    to its first /v2/topology answer, on a new data directory and on a restart, and its
    resident memory (VmRSS, in MiB and MB) 2 s after that answer, and its peak (VmHWM); the
    restart figures are the medians of --starts runs;
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
	f.IntVar(&bf.starts, "starts", 5, "restarts of orca start to take the median start time and idle RSS of")
	f.StringVar(&bf.synchronous, "synchronous", "FULL", "SQLite synchronous mode of the runs: FULL (durable) or NORMAL")
	f.BoolVar(&bf.keep, "keep", false, "keep the temporary data directories (their paths are printed)")
	return cmd
}

func runBench(ctx context.Context, out io.Writer, bf benchFlags) error {
	if bf.instances < 1 || bf.reads < 1 || bf.clients < 1 || bf.starts < 1 {
		return errors.New("--instances, --reads, --clients and --starts must be at least 1")
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

	// orca start as a user runs it (built-in workers, management
	// endpoints, console, MCP): start time and idle RSS.
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	srvDir := filepath.Join(tmp, "server")
	first, err := loadgen.StartOrca(ctx, exe, srvDir, "--synchronous", bf.synchronous)
	if err != nil {
		return err
	}
	first.Stop()
	row("orca start, new data directory, to the first /v2/topology answer", ms(first.Ready)+cpuNote(first.CPU))
	sf, err := loadgen.MeasureStarts(ctx, exe, srvDir, bf.starts, "--synchronous", bf.synchronous)
	if err != nil {
		return err
	}
	of := fmt.Sprintf(" (median of %d)", sf.Runs)
	row("orca start, restart, to the first /v2/topology answer", ms(sf.Ready)+cpuNote(sf.CPU)+of)
	if sf.RSS < 0 {
		row("orca start, idle RSS", "not measured (no /proc on "+runtime.GOOS+")")
	} else {
		row(fmt.Sprintf("orca start, idle RSS %s after the first answer (VmRSS; peak VmHWM)", loadgen.Idle),
			fmt.Sprintf("%.1f MiB = %.1f MB, peak %.1f MiB%s", float64(sf.RSS)/(1<<20), float64(sf.RSS)/1e6, float64(sf.Peak)/(1<<20), of))
	}

	// The runs over HTTP, against an orca start without built-in workers.
	srv, err := loadgen.StartOrca(ctx, exe, srvDir, "--synchronous", bf.synchronous, "--workers", "none")
	if err != nil {
		return err
	}
	defer srv.Stop()

	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: time.Minute}
	if err := benchDeploy(ctx, hc, srv.Base); err != nil {
		return err
	}
	res, err := loadgen.Load{Instances: bf.instances}.REST(ctx, hc, srv.Base)
	if err != nil {
		return fmt.Errorf("end to end run: %w", err)
	}
	row("one-task instances/s end to end over /v2, REST job workers", fmt.Sprintf("%.0f (%d in %s)", res.PerSecond(), res.Instances, res.Elapsed.Round(time.Millisecond)))

	if err := benchReads(ctx, row, hc, srv.Base, bf); err != nil {
		return err
	}
	srv.Stop()

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

// cpuNote is ", N ms of CPU" when the CPU time is known.
func cpuNote(d time.Duration) string {
	if d <= 0 {
		return ""
	}
	return fmt.Sprintf(" (%s of CPU)", ms(d))
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
