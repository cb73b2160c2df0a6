package mcpgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/mcpgw"
)

// The lean path reuses a read's buffers (its body, its result's encoding)
// once it has answered: many reads of different instances at once, each
// answer naming the instance asked for, with its text content the very
// bytes of its structured content, and each read's audit entry naming
// its own instance, definition, tenant and root, read from its own answer
// after the buffers went on to other calls.
func TestLeanReadsKeepTheirOwn(t *testing.T) {
	e := auditEnv(t)
	e.deploy()
	defs := map[string]string{} // instance key → its definition's id
	for _, id := range []string{"order", "payment", "order", "payment", "order", "payment"} {
		pi := e.ok("createProcessInstance", map[string]any{"processDefinitionId": id})["processInstanceKey"].(string)
		defs[pi] = id
	}
	var keys []string
	for k := range defs {
		keys = append(keys, k)
	}
	const clients, perClient = 8, 25
	lean := mcpgw.LeanCalls(e.gw)
	var wg sync.WaitGroup
	errs := make(chan error, clients*perClient)
	for c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range perClient {
				pi := keys[(c+i)%len(keys)]
				if err := leanRead(e.url, pi, defs[pi]); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if n := mcpgw.LeanCalls(e.gw) - lean; n != clients*perClient {
		t.Fatalf("%d of %d reads on the lean path", n, clients*perClient)
	}
	got := e.auditN(map[string]any{"filter": map[string]any{"inboundChannelToolName": "getProcessInstance"}, "page": map[string]any{"limit": 1000}}, clients*perClient)
	per := map[string]int{}
	for _, it := range got {
		pi, _ := it["processInstanceKey"].(string)
		if it["processDefinitionId"] != defs[pi] || it["rootProcessInstanceKey"] != pi || it["tenantId"] != "<default>" ||
			it["entityKey"] != pi || it["result"] != "SUCCESS" || it["actorId"] != "alice" {
			t.Errorf("entry of a read of %s: %v", pi, it)
		}
		per[pi]++
	}
	for _, pi := range keys {
		if want := clients * perClient / len(keys); per[pi] < want-1 || per[pi] > want+1 {
			t.Errorf("%d entries of reads of %s, want about %d (%v)", per[pi], pi, want, per)
		}
	}
}

// leanRead reads instance pi with a plain stateless tools/call, as alice,
// and checks its answer: the instance asked for, of definition def, its
// text content the same bytes as its structured content.
func leanRead(url, pi, def string) error {
	body := `{"jsonrpc":"2.0","id":"r-` + pi + `","method":"tools/call","params":{"name":"getProcessInstance","arguments":{"processInstanceKey":"` + pi + `"}}}`
	req := jsonRPCRequest(context.Background(), url+"/mcp/cluster", body, "2025-11-25")
	req.SetBasicAuth("alice", "pw-a")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return err
	}
	var msg struct {
		ID     string `json:"id"`
		Result struct {
			Content []struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"content"`
			StructuredContent json.RawMessage `json:"structuredContent"`
			IsError           bool            `json:"isError"`
		} `json:"result"`
	}
	if err := json.Unmarshal(raw, &msg); err != nil {
		return fmt.Errorf("read of %s: %w: %s", pi, err, raw)
	}
	r := msg.Result
	if msg.ID != "r-"+pi || r.IsError || len(r.Content) != 1 || r.Content[0].Type != "text" {
		return fmt.Errorf("read of %s: %s", pi, raw)
	}
	if !bytes.Equal([]byte(r.Content[0].Text), r.StructuredContent) {
		return fmt.Errorf("read of %s: text content\n%s\nis not the structured content\n%s", pi, r.Content[0].Text, r.StructuredContent)
	}
	var inst struct {
		Key string `json:"processInstanceKey"`
		Def string `json:"processDefinitionId"`
	}
	if err := json.Unmarshal(r.StructuredContent, &inst); err != nil || inst.Key != pi || inst.Def != def {
		return fmt.Errorf("read of %s (%s) answered %s", pi, def, r.StructuredContent)
	}
	return nil
}
