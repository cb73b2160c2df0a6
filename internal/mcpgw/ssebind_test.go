package mcpgw_test

import (
	"bufio"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/mcpgw"
)

// TestSSESessionBoundToItsPrincipal: bob cannot post into the legacy SSE
// session alice opened (404, as for a session that does not exist); alice
// can.
func TestSSESessionBoundToItsPrincipal(t *testing.T) {
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodBasic, Users: []auth.User{
		{Username: "alice", Password: "alice-pw"}, {Username: "bob", Password: "bob-pw"}}})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, envOptions{auth: a, noClient: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.url+mcpgw.PathSSE, nil)
	req.SetBasicAuth("alice", "alice-pw")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("alice opening a session: %d", res.StatusCode)
	}
	sc := bufio.NewScanner(res.Body)
	var endpoint string
	for sc.Scan() {
		if d, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			endpoint = strings.TrimSpace(d)
			break
		}
	}
	if !strings.Contains(endpoint, "sessionid=") {
		t.Fatalf("no endpoint event: %q", endpoint)
	}
	post := func(user, pw string) int {
		req, _ := http.NewRequestWithContext(ctx, "POST", e.url+endpoint, strings.NewReader(
			`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
		req.SetBasicAuth(user, pw)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post("bob", "bob-pw"); code != http.StatusNotFound {
		t.Errorf("bob posting into alice's session: %d, want 404", code)
	}
	if code := post("alice", "alice-pw"); code != http.StatusAccepted {
		t.Errorf("alice posting into her session: %d, want 202", code)
	}
}
