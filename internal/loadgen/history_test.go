package loadgen

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/rest"
	"github.com/orcabpm/orca/internal/store"
)

var (
	sizes    = flag.String("scale", "", "TestScale: comma-separated numbers of finished instances to measure at, besides none (e.g. 10000,100000,1000000)")
	scaleDir = flag.String("scale-dir", "", "TestScale: the data directory to build the store in and keep (a later run with it adds only the finished instances missing); default a temporary one")
	scaleBin = flag.String("scale-orca", "", "TestScale: an orca binary; each step also times its orca start on the store (to the first /v2/topology answer) and reads its idle RSS")
)

// TestScale measures, on a store with 10,000 active instances and growing
// numbers of finished ones (-scale), what users wait for: the engine's
// restart, a get by key and filtered search pages over /v2, each against
// the same store without finished instances. Figures only; it fails on
// errors, not on timings. Run it with
//
//	go test ./internal/loadgen -run TestScale -scale 10000,100000,1000000 -v -timeout 60m
func TestScale(t *testing.T) {
	if *sizes == "" {
		t.Skip("the scale test runs with -scale N,N,... (finished instances to measure at)")
	}
	steps := instanceCounts(t, "scale", *sizes, 0)
	slices.Sort(steps)
	ctx := context.Background()
	dir, active, have := scaleStore(t)
	var base *figures
	for _, n := range append([]int{0}, steps...) {
		if n+1 < have { // the template is one finished instance
			t.Logf("finished %8d | skipped: the store holds %d already", n, have)
			continue
		}
		if n > have {
			s, err := store.Open(ctx, dir, store.Options{Synchronous: "NORMAL"})
			if err != nil {
				t.Fatal(err)
			}
			tmpl, err := s.Meta(ctx, metaTemplate)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			if err := AddFinished(ctx, s, tmpl, n-have, 5000); err != nil {
				t.Fatal(err)
			}
			sz, _ := s.DatabaseSize(ctx)
			t.Logf("loaded %d finished instances in %v; database %d MB", n-have, time.Since(start).Round(time.Millisecond), sz.Bytes>>20)
			s.Close()
			have = n
		}
		f := measure(t, dir, active)
		if *scaleBin != "" {
			sf, err := MeasureStarts(ctx, *scaleBin, dir, 3)
			if err != nil {
				t.Fatal(err)
			}
			f.orca = &sf
		}
		t.Logf("finished %8d | %s", n, f)
		if base == nil {
			base = f
			continue
		}
		t.Logf("ratio    %8d | %s", n, f.ratio(base))
	}
}

// metaTemplate is the store's meta entry that names the loader's template
// instance in a kept scale store.
const metaTemplate = "loadgen.template"

