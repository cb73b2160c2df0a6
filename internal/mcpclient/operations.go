package mcpclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// The MCP methods of Camunda's MCP Client connectors.
const (
	MethodToolsList             = "tools/list"
	MethodToolsCall             = "tools/call"
	MethodResourcesList         = "resources/list"
	MethodResourceTemplatesList = "resources/templates/list"
	MethodResourcesRead         = "resources/read"
	MethodPromptsList           = "prompts/list"
	MethodPromptsGet            = "prompts/get"
)

// Operation is one connector operation as the AI agent's toolCall carries
// it: {method, params}. Params by method: tools/call {name, arguments?},
// resources/read {uri}, prompts/get {name, arguments?}; the list methods take
// none.
type Operation struct {
	Method string         `json:"method"`
	Params map[string]any `json:"params,omitempty"`
}

// Execute performs op and returns its result: *ListToolsResult,
// *CallToolResult, *ListResourcesResult, *ListResourceTemplatesResult,
// *ReadResourceResult, *ListPromptsResult or *GetPromptResult. meta, when not
// empty, is sent as the request's _meta.
func (c *Client) Execute(ctx context.Context, op Operation, filters Filters, meta map[string]any) (any, error) {
	switch op.Method {
	case MethodToolsList:
		return c.ListTools(ctx, filters.Tools, meta)
	case MethodToolsCall:
		name, err := stringParam(op.Params, "name")
		if err != nil {
			return nil, err
		}
		args, err := objectParam(op.Params, "arguments")
		if err != nil {
			return nil, err
		}
		return c.CallTool(ctx, name, args, filters.Tools, meta)
	case MethodResourcesList:
		return c.ListResources(ctx, filters.Resources, meta)
	case MethodResourceTemplatesList:
		return c.ListResourceTemplates(ctx, filters.Resources, meta)
	case MethodResourcesRead:
		uri, err := stringParam(op.Params, "uri")
		if err != nil {
			return nil, err
		}
		return c.ReadResource(ctx, uri, filters.Resources, meta)
	case MethodPromptsList:
		return c.ListPrompts(ctx, filters.Prompts, meta)
	case MethodPromptsGet:
		name, err := stringParam(op.Params, "name")
		if err != nil {
			return nil, err
		}
		args, err := objectParam(op.Params, "arguments")
		if err != nil {
			return nil, err
		}
		return c.GetPrompt(ctx, name, promptArguments(args), filters.Prompts, meta)
	default:
		return nil, codeError(CodeInvalidMethod, nil, "unsupported MCP method %q", op.Method)
	}
}

func stringParam(params map[string]any, key string) (string, error) {
	v, ok := params[key]
	if !ok || v == nil {
		return "", codeError(CodeInvalidParams, nil, "parameter %q is required", key)
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", codeError(CodeInvalidParams, nil, "parameter %q must be a non-empty string", key)
	}
	return s, nil
}

func objectParam(params map[string]any, key string) (map[string]any, error) {
	v, ok := params[key]
	if !ok || v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, codeError(CodeInvalidParams, nil, "parameter %q must be an object", key)
	}
	return m, nil
}

// promptArguments turns argument values into the strings MCP prompts take.
func promptArguments(args map[string]any) map[string]string {
	if args == nil {
		return nil
	}
	out := make(map[string]string, len(args))
	for k, v := range args {
		if s, ok := v.(string); ok {
			out[k] = s
			continue
		}
		b, _ := json.Marshal(v)
		out[k] = string(b)
	}
	return out
}

