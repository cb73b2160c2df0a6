package store

import (
	"context"
	"encoding/json"
	"math"
	"reflect"
	"testing"
	"time"
)

// The records that encode themselves (argsAppender).
var (
	_ argsAppender = (*ProcessInstance)(nil)
	_ argsAppender = (*ElementInstance)(nil)
	_ argsAppender = (*Variable)(nil)
	_ argsAppender = (*Job)(nil)
	_ argsAppender = (*AuditLog)(nil)
)

// columnsOnly hides a record's appendArgs: Rows encodes it through Columns.
type columnsOnly struct{ Record }

// TestAppendArgsMatchColumns: each record that encodes its own columns
// (argsAppender) writes exactly the values its Columns write, for zero
// records, records with every field set, NULL-able fields at and off their
// NULL value, JSON columns (nil, empty, with text JSON escapes) and keys
// that repeat across rows (the encoder reuses boxed values), one record at a
// time and all in one batch.
func TestAppendArgsMatchColumns(t *testing.T) {
	t0 := time.UnixMilli(1_700_000_000_123).UTC()
	t1 := t0.Add(90 * time.Minute)
	const big = int64(2251799813685249)
	// Jobs that share their element's headers, encoded once (ShareHeaders),
	// and one given headers of its own afterwards, which must be encoded
	// anew.
	shared := NewHeaders(map[string]string{"k": "<v>", "a": "b\u2028"})
	share := func(j *Job, h *Headers, own map[string]string) *Job {
		j.ShareHeaders(h)
		if own != nil {
			j.CustomHeaders = own
		}
		return j
	}
	recs := []Record{
		&ProcessInstance{},
		&ProcessInstance{Key: big, ProcessDefinitionKey: big - 1, ProcessID: "order<&>", ProcessName: "Order \"process\"",
			Version: 3, VersionTag: "v3", State: "ACTIVE", StartDate: t0, HasIncident: true, TenantID: "<default>",
			RootProcessInstanceKey: big, Tags: []string{}, BusinessID: "b-1", TakenFlows: []string{"f1", "f<2>"}},
		&ProcessInstance{Key: big + 7, ProcessDefinitionKey: big - 1, ProcessID: "order<&>", State: "COMPLETED",
			StartDate: t0, EndDate: t1, TenantID: "<default>", ParentProcessInstanceKey: big, ParentElementInstanceKey: 255,
			RootProcessInstanceKey: big, Tags: []string{"a", "é\u2028"}, Version: math.MaxInt32},
		// An active instance's scope is written with it; a finished one's
		// is not.
		&ProcessInstance{Key: big + 8, ProcessDefinitionKey: 1, ProcessID: "p", State: "ACTIVE", StartDate: t0, RootProcessInstanceKey: big + 8,
			Scope: &ElementInstance{Key: big + 8, Type: "PROCESS", State: "ACTIVE", HasIncident: true, IncidentKey: big + 9,
				Runtime: ScopeRuntime{Lifecycle: "ACTIVATED", ActiveChildren: 2, Joins: map[string]map[string]int{"j": {"<a>": 1}}, extra: &ScopeExtra{MessageStart: "m\u2028"}}}},
		&ProcessInstance{Key: big + 9, State: "TERMINATED", EndDate: t1, Scope: &ElementInstance{Runtime: ScopeRuntime{Lifecycle: "TERMINATED"}}},
		&ElementInstance{},
		&ElementInstance{Key: big + 1, ProcessInstanceKey: big, RootProcessInstanceKey: big, ProcessDefinitionKey: big - 1,
			ProcessID: "order<&>", ElementID: "task", ElementName: "Task", Type: "SERVICE_TASK", State: "ACTIVE",
			StartDate: t0, TenantID: "<default>", FlowScopeKey: big,
			Runtime: ScopeRuntime{Lifecycle: "ACTIVATED", JobKey: big + 2, Joins: map[string]map[string]int{"g": {"b": 1, "a": 2}},
				extra: &ScopeExtra{Trigger: &EventTrigger{Variables: map[string]json.RawMessage{"x": json.RawMessage(`{"a": [1, 2]}`)}}}}},
		&ElementInstance{Key: big + 3, ProcessInstanceKey: big, RootProcessInstanceKey: big + 9, ProcessDefinitionKey: 1,
			State: "COMPLETED", StartDate: t0, EndDate: t1, HasIncident: true, IncidentKey: big + 4, FlowScopeKey: big,
			Runtime: ScopeRuntime{extra: &ScopeExtra{MultiInstance: &MultiInstanceRuntime{Items: []json.RawMessage{json.RawMessage(`"<x>"`)}}}}},
		&Variable{},
		&Variable{Key: big + 5, Name: "order", Value: `{"id":"<1>","n":2}`, ScopeKey: big, ProcessInstanceKey: big,
			RootProcessInstanceKey: big, ProcessDefinitionKey: big - 1, ProcessID: "order<&>", TenantID: "<default>"},
		&Variable{Key: -1, Name: "n", Value: "null", ScopeKey: big + 1, ProcessInstanceKey: big, ProcessID: "order<&>"},
		&Job{},
		&Job{Key: big + 2, Type: "pay", Worker: "w1", State: JobCreated, Kind: "BPMN_ELEMENT", Retries: 3,
			CustomHeaders: map[string]string{"k": "<v>", "a": "b"}, Deadline: t1, CreationTime: t0, LastUpdateTime: t1,
			ElementID: "task", ElementInstanceKey: big + 1, ProcessInstanceKey: big, RootProcessInstanceKey: big,
			ProcessDefinitionKey: big - 1, ProcessID: "order<&>", ProcessVersion: 3, TenantID: "<default>", Activated: true},
		&Job{Key: big + 6, Type: "pay", State: JobFailed, Kind: "EXECUTION_LISTENER", ListenerEventType: "start",
			Retries: -1, HasFailedWithRetriesLeft: true, ErrorCode: "E1", ErrorMessage: "boom", CustomHeaders: map[string]string{},
			RetryAt: t1, EndTime: t1, Denied: true, DeniedReason: "no <reason>", ProcessVersion: 256},
		share(&Job{Key: big + 12, Type: "pay", State: JobCreated, CreationTime: t0}, shared, nil),
		share(&Job{Key: big + 13, Type: "pay", State: JobCreated, CreationTime: t0}, shared, nil),
		share(&Job{Key: big + 14, Type: "pay", State: JobCreated}, shared, map[string]string{"k": "own"}),
		share(&Job{Key: big + 15, Type: "pay", State: JobCreated}, NewHeaders(map[string]string{}), nil),
		share(&Job{Key: big + 16, Type: "pay", State: JobCreated}, NewHeaders(nil), map[string]string{}),
		&AuditLog{},
		&AuditLog{Key: big + 10, Timestamp: t0, ActorID: "demo<&>", ActorType: "USER", TenantID: "<default>", Result: "SUCCESS",
			Category: "DEPLOYED_RESOURCES", EntityType: "PROCESS_INSTANCE", EntityKey: "2251799813685249", OperationType: "UNKNOWN",
			ProcessDefinitionID: "order<&>", ProcessDefinitionKey: big - 1, ProcessInstanceKey: big, ElementInstanceKey: big + 1,
			UserTaskKey: big + 11, JobKey: big + 2, InboundChannelType: "MCP", InboundChannelTool: "getProcessInstance",
			Endpoint: "/mcp/cluster", ArgumentsSize: 43, ErrorMessage: "", RootProcessInstanceKey: big},
		&AuditLog{Key: 256, Timestamp: t1, ActorType: "ANONYMOUS", Result: "FAIL", Category: "USER_TASKS", EntityType: "USER_TASK",
			EntityKey: "256", OperationType: "COMPLETE", ProcessDefinitionKey: 255, ProcessInstanceKey: 256, ElementInstanceKey: -1,
			UserTaskKey: math.MaxInt64, JobKey: 1, Endpoint: "/mcp/processes", ArgumentsSize: 256,
			ErrorMessage: "bad \u2028 <input> & \"more\"", RootProcessInstanceKey: -1},
		&AuditLog{Key: 255, ActorID: "\u2028", ActorType: "CLIENT", TenantID: "t<1>", Result: "SUCCESS", EntityKey: "",
			ProcessDefinitionID: "\u2028", ProcessInstanceKey: big, RootProcessInstanceKey: big, InboundChannelType: "REST",
			InboundChannelTool: "t<&>", ArgumentsSize: -1},
		&AuditLog{Key: -1, Timestamp: time.UnixMilli(-1).UTC(), ActorID: "demo<&>", ActorType: "USER", TenantID: "<default>",
			Result: "SUCCESS", OperationType: "UNKNOWN", ProcessDefinitionKey: big - 1, ProcessInstanceKey: big + 7,
			InboundChannelType: "MCP", InboundChannelTool: "getProcessInstance", Endpoint: "/mcp/cluster",
			ArgumentsSize: math.MaxInt64, RootProcessInstanceKey: big},
	}
	encode := func(recs ...Record) []any {
		t.Helper()
		var b Rows
		for _, r := range recs {
			if err := b.Add(r); err != nil {
				t.Fatalf("%T: %v", r, err)
			}
		}
		out := make([]any, 0, len(b.args))
		for _, a := range b.args {
			out = append(out, a) // Ordinal and Value
		}
		return out
	}
	var all, allGeneric []Record
	for _, r := range recs {
		if _, ok := r.(argsAppender); !ok {
			t.Fatalf("%T has no fast path", r)
		}
		fast, generic := encode(r), encode(columnsOnly{r})
		if len(generic) != len(r.Columns()) {
			t.Fatalf("%T: generic path wrote %d values for %d columns", r, len(generic), len(r.Columns()))
		}
		if !reflect.DeepEqual(fast, generic) {
			t.Errorf("%T %+v:\n fast    %#v\n generic %#v", r, r, fast, generic)
		}
		all, allGeneric = append(all, r), append(allGeneric, columnsOnly{r})
	}
	if fast, generic := encode(all...), encode(allGeneric...); !reflect.DeepEqual(fast, generic) {
		t.Errorf("one batch of all records:\n fast    %#v\n generic %#v", fast, generic)
	}

	// Written and read back through the store, the records are unchanged.
	s := openTest(t)
	ctx := context.Background()
	var audits []*AuditLog
	for _, r := range recs {
		if a, ok := r.(*AuditLog); ok && a.Key != 0 {
			audits = append(audits, a)
		}
	}
	var b Rows
	for _, r := range recs[1:3] {
		if err := b.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range audits {
		if err := b.Add(r); err != nil {
			t.Fatal(err)
		}
	}
	tx, err := s.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Write(ctx, &b); err != nil {
		tx.Rollback() // so that the store closes
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	for _, want := range recs[1:3] {
		got, found, err := Get(ctx, s, newPI, want.(*ProcessInstance).Key)
		if err != nil || !found {
			t.Fatalf("get %d: found %v, %v", want.(*ProcessInstance).Key, found, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back %+v, wrote %+v", got, want)
		}
	}
	for _, want := range audits {
		got, found, err := Get(ctx, s, func() *AuditLog { return new(AuditLog) }, want.Key)
		if err != nil || !found {
			t.Fatalf("get audit entry %d: found %v, %v", want.Key, found, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back %+v, wrote %+v", got, want)
		}
	}
}

// TestEncoderReusesBoxes: the encoder boxes a key or a text once for the
// rows written together that repeat it (a column's last value, or one of
// the last few of its type), so a batch allocates for the values that are
// new only: a group of one caller's reads of one instance allocates one box
// for each entry's own key, and an instance's variables and job one box
// for each key of theirs (the instance's, the element instance's, their
// own), whatever texts, times and headers they repeat.
func TestEncoderReusesBoxes(t *testing.T) {
	const big = int64(2251799813685249)
	t0 := time.UnixMilli(1_700_000_000_123).UTC()
	headers := NewHeaders(map[string]string{"currency": "EUR"})
	cases := []struct {
		name string
		recs func(i int64) []Record
		want float64 // allocations a record group
	}{
		{"audit entries of one instance", func(i int64) []Record {
			return []Record{&AuditLog{Key: big + 1000 + i, Timestamp: t0, ActorType: "ANONYMOUS", TenantID: "<default>", Result: "SUCCESS",
				Category: "ADMIN", EntityType: "PROCESS_INSTANCE", EntityKey: "2251799813685249", OperationType: "UNKNOWN",
				ProcessInstanceKey: big, InboundChannelType: "MCP", InboundChannelTool: "getProcessInstance",
				Endpoint: "/mcp/cluster", ArgumentsSize: 43, RootProcessInstanceKey: big}}
		}, 1},
		{"an instance's variables and job", func(i int64) []Record {
			pi := big + 8*i
			order := &Variable{Key: pi + 1, Name: "order", Value: `{"total":9.99}`, ScopeKey: pi, ProcessInstanceKey: pi,
				RootProcessInstanceKey: pi, ProcessDefinitionKey: big, ProcessID: "order", TenantID: "<default>"}
			cents := &Variable{Key: pi + 2, Name: "cents", Value: "999", ScopeKey: pi + 3, ProcessInstanceKey: pi,
				RootProcessInstanceKey: pi, ProcessDefinitionKey: big, ProcessID: "order", TenantID: "<default>"}
			job := &Job{Key: pi + 4, Type: "charge-card", State: JobCreated, Kind: "BPMN_ELEMENT", ListenerEventType: "UNSPECIFIED",
				Retries: 2, CreationTime: t0, LastUpdateTime: t0, ElementID: "charge", ElementInstanceKey: pi + 3,
				ProcessInstanceKey: pi, RootProcessInstanceKey: pi, ProcessDefinitionKey: big, ProcessID: "order",
				ProcessVersion: 1, TenantID: "<default>"}
			job.ShareHeaders(headers)
			return []Record{order, cents, job}
		}, 5},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// The first group boxes the values all share (once a batch):
			// what 128 groups allocate more than 64 is the groups' own.
			allocs := func(groups int64) float64 {
				var recs []Record
				for i := range groups {
					recs = append(recs, c.recs(i)...)
				}
				var rows Rows
				return testing.AllocsPerRun(20, func() {
					rows.Reset()
					for _, r := range recs {
						if err := rows.Add(r); err != nil {
							t.Fatal(err)
						}
					}
				})
			}
			if got := (allocs(128) - allocs(64)) / 64; got > c.want {
				t.Errorf("%.2f allocations a group, want at most %v", got, c.want)
			}
		})
	}
}

// TestJSONByHandAsMarshal: the JSON columns the encoder writes by hand (an
// element instance's runtime, an active process instance's scope, the
// lists of texts) hold json.Marshal's text, as the generic path writes
// them: for each field of ScopeRuntime and ProcessScope set alone and
// beside a lifecycle (so that a field added to them, which the hand-written
// text would not know, fails here), and for texts JSON escapes.
func TestJSONByHandAsMarshal(t *testing.T) {
	// set gives a field a value that is not empty, as omitempty sees it.
	set := func(f reflect.Value, text string) {
		switch f.Kind() {
		case reflect.String:
			f.SetString(text)
		case reflect.Int, reflect.Int64, reflect.Int32:
			f.SetInt(2251799813685249)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Map:
			m := reflect.MakeMap(f.Type())
			m.SetMapIndex(reflect.New(f.Type().Key()).Elem(), reflect.New(f.Type().Elem()).Elem())
			f.Set(m)
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Pointer:
			f.Set(reflect.New(f.Type().Elem()))
		case reflect.Struct:
			// ProcessScope's runtime: its fields are set one by one below.
		default:
			t.Fatalf("field of kind %s: give it a value here", f.Kind())
		}
	}
	// Each field of ScopeRuntime, and of its ScopeExtra (-1: none), set
	// alone: the extra made (empty) for the first, and not for the second.
	var runtimes []ScopeRuntime
	for _, lifecycle := range []string{"", "ACTIVATED", "a<b", "é", `"`} {
		for i := -1; i < reflect.TypeFor[ScopeRuntime]().NumField(); i++ {
			for j := -1; j < reflect.TypeFor[ScopeExtra]().NumField(); j++ {
				for _, text := range []string{"x", "x&y"} {
					rt := ScopeRuntime{Lifecycle: lifecycle}
					if i >= 0 && !reflect.TypeFor[ScopeRuntime]().Field(i).IsExported() {
						continue // the extra part: its fields are j's
					}
					if i >= 0 {
						set(reflect.ValueOf(&rt).Elem().Field(i), text)
					}
					if j >= 0 {
						set(reflect.ValueOf(rt.Extra()).Elem().Field(j), text)
					}
					runtimes = append(runtimes, rt)
				}
			}
		}
		runtimes = append(runtimes, ScopeRuntime{Lifecycle: lifecycle, ActiveChildren: -1, JobKey: 3,
			extra: &ScopeExtra{Terminate: true, ListenersDone: 2, CompensationPending: -4}})
	}
	if reflect.TypeFor[ProcessScope]().NumField() != 3 {
		t.Fatal("ProcessScope has fields the encoder's scope does not write: add them there")
	}
	var recs []Record
	for _, rt := range runtimes {
		recs = append(recs, &ElementInstance{Key: 300, Runtime: rt})
		for i := -1; i < reflect.TypeFor[ProcessScope]().NumField(); i++ {
			var ps ProcessScope
			if i >= 0 {
				set(reflect.ValueOf(&ps).Elem().Field(i), "x")
			}
			pi := &ProcessInstance{Key: 300, State: StateActive, Scope: &ElementInstance{Runtime: rt, IncidentKey: ps.IncidentKey, HasIncident: ps.HasIncident}}
			recs = append(recs, pi)
		}
	}
	for _, ss := range [][]string{nil, {}, {"f1"}, {"f1", "flow_2", ""}, {"a<b"}, {"é"}, {"\u2028"}, {"\xff"}, {`"`, `\`}, {"\x1f"}} {
		recs = append(recs, &ProcessInstance{Key: 300, Tags: ss, TakenFlows: ss})
	}
	for _, r := range recs {
		var fast, generic Rows
		if err := fast.Add(r); err != nil {
			t.Fatal(err)
		}
		if err := generic.Add(columnsOnly{r}); err != nil {
			t.Fatal(err)
		}
		for i := range generic.args {
			if got, want := fast.args[i].Value, generic.args[i].Value; got != want {
				t.Errorf("%s column %s: %#v, json.Marshal writes %#v", r.Table(), tables[r.Table()][i], got, want)
			}
		}
	}
}
