package engine

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/orcabpm/orca/internal/bpmn"
	"github.com/orcabpm/orca/internal/store"
)

// keyBase is the high part of every key: partition 1 in Zeebe's key format
// (partitionId << 51 | counter).
const keyBase = int64(1) << 51

// definition is a deployed process version with its parsed model.
type definition struct {
	rec  *store.ProcessDefinition
	proc *bpmn.Process
	// reach caches, per joining inclusive gateway, the elements it can be
	// reached from. Only the writer uses it.
	reach map[string]map[string]bool
	// headers caches, per element with jobs, its custom headers encoded
	// for the jobs' rows (elementHeaders). Only the writer uses it.
	headers map[*bpmn.Element]*store.Headers
}

// inst is a live element instance (the process scope included).
type inst struct {
	rec    *store.ElementInstance
	pi     *store.ProcessInstance // set on the process scope only
	el     *bpmn.Element
	def    *definition
	parent *inst // flow scope; nil for the process scope
	// children are the live element instances in this scope, in no
	// order: a slice, not a map, as most scopes hold one child (a map of
	// one entry takes about 180 bytes, for every waiting instance).
	children []*inst
	// vars are this scope's live variables.
	vars varSet
}

func (in *inst) key() int64              { return in.rec.Key }
func (in *inst) rt() *store.ScopeRuntime { return &in.rec.Runtime }
func (in *inst) lifecycle() string       { return in.rec.Runtime.Lifecycle }
func (in *inst) root() *inst {
	r := in
	for r.parent != nil {
		r = r.parent
	}
	return r
}
func (in *inst) isProcess() bool { return in.pi != nil }
func (in *inst) isBody() bool    { return in.rec.Type == string(bpmn.TypeMultiInstanceBody) }

// elementType is what this instance is: a multi-instance body, or its element.
func (in *inst) elementType() bpmn.ElementType { return bpmn.ElementType(in.rec.Type) }

// variable is a live variable with its decoded value cached for FEEL. Its
// record is part of it, one allocation (128 bytes) instead of two (144).
type variable struct {
	rec     store.Variable
	decoded any
	ok      bool
}

func (v *variable) value() any {
	if !v.ok {
		v.decoded = decodeJSON(v.rec.Value)
		v.ok = true
	}
	return v.decoded
}

// varSet is a scope's variables: a list, indexed by name once it is long.
// Most scopes hold a variable or two, and a map, even of one entry, takes
// about 250 bytes for every waiting instance.
type varSet struct {
	list   []*variable
	byName map[string]*variable // nil up to varIndexFrom variables
}

// varIndexFrom is how many variables a scope holds before they are looked
// up through a map instead of a search of the list.
const varIndexFrom = 16

func (s *varSet) get(name string) (*variable, bool) {
	if s.byName != nil {
		v, ok := s.byName[name]
		return v, ok
	}
	for _, v := range s.list {
		if v.rec.Name == name {
			return v, true
		}
	}
	return nil, false
}

// add adds a variable whose name the set does not hold yet.
func (s *varSet) add(v *variable) {
	s.list = append(s.list, v)
	switch {
	case s.byName != nil:
		s.byName[v.rec.Name] = v
	case len(s.list) > varIndexFrom:
		s.byName = make(map[string]*variable, len(s.list))
		for _, x := range s.list {
			s.byName[x.rec.Name] = x
		}
	}
}

