package agent

import (
	"context"
	"errors"
	"time"

	"github.com/orcabpm/orca/internal/llm"
)

// ModelObserver hears of every call an agent makes to a model: for metrics
// (management.Metrics implements it). It must be safe for concurrent use
// and quick; it is called on the job's goroutine.
type ModelObserver interface {
	// ModelCalled reports one call: the provider type as the element names it
	// (openai, anthropic, bedrock, ...), the model, the outcome ("ok", or the
	// failure's kind: rate_limit, timeout, auth, server, too_large, ...), how
	// long it took and the tokens it used.
	ModelCalled(provider, model, outcome string, took time.Duration, usage llm.Usage)
}

// callModel makes one model call and tells the observer, if any.
func (a *Agent) callModel(ctx context.Context, model *chatModel, req *llm.Request) (*llm.Response, time.Duration, error) {
	start := time.Now()
	resp, err := model.client.Chat(ctx, req)
	took := time.Since(start)
	if a.opts.Models != nil {
		var usage llm.Usage
		if resp != nil {
			usage = resp.Usage
		}
		a.opts.Models.ModelCalled(model.provider, model.model, outcome(err), took, usage)
	}
	return resp, took, err
}

// outcome names how a model call ended.
func outcome(err error) string {
	var le *llm.Error
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, llm.ErrAnswerTooLarge):
		return "too_large"
	case errors.As(err, &le) && le.Kind != "":
		return string(le.Kind)
	}
	return "error"
}
