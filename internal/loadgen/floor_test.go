package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
)

// floorAnswers are answers as orca start gives them (shortened).
func floorAnswers() FloorAnswers {
	return FloorAnswers{
		REST: Answer{Header: http.Header{"Content-Type": {"application/json"}},
			Body: []byte(`{"processInstanceKey":"2251799813685252","state":"ACTIVE"}`)},
		MCP: Answer{Header: http.Header{"Content-Type": {"application/json"}, "Cache-Control": {"no-cache, no-transform"}},
			Body: []byte(`{"jsonrpc":"2.0","id":1,"result":{"content":[{"type":"text","text":"{\"processInstanceKey\":\"2251799813685252\",\"state\":\"ACTIVE\"}"}],` +
				`"structuredContent":{"processInstanceKey":"2251799813685252","state":"ACTIVE"}}}`)},
	}
}

// The floor answers the minimal clients as orca start did: REST's bytes,
// and MCP's with each call's own id, which the client checks; what is not
// a read or a tools/call is refused.
func TestFloorAnswers(t *testing.T) {
	h, err := FloorHandler(floorAnswers())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	hc := srv.Client()
	ctx := context.Background()

	if err := RESTCall[cluster.ProcessInstance](hc, http.MethodGet, srv.URL+"/v2/process-instances/2251799813685252", nil)(ctx); err != nil {
		t.Errorf("REST read: %v", err)
	}
	type args struct {
		ProcessInstanceKey string `json:"processInstanceKey"`
	}
	for _, id := range []int64{1, 7, 1234567890123} {
		pi, err := CallTool[cluster.ProcessInstance](ctx, hc, srv.URL+"/mcp/cluster", id, "getProcessInstance", args{"2251799813685252"})
		if err != nil {
			t.Fatalf("MCP call with id %d: %v", id, err)
		}
		if pi.ProcessInstanceKey != 2251799813685252 || pi.State != "ACTIVE" {
			t.Errorf("MCP call with id %d: structured content %+v", id, pi)
		}
	}
	res, err := hc.Get(srv.URL + "/mcp/cluster")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode == http.StatusOK {
		t.Errorf("GET /mcp/cluster answered 200")
	}
	for _, body := range []string{`{"jsonrpc":"2.0","id":1,"method":"tools/list"}`, `{"jsonrpc":"2.0","method":"tools/call"}`, `not json`} {
		res, err := hc.Post(srv.URL+"/mcp/cluster", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusBadRequest {
			t.Errorf("POST %s: %d, want 400", body, res.StatusCode)
		}
	}
}

// An MCP answer that is not one to id 1 cannot be replayed: the floor
// refuses it rather than answering calls with another id.
func TestFloorRefusesOtherAnswers(t *testing.T) {
	a := floorAnswers()
	a.MCP.Body = []byte(`{"jsonrpc":"2.0","id":2,"result":{}}`)
	if _, err := FloorHandler(a); err == nil {
		t.Error("FloorHandler took an answer to id 2")
	}
}

// The answers survive the file StartFloor hands them over in.
func TestFloorAnswersFile(t *testing.T) {
	a := floorAnswers()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	file := t.TempDir() + "/a.json"
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadFloorAnswers(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(got.MCP.Body) != string(a.MCP.Body) || got.MCP.Header.Get("Cache-Control") != "no-cache, no-transform" || string(got.REST.Body) != string(a.REST.Body) {
		t.Errorf("read back %+v, wrote %+v", got, a)
	}
	if err := os.WriteFile(file, []byte(`{}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFloorAnswers(file); err == nil {
		t.Error("ReadFloorAnswers took a file without answers")
	}
}

// A call whose body is larger than the floor reads (1 MiB) is refused as
// too large, saying so, not read cut short and refused as if it were not a
// tools/call; one of exactly 1 MiB is answered.
func TestFloorRefusesLargeBody(t *testing.T) {
	h, err := FloorHandler(floorAnswers())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	// A tools/call of n bytes: its argument padded.
	call := func(n int) string {
		head, tail := `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"2251799813685252","pad":"`, `"}}}`
		return head + strings.Repeat("x", n-len(head)-len(tail)) + tail
	}
	for _, c := range []struct {
		size int
		code int
		text string
	}{
		{1 << 20, http.StatusOK, `"structuredContent"`},
		{1<<20 + 1, http.StatusRequestEntityTooLarge, "larger than the floor reads (1048576 bytes)"},
		{3 << 20, http.StatusRequestEntityTooLarge, "larger than the floor reads (1048576 bytes)"},
	} {
		res, err := srv.Client().Post(srv.URL+"/mcp/cluster", "application/json", strings.NewReader(call(c.size)))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode != c.code || !strings.Contains(string(b), c.text) {
			t.Errorf("a call of %d bytes: %d %.100s, want %d %s", c.size, res.StatusCode, b, c.code, c.text)
		}
	}
}
