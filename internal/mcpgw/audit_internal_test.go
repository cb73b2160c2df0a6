package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
	"weak"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/orcabpm/orca/internal/cluster"
	"github.com/orcabpm/orca/internal/engine"
	"github.com/orcabpm/orca/internal/store"
)

// gatedRecorder holds every RecordAudit until it is opened, and keeps what
// it was given: it stands for an engine whose commits are slower than the
// reads coming in.
type gatedRecorder struct {
	open    chan struct{}
	mu      sync.Mutex
	blocked bool
	got     []*store.AuditLog
}

func (r *gatedRecorder) RecordAudit(ctx context.Context, entries ...*store.AuditLog) error {
	r.mu.Lock()
	r.blocked = true
	r.mu.Unlock()
	<-r.open
	r.mu.Lock()
	for _, e := range entries {
		c := *e // the auditor reuses entries once they are recorded
		r.got = append(r.got, &c)
	}
	r.mu.Unlock()
	return nil
}

// A flood of reads against an engine that does not keep up: the queue holds
// at most auditQueueSize entries (plus one commit's worth in flight) and
// the next read waits for room; once the engine commits again every entry
// is recorded once, in the order of the calls.
func TestAuditQueueBounded(t *testing.T) {
	rec := &gatedRecorder{open: make(chan struct{})}
	a := newAuditor(rec, &Gateway{log: slog.New(slog.DiscardHandler)})
	const n = auditQueueSize + auditFlushMax + 1 // more than can be held
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range n {
			a.later(&store.AuditLog{Key: int64(i + 1)})
		}
	}()
	// Wait until the queue is full and a commit is stuck.
	for deadline := time.Now().Add(30 * time.Second); ; {
		rec.mu.Lock()
		blocked := rec.blocked
		rec.mu.Unlock()
		if blocked && len(a.queue) == cap(a.queue) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue %d of %d, commit blocked %v", len(a.queue), cap(a.queue), blocked)
		}
		time.Sleep(time.Millisecond)
	}
	select {
	case <-done:
		t.Fatal("more reads were taken than the queue can hold")
	default:
	}
	close(rec.open)
	<-done
	for deadline := time.Now().Add(30 * time.Second); ; {
		rec.mu.Lock()
		got := len(rec.got)
		rec.mu.Unlock()
		if got == n && !a.flushing.Load() {
			break
		}
		if got > n || time.Now().After(deadline) {
			t.Fatalf("%d entries recorded for %d reads", got, n)
		}
		time.Sleep(time.Millisecond)
	}
	for i, e := range rec.got {
		if e.Key != int64(i+1) {
			t.Fatalf("entry %d is read %d", i, e.Key)
		}
	}
}

// The one-pass reader of an entry's members finds what decoding the whole
// object finds, for any JSON object: every member an entry reads, by its
// raw value; nothing for what is not an object.
func FuzzAuditFields(f *testing.F) {
	for _, s := range []string{
		`{"processInstanceKey":"2251799813685249","tenantId":"<default>","rootProcessInstanceKey":"2251799813685249"}`,
		` { "processDefinitionId" : "a\"b" , "x" : [1, {"processInstanceKey": "9"}, "]}"], "jobKey": 17 } `,
		`{"process\u0049nstanceKey":"5","processInstanceKey":"6"}`,
		`{}`, `[]`, `"x"`, `{"a":}`, `{"userTaskKey":null,"deploymentKey":true,"variableKey":-1.5e3}`,
		`{"incidentKey":"1"} trailing`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := topLevel([]byte(s))
		var m map[string]json.RawMessage
		if json.Unmarshal([]byte(s), &m) != nil || m == nil {
			for k, v := range got {
				if v != nil && json.Valid([]byte(s)) {
					t.Fatalf("%q is no object, yet member %s was read: %q", s, auditMembers[k], v)
				}
			}
			return
		}
		for k, name := range auditMembers {
			want, ok := m[name]
			if !ok {
				want = nil
			}
			if !bytes.Equal(bytes.TrimSpace(got[k]), bytes.TrimSpace(want)) {
				t.Fatalf("%q: member %s = %q, want %q", s, name, got[k], want)
			}
		}
	})
}

