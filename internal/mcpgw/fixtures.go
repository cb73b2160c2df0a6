package mcpgw

//lint:file-ignore SA1019 the conformance fixtures exercise logging and sampling, which MCP 2026-07-28 deprecates but still tests

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The fixed tools, resources and prompts the MCP conformance suite
// (@modelcontextprotocol/conformance) calls, registered with
// --mcp-conformance-fixtures next to the real ones, on the real transports,
// so that the suite tests Orca's transport stack.

func fixtureOptions(o *mcp.ServerOptions) {
	o.Capabilities.Logging = &mcp.LoggingCapabilities{}
	o.Capabilities.Completions = &mcp.CompletionCapabilities{}
	o.Capabilities.Resources.Subscribe = true
	o.CompletionHandler = func(context.Context, *mcp.CompleteRequest) (*mcp.CompleteResult, error) {
		return &mcp.CompleteResult{Completion: mcp.CompletionResultDetails{Values: []string{}}}, nil
	}
	o.SubscribeHandler = func(context.Context, *mcp.SubscribeRequest) error { return nil }
	o.UnsubscribeHandler = func(context.Context, *mcp.UnsubscribeRequest) error { return nil }
}

// redPixel is a 1x1 red PNG.
func redPixel() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{R: 255, A: 255})
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// silence is a WAV file of 10 ms of 8 kHz 8-bit mono silence.
func silence() []byte {
	const rate, n = 8000, 80
	var b bytes.Buffer
	w := func(v any) { _ = binary.Write(&b, binary.LittleEndian, v) }
	b.WriteString("RIFF")
	w(uint32(36 + n))
	b.WriteString("WAVEfmt ")
	w(uint32(16))
	w(uint16(1)) // PCM
	w(uint16(1)) // mono
	w(uint32(rate))
	w(uint32(rate)) // bytes per second
	w(uint16(1))    // block align
	w(uint16(8))    // bits per sample
	b.WriteString("data")
	w(uint32(n))
	b.Write(bytes.Repeat([]byte{128}, n))
	return b.Bytes()
}

var emptyObject = map[string]any{"type": "object", "properties": map[string]any{}}

func stringArgs(names ...string) map[string]any {
	props := map[string]any{}
	for _, n := range names {
		props[n] = map[string]any{"type": "string"}
	}
	return map[string]any{"type": "object", "properties": props, "required": names}
}