// state is everything running instances need, owned by the writer.
type state struct {
	nextKey  int64
	savedKey int64
	// clock is the pinned clock in Unix milliseconds (0: the real clock), and
	// savedClock what the store holds, so that a pin survives a restart as
	// Zeebe's clock state does.
	clock, savedClock int64

	defs        map[int64]*definition
	latest      map[string]*definition // "tenant\x00processId" -> latest version
	insts       map[int64]*inst        // live element instances, process scopes included
	jobs        map[int64]*store.Job
	jobQueues   map[string]*jobQueue
	userTasks   map[int64]*store.UserTask
	incidents   map[int64]*store.Incident
	piIncidents map[int64]int // process instance key -> active incidents
	subs        map[int64]*store.MessageSubscription
	subsByName  byName[*store.MessageSubscription]
	messages    map[int64]*store.Message
	msgByName   byName[*store.Message]
	timers      map[int64]*store.Timer
	signalSubs  map[int64]*store.SignalSubscription
	signals     byName[*store.SignalSubscription]
	forms       formIndex      // deployed forms (see forms.go)
	dmn         *decisionState // deployed decisions (see decisions.go)
	// msgStarted maps a process and correlation key to the active instance
	// a message start event created for it.
	msgStarted map[string]int64
	// condStarts are the conditional start events' subscriptions
	// (conditionalstart.go).
	condStarts condStartIndex
	due        dueHeap

	awaiters map[int64][]*awaiter // process instance key -> waiting creators

	// carry holds the follow-up steps left over at the last commit.
	carry carryQueue

	// dirty are the records the open batch changed, in the order of their
	// first change; dirtySet says where each one's row is in the batch's
	// rows, and fresh holds those changed since their row was last
	// encoded (encodeRows).
	dirty    []store.Record
	dirtySet map[store.Record]rowMark
	fresh    []store.Record

	agents *agentCache // agent records of the batch being written (agents.go)
}

func newState() *state {
	return &state{
		nextKey:     keyBase,
		savedKey:    keyBase,
		defs:        map[int64]*definition{},
		latest:      map[string]*definition{},
		insts:       map[int64]*inst{},
		jobs:        map[int64]*store.Job{},
		jobQueues:   map[string]*jobQueue{},
		userTasks:   map[int64]*store.UserTask{},
		incidents:   map[int64]*store.Incident{},
		piIncidents: map[int64]int{},
		subs:        map[int64]*store.MessageSubscription{},
		subsByName:  byName[*store.MessageSubscription]{},
		messages:    map[int64]*store.Message{},
		msgByName:   byName[*store.Message]{},
		timers:      map[int64]*store.Timer{},
		signalSubs:  map[int64]*store.SignalSubscription{},
		signals:     byName[*store.SignalSubscription]{},
		msgStarted:  map[string]int64{},
		condStarts:  condStartIndex{},
		awaiters:    map[int64][]*awaiter{},
		dirtySet:    map[store.Record]rowMark{},
		dmn:         newDecisionState(),
	}
}

// processScope is the element instance of a process instance's own scope
// as the engine made it (newProcessInstance), with what was stored of it.
func processScope(def *definition, pi *store.ProcessInstance, sc store.ProcessScope) *store.ElementInstance {
	rec := &store.ElementInstance{
		Key:                    pi.Key,
		ProcessInstanceKey:     pi.Key,
		RootProcessInstanceKey: pi.RootProcessInstanceKey,
		ProcessDefinitionKey:   pi.ProcessDefinitionKey,
		ProcessID:              def.rec.ProcessID,
		ElementID:              def.rec.ProcessID,
		ElementName:            def.proc.Name,
		Type:                   string(bpmn.TypeProcess),
		State:                  store.StateActive,
		StartDate:              pi.StartDate,
		TenantID:               pi.TenantID,
		HasIncident:            sc.HasIncident,
		IncidentKey:            sc.IncidentKey,
		Runtime:                sc.Runtime,
	}
	pi.Scope = rec
	return rec
}

// newKey hands out the next key.
func (st *state) newKey() int64 {
	st.nextKey++
	return st.nextKey
}

// rowMark is where a changed record's row is in the open batch's rows
// (-1: not encoded yet), and whether the record changed since.
type rowMark struct {
	row   int32
	fresh bool
}

// touch marks a record as changed by the current batch. Its row is encoded
// at the end of the command that changed it (encodeRows), so a command
// touches each record it changes, even one an earlier command of the batch
// touched: a change not touched in the command that made it is not written
// (with Options.CheckUpdates, the batch's seal fails loudly instead).
func (st *state) touch(r store.Record) {
	m, ok := st.dirtySet[r]
	if !ok {
		st.dirtySet[r] = rowMark{row: -1, fresh: true}
		st.dirty = append(st.dirty, r)
		st.fresh = append(st.fresh, r)
		return
	}
	if !m.fresh {
		m.fresh = true
		st.dirtySet[r] = m
		st.fresh = append(st.fresh, r)
	}
}

