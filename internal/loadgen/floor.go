package loadgen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
)

// The protocols' floor: what the read costs over REST and over MCP when
// the server does nothing but speak the protocol. A floor server answers
// GET /v2/process-instances/{key} and a JSON-RPC tools/call POSTed to
// /mcp/cluster with answers captured from a real orca start (the same
// headers and bytes), held in memory: REST's from the route, MCP's after
// decoding the call's envelope (its id is echoed, as JSON-RPC asks). So
// the same clients against it measure what the protocols themselves cost
// each side (the MCP call's POST and envelope, its answer's size: the
// text content repeats the structured content as an escaped string), and
// what Orca's gateway adds is MCP's excess over REST against orca start
// less the floor's.

// Answer is an HTTP answer captured for the floor: its headers (those the
// server chose; Date and Content-Length are net/http's) and its body.
type Answer struct {
	Header http.Header `json:"header"`
	Body   []byte      `json:"body"`
}

// FloorAnswers are the answers a floor server gives: REST's read and
// MCP's, the latter as answered to a call with id 1.
type FloorAnswers struct {
	REST Answer `json:"rest"`
	MCP  Answer `json:"mcp"`
}

// Capture makes req with hc and keeps its answer, which must be 200.
func Capture(hc *http.Client, req *http.Request) (Answer, error) {
	res, err := hc.Do(req)
	if err != nil {
		return Answer{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Answer{}, err
	}
	if res.StatusCode != http.StatusOK {
		return Answer{}, fmt.Errorf("%s %s: %d %s", req.Method, req.URL, res.StatusCode, b)
	}
	h := res.Header.Clone()
	h.Del("Date")
	h.Del("Content-Length")
	return Answer{Header: h, Body: b}, nil
}

// CaptureMCP calls tool with args at endpoint as the minimal client does
// (CallTool), with id 1, and keeps the answer.
func CaptureMCP(ctx context.Context, hc *http.Client, endpoint, tool string, args any) (Answer, error) {
	req, err := toolCall(ctx, endpoint, 1, tool, args)
	if err != nil {
		return Answer{}, err
	}
	return Capture(hc, req)
}

// mcpIDPrefix is how a JSON-RPC answer to id 1 begins, as Orca writes it:
// the floor puts each call's own id in its place.
const mcpIDPrefix = `{"jsonrpc":"2.0","id":`

// floorMaxBody bounds the body of a call the floor reads: a read's call is
// a few hundred bytes.
const floorMaxBody = 1 << 20

// FloorHandler serves a answers: REST's at GET
// /v2/process-instances/{key}, MCP's to tools/call at POST /mcp/cluster.
// It fails if MCP's answer is not one to id 1. A call's body past
// floorMaxBody is refused (413), not read cut short.
func FloorHandler(a FloorAnswers) (http.Handler, error) {
	rest, mcp := a.REST, a.MCP
	tail, ok := bytes.CutPrefix(mcp.Body, []byte(mcpIDPrefix+"1,"))
	if !ok {
		return nil, fmt.Errorf("the MCP answer does not begin %s1,: %.80s", mcpIDPrefix, mcp.Body)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v2/process-instances/{key}", func(w http.ResponseWriter, r *http.Request) {
		if _, err := strconv.ParseInt(r.PathValue("key"), 10, 64); err != nil {
			http.Error(w, "not a key", http.StatusBadRequest)
			return
		}
		setHeaders(w.Header(), rest.Header)
		_, _ = w.Write(rest.Body)
	})
	mux.HandleFunc("POST /mcp/cluster", func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, floorMaxBody))
		if big := (*http.MaxBytesError)(nil); errors.As(err, &big) {
			http.Error(w, fmt.Sprintf("the request body is larger than the floor reads (%d bytes)", big.Limit),
				http.StatusRequestEntityTooLarge)
			return
		}
		if err != nil {
			http.Error(w, "the request body could not be read: "+err.Error(), http.StatusBadRequest)
			return
		}
		var call struct {
			JSONRPC string          `json:"jsonrpc"`
			ID      json.RawMessage `json:"id"`
			Method  string          `json:"method"`
			Params  struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"params"`
		}
		if err := json.Unmarshal(b, &call); err != nil || call.Method != "tools/call" || len(call.ID) == 0 {
			http.Error(w, "not a JSON-RPC tools/call", http.StatusBadRequest)
			return
		}
		out := make([]byte, 0, len(mcpIDPrefix)+len(call.ID)+1+len(tail))
		out = append(append(append(append(out, mcpIDPrefix...), call.ID...), ','), tail...)
		setHeaders(w.Header(), mcp.Header)
		_, _ = w.Write(out)
	})
	mux.HandleFunc("GET /ready", func(http.ResponseWriter, *http.Request) {})
	return mux, nil
}

func setHeaders(dst, src http.Header) {
	for k, v := range src {
		dst[k] = v
	}
}

// StartFloor starts a floor server giving a: exe's hidden command
// `bench floor` (FloorHandler), its answers in a file in dir.
func StartFloor(ctx context.Context, exe, dir string, a FloorAnswers) (*Process, error) {
	if _, err := FloorHandler(a); err != nil {
		return nil, err
	}
	b, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	file := filepath.Join(dir, "floor-answers.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		return nil, err
	}
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	return startProcess(ctx, exec.Command(exe, "bench", "floor", "--addr", addr, "--answers", file), addr, "/ready", func() {})
}

// ReadFloorAnswers reads the answers StartFloor wrote.
func ReadFloorAnswers(file string) (FloorAnswers, error) {
	var a FloorAnswers
	b, err := os.ReadFile(file)
	if err != nil {
		return a, err
	}
	if err := json.Unmarshal(b, &a); err != nil {
		return a, fmt.Errorf("%s: %w", file, err)
	}
	if len(a.REST.Body) == 0 || len(a.MCP.Body) == 0 {
		return a, errors.New(file + ": no answers")
	}
	return a, nil
}
