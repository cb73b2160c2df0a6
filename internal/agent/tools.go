package agent

import (
	"encoding/json"
	"regexp"
	"strings"

	"github.com/orcabpm/orca/internal/bpmn"
)

// GatewayTypeProperty marks an ad-hoc activity as a gateway tool definition
// (zeebe:property), and GatewayMCPClient is the MCP client gateway's type.
const (
	GatewayTypeProperty = "io.camunda.agenticai.gateway.type"
	GatewayMCPClient    = "mcpClient"
	// GatewayA2AClient is the A2A client gateway's type: its element is one
	// tool, A2A_<elementId>, described by the remote agent's card.
	GatewayA2AClient   = "a2aClient"
	a2aClientsProperty = "a2aClients"
	mcpClientsProperty = "mcpClients"
)

// element is one entry of the adHocSubProcessElements variable.
type element struct {
	ElementID     string                 `json:"elementId"`
	ElementName   string                 `json:"elementName"`
	Documentation string                 `json:"documentation"`
	Properties    map[string]string      `json:"properties"`
	Parameters    []bpmn.FromAiParameter `json:"parameters"`
}

// resolveTools turns the ad-hoc sub-process's activities into tool
// definitions, and lists the gateway elements whose tools are still to be
// discovered: MCP clients (tools/list) and A2A clients (their agent card).
func resolveTools(raw any) ([]ToolDefinition, []string, []string, error) {
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, nil, nil, newError(ErrToolDefinitionInvalid, "%s", shapeError("adHocSubProcessElements", err))
	}
	var elements []element
	if raw != nil {
		if err := json.Unmarshal(b, &elements); err != nil {
			return nil, nil, nil, newError(ErrToolDefinitionInvalid, "%s", shapeError("adHocSubProcessElements", err))
		}
	}
	var tools []ToolDefinition
	var gateways, a2aGateways []string
	for _, e := range elements {
		if e.Properties[GatewayTypeProperty] == GatewayA2AClient {
			a2aGateways = append(a2aGateways, e.ElementID)
			continue
		}
		if e.Properties[GatewayTypeProperty] == GatewayMCPClient {
			if strings.Contains(e.ElementID, "___") {
				return nil, nil, nil, newError(ErrGatewayInvalidToolDefinitions, "the MCP client element id '%s' must not contain '___'", e.ElementID)
			}
			gateways = append(gateways, e.ElementID)
			continue
		}
		schema, err := bpmn.ToolInputSchema(e.Parameters)
		if err != nil {
			return nil, nil, nil, newError(ErrToolDefinitionInvalid, "tool '%s': %v", e.ElementID, err)
		}
		sb, _ := json.Marshal(schema)
		desc := e.Documentation
		if desc == "" {
			desc = e.ElementName
		}
		if desc == "" {
			desc = e.ElementID
		}
		tools = append(tools, ToolDefinition{Name: e.ElementID, Description: desc, InputSchema: sb})
	}
	return tools, gateways, a2aGateways, nil
}

// MCP tool names: MCP_<elementId>___<toolName>.
var mcpToolName = regexp.MustCompile(`^MCP_(\S+?)___(\S+)$`)

func mcpName(elementID, tool string) string { return "MCP_" + elementID + "___" + tool }