// encodeRows encodes the rows of the records changed since the last call
// into the open batch's rows, replacing earlier encodings of the same
// records. Keys from newFrom on were made by the open batch.
func (st *state) encodeRows(rows *store.Rows) error {
	newFrom := st.savedKey + 1
	for i, r := range st.fresh {
		m := st.dirtySet[r]
		row, err := rows.Encode(int(m.row), r, newFrom)
		if err != nil {
			clear(st.fresh[:i])
			st.fresh = append(st.fresh[:0], st.fresh[i:]...)
			return fmt.Errorf("encode the batch's rows: %w", err)
		}
		st.dirtySet[r] = rowMark{row: int32(row)}
	}
	clear(st.fresh)
	st.fresh = st.fresh[:0]
	return nil
}

// forgetChanges drops the change tracking of a batch that is rolled back.
func (st *state) forgetChanges() {
	clear(st.dirtySet)
	clear(st.dirty)
	clear(st.fresh)
	st.dirty, st.fresh = st.dirty[:0], st.fresh[:0]
}

// checkRows says which record of the open batch changed after its row was
// encoded without being touched again (Options.CheckUpdates): a command
// (or a step, or a timer) that changed a record an earlier command of the
// batch touched, and did not touch it itself.
func (st *state) checkRows(rows *store.Rows) error {
	newFrom := st.savedKey + 1
	for _, r := range st.dirty {
		m := st.dirtySet[r]
		if m.fresh || m.row < 0 {
			continue // touched again: encoded again
		}
		if err := rows.Check(int(m.row), r, newFrom); err != nil {
			return err
		}
	}
	return nil
}

func latestKey(tenant, processID string) string { return tenant + "\x00" + processID }

