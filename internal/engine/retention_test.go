package engine

import (
	"context"
	"database/sql/driver"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orcabpm/orca/internal/store"
)

// retentionLoad drives retention.bpmn: finished call-activity trees (some
// through an incident), and active instances that must never go.
type retentionLoad struct {
	*harness
	active []int64 // root instances that stay active
	clock  *testClock
}

// testClock is the cleanup's clock in these tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func newRetentionLoad(t *testing.T, r Retention) *retentionLoad {
	clock := &testClock{t: time.Now()}
	r.Now = clock.now
	h := newHarnessWith(t, Options{Retention: r})
	h.deploy("retention.bpmn")
	return &retentionLoad{harness: h, clock: clock}
}

// at sets both the engine's clock (instances end at it) and the cleanup's.
func (l *retentionLoad) at(t time.Time) {
	l.t.Helper()
	l.pin(t)
	l.clock.set(t)
}

// startActive starts instances that stay active: a root waiting in its
// service task, a root whose called child waits, a user task.
func (l *retentionLoad) startActive() {
	l.t.Helper()
	l.active = append(l.active,
		l.start("ret-root", map[string]any{"workType": "never-root", "child": "ret-child", "childType": "x", "big": "keep me"}),
		l.start("ret-wait", map[string]any{"note": "keep me too"}))
	k := l.start("ret-root", map[string]any{"workType": "ret-work", "child": "ret-child", "childType": "never-child"})
	l.active = append(l.active, k)
	l.finishWork(1)
	l.audit(l.active[0])
}

// finishWork completes n root service tasks.
func (l *retentionLoad) finishWork(n int) {
	l.t.Helper()
	for done := 0; done < n; {
		js := l.jobs("ret-work", 500)
		if len(js) == 0 {
			l.t.Fatalf("finishWork: %d of %d jobs done, no more", done, n)
		}
		for _, j := range js {
			l.complete(j.Key, map[string]any{"done": true})
			done++
		}
	}
}

// round runs n instances to their end; one of them fails its child's job
// without retries, gets its retries back and its incident resolved.
func (l *retentionLoad) round(n int) (incidentInstance int64) {
	l.t.Helper()
	for i := 0; i < n; i++ {
		l.start("ret-root", map[string]any{"workType": "ret-work", "child": "ret-child", "childType": "ret-child-work", "i": i})
	}
	l.finishWork(n)
	first := true
	for done := 0; done < n; {
		js := l.jobs("ret-child-work", 500)
		if len(js) == 0 {
			l.t.Fatalf("round: %d of %d child jobs done, no more", done, n)
		}
		for _, j := range js {
			if first {
				first = false
				if err := l.e.FailJob(l.ctx, j.Key, FailJobRequest{Retries: 0, ErrorMessage: "boom"}); err != nil {
					l.t.Fatal(err)
				}
				inc := l.activeIncident(j.ProcessInstanceKey)
				retries := int32(1)
				if err := l.e.UpdateJob(l.ctx, j.Key, UpdateJobRequest{Retries: &retries}); err != nil {
					l.t.Fatal(err)
				}
				if err := l.e.ResolveIncident(l.ctx, inc.Key); err != nil {
					l.t.Fatal(err)
				}
				incidentInstance = j.ProcessInstanceKey
				l.audit(incidentInstance)
				l.agent(j.ElementInstanceKey, j.Key)
				continue // activated again below
			}
			l.complete(j.Key, nil)
			done++
		}
	}
	return incidentInstance
}

// audit records an audit log entry about an instance.
func (l *retentionLoad) audit(pi int64) {
	l.t.Helper()
	if _, err := l.e.RecordAudit(l.ctx, &store.AuditLog{Timestamp: l.e.Now(), ActorType: "ANONYMOUS", Result: "SUCCESS",
		Category: "USER_TASKS", EntityType: "PROCESS_INSTANCE", EntityKey: "x", OperationType: "UPDATE",
		ProcessInstanceKey: pi, Endpoint: "/mcp/cluster"}); err != nil {
		l.t.Fatal(err)
	}
}

// agent records an agent instance with a history item for an element
// instance (as an AI agent working the job would).
func (l *retentionLoad) agent(elementInstanceKey, jobKey int64) {
	l.t.Helper()
	if _, _, err := l.e.CreateAgentInstance(l.ctx, AgentInstanceChange{ElementInstanceKey: elementInstanceKey, JobKey: jobKey,
		History: []AgentHistoryInput{{ID: "h1", Role: "USER", Body: []byte(`{"content":[]}`)}}}); err != nil {
		l.t.Fatal(err)
	}
}

