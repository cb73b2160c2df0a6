package engine

import "github.com/orcabpm/orca/internal/bpmn"

// Start execution listeners of a process, as Camunda 8.6+ runs them: the
// process instance is ACTIVATING with its variables while they run, one
// job after the other; their variables are process variables; then the
// instance is ACTIVATED, its event sub-processes subscribe, and the
// element it was created at (the none start event, or the message, timer,
// signal or conditional start event that created it) is activated. The
// element is stored with the process scope (ScopeRuntime.Start), so a
// restart in between starts it once. Instances created with
// startInstructions skip them, as Zeebe's element activation does.

// processStartListeners stores where a new instance starts and lets its
// start listeners run; it reports whether the process has any.
func (w *writer) processStartListeners(in *inst, start *bpmn.Element) bool {
	if len(in.el.Listeners(bpmn.ListenerStart)) == 0 {
		return false
	}
	in.rt().Extra().Start = start.ID
	w.touch(in)
	w.enqueue(stepActivate, in.key())
	return true
}

// startAfterListeners is the activation step of a process scope whose
// start listeners run: it creates the next listener's job, or, when all
// are done, activates the process and its start element.
func (w *writer) startAfterListeners(in *inst) {
	if !w.runListeners(in, bpmn.ListenerStart) {
		return
	}
	start := in.def.proc.ElementByID(in.rt().ReadExtra().Start)
	trigger := in.rt().ReadExtra().Trigger
	if x := in.rt().ExtraIfSet(); x != nil {
		x.Start, x.Trigger = "", nil
	}
	w.processActivated(in)
	if start != nil {
		w.activateStart(in, start, trigger)
	}
}
