package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/loadgen"
	"github.com/orcabpm/orca/internal/mcpgw"
)

type benchFlags struct {
	instances, reads, clients, starts int
	rounds                            int
	synchronous                       string
	keep, startOnly                   bool
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
    resident memory (VmRSS, in MiB and MB) 2 s after that answer, of it the anonymous
    memory (RssAnon: heap, stacks) and the file pages mapped (RssFile: mostly this binary's
    code and tables, shared with the page cache), and its peak (VmHWM); the restart figures
    are the medians of --starts runs; the same again from a copy of this binary written as
    cp writes it (a freshly linked binary can map more of its pages: docs/performance.md);
  - one-task instances per second (create, a job worker completes the service task, end):
    in process through the engine's API, and end to end over /v2 with REST job workers;
  - MCP against REST, on the same read (a process instance by key: GET /v2/process-instances/{key}
    against the tool getProcessInstance on /mcp/cluster) and the same write (createProcessInstance),
    with --clients concurrent clients of equal weight (each encodes its request and decodes the
    whole answer into the same typed value; the MCP client is a minimal stateless Streamable HTTP
    client, one JSON-RPC POST per call): p50, p99, calls per second, and the server's CPU time per
    call (the orca start process's CPU time over the run, divided by the calls: the gateway's own
    cost, independent of the client) and the clients' CPU time per call (the bench process's:
    what the protocol costs a client, on the same two cores, so in the latencies too), with
    their ratios; the official Go MCP client (go-sdk) runs too, for information (at most
    5,000 calls). After a few calls each that are not measured, the protocols
    alternate in --rounds rounds; the ratios are given over all calls and as the median (and
    range) of the rounds' own ratios. For the read, the REST client runs a second time in the
    same rounds, and its ratios to the first (REST against REST) show how far two runs of the
    same calls differ on this machine now: a ratio of MCP to REST within that spread of 1 is
    noise. Then the protocols' floor of that read: the two answers orca start gave, served from
    memory by a server that does nothing else (MCP's with each call's own id), to the same
    clients in the same rounds; its ratios are what the protocols themselves cost, and the
    excess per call against orca start beside that against the floor is what the gateway adds.
    Then the peak RSS (VmHWM) of that orca start over these runs, and its RSS once it has been quiet
    for a few seconds (it then gives its free heap and its idle read connections' memory back).

Commits are durable (synchronous=FULL) unless --synchronous says otherwise. Other load on
the machine shows in the figures: run it on a quiet machine, more than once.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runBench(cmd.Context(), cmd.OutOrStdout(), bf)
		},
	}
	f := cmd.Flags()
	f.IntVar(&bf.instances, "instances", 5000, "one-task instances per throughput run")
	f.IntVar(&bf.reads, "reads", 20000, "calls per protocol and operation in the MCP against REST runs (the Go SDK client's run, for information, makes at most 5,000)")
	f.IntVar(&bf.clients, "clients", 8, "concurrent clients in the MCP against REST run")
	f.IntVar(&bf.rounds, "rounds", 10, "rounds the MCP against REST runs alternate in, each an equal share of --reads")
	f.IntVar(&bf.starts, "starts", 5, "restarts of orca start to take the median start time and idle RSS of")
	f.StringVar(&bf.synchronous, "synchronous", "FULL", "SQLite synchronous mode of the runs: FULL (durable) or NORMAL")
	f.BoolVar(&bf.keep, "keep", false, "keep the temporary data directories (their paths are printed)")
	f.BoolVar(&bf.startOnly, "start-only", false, "measure orca start alone (start time and idle RSS, about 30 s) and stop there")
	cmd.AddCommand(newBenchFloorCmd())
	return cmd
}

