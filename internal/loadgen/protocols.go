package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// The clients that compare MCP with REST. Both weigh the same: each
// encodes its request from a Go value, sends it over one keep-alive
// connection pool, reads the whole answer and decodes it into the typed
// value a program would use (T), as a typed client (Camunda's SDKs, a Go
// program) does. Neither uses a client library: what differs between
// them is the protocol, not the client. The MCP client speaks Streamable
// HTTP as the MCP specification's minimal stateless client does: one POST
// of a JSON-RPC tools/call (no initialize first: Orca's gateway is
// stateless and needs none), answered by one JSON-RPC response
// (application/json). It decodes what a typed client uses: the envelope,
// the content's types and the structured content, into the same T as the
// REST client. The text content (the same JSON again, for clients that
// read only text) is read and scanned with the rest of the answer
// (json.Unmarshal checks all of it), not copied into a string nobody
// reads.

// RESTCall is a call of the REST API: method url, with body (when not
// nil) encoded as JSON; the answer must be 2xx and is decoded into a T.
func RESTCall[T any](hc *http.Client, method, url string, body any) func(context.Context) error {
	return func(ctx context.Context) error {
		var rd io.Reader
		if body != nil {
			b, err := json.Marshal(body)
			if err != nil {
				return err
			}
			rd = bytes.NewReader(b)
		}
		req, err := http.NewRequestWithContext(ctx, method, url, rd)
		if err != nil {
			return err
		}
		if body != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Accept", "application/json")
		res, err := hc.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			return err
		}
		if res.StatusCode/100 != 2 {
			return fmt.Errorf("%s %s: %d %s", method, url, res.StatusCode, b)
		}
		var v T
		if err := json.Unmarshal(b, &v); err != nil {
			return fmt.Errorf("%s %s: %w", method, url, err)
		}
		return nil
	}
}

// MCPProtocolVersion is the protocol version the minimal MCP client
// declares.
const MCPProtocolVersion = "2025-11-25"

// MCPCall is a call of an MCP tool over Streamable HTTP at endpoint, as a
// minimal stateless client makes it (CallTool), its answer decoded into a
// T.
func MCPCall[T any](hc *http.Client, endpoint, tool string, args any) func(context.Context) error {
	var ids atomic.Int64
	return func(ctx context.Context) error {
		_, err := CallTool[T](ctx, hc, endpoint, ids.Add(1), tool, args)
		return err
	}
}

// CallTool calls an MCP tool over Streamable HTTP at endpoint as a minimal
// stateless client does: one POST of a JSON-RPC tools/call with id and
// args, answered by one JSON-RPC response whose result is decoded whole:
// its content (text) and its structured content, into a T, which it
// returns (MCPCall's client: the text content is checked to be there, not
// kept). A JSON-RPC error or a result with isError is an error.
func CallTool[T any](ctx context.Context, hc *http.Client, endpoint string, id int64, tool string, args any) (*T, error) {
	req, err := toolCall(ctx, endpoint, id, tool, args)
	if err != nil {
		return nil, err
	}
	res, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("tools/call %s: %d %s", tool, res.StatusCode, b)
	}
	var answer mcpResponse[T]
	if err := json.Unmarshal(b, &answer); err != nil {
		return nil, fmt.Errorf("tools/call %s: %w", tool, err)
	}
	switch {
	case answer.Error != nil:
		return nil, fmt.Errorf("tools/call %s: error %d: %s", tool, answer.Error.Code, answer.Error.Message)
	case answer.Result == nil || string(answer.ID) != strconv.FormatInt(id, 10):
		return nil, fmt.Errorf("tools/call %s: no result for id %d: %s", tool, id, b)
	case answer.Result.IsError:
		return nil, fmt.Errorf("tools/call %s: the tool failed: %s", tool, b)
	case len(answer.Result.Content) == 0 || answer.Result.Content[0].Type != "text" || answer.Result.StructuredContent == nil:
		return nil, fmt.Errorf("tools/call %s: no content or no structured content: %s", tool, b)
	}
	return answer.Result.StructuredContent, nil
}

// toolCall is the minimal client's request: the POST of a JSON-RPC
// tools/call with id and args.
func toolCall(ctx context.Context, endpoint string, id int64, tool string, args any) (*http.Request, error) {
	b, err := json.Marshal(mcpRequest{JSONRPC: "2.0", ID: id, Method: "tools/call", Params: mcpCallParams{Name: tool, Arguments: args}})
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Protocol-Version", MCPProtocolVersion)
	return req, nil
}

type mcpRequest struct {
	JSONRPC string        `json:"jsonrpc"`
	ID      int64         `json:"id"`
	Method  string        `json:"method"`
	Params  mcpCallParams `json:"params"`
}

type mcpCallParams struct {
	Name      string `json:"name"`
	Arguments any    `json:"arguments,omitempty"`
}

type mcpResponse[T any] struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Result  *struct {
		Content []struct {
			Type string `json:"type"`
		} `json:"content"`
		StructuredContent *T   `json:"structuredContent"`
		IsError           bool `json:"isError"`
	} `json:"result"`
	Error *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// CPUNow is the user and system CPU time the process has used so far
// (Linux): to the nanosecond (ThreadsCPU) where the kernel keeps it per
// thread, else in clock ticks of 10 ms.
func (o *Process) CPUNow() (time.Duration, error) {
	if d, err := ThreadsCPU(o.cmd.Process.Pid); err == nil {
		return d, nil
	}
	return ProcessCPU(o.cmd.Process.Pid)
}

// ThreadsCPU is the CPU time a process's live threads have run, in
// nanoseconds: the sum of their /proc/PID/task/TID/schedstat (Linux with
// scheduler statistics). A thread that has exited no longer counts; the Go
// runtime keeps its threads, so over a measurement the sum only grows.
func ThreadsCPU(pid int) (time.Duration, error) {
	dir := fmt.Sprintf("/proc/%d/task", pid)
	tasks, err := os.ReadDir(dir)
	if err != nil {
		return 0, err
	}
	var sum time.Duration
	for _, t := range tasks {
		b, err := os.ReadFile(dir + "/" + t.Name() + "/schedstat")
		if errors.Is(err, fs.ErrNotExist) {
			continue // the thread exited meanwhile
		}
		if err != nil {
			return 0, err
		}
		f, _, _ := strings.Cut(string(b), " ")
		ns, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed %s/%s/schedstat: %q", dir, t.Name(), b)
		}
		sum += time.Duration(ns)
	}
	return sum, nil
}

// Settle waits until the process uses no more CPU (no tick of /proc's
// 10 ms clock in 100 ms, at most 5 s), so that work a run left behind
// (queued audit entries, a commit in flight) counts towards that run, and
// returns its CPU time then (CPUNow).
func (o *Process) Settle(ctx context.Context) (time.Duration, error) {
	last, err := ProcessCPU(o.cmd.Process.Pid)
	if err != nil {
		return 0, err
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		now, err := ProcessCPU(o.cmd.Process.Pid)
		if err != nil {
			return 0, err
		}
		if now == last {
			break
		}
		last = now
	}
	return o.CPUNow()
}
