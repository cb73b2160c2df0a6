package engine

import (
	"testing"

	"github.com/orcabpm/orca/internal/store"
)

// Variables set on a user task's scope wait, across a restart, for the
// updating listener, and are then set once.
func TestTaskVariablesUpdateSurvivesRestart(t *testing.T) {
	h := newHarness(t)
	h.deploy("tasklisteners.bpmn")
	pi := h.start("reviewed", map[string]any{"owner": ""})
	h.completeListener(h.taskListenerJob("tl-create", "CREATING").Key, nil)
	ut := h.task(pi)
	if err := h.e.SetVariables(h.ctx, ut.ElementInstanceKey, map[string]any{"note": "kept"}, true); err != nil {
		t.Fatal(err)
	}
	h.restart()
	if s := h.task(pi).State; s != store.UserTaskUpdating {
		t.Fatalf("task %s after a restart, want UPDATING", s)
	}
	h.completeListener(h.taskListenerJob("tl-update", "UPDATING").Key, nil)
	h.wantVars(ut.ElementInstanceKey, map[string]string{"note": `"kept"`})
	if s := h.task(pi).State; s != store.UserTaskCreated {
		t.Fatalf("task %s", s)
	}
}
