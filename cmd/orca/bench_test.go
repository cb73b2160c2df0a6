package main

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

// orca bench prints each figure it promises, measured (small runs here;
// the figures themselves are not checked).
func TestBench(t *testing.T) {
	p := runOrca(t, nil, "bench", "--instances", "40", "--reads", "40", "--clients", "2", "--rounds", "2", "--starts", "1", "--synchronous", "NORMAL")
	if err := p.wait(t, 3*time.Minute); err != nil {
		t.Fatalf("orca bench: %v\n%s", err, p.out)
	}
	out := p.out.String()
	const (
		protocolFigures = `p50 \d+\.\d\d ms, p99 \d+\.\d\d ms, \d+/s, server CPU \d+ µs/call(, client CPU \d+ µs/call)?`
		ratios          = `p50 x\d+\.\d\d, p99 x\d+\.\d\d, server CPU per call (x\d+\.\d\d|not measured)(, client CPU per call x\d+\.\d\d)?`
		ratioRange      = `x\d+\.\d\d \(x\d+\.\d\d-x\d+\.\d\d\)`
		roundRatios     = `p50 ` + ratioRange + `, p99 ` + ratioRange + `, server CPU per call ` + ratioRange
	)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`this binary +\d+\.\d MB, CGO_ENABLED=[01]`),
		regexp.MustCompile(`new data directory, to the first /v2/topology answer +\d+\.\d ms`),
		regexp.MustCompile(`restart, to the first /v2/topology answer +\d+\.\d ms.* \(median of 1\)`),
		regexp.MustCompile(`idle RSS 2s after the first answer \(VmRSS; peak VmHWM\) +\d+\.\d MiB = \d+\.\d MB \(anonymous \d+\.\d MiB, file-backed \d+\.\d MiB\), peak \d+\.\d MiB \(median of 1\)`),
		regexp.MustCompile(`the same from a copy of this binary \(as cp installs it\) +\d+\.\d MiB = \d+\.\d MB \(anonymous \d+\.\d MiB, file-backed \d+\.\d MiB\), peak \d+\.\d MiB \(median of 1\)`),
		regexp.MustCompile(`peak RSS over the runs over /v2 and MCP above \(VmHWM\) +\d+\.\d MiB \(RSS now \d+\.\d MiB, anonymous \d+\.\d MiB; ([1-9]\d*|more than 10000) instances left active\)`),
		regexp.MustCompile(`orca start, RSS 8s after those runs \(quiet: memory given back\) +\d+\.\d MiB \(anonymous \d+\.\d MiB, file-backed \d+\.\d MiB\)`),
		regexp.MustCompile(`end to end over /v2, REST job workers +\d+ \(40 in `),
		regexp.MustCompile(`getProcessInstance: REST GET /v2/process-instances/\{key\} \(2 clients\) +` + protocolFigures),
		regexp.MustCompile(`getProcessInstance: MCP tools/call on /mcp/cluster \(minimal client\) +` + protocolFigures),
		regexp.MustCompile(`getProcessInstance: MCP against REST +` + ratios),
		regexp.MustCompile(`getProcessInstance: MCP against REST, median of 2 rounds' ratios +` + roundRatios),
		regexp.MustCompile(`getProcessInstance: REST against REST \(the same calls again\) +` + ratios),
		regexp.MustCompile(`getProcessInstance: the protocols' floor: REST, the same answer from memory +` + protocolFigures),
		regexp.MustCompile(`getProcessInstance: the protocols' floor: MCP, the same answer from memory +` + protocolFigures),
		regexp.MustCompile(`getProcessInstance: the protocols' floor: MCP against REST +` + ratios),
		regexp.MustCompile(`getProcessInstance: MCP's excess per call, orca start against the floor +server CPU [+-]\d+ µs against [+-]\d+ µs, client CPU [+-]\d+ µs against [+-]\d+ µs`),
		regexp.MustCompile(`getProcessInstance: for information, MCP with the Go SDK client +` + protocolFigures),
		regexp.MustCompile(`createProcessInstance: REST POST /v2/process-instances \(2 clients\) +` + protocolFigures),
		regexp.MustCompile(`createProcessInstance: MCP tools/call on /mcp/cluster \(minimal client\) +` + protocolFigures),
		regexp.MustCompile(`createProcessInstance: MCP against REST +` + ratios),
		regexp.MustCompile(`createProcessInstance: MCP against REST, median of 2 rounds' ratios +` + roundRatios),
		regexp.MustCompile(`createProcessInstance: for information, MCP with the Go SDK client +` + protocolFigures),
		regexp.MustCompile(`in process \(engine API\) +\d+ \(40 in `),
	} {
		if !want.MatchString(out) {
			t.Errorf("orca bench printed no line matching %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "createProcessInstance: REST against REST") {
		t.Errorf("orca bench ran REST's creates twice: a third run of instances changes the figures after it:\n%s", out)
	}
	if strings.Contains(out, "not measured") {
		t.Logf("orca bench could not measure everything here:\n%s", out)
	}
}

// orca bench --start-only measures orca start and nothing else.
func TestBenchStartOnly(t *testing.T) {
	p := runOrca(t, nil, "bench", "--start-only", "--starts", "1")
	if err := p.wait(t, 2*time.Minute); err != nil {
		t.Fatalf("orca bench --start-only: %v\n%s", err, p.out)
	}
	out := p.out.String()
	for _, want := range []string{"this binary", "new data directory, to the first /v2/topology answer", "restart, to the first /v2/topology answer",
		"idle RSS 2s after the first answer", "the same from a copy of this binary"} {
		if !strings.Contains(out, want) {
			t.Errorf("orca bench --start-only printed no %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"instances/s", "getProcessInstance", "peak RSS over the runs"} {
		if strings.Contains(out, not) {
			t.Errorf("orca bench --start-only ran more than orca start (%q):\n%s", not, out)
		}
	}
}