// scaleStore is the scale test's store: a kept one (-scale-dir) as a
// former run left it, else a new one with the template and 10,000 active
// instances. have is how many finished instances it holds.
func scaleStore(t *testing.T) (dir string, active []int64, have int) {
	ctx := context.Background()
	dir = *scaleDir
	if dir == "" {
		dir = t.TempDir()
	}
	e, err := engine.Open(ctx, engine.Options{DataDir: dir, Synchronous: "NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	s := e.Store()
	tmpl, err := s.Meta(ctx, metaTemplate)
	if err != nil {
		e.Close()
		t.Fatal(err)
	}
	if tmpl == 0 {
		err := Deploy(ctx, e)
		if err == nil {
			tmpl, err = RunTemplate(ctx, e)
		}
		if err == nil {
			active, err = StartActive(ctx, e, 10_000)
		}
		if err != nil {
			e.Close()
			t.Fatal(err)
		}
		if err := e.Close(); err != nil {
			t.Fatal(err)
		}
		s, err := store.Open(ctx, dir, store.Options{Synchronous: "NORMAL"})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		tx, err := s.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := tx.SetMeta(ctx, metaTemplate, tmpl); err != nil {
			t.Fatal(err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
		return dir, active, 1
	}
	defer e.Close()
	pis, err := store.Select(ctx, s, func() *store.ProcessInstance { return new(store.ProcessInstance) }, "process_id = 'scale-review' AND state = 'ACTIVE' ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	for _, pi := range pis {
		active = append(active, pi.Key)
	}
	all, err := s.CountRows(ctx, "process_instances")
	if err != nil {
		t.Fatal(err)
	}
	have = int(all) - len(active) // the finished ones and the template
	t.Logf("kept store %s: %d active, %d finished instances", dir, len(active), have)
	return dir, active, have
}

// figures are one measurement: the restart (engine.Open, the median of
// three), and the latencies of each read.
type figures struct {
	restart              time.Duration
	orca                 *StartFigures
	get, search, vsearch []time.Duration
	tsearch, done, all   []time.Duration
}

func pct(d []time.Duration, p int) float64 {
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[len(s)*p/100].Microseconds()) / 1000
}

func (f *figures) String() string {
	orca := ""
	if f.orca != nil {
		orca = " | orca start " + f.orca.String()
	}
	return fmt.Sprintf("restart %7.1f ms | get p50 %.2f p99 %.2f | active page p50 %.2f p99 %.2f | by variable p50 %.2f p99 %.2f | task page p50 %.2f p99 %.2f | completed page p50 %.2f p99 %.2f | all page p50 %.2f p99 %.2f",
		float64(f.restart.Microseconds())/1000, pct(f.get, 50), pct(f.get, 99), pct(f.search, 50), pct(f.search, 99),
		pct(f.vsearch, 50), pct(f.vsearch, 99), pct(f.tsearch, 50), pct(f.tsearch, 99), pct(f.done, 50), pct(f.done, 99), pct(f.all, 50), pct(f.all, 99)) + orca
}

func (f *figures) ratio(b *figures) string {
	r := func(x, y []time.Duration) float64 { return pct(x, 50) / pct(y, 50) }
	orca := ""
	if f.orca != nil && b.orca != nil {
		orca = fmt.Sprintf(" | orca start ready x%.2f", float64(f.orca.Ready)/float64(b.orca.Ready))
		if f.orca.RSS > 0 && b.orca.RSS > 0 {
			orca += fmt.Sprintf(", idle RSS x%.2f", float64(f.orca.RSS)/float64(b.orca.RSS))
		}
	}
	return fmt.Sprintf("restart x%.2f | get x%.2f | active page x%.2f | by variable x%.2f | task page x%.2f | completed page x%.2f | all page x%.2f%s (medians against no finished instances)",
		float64(f.restart)/float64(b.restart), r(f.get, b.get), r(f.search, b.search), r(f.vsearch, b.vsearch), r(f.tsearch, b.tsearch), r(f.done, b.done), r(f.all, b.all), orca)
}

// measure opens the engine on dir (the restart), serves /v2 and times
// reads a user makes.
func measure(t *testing.T, dir string, active []int64) *figures {
	ctx := context.Background()
	// The restart: the median of three.
	var opens []time.Duration
	var e *engine.Engine
	for i := range 3 {
		start := time.Now()
		var err error
		if e, err = engine.Open(ctx, engine.Options{DataDir: dir, Synchronous: "NORMAL"}); err != nil {
			t.Fatal(err)
		}
		opens = append(opens, time.Since(start))
		if i < 2 {
			e.Close()
		}
	}
	slices.Sort(opens)
	f := &figures{restart: opens[1]}
	defer e.Close()
	srv := httptest.NewServer(rest.New(cluster.NewEmbedded(e, cluster.EmbeddedOptions{}), rest.Options{}))
	defer srv.Close()
	call := func(method, path, body string) time.Duration {
		t0 := time.Now()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		d := time.Since(t0)
		if res.StatusCode != 200 || bytes.Contains(b, []byte(`"items":[]`)) {
			t.Fatalf("%s %s %s: %d %s", method, path, body, res.StatusCode, b)
		}
		return d
	}
	for i := range 1000 {
		f.get = append(f.get, call("GET", fmt.Sprintf("/v2/process-instances/%d", active[(i*7919)%len(active)]), ""))
	}
	for i := range 100 {
		f.search = append(f.search, call("POST", "/v2/process-instances/search",
			`{"filter":{"processDefinitionId":"scale-review","state":"ACTIVE"},"sort":[{"field":"startDate","order":"DESC"}],"page":{"limit":50}}`))
		f.vsearch = append(f.vsearch, call("POST", "/v2/process-instances/search",
			fmt.Sprintf(`{"filter":{"state":"ACTIVE","variables":[{"name":"customer","value":"\"c-%d\""}]},"page":{"limit":50}}`, (i*37)%len(active))))
		f.tsearch = append(f.tsearch, call("POST", "/v2/user-tasks/search",
			`{"filter":{"state":"CREATED"},"sort":[{"field":"creationDate","order":"DESC"}],"page":{"limit":50}}`))
		f.done = append(f.done, call("POST", "/v2/process-instances/search",
			`{"filter":{"state":"COMPLETED"},"sort":[{"field":"endDate","order":"DESC"}],"page":{"limit":50}}`))
		f.all = append(f.all, call("POST", "/v2/process-instances/search",
			`{"sort":[{"field":"startDate","order":"DESC"}],"page":{"limit":50}}`))
	}
	return f
}

// BenchmarkAddFinished measures the loader: one op is one finished
// instance written (9 rows).
func BenchmarkAddFinished(b *testing.B) {
	ctx := context.Background()
	dir, tmpl, _ := seedStore(b, 0)
	s, err := store.Open(ctx, dir, store.Options{Synchronous: "NORMAL"})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	b.ResetTimer()
	if err := AddFinished(ctx, s, tmpl, b.N, 5000); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "instances/s")
}
