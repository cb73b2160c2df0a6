package mcpclient

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Filter is an allow/deny list of names: a name passes when Included is
// empty or holds it, and Excluded does not hold it.
type Filter struct {
	Included []string `json:"included,omitempty"`
	Excluded []string `json:"excluded,omitempty"`
}

// Allows reports whether name passes the filter.
func (f Filter) Allows(name string) bool {
	if len(f.Included) > 0 && !contains(f.Included, name) {
		return false
	}
	return !contains(f.Excluded, name)
}

func (f Filter) String() string {
	return fmt.Sprintf("included=[%s], excluded=[%s]", strings.Join(f.Included, ", "), strings.Join(f.Excluded, ", "))
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// Filters are the filters of each kind of name: tools by name, resources by
// URI (templates by URI template), prompts by name.
type Filters struct {
	Tools     Filter `json:"tools,omitzero"`
	Resources Filter `json:"resources,omitzero"`
	Prompts   Filter `json:"prompts,omitzero"`
}

// ListToolsResult is the result of tools/list:
// {"toolDefinitions":[{name, title?, description?, inputSchema}]}.
type ListToolsResult struct {
	ToolDefinitions []ToolDefinition `json:"toolDefinitions"`
}

// ToolDefinition is one tool of tools/list.
type ToolDefinition struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	InputSchema any    `json:"inputSchema"`
}

// CallToolResult is the result of tools/call: {"name", "content":[...], "isError"}.
type CallToolResult struct {
	Name    string    `json:"name"`
	Content []Content `json:"content"`
	IsError bool      `json:"isError"`
}

// Content types of tool results and prompt messages.
const (
	ContentText         = "text"
	ContentBlob         = "blob"
	ContentResource     = "resource"
	ContentResourceLink = "resource_link"
	ContentObject       = "object"
)

// Content is one block of a tool result or prompt message:
//
//	{"type":"text", "text"}
//	{"type":"blob", "blob":<base64>, "mimeType"}        (image, audio)
//	{"type":"resource", "resource":{uri, mimeType?, text|blob}}
//	{"type":"resource_link", "uri", "name", "title"?, "description"?, "mimeType"?, "size"?}
//	{"type":"object", "content":<structured content>}
type Content struct {
	Type        string
	Text        string
	Blob        []byte
	MimeType    string
	Resource    *ResourceContent
	URI         string
	Name        string
	Title       string
	Description string
	Size        *int64
	Object      any
}

// MarshalJSON writes the fields of c's type.
func (c Content) MarshalJSON() ([]byte, error) {
	m := map[string]any{"type": c.Type}
	switch c.Type {
	case ContentText:
		m["text"] = c.Text
	case ContentBlob:
		m["blob"] = c.Blob
		putString(m, "mimeType", c.MimeType)
	case ContentResource:
		m["resource"] = c.Resource
	case ContentResourceLink:
		m["uri"] = c.URI
		m["name"] = c.Name
		putString(m, "title", c.Title)
		putString(m, "description", c.Description)
		putString(m, "mimeType", c.MimeType)
		if c.Size != nil {
			m["size"] = *c.Size
		}
	case ContentObject:
		m["content"] = c.Object
	}
	return json.Marshal(m)
}

func putString(m map[string]any, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// ResourceContent is the content of one resource: text or a blob.
type ResourceContent struct {
	URI      string  `json:"uri"`
	MimeType string  `json:"mimeType,omitempty"`
	Text     *string `json:"text,omitempty"`
	Blob     []byte  `json:"blob,omitempty"`
}

// ListResourcesResult is the result of resources/list.
type ListResourcesResult struct {
	Resources []ResourceDescription `json:"resources"`
}

// ResourceDescription is one resource of resources/list.
type ResourceDescription struct {
	URI         string `json:"uri"`
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	MimeType    string `json:"mimeType,omitempty"`
	Size        *int64 `json:"size,omitempty"`
}

// ListResourceTemplatesResult is the result of resources/templates/list.
type ListResourceTemplatesResult struct {
	ResourceTemplates []ResourceTemplateDescription `json:"resourceTemplates"`
}

// ResourceTemplateDescription is one template of resources/templates/list.
type ResourceTemplateDescription struct {
	URITemplate string `json:"uriTemplate"`
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	MimeType    string `json:"mimeType,omitempty"`
}

// ReadResourceResult is the result of resources/read.
type ReadResourceResult struct {
	Contents []ResourceContent `json:"contents"`
}

// ListPromptsResult is the result of prompts/list.
type ListPromptsResult struct {
	Prompts []PromptDescription `json:"prompts"`
}

// PromptDescription is one prompt of prompts/list.
type PromptDescription struct {
	Name        string           `json:"name"`
	Title       string           `json:"title,omitempty"`
	Description string           `json:"description,omitempty"`
	Arguments   []PromptArgument `json:"arguments,omitempty"`
}

// PromptArgument is one argument of a prompt.
type PromptArgument struct {
	Name        string `json:"name"`
	Title       string `json:"title,omitempty"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required"`
}

// GetPromptResult is the result of prompts/get.
type GetPromptResult struct {
	Description string          `json:"description,omitempty"`
	Messages    []PromptMessage `json:"messages"`
}

// PromptMessage is one message of a prompt.
type PromptMessage struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
}

// noResultText is what a tool result without content becomes.
const noResultText = "Tool execution succeeded, but returned no result."

func toolDefinition(t *mcp.Tool) ToolDefinition {
	d := ToolDefinition{Name: t.Name, Title: t.Title, Description: t.Description, InputSchema: t.InputSchema}
	if d.InputSchema == nil {
		d.InputSchema = map[string]any{"type": "object"}
	}
	return d
}

// callToolResult shapes an MCP tool result: structured content wins as one
// object block; no content becomes one text block; the server's isError is
// kept.
func callToolResult(name string, r *mcp.CallToolResult) *CallToolResult {
	out := &CallToolResult{Name: name, IsError: r.IsError}
	switch {
	case r.StructuredContent != nil:
		out.Content = []Content{{Type: ContentObject, Object: r.StructuredContent}}
	case len(r.Content) == 0:
		out.Content = []Content{{Type: ContentText, Text: noResultText}}
	default:
		for _, c := range r.Content {
			out.Content = append(out.Content, content(c))
		}
	}
	return out
}

func content(c mcp.Content) Content {
	switch c := c.(type) {
	case *mcp.TextContent:
		return Content{Type: ContentText, Text: c.Text}
	case *mcp.ImageContent:
		return Content{Type: ContentBlob, Blob: c.Data, MimeType: c.MIMEType}
	case *mcp.AudioContent:
		return Content{Type: ContentBlob, Blob: c.Data, MimeType: c.MIMEType}
	case *mcp.EmbeddedResource:
		rc := resourceContent(c.Resource)
		return Content{Type: ContentResource, Resource: &rc}
	case *mcp.ResourceLink:
		return Content{Type: ContentResourceLink, URI: c.URI, Name: c.Name, Title: c.Title,
			Description: c.Description, MimeType: c.MIMEType, Size: c.Size}
	default:
		b, _ := json.Marshal(c)
		return Content{Type: ContentText, Text: string(b)}
	}
}

func resourceContent(r *mcp.ResourceContents) ResourceContent {
	if r == nil {
		return ResourceContent{}
	}
	rc := ResourceContent{URI: r.URI, MimeType: r.MIMEType}
	if r.Blob != nil {
		rc.Blob = r.Blob
	} else {
		text := r.Text
		rc.Text = &text
	}
	return rc
}
