package main

import (
	"slices"
	"testing"

	"github.com/orcabpm/orca/internal/engine"
)

// TestChangeOf: what a commit tells the console's live views, including
// changes that are no lifecycle transition (an assignment, variables set).
func TestChangeOf(t *testing.T) {
	cases := []struct {
		name      string
		events    []engine.Event
		keys      []int64
		userTasks bool
	}{
		{"a task assigned", []engine.Event{{Kind: engine.EventUserTaskChanged, Key: 9, ProcessInstanceKey: 1}}, []int64{1}, true},
		{"variables set", []engine.Event{{Kind: engine.EventVariableSet, Key: 8, ProcessInstanceKey: 2}, {Kind: engine.EventVariableSet, Key: 7, ProcessInstanceKey: 2}}, []int64{2}, false},
		{"a job completed", []engine.Event{{Kind: engine.EventJobCompleted, Key: 5}}, nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ch := changeOf(engine.Commit{Events: c.events})
			if !slices.Equal(ch.ProcessInstanceKeys, c.keys) || ch.UserTasks != c.userTasks {
				t.Fatalf("got keys %v, userTasks %v; want %v, %v", ch.ProcessInstanceKeys, ch.UserTasks, c.keys, c.userTasks)
			}
		})
	}
}
