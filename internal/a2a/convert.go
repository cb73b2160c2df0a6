package a2a

import (
	"crypto/rand"
	"fmt"
)

// Camunda's connector does not hand the A2A objects on as the server sent
// them: it converts them to its own records (A2aTask, A2aMessage,
// A2aAgentCard) whose parts are "contents" ({type: text, text} or {type:
// object, content}), and wraps what the outbound connector answers as
// A2aClientResponse {result, pollingData, pushNotificationData}. Models
// written for Camunda read those shapes (clientResponse.result.status.state,
// the polling event's correlation key pollingData.id), so Orca answers
// them too.

// ConvertTask converts an A2A Task to Camunda's A2aTask: kind, id,
// contextId, status {state, message, timestamp}, metadata, artifacts
// {artifactId, name, description, contents, metadata} and history (the
// last three only when not empty).
func ConvertTask(t map[string]any) (map[string]any, error) {
	if err := checkTask(t); err != nil {
		return nil, err
	}
	out := map[string]any{"kind": "task", "id": t["id"]}
	putString(out, "contextId", t["contextId"])
	st, _ := t["status"].(map[string]any)
	status := map[string]any{"state": st["state"]}
	if m, ok := st["message"].(map[string]any); ok {
		cm, err := ConvertMessage(m)
		if err != nil {
			return nil, fmt.Errorf("the task's status message: %w", err)
		}
		status["message"] = cm
	}
	putString(status, "timestamp", st["timestamp"])
	out["status"] = status
	putNonEmpty(out, "metadata", t["metadata"])
	if arts, _ := t["artifacts"].([]any); len(arts) > 0 {
		list := make([]any, 0, len(arts))
		for _, a := range arts {
			am, _ := a.(map[string]any)
			contents, err := convertParts(am["parts"])
			if err != nil {
				return nil, fmt.Errorf("the task's artifact '%v': %w", am["artifactId"], err)
			}
			ca := map[string]any{"artifactId": am["artifactId"], "contents": contents}
			putString(ca, "name", am["name"])
			putString(ca, "description", am["description"])
			putNonEmpty(ca, "metadata", am["metadata"])
			list = append(list, ca)
		}
		out["artifacts"] = list
	}
	if hist, _ := t["history"].([]any); len(hist) > 0 {
		list := make([]any, 0, len(hist))
		for _, h := range hist {
			hm, _ := h.(map[string]any)
			cm, err := ConvertMessage(hm)
			if err != nil {
				return nil, fmt.Errorf("the task's history: %w", err)
			}
			list = append(list, cm)
		}
		out["history"] = list
	}
	return out, nil
}

// ConvertMessage converts an A2A Message to Camunda's A2aMessage: kind,
// role (user or agent), messageId, contextId, taskId, referenceTaskIds,
// metadata and contents.
func ConvertMessage(m map[string]any) (map[string]any, error) {
	contents, err := convertParts(m["parts"])
	if err != nil {
		return nil, err
	}
	role := "user"
	if m["role"] == "agent" {
		role = "agent"
	}
	out := map[string]any{"kind": "message", "role": role, "messageId": m["messageId"], "contents": contents}
	putString(out, "contextId", m["contextId"])
	putString(out, "taskId", m["taskId"])
	putNonEmpty(out, "referenceTaskIds", m["referenceTaskIds"])
	putNonEmpty(out, "metadata", m["metadata"])
	return out, nil
}

// convertParts converts text parts to {type: text, text} and data parts to
// {type: object, content}; Camunda's connector takes no other part.
func convertParts(v any) ([]any, error) {
	parts, _ := v.([]any)
	out := make([]any, 0, len(parts))
	for _, p := range parts {
		pm, _ := p.(map[string]any)
		var c map[string]any
		switch pm["kind"] {
		case "text":
			t, _ := pm["text"].(string)
			c = map[string]any{"type": "text", "text": t}
		case "data":
			if pm["data"] == nil {
				return nil, fmt.Errorf("a data part without data")
			}
			c = map[string]any{"type": "object", "content": pm["data"]}
		default:
			return nil, fmt.Errorf("the remote agent answered a '%v' part; only text and data parts are supported", pm["kind"])
		}
		putNonEmpty(c, "metadata", pm["metadata"])
		out = append(out, c)
	}
	return out, nil
}

// convertCard is Camunda's A2aAgentCard: kind, name, description and the
// skills' id, name, description, tags, examples, inputModes, outputModes.
func convertCard(card *Card) map[string]any {
	skills := []any{}
	raw, _ := card.Raw["skills"].([]any)
	for _, s := range raw {
		sm, _ := s.(map[string]any)
		cs := map[string]any{}
		for _, k := range []string{"id", "name", "description", "tags", "examples", "inputModes", "outputModes"} {
			if v, ok := sm[k]; ok {
				cs[k] = v
			}
		}
		skills = append(skills, cs)
	}
	return map[string]any{"kind": "agentCard", "name": card.Name, "description": card.Description, "skills": skills}
}

// Convert converts a message/send answer (a Message or a Task).
func Convert(res map[string]any) (map[string]any, error) {
	if res["kind"] == "message" {
		return ConvertMessage(res)
	}
	return ConvertTask(res)
}

func putString(m map[string]any, k string, v any) {
	if s, ok := v.(string); ok && s != "" {
		m[k] = s
	}
}

func putNonEmpty(m map[string]any, k string, v any) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) > 0 {
			m[k] = t
		}
	case []any:
		if len(t) > 0 {
			m[k] = t
		}
	case []string:
		if len(t) > 0 {
			m[k] = t
		}
	}
}

// newUUID is a random (version 4) UUID, as Camunda's pollingData.id of an
// agent card.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}
