package rest_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/rest"
)

// The load generator: b.N requests from 64 concurrent clients over real
// HTTP on loopback, each request timed. Reported: requests per second and
// the 50th and 99th percentile latencies.
//
//	go test -run '^$' -bench . -benchtime 5000x ./internal/rest/
const benchClients = 64

func benchServer(b *testing.B, sync string) (string, *http.Client) {
	b.Helper()
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: b.TempDir(), Synchronous: sync})
	if err != nil {
		b.Fatal(err)
	}
	srv := rest.New(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), rest.Options{})
	hs := httptest.NewServer(srv)
	b.Cleanup(func() {
		hs.Close()
		eng.Close()
	})
	client := &http.Client{Transport: &http.Transport{MaxIdleConns: benchClients, MaxIdleConnsPerHost: benchClients}}
	bpmn, err := os.ReadFile("testdata/service.bpmn")
	if err != nil {
		b.Fatal(err)
	}
	e := &env{t: b, url: hs.URL}
	if r := e.deployRaw([]string{"service.bpmn"}, map[string][]byte{"service.bpmn": bpmn}, ""); r.status != 200 {
		b.Fatalf("deploy: %s", r.body)
	}
	return hs.URL, client
}

// load sends b.N requests from benchClients goroutines.
func load(b *testing.B, client *http.Client, url string, body func(i int) []byte) {
	b.Helper()
	lat := make([]time.Duration, b.N)
	var next int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, benchClients)
	b.ResetTimer()
	start := time.Now()
	for range benchClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				i := next
				next++
				mu.Unlock()
				if i >= int64(b.N) {
					return
				}
				t0 := time.Now()
				res, err := client.Post(url, "application/json", bytes.NewReader(body(int(i))))
				if err != nil {
					errs <- err
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					errs <- fmt.Errorf("status %d", res.StatusCode)
					return
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	slices.Sort(lat)
	pct := func(p float64) float64 { return float64(lat[int(float64(len(lat)-1)*p)].Microseconds()) / 1000 }
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "req/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

func BenchmarkCreateProcessInstance(b *testing.B) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		b.Run("synchronous="+sync, func(b *testing.B) {
			url, client := benchServer(b, sync)
			load(b, client, url+"/v2/process-instances", func(i int) []byte {
				return fmt.Appendf(nil, `{"processDefinitionId":"service","variables":{"i":%d,"customer":"c-%d"}}`, i, i%100)
			})
		})
	}
}

func BenchmarkSearchProcessInstances(b *testing.B) {
	url, client := benchServer(b, "NORMAL")
	// 2,000 instances to search through.
	e := &env{t: b, url: url}
	for i := range 2000 {
		e.ok(200, "POST", "/v2/process-instances", fmt.Sprintf(`{"processDefinitionId":"service","variables":{"i":%d}}`, i))
	}
	load(b, client, url+"/v2/process-instances/search", func(i int) []byte {
		if i%2 == 0 {
			return []byte(`{"filter":{"processDefinitionId":"service","state":"ACTIVE"},"sort":[{"field":"startDate","order":"DESC"}],"page":{"limit":50}}`)
		}
		return fmt.Appendf(nil, `{"filter":{"variables":[{"name":"i","value":"%d"}]},"page":{"limit":10}}`, i%2000)
	})
}
