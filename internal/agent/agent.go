package agent

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/llm"
	"github.com/orcabpm/orca/internal/worker"
)

// Job types of the AI Agent Sub-process (the template's and the newer one).
const (
	JobTypeSubProcess   = "io.camunda.agenticai:aiagent-job-worker:1"
	JobTypeSubProcessV2 = "io.camunda.agenticai:aiagent:subprocess:2"
)

// FetchVariables are the variables the agent reads.
var FetchVariables = []string{"adHocSubProcessElements", "agentContext", "toolCallResults", "provider", "data"}

// Texts the LLM reads in place of a result.
const (
	noResultText    = "Tool execution succeeded, but returned no result."
	canceledText    = "Tool execution was canceled."
	emptyEventText  = "An event was triggered but no content was returned. Continue with the information you have."
	pendingProperty = "pendingToolCallResults"
)

// Options configure the agent.
type Options struct {
	// Secrets resolve {{secrets.NAME}} in the provider settings.
	Secrets worker.Secrets
	// HTTPClient makes the model calls (default: a client without its own
	// timeout; the provider's timeout bounds each call).
	HTTPClient *http.Client
	Logger     *slog.Logger
	Now        func() time.Time
	// Models, if set, hears of every model call (metrics).
	Models ModelObserver
	// Instances, if set, records the agent instances (Camunda 8.10) as the
	// agent works: cluster.API.
	Instances Instances
}

// Agent handles AI Agent Sub-process jobs.
type Agent struct {
	opts Options
}

