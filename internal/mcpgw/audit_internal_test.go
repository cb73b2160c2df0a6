package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sync"
	"testing"
	"time"

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
	r.got = append(r.got, entries...)
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
