package store

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"time"
)

// Record is one row of a table. Columns returns the row's columns, in the
// table's column order, as pointers that database/sql can both scan into and
// write from (plain pointers, or the timeCol/jsonCol adapters).
type Record interface {
	Table() string
	Columns() []any
}

// Resource is one deployed file.
type Resource struct {
	Key           int64
	DeploymentKey int64
	Name          string
	Checksum      string
	Content       []byte
	TenantID      string
	DeployTime    time.Time
}

func (*Resource) Table() string { return "resources" }
func (r *Resource) Columns() []any {
	return []any{&r.Key, &r.DeploymentKey, &r.Name, &r.Checksum, &r.Content, &r.TenantID, timeCol{&r.DeployTime}}
}

// ProcessDefinition is one version of one BPMN process.
type ProcessDefinition struct {
	Key           int64
	ProcessID     string
	Name          string
	Version       int32
	VersionTag    string
	ResourceKey   int64
	ResourceName  string
	DeploymentKey int64
	Checksum      string
	TenantID      string
	DeployTime    time.Time
}

func (*ProcessDefinition) Table() string { return "process_definitions" }
func (r *ProcessDefinition) Columns() []any {
	return []any{&r.Key, &r.ProcessID, &r.Name, &r.Version, &r.VersionTag, &r.ResourceKey, &r.ResourceName,
		&r.DeploymentKey, &r.Checksum, &r.TenantID, timeCol{&r.DeployTime}}
}

// Process instance and element instance states, as the REST API names them.
const (
	StateActive     = "ACTIVE"
	StateCompleted  = "COMPLETED"
	StateTerminated = "TERMINATED"
)

// ProcessInstance is one run of a process definition.
type ProcessInstance struct {
	Key                  int64
	ProcessDefinitionKey int64
	ProcessID            string
	ProcessName          string
	Version              int32
	// HasIncident is beside Version, in one word: every active instance
	// is held in memory, and the record fits 256 bytes.
	HasIncident              bool
	VersionTag               string
	State                    string
	StartDate                time.Time
	EndDate                  time.Time
	TenantID                 string
	ParentProcessInstanceKey int64
	ParentElementInstanceKey int64
	RootProcessInstanceKey   int64
	Tags                     []string
	BusinessID               string
	// TakenFlows are the ids of the sequence flows the instance took, each
	// once, in the order first taken (Zeebe's SEQUENCE_FLOW_TAKEN, as
	// Camunda's secondary storage keeps them: one entry per flow and
	// instance).
	TakenFlows []string
	// Scope is the engine's element instance of the process itself (type
	// PROCESS), which is not a row of element_instances: what a restart
	// needs of it (ProcessScope) is stored with the instance, in column
	// scope, while the instance is active, and is NULL once it ended.
	// Element instance searches list flow nodes only, as Camunda's do.
	Scope *ElementInstance

	scopeText *string // column scope as read (StoredScope); nil: NULL
}

// ProcessScope is what column scope of an active process instance holds
// of its own element instance.
type ProcessScope struct {
	Runtime     ScopeRuntime `json:"rt"`
	IncidentKey int64        `json:"inc,omitempty"`
	HasIncident bool         `json:"hi,omitempty"`
}

// StoredScope decodes column scope as read from the store; ok is false
// when it is NULL (an instance that ended).
func (r *ProcessInstance) StoredScope() (s ProcessScope, ok bool, err error) {
	if r.scopeText == nil {
		return s, false, nil
	}
	if err := json.Unmarshal([]byte(*r.scopeText), &s); err != nil {
		return s, false, fmt.Errorf("process instance %d: scope: %w", r.Key, err)
	}
	return s, true, nil
}

// TakeStoredScope is StoredScope, and forgets the column's text: a restart
// that decoded it has no more use for it (some 50 bytes an instance).
func (r *ProcessInstance) TakeStoredScope() (s ProcessScope, ok bool, err error) {
	s, ok, err = r.StoredScope()
	r.scopeText = nil
	return s, ok, err
}