// parseMCPName splits an MCP tool name; ok is false for other names.
func parseMCPName(name string) (elementID, tool string, ok bool) {
	m := mcpToolName.FindStringSubmatch(name)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

func discoveryID(elementID string) string { return "MCP_toolsList_" + elementID }

// mcpClients lists the gateway elements recorded in the context.
func (c *Context) mcpClients() []string {
	raw, _ := c.Properties[mcpClientsProperty].([]any)
	var out []string
	for _, x := range raw {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	if out == nil {
		if ss, ok := c.Properties[mcpClientsProperty].([]string); ok {
			out = ss
		}
	}
	return out
}

// toolResult is one entry of toolCallResults.
type toolResult struct {
	ID      *string `json:"id"`
	Name    string  `json:"name"`
	Content any     `json:"content"`
}

// mcpToolDefinitions reads a discovery answer: {toolDefinitions: [...]}.
func mcpToolDefinitions(elementID string, content any) ([]ToolDefinition, error) {
	b, err := json.Marshal(content)
	if err != nil {
		return nil, err
	}
	var res struct {
		ToolDefinitions []struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			InputSchema json.RawMessage `json:"inputSchema"`
		} `json:"toolDefinitions"`
	}
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, newError(ErrGatewayInvalidToolDefinitions, "the tool list of MCP client '%s' cannot be read: %v", elementID, err)
	}
	var out []ToolDefinition
	for _, t := range res.ToolDefinitions {
		schema := t.InputSchema
		if len(schema) == 0 || string(schema) == "null" {
			schema = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		out = append(out, ToolDefinition{Name: mcpName(elementID, t.Name), Description: t.Description, InputSchema: schema})
	}
	return out, nil
}

// mcpResultForLLM turns an MCP client's tools/call answer into what the
// LLM sees: the text when it is a single text block, else the content list.
// isError reaches the LLM too (Camunda drops it).
func mcpResultForLLM(content any) (tool string, out any, isError bool) {
	m, ok := content.(map[string]any)
	if !ok {
		return "", content, false
	}
	tool, _ = m["name"].(string)
	isError, _ = m["isError"].(bool)
	blocks, _ := m["content"].([]any)
	if len(blocks) == 1 {
		if b, ok := blocks[0].(map[string]any); ok && b["type"] == "text" {
			return tool, b["text"], isError
		}
	}
	if blocks != nil {
		return tool, blocks, isError
	}
	return tool, m["content"], isError
}

// A2A gateway tools: the discovery call's id, the LLM tool's name.
const a2aDiscoveryPrefix = "A2A_fetchAgentCard_"

func a2aDiscoveryID(elementID string) string { return a2aDiscoveryPrefix + elementID }

func a2aName(elementID string) string { return "A2A_" + elementID }

func parseA2AName(name string) (string, bool) {
	if el, ok := strings.CutPrefix(name, "A2A_"); ok && el != "" {
		return el, true
	}
	return "", false
}

// gatewayList reads a list of gateway element ids from the context's
// properties.
func (c *Context) gatewayList(property string) []string {
	switch raw := c.Properties[property].(type) {
	case []string:
		return raw
	case []any:
		var out []string
		for _, x := range raw {
			if s, ok := x.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// a2aInputSchema is what the LLM sends a remote agent.
var a2aInputSchema = json.RawMessage(`{"type":"object","properties":{` +
	`"text":{"type":"string","description":"The message to send to the remote agent."},` +
	`"contextId":{"type":"string","description":"The context id of an earlier answer, to continue that conversation."},` +
	`"taskId":{"type":"string","description":"The id of a task of the remote agent this message answers (when it asked for input)."}},` +
	`"required":["text"]}`)

// a2aToolDefinition describes an A2A gateway element as one tool, from the
// remote agent's card (its name, description and skills).
func a2aToolDefinition(elementID string, card any) (ToolDefinition, error) {
	b, err := json.Marshal(a2aResult(card))
	if err != nil {
		return ToolDefinition{}, err
	}
	var c struct {
		Name        string `json:"name"`
		Description string `json:"description"`
		Skills      []struct {
			Name        string   `json:"name"`
			Description string   `json:"description"`
			Examples    []string `json:"examples"`
		} `json:"skills"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.Name == "" {
		return ToolDefinition{}, newError(ErrGatewayInvalidToolDefinitions, "the agent card fetched by '%s' is not an A2A agent card", elementID)
	}
	desc := "Send a message to the remote agent '" + c.Name + "'"
	if c.Description != "" {
		desc += ": " + c.Description
	}
	for i, s := range c.Skills {
		if i == 0 {
			desc += "\nSkills:"
		}
		desc += "\n- " + s.Name
		if s.Description != "" {
			desc += ": " + s.Description
		}
		if len(s.Examples) > 0 {
			desc += " (for example: " + strings.Join(s.Examples, "; ") + ")"
		}
	}
	return ToolDefinition{Name: a2aName(elementID), Description: desc, InputSchema: a2aInputSchema}, nil
}
