package management

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// Metrics are one server's Prometheus metrics, in their own registry.
type Metrics struct {
	reg *prometheus.Registry

	commands       prometheus.Counter
	batches        prometheus.Counter
	batchSize      prometheus.Histogram
	commitSeconds  prometheus.Histogram
	commitFailures prometheus.Counter
	storageUp      prometheus.Gauge
	deployments    prometheus.Counter
	canceled       prometheus.Counter
	jobEvents      *prometheus.CounterVec
	incidentEvents *prometheus.CounterVec

	httpRequests *prometheus.HistogramVec
	mcpCalls     *prometheus.HistogramVec
	mcpTools     labelSet

	modelCalls   *prometheus.HistogramVec
	modelTokens  *prometheus.CounterVec
	models       labelSet
	providers    labelSet
	workerInHand *prometheus.GaugeVec
	workerJobs   *prometheus.HistogramVec

	memoryReturns prometheus.Counter
}

// NewMetrics makes the metrics, with Go runtime and process metrics.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	f := func(c prometheus.Collector) { reg.MustRegister(c) }
	m := &Metrics{reg: reg}
	m.commands = prometheus.NewCounter(prometheus.CounterOpts{Name: "orca_engine_commands_committed_total", Help: "Commands the engine committed."})
	m.batches = prometheus.NewCounter(prometheus.CounterOpts{Name: "orca_engine_batches_committed_total", Help: "Transactions (batches of commands) the engine committed."})
	m.batchSize = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "orca_engine_batch_size", Help: "Commands per committed batch.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 11)})
	m.commitSeconds = prometheus.NewHistogram(prometheus.HistogramOpts{Name: "orca_engine_commit_duration_seconds", Help: "Time to write and commit one batch.",
		Buckets: prometheus.ExponentialBuckets(0.0001, 2.5, 12)})
	m.commitFailures = prometheus.NewCounter(prometheus.CounterOpts{Name: "orca_engine_commit_failures_total", Help: "Commits that failed and were retried."})
	m.storageUp = prometheus.NewGauge(prometheus.GaugeOpts{Name: "orca_storage_healthy", Help: "1 while commits go through, 0 while a failed commit is being retried."})
	m.deployments = prometheus.NewCounter(prometheus.CounterOpts{Name: "orca_process_definitions_deployed_total", Help: "Process definitions deployed."})
	m.canceled = prometheus.NewCounter(prometheus.CounterOpts{Name: "orca_process_instances_canceled_total", Help: "Process instances cancelled."})
	m.jobEvents = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orca_job_events_total", Help: "Job events by action (activated, completed, failed, timed_out, error_thrown) and job type."}, []string{"action", "type"})
	m.incidentEvents = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orca_incident_events_total", Help: "Incidents created and resolved, by error type."}, []string{"action", "error_type"})
	m.httpRequests = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "orca_http_request_duration_seconds", Help: "HTTP requests by route, method and status, with their latency.",
		Buckets: prometheus.DefBuckets}, []string{"route", "method", "status"})
	m.mcpCalls = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "orca_mcp_tool_call_duration_seconds", Help: "MCP tool calls by tool and outcome (ok, tool_error, error), with their latency.",
		Buckets: prometheus.DefBuckets}, []string{"tool", "outcome"})
	m.modelCalls = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "orca_agent_model_call_duration_seconds", Help: "AI agent calls to an LLM by provider, model and outcome (ok, or the failure: rate_limit, timeout, auth, server, too_large, ...), with their latency.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2.5, 12)}, []string{"provider", "model", "outcome"})
	m.modelTokens = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "orca_agent_model_tokens_total", Help: "LLM tokens used by AI agents, by provider, model and direction (input, output)."}, []string{"provider", "model", "direction"})
	m.workerInHand = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "orca_worker_jobs_in_hand", Help: "Jobs the in-process workers are working on, by job type."}, []string{"type"})
	m.workerJobs = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "orca_worker_job_duration_seconds", Help: "Jobs handled by the in-process workers, by job type and outcome, with their handling time.",
		Buckets: prometheus.ExponentialBuckets(0.001, 4, 10)}, []string{"type", "outcome"})
	m.memoryReturns = prometheus.NewCounter(prometheus.CounterOpts{Name: "orca_memory_returns_total",
		Help: "Times orca start gave its free heap and its idle read connections' memory back to the operating system, once quiet after a burst of work."})
	for _, c := range []prometheus.Collector{m.commands, m.batches, m.batchSize, m.commitSeconds, m.commitFailures, m.storageUp,
		m.deployments, m.canceled, m.jobEvents, m.incidentEvents, m.httpRequests, m.mcpCalls, m.modelCalls, m.modelTokens,
		m.workerInHand, m.workerJobs, m.memoryReturns,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		f(c)
	}
	m.storageUp.Set(1)
	return m
}

// Registry is where the metrics are registered.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// MemoryReturned counts a return of memory to the operating system.
func (m *Metrics) MemoryReturned() { m.memoryReturns.Inc() }