// scope is what column scope holds: the process's own element instance
// while the instance is active.
func (r *ProcessInstance) scope() *ProcessScope {
	if r.Scope == nil || r.State != StateActive {
		return nil
	}
	return &ProcessScope{Runtime: r.Scope.Runtime, IncidentKey: r.Scope.IncidentKey, HasIncident: r.Scope.HasIncident}
}

func (*ProcessInstance) Table() string { return "process_instances" }
func (r *ProcessInstance) Columns() []any {
	return []any{&r.Key, &r.ProcessDefinitionKey, &r.ProcessID, &r.ProcessName, &r.Version, &r.VersionTag,
		&r.State, timeCol{&r.StartDate}, timeCol{&r.EndDate}, &r.HasIncident, &r.TenantID,
		keyCol{&r.ParentProcessInstanceKey}, keyCol{&r.ParentElementInstanceKey}, &r.RootProcessInstanceKey,
		jsonCol{&r.Tags}, &r.BusinessID, jsonCol{&r.TakenFlows}, scopeCol{r}}
}

// scopeCol is column scope of a process instance: written from Scope,
// read as text (StoredScope decodes it).
type scopeCol struct{ r *ProcessInstance }

func (c scopeCol) Value() (driver.Value, error) {
	s := c.r.scope()
	if s == nil {
		return nil, nil
	}
	return jsonCol{s}.Value()
}

func (c scopeCol) Scan(src any) error {
	var text string
	if err := (nullString{&text}).Scan(src); err != nil {
		return err
	}
	c.r.scopeText = nil
	if text != "" {
		c.r.scopeText = &text
	}
	return nil
}

// ScopeRuntime is what the engine keeps about an element instance while it
// runs: its place in the element lifecycle and, for scopes, the tokens in it.
// Every active element instance holds one in memory; what most of them
// need is kept here, the rest (ScopeExtra) only by those that use it, made
// on first use (Extra). The stored JSON is the same either way: the extra
// fields follow the others, inlined, in their order (runtimeWire).
//
// The extra part is a named field, reached through methods, rather than an
// embedded pointer: an embedded one would promote its fields, and reading
// rt.Trigger where no extra part was made would compile and then panic on
// the engine's writer.
type ScopeRuntime struct {
	// Lifecycle is Zeebe's intent: ACTIVATING, ACTIVATED, COMPLETING,
	// TERMINATING (and COMPLETED/TERMINATED once done).
	Lifecycle string `json:"l,omitempty"`
	// ActiveChildren counts the element instances alive in this scope.
	ActiveChildren int `json:"c,omitempty"`
	// Joins records, per joining gateway of this scope, how many times each
	// incoming sequence flow was taken and not yet consumed by the join.
	Joins map[string]map[string]int `json:"j,omitempty"`
	// JobKey and UserTaskKey (and ScopeExtra's SubscriptionKeys, TimerKeys
	// and SignalKeys) are the wait states this element instance holds.
	JobKey      int64 `json:"job,omitempty"`
	UserTaskKey int64 `json:"ut,omitempty"`
	// extra is nil until one of its fields is set (Extra).
	extra *ScopeExtra
}

// Extra is the rarely used part of r, made on first use: for a change.
func (r *ScopeRuntime) Extra() *ScopeExtra {
	if r.extra == nil {
		r.extra = &ScopeExtra{}
	}
	return r.extra
}

// ReadExtra is the rarely used part of r (zero when it was never set),
// to read: a copy.
func (r *ScopeRuntime) ReadExtra() ScopeExtra {
	if r.extra == nil {
		return ScopeExtra{}
	}
	return *r.extra
}

// ExtraIfSet is the rarely used part of r, nil when it was never made:
// to read or change it only where it exists, without making it.
func (r *ScopeRuntime) ExtraIfSet() *ScopeExtra { return r.extra }

