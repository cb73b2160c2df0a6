package agent_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/management"
	"github.com/orcabpm/orca/internal/store"
)

// The agents' model calls reach the management metrics through the
// agent's ModelObserver: under a bounded load against the loopback LLM stub
// (one rate-limited answer, then 12 instances answered), the scraped
// orca_agent_model_call_duration_seconds and orca_agent_model_tokens_total
// move by exactly the calls and tokens made, by provider, model and outcome.
func TestModelMetrics(t *testing.T) {
	const n = 12
	turns := []llmtest.Turn{{Status: 429, ErrorType: "rate_limit_exceeded", ErrorMessage: "slow down", Header: map[string]string{"Retry-After": "0"}}}
	for range n {
		turns = append(turns, llmtest.Turn{Text: "done", Usage: llm.Usage{InputTokens: 100, OutputTokens: 20}})
	}
	metrics := management.NewMetrics()
	mgmt := httptest.NewServer(management.Handler(management.NewHealth(), metrics))
	defer mgmt.Close()
	scrape := func() map[string]*dto.MetricFamily {
		t.Helper()
		res, err := http.Get(mgmt.URL + management.PathPrometheus)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		p := expfmt.NewTextParser(model.UTF8Validation)
		fams, err := p.TextToMetricFamilies(res.Body)
		if err != nil {
			t.Fatalf("parse the metrics: %v", err)
		}
		return fams
	}
	if f := scrape()["orca_agent_model_call_duration_seconds"]; f != nil && len(f.Metric) > 0 {
		t.Fatalf("model calls before any: %v", f)
	}

	r := newRigOpts(t, rigOptions{models: metrics}, turns...)
	var pis []int64
	for range n {
		pis = append(pis, r.start(map[string]any{"retries": 3}))
	}
	for _, pi := range pis {
		r.waitFor("the agents' answers", func() bool { return r.state(pi) == store.StateCompleted })
	}

	fams := scrape()
	sample := func(name string, labels map[string]string) *dto.Metric {
		t.Helper()
	next:
		for _, m := range fams[name].GetMetric() {
			have := map[string]string{}
			for _, l := range m.Label {
				have[l.GetName()] = l.GetValue()
			}
			if len(have) != len(labels) {
				continue
			}
			for k, v := range labels {
				if have[k] != v {
					continue next
				}
			}
			return m
		}
		t.Fatalf("no %s%v in the scrape", name, labels)
		return nil
	}
	call := func(outcome string) *dto.Histogram {
		return sample("orca_agent_model_call_duration_seconds", map[string]string{"provider": "openaiCompatible", "model": "test-model", "outcome": outcome}).GetHistogram()
	}
	if got := call("ok").GetSampleCount(); got != n {
		t.Errorf("ok calls: %d, want %d", got, n)
	}
	if got := call("rate_limit").GetSampleCount(); got != 1 {
		t.Errorf("rate-limited calls: %d, want 1", got)
	}
	if call("ok").GetSampleSum() <= 0 {
		t.Error("the calls took no time")
	}
	tokens := func(direction string) float64 {
		return sample("orca_agent_model_tokens_total", map[string]string{"provider": "openaiCompatible", "model": "test-model", "direction": direction}).GetCounter().GetValue()
	}
	if in, out := tokens("input"), tokens("output"); in != n*100 || out != n*20 {
		t.Errorf("tokens: %v in, %v out; want %d and %d", in, out, n*100, n*20)
	}
	if got := len(r.llm.Requests()); got != n+1 {
		t.Errorf("the stub was called %d times, want %d", got, n+1)
	}
}