// clean runs cleanup runs until one is not full.
func (l *retentionLoad) clean() (instances int) {
	l.t.Helper()
	for range 10_000 {
		res, err := l.e.CleanHistory(l.ctx)
		if err != nil {
			l.t.Fatalf("clean history: %v", err)
		}
		instances += res.Instances
		if !res.Full {
			return instances
		}
	}
	l.t.Fatal("clean history: still full after 10,000 runs")
	return 0
}

func (l *retentionLoad) count(table string) int64 {
	l.t.Helper()
	n, err := l.e.Store().CountRows(l.ctx, table)
	if err != nil {
		l.t.Fatal(err)
	}
	return n
}

func (l *retentionLoad) counts() map[string]int64 {
	out := map[string]int64{}
	for _, t := range store.HistoryTables() {
		out[t] = l.count(t)
	}
	return out
}

// wantActiveIntact checks that the active instances are there, active,
// with their variables, jobs and user task, and that no row lost its
// instance.
func (l *retentionLoad) wantActiveIntact() {
	l.t.Helper()
	for _, k := range l.active {
		l.wantState(k, store.StateActive)
	}
	if got := l.vars(l.active[0])["big"]; got != `"keep me"` {
		l.t.Fatalf("active instance %d lost its variable: big = %s", l.active[0], got)
	}
	if got := l.vars(l.active[1])["note"]; got != `"keep me too"` {
		l.t.Fatalf("active instance %d lost its variable: note = %s", l.active[1], got)
	}
	if uts := l.userTasks(l.active[1]); len(uts) != 1 || uts[0].State != store.UserTaskCreated {
		l.t.Fatalf("active instance %d: user tasks %v", l.active[1], uts)
	}
	js, err := store.Select(l.ctx, l.e.Store(), func() *store.Job { return new(store.Job) }, "state = 'CREATED' AND type IN ('never-root', 'never-child')")
	if err != nil || len(js) != 2 {
		l.t.Fatalf("jobs of the active instances: %d, %v; want 2", len(js), err)
	}
	orphans, err := l.e.Store().OrphanRows(l.ctx)
	if err != nil || len(orphans) > 0 {
		l.t.Fatalf("rows without their process instance: %v %v", orphans, err)
	}
}

// TestRetentionKeepsStoreBounded: a steady load of call-activity trees
// (with incidents) under a 1 h time to live, the clock advancing 40
// minutes a round. After each round's cleanup the rows are those of the
// active instances plus at most the two latest rounds, never fewer than the
// latest round (nothing is deleted before its time), the database stops
// growing, and the active instances are intact, across restarts.
func TestRetentionKeepsStoreBounded(t *testing.T) {
	const perRound, rounds = 60, 16
	l := newRetentionLoad(t, Retention{TTL: time.Hour, InstanceBatch: 25, RowBatch: 400})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.at(now)
	l.startActive()
	base := l.count("process_instances") // 4: two roots, a child, a user task's instance
	if base != 4 {
		t.Fatalf("active process instances: %d, want 4", base)
	}
	var sizes []int64
	var oldIncident int64
	for r := 1; r <= rounds; r++ {
		inc := l.round(perRound)
		if r == 1 {
			oldIncident = inc
		}
		now = now.Add(40 * time.Minute)
		l.at(now)
		l.clean()
		// Each round adds perRound roots and perRound children; those that
		// ended more than an hour ago are gone: the round before last.
		got := l.count("process_instances")
		lo, hi := base+2*perRound, base+2*2*perRound
		if r == 1 {
			hi = lo
		}
		if got < lo || got > hi {
			t.Fatalf("round %d: %d process instances, want %d to %d", r, got, lo, hi)
		}
		if r >= 3 {
			if _, ok, _ := store.Get(l.ctx, l.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, oldIncident); ok {
				t.Fatalf("round %d: instance %d of round 1 is still there", r, oldIncident)
			}
		}
		l.wantActiveIntact()
		sz, err := l.e.Store().DatabaseSize(l.ctx)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, sz.Bytes)
		if r == rounds/2 {
			l.restart()
			l.wantActiveIntact()
		}
	}
	c := l.counts()
	t.Logf("rows after %d rounds of %d instances: %v; database size per round: %v; file with its log: %d bytes", rounds, perRound, c, sizes, dbFileBytes(l.dir))
	// The database stops growing: the last rounds reuse the pages the
	// first ones freed.
	if last, early := sizes[len(sizes)-1], sizes[3]; float64(last) > 1.15*float64(early) {
		t.Fatalf("database grew from %d bytes (round 4) to %d (round %d): %v", early, last, rounds, sizes)
	}
	// Far in the future everything finished goes; the active stays.
	l.at(now.Add(24 * time.Hour))
	l.clean()
	if got := l.count("process_instances"); got != base {
		t.Fatalf("after all history expired: %d process instances, want the %d active", got, base)
	}
	if got := l.count("incidents"); got != 0 {
		t.Fatalf("after all history expired: %d incidents, want 0", got)
	}
	if got := l.count("audit_logs"); got != 1 {
		t.Fatalf("after all history expired: %d audit log entries, want the active instance's 1", got)
	}
	if a, h := l.count("agent_instances"), l.count("agent_history"); a != 0 || h != 0 {
		t.Fatalf("after all history expired: %d agent instances and %d history items, want none", a, h)
	}
	l.wantActiveIntact()
	// The active instances still run on: the root waiting in its task
	// calls its child.
	l.complete(l.job("never-root").Key, map[string]any{"done": true})
	l.restart()
	l.job("x")
	l.wantState(l.active[0], store.StateActive)
}

