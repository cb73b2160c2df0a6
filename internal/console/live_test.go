package console_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/auth"
	"github.com/orcabpm/orca/internal/console"
)

// smallBuffers makes the server's sockets' send buffers small, so that a
// client that stops reading fills them soon.
type smallBuffers struct{ net.Listener }

func (l smallBuffers) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetWriteBuffer(4096)
	}
	return c, err
}

func liveServer(t *testing.T, hub *console.Hub) string {
	t.Helper()
	a, err := auth.New(context.Background(), auth.Config{Method: auth.MethodBasic, Users: []auth.User{{Username: "demo", Password: "demo"}}})
	if err != nil {
		t.Fatal(err)
	}
	h := console.New(console.Options{Auth: a.Wrap, AuthMethod: console.AuthBasic, Changes: hub})
	srv := httptest.NewUnstartedServer(h)
	srv.Listener = smallBuffers{srv.Listener}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv.URL
}

// sse reads events from a stream.
type sse struct {
	res *http.Response
	r   *bufio.Reader
}

func openStream(t *testing.T, url string) *sse {
	t.Helper()
	req, _ := http.NewRequest("GET", url+"/events", nil)
	req.SetBasicAuth("demo", "demo")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { res.Body.Close() })
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("events: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	return &sse{res: res, r: bufio.NewReader(res.Body)}
}

// next answers the next event's name and data (comments skipped).
func (s *sse) next(t *testing.T) (string, string) {
	t.Helper()
	var ev, data string
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the stream: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && ev != "":
			return ev, data
		case strings.HasPrefix(line, "event: "):
			ev = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func TestLiveUpdates(t *testing.T) {
	hub := console.NewHub()
	url := liveServer(t, hub)

	// The stream is authenticated as the rest of the console.
	res, err := http.Get(url + "/events")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("events without credentials: %d", res.StatusCode)
	}

	s := openStream(t, url)
	if ev, _ := s.next(t); ev != "ready" {
		t.Fatalf("first event %q", ev)
	}
	hub.Publish(console.Change{ProcessInstanceKeys: []int64{2251799813685249}, UserTasks: true})
	ev, data := s.next(t)
	if ev != "change" || data != `{"processInstanceKeys":["2251799813685249"],"userTasks":true,"deployments":false}` {
		t.Fatalf("event %q %s", ev, data)
	}
	hub.Publish(console.Change{Deployments: true})
	if ev, data := s.next(t); ev != "change" || data != `{"processInstanceKeys":[],"userTasks":false,"deployments":true}` {
		t.Fatalf("event %q %s", ev, data)
	}

	// A client that goes away is forgotten.
	s.res.Body.Close()
	waitFor(t, "the closed stream to be dropped", func() bool { return hub.Streams() == 0 })
}

func TestLiveUpdatesSummary(t *testing.T) {
	// What a stream has not sent yet is a summary: keys once, flags or'ed.
	ev, data := console.Pending(console.Change{ProcessInstanceKeys: []int64{3, 1}}, console.Change{ProcessInstanceKeys: []int64{1, 2}, Deployments: true})
	if ev != "change" || data != `{"processInstanceKeys":["1","2","3"],"userTasks":false,"deployments":true}` {
		t.Fatalf("%s %s", ev, data)
	}
	// Too many keys, and the stream only says: reload everything.
	var many []console.Change
	for i := range 10000 {
		many = append(many, console.Change{ProcessInstanceKeys: []int64{int64(i)}})
	}
	if ev, data := console.Pending(many...); ev != "resync" || data != "{}" {
		t.Fatalf("%s %s", ev, data)
	}
	if ev, _ := console.Pending(); ev != "" {
		t.Fatalf("nothing changed, yet %q", ev)
	}
}

func TestLiveUpdatesStalledClient(t *testing.T) {
	hub := console.NewHub()
	console.SetWriteTimeout(hub, 300*time.Millisecond)
	url := liveServer(t, hub)
	good := openStream(t, url)
	if ev, _ := good.next(t); ev != "ready" {
		t.Fatal(ev)
	}

	// A client that opens a stream and never reads it.
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.(*net.TCPConn).SetReadBuffer(4096)
	fmt.Fprintf(conn, "GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Basic ZGVtbzpkZW1v\r\n\r\n")
	waitFor(t, "both streams to open", func() bool { return hub.Streams() == 2 })

	// The engine publishes on: never blocked by the stalled stream, which is
	// dropped once a write times out. The reading client keeps reading.
	go func() { _, _ = io.Copy(io.Discard, good.r) }()
	key := int64(0)
	deadline := time.Now().Add(30 * time.Second)
	for hub.Streams() == 2 {
		if time.Now().After(deadline) {
			t.Fatal("the stalled stream was never dropped")
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			keys := make([]int64, 400)
			for i := range keys {
				key++
				keys[i] = key
			}
			hub.Publish(console.Change{ProcessInstanceKeys: keys})
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("Publish blocked")
		}
		time.Sleep(time.Millisecond) // let the streams write: pacing, not a condition
	}
	if hub.Streams() != 1 {
		t.Fatalf("%d streams, want the reading one", hub.Streams())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
