package rest_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/rest"
)

// TestCrossSiteRequestsRefused: what a web page in a developer's browser can
// send to a local Orca is refused before it does anything: form posts and
// text/plain bodies, requests from a foreign origin, requests naming a
// foreign host (DNS rebinding). Same-origin and allowed ones pass.
func TestCrossSiteRequestsRefused(t *testing.T) {
	e := newEnvWith(t, rest.Options{AllowedHosts: []string{"orca.internal"}, AllowedOrigins: []string{"https://console.example"}})
	e.deploy("service.bpmn")
	create := `{"processDefinitionId":"service"}`
	for _, tc := range []struct {
		name    string
		method  string
		body    string
		headers map[string]string
		status  int
	}{
		{"form post", "POST", "processDefinitionId=service", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415},
		{"cross-site form post", "POST", "processDefinitionId=service", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, 403},
		{"text/plain JSON", "POST", create, map[string]string{"Content-Type": "text/plain"}, 415},
		{"no content type", "POST", create, nil, 415},
		{"foreign origin, JSON", "POST", create, map[string]string{"Content-Type": "application/json", "Origin": "https://evil.example"}, 403},
		{"foreign origin reading", "GET", "", map[string]string{"Origin": "https://evil.example"}, 403},
		{"foreign host (DNS rebinding)", "GET", "", map[string]string{"Host": "evil.example"}, 403},
		{"foreign host with port", "POST", create, map[string]string{"Host": "evil.example:8080", "Content-Type": "application/json"}, 403},
		{"allowed host", "POST", create, map[string]string{"Host": "orca.internal:8080", "Content-Type": "application/json"}, 200},
		{"allowed origin", "POST", create, map[string]string{"Content-Type": "application/json", "Origin": "https://console.example", "Sec-Fetch-Site": "cross-site"}, 200},
		{"same origin", "POST", create, map[string]string{"Content-Type": "application/json; charset=utf-8", "Origin": e.url, "Sec-Fetch-Site": "same-origin"}, 200},
		{"localhost", "GET", "", map[string]string{"Host": "localhost"}, 200},
		{"plain client", "POST", create, map[string]string{"Content-Type": "application/json"}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := "/v2/process-instances"
			if tc.method == "GET" {
				path = "/v2/topology"
			}
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			req, _ := http.NewRequest(tc.method, e.url+path, body)
			for k, v := range tc.headers {
				if k == "Host" {
					req.Host = v
				} else {
					req.Header.Set(k, v)
				}
			}
			r := e.with(t).send(req)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if tc.status >= 400 && r.header.Get("Content-Type") != rest.ContentTypeProblem {
				t.Errorf("content type %q, want a problem", r.header.Get("Content-Type"))
			}
		})
	}
	// Only the allowed requests created instances.
	items, _ := e.search("/v2/process-instances/search", nil)
	if len(items) != 4 {
		t.Errorf("%d instances, want 4 (from the allowed requests)", len(items))
	}
}

// TestBodyReadTimeout: a client that sends headers and then stalls gets an
// answer once the body read timeout has passed; a long poll after a prompt
// body is not cut off by it.
func TestBodyReadTimeout(t *testing.T) {
	e := newEnvWith(t, rest.Options{BodyReadTimeout: 200 * time.Millisecond})
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /v2/process-instances HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"process")
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	if res.StatusCode != http.StatusBadRequest {
		t.Errorf("status %d, want 400", res.StatusCode)
	}

	// A long poll outlasts the body read timeout: it still receives a job
	// created after the timeout has passed.
	e.deploy("service.bpmn")
	got := make(chan response, 1)
	go func() {
		got <- e.do("POST", "/v2/jobs/activation", map[string]any{"type": "work", "worker": "w", "timeout": 60000, "maxJobsToActivate": 1, "requestTimeout": 20000})
	}()
	time.Sleep(500 * time.Millisecond) // past the 200 ms body read timeout: the point of this test
	e.start("service", nil)
	if r := <-got; r.status != 200 || !strings.Contains(string(r.body), `"type":"work"`) {
		t.Errorf("long poll: %d %s", r.status, r.body)
	}
}

// TestPlainJSON: answers and problems write '<', '>' and '&' as they are,
// as Camunda does.
func TestPlainJSON(t *testing.T) {
	e := newEnv(t)
	e.deploy("service.bpmn")
	r := e.ok(http.StatusOK, "POST", "/v2/process-definitions/search", map[string]any{})
	if !strings.Contains(string(r.body), `"tenantId":"<default>"`) || strings.Contains(string(r.body), `\u003c`) {
		t.Errorf("answer escapes HTML characters: %s", r.body)
	}
	r = e.do("POST", "/v2/incidents/search", `{"filter":{"errorType":"<b>&"}}`)
	if r.status != 400 || !strings.Contains(string(r.body), `<b>&`) {
		t.Errorf("problem escapes HTML characters: %d %s", r.status, r.body)
	}
}