func (g *Gateway) addFixtures() {
	g.addInputFixtures()
	pixel, wav := redPixel(), silence()
	text := func(s string) []mcp.Content { return []mcp.Content{&mcp.TextContent{Text: s}} }
	tool := func(name, desc string, schema map[string]any, h mcp.ToolHandler) {
		g.addTool(&mcp.Tool{Name: name, Description: desc, InputSchema: schema}, h)
	}
	fixed := func(name, desc string, content ...mcp.Content) {
		tool(name, desc, emptyObject, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return &mcp.CallToolResult{Content: content}, nil
		})
	}
	fixed("test_simple_text", "Returns a simple text.", &mcp.TextContent{Text: "This is a simple text response for testing."})
	fixed("test_image_content", "Returns an image.", &mcp.ImageContent{Data: pixel, MIMEType: "image/png"})
	fixed("test_audio_content", "Returns audio.", &mcp.AudioContent{Data: wav, MIMEType: "audio/wav"})
	fixed("test_embedded_resource", "Returns an embedded resource.", &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{
		URI: "test://embedded-resource", MIMEType: "text/plain", Text: "This is an embedded resource content."}})
	fixed("test_multiple_content_types", "Returns text, an image and a resource.",
		&mcp.TextContent{Text: "Multiple content types test:"},
		&mcp.ImageContent{Data: pixel, MIMEType: "image/png"},
		&mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: "test://mixed-content-resource", MIMEType: "application/json", Text: `{"test":"data","value":123}`}})
	tool("test_error_handling", "Always fails.", emptyObject, func(context.Context, *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return &mcp.CallToolResult{IsError: true, Content: text("This tool intentionally returns an error for testing")}, nil
	})

	g.streaming["test_tool_with_logging"] = true
	tool("test_tool_with_logging", "Logs three messages while it runs.", emptyObject, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		for i, msg := range []string{"Tool execution started", "Tool processing data", "Tool execution completed"} {
			if i > 0 {
				pause(ctx, 50*time.Millisecond)
			}
			if err := req.Session.Log(ctx, &mcp.LoggingMessageParams{Level: "info", Data: msg}); err != nil {
				return nil, fmt.Errorf("log: %w", err)
			}
		}
		return &mcp.CallToolResult{Content: text("Tool with logging executed successfully")}, nil
	})
	g.streaming["test_tool_with_progress"] = true
	tool("test_tool_with_progress", "Reports progress while it runs.", emptyObject, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		token := req.Params.GetProgressToken()
		for i, p := range []float64{0, 50, 100} {
			if i > 0 {
				pause(ctx, 50*time.Millisecond)
			}
			if token == nil {
				continue
			}
			if err := req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: token, Progress: p, Total: 100}); err != nil {
				return nil, fmt.Errorf("progress: %w", err)
			}
		}
		return &mcp.CallToolResult{Content: text(fmt.Sprint(token))}, nil
	})
	tool("test_sampling", "Asks the client's LLM.", stringArgs("prompt"), func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		var a struct{ Prompt string }
		_ = json.Unmarshal(req.Params.Arguments, &a)
		res, err := req.Session.CreateMessage(ctx, &mcp.CreateMessageParams{MaxTokens: 100,
			Messages: []*mcp.SamplingMessage{{Role: "user", Content: &mcp.TextContent{Text: a.Prompt}}}})
		if err != nil {
			return &mcp.CallToolResult{IsError: true, Content: text("sampling failed: " + err.Error())}, nil
		}
		out := ""
		if t, ok := res.Content.(*mcp.TextContent); ok {
			out = t.Text
		}
		return &mcp.CallToolResult{Content: text("LLM response: " + out)}, nil
	})
	elicit := func(name string, schema map[string]any) {
		tool(name, "Asks the user for input.", map[string]any{"type": "object", "properties": map[string]any{"message": map[string]any{"type": "string"}}},
			func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				var a struct{ Message string }
				_ = json.Unmarshal(req.Params.Arguments, &a)
				if a.Message == "" {
					a.Message = "Please provide your information"
				}
				res, err := req.Session.Elicit(ctx, &mcp.ElicitParams{Message: a.Message, RequestedSchema: schema})
				if err != nil {
					return &mcp.CallToolResult{IsError: true, Content: text("elicitation failed: " + err.Error())}, nil
				}
				b, _ := json.Marshal(res.Content)
				return &mcp.CallToolResult{Content: text(fmt.Sprintf("User response: action=%s, content=%s", res.Action, b))}, nil
			})
	}
	elicit("test_elicitation", map[string]any{"type": "object", "properties": map[string]any{
		"username": map[string]any{"type": "string", "description": "User's response"},
		"email":    map[string]any{"type": "string", "description": "User's email address"},
	}, "required": []string{"username", "email"}})
	elicit("test_elicitation_sep1034_defaults", map[string]any{"type": "object", "properties": map[string]any{
		"name":     map[string]any{"type": "string", "default": "John Doe"},
		"age":      map[string]any{"type": "integer", "default": 30},
		"score":    map[string]any{"type": "number", "default": 95.5},
		"status":   map[string]any{"type": "string", "enum": []string{"active", "inactive", "pending"}, "default": "active"},
		"verified": map[string]any{"type": "boolean", "default": true},
	}})
	elicit("test_elicitation_sep1330_enums", map[string]any{"type": "object", "properties": map[string]any{
		"untitledSingle": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}},
		"titledSingle": map[string]any{"type": "string", "oneOf": []any{
			map[string]any{"const": "value1", "title": "First Option"}, map[string]any{"const": "value2", "title": "Second Option"}}},
		"legacyEnum":    map[string]any{"type": "string", "enum": []string{"opt1", "opt2"}, "enumNames": []string{"Option One", "Option Two"}},
		"untitledMulti": map[string]any{"type": "array", "items": map[string]any{"type": "string", "enum": []string{"option1", "option2", "option3"}}},
		"titledMulti": map[string]any{"type": "array", "items": map[string]any{"anyOf": []any{
			map[string]any{"const": "value1", "title": "First Choice"}, map[string]any{"const": "value2", "title": "Second Choice"}}}},
	}})

	g.addFixtureResources(pixel)
	g.addFixturePrompts(pixel)
}