// runtimeFields is ScopeRuntime without its methods (its extra field is
// unexported, so encoding/json leaves it out); runtimeWire is the stored
// JSON: its fields, then the extra part's, inlined by encoding/json as
// embedded fields are.
type (
	runtimeFields ScopeRuntime
	runtimeWire   struct {
		*runtimeFields
		*ScopeExtra
	}
)

// MarshalJSON writes r with its extra part's fields inlined.
func (r ScopeRuntime) MarshalJSON() ([]byte, error) {
	return json.Marshal(runtimeWire{(*runtimeFields)(&r), r.extra})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *ScopeRuntime) UnmarshalJSON(b []byte) error { return r.decodeJSON(b) }

// decodeJSON decodes b into r in one pass (jsonCol calls it directly, not
// through UnmarshalJSON, which encoding/json calls only after scanning the
// value once more). As with an embedded pointer, the extra part is made
// only when b has one of its fields.
func (r *ScopeRuntime) decodeJSON(b []byte) error {
	w := runtimeWire{(*runtimeFields)(r), r.extra}
	if err := json.Unmarshal(b, &w); err != nil {
		return err
	}
	r.extra = w.ScopeExtra
	return nil
}

// ScopeExtra is the part of an element instance's runtime that few
// element instances use.
type ScopeExtra struct {
	SubscriptionKeys []int64 `json:"subs,omitempty"`
	TimerKeys        []int64 `json:"timers,omitempty"`
	SignalKeys       []int64 `json:"signals,omitempty"`
	// Terminate marks a scope that completes after terminating its children
	// (a terminate end event was reached).
	Terminate bool `json:"term,omitempty"`
	// MessageStart, on a process scope, is the key under which a message
	// start event with a correlation key created the instance: no second
	// instance starts for that key while this one is active.
	MessageStart string `json:"ms,omitempty"`
	// CalledInstance is the process instance a call activity started.
	CalledInstance int64 `json:"called,omitempty"`
	// AdHocFulfilled marks an ad-hoc sub-process whose completion condition
	// was met (or declared met by its job): it completes when its inner
	// instances are done, and gets no new job.
	AdHocFulfilled bool `json:"adhocDone,omitempty"`
	// MultiInstance is the state of a multi-instance body.
	MultiInstance *MultiInstanceRuntime `json:"mi,omitempty"`
	// Trigger is an event that happened for this element instance and is
	// not applied yet: stored with the instance in the transaction that
	// records the event, so that a restart or a rolled-back batch loses
	// nothing.
	Trigger *EventTrigger `json:"trig,omitempty"`
	// AdHocElement is the activity an ad-hoc inner instance runs.
	AdHocElement string `json:"run,omitempty"`
	// Start, on a process scope whose start execution listeners run, is
	// the element the instance starts at once they are done.
	Start string `json:"start,omitempty"`
	// ListenersDone counts the listeners of the current lifecycle step
	// (start listeners while ACTIVATING, end listeners while COMPLETING)
	// whose jobs completed; the next one's job is JobKey.
	ListenersDone int `json:"ld,omitempty"`
	// Task is the lifecycle transition of a Camunda user task whose task
	// listeners run (its listener's job is JobKey).
	Task *TaskTransition `json:"task,omitempty"`
	// Compensable are the completed activities of this scope that can be
	// compensated (one entry per completion), Nested ones from inside
	// completed sub-processes. CompensationThrow, on a compensation
	// handler, is the throw event it runs for; CompensationPending, on that
	// event, counts its handlers still running.
	Compensable         []Compensable `json:"comp,omitempty"`
	CompensationThrow   int64         `json:"compThrow,omitempty"`
	CompensationPending int           `json:"compPending,omitempty"`
}

