package store

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"reflect"
	"time"
)

// argsAppender is a record that encodes its columns for writing itself:
// the values Columns would give, appended without Columns' slice of
// pointers and its type switch. The records the engine writes most
// implement it (Rows.add uses it where a record does); the values must be
// exactly those of the generic path (TestAppendArgsMatchColumns).
type argsAppender interface {
	appendArgs(e *argEncoder)
}

// argEncoder appends a record's column values to a batch's arguments. It
// reuses boxed values: a key or a text seen a moment before (an instance's
// key in each of its rows, a process id, a tenant, a state) is written as
// the same driver.Value instead of a new allocation each time.
type argEncoder struct {
	args []driver.NamedValue
	err  error

	ints  [8]boxedInt
	strs  [16]boxedString
	ni    int
	ns    int
	buf   bytes.Buffer
	jsonw *json.Encoder

	// start is where the row being appended begins in args. colStrs and
	// colInts hold the value each column was last boxed with: the rows of
	// a table written one after another mostly repeat them (the audit
	// entries of a group of reads: who, which tool, where, which
	// instance), and one comparison finds them instead of a pass over
	// the last few boxed.
	start   int
	colStrs [24]boxedString
	colInts [24]boxedInt
}

type boxedInt struct {
	k int64
	v driver.Value
}

type boxedString struct {
	s string
	v driver.Value
}

// reset forgets the boxed values (and the texts they hold).
func (e *argEncoder) reset() {
	clear(e.ints[:])
	clear(e.strs[:])
	clear(e.colStrs[:])
	clear(e.colInts[:])
	e.ni, e.ns = 0, 0
	e.err = nil
}

func (e *argEncoder) add(v driver.Value) {
	e.args = append(e.args, driver.NamedValue{Value: v})
}

// int64 appends k. Go boxes 0 to 255 without allocating; other keys are
// looked up among the last few boxed (so 0, an empty slot's k, never is).
func (e *argEncoder) int64(k int64) {
	if k >= 0 && k < 256 {
		e.add(k)
		return
	}
	col := len(e.args) - e.start
	if col < len(e.colInts) && e.colInts[col].k == k {
		e.add(e.colInts[col].v)
		return
	}
	v := e.boxInt(k)
	if col < len(e.colInts) {
		e.colInts[col] = boxedInt{k, v}
	}
	e.add(v)
}

// boxInt is k boxed: one of the last few boxed, or a new one.
func (e *argEncoder) boxInt(k int64) driver.Value {
	for i := range e.ints {
		if e.ints[i].k == k {
			return e.ints[i].v
		}
	}
	v := driver.Value(k)
	e.ints[e.ni] = boxedInt{k, v}
	e.ni = (e.ni + 1) % len(e.ints)
	return v
}

// string appends s (as the generic path does, also when empty).
func (e *argEncoder) string(s string) {
	if s == "" {
		e.add(s)
		return
	}
	col := len(e.args) - e.start
	if col < len(e.colStrs) && e.colStrs[col].s == s {
		e.add(e.colStrs[col].v)
		return
	}
	v := e.boxString(s)
	if col < len(e.colStrs) {
		e.colStrs[col] = boxedString{s, v}
	}
	e.add(v)
}

// boxString is s boxed: one of the last few boxed, or a new one.
func (e *argEncoder) boxString(s string) driver.Value {
	for i := range e.strs {
		if e.strs[i].s == s {
			return e.strs[i].v
		}
	}
	v := driver.Value(s)
	e.strs[e.ns] = boxedString{s, v}
	e.ns = (e.ns + 1) % len(e.strs)
	return v
}

func (e *argEncoder) bool(b bool) { e.add(b) }

// time appends t as timeCol does: NULL when zero, else Unix milliseconds,
// boxed once for the rows that share it (the batch's time, which most rows
// written together carry).
func (e *argEncoder) time(t time.Time) {
	if t.IsZero() {
		e.add(nil)
		return
	}
	e.int64(t.UnixMilli())
}

// key appends k as keyCol does: NULL when 0.
func (e *argEncoder) key(k int64) {
	if k == 0 {
		e.add(nil)
		return
	}
	e.int64(k)
}

// nullString appends s as nullString does: NULL when empty.
func (e *argEncoder) nullString(s string) {
	if s == "" {
		e.add(nil)
		return
	}
	e.string(s)
}

// json appends v's JSON text as jsonCol does (json.Marshal's output; an
// Encoder writes the same, and a newline, into a buffer kept between
// records).
func (e *argEncoder) json(v any) {
	if e.jsonw == nil {
		e.jsonw = json.NewEncoder(&e.buf)
	}
	e.buf.Reset()
	if err := e.jsonw.Encode(v); err != nil {
		if e.err == nil {
			e.err = err
		}
		e.add(nil)
		return
	}
	e.add(string(bytes.TrimSuffix(e.buf.Bytes(), []byte{'\n'})))
}

// Headers are custom headers that the jobs of one element share, with their
// JSON text encoded once: a job's headers are its element's (unless the
// engine adds its own, for a job-worker user task or a task listener), and
// the writer encodes a job's row each time the job changes (created,
// activated, completed), which encoded the same map to the same text again
// and again. The map must not be changed once shared.
type Headers struct {
	m    map[string]string
	text string
}

