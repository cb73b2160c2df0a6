package store

import (
	"bytes"
	"database/sql/driver"
	"encoding/json"
	"reflect"
	"strconv"
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

	ints    boxMemo[int64]
	strs    boxMemo[string]
	intRing [8]boxed[int64]
	strRing [16]boxed[string]
	buf     bytes.Buffer
	jsonw   *json.Encoder
	text    []byte // scratch of the JSON texts written by hand

	// start is where the row being appended begins in args.
	start int
}

// boxed is a value and the driver.Value boxing it.
type boxed[T comparable] struct {
	k T
	v driver.Value
}

// boxMemo reuses the boxes of one type's values. cols holds the value each
// column was last boxed with: the rows of a table written one after
// another mostly repeat them (the audit entries of a group of reads: who,
// which tool, where, which instance), and one comparison finds them. Other
// values are looked up in a ring of the last few boxed (an instance's key
// in its element instances' and variables' rows), which the encoder keeps
// beside the memo, each type's of its own size (box's ring).
type boxMemo[T comparable] struct {
	// cols is indexed by the column's number modulo its length, a power of
	// two above the widest row's columns (a wider row's columns would
	// share slots, and find their values less often, never wrong ones).
	cols [32]boxed[T]
	next int // the ring's slot to fill next
}

// box is k boxed for column col: the column's last, one of ring's, or a
// new one. The ring's length is a power of two. The zero value of T is
// never boxed here (an empty slot holds it).
func (m *boxMemo[T]) box(ring []boxed[T], col int, k T) driver.Value {
	c := &m.cols[col&(len(m.cols)-1)]
	if c.k == k {
		return c.v
	}
	for i := range ring {
		if ring[i].k == k {
			*c = ring[i]
			return c.v
		}
	}
	*c = boxed[T]{k, k}
	ring[m.next] = *c
	m.next = (m.next + 1) & (len(ring) - 1)
	return c.v
}

// reset forgets the boxed values (and the texts they hold).
func (e *argEncoder) reset() {
	e.ints, e.strs = boxMemo[int64]{}, boxMemo[string]{}
	clear(e.intRing[:])
	clear(e.strRing[:])
	e.err = nil
}

func (e *argEncoder) add(v driver.Value) {
	e.args = append(e.args, driver.NamedValue{Value: v})
}

// int64 appends k. Go boxes 0 to 255 without allocating; other keys go
// through the memo (so 0, an empty slot's k, never does).
func (e *argEncoder) int64(k int64) {
	if k >= 0 && k < 256 {
		e.add(k)
		return
	}
	e.add(e.ints.box(e.intRing[:], len(e.args)-e.start, k))
}

// string appends s (as the generic path does, also when empty).
func (e *argEncoder) string(s string) {
	if s == "" {
		e.add(s)
		return
	}
	e.add(e.strs.box(e.strRing[:], len(e.args)-e.start, s))
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

// The JSON columns the writer encodes most are written by hand, with
// json.Marshal's text: runtimes with no more than a lifecycle, counts, keys
// and flags, the process scope holding one, and lists of texts. Anything
// else (joins, wait-state lists, a trigger, texts that JSON escapes) goes
// through json as before; TestJSONByHandAsMarshal holds each field of
// ScopeRuntime and ProcessScope to it.

// runtime appends rt as jsonCol does.
func (e *argEncoder) runtime(rt *ScopeRuntime) {
	if b, ok := appendRuntime(e.text[:0], rt); ok {
		e.text = b
		e.add(string(b))
		return
	}
	e.json(rt)
}

// scope appends column scope of r (scopeCol): NULL, or the ProcessScope.
func (e *argEncoder) scope(r *ProcessInstance) {
	if r.Scope == nil || r.State != StateActive {
		e.add(nil)
		return
	}
	b := append(e.text[:0], `{"rt":`...)
	b, ok := appendRuntime(b, &r.Scope.Runtime)
	if !ok {
		e.json(r.scope())
		return
	}
	if k := r.Scope.IncidentKey; k != 0 {
		b = strconv.AppendInt(append(b, `,"inc":`...), k, 10)
	}
	if r.Scope.HasIncident {
		b = append(b, `,"hi":true`...)
	}
	e.text = append(b, '}')
	e.add(string(e.text))
}

// strings appends ss as jsonCol does.
func (e *argEncoder) strings(ss []string) {
	if ss == nil {
		e.add("null")
		return
	}
	b := append(e.text[:0], '[')
	for i, s := range ss {
		if !plainText(s) {
			e.json(ss)
			return
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = append(append(append(b, '"'), s...), '"')
	}
	e.text = append(b, ']')
	e.add(string(e.text))
}

// plainText says whether JSON writes s as it is between quotes:
// printable ASCII but for the quote, the backslash and what json escapes
// for HTML (<, >, &).
func plainText(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// appendRuntime appends rt's JSON text (json.Marshal's, omitempty and
// all) when it has nothing but a plain lifecycle, numbers and flags, and
// reports false, having appended nothing, otherwise.
func appendRuntime(b []byte, rt *ScopeRuntime) ([]byte, bool) {
	var none ScopeExtra
	x := rt.extra
	if x == nil {
		x = &none
	}
	if len(rt.Joins) > 0 || !plainText(rt.Lifecycle) || len(x.SubscriptionKeys) > 0 || len(x.TimerKeys) > 0 ||
		len(x.SignalKeys) > 0 || x.MessageStart != "" || x.MultiInstance != nil || x.Trigger != nil ||
		x.AdHocElement != "" || x.Start != "" || x.Task != nil || len(x.Compensable) > 0 {
		return b, false
	}
	start := len(b)
	b = append(b, '{')
	if rt.Lifecycle != "" {
		b = append(append(append(b, `"l":"`...), rt.Lifecycle...), '"')
	}
	b = appendMember(b, start, `"c":`, int64(rt.ActiveChildren))
	b = appendMember(b, start, `"job":`, rt.JobKey)
	b = appendMember(b, start, `"ut":`, rt.UserTaskKey)
	// ScopeExtra's, inlined by json in this order.
	b = appendTrue(b, start, `"term":true`, x.Terminate)
	b = appendMember(b, start, `"called":`, x.CalledInstance)
	b = appendTrue(b, start, `"adhocDone":true`, x.AdHocFulfilled)
	b = appendMember(b, start, `"ld":`, int64(x.ListenersDone))
	b = appendMember(b, start, `"compThrow":`, x.CompensationThrow)
	b = appendMember(b, start, `"compPending":`, int64(x.CompensationPending))
	return append(b, '}'), true
}

// appendMember appends a number member of an object begun at start,
// unless it is 0 (omitempty).
func appendMember(b []byte, start int, name string, v int64) []byte {
	if v == 0 {
		return b
	}
	if len(b) > start+1 {
		b = append(b, ',')
	}
	return strconv.AppendInt(append(b, name...), v, 10)
}

// appendTrue appends member (name and value) of an object begun at start
// when set is true (omitempty).
func appendTrue(b []byte, start int, member string, set bool) []byte {
	if !set {
		return b
	}
	if len(b) > start+1 {
		b = append(b, ',')
	}
	return append(b, member...)
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
	e.strings(r.Tags)
	e.string(r.BusinessID)
	e.strings(r.TakenFlows)
	e.scope(r)
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
	e.runtime(&r.Runtime)
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
