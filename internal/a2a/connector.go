package a2a

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/orcabpm/orca/internal/iso8601"
	"github.com/orcabpm/orca/internal/worker"
)

// JobType is the A2A Client connector's job type (Camunda's template
// agenticai-a2a-client-outbound-connector).
const JobType = "io.camunda.agenticai:a2aclient:0"

// Operations of the connector.
const (
	OpFetchAgentCard = "fetchAgentCard"
	OpSendMessage    = "sendMessage"
)

// Connector runs the connector's two operations from its data input:
// data.connection (url, agentCardLocation) and data.connectorMode, either
// standalone (operation.type, operation.params, operation.settings) or as
// an AI agent tool (toolOperation.operation, toolOperation.params,
// toolOperation.sendMessageSettings). A fetched card is answered as the
// server gave it; a sent message with the remote agent's Message or Task.
func (c *Client) Connector() worker.ConnectorFunc {
	return func(ctx context.Context, job *worker.Job, input map[string]any) (any, error) {
		data, _ := input["data"].(map[string]any)
		conn, _ := data["connection"].(map[string]any)
		base, _ := conn["url"].(string)
		location, _ := conn["agentCardLocation"].(string)
		mode, _ := data["connectorMode"].(map[string]any)
		var op string
		var params, settings map[string]any
		switch mode["type"] {
		case "aiAgentTool":
			to, _ := mode["toolOperation"].(map[string]any)
			op, _ = to["operation"].(string)
			params = asMap(to["params"])
			settings, _ = to["sendMessageSettings"].(map[string]any)
		case "standalone", nil:
			o, _ := mode["operation"].(map[string]any)
			op, _ = o["type"].(string)
			params, _ = o["params"].(map[string]any)
			settings, _ = o["settings"].(map[string]any)
		default:
			return nil, fmt.Errorf("data.connectorMode.type must be standalone or aiAgentTool, not %v", mode["type"])
		}
		if base == "" {
			return nil, fmt.Errorf("data.connection.url names no A2A server")
		}
		card, err := c.FetchCard(ctx, base, location)
		if err != nil {
			return nil, err
		}
		switch op {
		case OpFetchAgentCard:
			return card.Raw, nil
		case OpSendMessage:
			m, s, err := sendInput(params, settings)
			if err != nil {
				return nil, err
			}
			return c.SendMessage(ctx, card, m, s)
		}
		return nil, fmt.Errorf("unknown A2A operation '%s' (fetchAgentCard or sendMessage)", op)
	}
}

// asMap reads tool parameters: a context, or JSON text of one.
func asMap(v any) map[string]any {
	switch t := v.(type) {
	case map[string]any:
		return t
	case string:
		var m map[string]any
		if json.Unmarshal([]byte(t), &m) == nil {
			return m
		}
	}
	return map[string]any{}
}

func sendInput(params, settings map[string]any) (Message, SendSettings, error) {
	var m Message
	var s SendSettings
	m.Text, _ = params["text"].(string)
	if m.Text == "" {
		return m, s, fmt.Errorf("sendMessage needs a text (params.text)")
	}
	m.ContextID, _ = params["contextId"].(string)
	m.TaskID, _ = params["taskId"].(string)
	if refs, ok := params["referenceTaskIds"].([]any); ok {
		for _, r := range refs {
			if id, ok := r.(string); ok {
				m.ReferenceTaskIDs = append(m.ReferenceTaskIDs, id)
			}
		}
	}
	rm, _ := settings["responseRetrievalMode"].(map[string]any)
	switch rm["type"] {
	case "blocking":
		s.Blocking = true
	case "polling", nil, "":
	case "notification":
		return m, s, fmt.Errorf("the notification response retrieval (a push notification to a webhook) is not supported by Orca; use polling or blocking")
	default:
		return m, s, fmt.Errorf("unknown response retrieval '%v' (blocking, polling)", rm["type"])
	}
	switch h := settings["historyLength"].(type) {
	case json.Number:
		n, _ := h.Int64()
		s.HistoryLength = int(n)
	case float64:
		s.HistoryLength = int(h)
	case string:
		s.HistoryLength, _ = strconv.Atoi(h)
	}
	if t, _ := settings["timeout"].(string); t != "" {
		d, err := iso8601.ParseDuration(t)
		if err != nil {
			return m, s, fmt.Errorf("the response timeout must be an ISO 8601 duration such as PT1M, not '%s'", t)
		}
		now := time.Now()
		s.Timeout = d.AddTo(now).Sub(now)
	}
	return m, s, nil
}
