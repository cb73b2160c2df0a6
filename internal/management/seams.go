package management

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/worker"
)

// MCP is a receiving middleware for an MCP server that measures tool calls
// by tool and outcome: ok, tool_error (a result with isError) or error (a
// JSON-RPC error).
func (m *Metrics) MCP() mcp.Middleware {
	// Each (tool, outcome)'s histogram, looked up once: tools with a
	// label of their own (at most maxLabelValues), not those counted as
	// "other" or "unknown", which are looked up on each call.
	var observers sync.Map // mcpSeries → prometheus.Observer
	observe := func(name, outcome string, took time.Duration) {
		key := mcpSeries{name, outcome}
		if o, ok := observers.Load(key); ok {
			o.(prometheus.Observer).Observe(took.Seconds())
			return
		}
		label := m.mcpTools.value(name)
		o := m.mcpCalls.WithLabelValues(label, outcome)
		if label == name {
			observers.Store(key, o)
		}
		o.Observe(took.Seconds())
	}
	return func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method != "tools/call" {
				return next(ctx, method, req)
			}
			start := time.Now()
			res, err := next(ctx, method, req)
			name := ""
			if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok && p != nil {
				name = p.Name
			}
			outcome := "ok"
			if err != nil {
				outcome = "error"
			} else if r, ok := res.(*mcp.CallToolResult); ok && r != nil && r.IsError {
				outcome = "tool_error"
			}
			observe(name, outcome, time.Since(start))
			return res, err
		}
	}
}

// mcpSeries is a tool call histogram's labels.
type mcpSeries struct{ tool, outcome string }

// ModelCalled counts an AI agent's model call by provider, model and
// outcome, with its latency and tokens (agent.ModelObserver).
func (m *Metrics) ModelCalled(provider, model, outcome string, took time.Duration, usage llm.Usage) {
	provider, model = m.providers.value(provider), m.models.value(model)
	m.modelCalls.WithLabelValues(provider, model, outcome).Observe(took.Seconds())
	if usage.InputTokens > 0 {
		m.modelTokens.WithLabelValues(provider, model, "input").Add(float64(usage.InputTokens))
	}
	if usage.OutputTokens > 0 {
		m.modelTokens.WithLabelValues(provider, model, "output").Add(float64(usage.OutputTokens))
	}
}

// Worker wraps an in-process worker's job handler: jobs in hand (the
// worker's queue depth) and handling time by job type and outcome (ok,
// bpmn_error, failed).
func (m *Metrics) Worker(jobType string, h worker.Handler) worker.Handler {
	inHand := m.workerInHand.WithLabelValues(jobType)
	return worker.HandlerFunc(func(ctx context.Context, job *worker.Job) (*worker.Completion, error) {
		inHand.Inc()
		defer inHand.Dec()
		start := time.Now()
		comp, err := h.Handle(ctx, job)
		outcome := "ok"
		var be *worker.BPMNError
		switch {
		case errors.As(err, &be):
			outcome = "bpmn_error"
		case err != nil:
			outcome = "failed"
		}
		m.workerJobs.WithLabelValues(jobType, outcome).Observe(time.Since(start).Seconds())
		return comp, err
	})
}