// Compensable is a completed activity with a compensation handler.
type Compensable struct {
	ElementID string `json:"e"`
	Nested    bool   `json:"n,omitempty"`
	// ESP marks a completed sub-process whose compensation event
	// sub-process compensates it; Inner are the records it kept, which that
	// event sub-process may compensate in turn.
	ESP   bool          `json:"esp,omitempty"`
	Inner []Compensable `json:"in,omitempty"`
}

// TaskTransition is a user task's lifecycle transition (creating,
// assigning, updating, completing, canceling) while its task listeners run:
// the attributes the task will have once they are done (the request with
// the listeners' corrections), and what completing it carries.
type TaskTransition struct {
	Event     string                     `json:"ev"`
	Action    string                     `json:"act,omitempty"`
	Done      int                        `json:"done,omitempty"` // listeners done
	Attrs     UserTaskAttrs              `json:"attrs"`
	Variables map[string]json.RawMessage `json:"vars,omitempty"` // completing
	// Assignee is the process's assignee of a task being created: it is
	// assigned (with the assigning listeners) once creating is done.
	Assignee string `json:"assignee,omitempty"`
	// VariablesChanged marks an updating transition started by variables
	// set on the task's scope: Variables are set once it is done, Local
	// ones in the task's scope, others propagated.
	VariablesChanged bool `json:"varsChanged,omitempty"`
	Local            bool `json:"local,omitempty"`
}

// UserTaskAttrs are the attributes of a user task listeners see and correct.
type UserTaskAttrs struct {
	Assignee        string    `json:"assignee,omitempty"`
	CandidateGroups []string  `json:"candidateGroups,omitempty"`
	CandidateUsers  []string  `json:"candidateUsers,omitempty"`
	DueDate         time.Time `json:"dueDate,omitzero"`
	FollowUpDate    time.Time `json:"followUpDate,omitzero"`
	Priority        int32     `json:"priority"`
}

// EventTrigger is an event that happened: the variables it carries and, on
// an event-based gateway, the sequence flow to the catch event it chose.
type EventTrigger struct {
	Flow      string                     `json:"flow,omitempty"`
	Variables map[string]json.RawMessage `json:"vars,omitempty"`
}

// MultiInstanceRuntime is what a multi-instance body keeps: the evaluated
// input collection and its progress.
type MultiInstanceRuntime struct {
	Items     []json.RawMessage `json:"items"`
	Started   int               `json:"started"`
	Completed int               `json:"completed"`
}

// ElementInstance is one activation of a flow node.
type ElementInstance struct {
	Key                    int64
	ProcessInstanceKey     int64
	RootProcessInstanceKey int64
	ProcessDefinitionKey   int64
	ProcessID              string
	ElementID              string
	ElementName            string
	Type                   string
	State                  string
	StartDate              time.Time
	EndDate                time.Time
	HasIncident            bool
	// sealed is State as last sealed for writing (stateSealer), as a
	// sealCode: a byte beside HasIncident, where a string took the record,
	// which every active element instance holds in memory, from 256 to 288
	// bytes.
	sealed       uint8
	IncidentKey  int64
	TenantID     string
	FlowScopeKey int64
	Runtime      ScopeRuntime
}

func (r *ElementInstance) indexedState() string { return r.State }

func (r *ElementInstance) sealState(s string) bool {
	c := sealCode(s)
	same := r.sealed != 0 && r.sealed == c
	r.sealed = c
	return same
}

// sealCode is an element instance's state as a code, 0 for a state it
// does not know (never the same as the state sealed: written).
func sealCode(state string) uint8 {
	switch state {
	case StateActive:
		return 1
	case StateCompleted:
		return 2
	case StateTerminated:
		return 3
	}
	return 0
}

func (*ElementInstance) Table() string { return "element_instances" }
func (r *ElementInstance) Columns() []any {
	return []any{&r.Key, &r.ProcessInstanceKey, &r.RootProcessInstanceKey, &r.ProcessDefinitionKey, &r.ProcessID,
		&r.ElementID, &r.ElementName, &r.Type, &r.State, timeCol{&r.StartDate}, timeCol{&r.EndDate},
		&r.HasIncident, keyCol{&r.IncidentKey}, &r.TenantID, &r.FlowScopeKey, jsonCol{&r.Runtime}}
}