// An entry records what the call named as the tool read it (encoding/json):
// an escape decoded, and bytes that are not UTF-8 as U+FFFD, not as they
// came, so that the log's processDefinitionId is the one the call used.
func TestAuditEntryReadsStringsAsDecoded(t *testing.T) {
	a := &auditor{g: &Gateway{log: slog.New(slog.DiscardHandler)}}
	ctx := context.WithValue(context.Background(), endpointKey{}, PathCluster)
	for _, c := range []struct{ args, want string }{
		{`{"processDefinitionId":"order"}`, "order"},
		{`{"processDefinitionId":"caf\u00e9"}`, "café"},
		{`{"processDefinitionId":"café"}`, "café"},
		{"{\"processDefinitionId\":\"ord\xffer\"}", "ord\ufffder"},
		{"{\"processDefinitionId\":\"\xe2\x82\"}", "\ufffd\ufffd"},
		{`{"processDefinitionKey":"2251799813685249","processDefinitionId":"a\"b"}`, `a"b`},
	} {
		var tool struct {
			ProcessDefinitionID string `json:"processDefinitionId"`
		}
		if err := json.Unmarshal([]byte(c.args), &tool); err != nil || tool.ProcessDefinitionID != c.want {
			t.Fatalf("%q: the tool reads %q (%v); the case wants %q", c.args, tool.ProcessDefinitionID, err, c.want)
		}
		req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: "createProcessInstance", Arguments: json.RawMessage(c.args)}}
		if got := a.entry(ctx, req, nil, errors.New("no such definition")).ProcessDefinitionID; got != c.want {
			t.Errorf("%q: the entry names definition %q, want %q", c.args, got, c.want)
		}
	}
}

// Reads' entries are reused once their group is committed: every call
// still has its own entry, with what that call named and answered, and
// nothing of an earlier call's (an error, a tenant, a definition).
func TestAuditEntriesReused(t *testing.T) {
	eng, err := engine.Open(context.Background(), engine.Options{DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	a := newAuditor(cluster.NewEmbedded(eng, cluster.EmbeddedOptions{}), &Gateway{log: slog.New(slog.DiscardHandler)})
	ctx := context.WithValue(context.Background(), endpointKey{}, PathCluster)
	type call struct {
		pi     int64
		tenant string
		failed bool
	}
	var calls []call
	const perRound = auditFlushMax + 7 // more than a group, so that entries are reused within a round too
	for round := range 3 {
		for i := range perRound {
			c := call{pi: 2251799813690000 + int64(len(calls)), tenant: engine.DefaultTenant}
			switch round {
			case 0:
				c.tenant = "tenant-" + strconv.Itoa(i%3)
			case 1:
				c.failed = i%2 == 0
			}
			calls = append(calls, c)
			key := strconv.FormatInt(c.pi, 10)
			req := &mcp.CallToolRequest{Params: &mcp.CallToolParamsRaw{Name: "getProcessInstance",
				Arguments: json.RawMessage(`{"processInstanceKey":"` + key + `"}`)}}
			if c.failed {
				if aerr := a.record(ctx, req, nil, errors.New("instance "+key+" is gone")); aerr != nil {
					t.Fatal(aerr)
				}
				continue
			}
			root := cluster.Key(c.pi)
			res := jsonResult(cluster.ProcessInstance{ProcessDefinitionID: "order-" + key, ProcessDefinitionVersion: 1,
				StartDate: time.Now(), State: "ACTIVE", TenantID: c.tenant, ProcessInstanceKey: cluster.Key(c.pi),
				ProcessDefinitionKey: 2251799813685249, RootProcessInstanceKey: &root, Tags: []string{}})
			if aerr := a.record(ctx, req, res, nil); aerr != nil {
				t.Fatal(aerr)
			}
		}
		a.close() // the round's entries are committed, and free for the next round's
	}
	rows, err := store.Select(context.Background(), eng.Store(), func() *store.AuditLog { return new(store.AuditLog) }, "1 = 1 ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(calls) {
		t.Fatalf("%d entries for %d calls", len(rows), len(calls))
	}
	for i, r := range rows {
		c := calls[i]
		key := strconv.FormatInt(c.pi, 10)
		want := store.AuditLog{Key: r.Key, Timestamp: r.Timestamp, ActorType: cluster.AuditActorAnonymous, Result: cluster.AuditSuccess,
			Category: "DEPLOYED_RESOURCES", EntityType: "PROCESS_INSTANCE", EntityKey: key, OperationType: "UNKNOWN",
			ProcessInstanceKey: c.pi, InboundChannelType: cluster.AuditChannelMCP, InboundChannelTool: "getProcessInstance",
			Endpoint: PathCluster, ArgumentsSize: int64(len(`{"processInstanceKey":""}`) + len(key))}
		if c.failed {
			want.Result, want.ErrorMessage = cluster.AuditFail, "instance "+key+" is gone"
		} else {
			want.TenantID, want.RootProcessInstanceKey = c.tenant, c.pi
			want.ProcessDefinitionID, want.ProcessDefinitionKey = "order-"+key, 2251799813685249
		}
		if *r != want {
			t.Fatalf("entry %d:\n got %+v\nwant %+v", i, *r, want)
		}
	}
}

// After a burst of reads the spare entries of their groups are kept for the
// next reads while reads come, and given back once the queue stayed empty
// for the auditor's idle time: the garbage collector frees them (and the
// entries are still all recorded, once).
func TestAuditSparesReleasedWhenQuiet(t *testing.T) {
	rec := &gatedRecorder{open: make(chan struct{})}
	close(rec.open)
	a := newAuditor(rec, &Gateway{log: slog.New(slog.DiscardHandler)})
	a.spareIdle = time.Hour // kept while the burst's spares are counted
	waitFor := func(what string, done func() bool) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); !done(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %d spares, flushing %v", what, len(a.spare), a.flushing.Load())
			}
		}
	}
	burst := make([]weak.Pointer[store.AuditLog], auditFlushMax)
	for i := range burst {
		e := &store.AuditLog{Key: int64(i + 1)}
		burst[i] = weak.Make(e)
		a.later(e)
	}
	waitFor("the burst's group committed and its entries spare", func() bool {
		return len(a.spare) == auditFlushMax && !a.flushing.Load()
	})

	// Reads come again, then stop: this time the spares go after idle.
	a.spareIdle = 10 * time.Millisecond
	a.later(&store.AuditLog{Key: auditFlushMax + 1})
	waitFor("the spares given back", func() bool { return len(a.spare) == 0 && !a.flushing.Load() })
	runtime.GC()
	kept := 0
	for _, p := range burst {
		if p.Value() != nil {
			kept++
		}
	}
	if kept > 0 {
		t.Fatalf("%d of the burst's %d entries still alive after the spares were given back", kept, len(burst))
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.got) != auditFlushMax+1 {
		t.Fatalf("%d entries recorded for %d reads", len(rec.got), auditFlushMax+1)
	}
}

