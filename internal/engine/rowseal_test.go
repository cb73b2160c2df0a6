package engine

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/orcabpm/orca/internal/store"
	"github.com/orcabpm/orca/internal/store/storetest"
)

// A command's rows are encoded when it ends, while the batch before it is
// committed; a record a later command of the same batch changes again is
// encoded again in its row's place, so the batch writes its last values.
// A later command that changes such a record without touching it would
// lose that change: Options.CheckUpdates (on in every engine test) finds it
// when the next command ends or the batch is sealed, and fails loudly.
func TestBatchWritesEachRecordsLastChange(t *testing.T) {
	for _, tc := range []struct {
		name       string
		touchAgain bool
	}{
		{"touched again: the last change is written", true},
		{"changed without a touch: the check fails the batch", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			faults := &storetest.Faults{}
			var mu sync.Mutex
			var unreported []error
			h := newHarnessWith(t, Options{Store: store.Options{WrapWriter: faults.Wrap}, onUnreported: func(err error) {
				mu.Lock()
				defer mu.Unlock()
				unreported = append(unreported, err)
			}})
			h.deploy("order.bpmn")
			h.start("order", map[string]any{"order": map[string]any{"total": 1}})
			job := h.job("charge-card").Key
			e, ctx := h.e, context.Background()

			// Hold a commit, so that the next two commands share a batch.
			applied := e.stats.Applied.Load()
			faults.Hold()
			errs := make(chan error, 3)
			go func() {
				_, err := e.CreateProcessInstance(ctx, CreateInstanceRequest{ProcessID: "order", Variables: map[string]any{"order": map[string]any{"total": 2}}})
				errs <- err
			}()
			waitFor(t, "a commit to be held", func() bool { return faults.Held() == 1 })
			change := func(msg string, touch bool) {
				_, err := do(ctx, e, func(w *writer) (struct{}, error) {
					j := w.st.jobs[job]
					if touch {
						w.st.touch(j)
					}
					j.ErrorMessage = msg
					return struct{}{}, nil
				})
				errs <- err
			}
			go change("first", true)
			waitFor(t, "the first change to be applied", func() bool { return e.stats.Applied.Load() == applied+2 })
			go change("second", tc.touchAgain)
			waitFor(t, "the second change to be applied", func() bool { return e.stats.Applied.Load() == applied+3 })
			faults.Release()
			var failed []error
			for range 3 {
				if err := <-errs; err != nil {
					failed = append(failed, err)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.touchAgain {
				if len(failed) > 0 || len(unreported) > 0 {
					t.Fatalf("commands failed: %v; unreported changes: %v", failed, unreported)
				}
				h.restart()
				if got := h.jobRecord(job).ErrorMessage; got != "second" {
					t.Fatalf("stored error message %q, want the batch's last change %q", got, "second")
				}
				return
			}
			if len(unreported) != 1 || !strings.Contains(unreported[0].Error(), "column error_message changed after its row was encoded") {
				t.Fatalf("unreported changes found: %v, want the job's error message", unreported)
			}
			// The batch of both changes is rolled back; the held one commits.
			var ee *Error
			if len(failed) != 2 || !errors.As(failed[0], &ee) || ee.Code != CodeInternal {
				t.Fatalf("failed commands: %v, want both changes' (internal error)", failed)
			}
			h.restart()
			if got := h.jobRecord(job).ErrorMessage; got != "" {
				t.Fatalf("stored error message %q of a rolled-back batch", got)
			}
		})
	}
}
