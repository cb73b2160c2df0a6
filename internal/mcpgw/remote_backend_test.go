package mcpgw_test

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
)

// TestRemoteBackend runs every gateway test again with the gateway in
// front of a cluster it reaches over REST (a cluster.Remote), as orca
// gateway fronts a Camunda 8 cluster: the tools, /mcp/processes and its
// list_changed notifications must not tell the back ends apart.
func TestRemoteBackend(t *testing.T) {
	if *backend == "remote" {
		t.Skip("this is the run against the remote back end")
	}
	cmd := exec.Command(os.Args[0], "-test.v", "-test.count=1", "-test.run=^Test", "-test.skip=^TestRemoteBackend$", "-backend=remote")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("the gateway's tests against a remote back end failed: %v\n%s", err, out)
	}
	passed := len(regexp.MustCompile(`(?m)^--- PASS: Test`).FindAll(out, -1))
	if passed < 20 {
		t.Fatalf("only %d tests ran against the remote back end:\n%s", passed, out)
	}
	t.Logf("%d gateway tests passed against the remote back end", passed)
}