// loadState restores what running instances need from the store.
func loadState(ctx context.Context, s *store.Store, log *slog.Logger, now func() time.Time) (*state, error) {
	st := newState()
	k, err := s.Meta(ctx, "key")
	if err != nil {
		return nil, err
	}
	if k > 0 {
		st.nextKey, st.savedKey = k, k
	}
	if st.clock, err = s.Meta(ctx, "clock"); err != nil {
		return nil, err
	}
	st.savedClock = st.clock

	resources, err := store.LoadAll(ctx, s, func() *store.Resource { return new(store.Resource) }, "")
	if err != nil {
		return nil, err
	}
	parsed := map[int64]*bpmn.Definitions{}
	for _, r := range resources {
		if isDMN(r.Name) {
			continue // decisions.go parses DMN models when they are evaluated
		}
		d, err := bpmn.ParseWith(r.Name, r.Content, bpmn.Options{Now: now})
		if err != nil {
			return nil, fmt.Errorf("re-parse deployed resource %s (%d): %w", r.Name, r.Key, err)
		}
		parsed[r.Key] = d
	}
	defs, err := store.LoadAll(ctx, s, func() *store.ProcessDefinition { return new(store.ProcessDefinition) }, "1 ORDER BY version")
	if err != nil {
		return nil, err
	}
	for _, rec := range defs {
		d := parsed[rec.ResourceKey]
		if d == nil {
			return nil, fmt.Errorf("process definition %d: resource %d is missing", rec.Key, rec.ResourceKey)
		}
		var proc *bpmn.Process
		for _, p := range d.Processes {
			if p.ID == rec.ProcessID {
				proc = p
			}
		}
		if proc == nil {
			return nil, fmt.Errorf("process definition %d: process %s not in resource %d", rec.Key, rec.ProcessID, rec.ResourceKey)
		}
		def := &definition{rec: rec, proc: proc}
		st.defs[rec.Key] = def
		st.condStarts.replace(st.latest[latestKey(rec.TenantID, rec.ProcessID)], def)
		st.latest[latestKey(rec.TenantID, rec.ProcessID)] = def
	}

	if err := st.loadForms(ctx, s); err != nil {
		return nil, err
	}
	if err := st.loadDecisions(ctx, s); err != nil {
		return nil, err
	}
	pis, err := store.LoadAll(ctx, s, func() *store.ProcessInstance { return new(store.ProcessInstance) }, "state = 'ACTIVE'")
	if err != nil {
		return nil, err
	}
	// The strings a restart reads are each a copy of their own, and most
	// are the same in every instance (ids, names, states, tenants): they
	// are kept once.
	str := interner{}
	// The process scopes, stored with their process instances.
	for _, pi := range pis {
		str.all(&pi.ProcessID, &pi.ProcessName, &pi.VersionTag, &pi.State, &pi.TenantID, &pi.BusinessID)
		str.list(pi.TakenFlows)
		str.list(pi.Tags)
		def := st.defs[pi.ProcessDefinitionKey]
		if def == nil {
			return nil, fmt.Errorf("process instance %d: unknown process definition %d", pi.Key, pi.ProcessDefinitionKey)
		}
		sc, ok, err := pi.TakeStoredScope()
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("process instance %d: active, but its scope is not stored", pi.Key)
		}
		str.all(&sc.Runtime.Lifecycle)
		rec := processScope(def, pi, sc)
		st.insts[pi.Key] = &inst{rec: rec, pi: pi, el: def.proc.Element, def: def}
		if k := rec.Runtime.ReadExtra().MessageStart; k != "" {
			st.msgStarted[k] = rec.Key
		}
	}
	// In no order: sorting them costs more than reading them. Files from
	// before hold rows of the process scopes too (type PROCESS), read
	// above from their instances instead.
	eis, err := store.LoadAll(ctx, s, func() *store.ElementInstance { return new(store.ElementInstance) }, store.ActiveElements+" AND type <> 'PROCESS'")
	if err != nil {
		return nil, err
	}
	for _, rec := range eis {
		def := st.defs[rec.ProcessDefinitionKey]
		if def == nil {
			return nil, fmt.Errorf("element instance %d: unknown process definition %d", rec.Key, rec.ProcessDefinitionKey)
		}
		str.all(&rec.ProcessID, &rec.ElementID, &rec.ElementName, &rec.Type, &rec.State, &rec.TenantID, &rec.Runtime.Lifecycle)
		in := &inst{rec: rec, def: def}
		in.el = def.proc.ElementByID(rec.ElementID)
		if in.el == nil {
			return nil, fmt.Errorf("element instance %d: element %s not in process %s", rec.Key, rec.ElementID, def.rec.ProcessID)
		}
		st.insts[rec.Key] = in
	}
	for _, in := range st.insts {
		if in.pi == nil {
			in.parent = st.insts[in.rec.FlowScopeKey]
			if in.parent == nil {
				return nil, fmt.Errorf("element instance %d: flow scope %d is not active", in.key(), in.rec.FlowScopeKey)
			}
			in.parent.addChild(in)
		}
	}

	// The variables of the active instances, through their scopes (the
	// instances themselves, and their element instances: that index holds
	// their keys, it reads no element instance); those of the active
	// scopes are kept.
	vars, err := store.LoadAll(ctx, s, func() *store.Variable { return new(store.Variable) },
		"scope_key IN (SELECT key FROM process_instances WHERE state = 'ACTIVE' UNION ALL "+
			"SELECT key FROM element_instances WHERE process_instance_key IN (SELECT key FROM process_instances WHERE state = 'ACTIVE'))")
	if err != nil {
		return nil, err
	}
	for _, v := range vars {
		if in := st.insts[v.ScopeKey]; in != nil {
			str.all(&v.Name, &v.ProcessID, &v.TenantID)
			in.vars.add(&variable{rec: *v})
		}
	}

	// Through their state's index, whatever the planner's statistics say
	// of it (a few states, most jobs in one: it may judge reading the
	// table in key order cheaper, which reads every job of the history).
	jobs, err := store.LoadAll(ctx, s, func() *store.Job { return new(store.Job) },
		"key IN (SELECT key FROM jobs INDEXED BY jobs_state WHERE state IN ('CREATED', 'FAILED', 'RETRIES_UPDATED', 'TIMED_OUT', 'ERROR_THROWN') AND end_time IS NULL) ORDER BY key")
	if err != nil {
		return nil, err
	}
	for _, j := range jobs {
		str.all(&j.Type, &j.Worker, &j.State, &j.Kind, &j.ListenerEventType, &j.ElementID, &j.ProcessID, &j.TenantID)
		st.jobs[j.Key] = j
		switch {
		case j.Activated:
			st.due.push(j.Deadline, dueJobDeadline, j.Key)
		case !j.RetryAt.IsZero():
			st.due.push(j.RetryAt, dueJobBackoff, j.Key)
		default:
			st.jobQueue(j.Type).push(j.Key)
		}
	}

	uts, err := store.LoadAll(ctx, s, func() *store.UserTask { return new(store.UserTask) },
		"state IN ('CREATED', 'CREATING', 'ASSIGNING', 'UPDATING', 'COMPLETING', 'CANCELING')")
	if err != nil {
		return nil, err
	}
	for _, ut := range uts {
		str.all(&ut.Name, &ut.State, &ut.Assignee, &ut.ElementID, &ut.ProcessID, &ut.ProcessName, &ut.TenantID)
		str.list(ut.CandidateGroups)
		str.list(ut.CandidateUsers)
		str.list(ut.Tags)
		st.userTasks[ut.Key] = ut
	}

	incs, err := store.LoadAll(ctx, s, func() *store.Incident { return new(store.Incident) }, "state = 'ACTIVE'")
	if err != nil {
		return nil, err
	}
	for _, inc := range incs {
		st.incidents[inc.Key] = inc
		st.piIncidents[inc.ProcessInstanceKey]++
	}

	subs, err := store.LoadAll(ctx, s, func() *store.MessageSubscription { return new(store.MessageSubscription) }, "state = 'CREATED'")
	if err != nil {
		return nil, err
	}
	for _, sub := range subs {
		st.addSub(sub)
	}

	msgs, err := store.LoadAll(ctx, s, func() *store.Message { return new(store.Message) }, "state = 'PUBLISHED'")
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		st.addMessage(m)
	}

	sigs, err := store.LoadAll(ctx, s, func() *store.SignalSubscription { return new(store.SignalSubscription) }, "state = 'CREATED'")
	if err != nil {
		return nil, err
	}
	for _, sub := range sigs {
		st.addSignalSub(sub)
	}

	timers, err := store.LoadAll(ctx, s, func() *store.Timer { return new(store.Timer) }, "state = 'CREATED'")
	if err != nil {
		return nil, err
	}
	for _, t := range timers {
		st.timers[t.Key] = t
		st.due.push(t.DueDate, dueTimer, t.Key)
	}
	for _, s := range st.pendingSteps() {
		st.carryStep(s)
	}
	log.Debug("state restored", "carriedSteps", st.carry.len(), "definitions", len(st.defs), "elementInstances", len(st.insts),
		"jobs", len(st.jobs), "userTasks", len(st.userTasks), "timers", len(st.timers))
	return st, nil
}

