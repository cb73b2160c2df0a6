package mcpgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/orcabpm/orca/internal/mcpgw"
)

// TestPlainJSON: tool results write '<', '>' and '&' as they are in the
// text a model reads, as Camunda's gateway does (not \u003cdefault\u003e).
func TestPlainJSON(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deploy()
	res := e.call("searchProcessDefinitions", map[string]any{})
	if txt := text(res); !strings.Contains(txt, `"tenantId":"<default>"`) || strings.Contains(txt, `\u003c`) {
		t.Errorf("text content escapes HTML characters: %.300s", txt)
	}
}

// TestPlainJSONOnTheWire reads the raw HTTP body of a tools/call answer:
// the text and the structured content carry <default> as Camunda writes
// it, not the SDK encoder's \u003cdefault\u003e.
func TestPlainJSONOnTheWire(t *testing.T) {
	e := newEnv(t, envOptions{})
	e.deploy()
	for _, path := range []string{mcpgw.PathMCP, mcpgw.PathCluster} {
		res, err := http.DefaultClient.Do(jsonRPCRequest(context.Background(), e.url+path,
			`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"searchProcessDefinitions","arguments":{}}}`, "2025-06-18"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, res.StatusCode, body)
		}
		if bytes.Contains(body, []byte(`\u003c`)) || bytes.Contains(body, []byte(`\u003e`)) {
			t.Errorf("%s: the wire escapes HTML characters: %.400s", path, body)
		}
		if !bytes.Contains(body, []byte(`\"tenantId\":\"<default>\"`)) {
			t.Errorf("%s: text content without <default>: %.400s", path, body)
		}
		if !bytes.Contains(body, []byte(`"structuredContent":{"items":[{`)) || !bytes.Contains(body, []byte(`"tenantId":"<default>"`)) {
			t.Errorf("%s: structured content without <default>: %.600s", path, body)
		}
		var msg struct {
			Result struct {
				StructuredContent struct {
					Items []struct{ TenantID string }
				}
			}
		}
		if err := json.Unmarshal(body, &msg); err != nil || len(msg.Result.StructuredContent.Items) == 0 {
			t.Fatalf("%s: the answer does not decode: %v %+v", path, err, msg)
		}
		for _, it := range msg.Result.StructuredContent.Items {
			if it.TenantID != "<default>" {
				t.Errorf("%s: tenantId %q", path, it.TenantID)
			}
		}
	}
}
