package mcpgw_test

import (
	"strings"
	"testing"
)

// TestPlainJSON: tool results write '<', '>' and '&' as they are in the
// text a model reads, as Camunda's gateway does (not \u003cdefault\u003e).
// (On the wire the SDK's encoder escapes them inside JSON strings, which
// every JSON reader decodes back.)
func TestPlainJSON(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deploy()
	res := e.call("searchProcessDefinitions", map[string]any{})
	if txt := text(res); !strings.Contains(txt, `"tenantId":"<default>"`) || strings.Contains(txt, `\u003c`) {
		t.Errorf("text content escapes HTML characters: %.300s", txt)
	}
}
