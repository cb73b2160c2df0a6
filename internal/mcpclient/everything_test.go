package mcpclient_test

import (
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/mcpclient"
	"github.com/orcabpm/orca/internal/npmtest"
)

// TestServerEverything runs every operation against the reference MCP
// server, a real third-party peer, over stdio.
func TestServerEverything(t *testing.T) {
	// A third-party server installed from npm (Node 22 and ~200 MB): part of
	// the end-to-end tier, which scripts/e2e.sh runs with ORCA_E2E=1.
	if os.Getenv("ORCA_E2E") != "1" {
		t.Skip("set ORCA_E2E=1 (scripts/e2e.sh does) to run against @modelcontextprotocol/server-everything")
	}
	node, script := npmtest.ServerEverything(t)
	pool := mcpclient.NewPool(mcpclient.Options{Logger: quietLogger(), TerminateTimeout: time.Second})
	t.Cleanup(func() { _ = pool.Close() })
	c, err := pool.Client(mcpclient.Config{
		Transport:      mcpclient.TransportStdio,
		Stdio:          mcpclient.StdioConfig{Command: node, Args: []string{script, "stdio"}},
		ConnectTimeout: 60 * time.Second,
		CallTimeout:    30 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()

	tools, err := c.ListTools(ctx, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range tools.ToolDefinitions {
		names = append(names, d.Name)
		if d.InputSchema == nil || d.Description == "" {
			t.Errorf("tool %q lacks a schema or description: %+v", d.Name, d)
		}
	}
	for _, want := range []string{"echo", "get-sum"} {
		if !slices.Contains(names, want) {
			t.Fatalf("tools/list lacks %q: %v", want, names)
		}
	}

	filtered, err := c.ListTools(ctx, mcpclient.Filter{Included: []string{"echo"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(filtered.ToolDefinitions) != 1 || filtered.ToolDefinitions[0].Name != "echo" {
		t.Errorf("filtered tools/list = %+v", filtered)
	}

	res, err := c.CallTool(ctx, "echo", map[string]any{"message": "hello from orca"}, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || res.Name != "echo" || len(res.Content) == 0 || !strings.Contains(res.Content[0].Text, "hello from orca") {
		t.Errorf("echo = %+v", res)
	}
	res, err = c.CallTool(ctx, "get-sum", map[string]any{"a": 2, "b": 40}, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.IsError || len(res.Content) == 0 || !strings.Contains(res.Content[0].Text, "42") {
		t.Errorf("get-sum = %+v", res)
	}
	res, err = c.CallTool(ctx, "get-sum", map[string]any{"a": 2, "b": 40}, mcpclient.Filter{Excluded: []string{"get-sum"}}, nil)
	if err != nil || !res.IsError || !strings.HasPrefix(res.Content[0].Text, "Executing tool 'get-sum' is not allowed by filter configuration") {
		t.Errorf("filtered get-sum = %+v, %v", res, err)
	}

	resources, err := c.ListResources(ctx, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(resources.Resources) == 0 {
		t.Fatal("resources/list is empty")
	}
	first := resources.Resources[0]
	read, err := c.ReadResource(ctx, first.URI, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Contents) == 0 || read.Contents[0].URI != first.URI || (read.Contents[0].Text == nil && read.Contents[0].Blob == nil) {
		t.Errorf("resources/read %s = %+v", first.URI, read)
	}
	if _, err := c.ListResourceTemplates(ctx, mcpclient.Filter{}, nil); err != nil {
		t.Fatal(err)
	}

	prompts, err := c.ListPrompts(ctx, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var simple string
	for _, p := range prompts.Prompts {
		if !slices.ContainsFunc(p.Arguments, func(a mcpclient.PromptArgument) bool { return a.Required }) {
			simple = p.Name
			break
		}
	}
	if simple == "" {
		t.Fatalf("no prompt without required arguments: %+v", prompts)
	}
	prompt, err := c.GetPrompt(ctx, simple, nil, mcpclient.Filter{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(prompt.Messages) == 0 {
		t.Errorf("prompts/get %s = %+v", simple, prompt)
	}
	t.Logf("server-everything: %d tools, %d resources, %d prompts", len(names), len(resources.Resources), len(prompts.Prompts))
}