// TestRetentionRestartMidCleanup: a cleanup whose row budget runs out
// leaves trees half deleted (their instance rows last); after a restart
// the cleanup finishes them, and nothing is left without its instance.
func TestRetentionRestartMidCleanup(t *testing.T) {
	l := newRetentionLoad(t, Retention{TTL: time.Minute, InstanceBatch: 100, RowBatch: 7})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.at(now)
	l.startActive()
	l.round(20)
	l.at(now.Add(time.Hour))
	res, err := l.e.CleanHistory(l.ctx)
	if err != nil || !res.Full || res.Rows != 7 || res.Instances != 0 {
		t.Fatalf("first run: %+v %v; want a full run of 7 rows and no instance", res, err)
	}
	if got := l.count("process_instances"); got != 4+40 {
		t.Fatalf("after a partial run: %d process instances, want all 44", got)
	}
	l.restart()
	l.clean()
	if got := l.count("process_instances"); got != 4 {
		t.Fatalf("after the cleanup resumed: %d process instances, want the 4 active", got)
	}
	l.wantActiveIntact()
}

// TestRetentionJanitorTTLZero: with a time to live of zero the background
// janitor deletes what finished at its next run and keeps what is active;
// while the cleanup's clock is set back before the instances ended it
// deletes nothing; and the engine's clock, pinned far ahead through the
// clock API, does not age anything.
func TestRetentionJanitorTTLZero(t *testing.T) {
	l := newRetentionLoad(t, Retention{Enabled: true, TTL: 0, MinInterval: 5 * time.Millisecond, MaxInterval: 20 * time.Millisecond})
	l.clock.set(time.Now().Add(-24 * time.Hour))
	l.startActive()
	l.round(30)
	l.pin(time.Now().Add(365 * 24 * time.Hour))
	for range 2 {
		if res, err := l.e.CleanHistory(l.ctx); err != nil || res.Rows != 0 {
			t.Fatalf("cleanup with its clock set back: %+v %v; want nothing deleted", res, err)
		}
	}
	if got := l.count("process_instances"); got != 64 {
		t.Fatalf("with the clock set back: %d process instances, want 64", got)
	}
	l.clock.set(time.Now())
	deadline := time.Now().Add(30 * time.Second)
	for l.count("process_instances") != 4 {
		if time.Now().After(deadline) {
			t.Fatalf("the janitor left %d process instances, want the 4 active", l.count("process_instances"))
		}
		time.Sleep(5 * time.Millisecond)
	}
	l.wantActiveIntact()
}