func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

func (g *Gateway) addFixtureResources(pixel []byte) {
	static := func(r *mcp.Resource, c *mcp.ResourceContents) {
		g.server.AddResource(r, func(context.Context, *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{c}}, nil
		})
	}
	static(&mcp.Resource{URI: "test://static-text", Name: "static-text", Description: "A static text resource.", MIMEType: "text/plain"},
		&mcp.ResourceContents{URI: "test://static-text", MIMEType: "text/plain", Text: "This is the content of the static text resource."})
	static(&mcp.Resource{URI: "test://static-binary", Name: "static-binary", Description: "A static binary resource (a PNG image).", MIMEType: "image/png"},
		&mcp.ResourceContents{URI: "test://static-binary", MIMEType: "image/png", Blob: pixel})
	static(&mcp.Resource{URI: "test://watched-resource", Name: "watched-resource", Description: "A resource to subscribe to.", MIMEType: "text/plain"},
		&mcp.ResourceContents{URI: "test://watched-resource", MIMEType: "text/plain", Text: "Watched resource content."})
	g.server.AddResourceTemplate(&mcp.ResourceTemplate{URITemplate: "test://template/{id}/data", Name: "template-data",
		Description: "Data for an id.", MIMEType: "application/json"},
		func(_ context.Context, req *mcp.ReadResourceRequest) (*mcp.ReadResourceResult, error) {
			id, ok := strings.CutPrefix(req.Params.URI, "test://template/")
			id, ok2 := strings.CutSuffix(id, "/data")
			if !ok || !ok2 {
				return nil, mcp.ResourceNotFoundError(req.Params.URI)
			}
			b, _ := json.Marshal(map[string]any{"id": id, "templateTest": true, "data": "Data for ID: " + id})
			return &mcp.ReadResourceResult{Contents: []*mcp.ResourceContents{{URI: req.Params.URI, MIMEType: "application/json", Text: string(b)}}}, nil
		})
}

func (g *Gateway) addFixturePrompts(pixel []byte) {
	g.server.AddPrompt(&mcp.Prompt{Name: "test_simple_prompt", Description: "A simple prompt."},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return userText("This is a simple prompt for testing."), nil
		})
	g.server.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_arguments", Description: "A prompt with arguments.",
		Arguments: []*mcp.PromptArgument{{Name: "arg1", Description: "First test argument", Required: true}, {Name: "arg2", Description: "Second test argument", Required: true}}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			a := req.Params.Arguments
			return userText(fmt.Sprintf("Prompt with arguments: arg1='%s', arg2='%s'", a["arg1"], a["arg2"])), nil
		})
	g.server.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_embedded_resource", Description: "A prompt with an embedded resource.",
		Arguments: []*mcp.PromptArgument{{Name: "resourceUri", Description: "URI of the resource to embed", Required: true}}},
		func(_ context.Context, req *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
				{Role: "user", Content: &mcp.EmbeddedResource{Resource: &mcp.ResourceContents{URI: req.Params.Arguments["resourceUri"], MIMEType: "text/plain", Text: "Embedded resource content for testing."}}},
				{Role: "user", Content: &mcp.TextContent{Text: "Please process the embedded resource above."}},
			}}, nil
		})
	g.server.AddPrompt(&mcp.Prompt{Name: "test_prompt_with_image", Description: "A prompt with an image."},
		func(context.Context, *mcp.GetPromptRequest) (*mcp.GetPromptResult, error) {
			return &mcp.GetPromptResult{Messages: []*mcp.PromptMessage{
				{Role: "user", Content: &mcp.ImageContent{Data: pixel, MIMEType: "image/png"}},
				{Role: "user", Content: &mcp.TextContent{Text: "Please analyze the image above."}},
			}}, nil
		})
}
