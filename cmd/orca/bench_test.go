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
	p := runOrca(t, nil, "bench", "--instances", "40", "--reads", "40", "--clients", "2", "--starts", "1", "--synchronous", "NORMAL")
	if err := p.wait(t, 3*time.Minute); err != nil {
		t.Fatalf("orca bench: %v\n%s", err, p.out)
	}
	out := p.out.String()
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`new data directory, to the first /v2/topology answer +\d+\.\d ms`),
		regexp.MustCompile(`restart, to the first /v2/topology answer +\d+\.\d ms.* \(median of 1\)`),
		regexp.MustCompile(`idle RSS 2s after the first answer \(VmRSS; peak VmHWM\) +\d+\.\d MiB = \d+\.\d MB, peak \d+\.\d MiB \(median of 1\)`),
		regexp.MustCompile(`end to end over /v2, REST job workers +\d+ \(40 in `),
		regexp.MustCompile(`REST GET /v2 \(2 clients\) +p50 \d+\.\d\d ms, p99 \d+\.\d\d ms`),
		regexp.MustCompile(`MCP getProcessInstance on /mcp/cluster +p50 \d+\.\d\d ms, p99 \d+\.\d\d ms`),
		regexp.MustCompile(`MCP against REST +p50 x\d+\.\d\d, p99 x\d+\.\d\d`),
		regexp.MustCompile(`in process \(engine API\) +\d+ \(40 in `),
	} {
		if !want.MatchString(out) {
			t.Errorf("orca bench printed no line matching %s:\n%s", want, out)
		}
	}
	if strings.Contains(out, "not measured") {
		t.Logf("orca bench could not measure everything here:\n%s", out)
	}
}