// TestRetentionRacesOldInstanceCommands: retrying a job, resolving an
// incident, completing a job and cancelling an instance of finished
// instances while the cleanup deletes them: each is refused (NOT_FOUND or
// an invalid state), and no row comes back.
func TestRetentionRacesOldInstanceCommands(t *testing.T) {
	l := newRetentionLoad(t, Retention{TTL: time.Minute, InstanceBatch: 3, RowBatch: 20})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.at(now)
	l.startActive()
	var roots, incs, jobs []int64
	for range 10 {
		l.round(5)
	}
	ins, err := store.Select(l.ctx, l.e.Store(), func() *store.Incident { return new(store.Incident) }, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range ins {
		incs = append(incs, in.Key)
		jobs = append(jobs, in.JobKey)
		roots = append(roots, in.RootProcessInstanceKey)
	}
	l.at(now.Add(time.Hour))
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		one := int32(3)
		for {
			select {
			case <-stop:
				return
			default:
			}
			for i := range incs {
				for _, err := range []error{
					l.e.ResolveIncident(l.ctx, incs[i]),
					l.e.UpdateJob(l.ctx, jobs[i], UpdateJobRequest{Retries: &one}),
					l.e.CompleteJob(l.ctx, jobs[i], map[string]any{"x": 1}),
					l.e.FailJob(l.ctx, jobs[i], FailJobRequest{Retries: 0}),
					l.e.CancelProcessInstance(l.ctx, roots[i]),
				} {
					var ee *Error
					if err == nil || !errors.As(err, &ee) || (ee.Code != CodeNotFound && ee.Code != CodeInvalidState) {
						select {
						case errs <- err:
						default:
						}
					}
				}
			}
		}
	}()
	l.clean()
	close(stop)
	wg.Wait()
	select {
	case err := <-errs:
		t.Fatalf("a command on a finished instance: %v; want NOT_FOUND or INVALID_STATE", err)
	default:
	}
	if got := l.count("process_instances"); got != 4 {
		t.Fatalf("after the cleanup: %d process instances, want the 4 active", got)
	}
	// The active instances' jobs: two waiting, one completed.
	if inc, jobs := l.count("incidents"), l.count("jobs"); inc != 0 || jobs != 3 {
		t.Fatalf("after the cleanup: %d incidents and %d jobs, want 0 and 3", inc, jobs)
	}
	l.wantActiveIntact()
}