// New makes an agent.
func New(opts Options) *Agent {
	if opts.Secrets == nil {
		opts.Secrets = worker.EnvSecrets{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Agent{opts: opts}
}

// Handle works one turn of the agent: tool discovery, or one conversation
// turn with the LLM, or nothing while tool results are still missing.
func (a *Agent) Handle(ctx context.Context, job *worker.Job) (*worker.Completion, error) {
	vars, err := job.Variables()
	if err != nil {
		return nil, newError(ErrInvalidRequest, "%v", err)
	}
	req, err := parseRequest(vars)
	if err != nil {
		return nil, err
	}
	ac, err := a.loadContext(vars["agentContext"], job)
	if err != nil {
		return nil, err
	}
	results, err := decodeResults(vars["toolCallResults"])
	if err != nil {
		return nil, err
	}
	t := &turn{a: a, req: req, ac: ac, job: job}
	return t.run(ctx, vars, results)
}

func (a *Agent) loadContext(raw any, job *worker.Job) (*Context, error) {
	ac := &Context{}
	if raw != nil {
		b, err := json.Marshal(raw)
		if err == nil {
			err = json.Unmarshal(b, ac)
		}
		if err != nil {
			return nil, newError(ErrInvalidRequest, "%s", shapeError("agentContext", err))
		}
	}
	if ac.State == "" {
		ac.State = StateInitializing
		ac.Metadata = Metadata{ProcessDefinitionKey: json.Number(strconv.FormatInt(int64(job.ProcessDefinitionKey), 10)),
			ProcessInstanceKey: json.Number(strconv.FormatInt(int64(job.ProcessInstanceKey), 10))}
		ac.Conversation = Conversation{Type: "in-process", ConversationID: newID()}
	}
	if ac.Properties == nil {
		ac.Properties = map[string]any{}
	}
	if ac.ToolDefinitions == nil {
		ac.ToolDefinitions = []ToolDefinition{}
	}
	return ac, nil
}

func decodeResults(raw any) ([]toolResult, error) {
	if raw == nil {
		return nil, nil
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, err
	}
	var out []toolResult
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, newError(ErrInvalidRequest, "%s", shapeError("toolCallResults", err))
	}
	return out, nil
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// turn is one job of the agent.
type turn struct {
	a           *Agent
	req         *Request
	ac          *Context
	job         *worker.Job
	interrupted bool
	// task is the AI Agent Task flavour: the job completes with the agent's
	// response in resultVariable instead of an ad-hoc sub-process result.
	task           bool
	resultVariable string
	// limitStop is the limit a soft stop answered.
	limitStop string
	// rec records the agent instance; status is what the job ends in.
	rec    *recorder
	status string
}

func (t *turn) run(ctx context.Context, vars map[string]any, results []toolResult) (*worker.Completion, error) {
	t.rec = t.newRecorder()
	c, err := t.work(ctx, vars, results)
	if err == nil && t.status != "" {
		t.rec.record(ctx, t.status)
	}
	return c, err
}

func (t *turn) work(ctx context.Context, vars map[string]any, results []toolResult) (*worker.Completion, error) {
	ac := t.ac
	switch ac.State {
	case StateInitializing:
		tools, gateways, a2aGateways, err := resolveTools(vars["adHocSubProcessElements"])
		if err != nil {
			return nil, err
		}
		ac.ToolDefinitions = tools
		if len(gateways) > 0 || len(a2aGateways) > 0 {
			return t.discover(gateways, a2aGateways), nil
		}
		ac.State = StateReady
	case StateToolDiscovery:
		rest, done, err := t.discovered(results)
		if err != nil {
			return nil, err
		}
		if !done {
			return t.noOp()
		}
		results = rest
		ac.State = StateReady
	}
	ready, err := t.compose(results)
	if err != nil {
		return nil, err
	}
	if !ready {
		return t.noOp()
	}
	return t.converse(ctx)
}

// discover starts the tool discovery: one tools/list per MCP gateway, one
// fetchAgentCard per A2A gateway.
func (t *turn) discover(gateways, a2aGateways []string) *worker.Completion {
	if len(gateways) > 0 {
		t.ac.Properties[mcpClientsProperty] = gateways
	}
	if len(a2aGateways) > 0 {
		t.ac.Properties[a2aClientsProperty] = a2aGateways
	}
	t.ac.State = StateToolDiscovery
	var acts []cluster.AdHocActivityActivation
	for _, g := range gateways {
		acts = append(acts, cluster.AdHocActivityActivation{ElementID: g, Variables: map[string]any{
			"toolCall":       map[string]any{"_meta": map[string]any{"id": discoveryID(g), "name": g}, "method": "tools/list"},
			"toolCallResult": "",
		}})
	}
	for _, g := range a2aGateways {
		acts = append(acts, cluster.AdHocActivityActivation{ElementID: g, Variables: map[string]any{
			"toolCall":       map[string]any{"_meta": map[string]any{"id": a2aDiscoveryID(g), "name": g}, "operation": "fetchAgentCard"},
			"toolCallResult": "",
		}})
	}
	return t.toolTurn(acts)
}

// discovered reads the discovery results once all are in.
func (t *turn) discovered(results []toolResult) (rest []toolResult, done bool, err error) {
	lists, cards := map[string]any{}, map[string]any{}
	for _, r := range results {
		if r.ID != nil && strings.HasPrefix(*r.ID, "MCP_toolsList_") {
			lists[strings.TrimPrefix(*r.ID, "MCP_toolsList_")] = r.Content
			continue
		}
		if r.ID != nil && strings.HasPrefix(*r.ID, a2aDiscoveryPrefix) {
			cards[strings.TrimPrefix(*r.ID, a2aDiscoveryPrefix)] = r.Content
			continue
		}
		rest = append(rest, r)
	}
	clients := t.ac.mcpClients()
	for _, c := range clients {
		if _, ok := lists[c]; !ok {
			return nil, false, nil
		}
	}
	agents := t.ac.gatewayList(a2aClientsProperty)
	for _, c := range agents {
		if _, ok := cards[c]; !ok {
			return nil, false, nil
		}
	}
	for _, c := range agents {
		def, err := a2aToolDefinition(c, cards[c])
		if err != nil {
			return nil, false, err
		}
		t.ac.ToolDefinitions = append(t.ac.ToolDefinitions, def)
	}
	for _, c := range clients {
		defs, err := mcpToolDefinitions(c, lists[c])
		if err != nil {
			return nil, false, err
		}
		t.ac.ToolDefinitions = append(t.ac.ToolDefinitions, defs...)
	}
	return rest, true, nil
}

// compose adds the new input to the conversation: the results of the tool
// calls of the last assistant message and the events, or the user prompt.
// It reports false when results are still missing (the job is a no-op).
func (t *turn) compose(results []toolResult) (bool, error) {
	conv := &t.ac.Conversation
	now := t.a.opts.Now()
	if len(conv.Messages) == 0 {
		if len(results) > 0 {
			return false, newError(ErrToolCallResultsOnEmptyContext, "tool call results arrived but the agent has no conversation")
		}
		conv.Messages = append(conv.Messages, Message{Role: RoleSystem, Content: textBlocks(t.req.Data.SystemPrompt.Prompt)})
	}
	var events []toolResult
	byID := map[string]toolResult{}
	for _, r := range results {
		if r.ID == nil {
			events = append(events, r)
		} else {
			byID[*r.ID] = r
		}
	}
	pending := pendingCalls(conv.Messages)
	if len(pending) > 0 {
		stash, _ := t.ac.Properties[pendingProperty].(map[string]any)
		var out []ToolResult
		missing := false
		for _, c := range pending {
			if r, ok := byID[c.ID]; ok {
				out = append(out, t.resultFor(c, r))
				continue
			}
			if s, ok := stash[c.ID]; ok {
				out = append(out, ToolResult{ID: c.ID, Name: c.Name, Content: s})
				continue
			}
			missing = true
			out = append(out, ToolResult{ID: c.ID, Name: c.Name, Content: canceledText})
		}
		if missing {
			if t.req.Data.Events.Behavior != InterruptToolCalls || len(events) == 0 {
				return false, nil // the next job brings more results
			}
			t.interrupted = true
		}
		delete(t.ac.Properties, pendingProperty)
		conv.Messages = append(conv.Messages, Message{Role: RoleToolCallResult, Results: out, Metadata: stamp(now)})
		for _, e := range events {
			conv.Messages = append(conv.Messages, Message{Role: RoleUser, Content: textBlocks(eventText(e.Content)), Metadata: stamp(now)})
		}
		return true, nil
	}
	for _, e := range events {
		conv.Messages = append(conv.Messages, Message{Role: RoleUser, Content: textBlocks(eventText(e.Content)), Metadata: stamp(now)})
	}
	if len(events) == 0 {
		prompt := t.req.Data.UserPrompt.Prompt
		if strings.TrimSpace(prompt) == "" {
			return false, newError(ErrNoUserMessageContent, "there is no user prompt and no tool call result to send to the model")
		}
		conv.Messages = append(conv.Messages, Message{Role: RoleUser, Content: textBlocks(prompt), Metadata: stamp(now)})
	}
	return true, nil
}

// pendingCalls are the tool calls of the last message, when it is an
// assistant message waiting for them.
func pendingCalls(msgs []Message) []ToolCall {
	if len(msgs) == 0 {
		return nil
	}
	last := msgs[len(msgs)-1]
	if last.Role != RoleAssistant {
		return nil
	}
	return last.ToolCalls
}

// resultFor turns a tool's entry of toolCallResults into the stored result,
// naming MCP results as the LLM called them.
func (t *turn) resultFor(c ToolCall, r toolResult) ToolResult {
	if _, _, isMCP := parseMCPName(c.Name); isMCP {
		_, content, isError := mcpResultForLLM(r.Content)
		if isError {
			content = "The tool reported an error: " + stringify(content)
		}
		return ToolResult{ID: c.ID, Name: c.Name, Content: content}
	}
	if _, isA2A := parseA2AName(c.Name); isA2A {
		return ToolResult{ID: c.ID, Name: c.Name, Content: a2aResult(r.Content)}
	}
	return ToolResult{ID: c.ID, Name: c.Name, Content: r.Content}
}

// a2aResult is what an A2A client element answered: the A2A client
// connector's whole response ({result, pollingData}) when the element's
// result variable is toolCallResult itself, or its result when the model
// maps it (toolCallResult = clientResponse.result, as Camunda's examples do).
func a2aResult(c any) any {
	if m, ok := c.(map[string]any); ok {
		if r, ok := m["result"].(map[string]any); ok && r["kind"] != nil {
			return r
		}
	}
	return c
}

func eventText(content any) string {
	if s := stringify(content); s != noResultText {
		return s
	}
	return emptyEventText
}

// stringify is how a result's content reaches the LLM.
func stringify(content any) string {
	switch c := content.(type) {
	case nil:
		return noResultText
	case string:
		if strings.TrimSpace(c) == "" {
			return noResultText
		}
		return c
	}
	b, err := json.Marshal(content)
	if err != nil {
		return fmt.Sprint(content)
	}
	return string(b)
}

// converse calls the LLM until it answers or asks for known tools.
func (t *turn) converse(ctx context.Context) (*worker.Completion, error) {
	model, err := newChatModel(ctx, t.req.Provider, modelEnv{secrets: t.a.opts.Secrets, http: t.a.opts.HTTPClient})
	if err != nil {
		return nil, err
	}
	lim := t.req.Data.Limits
	var stopped *Error // the limit a soft stop answers
	for {
		if stopped == nil {
			if reached := t.limitReached(lim.SoftStop); reached != nil {
				if !lim.SoftStop {
					return nil, reached
				}
				stopped = reached
				t.ac.Conversation.Messages = append(t.ac.Conversation.Messages, Message{Role: RoleUser, Metadata: stamp(t.a.opts.Now()),
					Content: textBlocks(reached.Message + ". No more tools can be called: answer now with the information you have.")})
			}
		}
		req := t.request(model)
		if stopped != nil {
			req.Tools = nil
		}
		t.rec.record(ctx, statusThinking)
		resp, took, err := t.a.callModel(ctx, model, req)
		if err != nil {
			return nil, modelError(err)
		}
		t.ac.Metrics.ModelCalls++
		t.ac.Metrics.TokenUsage.InputTokenCount += resp.Usage.InputTokens
		t.ac.Metrics.TokenUsage.OutputTokenCount += resp.Usage.OutputTokens
		if resp.FinishReason == llm.FinishContentFilter {
			return nil, newError(ErrContentFiltered, "the model's response was filtered")
		}
		msg := Message{Role: RoleAssistant, Metadata: stamp(t.a.opts.Now()), Content: thinkingBlocks(resp.Message.Content)}
		if text := resp.Text(); text != "" {
			msg.Content = append(msg.Content, textBlocks(text)...)
		}
		msg.Metadata["framework"] = map[string]any{"finishReason": string(resp.FinishReason),
			"tokenUsage": map[string]any{"inputTokenCount": resp.Usage.InputTokens, "outputTokenCount": resp.Usage.OutputTokens}}
		if stopped == nil {
			for _, c := range resp.ToolCalls() {
				args := map[string]any{}
				if len(c.Arguments) > 0 {
					dec := json.NewDecoder(strings.NewReader(string(c.Arguments)))
					dec.UseNumber()
					if err := dec.Decode(&args); err != nil {
						args = map[string]any{}
					}
				}
				msg.ToolCalls = append(msg.ToolCalls, ToolCall{ID: c.ID, Name: c.Name, Arguments: args})
			}
		}
		t.ac.Conversation.Messages = append(t.ac.Conversation.Messages, msg)
		t.rec.modelCallTook(len(t.ac.Conversation.Messages)-1, took)
		if len(msg.ToolCalls) == 0 {
			if stopped != nil {
				t.limitStop = stopped.Code
			}
			return t.finalAnswer(msg)
		}
		acts, invented := t.activations(msg.ToolCalls)
		if lim.MaxToolCalls > 0 && t.ac.Metrics.ToolCalls+len(acts) > lim.MaxToolCalls {
			reached := newError(ErrMaxToolCallsReached, "Maximum number of tool calls reached (toolCalls: %d, requested: %d, limit: %d)",
				t.ac.Metrics.ToolCalls, len(acts), lim.MaxToolCalls)
			if !lim.SoftStop {
				return nil, reached
			}
			// Refuse the calls and let the model answer once more.
			var out []ToolResult
			for _, c := range msg.ToolCalls {
				out = append(out, ToolResult{ID: c.ID, Name: c.Name, Content: fmt.Sprintf("Not executed: the limit of %d tool calls is reached.", lim.MaxToolCalls)})
			}
			t.ac.Conversation.Messages = append(t.ac.Conversation.Messages, Message{Role: RoleToolCallResult, Results: out, Metadata: stamp(t.a.opts.Now())},
				Message{Role: RoleUser, Metadata: stamp(t.a.opts.Now()), Content: textBlocks(reached.Message + ". No more tools can be called: answer now with the information you have.")})
			stopped = reached
			continue
		}
		if len(acts) == 0 {
			// Only tools that do not exist: tell the model and ask again.
			var out []ToolResult
			for _, c := range msg.ToolCalls {
				out = append(out, ToolResult{ID: c.ID, Name: c.Name, Content: invented[c.ID]})
			}
			t.ac.Conversation.Messages = append(t.ac.Conversation.Messages, Message{Role: RoleToolCallResult, Results: out, Metadata: stamp(t.a.opts.Now())})
			continue
		}
		if len(invented) > 0 {
			stash := map[string]any{}
			for id, text := range invented {
				stash[id] = text
			}
			t.ac.Properties[pendingProperty] = stash
		}
		t.ac.Metrics.ToolCalls += len(acts)
		return t.toolTurn(acts), nil
	}
}

// limitReached is the limit the next model call would pass, nil if none:
// model calls, then tokens, and for a soft stop tool calls too (a hard
// tool-call limit fails only when the model asks for more). All count over
// the whole conversation, so a chat that re-enters with agent.context keeps
// counting.
func (t *turn) limitReached(soft bool) *Error {
	lim, m := t.req.Data.Limits, t.ac.Metrics
	if m.ModelCalls >= lim.MaxModelCalls {
		return newError(ErrMaxModelCallsReached, "Maximum number of model calls reached (modelCalls: %d, limit: %d)", m.ModelCalls, lim.MaxModelCalls)
	}
	if used := m.TokenUsage.InputTokenCount + m.TokenUsage.OutputTokenCount; lim.MaxTokens > 0 && used >= lim.MaxTokens {
		return newError(ErrMaxTokensReached, "Maximum number of tokens reached (tokens: %d, limit: %d)", used, lim.MaxTokens)
	}
	if soft && lim.MaxToolCalls > 0 && m.ToolCalls >= lim.MaxToolCalls && t.pendingResults() {
		return newError(ErrMaxToolCallsReached, "Maximum number of tool calls reached (toolCalls: %d, limit: %d)", m.ToolCalls, lim.MaxToolCalls)
	}
	return nil
}

// pendingResults reports whether the conversation ends with tool results,
// i.e. the model is about to decide on more tools.
func (t *turn) pendingResults() bool {
	msgs := t.ac.Conversation.Messages
	return len(msgs) > 0 && msgs[len(msgs)-1].Role == RoleToolCallResult
}

// activations maps the LLM's tool calls to ad-hoc activities; calls of
// tools that do not exist get an error text instead.
func (t *turn) activations(calls []ToolCall) ([]cluster.AdHocActivityActivation, map[string]string) {
	known := map[string]bool{}
	var names []string
	for _, d := range t.ac.ToolDefinitions {
		known[d.Name] = true
		names = append(names, d.Name)
	}
	sort.Strings(names)
	var acts []cluster.AdHocActivityActivation
	invented := map[string]string{}
	for _, c := range calls {
		if !known[c.Name] {
			invented[c.ID] = fmt.Sprintf("Tool '%s' does not exist. Use one of the available tools: %s.", c.Name, strings.Join(names, ", "))
			continue
		}
		if el, ok := parseA2AName(c.Name); ok && slices.Contains(t.ac.gatewayList(a2aClientsProperty), el) {
			acts = append(acts, cluster.AdHocActivityActivation{ElementID: el, Variables: map[string]any{
				"toolCall":       map[string]any{"_meta": map[string]any{"id": c.ID, "name": el}, "operation": "sendMessage", "params": c.Arguments},
				"toolCallResult": "",
			}})
			continue
		}
		if el, tool, ok := parseMCPName(c.Name); ok {
			acts = append(acts, cluster.AdHocActivityActivation{ElementID: el, Variables: map[string]any{
				"toolCall": map[string]any{"_meta": map[string]any{"id": c.ID, "name": el}, "method": "tools/call",
					"params": map[string]any{"name": tool, "arguments": c.Arguments}},
				"toolCallResult": "",
			}})
			continue
		}
		tc := map[string]any{}
		for k, v := range c.Arguments {
			tc[k] = v
		}
		tc["_meta"] = map[string]any{"id": c.ID, "name": c.Name}
		acts = append(acts, cluster.AdHocActivityActivation{ElementID: c.Name, Variables: map[string]any{"toolCall": tc, "toolCallResult": ""}})
	}
	return acts, invented
}

// request builds the model call: the system prompt, the context window
// and the tools.
func (t *turn) request(m *chatModel) *llm.Request {
	msgs := t.ac.Conversation.Messages
	window := windowed(msgs, t.req.Data.Memory.ContextWindowSize)
	r := &llm.Request{Model: m.model, Params: m.params}
	for _, msg := range window {
		r.Messages = append(r.Messages, toLLM(msg))
	}
	for _, d := range t.ac.ToolDefinitions {
		r.Tools = append(r.Tools, llm.Tool{Name: d.Name, Description: d.Description, InputSchema: d.InputSchema})
	}
	if f := t.req.Data.Response.Format; f.Type == "json" {
		if len(f.Schema) > 0 && string(f.Schema) != "null" {
			r.ResponseFormat = llm.ResponseFormat{Type: llm.FormatJSONSchema, Name: f.SchemaName, Schema: f.Schema}
		} else {
			r.ResponseFormat = llm.ResponseFormat{Type: llm.FormatJSONObject}
		}
	}
	return r
}

// windowed keeps the system message and the last size messages, never
// starting with tool results whose call was cut off.
func windowed(msgs []Message, size int) []Message {
	if len(msgs) == 0 {
		return nil
	}
	sys, rest := msgs[0], msgs[1:]
	if len(rest) > size {
		rest = rest[len(rest)-size:]
	}
	for len(rest) > 0 && rest[0].Role == RoleToolCallResult {
		rest = rest[1:]
	}
	return append([]Message{sys}, rest...)
}

func toLLM(m Message) llm.Message {
	switch m.Role {
	case RoleSystem:
		return llm.Message{Role: llm.RoleSystem, Content: []llm.Content{llm.Text(m.text())}}
	case RoleUser:
		return llm.Message{Role: llm.RoleUser, Content: []llm.Content{llm.Text(m.text())}}
	case RoleAssistant:
		out := llm.Message{Role: llm.RoleAssistant}
		for _, b := range m.Content {
			if c, ok := b.thinking(); ok {
				out.Content = append(out.Content, c)
			}
		}
		if text := m.text(); text != "" {
			out.Content = append(out.Content, llm.Text(text))
		}
		for _, c := range m.ToolCalls {
			args, _ := json.Marshal(c.Arguments)
			out.ToolCalls = append(out.ToolCalls, llm.ToolCall{ID: c.ID, Name: c.Name, Arguments: args})
		}
		return out
	}
	out := llm.Message{Role: llm.RoleTool}
	for _, r := range m.Results {
		out.ToolResults = append(out.ToolResults, llm.ToolResult{ID: r.ID, Name: r.Name, Content: []llm.Content{llm.Text(stringify(r.Content))}})
	}
	return out
}

// thinkingBlocks keeps a model's thinking blocks for the conversation
// memory, in their order: a thinking model's next turn must send them back.
// They are stored as Camunda's agent stores them: a "reasoning" block with
// the vendor's block (its thinking text taken out) as payload and the text
// beside it.
func thinkingBlocks(content []llm.Content) []ContentBlock {
	var out []ContentBlock
	for _, c := range content {
		var payload any
		switch c.Type {
		case llm.ContentThinking:
			payload = map[string]string{"type": string(c.Type), "signature": c.Signature}
		case llm.ContentRedactedThinking:
			payload = map[string]string{"type": string(c.Type), "data": string(c.Data)}
		default:
			continue
		}
		raw, _ := json.Marshal(payload)
		out = append(out, ContentBlock{Type: "reasoning", Provider: llm.ProviderAnthropic, Payload: raw, Text: c.Text})
	}
	return out
}

// thinking reads a thinking block back for the model: Camunda's
// "reasoning" blocks of Anthropic (the text merged back into its block),
// and the "thinking" and "redacted_thinking" blocks earlier Orca versions
// stored. Reasoning of another vendor is not sent (as in Camunda).
func (b ContentBlock) thinking() (llm.Content, bool) {
	switch b.Type {
	case string(llm.ContentThinking):
		return llm.Content{Type: llm.ContentThinking, Text: b.Text, Signature: b.Signature}, true
	case string(llm.ContentRedactedThinking):
		return llm.Content{Type: llm.ContentRedactedThinking, Data: []byte(b.Data)}, true
	case "reasoning":
		if b.Provider != llm.ProviderAnthropic {
			return llm.Content{}, false
		}
		var p struct {
			Type      string `json:"type"`
			Thinking  string `json:"thinking"`
			Signature string `json:"signature"`
			Data      string `json:"data"`
		}
		if json.Unmarshal(b.Payload, &p) != nil {
			return llm.Content{}, false
		}
		switch p.Type {
		case string(llm.ContentThinking):
			text := b.Text
			if text == "" {
				text = p.Thinking // stored with the text inside its block
			}
			return llm.Content{Type: llm.ContentThinking, Text: text, Signature: p.Signature}, true
		case string(llm.ContentRedactedThinking):
			return llm.Content{Type: llm.ContentRedactedThinking, Data: []byte(p.Data)}, true
		}
	}
	return llm.Content{}, false
}

// finalAnswer completes the ad-hoc sub-process with the agent's response.
func (t *turn) finalAnswer(msg Message) (*worker.Completion, error) {
	resp := t.req.Data.Response
	agent := map[string]any{}
	text := msg.text()
	switch resp.Format.Type {
	case "json":
		v, err := parseJSONText(text)
		if err != nil {
			return nil, newError(ErrFailedToParseResponse, "Failed to parse response content as JSON: %v", err)
		}
		agent["responseJson"] = v
	default:
		agent["responseText"] = text
		if resp.Format.ParseJSON {
			if v, err := parseJSONText(text); err == nil {
				agent["responseJson"] = v
			}
		}
	}
	if resp.IncludeAssistantMessage {
		agent["responseMessage"] = msg
	}
	if t.limitStop != "" {
		agent["limitReached"] = t.limitStop
	}
	t.status = statusIdle
	if resp.IncludeAgentContext || t.task {
		agent["context"] = t.ac
	}
	if t.task {
		agent["toolCalls"] = []any{}
		return &worker.Completion{Variables: map[string]any{t.resultVariable: agent}}, nil
	}
	return &worker.Completion{
		Variables: map[string]any{"agentContext": t.ac, "agent": agent},
		Result:    &cluster.JobResult{Type: "adHocSubProcess", IsCompletionConditionFulfilled: true, IsCancelRemainingInstances: t.interrupted},
	}, nil
}

// parseJSONText reads JSON, also inside a ```json fence.
func parseJSONText(text string) (any, error) {
	s := strings.TrimSpace(text)
	if strings.HasPrefix(s, "```") {
		s = strings.TrimPrefix(s, "```json")
		s = strings.TrimPrefix(s, "```")
		s = strings.TrimSuffix(strings.TrimSpace(s), "```")
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// toolTurn completes the job activating tools.
func (t *turn) toolTurn(acts []cluster.AdHocActivityActivation) *worker.Completion {
	t.status = statusToolCalling
	if t.ac.State == StateToolDiscovery {
		t.status = statusToolDiscovery
	}
	if t.task {
		// The process runs the calls (a multi-instance ad-hoc sub-process over
		// agent.toolCalls) and calls the agent again with their results.
		calls := make([]any, 0, len(acts))
		for _, a := range acts {
			calls = append(calls, a.Variables["toolCall"])
		}
		return &worker.Completion{Variables: map[string]any{t.resultVariable: map[string]any{"context": t.ac, "toolCalls": calls}}}
	}
	return &worker.Completion{
		Variables: map[string]any{"agentContext": t.ac, "toolCallResults": []any{}},
		Result:    &cluster.JobResult{Type: "adHocSubProcess", ActivateElements: acts, IsCancelRemainingInstances: t.interrupted},
	}
}

// noOp completes the job without changing anything: the next job (after
// the next tool result) carries on. The task flavour gets every result at
// once, so a missing one is an error there.
func (t *turn) noOp() (*worker.Completion, error) {
	if t.task {
		return nil, newError(ErrInvalidRequest, "results are missing for some of the tool calls (data.tools.toolCallResults)")
	}
	return &worker.Completion{Result: &cluster.JobResult{Type: "adHocSubProcess"}}, nil
}

// modelError classifies a failed model call: retryable ones fail the job
// with the provider's Retry-After as back-off.
func modelError(err error) error {
	if ok, after := llm.Retryable(err); ok {
		je := &worker.JobError{Message: ErrFailedModelCall + ": " + err.Error()}
		if after > 0 {
			je.RetryBackoff = &after
		}
		return je
	}
	var le *llm.Error
	if errors.As(err, &le) {
		return newError(ErrFailedModelCall, "%s", le.Error())
	}
	return newError(ErrFailedModelCall, "%v", err)
}
