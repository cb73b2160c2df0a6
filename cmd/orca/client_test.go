package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// runCLI runs a client command of orca to its end and returns its exit
// status and output.
func runCLI(t *testing.T, env []string, args ...string) (int, string) {
	t.Helper()
	p := runOrca(t, env, args...)
	err := p.wait(t, 60*time.Second)
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, p.out.String()
	case errors.As(err, &exit):
		return exit.ExitCode(), p.out.String()
	}
	t.Fatalf("orca %v: %v", args, err)
	return 0, ""
}

// The quick start of the README, on the real binary: orca start, orca
// deploy examples/hello.bpmn, orca run hello (with variables, waiting for
// the result), and the errors a newcomer meets, each readable and with
// status 1.
func TestQuickStart(t *testing.T) {
	_, base := startServer(t, t.TempDir())
	env := []string{"CAMUNDA_REST_ADDRESS=" + base}

	code, out := runCLI(t, env, "deploy", "../../examples/hello.bpmn")
	if code != 0 || !regexp.MustCompile(`process hello version 1 \(key \d+\) from hello.bpmn`).MatchString(out) {
		t.Fatalf("deploy: status %d\n%s", code, out)
	}

	code, out = runCLI(t, env, "run", "hello")
	m := regexp.MustCompile(`process instance (\d+) of hello version 1`).FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("run: status %d\n%s", code, out)
	}
	if !strings.Contains(out, base+"/#/instances/"+m[1]) {
		t.Errorf("run does not point at the console:\n%s", out)
	}
	var pi struct{ State string }
	get(t, base+"/v2/process-instances/"+m[1], &pi)
	if pi.State != "COMPLETED" && pi.State != "ACTIVE" {
		t.Errorf("instance %s is %q", m[1], pi.State)
	}

	code, out = runCLI(t, env, "run", "hello", "--variables", `{"name": "Ada <& co>"}`, "--wait")
	if code != 0 || !strings.Contains(out, `"greeting": "Hello, Ada <& co>!"`) {
		t.Fatalf("run --wait: status %d\n%s", code, out)
	}

	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"an unknown process", env, []string{"run", "nope"},
			"orca: run nope: NOT_FOUND: Expected to find process definition with process ID 'nope', but none found"},
		{"variables that are not an object", env, []string{"run", "hello", "--variables", "[1]"}, "orca: --variables: want a JSON object"},
		{"an invalid BPMN file", env, []string{"deploy", writeFile(t, "bad.bpmn", "<bpmn")},
			"orca: deploy: INVALID_ARGUMENT: Expected to deploy new resources, but encountered the following errors:\n'bad.bpmn' is not valid"},
		{"a file that is not there", env, []string{"deploy", "no-such.bpmn"}, "no-such.bpmn: no such file or directory"},
		{"nothing at the address", []string{"CAMUNDA_REST_ADDRESS=http://127.0.0.1:1"}, []string{"run", "hello"},
			"is orca start running at http://127.0.0.1:1? (--address, env CAMUNDA_REST_ADDRESS)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out := runCLI(t, tc.env, tc.args...)
			if code != 1 || !strings.Contains(out, tc.want) {
				t.Errorf("status %d, output:\n%s\nwant status 1 and %q", code, out, tc.want)
			}
		})
	}
}

// orca deploy and orca run authenticate as Camunda's clients do:
// --username/--password or CAMUNDA_USERNAME/CAMUNDA_PASSWORD, --address.
func TestClientAuthentication(t *testing.T) {
	_, base := startServer(t, t.TempDir(), "--auth-method", "basic", "--basic-user", "demo:secret")
	code, out := runCLI(t, nil, "deploy", "--address", base, "../../examples/hello.bpmn")
	if code != 1 || !strings.Contains(out, "orca: deploy: UNAUTHORIZED") {
		t.Fatalf("without credentials: status %d\n%s", code, out)
	}
	code, out = runCLI(t, []string{"CAMUNDA_USERNAME=demo", "CAMUNDA_PASSWORD=secret"}, "deploy", "--address", base, "../../examples/hello.bpmn")
	if code != 0 {
		t.Fatalf("with CAMUNDA_USERNAME: status %d\n%s", code, out)
	}
	code, out = runCLI(t, nil, "run", "hello", "--address", base+"/v2", "--username", "demo", "--password", "secret", "--wait")
	if code != 0 || !strings.Contains(out, `"greeting": "Hello, world!"`) {
		t.Fatalf("run with --username: status %d\n%s", code, out)
	}
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
