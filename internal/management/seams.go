package management

import (
	"context"
	"errors"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/worker"
)

// MCP is a receiving middleware for an MCP server that measures tool calls
// by tool and outcome: ok, tool_error (a result with isError) or error (a
// JSON-RPC error).
func (m *Metrics) MCP() mcp.Middleware {
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
			m.mcpCalls.WithLabelValues(m.mcpTools.value(name), outcome).Observe(time.Since(start).Seconds())
			return res, err
		}
	}
}

// LLM wraps an AI agent's model client to count its calls, their latency
// and the tokens they used, by model.
func (m *Metrics) LLM(c llm.Client) llm.Client { return &llmClient{c, m} }

type llmClient struct {
	next llm.Client
	m    *Metrics
}

func (c *llmClient) Chat(ctx context.Context, req *llm.Request) (*llm.Response, error) {
	start := time.Now()
	resp, err := c.next.Chat(ctx, req)
	model := c.m.models.value(req.Model)
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	c.m.modelCalls.WithLabelValues(model, outcome).Observe(time.Since(start).Seconds())
	if resp != nil {
		c.m.modelTokens.WithLabelValues(model, "input").Add(float64(resp.Usage.InputTokens))
		c.m.modelTokens.WithLabelValues(model, "output").Add(float64(resp.Usage.OutputTokens))
	}
	return resp, err
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