// ListTools lists the server's tools that pass f.
func (c *Client) ListTools(ctx context.Context, f Filter, meta map[string]any) (*ListToolsResult, error) {
	out := &ListToolsResult{ToolDefinitions: []ToolDefinition{}}
	err := c.do(ctx, MethodToolsList, true, func(ctx context.Context, cs *mcp.ClientSession) error {
		out.ToolDefinitions = out.ToolDefinitions[:0]
		for t, err := range cs.Tools(ctx, &mcp.ListToolsParams{Meta: mcp.Meta(meta)}) {
			if err != nil {
				return err
			}
			if f.Allows(t.Name) {
				out.ToolDefinitions = append(out.ToolDefinitions, toolDefinition(t))
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing tools: %w", err)
	}
	return out, nil
}

// CallTool calls a tool. A tool that f does not allow is not called: the
// result says so with isError. A server's error answer (unknown tool,
// invalid arguments, ...) and a call over the call timeout also come back as
// a result with isError, for the model to read; an unreachable server is an
// error wrapping ErrUnavailable.
func (c *Client) CallTool(ctx context.Context, name string, args map[string]any, f Filter, meta map[string]any) (*CallToolResult, error) {
	if name == "" {
		return nil, codeError(CodeInvalidParams, nil, "tool name is required")
	}
	if !f.Allows(name) {
		return errorResult(name, fmt.Sprintf("Executing tool '%s' is not allowed by filter configuration: %s", name, f)), nil
	}
	if args == nil {
		args = map[string]any{}
	}
	var res *mcp.CallToolResult
	err := c.do(ctx, MethodToolsCall, false, func(ctx context.Context, cs *mcp.ClientSession) error {
		var err error
		res, err = cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args, Meta: mcp.Meta(meta)})
		return err
	})
	switch {
	case err == nil:
		return callToolResult(name, res), nil
	case ctx.Err() != nil || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrClosed) || errors.Is(err, ErrTooLarge):
		return nil, fmt.Errorf("calling tool %q: %w", name, err)
	case errors.Is(err, context.DeadlineExceeded):
		return errorResult(name, fmt.Sprintf("Error executing tool '%s': no result within %s", name, c.cfg.callTimeout())), nil
	default:
		return errorResult(name, fmt.Sprintf("Error executing tool '%s': %v", name, err)), nil
	}
}

func errorResult(name, text string) *CallToolResult {
	return &CallToolResult{Name: name, Content: []Content{{Type: ContentText, Text: text}}, IsError: true}
}