// Committed counts a commit of the engine (engine.Observer).
func (m *Metrics) Committed(c engine.Commit) {
	if c.Commands > 0 || c.Records > 0 {
		m.batches.Inc()
		m.commands.Add(float64(c.Commands))
		m.batchSize.Observe(float64(c.Commands))
		m.commitSeconds.Observe(c.Duration.Seconds())
	}
	for _, ev := range c.Events {
		switch ev.Kind {
		case engine.EventDeployed:
			m.deployments.Inc()
		case engine.EventInstanceCanceled:
			m.canceled.Inc()
		case engine.EventIncidentCreated:
			m.incidentEvents.WithLabelValues("created", ev.Type).Inc()
		case engine.EventIncidentResolved:
			m.incidentEvents.WithLabelValues("resolved", ev.Type).Inc()
		case engine.EventJobActivated:
			m.jobEvents.WithLabelValues("activated", ev.Type).Inc()
		case engine.EventJobCompleted:
			m.jobEvents.WithLabelValues("completed", ev.Type).Inc()
		case engine.EventJobFailed:
			m.jobEvents.WithLabelValues("failed", ev.Type).Inc()
		case engine.EventJobTimedOut:
			m.jobEvents.WithLabelValues("timed_out", ev.Type).Inc()
		case engine.EventJobErrorThrown:
			m.jobEvents.WithLabelValues("error_thrown", ev.Type).Inc()
		}
	}
}

// StorageFailed counts a failed commit (engine.Observer).
func (m *Metrics) StorageFailed(error, int) {
	m.commitFailures.Inc()
	m.storageUp.Set(0)
}

// StorageRecovered notes that commits go through again (engine.Observer).
func (m *Metrics) StorageRecovered(time.Duration) { m.storageUp.Set(1) }

var _ engine.Observer = (*Metrics)(nil)

// WatchStore adds gauges read from the store at each scrape: active
// element instances by type, active incidents by error type, open jobs and
// the store's size on disk. Each reads what is active through an index, so
// a scrape costs the same however much history the store holds.
func (m *Metrics) WatchStore(s *store.Store) {
	m.reg.MustRegister(&storeCollector{s: s,
		elements:  prometheus.NewDesc("orca_element_instances", "Active element instances by element type (state is ACTIVE; finished ones are history, whose size orca_store_size_bytes shows).", []string{"type", "state"}, nil),
		incidents: prometheus.NewDesc("orca_incidents_active", "Active incidents by error type.", []string{"error_type"}, nil),
		size:      prometheus.NewDesc("orca_store_size_bytes", "Bytes the store takes on disk (database, write-ahead log and its index).", nil, nil),
		jobs:      prometheus.NewDesc("orca_jobs_open", "Open jobs by job type and state: waiting for a worker (the queue's depth; failed ones in their back-off included) or activated (held by a worker).", []string{"type", "state"}, nil),
	})
}

type storeCollector struct {
	s                         *store.Store
	elements, incidents, size *prometheus.Desc
	jobs                      *prometheus.Desc
}

func (c *storeCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.elements
	ch <- c.incidents
	ch <- c.size
	ch <- c.jobs
}

func (c *storeCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ch <- prometheus.MustNewConstMetric(c.size, prometheus.GaugeValue, float64(c.s.Size()))
	if counts, err := c.s.ActiveElementInstanceCounts(ctx); err == nil {
		for _, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.elements, prometheus.GaugeValue, float64(n.N), n.Labels...)
		}
	} else {
		ch <- prometheus.NewInvalidMetric(c.elements, err)
	}
	if counts, err := c.s.OpenJobCounts(ctx); err == nil {
		for _, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.jobs, prometheus.GaugeValue, float64(n.N), n.Labels...)
		}
	} else {
		ch <- prometheus.NewInvalidMetric(c.jobs, err)
	}
	if counts, err := c.s.ActiveIncidentCounts(ctx); err == nil {
		for _, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.incidents, prometheus.GaugeValue, float64(n.N), n.Labels...)
		}
	} else {
		ch <- prometheus.NewInvalidMetric(c.incidents, err)
	}
}

// labelSet bounds a label's values: names seen from clients (tool names,
// model names) count as "other" past a limit, so that no client can grow
// the metrics without end.
type labelSet struct {
	mu   sync.Mutex
	seen map[string]bool
}

const maxLabelValues = 200

func (l *labelSet) value(s string) string {
	if s == "" {
		return "unknown"
	}
	if len(s) > 100 {
		return "other"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen[s] {
		return s
	}
	if len(l.seen) >= maxLabelValues {
		return "other"
	}
	if l.seen == nil {
		l.seen = map[string]bool{}
	}
	l.seen[s] = true
	return s
}

// statusWriter remembers the status a handler answered with.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		if w.status == 0 {
			w.status = http.StatusOK
		}
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// RequestDone is told about each finished request (for logging).
type RequestDone func(r *http.Request, route string, status int, d time.Duration)

// HTTP measures the requests next serves by route (route names the
// request's route pattern, "" for none), method and status; done, if set,
// hears each one.
func (m *Metrics) HTTP(next http.Handler, route func(*http.Request) string, done RequestDone) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rt := route(r)
		if rt == "" {
			rt = "unmatched"
		}
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			d := time.Since(start)
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			m.httpRequests.WithLabelValues(rt, r.Method, strconv.Itoa(status)).Observe(d.Seconds())
			if done != nil {
				done(r, rt, status, d)
			}
		}()
		next.ServeHTTP(sw, r)
	})
}
