package agent_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/llm/llmtest"
	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/worker"
)

// A worker dies in the middle of a conversation: it called the model and
// recorded the answer, but never completed its job. The job times out and
// another activation works the turn again. The agent instance's history
// shows the conversation as it went on (the dead activation's items are
// DISCARDED, not mixed in), while its metrics count every model call made,
// the lost one too (its tokens were spent).
func TestAgentHistoryOfAWorkerKilledMidConversation(t *testing.T) {
	var mu sync.Mutex
	killed := false
	hold := make(chan struct{})
	r := newRigOpts(t, rigOptions{timeout: 2 * time.Second, wrap: func(h worker.Handler) worker.Handler {
		return worker.HandlerFunc(func(ctx context.Context, job *worker.Job) (*worker.Completion, error) {
			c, err := h.Handle(ctx, job)
			mu.Lock()
			first := !killed && c != nil && c.Result != nil && len(c.Result.ActivateElements) > 0 && c.Result.ActivateElements[0].ElementID == "GetWeather"
			if first {
				killed = true
			}
			mu.Unlock()
			if first {
				<-hold // dead: nothing of this activation reaches the cluster again
				return nil, context.Canceled
			}
			return c, err
		})
	}},
		llmtest.Turn{ToolCalls: []llm.ToolCall{toolCall("lost_1", "GetWeather", `{"city":"Oslo"}`)}, Usage: llm.Usage{InputTokens: 7, OutputTokens: 3}},
		llmtest.Turn{ToolCalls: []llm.ToolCall{toolCall("call_1", "GetWeather", `{"city":"Paris"}`)}, Usage: llm.Usage{InputTokens: 100, OutputTokens: 20}},
		llmtest.Turn{Text: "Sunny in Paris.", Usage: llm.Usage{InputTokens: 150, OutputTokens: 10}},
	)
	t.Cleanup(func() { close(hold) }) // before the rig stops
	pi := r.start(nil)
	r.waitFor("the agent's answer", func() bool { return r.state(pi) == store.StateCompleted })

	pik := cluster.Key(pi)
	res, err := r.api.SearchAgentInstances(r.ctx, &cluster.AgentInstanceSearchQuery{Filter: &cluster.AgentInstanceFilter{
		ProcessInstanceKey: &cluster.KeyFilter{Filter: cluster.Filter[cluster.Key]{Eq: &pik}}}})
	if err != nil || len(res.Items) != 1 {
		t.Fatalf("agent instances: %+v, %v", res, err)
	}
	ai := res.Items[0]
	if ai.Status != "COMPLETED" || ai.Metrics != (cluster.AgentInstanceMetrics{InputTokens: 257, OutputTokens: 33, ModelCalls: 3, ToolCalls: 2}) {
		t.Fatalf("agent instance: status %s, metrics %+v", ai.Status, ai.Metrics)
	}
	lines := func(status string) []string {
		q := &cluster.AgentInstanceHistorySearchQuery{}
		if status != "" {
			q.Filter = &cluster.AgentInstanceHistoryFilter{CommitStatus: &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: &status}}}
		}
		hist, err := r.api.SearchAgentInstanceHistory(r.ctx, ai.AgentInstanceKey, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range hist.Items {
			line := h.Role
			for _, c := range h.ToolCalls {
				line += " " + c.ToolCallID
			}
			for _, c := range h.Content {
				if c.Text != nil {
					line += " " + *c.Text
				}
			}
			out = append(out, line)
		}
		return out
	}
	committed := strings.Join(lines(""), " | ")
	if want := "CONFIGURATION | USER What is the weather in Paris, and the time? | ASSISTANT call_1 | TOOL_RESULT call_1 sunny in Paris | ASSISTANT Sunny in Paris."; committed != want {
		t.Fatalf("committed history:\n%s\nwant:\n%s", committed, want)
	}
	if discarded := strings.Join(lines("DISCARDED"), " | "); discarded != "CONFIGURATION | USER What is the weather in Paris, and the time? | ASSISTANT lost_1" {
		t.Fatalf("discarded history: %s", discarded)
	}
	if pending := lines("PENDING"); len(pending) != 0 {
		t.Fatalf("pending history: %v", pending)
	}
}