// interner keeps one copy of each string it is given.
type interner map[string]string

// all replaces each string with the copy kept of it.
func (m interner) all(ps ...*string) {
	for _, p := range ps {
		if *p == "" {
			continue
		}
		if s, ok := m[*p]; ok {
			*p = s
		} else {
			m[*p] = *p
		}
	}
}

// list replaces each string of l with the copy kept of it.
func (m interner) list(l []string) {
	for i := range l {
		m.all(&l[i])
	}
}

func subKey(tenant, name string) string { return tenant + "\x00" + name }

func (st *state) addSub(sub *store.MessageSubscription) {
	st.subs[sub.Key] = sub
	st.subsByName.add(subKey(sub.TenantID, sub.MessageName), sub.Key, sub)
}

func (st *state) removeSub(sub *store.MessageSubscription) {
	delete(st.subs, sub.Key)
	st.subsByName.remove(subKey(sub.TenantID, sub.MessageName), sub.Key)
}

func (st *state) addMessage(m *store.Message) {
	st.messages[m.Key] = m
	st.msgByName.add(subKey(m.TenantID, m.Name), m.Key, m)
	st.due.push(m.ExpireTime, dueMessageTTL, m.Key)
}

func (st *state) removeMessage(m *store.Message) {
	delete(st.messages, m.Key)
	st.msgByName.remove(subKey(m.TenantID, m.Name), m.Key)
}

// jobQueue holds the keys of activatable jobs of one type in creation order.
// Entries may be stale (the job was activated or finished since): the reader
// checks each one.
type jobQueue struct {
	keys []int64
	head int
}

