package main

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/config"
	"github.com/orcabpm/orca/internal/engine"
)

// History retention follows Camunda's RDBMS history settings
// (camunda.data.secondary-storage.rdbms.history.*), plus Orca's switch to
// keep everything.
const historyPrefix = "camunda.data.secondary-storage.rdbms.history."

var historyKeys = struct{ ttl, decisionTTL, minInterval, maxInterval, rows, instances, usage, keepAll string }{
	historyPrefix + "default-history-ttl", historyPrefix + "decision-instance-ttl",
	historyPrefix + "min-history-cleanup-interval", historyPrefix + "max-history-cleanup-interval",
	historyPrefix + "history-cleanup-batch-size", historyPrefix + "history-cleanup-process-instance-batch-size",
	historyPrefix + "max-history-cleanup-usage", "orca.history.keep-all",
}

// inertHistoryKeys are Camunda's history settings for what Orca does not
// keep (batch operations, usage metrics). A Camunda configuration file
// setting them loads: each is checked as Camunda checks it (a positive
// duration) and has no effect.
var inertHistoryKeys = []string{
	historyPrefix + "default-batch-operation-history-ttl",
	historyPrefix + "batch-operation-cancel-process-instance-history-ttl",
	historyPrefix + "batch-operation-migrate-process-instance-history-ttl",
	historyPrefix + "batch-operation-modify-process-instance-history-ttl",
	historyPrefix + "batch-operation-resolve-incident-history-ttl",
	historyPrefix + "usage-metrics-cleanup",
	historyPrefix + "usage-metrics-ttl",
}

func historySchema() config.Schema {
	s := config.Schema{
		{Name: historyKeys.ttl, Kind: config.Duration, Help: "how long a finished root process instance, with the instances it called and all their rows, is kept (default P30D)"},
		{Name: historyKeys.decisionTTL, Kind: config.Duration, Help: "how long a decision instance evaluated outside any process instance is kept (default: default-history-ttl)"},
		{Name: historyKeys.minInterval, Kind: config.Duration, Help: "shortest pause between cleanup runs (default PT1M)"},
		{Name: historyKeys.maxInterval, Kind: config.Duration, Help: "longest pause between cleanup runs, reached while they find nothing (default PT1H)"},
		{Name: historyKeys.rows, Kind: config.Int, Min: 1, Max: 1_000_000, Help: "rows one cleanup run deletes at most (default 2,000)"},
		{Name: historyKeys.instances, Kind: config.Int, Min: 1, Max: 100_000, Help: "root process instances one cleanup run deletes at most (default 100)"},
		{Name: historyKeys.usage, Kind: config.String, Help: "share of the engine's time back-to-back cleanup runs may take, above 0 and at most 1 (default 0.25)"},
		{Name: historyKeys.keepAll, Kind: config.Bool, Help: "keep all history: no cleanup (default false)"},
	}
	for _, k := range inertHistoryKeys {
		s = append(s, config.Key{Name: k, Kind: config.Duration, Help: "Camunda's setting for batch operations or usage metrics, which Orca does not keep: accepted (a positive duration), no effect"})
	}
	return s
}

// inertHistorySettings checks the inert history keys a configuration sets
// and names them, so orca start can say they have no effect.
func inertHistorySettings(props *config.Properties) ([]string, error) {
	var set []string
	for _, k := range inertHistoryKeys {
		v, ok, err := props.Duration(k)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		if v <= 0 {
			return nil, fmt.Errorf("%s: want a positive duration, got %s", k, v)
		}
		set = append(set, k)
	}
	return set, nil
}

// historySettings reads the history retention of orca start.
func historySettings(props *config.Properties) (engine.Retention, error) {
	r := engine.DefaultRetention()
	keep, _, err := props.Bool(historyKeys.keepAll)
	if err != nil {
		return r, err
	}
	r.Enabled = !keep
	ttlSet := false
	for _, d := range []struct {
		key string
		to  *time.Duration
		set *bool
	}{
		{historyKeys.ttl, &r.TTL, &ttlSet}, {historyKeys.decisionTTL, &r.DecisionTTL, nil},
		{historyKeys.minInterval, &r.MinInterval, nil}, {historyKeys.maxInterval, &r.MaxInterval, nil},
	} {
		v, ok, err := props.Duration(d.key)
		if err != nil {
			return r, err
		}
		if !ok {
			continue
		}
		if v < 0 {
			return r, fmt.Errorf("%s: want a duration of zero or more, got %s", d.key, v)
		}
		*d.to = v
		if d.set != nil {
			*d.set = true
		}
	}
	if ttlSet {
		if _, ok, _ := props.Duration(historyKeys.decisionTTL); !ok {
			r.DecisionTTL = r.TTL
		}
	}
	if r.MinInterval <= 0 {
		return r, fmt.Errorf("%s: want a positive duration, got %s", historyKeys.minInterval, r.MinInterval)
	}
	if r.MaxInterval < r.MinInterval {
		return r, fmt.Errorf("%s (%s) is shorter than %s (%s)", historyKeys.maxInterval, r.MaxInterval, historyKeys.minInterval, r.MinInterval)
	}
	for _, n := range []struct {
		key      string
		to       *int
		min, max int64
	}{{historyKeys.rows, &r.RowBatch, 1, 1_000_000}, {historyKeys.instances, &r.InstanceBatch, 1, 100_000}} {
		v, ok, err := props.Int(n.key)
		if err != nil {
			return r, err
		}
		if !ok {
			continue
		}
		if v < n.min || v > n.max {
			return r, fmt.Errorf("%s: want an integer from %d to %d, got %d", n.key, n.min, n.max, v)
		}
		*n.to = int(v)
	}
	if v, from, ok := props.Lookup(historyKeys.usage); ok {
		u, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil || u <= 0 || u > 1 {
			return r, fmt.Errorf("%s: want a number above 0 and at most 1, got %q", from, v)
		}
		r.Usage = u
	}
	return r, nil
}