// Variable is one variable of one scope; Value is its JSON text.
type Variable struct {
	Key                    int64
	Name                   string
	Value                  string
	ScopeKey               int64
	ProcessInstanceKey     int64
	RootProcessInstanceKey int64
	ProcessDefinitionKey   int64
	ProcessID              string
	TenantID               string
}

func (*Variable) Table() string { return "variables" }
func (r *Variable) Columns() []any {
	return []any{&r.Key, &r.Name, &r.Value, &r.ScopeKey, &r.ProcessInstanceKey, &r.RootProcessInstanceKey,
		&r.ProcessDefinitionKey, &r.ProcessID, &r.TenantID}
}

// Job states as the REST API names them.
const (
	JobCreated        = "CREATED"
	JobCompleted      = "COMPLETED"
	JobFailed         = "FAILED"
	JobRetriesUpdated = "RETRIES_UPDATED"
	JobTimedOut       = "TIMED_OUT"
	JobCanceled       = "CANCELED"
	JobErrorThrown    = "ERROR_THROWN"
)

// Job is a unit of work for a job worker.
type Job struct {
	Key                      int64
	Type                     string
	Worker                   string
	State                    string
	Kind                     string
	ListenerEventType        string
	Retries                  int32
	HasFailedWithRetriesLeft bool
	ErrorCode                string
	ErrorMessage             string
	CustomHeaders            map[string]string
	Deadline                 time.Time // set while activated
	RetryAt                  time.Time // retry back-off: not activatable before
	EndTime                  time.Time
	CreationTime             time.Time
	LastUpdateTime           time.Time
	ElementID                string
	ElementInstanceKey       int64
	ProcessInstanceKey       int64
	RootProcessInstanceKey   int64
	ProcessDefinitionKey     int64
	ProcessID                string
	ProcessVersion           int32
	TenantID                 string
	Activated                bool
	// Denied and DeniedReason are a task listener's denial, set when its
	// job completes with one.
	Denied       bool
	DeniedReason string

	sealedState string   // State as last sealed for writing (stateSealer)
	headers     *Headers // CustomHeaders' text while CustomHeaders is its map (ShareHeaders)
}

func (r *Job) indexedState() string { return r.State }

func (r *Job) sealState(s string) bool {
	same := r.sealedState != "" && r.sealedState == s
	r.sealedState = s
	return same
}

func (*Job) Table() string { return "jobs" }
func (r *Job) Columns() []any {
	return []any{&r.Key, &r.Type, &r.Worker, &r.State, &r.Kind, &r.ListenerEventType, &r.Retries,
		&r.HasFailedWithRetriesLeft, &r.ErrorCode, &r.ErrorMessage, jsonCol{&r.CustomHeaders},
		timeCol{&r.Deadline}, timeCol{&r.RetryAt}, timeCol{&r.EndTime}, timeCol{&r.CreationTime}, timeCol{&r.LastUpdateTime},
		&r.ElementID, &r.ElementInstanceKey, &r.ProcessInstanceKey, &r.RootProcessInstanceKey,
		&r.ProcessDefinitionKey, &r.ProcessID, &r.ProcessVersion, &r.TenantID, &r.Activated, &r.Denied, nullString{&r.DeniedReason}}
}

// User task states as the REST API names them.
const (
	UserTaskCreated   = "CREATED"
	UserTaskCompleted = "COMPLETED"
	UserTaskCanceled  = "CANCELED"
	// While task listeners run on a transition, the task is in the
	// transition's state.
	UserTaskCreating   = "CREATING"
	UserTaskAssigning  = "ASSIGNING"
	UserTaskUpdating   = "UPDATING"
	UserTaskCompleting = "COMPLETING"
	UserTaskCanceling  = "CANCELING"
)

