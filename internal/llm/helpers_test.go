package llm_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/llm"
)

const testKey = "sk-test-9f8e7d6c5b4a3210SECRET"

// assertJSON fails unless got and want are the same JSON value.
func assertJSON(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want is not JSON: %v\n%s", err, want)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs\n got: %s\nwant: %s", indent(got), indent([]byte(want)))
	}
}

func indent(b []byte) string {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "      ", "  "); err != nil {
		return string(b)
	}
	return buf.String()
}

// assertNoSecret fails if secret appears anywhere in err: its message, its
// formatted forms, and every error of its chain.
func assertNoSecret(t *testing.T, err error, secret string) {
	t.Helper()
	for e := err; e != nil; e = errors.Unwrap(e) {
		for _, s := range []string{e.Error(), fmt.Sprintf("%v", e), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e)} {
			if strings.Contains(s, secret) {
				t.Errorf("error text contains the secret: %s", s)
			}
		}
	}
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func ptr[T any](v T) *T { return &v }

// conversation is the agent's typical second turn: system prompt, user
// prompt with a document, the assistant's tool calls and their results.
func conversation() []llm.Message {
	return []llm.Message{
		{Role: llm.RoleSystem, Content: []llm.Content{llm.Text("You are a helpful agent.")}},
		{Role: llm.RoleUser, Content: []llm.Content{
			llm.Text("What is in the report, and what is 3+4?"),
			{Type: llm.ContentDocument, MediaType: "application/pdf", Data: []byte("%PDF-1.4"), Filename: "report.pdf"},
			{Type: llm.ContentImage, MediaType: "image/png", Data: []byte{0x89, 'P', 'N', 'G'}},
		}},
		{Role: llm.RoleAssistant, Content: []llm.Content{llm.Text("Let me compute.")}, ToolCalls: []llm.ToolCall{
			{ID: "call_1", Name: "SuperfluxProduct", Arguments: json.RawMessage(`{"a":3,"b":4}`)},
			{ID: "call_2", Name: longToolName, Arguments: json.RawMessage(`{"path":"/tmp/a"}`)},
		}},
		{Role: llm.RoleTool, ToolResults: []llm.ToolResult{
			{ID: "call_1", Name: "SuperfluxProduct", Content: []llm.Content{llm.Text("7")}},
			{ID: "call_2", Name: longToolName, Content: []llm.Content{llm.Text("file not found")}, IsError: true},
		}},
	}
}

// longToolName is an MCP gateway tool name over 64 characters.
const longToolName = "MCP_A_Very_Long_Filesystem_Gateway_Element_Id___read_multiple_files_at_once"

func tools() []llm.Tool {
	return []llm.Tool{
		{Name: "SuperfluxProduct", Description: "Multiplies in superflux.", InputSchema: json.RawMessage(
			`{"type":"object","properties":{"a":{"type":"number","description":"first"},"b":{"type":"number"}},"required":["a","b"]}`)},
		{Name: longToolName, Description: "Reads files.", InputSchema: json.RawMessage(
			`{"type":"object","properties":{"path":{"type":"string"}},"required":["path"],"additionalProperties":false}`)},
	}
}
