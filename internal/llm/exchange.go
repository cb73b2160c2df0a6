package llm

import (
	"context"
	"log/slog"
	"time"
)

// exchange makes one model call for an adapter: send calls the vendor's SDK,
// classify turns its failure into an *Error, convert turns its answer into a
// Response. Both outcomes are logged at debug level under op with the
// call's duration.
func exchange[O any](ctx context.Context, log *slog.Logger, op, model string,
	send func() (O, error), classify func(context.Context, error) *Error, convert func(O) (*Response, error)) (*Response, error) {
	start := time.Now()
	out, err := send()
	if err != nil {
		e := classify(ctx, err)
		log.DebugContext(ctx, op+" failed", "model", model, "error", e, "took", time.Since(start))
		return nil, e
	}
	resp, err := convert(out)
	if err != nil {
		return nil, err
	}
	log.DebugContext(ctx, op, "model", model, "finish", resp.RawFinishReason,
		"toolCalls", len(resp.Message.ToolCalls), "inputTokens", resp.Usage.InputTokens,
		"outputTokens", resp.Usage.OutputTokens, "took", time.Since(start))
	return resp, nil
}