// An audit entry keeps at most cluster.AuditErrorMessageMax bytes of an
// error message, and never half a character: a message whose character
// crosses the bound is cut before it, and what is kept is valid UTF-8.
func TestClipKeepsWholeCharacters(t *testing.T) {
	bound := cluster.AuditErrorMessageMax
	pad := strings.Repeat("x", bound)
	for _, tc := range []struct {
		name string
		msg  string
		want int // bytes kept; -1: any cut within a character's length of the bound
	}{
		{"short", "not found", len("not found")},
		{"at the bound", pad, bound},
		{"ASCII past the bound", pad + "y", bound},
		{"two-byte character across the bound", pad[:bound-1] + "é" + "tail", bound - 1},
		{"three-byte character across the bound", pad[:bound-2] + "€" + "tail", bound - 2},
		{"four-byte character across the bound", pad[:bound-1] + "😀" + "tail", bound - 1},
		{"four-byte character ending at the bound", pad[:bound-4] + "😀" + "tail", bound},
		{"invalid bytes across the bound", pad[:bound-1] + "\x80\x80\x80\x80\x80", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := clip(tc.msg)
			if !strings.HasPrefix(tc.msg, got) {
				t.Fatalf("clip kept %q..., not the message's beginning", got[:min(len(got), 16)])
			}
			switch {
			case tc.want >= 0 && len(got) != tc.want:
				t.Errorf("clip kept %d bytes, want the first %d", len(got), tc.want)
			case tc.want < 0 && (len(got) > bound || len(got) <= bound-utf8.UTFMax):
				t.Errorf("clip kept %d bytes, want %d to %d", len(got), bound-utf8.UTFMax+1, bound)
			}
			if utf8.ValidString(tc.msg) && !utf8.ValidString(got) {
				t.Errorf("clip of valid UTF-8 is not valid UTF-8: ...%q", got[max(0, len(got)-8):])
			}
		})
	}
}