// The database file on disk, for the log.
func dbFileBytes(dir string) (n int64) {
	for _, f := range []string{store.FileName, store.FileName + "-wal"} {
		if fi, err := os.Stat(filepath.Join(dir, f)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// TestRetentionRowsOfNoInstance: audit log entries of no existing process
// instance (reads of definitions, calls naming an instance that does not
// exist) and the fired timers of a cyclic timer start event belong to no
// instance tree; they go once their time to live has passed, measured from
// when they were written or due. An active instance's entries, its rows and
// the timer start event's next timer stay, across a restart, and the timer
// still fires.
func TestRetentionRowsOfNoInstance(t *testing.T) {
	l := newRetentionLoad(t, Retention{TTL: time.Hour, InstanceBatch: 100, RowBatch: 1000})
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.at(t0)
	l.deploy("retention-ticker.bpmn")
	l.startActive() // one audit entry of an active instance, at t0
	// A read of a definition; a call naming an instance that never existed.
	read := &store.AuditLog{ActorType: "ANONYMOUS", Result: "SUCCESS", Category: "DEPLOYED_RESOURCES", EntityType: "RESOURCE",
		EntityKey: "1", OperationType: "UNKNOWN", Endpoint: "/mcp/cluster", InboundChannelTool: "getProcessDefinition"}
	bogus := &store.AuditLog{ActorType: "ANONYMOUS", Result: "FAIL", Category: "DEPLOYED_RESOURCES", EntityType: "PROCESS_INSTANCE",
		EntityKey: "999999999", OperationType: "UNKNOWN", Endpoint: "/mcp/cluster", ProcessInstanceKey: 999_999_999,
		InboundChannelTool: "getProcessInstance", ErrorMessage: "not found"}
	if _, err := l.e.RecordAudit(l.ctx, read, bogus); err != nil {
		t.Fatal(err)
	}
	ticks := func() int {
		l.t.Helper()
		pis, err := store.Select(l.ctx, l.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, "process_id = 'ret-ticker'")
		if err != nil {
			l.t.Fatal(err)
		}
		return len(pis)
	}
	timers := func(state string) int64 {
		l.t.Helper()
		ts, err := store.Select(l.ctx, l.e.Store(), func() *store.Timer { return new(store.Timer) }, "process_instance_key IS NULL AND state = ?", state)
		if err != nil {
			l.t.Fatal(err)
		}
		return int64(len(ts))
	}
	// Two hours, ten minutes at a time: the ticker fired 12 times, at 0:10
	// to 2:00, and its instances ended then.
	for i := 1; i <= 12; i++ {
		l.at(t0.Add(time.Duration(i) * 10 * time.Minute))
	}
	later := *read
	later.Timestamp = time.Time{}
	if _, err := l.e.RecordAudit(l.ctx, &later); err != nil { // at 2:00
		t.Fatal(err)
	}
	if n, fired := ticks(), timers(store.TimerTriggered); n != 12 || fired != 12 || timers(store.TimerCreated) != 1 {
		t.Fatalf("after two hours: %d ticker instances, %d fired and %d waiting timers; want 12, 12, 1", n, fired, timers(store.TimerCreated))
	}
	if got := l.count("audit_logs"); got != 4 {
		t.Fatalf("audit log entries: %d, want 4", got)
	}
	// The time to live is an hour: what was written or due before 1:00 goes.
	l.clean()
	if n, fired := ticks(), timers(store.TimerTriggered); n != 7 || fired != 7 {
		t.Fatalf("after the cleanup: %d ticker instances and %d fired timers, want 7 and 7 (those of 1:00 to 2:00)", n, fired)
	}
	if got := l.count("audit_logs"); got != 2 {
		t.Fatalf("after the cleanup: %d audit log entries, want 2 (the active instance's and the read at 2:00)", got)
	}
	l.wantActiveIntact() // no entry names an instance that is gone
	l.restart()
	// A day later (the cleanup's clock only): everything of no instance
	// goes; the active instance's entry and the waiting timer stay.
	l.clock.set(t0.Add(26 * time.Hour))
	l.clean()
	if fired, waiting := timers(store.TimerTriggered), timers(store.TimerCreated); fired != 0 || waiting != 1 {
		t.Fatalf("a day later: %d fired and %d waiting timers, want 0 and 1", fired, waiting)
	}
	if got := l.count("audit_logs"); got != 1 {
		t.Fatalf("a day later: %d audit log entries, want the active instance's 1", got)
	}
	l.wantActiveIntact()
	l.restart()
	l.pin(t0.Add(2*time.Hour + 10*time.Minute))
	if n := ticks(); n != 1 {
		t.Fatalf("the timer start event after the cleanup and a restart: %d ticker instances, want 1 more tick", n)
	}
}

// loseTransactionOnCleanup is a store.Options.WrapWriter under which every
// deletion of a variable fails the way a full disk or an I/O error fails
// the cleanup's DELETEs: SQLite rolls back the whole transaction (a TEMP
// trigger of the write connection raising ROLLBACK). The tables must exist
// when the connection opens.
func loseTransactionOnCleanup(c driver.Connector) driver.Connector { return losingConnector{c} }

type losingConnector struct{ driver.Connector }

func (c losingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	x, ok := conn.(driver.ExecerContext)
	if !ok {
		conn.Close()
		return nil, errors.New("the driver's connection runs no statements of its own")
	}
	if _, err := x.ExecContext(ctx, `CREATE TEMP TRIGGER lose_the_transaction BEFORE DELETE ON variables
BEGIN SELECT RAISE(ROLLBACK, 'the disk failed (test)'); END`, nil); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// A cleanup run whose deletion SQLite answers by rolling back the whole
// transaction fails the batch it rode in (store.Tx), and the batch's retry
// goes without it: the run reports the failure, nothing is deleted, the
// engine goes on taking commands, and it is not stuck retrying a batch
// whose deletion fails every time (a deletion that needs a page on a full
// disk where the batch's own rows fit).
func TestRetentionLostTransactionRetriesWithoutCleanup(t *testing.T) {
	l := newRetentionLoad(t, Retention{TTL: time.Minute, InstanceBatch: 100, RowBatch: 1000})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l.at(now)
	l.startActive()
	l.round(3)
	before := l.counts()
	l.opts.Store.WrapWriter = loseTransactionOnCleanup
	l.restart()
	l.at(now.Add(time.Hour))
	// A run stuck behind a batch retried for ever would never end: the
	// deadline only turns that hang into a failure.
	ctx, cancel := context.WithTimeout(l.ctx, 2*time.Minute)
	defer cancel()
	_, err := l.e.CleanHistory(ctx)
	if err == nil || !strings.Contains(err.Error(), "the disk failed (test)") {
		t.Fatalf("cleanup run: %v, want the deletion's failure", err)
	}
	if got := l.counts(); !maps.Equal(got, before) {
		t.Errorf("rows after the failed run %v, want %v as before it", got, before)
	}
	k := l.start("ret-wait", map[string]any{"note": "after"})
	if _, ok, err := store.Get(l.ctx, l.e.Store(), func() *store.ProcessInstance { return new(store.ProcessInstance) }, k); !ok || err != nil {
		t.Errorf("the instance started after the failed run is not stored (%v)", err)
	}
	l.wantActiveIntact()
}
