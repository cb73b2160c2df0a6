package engine

import (
	"sync"
	"testing"
	"time"
)

// rowLog keeps the user task and variable events of each commit.
type rowLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *rowLog) Committed(c Commit) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, ev := range c.Events {
		if ev.Kind == EventUserTaskChanged || ev.Kind == EventVariableSet {
			l.events = append(l.events, ev)
		}
	}
}
func (l *rowLog) StorageFailed(error, int)       {}
func (l *rowLog) StorageRecovered(time.Duration) {}

// take returns the events logged since the last take.
func (l *rowLog) take() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.events
	l.events = nil
	return out
}

// TestRowChangeEvents: with ElementEvents, changes that are no lifecycle
// transition (a user task assigned, variables set through the API) are
// reported with their process instance, so that a live view refreshes;
// without it nothing is reported.
func TestRowChangeEvents(t *testing.T) {
	log := &rowLog{}
	h := newHarnessWith(t, Options{Observer: log, ElementEvents: true, Synchronous: "NORMAL"})
	h.deploy("usertask.bpmn")
	pi := h.start("review", map[string]any{"reviewer": "ann", "urgent": false})
	uts := h.userTasks(pi)
	if len(uts) != 1 {
		t.Fatalf("%d user tasks", len(uts))
	}
	log.take()

	if err := h.e.AssignUserTask(h.ctx, uts[0].Key, "alice", true); err != nil {
		t.Fatal(err)
	}
	evs := log.take()
	if len(evs) != 1 || evs[0].Kind != EventUserTaskChanged || evs[0].Key != uts[0].Key || evs[0].ProcessInstanceKey != pi {
		t.Fatalf("after assigning: %+v", evs)
	}

	if err := h.e.SetVariables(h.ctx, pi, map[string]any{"note": "hi"}, false); err != nil {
		t.Fatal(err)
	}
	evs = log.take()
	if len(evs) != 1 || evs[0].Kind != EventVariableSet || evs[0].ElementID != "note" || evs[0].ProcessInstanceKey != pi {
		t.Fatalf("after setting a variable: %+v", evs)
	}

	quiet := &rowLog{}
	h2 := newHarnessWith(t, Options{Observer: quiet, Synchronous: "NORMAL"})
	h2.deploy("usertask.bpmn")
	pi2 := h2.start("review", map[string]any{"reviewer": "ann", "urgent": false})
	if err := h2.e.AssignUserTask(h2.ctx, h2.userTasks(pi2)[0].Key, "bob", true); err != nil {
		t.Fatal(err)
	}
	if evs := quiet.take(); len(evs) != 0 {
		t.Fatalf("without ElementEvents: %+v", evs)
	}
}