// ListResources lists the server's resources whose URI passes f.
func (c *Client) ListResources(ctx context.Context, f Filter, meta map[string]any) (*ListResourcesResult, error) {
	out := &ListResourcesResult{Resources: []ResourceDescription{}}
	err := c.do(ctx, MethodResourcesList, true, func(ctx context.Context, cs *mcp.ClientSession) error {
		out.Resources = out.Resources[:0]
		for r, err := range cs.Resources(ctx, &mcp.ListResourcesParams{Meta: mcp.Meta(meta)}) {
			if err != nil {
				return err
			}
			if f.Allows(r.URI) {
				out.Resources = append(out.Resources, ResourceDescription{URI: r.URI, Name: r.Name, Title: r.Title,
					Description: r.Description, MimeType: r.MIMEType, Size: sizePtr(r.Size)})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing resources: %w", err)
	}
	return out, nil
}

func sizePtr(n int64) *int64 {
	if n <= 0 {
		return nil
	}
	return &n
}

// ListResourceTemplates lists the server's resource templates whose URI
// template passes f.
func (c *Client) ListResourceTemplates(ctx context.Context, f Filter, meta map[string]any) (*ListResourceTemplatesResult, error) {
	out := &ListResourceTemplatesResult{ResourceTemplates: []ResourceTemplateDescription{}}
	err := c.do(ctx, MethodResourceTemplatesList, true, func(ctx context.Context, cs *mcp.ClientSession) error {
		out.ResourceTemplates = out.ResourceTemplates[:0]
		for t, err := range cs.ResourceTemplates(ctx, &mcp.ListResourceTemplatesParams{Meta: mcp.Meta(meta)}) {
			if err != nil {
				return err
			}
			if f.Allows(t.URITemplate) {
				out.ResourceTemplates = append(out.ResourceTemplates, ResourceTemplateDescription{URITemplate: t.URITemplate,
					Name: t.Name, Title: t.Title, Description: t.Description, MimeType: t.MIMEType})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing resource templates: %w", err)
	}
	return out, nil
}

// ReadResource reads a resource. A URI that f does not allow, and a server's
// error answer, fail with CodeReadResourceError.
func (c *Client) ReadResource(ctx context.Context, uri string, f Filter, meta map[string]any) (*ReadResourceResult, error) {
	if uri == "" {
		return nil, codeError(CodeInvalidParams, nil, "resource URI is required")
	}
	if !f.Allows(uri) {
		return nil, codeError(CodeReadResourceError, nil, "Reading resource '%s' is not allowed by filter configuration: %s", uri, f)
	}
	var res *mcp.ReadResourceResult
	err := c.do(ctx, MethodResourcesRead, true, func(ctx context.Context, cs *mcp.ClientSession) error {
		var err error
		res, err = cs.ReadResource(ctx, &mcp.ReadResourceParams{URI: uri, Meta: mcp.Meta(meta)})
		return err
	})
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrClosed) || errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("reading resource %q: %w", uri, err)
		}
		return nil, codeError(CodeReadResourceError, err, "Error reading resource '%s': %v", uri, err)
	}
	out := &ReadResourceResult{Contents: []ResourceContent{}}
	for _, rc := range res.Contents {
		out.Contents = append(out.Contents, resourceContent(rc))
	}
	return out, nil
}

// ListPrompts lists the server's prompts that pass f.
func (c *Client) ListPrompts(ctx context.Context, f Filter, meta map[string]any) (*ListPromptsResult, error) {
	out := &ListPromptsResult{Prompts: []PromptDescription{}}
	err := c.do(ctx, MethodPromptsList, true, func(ctx context.Context, cs *mcp.ClientSession) error {
		out.Prompts = out.Prompts[:0]
		for p, err := range cs.Prompts(ctx, &mcp.ListPromptsParams{Meta: mcp.Meta(meta)}) {
			if err != nil {
				return err
			}
			if !f.Allows(p.Name) {
				continue
			}
			d := PromptDescription{Name: p.Name, Title: p.Title, Description: p.Description}
			for _, a := range p.Arguments {
				d.Arguments = append(d.Arguments, PromptArgument{Name: a.Name, Title: a.Title, Description: a.Description, Required: a.Required})
			}
			out.Prompts = append(out.Prompts, d)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing prompts: %w", err)
	}
	return out, nil
}

// GetPrompt renders a prompt. A prompt that f does not allow, and a server's
// error answer, fail with CodeGetPromptError.
func (c *Client) GetPrompt(ctx context.Context, name string, args map[string]string, f Filter, meta map[string]any) (*GetPromptResult, error) {
	if name == "" {
		return nil, codeError(CodeInvalidParams, nil, "prompt name is required")
	}
	if !f.Allows(name) {
		return nil, codeError(CodeGetPromptError, nil, "Getting prompt '%s' is not allowed by filter configuration: %s", name, f)
	}
	var res *mcp.GetPromptResult
	err := c.do(ctx, MethodPromptsGet, true, func(ctx context.Context, cs *mcp.ClientSession) error {
		var err error
		res, err = cs.GetPrompt(ctx, &mcp.GetPromptParams{Name: name, Arguments: args, Meta: mcp.Meta(meta)})
		return err
	})
	if err != nil {
		if ctx.Err() != nil || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrClosed) || errors.Is(err, ErrTooLarge) {
			return nil, fmt.Errorf("getting prompt %q: %w", name, err)
		}
		return nil, codeError(CodeGetPromptError, err, "Error getting prompt '%s': %v", name, err)
	}
	out := &GetPromptResult{Description: res.Description, Messages: []PromptMessage{}}
	for _, m := range res.Messages {
		out.Messages = append(out.Messages, PromptMessage{Role: string(m.Role), Content: content(m.Content)})
	}
	return out, nil
}