// newBenchFloorCmd is orca bench's own floor server (loadgen.FloorHandler),
// which it starts as a process of its own: hidden, not for users.
func newBenchFloorCmd() *cobra.Command {
	var addr, answers string
	cmd := &cobra.Command{
		Use:    "floor",
		Short:  "Serve the protocols' floor for orca bench (answers captured from orca start, from memory)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a, err := loadgen.ReadFloorAnswers(answers)
			if err != nil {
				return err
			}
			h, err := loadgen.FloorHandler(a)
			if err != nil {
				return err
			}
			l, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
			go func() {
				<-cmd.Context().Done()
				srv.Close()
			}()
			if err := srv.Serve(l); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:0", "the address to serve at")
	cmd.Flags().StringVar(&answers, "answers", "", "the file of answers orca bench captured")
	return cmd
}

func runBench(ctx context.Context, out io.Writer, bf benchFlags) error {
	if bf.instances < 1 || bf.reads < 1 || bf.clients < 1 || bf.starts < 1 || bf.rounds < 1 {
		return errors.New("--instances, --reads, --clients, --starts and --rounds must be at least 1")
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
	row := func(what, value string) { fmt.Fprintf(out, "%-72s %s\n", what, value) }
	fmt.Fprintf(out, "orca bench: %s, %s/%s, %d CPUs, synchronous=%s\n", versionString(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), bf.synchronous)

	// orca start as a user runs it (built-in workers, management
	// endpoints, console, MCP): start time and idle RSS.
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	row("this binary", binaryNote(exe))
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
		row(fmt.Sprintf("orca start, idle RSS %s after the first answer (VmRSS; peak VmHWM)", loadgen.Idle), sf.MemoryString()+of)
		// The file-backed part depends on how the binary's pages came into
		// the page cache: the Go linker writes its output through a memory
		// mapping, which can leave large folios there, and Linux maps a
		// large folio whole on a fault. A copy written with write(2), as
		// cp, tar and package managers install it, or the binary read from
		// disk after a reboot, is mapped 64 KiB around each page touched.
		copied := filepath.Join(tmp, "orca-copy")
		if err := copyFile(exe, copied); err != nil {
			return err
		}
		cf, err := loadgen.MeasureStarts(ctx, copied, srvDir, bf.starts, "--synchronous", bf.synchronous)
		if err != nil {
			return err
		}
		row("orca start, the same from a copy of this binary (as cp installs it)", cf.MemoryString()+of)
	}
	if bf.startOnly {
		return nil
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
	// MCP against REST first: after the end-to-end run the store's WAL
	// holds that run's writes, and their checkpoint would be set off by the
	// first commits after it (MCP's audit entries) and counted as MCP's.
	if err := benchReads(ctx, row, hc, srv, bf); err != nil {
		return err
	}
	res, err := loadgen.Load{Instances: bf.instances}.REST(ctx, hc, srv.Base)
	if err != nil {
		return fmt.Errorf("end to end run: %w", err)
	}
	row("one-task instances/s end to end over /v2, REST job workers", fmt.Sprintf("%.0f (%d in %s)", res.PerSecond(), res.Instances, res.Elapsed.Round(time.Millisecond)))

	if m, err := srv.Memory(); err == nil {
		// Most of what orca start holds after the runs is the state of the
		// instances they left active (each create over MCP and REST starts
		// one that waits at a user task): say how many.
		active, err := activeInstances(ctx, hc, srv.Base)
		if err != nil {
			return fmt.Errorf("count the active instances: %w", err)
		}
		row("orca start, peak RSS over the runs over /v2 and MCP above (VmHWM)", fmt.Sprintf("%.1f MiB (RSS now %.1f MiB, anonymous %.1f MiB; %s instances left active)",
			float64(m.Peak)/(1<<20), float64(m.RSS)/(1<<20), float64(m.Anon)/(1<<20), active))
		// orca start gives its free heap and idle connections' memory back
		// once quiet after a burst (memreturn.go): what it holds then is
		// what it uses, above all the instances the runs left active.
		wait := memoryReturnTick * (memoryQuietTicks + 3)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		if m, err := srv.Memory(); err == nil {
			row(fmt.Sprintf("orca start, RSS %s after those runs (quiet: memory given back)", wait), fmt.Sprintf("%.1f MiB (anonymous %.1f MiB, file-backed %.1f MiB)",
				float64(m.RSS)/(1<<20), float64(m.Anon)/(1<<20), float64(m.File)/(1<<20)))
		}
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

// binaryNote is the binary's size and the build settings that change what
// orca start maps: with cgo the binary is linked dynamically and maps the C
// library too; -trimpath and -ldflags change its tables.
func binaryNote(exe string) string {
	var note []string
	if fi, err := os.Stat(exe); err == nil {
		note = append(note, fmt.Sprintf("%.1f MB", float64(fi.Size())/1e6))
	}
	cgo := false
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch s.Key {
			case "CGO_ENABLED":
				cgo = s.Value == "1"
				note = append(note, s.Key+"="+s.Value)
			case "-trimpath":
				if s.Value == "true" {
					note = append(note, s.Key)
				}
			case "-ldflags":
				note = append(note, s.Key+"="+strconv.Quote(s.Value))
			}
		}
	}
	if cgo {
		note = append(note, "(linked dynamically: the C library's pages count in its RSS; the README builds with CGO_ENABLED=0)")
	}
	return strings.Join(note, ", ")
}

// copyFile copies an executable with ordinary writes.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o755)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
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

// benchReads compares MCP with REST on the same two operations: a read
// (GET /v2/process-instances/{key} against the tool getProcessInstance on
// /mcp/cluster) and a write (POST /v2/process-instances against the tool
// createProcessInstance). The REST client and the minimal MCP client weigh
// the same (loadgen.RESTCall, loadgen.MCPCall: each encodes its request
// and decodes the answer into the same typed value). Both first make a
// few calls that are not measured (the first MCP call builds the gateway:
// mcpgw.Lazy), then they alternate in bf.rounds rounds (REST first in
// even rounds, MCP first in odd ones), each round an equal share of the
// calls, so that a change in the machine's load falls on both. The
// pooled figures are over all rounds' calls; the median of the rounds'
// ratios is less moved by one round's bad luck (a burst of other work on
// the machine). For the read, the REST client also runs a second time in
// each round, in turn first, between and last, and the ratios of that run
// to REST's are printed too: what two runs of the same calls give, the
// measurement's own spread on the machine as it is (other work, a
// collection), against which MCP's ratios can be judged. Not for the
// write: each call starts an instance, and a third run's instances would
// change the figures measured after it on the same server (the peak RSS
// over these runs rose from 141-150 to 167-170 MiB with it). Besides latency
// and rate, the server's CPU time per call (that of the orca start
// process's threads from the start of a run until it is idle again,
// divided by the calls) is the gateway's own cost, whatever the client
// costs. The official Go MCP client (go-sdk) runs afterwards, for
// information.
func benchReads(ctx context.Context, row func(string, string), hc *http.Client, srv *loadgen.Process, bf benchFlags) error {
	base := srv.Base
	b, err := loadgen.Post(ctx, hc, base+"/v2/process-instances", []byte(`{"processDefinitionId":"scale-review"}`))
	if err != nil {
		return err
	}
	key := between(string(b), `"processInstanceKey":"`, `"`)
	if key == "" {
		return fmt.Errorf("no processInstanceKey in %s", b)
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "orca-bench", Version: version}, nil)
	goSDK := func(tool string, args map[string]any) func() (func(context.Context) error, func(), error) {
		return func() (func(context.Context) error, func(), error) {
			cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + mcpgw.PathCluster, HTTPClient: hc}, nil)
			if err != nil {
				return nil, nil, fmt.Errorf("connect to %s: %w", mcpgw.PathCluster, err)
			}
			return func(ctx context.Context) error {
				res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: tool, Arguments: args})
				if err == nil && res.IsError {
					err = fmt.Errorf("%s answered an error", tool)
				}
				return err
			}, func() { cs.Close() }, nil
		}
	}
	type create struct {
		ProcessDefinitionID string `json:"processDefinitionId"`
	}
	endpoint := base + mcpgw.PathCluster
	clients := strconv.Itoa(bf.clients) + " clients"
	for _, op := range []struct {
		name, rest string
		runs       [2]protocolRun // REST, MCP
		sdk        protocolRun
		spread     bool // REST again in each round (reads only: a write changes the store)
	}{
		{"getProcessInstance", "GET /v2/process-instances/{key}", [2]protocolRun{
			{label: "REST", newCall: sharedCall(loadgen.RESTCall[cluster.ProcessInstance](hc, http.MethodGet, base+"/v2/process-instances/"+key, nil))},
			{label: "MCP", newCall: sharedCall(loadgen.MCPCall[cluster.ProcessInstance](hc, endpoint, "getProcessInstance", readArgs{key}))},
		}, protocolRun{label: "go-sdk", newCall: goSDK("getProcessInstance", map[string]any{"processInstanceKey": key})}, true},
		{"createProcessInstance", "POST /v2/process-instances", [2]protocolRun{
			{label: "REST", newCall: sharedCall(loadgen.RESTCall[cluster.CreateProcessInstanceResult](hc, http.MethodPost, base+"/v2/process-instances", create{"scale-review"}))},
			{label: "MCP", newCall: sharedCall(loadgen.MCPCall[cluster.CreateProcessInstanceResult](hc, endpoint, "createProcessInstance", create{"scale-review"}))},
		}, protocolRun{label: "go-sdk", newCall: goSDK("createProcessInstance", map[string]any{"processDefinitionId": "scale-review"})}, false},
	} {
		rest, lean := &op.runs[0], &op.runs[1]
		warm := min(200, max(1, bf.reads/10))
		for _, r := range []*protocolRun{rest, lean} {
			if _, _, err := loadgen.Latencies(ctx, warm, bf.clients, r.newCall); err != nil {
				return fmt.Errorf("%s %s: warming up: %w", op.name, r.label, err)
			}
		}
		var again *protocolRun
		if op.spread {
			// REST's client once more, in the same rounds: what the
			// ratios of two runs of the same calls are, the
			// measurement's own spread.
			again = &protocolRun{label: "REST again", newCall: rest.newCall}
		}
		rounds, err := alternate(ctx, srv, rest, lean, again, bf)
		if err != nil {
			return fmt.Errorf("%s: %w", op.name, err)
		}
		var sdkIdle time.Duration
		// For information only: fewer calls than the measured runs (each
		// create starts an instance that stays active, whose state orca
		// start then holds).
		if _, err := op.sdk.run(ctx, srv, min(bf.reads, sdkCalls), bf.clients, &sdkIdle); err != nil {
			return fmt.Errorf("%s %s: %w", op.name, op.sdk.label, err)
		}
		row(op.name+": REST "+op.rest+" ("+clients+")", rest.String())
		row(op.name+": MCP tools/call on /mcp/cluster (minimal client)", lean.String())
		row(op.name+": MCP against REST", ratios(lean, rest))
		row(fmt.Sprintf("%s: MCP against REST, median of %d rounds' ratios", op.name, len(rounds)), medianRatios(rounds))
		if op.spread {
			cpu := "not measured (no CPU time counted for REST)"
			if rest.cpu > 0 {
				cpu = fmt.Sprintf("x%.2f", again.cpuPerCall()/rest.cpuPerCall())
			}
			row(op.name+": REST against REST (the same calls again)", fmt.Sprintf("p50 x%.2f, p99 x%.2f, server CPU per call %s",
				again.p(50)/rest.p(50), again.p(99)/rest.p(99), cpu))
			if err := benchFloor(ctx, row, hc, srv, key, rest, lean, bf); err != nil {
				return fmt.Errorf("%s, the protocols' floor: %w", op.name, err)
			}
		}
		row(op.name+": for information, MCP with the Go SDK client", op.sdk.String())
	}
	return nil
}

