package mcpgw

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/orcabpm/orca/internal/cluster"
)

// The lean path's readings of JSON already valid, one at a time: the
// envelope's members, the compiled schema's check and the fast decoding
// of a read's and a creation's arguments, and an audit entry's reading of
// a search's result (50 instances: its members' values skipped whole).
//
//	go test ./internal/mcpgw -run '^$' -bench JSONScan
func BenchmarkJSONScan(b *testing.B) {
	body := []byte(`{"jsonrpc":"2.0","id":17,"method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"2251799813685301"}}}`)
	b.Run("objectMembers", func(b *testing.B) {
		var space [4]member
		for b.Loop() {
			msg, _ := objectMembers(body, space[:0], 4)
			objectMembers(get(msg, "params"), space[:0], 3)
		}
	})
	schemas := map[string]map[string]any{}
	tools, err := loadTools("camunda_tools.json")
	if err != nil {
		b.Fatal(err)
	}
	for _, t := range tools {
		schemas[t.Name] = t.InputSchema.(map[string]any)
	}
	for _, c := range []struct {
		tool, args string
		into       reflect.Type
	}{
		{"getProcessInstance", `{"processInstanceKey":"2251799813685301"}`, reflect.TypeFor[processInstanceKeyArgs]()},
		{"createProcessInstance", `{"processDefinitionId":"order","tenantId":"<default>","variables":{"order":{"total":9.99,"id":"o-1","items":[1,2,3]},"customer":"Ada"}}`,
			reflect.TypeFor[createProcessInstanceArgs]()},
	} {
		raw := []byte(c.args)
		compiled := compileSchema(schemas[c.tool])
		if !compiled.valid(raw) {
			b.Fatalf("%s: the compiled schema refuses %s", c.tool, raw)
		}
		b.Run("argcheck/"+c.tool, func(b *testing.B) {
			for b.Loop() {
				compiled.valid(raw)
			}
		})
		fast := newFastArgs(c.into)
		dst := reflect.New(c.into).Elem()
		b.Run("argfast/"+c.tool, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dst.SetZero()
				fast.decode(raw, dst)
			}
		})
	}
	items := make([]cluster.ProcessInstance, 50)
	for i := range items {
		items[i] = benchInstance()
	}
	res := jsonResult(cluster.SearchResult[cluster.ProcessInstance]{Items: items})
	b.Run("topLevel/search-result", func(b *testing.B) {
		raw := res.StructuredContent.(json.RawMessage)
		for b.Loop() {
			topLevel(raw)
		}
	})
}
