package a2a

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
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
// toolOperation.sendMessageSettings). It answers as Camunda's connector
// does (A2aClientResponse): {result, pollingData: {id}} (the card, or the
// remote agent's first answer in polling mode; id the task's or message's
// id, a random one for a card), or {result, pushNotificationData: {token}}
// in notification mode, or {result} in blocking mode.
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
			return map[string]any{"result": convertCard(card), "pollingData": map[string]any{"id": newUUID()}}, nil
		case OpSendMessage:
			m, s, err := sendInput(params, settings)
			if err != nil {
				return nil, err
			}
			raw, err := c.SendMessage(ctx, card, m, s)
			if err != nil {
				return nil, err
			}
			res, err := Convert(raw)
			if err != nil {
				return nil, err
			}
			out := map[string]any{"result": res}
			switch s.Mode {
			case Polling:
				id := res["id"]
				if res["kind"] == "message" {
					id = res["messageId"]
				}
				out["pollingData"] = map[string]any{"id": id}
			case Notification:
				if s.Push.Token != "" {
					out["pushNotificationData"] = map[string]any{"token": s.Push.Token}
				}
			}
			return out, nil
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
	case Blocking:
		s.Mode = Blocking
	case Polling, nil, "":
		s.Mode = Polling
	case Notification:
		s.Mode = Notification
		s.Push.URL, _ = rm["webhookUrl"].(string)
		if strings.TrimSpace(s.Push.URL) == "" {
			return m, s, fmt.Errorf("the notification response retrieval needs the webhook URL the remote agent pushes to (responseRetrievalMode.webhookUrl)")
		}
		s.Push.Token, _ = rm["token"].(string)
		s.Push.Credentials, _ = rm["credentials"].(string)
		switch v := rm["authenticationSchemes"].(type) {
		case []any:
			for _, x := range v {
				if str, ok := x.(string); ok && str != "" {
					s.Push.Schemes = append(s.Push.Schemes, str)
				}
			}
		case string:
			for _, x := range strings.Split(v, ",") {
				if x = strings.TrimSpace(x); x != "" {
					s.Push.Schemes = append(s.Push.Schemes, x)
				}
			}
		case nil:
		default:
			return m, s, fmt.Errorf("the authentication schemes (responseRetrievalMode.authenticationSchemes) must be a list of strings such as [\"Bearer\"]")
		}
	default:
		return m, s, fmt.Errorf("unknown response retrieval '%v' (blocking, polling, notification)", rm["type"])
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
