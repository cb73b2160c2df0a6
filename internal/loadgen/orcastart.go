package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Process is a server process run for a measurement: orca start
// (StartOrca) or the protocols' floor (StartFloor), on a loopback port of
// its own.
type Process struct {
	Base  string        // its base URL, http://127.0.0.1:PORT
	Ready time.Duration // from starting the process to its first answer
	CPU   time.Duration // user and system CPU time it used until then (Linux; 0 elsewhere)

	cmd  *exec.Cmd
	done chan struct{}
	log  *bytes.Buffer
}

// StartOrca starts exe's orca start on dataDir with extra flags and waits
// for its first /v2/topology answer: the binary as a user starts it
// (every built-in worker, the management endpoints, the console and the
// MCP gateway on; no configuration file).
func StartOrca(ctx context.Context, exe, dataDir string, extra ...string) (*Process, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	mgmt, err := freeAddr()
	if err != nil {
		return nil, err
	}
	// An empty configuration file: an application.yaml in the working
	// directory must not change what is measured.
	cfg, err := os.CreateTemp("", "orca-empty-*.yaml")
	if err != nil {
		return nil, err
	}
	_, err = cfg.WriteString("{}\n")
	if cerr := cfg.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(cfg.Name())
		return nil, err
	}
	args := append([]string{"start", "--addr", addr, "--data-dir", dataDir, "--config", cfg.Name(), "--management-addr", mgmt}, extra...)
	return startProcess(ctx, exec.Command(exe, args...), addr, "/v2/topology", func() { os.Remove(cfg.Name()) })
}

// startProcess starts cmd, serving at addr, and waits for its first 200
// answer to GET ready; cleanup runs once the process has exited.
func startProcess(ctx context.Context, cmd *exec.Cmd, addr, ready string, cleanup func()) (*Process, error) {
	o := &Process{Base: "http://" + addr, cmd: cmd, done: make(chan struct{}), log: &bytes.Buffer{}}
	cmd.Stdout, cmd.Stderr = io.Discard, o.log
	hc := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		cleanup()
		return nil, err
	}
	go func() { _ = cmd.Wait(); cleanup(); close(o.done) }()
	deadline := start.Add(60 * time.Second)
	for {
		res, err := hc.Get(o.Base + ready)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				o.Ready = time.Since(start)
				o.CPU, _ = ProcessCPU(cmd.Process.Pid)
				return o, nil
			}
		}
		select {
		case <-o.done:
			return nil, fmt.Errorf("%s exited:\n%s", strings.Join(cmd.Args[:2], " "), o.log)
		case <-ctx.Done():
			o.Stop()
			return nil, ctx.Err()
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			o.Stop()
			return nil, fmt.Errorf("%s did not answer %s within 60 s:\n%s", strings.Join(cmd.Args[:2], " "), ready, o.log)
		}
	}
}

// Memory is the process's resident set now and its peak (Linux).
func (o *Process) Memory() (Memory, error) {
	return ProcessMemory(o.cmd.Process.Pid)
}

// Stop stops the process as Ctrl-C does and waits for it.
func (o *Process) Stop() {
	select {
	case <-o.done:
		return
	default:
	}
	_ = o.cmd.Process.Signal(os.Interrupt)
	select {
	case <-o.done:
	case <-time.After(20 * time.Second):
		_ = o.cmd.Process.Kill()
		<-o.done
	}
}

// Idle is how long an orca start runs idle before its memory is read: the
// start's garbage is collected by then.
const Idle = 2 * time.Second

// StartFigures are the medians of several starts of orca start on one data
// directory (each stopped before the next).
type StartFigures struct {
	Runs  int
	Ready time.Duration // to the first /v2/topology answer
	CPU   time.Duration // CPU time used until then
	// RSS, Anon, File and Peak are VmRSS, RssAnon, RssFile after Idle and
	// VmHWM, each the median of its own (bytes); -1: not measured.
	RSS, Anon, File, Peak int64
}

func (f StartFigures) String() string {
	mem := "RSS not measured"
	if f.RSS >= 0 {
		mem = "idle RSS " + f.MemoryString()
	}
	return fmt.Sprintf("ready %.1f ms (%.0f ms CPU), %s, median of %d", float64(f.Ready.Microseconds())/1000, float64(f.CPU.Milliseconds()), mem, f.Runs)
}

// MemoryString is the idle RSS in MiB and MB, its anonymous and file-backed
// parts and the peak.
func (f StartFigures) MemoryString() string {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	return fmt.Sprintf("%.1f MiB = %.1f MB (anonymous %.1f MiB, file-backed %.1f MiB), peak %.1f MiB",
		mib(f.RSS), float64(f.RSS)/1e6, mib(f.Anon), mib(f.File), mib(f.Peak))
}

// MeasureStarts starts orca start on dataDir runs times, each until its
// first /v2/topology answer and then Idle, and gives the medians.
func MeasureStarts(ctx context.Context, exe, dataDir string, runs int, extra ...string) (StartFigures, error) {
	var ready, cpu []time.Duration
	var rss, anon, file, peak []int64
	for range runs {
		o, err := StartOrca(ctx, exe, dataDir, extra...)
		if err != nil {
			return StartFigures{}, err
		}
		select {
		case <-time.After(Idle):
		case <-ctx.Done():
		}
		m, err := o.Memory()
		o.Stop()
		if ctx.Err() != nil {
			return StartFigures{}, ctx.Err()
		}
		ready, cpu = append(ready, o.Ready), append(cpu, o.CPU)
		if err == nil {
			rss, anon, file, peak = append(rss, m.RSS), append(anon, m.Anon), append(file, m.File), append(peak, m.Peak)
		}
	}
	f := StartFigures{Runs: runs, Ready: median(ready), CPU: median(cpu), RSS: -1, Anon: -1, File: -1, Peak: -1}
	if len(rss) == runs {
		f.RSS, f.Anon, f.File, f.Peak = median(rss), median(anon), median(file), median(peak)
	}
	return f, nil
}

func median[T int64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// Memory is a process's resident memory (Linux, /proc/PID/status), in
// bytes.
type Memory struct {
	RSS  int64 // VmRSS: resident now
	Anon int64 // RssAnon: of it, anonymous (heap, stacks, written data)
	File int64 // RssFile: of it, file pages mapped (mostly the binary's own, shared with the page cache)
	Peak int64 // VmHWM: the largest RSS so far
}

// ProcessMemory is a process's resident memory.
func ProcessMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, fmt.Errorf("no /proc on %s", runtime.GOOS)
	}
	m := Memory{RSS: -1, Anon: -1, File: -1, Peak: -1}
	fields := map[string]*int64{"VmRSS": &m.RSS, "RssAnon": &m.Anon, "RssFile": &m.File, "VmHWM": &m.Peak}
	for _, line := range strings.Split(string(b), "\n") {
		name, v, ok := strings.Cut(line, ":")
		dst := fields[name]
		if !ok || dst == nil {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("malformed %s in /proc status: %w", name, err)
		}
		*dst = kb << 10
	}
	for name, dst := range fields {
		if *dst < 0 {
			return Memory{}, fmt.Errorf("no %s in /proc status", name)
		}
	}
	return m, nil
}

// ProcessCPU is the user and system CPU time a process used (Linux; in
// clock ticks of 10 ms).
func ProcessCPU(pid int) (time.Duration, error) {
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