// UserTask is a task for a person.
type UserTask struct {
	Key                    int64
	Name                   string
	State                  string
	Assignee               string
	ElementID              string
	ElementInstanceKey     int64
	CandidateGroups        []string
	CandidateUsers         []string
	ProcessID              string
	ProcessDefinitionKey   int64
	ProcessVersion         int32
	ProcessName            string
	ProcessInstanceKey     int64
	RootProcessInstanceKey int64
	CreationDate           time.Time
	CompletionDate         time.Time
	DueDate                time.Time
	FollowUpDate           time.Time
	FormKey                int64
	ExternalFormReference  string
	CustomHeaders          map[string]string
	Priority               int32
	TenantID               string
	Tags                   []string // the process instance's
}

func (*UserTask) Table() string { return "user_tasks" }
func (r *UserTask) Columns() []any {
	return []any{&r.Key, &r.Name, &r.State, &r.Assignee, &r.ElementID, &r.ElementInstanceKey,
		jsonCol{&r.CandidateGroups}, jsonCol{&r.CandidateUsers}, &r.ProcessID, &r.ProcessDefinitionKey,
		&r.ProcessVersion, &r.ProcessName, &r.ProcessInstanceKey, &r.RootProcessInstanceKey,
		timeCol{&r.CreationDate}, timeCol{&r.CompletionDate}, timeCol{&r.DueDate}, timeCol{&r.FollowUpDate},
		keyCol{&r.FormKey}, &r.ExternalFormReference, jsonCol{&r.CustomHeaders}, &r.Priority, &r.TenantID, jsonCol{&r.Tags}}
}

// Incident states.
const (
	IncidentActive   = "ACTIVE"
	IncidentResolved = "RESOLVED"
)

// Incident is a problem that stops an element instance until resolved.
type Incident struct {
	Key                    int64
	ProcessID              string
	ProcessDefinitionKey   int64
	ProcessInstanceKey     int64
	RootProcessInstanceKey int64
	ElementID              string
	ElementInstanceKey     int64
	ErrorType              string
	ErrorMessage           string
	CreationTime           time.Time
	State                  string
	JobKey                 int64
	TenantID               string
}

func (*Incident) Table() string { return "incidents" }
func (r *Incident) Columns() []any {
	return []any{&r.Key, &r.ProcessID, &r.ProcessDefinitionKey, &r.ProcessInstanceKey, &r.RootProcessInstanceKey,
		&r.ElementID, &r.ElementInstanceKey, &r.ErrorType, &r.ErrorMessage, timeCol{&r.CreationTime}, &r.State,
		keyCol{&r.JobKey}, &r.TenantID}
}

// Message subscription states.
const (
	SubscriptionCreated    = "CREATED"
	SubscriptionCorrelated = "CORRELATED"
	SubscriptionDeleted    = "DELETED"
)

// MessageSubscription is an element instance waiting for a message, or (with
// ElementInstanceKey 0) a message start event of a process definition.
type MessageSubscription struct {
	Key                    int64
	ProcessID              string
	ProcessDefinitionKey   int64
	ProcessInstanceKey     int64
	RootProcessInstanceKey int64
	ElementID              string
	ElementInstanceKey     int64
	State                  string
	LastUpdatedDate        time.Time
	MessageName            string
	CorrelationKey         string
	TenantID               string
	// The process definition's name and version (Camunda 8.10 returns and
	// sorts by them).
	ProcessDefinitionName    string
	ProcessDefinitionVersion int32
	// ToolName is the element's io.camunda.tool:name property ("" when
	// absent), ToolProperties all its io.camunda.tool:* properties (nil
	// when none), InboundConnectorType its inbound.type property.
	ToolName             string
	ToolProperties       map[string]string
	InboundConnectorType string
}

// Message subscription types: a message start event of a process
// definition, or an element instance waiting for a message.
const (
	SubscriptionStartEvent   = "START_EVENT"
	SubscriptionProcessEvent = "PROCESS_EVENT"
)