// NewHeaders encodes m for sharing (Job.ShareHeaders); m becomes read-only.
func NewHeaders(m map[string]string) *Headers {
	h := &Headers{m: m}
	// A map of strings always encodes (invalid UTF-8 becomes U+FFFD); were
	// it not to, the text stays empty and each job's row encodes the map.
	if b, err := json.Marshal(m); err == nil {
		h.text = string(b)
	}
	return h
}

// Map is the shared map, read-only.
func (h *Headers) Map() map[string]string { return h.m }

// ShareHeaders makes h's map the job's CustomHeaders; its row is written
// with h's text as long as CustomHeaders is still that map (a job given
// other headers afterwards, a map of its own, is encoded as before).
func (r *Job) ShareHeaders(h *Headers) {
	r.CustomHeaders, r.headers = h.m, h
}

// headersText is the JSON text of r's CustomHeaders when it is shared
// (ShareHeaders) and still the shared map.
func (r *Job) headersText() (string, bool) {
	h := r.headers
	if h == nil || h.text == "" || reflect.ValueOf(h.m).UnsafePointer() != reflect.ValueOf(r.CustomHeaders).UnsafePointer() {
		return "", false
	}
	return h.text, true
}

func (r *ProcessInstance) appendArgs(e *argEncoder) {
	e.int64(r.Key)
	e.int64(r.ProcessDefinitionKey)
	e.string(r.ProcessID)
	e.string(r.ProcessName)
	e.int64(int64(r.Version))
	e.string(r.VersionTag)
	e.string(r.State)
	e.time(r.StartDate)
	e.time(r.EndDate)
	e.bool(r.HasIncident)
	e.string(r.TenantID)
	e.key(r.ParentProcessInstanceKey)
	e.key(r.ParentElementInstanceKey)
	e.int64(r.RootProcessInstanceKey)
	e.json(&r.Tags)
	e.string(r.BusinessID)
	e.json(&r.TakenFlows)
	if s := r.scope(); s != nil {
		e.json(s)
	} else {
		e.add(nil)
	}
}

func (r *ElementInstance) appendArgs(e *argEncoder) {
	e.int64(r.Key)
	e.int64(r.ProcessInstanceKey)
	e.int64(r.RootProcessInstanceKey)
	e.int64(r.ProcessDefinitionKey)
	e.string(r.ProcessID)
	e.string(r.ElementID)
	e.string(r.ElementName)
	e.string(r.Type)
	e.string(r.State)
	e.time(r.StartDate)
	e.time(r.EndDate)
	e.bool(r.HasIncident)
	e.key(r.IncidentKey)
	e.string(r.TenantID)
	e.int64(r.FlowScopeKey)
	e.json(&r.Runtime)
}

func (r *Variable) appendArgs(e *argEncoder) {
	e.int64(r.Key)
	e.string(r.Name)
	e.string(r.Value)
	e.int64(r.ScopeKey)
	e.int64(r.ProcessInstanceKey)
	e.int64(r.RootProcessInstanceKey)
	e.int64(r.ProcessDefinitionKey)
	e.string(r.ProcessID)
	e.string(r.TenantID)
}

func (r *Job) appendArgs(e *argEncoder) {
	e.int64(r.Key)
	e.string(r.Type)
	e.string(r.Worker)
	e.string(r.State)
	e.string(r.Kind)
	e.string(r.ListenerEventType)
	e.int64(int64(r.Retries))
	e.bool(r.HasFailedWithRetriesLeft)
	e.string(r.ErrorCode)
	e.string(r.ErrorMessage)
	if text, ok := r.headersText(); ok {
		e.string(text)
	} else {
		e.json(&r.CustomHeaders)
	}
	e.time(r.Deadline)
	e.time(r.RetryAt)
	e.time(r.EndTime)
	e.time(r.CreationTime)
	e.time(r.LastUpdateTime)
	e.string(r.ElementID)
	e.int64(r.ElementInstanceKey)
	e.int64(r.ProcessInstanceKey)
	e.int64(r.RootProcessInstanceKey)
	e.int64(r.ProcessDefinitionKey)
	e.string(r.ProcessID)
	e.int64(int64(r.ProcessVersion))
	e.string(r.TenantID)
	e.bool(r.Activated)
	e.bool(r.Denied)
	e.nullString(r.DeniedReason)
}

func (r *AuditLog) appendArgs(e *argEncoder) {
	e.int64(r.Key)
	e.time(r.Timestamp)
	e.nullString(r.ActorID)
	e.string(r.ActorType)
	e.nullString(r.TenantID)
	e.string(r.Result)
	e.string(r.Category)
	e.string(r.EntityType)
	e.string(r.EntityKey)
	e.string(r.OperationType)
	e.nullString(r.ProcessDefinitionID)
	e.key(r.ProcessDefinitionKey)
	e.key(r.ProcessInstanceKey)
	e.key(r.ElementInstanceKey)
	e.key(r.UserTaskKey)
	e.key(r.JobKey)
	e.nullString(r.InboundChannelType)
	e.nullString(r.InboundChannelTool)
	e.string(r.Endpoint)
	e.int64(r.ArgumentsSize)
	e.string(r.ErrorMessage)
	e.key(r.RootProcessInstanceKey)
}