// alternate runs rest's and lean's calls (and again's, when not nil: REST
// once more) in bf.rounds rounds, REST first in even rounds and MCP first
// in odd ones, each round an equal share of bf.reads, so that a change in
// the machine's load falls on both; again takes each place in turn
// (first, between, last). It returns each round's ratios of MCP to REST.
func alternate(ctx context.Context, srv *loadgen.Process, rest, lean, again *protocolRun, bf benchFlags) ([]roundRatio, error) {
	var rounds []roundRatio
	// The server's CPU time when it was last found idle: each run starts
	// from the previous one's end, not from another wait.
	var idle time.Duration
	for round := range bf.rounds {
		n := bf.reads/bf.rounds + btoi(round < bf.reads%bf.rounds)
		order := []*protocolRun{rest, lean}
		if round%2 == 1 {
			order = []*protocolRun{lean, rest}
		}
		if again != nil {
			order = slices.Insert(order, round/2%3, again)
		}
		var got [2]roundFigures
		for _, r := range order {
			f, err := r.run(ctx, srv, n, bf.clients, &idle)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.label, err)
			}
			if r != again {
				got[btoi(r == lean)] = f
			}
		}
		if n > 0 {
			rounds = append(rounds, ratiosOf(got[1], got[0]))
		}
	}
	return rounds, nil
}