func (q *jobQueue) push(k int64) { q.keys = append(q.keys, k) }

func (q *jobQueue) pop() (int64, bool) {
	if q.head >= len(q.keys) {
		return 0, false
	}
	k := q.keys[q.head]
	q.head++
	if q.head > 1024 && q.head*2 > len(q.keys) {
		q.keys = append(q.keys[:0], q.keys[q.head:]...)
		q.head = 0
	}
	return k, true
}

func (q *jobQueue) unpop(keys []int64) {
	// Put skipped-but-valid keys back at the front, keeping their order.
	if len(keys) == 0 {
		return
	}
	if q.head >= len(keys) {
		q.head -= len(keys)
		copy(q.keys[q.head:], keys)
		return
	}
	q.keys = append(append([]int64(nil), keys...), q.keys[q.head:]...)
	q.head = 0
}

func (st *state) jobQueue(typ string) *jobQueue {
	q := st.jobQueues[typ]
	if q == nil {
		q = &jobQueue{}
		st.jobQueues[typ] = q
	}
	return q
}

// dueKind says what a due entry stands for.
type dueKind uint8

const (
	dueTimer dueKind = iota
	dueJobDeadline
	dueJobBackoff
	dueMessageTTL
)

type dueItem struct {
	at   time.Time
	kind dueKind
	key  int64
}

// dueHeap orders everything that happens at a time. Entries can be stale;
// whoever pops one checks it against the state. It is a binary min-heap by
// time, kept by hand rather than through container/heap, whose Push and Pop
// take and give an any: every item pushed (a job's deadline at each
// activation) was boxed, an allocation on the writer. The order is
// container/heap's (the same sifting), so equal times come out as before.
type dueHeap []dueItem

func (h *dueHeap) push(at time.Time, kind dueKind, key int64) {
	*h = append(*h, dueItem{at: at, kind: kind, key: key})
	q := *h
	for j := len(q) - 1; j > 0; {
		i := (j - 1) / 2 // the parent
		if !q[j].at.Before(q[i].at) {
			break
		}
		q[i], q[j] = q[j], q[i]
		j = i
	}
}

// pop removes and returns the earliest item; the heap is not empty.
func (h *dueHeap) pop() dueItem {
	q := *h
	n := len(q) - 1
	q[0], q[n] = q[n], q[0]
	for i := 0; ; {
		j := 2*i + 1 // the left child
		if j >= n {
			break
		}
		if r := j + 1; r < n && q[r].at.Before(q[j].at) {
			j = r
		}
		if !q[j].at.Before(q[i].at) {
			break
		}
		q[i], q[j] = q[j], q[i]
		i = j
	}
	it := q[n]
	*h = q[:n]
	return it
}

func (h *dueHeap) peek() (time.Time, bool) {
	if len(*h) == 0 {
		return time.Time{}, false
	}
	return (*h)[0].at, true
}

func (h *dueHeap) dueBy(now time.Time) bool {
	return len(*h) > 0 && !(*h)[0].at.After(now)
}

func (h *dueHeap) popDue(now time.Time) (dueItem, bool) {
	if !h.dueBy(now) {
		return dueItem{}, false
	}
	return h.pop(), true
}

func (st *state) addSignalSub(sub *store.SignalSubscription) {
	st.signalSubs[sub.Key] = sub
	st.signals.add(subKey(sub.TenantID, sub.SignalName), sub.Key, sub)
}

func (st *state) removeSignalSub(sub *store.SignalSubscription) {
	delete(st.signalSubs, sub.Key)
	st.signals.remove(subKey(sub.TenantID, sub.SignalName), sub.Key)
}

// byName indexes records by "tenant\x00name" (see subKey), then by key.
type byName[T any] map[string]map[int64]T

func (m byName[T]) add(name string, key int64, v T) {
	inner := m[name]
	if inner == nil {
		inner = map[int64]T{}
		m[name] = inner
	}
	inner[key] = v
}

func (m byName[T]) remove(name string, key int64) {
	if inner := m[name]; inner != nil {
		delete(inner, key)
		if len(inner) == 0 {
			delete(m, name)
		}
	}
}