// Type is the subscription's type, which its element instance key decides.
func (r *MessageSubscription) Type() string {
	if r.ElementInstanceKey == 0 {
		return SubscriptionStartEvent
	}
	return SubscriptionProcessEvent
}

func (*MessageSubscription) Table() string { return "message_subscriptions" }
func (r *MessageSubscription) Columns() []any {
	return []any{&r.Key, &r.ProcessID, &r.ProcessDefinitionKey, keyCol{&r.ProcessInstanceKey}, keyCol{&r.RootProcessInstanceKey},
		&r.ElementID, keyCol{&r.ElementInstanceKey}, &r.State, timeCol{&r.LastUpdatedDate}, &r.MessageName,
		&r.CorrelationKey, &r.TenantID, &r.ProcessDefinitionName, &r.ProcessDefinitionVersion, subTypeCol{r},
		nullString{&r.ToolName}, jsonCol{&r.ToolProperties}, nullString{&r.InboundConnectorType}}
}

// Message states.
const (
	MessagePublished = "PUBLISHED"
	MessageExpired   = "EXPIRED"
)

// Message is a published message; buffered while its time to live lasts.
type Message struct {
	Key            int64
	Name           string
	CorrelationKey string
	MessageID      string
	Variables      string // JSON object
	PublishTime    time.Time
	ExpireTime     time.Time
	State          string
	TenantID       string
	// CorrelatedProcesses are the BPMN process ids it was correlated to: a
	// message correlates at most once per process.
	CorrelatedProcesses []string
}

func (*Message) Table() string { return "messages" }
func (r *Message) Columns() []any {
	return []any{&r.Key, &r.Name, &r.CorrelationKey, &r.MessageID, &r.Variables, timeCol{&r.PublishTime},
		timeCol{&r.ExpireTime}, &r.State, &r.TenantID, jsonCol{&r.CorrelatedProcesses}}
}

// Timer states.
const (
	TimerCreated   = "CREATED"
	TimerTriggered = "TRIGGERED"
	TimerCanceled  = "CANCELED"
)

// Timer is a scheduled timer event: a catch event's (ElementInstanceKey set)
// or a timer start event's (ElementInstanceKey 0).
type Timer struct {
	Key                  int64
	ProcessDefinitionKey int64
	ProcessInstanceKey   int64
	ElementInstanceKey   int64
	ElementID            string
	DueDate              time.Time
	Repetitions          int
	Cycle                string
	State                string
	TenantID             string
}

func (*Timer) Table() string { return "timers" }
func (r *Timer) Columns() []any {
	return []any{&r.Key, &r.ProcessDefinitionKey, keyCol{&r.ProcessInstanceKey}, keyCol{&r.ElementInstanceKey},
		&r.ElementID, timeCol{&r.DueDate}, &r.Repetitions, &r.Cycle, &r.State, &r.TenantID}
}

// Signal subscription states.
const (
	SignalSubscriptionCreated   = "CREATED"
	SignalSubscriptionTriggered = "TRIGGERED"
	SignalSubscriptionDeleted   = "DELETED"
)

// SignalSubscription is an element instance waiting for a signal, or (with
// ElementInstanceKey 0) a signal start event of a process definition.
type SignalSubscription struct {
	Key                  int64
	ProcessID            string
	ProcessDefinitionKey int64
	ProcessInstanceKey   int64
	ElementInstanceKey   int64
	ElementID            string
	SignalName           string
	State                string
	TenantID             string
}

func (*SignalSubscription) Table() string { return "signal_subscriptions" }
func (r *SignalSubscription) Columns() []any {
	return []any{&r.Key, &r.ProcessID, &r.ProcessDefinitionKey, keyCol{&r.ProcessInstanceKey}, keyCol{&r.ElementInstanceKey},
		&r.ElementID, &r.SignalName, &r.State, &r.TenantID}
}