// benchFloor measures the protocols' floor of the read (loadgen.FloorHandler):
// the same clients against a server that answers from memory what srv
// answered (captured now), in the same rounds; and prints it beside
// srv's figures (rest, lean): MCP's excess over REST per call on each
// side, against orca start and against the floor.
func benchFloor(ctx context.Context, row func(string, string), hc *http.Client, srv *loadgen.Process, key string, rest, lean *protocolRun, bf benchFlags) error {
	restURL, endpoint := srv.Base+"/v2/process-instances/"+key, srv.Base+mcpgw.PathCluster
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, restURL, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	var a loadgen.FloorAnswers
	if a.REST, err = loadgen.Capture(hc, req); err != nil {
		return err
	}
	if a.MCP, err = loadgen.CaptureMCP(ctx, hc, endpoint, "getProcessInstance", readArgs{key}); err != nil {
		return err
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "orca-bench-floor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	floor, err := loadgen.StartFloor(ctx, exe, dir, a)
	if err != nil {
		return err
	}
	defer floor.Stop()
	runs := [2]protocolRun{
		{label: "REST floor", newCall: sharedCall(loadgen.RESTCall[cluster.ProcessInstance](hc, http.MethodGet, floor.Base+"/v2/process-instances/"+key, nil))},
		{label: "MCP floor", newCall: sharedCall(loadgen.MCPCall[cluster.ProcessInstance](hc, floor.Base+mcpgw.PathCluster, "getProcessInstance", readArgs{key}))},
	}
	frest, flean := &runs[0], &runs[1]
	warm := min(200, max(1, bf.reads/10))
	for _, r := range []*protocolRun{frest, flean} {
		if _, _, err := loadgen.Latencies(ctx, warm, bf.clients, r.newCall); err != nil {
			return fmt.Errorf("%s: warming up: %w", r.label, err)
		}
	}
	if _, err := alternate(ctx, floor, frest, flean, nil, bf); err != nil {
		return err
	}
	row("getProcessInstance: the protocols' floor: REST, the same answer from memory", frest.String())
	row("getProcessInstance: the protocols' floor: MCP, the same answer from memory", flean.String())
	row("getProcessInstance: the protocols' floor: MCP against REST", ratios(flean, frest))
	row("getProcessInstance: MCP's excess per call, orca start against the floor", fmt.Sprintf("server CPU %+.0f µs against %+.0f µs, client CPU %+.0f µs against %+.0f µs",
		lean.cpuPerCall()-rest.cpuPerCall(), flean.cpuPerCall()-frest.cpuPerCall(), lean.clientPerCall()-rest.clientPerCall(), flean.clientPerCall()-frest.clientPerCall()))
	return nil
}

// ratios are lean's figures against rest's: p50, p99, the server's CPU
// per call and the clients'.
func ratios(lean, rest *protocolRun) string {
	cpuRatio := "not measured (no CPU time counted for REST)"
	if rest.cpu > 0 {
		cpuRatio = fmt.Sprintf("x%.2f", lean.cpuPerCall()/rest.cpuPerCall())
	}
	clientRatio := ""
	if rest.client > 0 && lean.client > 0 {
		clientRatio = fmt.Sprintf(", client CPU per call x%.2f", lean.clientPerCall()/rest.clientPerCall())
	}
	return fmt.Sprintf("p50 x%.2f, p99 x%.2f, server CPU per call %s%s", lean.p(50)/rest.p(50), lean.p(99)/rest.p(99), cpuRatio, clientRatio)
}

// readArgs are getProcessInstance's arguments.
type readArgs struct {
	ProcessInstanceKey string `json:"processInstanceKey"`
}

// sharedCall is a call all clients share.
func sharedCall(call func(context.Context) error) func() (func(context.Context) error, func(), error) {
	return func() (func(context.Context) error, func(), error) { return call, func() {}, nil }
}

// sdkCalls is the most calls the Go SDK client's runs make.
const sdkCalls = 5000

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// protocolRun is one protocol's share of the MCP against REST runs.
type protocolRun struct {
	label   string
	newCall func() (func(context.Context) error, func(), error)
	lats    []time.Duration
	elapsed time.Duration
	cpu     time.Duration // the server's
	client  time.Duration // the bench process's: the clients'
}

// roundFigures are one run's figures: its latencies' p50 and p99 and the
// server's CPU time per call.
type roundFigures struct{ p50, p99, cpu float64 }

// roundRatio is MCP's figures of one round divided by REST's.
type roundRatio roundFigures

func ratiosOf(mcp, rest roundFigures) roundRatio {
	return roundRatio{p50: mcp.p50 / rest.p50, p99: mcp.p99 / rest.p99, cpu: mcp.cpu / rest.cpu}
}

// medianRatios is the median of each ratio over the rounds, with its
// range.
func medianRatios(rounds []roundRatio) string {
	if len(rounds) == 0 {
		return "no rounds"
	}
	med := func(get func(roundRatio) float64) string {
		v := make([]float64, len(rounds))
		for i, r := range rounds {
			v[i] = get(r)
		}
		slices.Sort(v)
		m := v[len(v)/2]
		if len(v)%2 == 0 {
			m = (v[len(v)/2-1] + v[len(v)/2]) / 2
		}
		return fmt.Sprintf("x%.2f (x%.2f-x%.2f)", m, v[0], v[len(v)-1])
	}
	return fmt.Sprintf("p50 %s, p99 %s, server CPU per call %s",
		med(func(r roundRatio) float64 { return r.p50 }), med(func(r roundRatio) float64 { return r.p99 }),
		med(func(r roundRatio) float64 { return r.cpu }))
}

// run makes n calls from clients goroutines, adds their latencies, time
// and the server's CPU time, and returns the run's own figures. idle is
// the server's CPU time when it was last found idle (Settle), the run's
// start: 0 waits for the server to be idle first. The run sets it to its
// own end.
func (r *protocolRun) run(ctx context.Context, srv *loadgen.Process, n, clients int, idle *time.Duration) (roundFigures, error) {
	if n == 0 {
		return roundFigures{}, nil
	}
	cpu0 := *idle
	if cpu0 == 0 {
		var err error
		if cpu0, err = srv.Settle(ctx); err != nil {
			return roundFigures{}, err
		}
	}
	self0, selfErr := selfCPU()
	lats, rate, err := loadgen.Latencies(ctx, n, clients, r.newCall)
	if err != nil {
		return roundFigures{}, err
	}
	// The clients' CPU time: the bench process runs nothing else during
	// a run.
	if self1, err := selfCPU(); err == nil && selfErr == nil {
		r.client += self1 - self0
	}
	cpu1, err := srv.Settle(ctx)
	if err != nil {
		return roundFigures{}, err
	}
	*idle = cpu1
	r.lats = append(r.lats, lats...)
	slices.Sort(r.lats)
	r.elapsed += time.Duration(float64(len(lats)) / rate * float64(time.Second))
	r.cpu += cpu1 - cpu0
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return roundFigures{p50: ms(loadgen.Percentile(lats, 50)), p99: ms(loadgen.Percentile(lats, 99)),
		cpu: float64((cpu1 - cpu0).Microseconds()) / float64(len(lats))}, nil
}

// selfCPU is the bench process's CPU time so far (Linux).
func selfCPU() (time.Duration, error) {
	if d, err := loadgen.ThreadsCPU(os.Getpid()); err == nil {
		return d, nil
	}
	return loadgen.ProcessCPU(os.Getpid())
}

// p is a percentile of the latencies, in ms.
func (r *protocolRun) p(q float64) float64 {
	return float64(loadgen.Percentile(r.lats, q).Microseconds()) / 1000
}

// cpuPerCall is the server's CPU time per call, in µs.
func (r *protocolRun) cpuPerCall() float64 {
	return float64(r.cpu.Microseconds()) / float64(len(r.lats))
}

// clientPerCall is the clients' CPU time per call, in µs (0: not
// measured).
func (r *protocolRun) clientPerCall() float64 {
	return float64(r.client.Microseconds()) / float64(len(r.lats))
}

func (r *protocolRun) String() string {
	s := fmt.Sprintf("p50 %.2f ms, p99 %.2f ms, %.0f/s, server CPU %.0f µs/call",
		r.p(50), r.p(99), float64(len(r.lats))/r.elapsed.Seconds(), r.cpuPerCall())
	if r.client > 0 {
		s += fmt.Sprintf(", client CPU %.0f µs/call", r.clientPerCall())
	}
	return s
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// activeInstances is the number of process instances active on the server
// at base, as the search's total says it: "more than 10000" where the
// search counts no further (Camunda's totalItems stops at 10,000, with
// hasMoreTotalItems).
func activeInstances(ctx context.Context, hc *http.Client, base string) (string, error) {
	b, err := loadgen.Post(ctx, hc, base+"/v2/process-instances/search", []byte(`{"filter":{"state":"ACTIVE"},"page":{"limit":1}}`))
	if err != nil {
		return "", err
	}
	var res struct {
		Page struct {
			TotalItems        *int64 `json:"totalItems"`
			HasMoreTotalItems bool   `json:"hasMoreTotalItems"`
		} `json:"page"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return "", fmt.Errorf("the search's answer: %w", err)
	}
	if res.Page.TotalItems == nil {
		return "", fmt.Errorf("the search's answer has no page.totalItems: %.200s", b)
	}
	if res.Page.HasMoreTotalItems {
		return fmt.Sprintf("more than %d", *res.Page.TotalItems), nil
	}
	return strconv.FormatInt(*res.Page.TotalItems, 10), nil
}
