package mcpgw

import (
	"context"
	"fmt"
	"regexp"
	"strconv"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
)

// Stable names for process tools (beyond Camunda, camunda#52084).
// Camunda names a process tool {name}_{messageSubscriptionKey}, and the key
// changes with every deployment of the process, so a client that kept the
// name (an agent's configuration, an allow list) breaks on redeployment.
// Orca answers to two more names:
//
//   - {name}, listed next to Camunda's name: always the latest version of
//     the process whose start event carries the tool name (its description
//     says so). It is offered only while one open start event has the name;
//     when two processes share a tool name, only Camunda's names are listed.
//   - {name}_v{version}, not listed, callable: pinned to that version of the
//     process. It starts that version while it is the latest; once a newer
//     version replaced it, a call fails (JSON-RPC -32602, as Camunda's stale
//     tools) naming the version that replaced it, instead of silently
//     starting a process whose inputs may have changed.

// aliasNote ends the description of a stable name.
const aliasNote = "This name stays the same when the process is redeployed: it always starts the latest version."

// pinnedPattern matches {name}_v{version}.
var pinnedPattern = regexp.MustCompile(`^(.+)_v([1-9][0-9]{0,8})$`)

// pinnedName splits {name}_v{version}.
func pinnedName(tool string) (name string, version int32, ok bool) {
	m := pinnedPattern.FindStringSubmatch(tool)
	if m == nil {
		return "", 0, false
	}
	v, err := strconv.ParseInt(m[2], 10, 32)
	if err != nil {
		return "", 0, false
	}
	return m[1], int32(v), true
}

// addAliases adds the stable names of the tools in want: one per tool name
// that one open subscription carries and that names nothing else.
func (p *processes) addAliases(ctx context.Context, subs []cluster.MessageSubscription, want map[string]*processTool) {
	count := map[string]int{}
	for _, s := range subs {
		if s.ToolName != nil && *s.ToolName != "" {
			count[*s.ToolName]++
		}
	}
	for _, s := range subs {
		if s.ToolName == nil || count[*s.ToolName] != 1 {
			continue
		}
		name := *s.ToolName
		if p.static[name] || want[name] != nil {
			continue
		}
		t := newProcessTool(s, p.inputOf(ctx, s))
		t.alias = true
		t.tool.Name = name
		t.tool.Description = joinDescription(t.tool.Description, aliasNote)
		want[name] = t
	}
}

func joinDescription(desc, note string) string {
	if desc == "" {
		return note
	}
	return desc + "\n\n" + note
}

// byToolName finds the start event subscriptions with a tool name (of one
// version, when version > 0; only open ones when open), newest first.
func (p *processes) byToolName(ctx context.Context, name string, version int32, open bool) ([]cluster.MessageSubscription, error) {
	start := cluster.SubscriptionStartEvent
	f := &cluster.MessageSubscriptionFilter{
		MessageSubscriptionType: &cluster.EnumFilter{Filter: cluster.Filter[string]{Eq: &start}},
		ToolName:                &cluster.StringFilter{Filter: cluster.Filter[string]{Eq: &name}},
	}
	if open {
		deleted := "DELETED"
		f.MessageSubscriptionState = &cluster.EnumFilter{Filter: cluster.Filter[string]{Neq: &deleted}}
	}
	if version > 0 {
		v := int64(version)
		f.ProcessDefinitionVersion = &cluster.IntFilter{Filter: cluster.Filter[int64]{Eq: &v}}
	}
	res, err := p.g.api.SearchMessageSubscriptions(ctx, &cluster.MessageSubscriptionSearchQuery{Filter: f,
		Sort: []cluster.SortRequest{{Field: "messageSubscriptionKey", Order: "DESC"}}})
	if err != nil {
		return nil, err
	}
	return res.Items, nil
}

// aliasHandler starts the latest version of the process with the tool name.
func (p *processes) aliasHandler(name string) mcp.ToolHandler {
	return func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		subs, err := p.byToolName(ctx, name, 0, true)
		if err != nil {
			return errorResult(err), nil
		}
		if len(subs) != 1 {
			if err := p.sync(ctx); err != nil {
				p.g.log.Warn("process tools not updated", "err", err)
			}
			return nil, unknownToolError("Tool " + name + " has been removed. Please refresh the tool list.")
		}
		return p.start(ctx, subs[0], req.Params.Arguments), nil
	}
}

// callPinned serves {name}_v{version}: the version while it is open.
func (p *processes) callPinned(ctx context.Context, req *mcp.CallToolRequest, name string, version int32) (mcp.Result, error) {
	subs, err := p.byToolName(ctx, name, version, false)
	if err != nil {
		return errorResult(err), nil
	}
	if len(subs) == 0 {
		return nil, unknownToolError("Tool not found: " + req.Params.Name)
	}
	for _, s := range subs {
		if s.MessageSubscriptionState != "DELETED" {
			return p.start(ctx, s, req.Params.Arguments), nil
		}
	}
	reason := fmt.Sprintf("Tool %s is pinned to version %d of process %s, which is no longer deployed as the latest version.",
		req.Params.Name, version, subs[0].ProcessDefinitionID)
	if latest, err := p.byToolName(ctx, name, 0, true); err == nil && len(latest) == 1 && latest[0].ProcessDefinitionVersion != nil {
		reason = fmt.Sprintf("Tool %s is pinned to version %d of process %s, which version %d replaced: review %s_v%d (or %s) in the tool list before calling it.",
			req.Params.Name, version, subs[0].ProcessDefinitionID, *latest[0].ProcessDefinitionVersion, name, *latest[0].ProcessDefinitionVersion, name)
	}
	return nil, unknownToolError(reason)
}

// ambiguous explains a call of a tool name several open processes carry.
func (p *processes) ambiguous(ctx context.Context, name string) error {
	subs, err := p.byToolName(ctx, name, 0, true)
	if err != nil || len(subs) < 2 {
		return nil
	}
	return unknownToolError(fmt.Sprintf("Tool %s names %d processes: call one by its full name. Please refresh the tool list.", name, len(subs)))
}
