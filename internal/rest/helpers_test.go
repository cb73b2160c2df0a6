package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/rest"
)

// env is an engine served over real HTTP on loopback.
type env struct {
	t   testing.TB
	url string
	eng *engine.Engine
	srv *rest.Server
}

func newEnv(t testing.TB) *env {
	t.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: t.TempDir(), Synchronous: "NORMAL"})
	if err != nil {
		t.Fatalf("open engine: %v", err)
	}
	srv := rest.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), rest.Options{MaxBodyBytes: 64 << 10})
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Drain()
		hs.Close()
		eng.Close()
	})
	return &env{t: t, url: hs.URL, eng: eng, srv: srv}
}

// with is the env reporting to another test (a subtest).
func (e *env) with(t testing.TB) *env {
	c := *e
	c.t = t
	return &c
}

// response is what the server answered.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// obj decodes the body as a JSON object.
func (r response) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	r.json(t, &m)
	return m
}

// do sends a request with a JSON body (a string is sent as is).
func (e *env) do(method, path string, body any) response {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) response {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), 30*time.Second)
	defer cancel()
	res, err := http.DefaultClient.Do(req.WithContext(ctx))
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// ok sends a request and fails unless the status is want.
func (e *env) ok(want int, method, path string, body any) response {
	e.t.Helper()
	r := e.do(method, path, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, want, r.body)
	}
	return r
}

// problem checks that the answer is a problem detail with the status and title.
func (e *env) problem(r response, status int, title, detailPart string) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != rest.ContentTypeProblem {
		e.t.Fatalf("content type %q, want %s", ct, rest.ContentTypeProblem)
	}
	var p rest.Problem
	r.json(e.t, &p)
	if p.Title != title || p.Status != status || p.Type != "about:blank" || !strings.HasPrefix(p.Instance, "/v2/") {
		e.t.Fatalf("problem %+v, want title %s and status %d", p, title, status)
	}
	if !strings.Contains(p.Detail, detailPart) {
		e.t.Fatalf("problem detail %q does not mention %q", p.Detail, detailPart)
	}
}

// deploy deploys testdata files in one request.
func (e *env) deploy(files ...string) map[string]any {
	e.t.Helper()
	parts := map[string][]byte{}
	var names []string
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			e.t.Fatal(err)
		}
		parts[f] = b
		names = append(names, f)
	}
	r := e.deployRaw(names, parts, "")
	if r.status != http.StatusOK {
		e.t.Fatalf("deploy %v: %d %s", files, r.status, r.body)
	}
	return r.obj(e.t)
}

func (e *env) deployRaw(names []string, parts map[string][]byte, tenant string) response {
	e.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, n := range names {
		fw, err := mw.CreateFormFile("resources", n)
		if err != nil {
			e.t.Fatal(err)
		}
		fw.Write(parts[n])
	}
	if tenant != "" {
		mw.WriteField("tenantId", tenant)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, e.url+"/v2/deployments", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return e.send(req)
}

// start creates an instance of a process and returns its key.
func (e *env) start(processID string, vars map[string]any, extra ...func(map[string]any)) string {
	e.t.Helper()
	body := map[string]any{"processDefinitionId": processID, "variables": vars}
	for _, f := range extra {
		f(body)
	}
	r := e.ok(http.StatusOK, "POST", "/v2/process-instances", body)
	return r.obj(e.t)["processInstanceKey"].(string)
}

// search posts a search and returns items and page.
func (e *env) search(path string, body any) ([]map[string]any, map[string]any) {
	e.t.Helper()
	r := e.ok(http.StatusOK, "POST", path, body)
	var res struct {
		Items []map[string]any `json:"items"`
		Page  map[string]any   `json:"page"`
	}
	r.json(e.t, &res)
	if res.Items == nil || res.Page == nil {
		e.t.Fatalf("search %s: no items or page: %s", path, r.body)
	}
	return res.Items, res.Page
}

// keysOf lists one field of items.
func keysOf(items []map[string]any, field string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = fmt.Sprint(it[field])
	}
	return out
}

// requireFields fails unless every item has every field (null allowed).
func requireFields(t testing.TB, item map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if _, ok := item[f]; !ok {
			t.Fatalf("item lacks %q: %v", f, item)
		}
	}
}

// activate activates jobs of a type without waiting.
func (e *env) activate(typ string, n int) []map[string]any {
	e.t.Helper()
	r := e.ok(http.StatusOK, "POST", "/v2/jobs/activation", map[string]any{
		"type": typ, "worker": "test", "timeout": 60000, "maxJobsToActivate": n, "requestTimeout": -1})
	var res struct {
		Jobs []map[string]any `json:"jobs"`
	}
	r.json(e.t, &res)
	return res.Jobs
}
